"""Wall time and quality of one search run by 1, 2 and 4 parallel workers.

For each seed: the sequential run (one process, ``study.optimize``), Optuna worker processes
sharing a journal-file storage, and Ray Tune with the matching searcher and
``max_concurrent_trials``; every run stops at ``--budget`` completed trials (distinct cells:
the samplers never repeat one). A trial is a benchmark lookup (milliseconds), so the wall time
is the search's own cost plus the framework's; with real training the trials dominate and
parallel workers pay off far more than here.

    LSO_SAMPLER_DATA=../shared/benchmarks python benchmarks/distributed.py \\
        --benchmark nasbench201:cifar10 --sampler agnet --workers 1,2,4 --seeds 3 --budget 192 \\
        --out benchmarks/results/distributed_nasbench201

Writes ``runs.csv`` and ``summary.md`` (median wall time, its ratio to the sequential run,
and the mean ± std test accuracy of the best-by-validation cell at the budget).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("RAY_AUTH_MODE", "disabled")

def _best(values: list[tuple[float, float]]) -> float:
    """Reported value of the best-by-search of ``(search, reported)`` pairs."""
    return max(values, key=lambda v: v[0])[1]


# -- Optuna --------------------------------------------------------------------------------
def optuna_worker(bench_name: str, sampler_name: str, seed: int, storage_path: str, budget: int) -> None:
    """One worker process: optimise until the shared study has ``budget`` completed trials."""
    import optuna
    import torch
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from optuna.study import MaxTrialsCallback
    from optuna.trial import TrialState

    from lso_sampler.benchmarks import get_benchmark
    from lso_sampler.compare import make_sampler

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    bench = get_benchmark(bench_name)
    sampler, space = make_sampler(sampler_name, bench.space, seed)
    storage = JournalStorage(JournalFileBackend(storage_path))
    study = optuna.load_study(study_name="run", storage=storage, sampler=sampler)

    def objective(trial: optuna.Trial) -> float:
        rec = bench.query(space.suggest(trial))
        trial.set_user_attr("reported", rec.reported_value)
        return rec.search_value

    study.optimize(objective, callbacks=[MaxTrialsCallback(budget, states=(TrialState.COMPLETE,))])


def run_optuna(bench_name: str, sampler_name: str, seed: int, workers: int, budget: int) -> tuple[float, float, int]:
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from optuna.trial import TrialState

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "journal.log")
        storage = JournalStorage(JournalFileBackend(path))
        optuna.create_study(study_name="run", storage=storage, direction="maximize")
        args = [bench_name, sampler_name, str(seed), path, str(budget)]
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, __file__, "--worker", *args], env=env) for _ in range(workers)]
        codes = [p.wait() for p in procs]
        wall = time.perf_counter() - start
        if any(codes):
            raise RuntimeError(f"an Optuna worker failed: exit codes {codes}")
        trials = optuna.load_study(study_name="run", storage=storage).get_trials(states=(TrialState.COMPLETE,))
        trials = sorted(trials, key=lambda t: t.datetime_complete)[:budget]  # workers may overshoot by one each
        best = _best([(t.value, t.user_attrs["reported"]) for t in trials])
        return wall, best, len(trials)


# -- Ray Tune ------------------------------------------------------------------------------
_BENCH = None


def _ray_trainable(config: dict) -> None:
    from ray import tune

    global _BENCH
    if _BENCH is None:
        from lso_sampler.benchmarks import get_benchmark

        _BENCH = get_benchmark(config["_benchmark"])
    rec = _BENCH.query(_BENCH.space.from_params(config, strict=False))
    tune.report({"search": rec.search_value, "reported": rec.reported_value})


def run_ray(bench_name: str, sampler_name: str, seed: int, workers: int, budget: int) -> tuple[float, float, int]:
    import ray
    from ray import tune

    from lso_sampler.benchmarks import get_benchmark
    from lso_sampler.integrations.ray import make_searcher

    space = get_benchmark(bench_name).space
    searcher = make_searcher(sampler_name, space, metric="search", mode="max", seed=seed)
    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            tuner = tune.Tuner(
                _ray_trainable,
                param_space={"_benchmark": bench_name},
                tune_config=tune.TuneConfig(
                    search_alg=searcher, num_samples=budget, max_concurrent_trials=workers, reuse_actors=True
                ),
                run_config=tune.RunConfig(name="run", storage_path=tmp, verbose=0),
            )
            results = tuner.fit()
            wall = time.perf_counter() - start
    finally:
        ray.shutdown()
    done = [r.metrics for r in results if r.metrics and "search" in r.metrics]
    return wall, _best([(m["search"], m["reported"]) for m in done]), len(done)


def run_sequential(bench_name: str, sampler_name: str, seed: int, budget: int) -> tuple[float, float, int]:
    import optuna
    import torch

    from lso_sampler.benchmarks import get_benchmark
    from lso_sampler.compare import make_sampler

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    bench = get_benchmark(bench_name)
    bench.reset()
    sampler, space = make_sampler(sampler_name, bench.space, seed)
    start = time.perf_counter()
    study = optuna.create_study(direction="maximize", sampler=sampler)
    pairs: list[tuple[float, float]] = []

    def objective(trial: optuna.Trial) -> float:
        rec = bench.query(space.suggest(trial))
        pairs.append((rec.search_value, rec.reported_value))
        return rec.search_value

    study.optimize(objective, n_trials=budget)
    return time.perf_counter() - start, _best(pairs), len(pairs)


def summarise(runs: pd.DataFrame, command: str) -> str:
    seq = runs[runs.backend == "sequential"].wall_s.median()
    lines = [
        f"# Parallel workers: {runs.sampler.iloc[0]} on {runs.benchmark.iloc[0]}, budget {runs.budget.iloc[0]}",
        "",
        f"Command: `{command}`",
        "",
        "Wall time of a whole run (median over seeds) and its ratio to the sequential run's median",
        "(the sequential run's clock starts after the benchmark is loaded; the Optuna workers' clock",
        "includes starting their processes and loading it, about 2 s; Ray's includes starting the",
        "trial actors but not `ray.init`);",
        "test accuracy of the best-by-validation cell at the budget, mean ± std over seeds.",
        "",
        "| backend | workers | wall s (median) | x sequential | best reported (mean ± std) | completed trials |",
        "|---|---|---|---|---|---|",
    ]
    for (backend, workers), g in runs.groupby(["backend", "workers"], sort=False):
        wall = g.wall_s.median()
        lines.append(
            f"| {backend} | {workers} | {wall:.1f} | {wall / seq:.2f} | "
            f"{g.best_reported.mean():.2f} ± {g.best_reported.std(ddof=0):.2f} | {int(g.completed.median())} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        bench, sampler, seed, path, budget = sys.argv[2:7]
        optuna_worker(bench, sampler, int(seed), path, int(budget))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="nasbench201:cifar10")
    parser.add_argument("--sampler", default="agnet", help="a method of lso_sampler.methods (e.g. agnet, evolution)")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=192)
    parser.add_argument("--backends", default="sequential,optuna-journal,ray")
    parser.add_argument("--out", default="benchmarks/results/distributed")
    args = parser.parse_args()
    data = os.environ.get("LSO_SAMPLER_DATA")
    if data:  # Ray runs trials in their own folders: a relative data path would not resolve there
        os.environ["LSO_SAMPLER_DATA"] = str(Path(data).resolve())
    workers = [int(w) for w in args.workers.split(",")]
    backends = args.backends.split(",")
    rows = []
    for seed in range(args.seeds):
        for backend in backends:
            for k in [1] if backend == "sequential" else workers:
                if backend == "sequential":
                    wall, best, done = run_sequential(args.benchmark, args.sampler, seed, args.budget)
                elif backend == "optuna-journal":
                    wall, best, done = run_optuna(args.benchmark, args.sampler, seed, k, args.budget)
                else:
                    wall, best, done = run_ray(args.benchmark, args.sampler, seed, k, args.budget)
                rows.append(
                    {"benchmark": args.benchmark, "sampler": args.sampler, "budget": args.budget, "seed": seed,
                     "backend": backend, "workers": k, "wall_s": wall, "best_reported": best, "completed": done}
                )
                print(f"seed {seed} {backend} x{k}: {wall:.1f} s, best {best:.2f}, {done} trials", flush=True)
    runs = pd.DataFrame(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs.to_csv(out / "runs.csv", index=False)
    command = "python benchmarks/distributed.py " + " ".join(sys.argv[1:])
    (out / "summary.md").write_text(summarise(runs, command))
    print(summarise(runs, command))
    print(f"wrote {out / 'runs.csv'}, {out / 'summary.md'}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
