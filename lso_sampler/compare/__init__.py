"""Head-to-head runs: samplers x benchmark x seeds, counted in distinct queries.

:func:`compare` runs each sampler on each seed and writes ``queries.csv``, ``summary.md``
and ``curves.png`` (and ``pareto.png`` on a benchmark with a cost). The pieces live in
submodules, all re-exported here:

- :mod:`~lso_sampler.compare.registry`: the runnable samplers (Optuna's own plus every
  method of :mod:`lso_sampler.methods`), sampler specs and settings;
- :mod:`~lso_sampler.compare.running`: one run (:func:`run_one`) and many, in this process
  or a process each;
- :mod:`~lso_sampler.compare.metrics`: anytime curves, hypervolume, fronts, per-run stats;
- :mod:`~lso_sampler.compare.report`: the ``summary.md`` text;
- :mod:`~lso_sampler.compare.plots`: the figures.

Every sampler is used as an Optuna user would use it: a study, ``space.suggest(trial)``
in the objective, the benchmark's search value returned. A query is a distinct cell; a
repeated cell is answered from the benchmark's cache and does not count, and a run goes
on until ``budget`` queries (or ``trial_cap_factor x budget`` trials) are reached.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from lso_sampler.compare.metrics import (
    CostScale,
    RunStats,
    anytime_curves,
    hypervolume_2d,
    pareto_front,
    run_stats,
)
from lso_sampler.compare.plots import plot_curves, plot_pareto
from lso_sampler.compare.registry import (
    DEFAULT_COST_SAMPLERS,
    DEFAULT_SAMPLERS,
    SETTINGS,
    make_sampler,
    methods_of,
    parse_sampler,
    resolve_setting,
    sampler_names,
)
from lso_sampler.compare.report import REPORT_BUDGETS, cost_summary, summarize
from lso_sampler.compare.running import RunResult, _benchmark, run_all, run_one

__all__ = [
    "DEFAULT_COST_SAMPLERS",
    "DEFAULT_SAMPLERS",
    "REPORT_BUDGETS",
    "SAMPLER_NAMES",
    "SETTINGS",
    "CostScale",
    "RunResult",
    "RunStats",
    "anytime_curves",
    "compare",
    "cost_summary",
    "hypervolume_2d",
    "make_sampler",
    "pareto_front",
    "parse_sampler",
    "plot_curves",
    "plot_pareto",
    "resolve_setting",
    "run_one",
    "run_stats",
    "sampler_names",
    "summarize",
]


def __getattr__(name: str) -> Any:
    """``SAMPLER_NAMES``: :func:`sampler_names` now, so it never misses a method registered
    after this package was imported (new code calls :func:`sampler_names`)."""
    if name == "SAMPLER_NAMES":
        return sampler_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def compare(
    benchmark: str = "nasbench-graph:cora",
    samplers: Sequence[str] | None = None,
    seeds: int = 10,
    budget: int = 100,
    data_dir: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] = "lso-compare",
    jobs: int = 1,
    progress: bool = True,
    command: str | None = None,
    trial_cap_factor: int = 20,
    isolate: bool = False,
    latency_limit: float | None = None,
    setting: str | None = None,
    in_flight: int = 1,
) -> pd.DataFrame:
    """Run every sampler on ``seeds`` seeds and write ``queries.csv``, ``summary.md`` and
    ``curves.png`` under ``out``. Returns the queries table.

    On a benchmark with a cost (``nasbench201-latency:<device>``), ``latency_limit`` makes
    ``latency <= limit`` a constraint (passed to every sampler as ``constraints_func``)
    and each sampler runs in a setting (:data:`SETTINGS`): its own suffix
    (``"agnet:joint"``), else ``setting``, else ``constrained`` with a limit and ``joint``
    without. The summary then adds hypervolume, best feasible accuracy, feasibility and
    the constrained optimum, and ``pareto.png`` shows the fronts. ``samplers`` defaults to
    :data:`DEFAULT_SAMPLERS`, or :data:`DEFAULT_COST_SAMPLERS` on such a benchmark; any
    name of :func:`sampler_names` may be given.

    ``in_flight`` keeps that many trials of each run asked and not yet told (told in ask
    order), as that many parallel workers would; ``queries.csv``'s ``origin`` column says
    where each queried cell came from (``initial`` design, ``model``, ``random-top-up``, ...).

    With ``jobs`` > 1, or ``isolate``, every run gets a fresh process (so its peak memory
    is its own and is reported) and torch gets ``cpu_count // jobs`` threads per run, so
    parallel runs do not oversubscribe the cores.

    Example:
        >>> table = compare(samplers=["random", "tpe"], seeds=2, budget=20, out=tmp, progress=False)  # doctest: +SKIP
    """
    if setting is not None and setting not in SETTINGS:
        raise ValueError(f"setting: must be one of {list(SETTINGS)}, got {setting!r}")
    if latency_limit is not None and not latency_limit > 0:
        raise ValueError(f"latency_limit: must be a positive number of ms, got {latency_limit}")
    check_bench = _benchmark(benchmark, None if data_dir is None else str(data_dir))
    if samplers is None:
        samplers = DEFAULT_COST_SAMPLERS if check_bench.cost_name else DEFAULT_SAMPLERS
    for s in samplers:
        resolve_setting(s, check_bench, latency_limit, setting)
    if latency_limit is not None:
        check_bench.constrained_optimum(latency_limit)  # a limit no cell meets is refused here
    if len(set(samplers)) != len(samplers):
        raise ValueError(f"samplers: each sampler once, got {list(samplers)}")
    if seeds < 1:
        raise ValueError(f"seeds: must be at least 1, got {seeds}")
    if budget < 1:
        raise ValueError(f"budget: must be at least 1, got {budget}")
    if jobs < 1:
        raise ValueError(f"jobs: must be at least 1, got {jobs}")
    if trial_cap_factor < 1:
        raise ValueError(f"trial_cap_factor: must be at least 1, got {trial_cap_factor}")
    if isinstance(in_flight, bool) or not isinstance(in_flight, int) or in_flight < 1:
        raise ValueError(f"in_flight: must be an int of at least 1 (1: sequential), got {in_flight!r}")
    ddir = None if data_dir is None else str(data_dir)
    bench = _benchmark(benchmark, ddir)
    own = jobs > 1 or isolate
    threads = max(1, (os.cpu_count() or 1) // jobs) if own else None
    tasks = [
        (benchmark, s, seed, budget, ddir, trial_cap_factor, threads, own, latency_limit, setting, in_flight)
        for s in samplers
        for seed in range(seeds)
    ]
    runs = run_all(
        tasks, jobs, own_process=own, progress=progress, desc=f"compare {benchmark}", methods=methods_of(samplers)
    )
    queries = pd.DataFrame([row for r in runs for row in r.rows])
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    queries.to_csv(out_dir / "queries.csv", index=False)
    cmd = command or (
        f"lso-sampler compare --benchmark {benchmark} --samplers {','.join(samplers)} "
        f"--seeds {seeds} --budget {budget} --jobs {jobs}" + (" --isolate" if isolate and jobs == 1 else "")
        + (f" --latency-limit {latency_limit:g}" if latency_limit is not None else "")
        + (f" --setting {setting}" if setting else "")
        + (f" --in-flight {in_flight}" if in_flight > 1 else "")
    )
    (out_dir / "summary.md").write_text(
        summarize(queries, runs, bench, budget, cmd, trial_cap_factor, latency_limit)
    )
    curve_frame = queries
    if "feasible" in queries.columns and latency_limit is not None:
        curve_frame = queries.assign(search_value=queries["search_value"].where(queries["feasible"], -math.inf))
    plot_curves(curve_frame, bench, budget, out_dir / "curves.png", latency_limit)
    if "cost" in queries.columns:
        plot_pareto(queries, bench, budget, latency_limit, out_dir / "pareto.png")
    return queries
