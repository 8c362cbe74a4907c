"""The ``lso-sampler`` command line."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence

from lso_sampler.benchmarks import BENCHMARK_NAMES, InvalidCellError, get_benchmark

#: Optuna samplers the ``search`` command can run (the LSO samplers join as they land).
SEARCH_SAMPLERS = ("random", "tpe")


def _make_sampler(name: str, seed: int):  # noqa: ANN202 - optuna imported lazily
    import optuna

    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    raise ValueError(f"--sampler: unknown sampler {name!r}; choose one of {list(SEARCH_SAMPLERS)}")


def cmd_list(_: argparse.Namespace) -> int:
    """Print the benchmark and sampler names."""
    print("benchmarks:")
    for name in BENCHMARK_NAMES:
        print(f"  {name}")
    print("samplers:")
    for name in SEARCH_SAMPLERS:
        print(f"  {name}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """One Optuna study on a benchmark, counted in distinct queries."""
    import optuna

    if args.budget < 1:
        raise SystemExit("--budget: must be at least 1")
    bench = get_benchmark(args.benchmark, data_dir=args.data_dir)
    space = bench.space
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=_make_sampler(args.sampler, args.seed))
    max_trials = 20 * args.budget
    best = -math.inf
    best_result = None
    start = time.perf_counter()

    def objective(trial: optuna.Trial) -> float:
        nonlocal best, best_result
        cell = space.suggest(trial)
        result = bench.query(cell)  # InvalidCellError fails the trial, caught below
        trial.set_user_attr("cell_key", result.key)
        trial.set_user_attr("reported_value", result.reported_value)
        if not result.cached and result.search_value > best:
            best, best_result = result.search_value, result
        return result.search_value

    def stop_at_budget(study: optuna.Study, _trial: optuna.trial.FrozenTrial) -> None:
        if bench.num_queries >= args.budget or len(study.trials) >= max_trials:
            study.stop()

    study.optimize(objective, n_trials=max_trials, callbacks=[stop_at_budget], catch=(InvalidCellError,))
    elapsed = time.perf_counter() - start
    print(f"benchmark {bench.name}, sampler {args.sampler}, seed {args.seed}")
    print(f"queries {bench.num_queries} (distinct cells) in {len(study.trials)} trials, {elapsed:.1f} s")
    if bench.num_queries < args.budget:
        print(f"stopped at the trial cap ({max_trials}) before the budget of {args.budget} queries")
    if best_result is not None:
        print(f"best search value {best_result.search_value:.2f}, reported {best_result.reported_value:.2f}")
        print(f"best cell {best_result.cell}")
        try:
            opt = bench.optimum
            print(
                f"benchmark optimum: search {opt.search_value:.2f}, reported {opt.reported_value:.2f}"
                f"; regret {opt.best_reported_value - best_result.reported_value:.2f}"
            )
        except NotImplementedError:
            pass
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``lso-sampler``."""
    parser = argparse.ArgumentParser(prog="lso-sampler", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="print the benchmark and sampler names")
    p_list.set_defaults(func=cmd_list)
    p_search = sub.add_parser("search", help="run one Optuna sampler on a benchmark")
    p_search.add_argument("--benchmark", default="nasbench-graph:cora", help="see `lso-sampler list`")
    p_search.add_argument("--sampler", default="tpe", choices=SEARCH_SAMPLERS)
    p_search.add_argument("--budget", type=int, default=100, help="distinct cells to query")
    p_search.add_argument("--seed", type=int, default=0)
    p_search.add_argument("--data-dir", default=None, help="benchmark data folder (default $LSO_SAMPLER_DATA)")
    p_search.set_defaults(func=cmd_search)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lso-sampler`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ValueError, FileNotFoundError) as err:
        print(f"lso-sampler: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
