"""Head-to-head runs: samplers x benchmark x seeds, counted in distinct queries.

Every sampler is used as an Optuna user would use it: a study, ``space.suggest(trial)``
in the objective, the benchmark's search value returned. A query is a distinct cell; a
repeated cell is answered from the benchmark's cache and does not count, and a run goes
on until ``budget`` queries (or ``trial_cap_factor x budget`` trials) are reached.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lso_sampler.benchmarks import Benchmark, get_benchmark
from lso_sampler.spaces.base import SearchSpace

__all__ = [
    "DEFAULT_SAMPLERS",
    "REPORT_BUDGETS",
    "SAMPLER_NAMES",
    "RunResult",
    "anytime_curves",
    "compare",
    "make_sampler",
    "run_one",
    "summarize",
]

#: Budgets at which ``summary.md`` reports (those up to the run's budget).
REPORT_BUDGETS = (16, 32, 48, 64, 96, 128, 192)


def _optuna_sampler(factory: str) -> Callable[[SearchSpace, int], Any]:
    def make(space: SearchSpace, seed: int) -> Any:
        import optuna

        return getattr(optuna.samplers, factory)(seed=seed)

    return make


def _lso_sampler(cls_name: str, **options: Any) -> Callable[[SearchSpace, int], Any]:
    def make(space: SearchSpace, seed: int) -> Any:
        from lso_sampler import optuna_samplers

        return getattr(optuna_samplers, cls_name)(space, seed=seed, **options)

    return make


#: name -> (factory(space, seed), parameter encoding). Optuna's samplers with their defaults.
_SAMPLERS: dict[str, tuple[Callable[[SearchSpace, int], Any], str]] = {
    "random": (_optuna_sampler("RandomSampler"), "categorical"),
    "tpe": (_optuna_sampler("TPESampler"), "categorical"),
    "cmaes": (_optuna_sampler("CmaEsSampler"), "integer"),
    "gp": (_optuna_sampler("GPSampler"), "integer"),
    "evolution": (_lso_sampler("RegularizedEvolutionSampler"), "categorical"),
    "local-search": (_lso_sampler("LocalSearchSampler"), "categorical"),
    "agnet": (_lso_sampler("AGNetSampler"), "categorical"),
    # AG-Net's ablations (the paper's Table 6)
    "agnet-no-weighting": (_lso_sampler("AGNetSampler", weighted_retraining=False), "categorical"),
    "agnet-no-backprop": (_lso_sampler("AGNetSampler", backprop_surrogate=False), "categorical"),
    "graph-vae": (_lso_sampler("GraphVAESampler"), "categorical"),
    "graph-vae-svge": (_lso_sampler("GraphVAESampler", encoder="svge"), "categorical"),
    "graph-vae-gin": (_lso_sampler("GraphVAESampler", encoder="gin"), "categorical"),
    "convex-lso": (_lso_sampler("ConvexLSOSampler"), "categorical"),
}
SAMPLER_NAMES = tuple(_SAMPLERS)
#: What ``compare`` runs when no samplers are named: all but ``gp``, whose trials get slow
#: (seconds each past ~100 trials on 2 cores) and which often repeats cells.
DEFAULT_SAMPLERS = ("random", "tpe", "cmaes", "evolution", "local-search")


def make_sampler(name: str, space: SearchSpace, seed: int) -> tuple[Any, SearchSpace]:
    """The Optuna sampler called ``name`` and the space in the encoding it is run with."""
    if name not in _SAMPLERS:
        raise ValueError(f"samplers: unknown sampler {name!r}; choose from {list(SAMPLER_NAMES)}")
    factory, encoding = _SAMPLERS[name]
    run_space = space.with_encoding(encoding)
    return factory(run_space, seed), run_space


@lru_cache(maxsize=4)
def _benchmark(name: str, data_dir: str | None) -> Benchmark:
    return get_benchmark(name, data_dir=data_dir)


@dataclass
class RunResult:
    """One sampler on one seed."""

    sampler: str
    seed: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    trials: int = 0
    invalid: int = 0
    capped: bool = False
    seconds: float = 0.0
    #: Peak resident memory of the run's process in MB (``None`` unless the run had a
    #: process of its own, see ``compare(isolate=...)``).
    peak_rss_mb: float | None = None
    #: Total and largest time spent in ``study.ask()`` + ``space.suggest(trial)``, all trials.
    sampler_seconds: float = 0.0
    slowest_suggestion: float = 0.0


def _peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def run_one(
    benchmark: str,
    sampler: str,
    seed: int,
    budget: int,
    data_dir: str | None = None,
    trial_cap_factor: int = 20,
    threads: int | None = None,
    own_process: bool = False,
) -> RunResult:
    """Run ``sampler`` with ``seed`` on ``benchmark`` until ``budget`` distinct queries.

    ``threads`` sets torch's intra-op threads for the run (``None`` leaves them);
    ``own_process`` says the run has its process to itself, so its peak memory is recorded.
    """
    import optuna
    from optuna.trial import TrialState

    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    bench = _benchmark(benchmark, data_dir)
    bench.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental-feature warnings of Optuna's samplers
        opt_sampler, space = make_sampler(sampler, bench.space, seed)
    study = optuna.create_study(direction="maximize", sampler=opt_sampler)
    result = RunResult(sampler, seed)
    cap = trial_cap_factor * budget
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        while bench.num_queries < budget and result.trials < cap:
            t0 = time.perf_counter()
            trial = study.ask()
            cell = space.suggest(trial)
            suggest_s = time.perf_counter() - t0
            result.sampler_seconds += suggest_s
            result.slowest_suggestion = max(result.slowest_suggestion, suggest_s)
            result.trials += 1
            if not space.is_valid(cell):
                result.invalid += 1
                study.tell(trial, state=TrialState.FAIL)
                continue
            rec = bench.query(cell)
            study.tell(trial, rec.search_value)
            if not rec.cached:
                result.rows.append(
                    {
                        "sampler": sampler,
                        "seed": seed,
                        "query": bench.num_queries,
                        "trial": trial.number,
                        "cell_key": rec.key,
                        "search_value": rec.search_value,
                        "reported_value": rec.reported_value,
                        "sampler_seconds": suggest_s,
                    }
                )
    result.capped = bench.num_queries < budget
    result.seconds = time.perf_counter() - start
    if own_process:
        result.peak_rss_mb = _peak_rss_mb()
    return result


def anytime_curves(queries: pd.DataFrame, budget: int) -> dict[str, np.ndarray]:
    """Per sampler, a ``[seeds, budget]`` array: the reported value of the best-by-search
    cell among the first q queries (carried forward if a run ended early)."""
    curves: dict[str, np.ndarray] = {}
    for sampler, frame in queries.groupby("sampler", sort=False):
        rows = []
        for _, run in frame.groupby("seed"):
            run = run.sort_values("query")
            best_s, best_r, out = -math.inf, math.nan, []
            for s, r in zip(run["search_value"], run["reported_value"]):
                if s > best_s:
                    best_s, best_r = s, r
                out.append(best_r)
            out += [out[-1] if out else math.nan] * (budget - len(out))
            rows.append(out[:budget])
        curves[str(sampler)] = np.asarray(rows, dtype=float)
    return curves


def summarize(
    queries: pd.DataFrame,
    runs: Sequence[RunResult],
    bench: Benchmark,
    budget: int,
    command: str,
    trial_cap_factor: int = 20,
) -> str:
    """The ``summary.md`` text."""
    curves = anytime_curves(queries, budget)
    budgets = [b for b in REPORT_BUDGETS if b <= budget] or [budget]
    if budget not in budgets and budget > budgets[-1]:
        budgets.append(budget)
    try:
        opt = bench.optimum
    except NotImplementedError:
        opt = None
    lines = [
        f"# {bench.name}: {len(curves)} samplers x {len({r.seed for r in runs})} seeds, budget {budget} queries",
        "",
        f"Command: `{command}`",
        "",
        "Reported value of the best-by-search cell after q distinct queries: mean ± std over seeds.",
    ]
    if opt is not None:
        lines.append(
            f"Benchmark optimum: search {opt.search_value:.2f} -> reported {opt.reported_value:.2f} "
            f"(best reported value overall {opt.best_reported_value:.2f})."
        )
    lines += ["", "| sampler | " + " | ".join(f"q={b}" for b in budgets) + " | optimum found | trials | capped |"]
    lines.append("|---" * (len(budgets) + 4) + "|")
    cost = [
        "",
        "Sampler overhead per run: time in `study.ask()` + `space.suggest(trial)` (all trials) divided",
        "by the run's distinct queries, the slowest single suggestion, and the peak resident memory of",
        "the run's process (measured only when each run has a process of its own: `--jobs` > 1 or",
        "`--isolate`). Median over seeds, max over seeds in brackets.",
        "",
        "| sampler | s/query (median query) | s/query (total / queries) | slowest suggestion (s) | peak memory (MB) |",
        "|---|---|---|---|---|",
    ]
    for sampler, arr in curves.items():
        sruns = [r for r in runs if r.sampler == sampler]
        cells = [f"{np.nanmean(arr[:, b - 1]):.2f} ± {np.nanstd(arr[:, b - 1]):.2f}" for b in budgets]
        frame = queries[queries["sampler"] == sampler]
        if opt is not None:
            found = sum(
                int((g["search_value"] >= opt.search_value - 1e-9).any()) for _, g in frame.groupby("seed")
            )
            found_s = f"{found}/{len(sruns)}"
        else:
            found_s = "n/a"
        trials = int(np.median([r.trials for r in sruns]))
        capped = sum(r.capped for r in sruns)
        lines.append(f"| {sampler} | " + " | ".join(cells) + f" | {found_s} | {trials} (median) | {capped} |")
        med = float(frame["sampler_seconds"].median())
        per_q = [r.sampler_seconds / max(1, len(r.rows)) for r in sruns]
        slow = [r.slowest_suggestion for r in sruns]
        rss = [r.peak_rss_mb for r in sruns if r.peak_rss_mb is not None]
        rss_s = f"{np.median(rss):.0f} [{max(rss):.0f}]" if rss else "not measured"
        cost.append(
            f"| {sampler} | {med:.4f} | {np.median(per_q):.4f} [{max(per_q):.4f}] | "
            f"{np.median(slow):.3f} [{max(slow):.3f}] | {rss_s} |"
        )
    lines += cost
    lines += [
        "",
        "Columns: `optimum found` = seeds whose queries include the cell with the best search value;",
        "`trials` = Optuna trials used (repeats of a queried cell and invalid cells cost a trial, not a",
        f"query); `capped` = runs stopped by the trial cap ({trial_cap_factor} x budget trials) before",
        "the budget; their curves carry the last value forward.",
    ]
    return "\n".join(lines) + "\n"


def plot_curves(queries: pd.DataFrame, bench: Benchmark, budget: int, path: Path) -> None:
    """Anytime curves (mean ± std band over seeds) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = anytime_curves(queries, budget)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    x = np.arange(1, budget + 1)
    for sampler, arr in curves.items():
        mean, std = np.nanmean(arr, 0), np.nanstd(arr, 0)
        ax.plot(x, mean, label=sampler)
        ax.fill_between(x, mean - std, mean + std, alpha=0.15)
    try:
        ax.axhline(bench.optimum.reported_value, color="k", ls="--", lw=1, label="optimum")
    except NotImplementedError:
        pass
    ax.set_xlabel("queries (distinct cells)")
    ax.set_ylabel("reported value of the best-by-search cell")
    ax.set_title(bench.name)
    lo = np.nanpercentile(np.concatenate([a[:, min(9, budget - 1):].ravel() for a in curves.values()]), 2)
    ax.set_ylim(bottom=lo)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def compare(
    benchmark: str = "nasbench-graph:cora",
    samplers: Sequence[str] = DEFAULT_SAMPLERS,
    seeds: int = 10,
    budget: int = 100,
    data_dir: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] = "lso-compare",
    jobs: int = 1,
    progress: bool = True,
    command: str | None = None,
    trial_cap_factor: int = 20,
    isolate: bool = False,
) -> pd.DataFrame:
    """Run every sampler on ``seeds`` seeds and write ``queries.csv``, ``summary.md`` and
    ``curves.png`` under ``out``. Returns the queries table.

    With ``jobs`` > 1, or ``isolate``, every run gets a fresh process (so its peak memory
    is its own and is reported) and torch gets ``cpu_count // jobs`` threads per run, so
    parallel runs do not oversubscribe the cores.

    Example:
        >>> table = compare(samplers=["random", "tpe"], seeds=2, budget=20, out=tmp, progress=False)  # doctest: +SKIP
    """
    from tqdm.auto import tqdm

    for s in samplers:
        make_sampler(s, _benchmark(benchmark, None if data_dir is None else str(data_dir)).space, 0)
    if seeds < 1:
        raise ValueError(f"seeds: must be at least 1, got {seeds}")
    if budget < 1:
        raise ValueError(f"budget: must be at least 1, got {budget}")
    if jobs < 1:
        raise ValueError(f"jobs: must be at least 1, got {jobs}")
    if trial_cap_factor < 1:
        raise ValueError(f"trial_cap_factor: must be at least 1, got {trial_cap_factor}")
    ddir = None if data_dir is None else str(data_dir)
    bench = _benchmark(benchmark, ddir)
    own = jobs > 1 or isolate
    threads = max(1, (os.cpu_count() or 1) // jobs) if own else None
    tasks = [
        (benchmark, s, seed, budget, ddir, trial_cap_factor, threads, own)
        for s in samplers
        for seed in range(seeds)
    ]
    runs: list[RunResult] = []
    bar = tqdm(total=len(tasks), desc=f"compare {benchmark}", disable=not progress, unit="run")
    if not own:
        for t in tasks:
            bar.set_postfix_str(f"{t[1]} seed {t[2]}")
            runs.append(run_one(*t))
            bar.update()
    else:
        import multiprocessing as mp

        with ProcessPoolExecutor(
            max_workers=jobs, mp_context=mp.get_context("spawn"), max_tasks_per_child=1
        ) as pool:
            futures = [pool.submit(run_one, *t) for t in tasks]
            for fut in as_completed(futures):
                runs.append(fut.result())
                bar.update()
    bar.close()
    order = {(t[1], t[2]): i for i, t in enumerate(tasks)}
    runs.sort(key=lambda r: order[(r.sampler, r.seed)])
    queries = pd.DataFrame([row for r in runs for row in r.rows])
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    queries.to_csv(out_dir / "queries.csv", index=False)
    cmd = command or (
        f"lso-sampler compare --benchmark {benchmark} --samplers {','.join(samplers)} "
        f"--seeds {seeds} --budget {budget} --jobs {jobs}" + (" --isolate" if isolate and jobs == 1 else "")
    )
    (out_dir / "summary.md").write_text(summarize(queries, runs, bench, budget, cmd, trial_cap_factor))
    plot_curves(queries, bench, budget, out_dir / "curves.png")
    return queries
