"""The ``lso-sampler`` command line: list, compare, search."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from lso_sampler.benchmarks import BENCHMARK_NAMES
from lso_sampler.compare import (
    DEFAULT_COST_SAMPLERS,
    DEFAULT_SAMPLERS,
    LEADS,
    SETTINGS,
    is_plugin_spec,
    load_plugin,
    parse_sampler,
    sampler_names,
    sampler_table,
)


def cmd_list(_: argparse.Namespace) -> int:
    """Print the benchmark names and the runnable sampler names (Optuna's own samplers, then
    every registered method and ablation, read from the registry now)."""
    print("benchmarks:")
    for name in BENCHMARK_NAMES:
        print(f"  {name}")
    print("samplers:")
    for name in sampler_names():
        print(f"  {name}")
    return 0


def _sampler_list(text: str) -> list[str]:
    """The comma-separated sampler specs of ``--samplers``: names (``tpe``, ``agnet:joint``)
    or plug-ins (``[name=]module.path:factory``), each checked (a plug-in is imported)."""
    names = [s.strip() for s in text.split(",") if s.strip()]
    for n in names:
        try:
            if is_plugin_spec(n):
                load_plugin(n)
            else:
                sampler_table()[parse_sampler(n)[0]].check_available()  # a peer's package present
        except (ValueError, ImportError) as exc:
            raise ValueError(f"--{exc}") from None
    if not names:
        raise ValueError("--samplers: give at least one sampler name")
    return names


def cmd_compare(args: argparse.Namespace) -> int:
    """Samplers x seeds on one benchmark -> queries.csv, summary.md, curves.png; on several
    (``--benchmark a,b``) those per benchmark in ``out/<name>/`` and leaderboard.md/.csv."""
    from lso_sampler.compare import bench_dir_name, compare

    samplers = None if args.samplers is None else _sampler_list(args.samplers)
    command = "lso-sampler " + " ".join(shlex.quote(a) for a in args.argv)
    compare(
        benchmark=args.benchmark,
        samplers=samplers,
        seeds=args.seeds,
        budget=args.budget,
        data_dir=args.data_dir,
        out=args.out,
        jobs=args.jobs,
        progress=not args.quiet,
        command=command,
        trial_cap_factor=args.trial_cap,
        isolate=args.isolate,
        in_flight=args.in_flight,
        latency_limit=args.latency_limit,
        setting=args.setting,
        lead=args.lead,
        resume=args.resume,
    )
    out = Path(args.out)
    if (out / "leaderboard.md").exists() and "," in args.benchmark:
        print((out / "leaderboard.md").read_text())
        dirs = ", ".join(f"{args.out}/{bench_dir_name(b.strip())}/" for b in args.benchmark.split(",") if b.strip())
        print(f"wrote {args.out}/leaderboard.md, {args.out}/leaderboard.csv and per benchmark {dirs}")
        return 0
    print((out / "summary.md").read_text())
    extra = f", {args.out}/pareto.png" if (out / "pareto.png").exists() else ""
    print(f"wrote {args.out}/queries.csv, {args.out}/summary.md, {args.out}/curves.png{extra}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """One sampler, one seed: print the best cell found within the budget."""
    from lso_sampler.compare.running import _benchmark, run_one

    if args.budget < 1:
        raise ValueError("--budget: must be at least 1")
    spec = _sampler_list(args.sampler)[0]
    name, plugin = load_plugin(spec) if is_plugin_spec(spec) else (spec, None)
    run = run_one(args.benchmark, name, args.seed, args.budget, args.data_dir, plugin=plugin)
    bench = _benchmark(args.benchmark, args.data_dir)
    print(f"benchmark {bench.name}, sampler {run.sampler}, seed {run.seed}")
    print(f"queries {len(run.rows)} (distinct cells) in {run.trials} trials, {run.seconds:.1f} s")
    if run.capped:
        print(f"stopped at the trial cap before the budget of {args.budget} queries")
    if run.rows:
        best = max(run.rows, key=lambda r: r["search_value"])
        cell = next(r.cell for r in bench.history if r.key == best["cell_key"])
        print(f"best search value {best['search_value']:.2f}, reported {best['reported_value']:.2f}")
        print(f"best cell {cell}")
        try:
            opt = bench.optimum
            print(
                f"benchmark optimum: search {opt.search_value:.2f}, reported {opt.reported_value:.2f}"
                f"; regret {opt.best_reported_value - best['reported_value']:.2f}"
            )
        except NotImplementedError:
            pass
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``lso-sampler``."""
    parser = argparse.ArgumentParser(
        prog="lso-sampler",
        description="Latent-space optimisation samplers for NAS: benchmarks and comparisons.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="print the benchmark and sampler names")
    p_list.set_defaults(func=cmd_list)

    p_cmp = sub.add_parser("compare", help="samplers x seeds on one or more benchmarks, counted in queries")
    p_cmp.add_argument(
        "--benchmark",
        default="nasbench-graph:cora",
        help="see `lso-sampler list`; several comma-separated (a,b,c) add leaderboard.md over them",
    )
    p_cmp.add_argument(
        "--samplers",
        default=None,
        help=f"comma-separated names (see `lso-sampler list`), each optionally with :constrained or :joint "
        "on a latency benchmark, or plug-ins [name=]module.path:factory (factory(space, seed) -> optuna "
        "sampler) "
        f"(default: {','.join(DEFAULT_SAMPLERS)}, on a latency benchmark {','.join(DEFAULT_COST_SAMPLERS)}; "
        "gp is slow, name it to add it)",
    )
    p_cmp.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 per sampler (default 5)")
    p_cmp.add_argument("--budget", type=int, default=40, help="distinct cells per run (default 40)")
    p_cmp.add_argument("--data-dir", default=None, help="benchmark data folder (default $LSO_SAMPLER_DATA)")
    p_cmp.add_argument("--out", default="lso-compare", help="output folder (default ./lso-compare)")
    p_cmp.add_argument("--jobs", type=int, default=1, help="parallel processes (default 1)")
    p_cmp.add_argument(
        "--in-flight",
        type=int,
        default=1,
        help="trials each run keeps asked and not yet told, as K parallel workers would (default 1)",
    )
    p_cmp.add_argument(
        "--trial-cap", type=int, default=20, help="stop a run after this many x budget trials (default 20)"
    )
    p_cmp.add_argument(
        "--isolate",
        action="store_true",
        help="run each run in a fresh process and report its peak memory (implied by --jobs > 1)",
    )
    p_cmp.add_argument(
        "--latency-limit",
        type=float,
        default=None,
        help="nasbench201-latency:<device> only: the constraint latency <= this many ms",
    )
    p_cmp.add_argument(
        "--setting",
        choices=SETTINGS,
        default=None,
        help="nasbench201-latency only: 'constrained' (accuracy under the limit) or 'joint' (accuracy "
        "and latency); a sampler's own suffix wins, e.g. agnet:joint (default: constrained with a "
        "limit, else joint)",
    )
    p_cmp.add_argument(
        "--lead",
        choices=LEADS,
        default=None,
        help="first table of summary.md: best search value ('search') or reported value of the "
        "best-by-search cell ('reported') (default: search on nasbench-graph, else reported)",
    )
    p_cmp.add_argument(
        "--resume",
        action="store_true",
        help="read back the runs an interrupted compare with the same settings saved in OUT/runs/ "
        "and run only the rest (without it the saved runs are deleted and every run is made again)",
    )
    p_cmp.add_argument("--quiet", action="store_true", help="no progress bar")
    p_cmp.set_defaults(func=cmd_compare)

    p_search = sub.add_parser("search", help="run one sampler on a benchmark and print the best cell")
    p_search.add_argument("--benchmark", default="nasbench-graph:cora", help="see `lso-sampler list`")
    p_search.add_argument(
        "--sampler", default="tpe", help=f"one of {', '.join(sampler_names())}, or a plug-in module.path:factory"
    )
    p_search.add_argument("--budget", type=int, default=100, help="distinct cells to query")
    p_search.add_argument("--seed", type=int, default=0)
    p_search.add_argument("--data-dir", default=None, help="benchmark data folder (default $LSO_SAMPLER_DATA)")
    p_search.set_defaults(func=cmd_search)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lso-sampler`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        return int(args.func(args))
    except (ValueError, FileNotFoundError) as err:
        print(f"lso-sampler: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
