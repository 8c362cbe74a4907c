"""Head-to-head runs: samplers x benchmark x seeds, counted in distinct queries.

:func:`compare` runs each sampler on each seed and writes ``queries.csv``, ``summary.md``
and ``curves.png`` (and ``pareto.png`` on a benchmark with a cost). The pieces live in
submodules, all re-exported here:

- :mod:`~lso_sampler.compare.registry`: the runnable samplers (Optuna's own, the general
  HPO peers BoTorch, SMAC3 and HEBO, and every method of :mod:`lso_sampler.methods`),
  sampler specs and settings;
- :mod:`~lso_sampler.compare.peers`: the peers' Optuna adapters (``peers`` extra);
- :mod:`~lso_sampler.compare.running`: one run (:func:`run_one`) and many, in this process
  or a process each;
- :mod:`~lso_sampler.compare.metrics`: anytime curves, hypervolume, fronts, per-run stats;
- :mod:`~lso_sampler.compare.report`: the ``summary.md`` text;
- :mod:`~lso_sampler.compare.leaderboard`: mean rank, normalised regret and win rate over
  several benchmarks (``leaderboard.md``, ``leaderboard.csv``);
- :mod:`~lso_sampler.compare.plots`: the figures.

Every sampler is used as an Optuna user would use it: a study, ``space.suggest(trial)``
in the objective, the benchmark's search value returned. A query is a distinct cell; a
repeated cell is answered from the benchmark's cache and does not count, and a run goes
on until ``budget`` queries (or ``trial_cap_factor x budget`` trials) are reached.
"""

from __future__ import annotations

import math
import os
import pickle
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from lso_sampler import __version__
from lso_sampler.compare.leaderboard import leaderboard, leaderboard_markdown
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
    SamplerEntry,
    is_plugin_spec,
    load_plugin,
    make_sampler,
    methods_of,
    parse_sampler,
    plugin_entry,
    resolve_setting,
    sampler_names,
    sampler_table,
)
from lso_sampler.compare.report import LEADS, REPORT_BUDGETS, cost_summary, default_lead, summarize
from lso_sampler.compare.running import RunResult, _benchmark, load_run, run_all, run_one, save_run

__all__ = [
    "DEFAULT_COST_SAMPLERS",
    "DEFAULT_SAMPLERS",
    "LEADS",
    "REPORT_BUDGETS",
    "SAMPLER_NAMES",
    "SETTINGS",
    "CostScale",
    "RunResult",
    "RunStats",
    "anytime_curves",
    "bench_dir_name",
    "compare",
    "cost_summary",
    "default_lead",
    "hypervolume_2d",
    "is_plugin_spec",
    "leaderboard",
    "load_plugin",
    "make_sampler",
    "pareto_front",
    "parse_sampler",
    "plot_curves",
    "plot_pareto",
    "resolve_setting",
    "run_one",
    "run_stats",
    "sampler_names",
    "sampler_table",
    "summarize",
]


def __getattr__(name: str) -> Any:
    """``SAMPLER_NAMES``: :func:`sampler_names` now, so it never misses a method registered
    after this package was imported (new code calls :func:`sampler_names`)."""
    if name == "SAMPLER_NAMES":
        return sampler_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def bench_dir_name(benchmark: str) -> str:
    """The folder name of ``benchmark``'s outputs in a several-benchmark run:
    ``"nasbench-graph:cora"`` -> ``"nasbench-graph-cora"``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", benchmark).strip("-") or "benchmark"


def _benchmark_list(benchmark: str | Sequence[str]) -> list[str]:
    names = benchmark.split(",") if isinstance(benchmark, str) else list(benchmark)
    names = [n.strip() for n in names if n.strip()]
    if not names:
        raise ValueError("benchmark: give at least one benchmark name")
    if len(set(names)) != len(names):
        raise ValueError(f"benchmark: each benchmark once, got {names}")
    return names


def _plugins(
    samplers: Sequence[str], extra_samplers: Mapping[str, Callable[..., Any] | str] | None
) -> tuple[list[str], dict[str, SamplerEntry]]:
    """The run names of ``samplers`` + ``extra_samplers`` and the plug-ins' entries by name."""
    names: list[str] = []
    plugins: dict[str, SamplerEntry] = {}
    for spec in samplers:
        if is_plugin_spec(spec):
            name, entry = load_plugin(spec)
            plugins[name] = entry
            names.append(name)
        else:
            names.append(spec)
    for name, factory in (extra_samplers or {}).items():
        if isinstance(factory, str):
            _, entry = load_plugin(f"{name}={factory}")
        else:
            entry = plugin_entry(name, factory, f"extra_samplers[{name!r}]")
        plugins[name] = entry
        names.append(name)
    return names, plugins


def _check_picklable(plugins: Mapping[str, SamplerEntry]) -> None:
    """Refuse a plug-in that cannot travel to a process of its own (``jobs`` > 1 or
    ``isolate``)."""
    for name, entry in plugins.items():
        try:
            pickle.dumps(entry.factory)
        except Exception as exc:
            raise ValueError(
                f"extra_samplers: the factory of {name!r} cannot be sent to a worker process ({exc}); "
                "with jobs > 1 (or isolate) give a module-level function (importable by its module "
                "path, not a lambda or a function defined inside another), or run with jobs=1"
            ) from None


def compare(
    benchmark: str | Sequence[str] = "nasbench-graph:cora",
    samplers: Sequence[str] | None = None,
    seeds: int = 5,
    budget: int = 40,
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
    lead: str | None = None,
    extra_samplers: Mapping[str, Callable[..., Any] | str] | None = None,
    resume: bool = False,
) -> pd.DataFrame:
    """Run every sampler on ``seeds`` seeds and write ``queries.csv``, ``summary.md`` and
    ``curves.png`` under ``out``. Returns the queries table.

    ``benchmark`` may name several benchmarks (a list, or one comma-separated string): each
    gets the outputs above in ``out/<name>/`` (``nasbench-graph:cora`` ->
    ``nasbench-graph-cora``), and ``out`` gets ``leaderboard.md`` and ``leaderboard.csv``
    (mean rank, normalised regret, win rate against TPE with bootstrap intervals, see
    :mod:`~lso_sampler.compare.leaderboard`); the returned table then has a ``benchmark``
    column.

    ``samplers`` are names of :func:`sampler_names` (with an optional ``:setting``) or
    plug-in specs ``[name=]module.path:factory``; ``extra_samplers`` adds plug-ins from
    Python, run name -> factory ``factory(space, seed) -> optuna sampler`` (or its
    ``"module.path:factory"``), run after ``samplers`` (after the defaults when
    ``samplers`` is None). A plug-in runs on the categorical encoding unless the factory
    has ``encoding = "integer"``. With ``jobs`` > 1 (or ``isolate``) the factory must be
    picklable: a module-level function.

    On a benchmark with a cost (``nasbench201-latency:<device>``), ``latency_limit`` makes
    ``latency <= limit`` a constraint (passed to every sampler as ``constraints_func``)
    and each sampler runs in a setting (:data:`SETTINGS`): its own suffix
    (``"agnet:joint"``), else ``setting``, else ``constrained`` with a limit and ``joint``
    without. The summary then adds hypervolume, best feasible accuracy, feasibility and
    the constrained optimum, and ``pareto.png`` shows the fronts. ``samplers`` defaults to
    :data:`DEFAULT_SAMPLERS`, or :data:`DEFAULT_COST_SAMPLERS` on such a benchmark.

    ``lead`` (:data:`LEADS`) chooses the first table of ``summary.md``: ``search`` (best
    search value after q queries) or ``reported`` (reported value of the best-by-search
    cell); the default is the benchmark's (:func:`default_lead`: ``search`` on
    NAS-Bench-Graph, ``reported`` on NAS-Bench-201).

    ``in_flight`` keeps that many trials of each run asked and not yet told (told in ask
    order), as that many parallel workers would; ``queries.csv``'s ``origin`` column says
    where each queried cell came from (``initial`` design, ``model``, ``random-top-up``, ...).

    Each run is saved to ``out/runs/`` (``out/<name>/runs/`` with several benchmarks) as
    soon as it ends. With ``resume``, the runs saved there by an earlier, interrupted call
    with the same settings are read back instead of run again, so a long comparison can be
    stopped and continued; without it the saved runs are deleted first and every run is
    made again. A saved run of other settings (budget, in-flight trials, trial cap, limit,
    setting, a plug-in's factory by module and name, package version) is refused with an
    error naming them; the data folder, a plug-in's bound arguments and ``jobs`` are not
    compared (runs made in this process report no peak memory beside runs made in their
    own). Every benchmark's saved runs are read back (or deleted) before the first run.
    When a run raises, the runs already made stay saved; no further run starts.

    With ``jobs`` > 1, or ``isolate``, every run gets a fresh process (so its peak memory
    is its own and is reported) and torch gets ``cpu_count // jobs`` threads per run, so
    parallel runs do not oversubscribe the cores. Runs in this process (``jobs`` = 1) use one
    torch thread (the caller's setting is restored after each run): the models are small.

    Example:
        >>> table = compare(samplers=["random", "tpe"], seeds=2, budget=20, out=tmp, progress=False)  # doctest: +SKIP
        >>> table = compare(samplers=["tpe"], extra_samplers={"mine": my_factory}, out=tmp)  # doctest: +SKIP
    """
    if setting is not None and setting not in SETTINGS:
        raise ValueError(f"setting: must be one of {list(SETTINGS)}, got {setting!r}")
    if lead is not None and lead not in LEADS:
        raise ValueError(f"lead: must be one of {list(LEADS)}, got {lead!r}")
    if latency_limit is not None and not latency_limit > 0:
        raise ValueError(f"latency_limit: must be a positive number of ms, got {latency_limit}")
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
    names = _benchmark_list(benchmark)
    benches = [_benchmark(b, ddir) for b in names]
    if samplers is None:
        samplers = DEFAULT_COST_SAMPLERS if any(b.cost_name for b in benches) else DEFAULT_SAMPLERS
    specs = list(samplers)
    run_names, plugins = _plugins(specs, extra_samplers)
    if len(set(run_names)) != len(run_names):
        raise ValueError(f"samplers: each sampler once, got {run_names}")
    table = sampler_table()
    for s in run_names:  # a peer whose package is missing is refused before any run
        if s not in plugins:
            table[parse_sampler(s)[0]].check_available()
    for check_bench in benches:
        for s in run_names:
            resolve_setting(s, check_bench, latency_limit, setting, plugins.get(s))
        if latency_limit is not None:
            check_bench.constrained_optimum(latency_limit)  # a limit no cell meets is refused here
    own = jobs > 1 or isolate
    if own:
        _check_picklable(plugins)
    out_dir = Path(out)
    for folder in (out_dir, *out_dir.parents):  # refused before any run, not after the last
        if folder.exists() and not folder.is_dir():
            raise ValueError(f"out: {str(folder)!r} is a file, not a folder; name a folder for the results")
    cmd_base = command or (
        f"lso-sampler compare --benchmark {','.join(names)} --samplers {','.join(specs)} "
        f"--seeds {seeds} --budget {budget} --jobs {jobs}" + (" --isolate" if isolate and jobs == 1 else "")
        + (f" --latency-limit {latency_limit:g}" if latency_limit is not None else "")
        + (f" --setting {setting}" if setting else "")
        + (f" --in-flight {in_flight}" if in_flight > 1 else "")
        + (f" --lead {lead}" if lead else "")
        + (" --resume" if resume else "")
        + (" (+ extra_samplers " + ",".join(extra_samplers) + ")" if extra_samplers else "")
    )
    files: dict[str, str] = {}
    for s in run_names:  # one saved-run file per sampler, also where names ignore case
        other = files.setdefault(_run_file(s, 0).lower(), s)
        if other != s:
            raise ValueError(
                f"samplers: {other!r} and {s!r} would save their runs to the same file; rename one of them"
            )
    keys = dict(budget=budget, in_flight=in_flight, trial_cap_factor=trial_cap_factor,
                latency_limit=latency_limit, setting=setting)  # fmt: skip
    done = {  # every benchmark's saved runs read back (or deleted) before any run
        name: _saved_runs(out_dir if len(names) == 1 else out_dir / bench_dir_name(name), name, run_names, seeds,
                          plugins, resume, keys)
        for name in names
    }  # fmt: skip
    if len(names) == 1:
        return _compare_one(
            names[0], benches[0], run_names, plugins, seeds, budget, ddir, out_dir, jobs, progress, cmd_base,
            trial_cap_factor, own, latency_limit, setting, in_flight, lead, done[names[0]], keys,
        )
    tables = []
    for name, bench in zip(names, benches):
        table = _compare_one(
            name, bench, run_names, plugins, seeds, budget, ddir, out_dir / bench_dir_name(name), jobs, progress,
            cmd_base, trial_cap_factor, own, latency_limit, setting, in_flight, lead, done[name], keys,
        )
        tables.append(table.assign(benchmark=name))
    queries = pd.concat(tables, ignore_index=True)
    board_frame = queries
    if "feasible" in queries.columns and latency_limit is not None:
        board_frame = queries.assign(search_value=queries["search_value"].where(queries["feasible"], -math.inf))
    budgets = [b for b in REPORT_BUDGETS if b <= budget] or [budget]
    if budget not in budgets and budget > budgets[-1]:
        budgets.append(budget)
    optima: dict[str, float | None] = {}
    for name, bench in zip(names, benches):
        try:
            opt = bench.optimum if latency_limit is None else bench.constrained_optimum(latency_limit)
            optima[name] = float(opt.search_value)
        except NotImplementedError:
            optima[name] = None
    board = leaderboard(board_frame, budgets, optima)
    board.to_csv(out_dir / "leaderboard.csv", index=False)
    (out_dir / "leaderboard.md").write_text(leaderboard_markdown(board, names, cmd_base))
    return queries


#: The folder (in ``out``) that holds each finished run, for ``compare(resume=True)``.
RUNS_DIR = "runs"


def _run_file(sampler: str, seed: int) -> str:
    """File name of a saved run: the sampler name with anything but letters, digits, ``.``,
    ``_`` and ``-`` replaced by ``_`` (``agnet:joint`` -> ``agnet_joint``), and the seed."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", sampler) + f"__seed{seed}.json"


def _run_settings(
    benchmark: str, sampler: str, seed: int, plugins: Mapping[str, SamplerEntry], **keys: Any
) -> dict[str, Any]:
    """What a saved run must share with a resumed call: the benchmark, sampler, seed, the
    run settings in ``keys``, a plug-in's factory (by module and qualified name) and the
    package version."""
    plugin = plugins.get(sampler)
    factory = None if plugin is None else plugin.factory
    name = None
    if factory is not None:
        name = f"{getattr(factory, '__module__', '?')}:{getattr(factory, '__qualname__', type(factory).__name__)}"
    return {"benchmark": benchmark, "sampler": sampler, "seed": seed, **keys, "plugin": name, "version": __version__}


def _saved_runs(
    out_dir: Path,
    benchmark: str,
    samplers: Sequence[str],
    seeds: int,
    plugins: Mapping[str, SamplerEntry],
    resume: bool,
    keys: Mapping[str, Any],
) -> dict[tuple[str, int], RunResult]:
    """With ``resume``: the runs saved in ``out_dir/runs`` for these samplers and seeds (a
    saved run of other settings raises, naming them). Without: none, and the saved runs
    there are deleted."""
    runs_dir = out_dir / RUNS_DIR
    done: dict[tuple[str, int], RunResult] = {}
    if resume:
        for sampler in samplers:
            for seed in range(seeds):
                path = runs_dir / _run_file(sampler, seed)
                if path.exists():
                    done[(sampler, seed)] = load_run(path, _run_settings(benchmark, sampler, seed, plugins, **keys))
    elif runs_dir.is_dir():
        for old in runs_dir.glob("*__seed*.json*"):  # starting again: an earlier call's runs go
            old.unlink()
    return done


def _compare_one(
    benchmark: str,
    bench: Any,
    samplers: Sequence[str],
    plugins: Mapping[str, SamplerEntry],
    seeds: int,
    budget: int,
    ddir: str | None,
    out_dir: Path,
    jobs: int,
    progress: bool,
    cmd: str,
    trial_cap_factor: int,
    own: bool,
    latency_limit: float | None,
    setting: str | None,
    in_flight: int,
    lead: str | None,
    done: Mapping[tuple[str, int], RunResult],
    keys: Mapping[str, Any],
) -> pd.DataFrame:
    """One benchmark of :func:`compare`: the runs not in ``done`` (each saved to
    ``out_dir/runs`` as it ends, with the run settings ``keys``), then its three (or four)
    files written to ``out_dir``."""
    if own:
        threads: int | None = max(1, (os.cpu_count() or 1) // jobs)
    else:
        # the package's models are small: one torch thread is faster than several, whose
        # OpenMP workers spin on a busy machine (the main job took ~5x longer with 2 on 2 cores)
        threads = 1 if plugins or methods_of([s for s in samplers if s not in plugins]) else None
    tasks = [
        (benchmark, s, seed, budget, ddir, trial_cap_factor, threads, own, latency_limit, setting, in_flight,
         plugins.get(s))
        for s in samplers
        for seed in range(seeds)
    ]
    builtin = [s for s in samplers if s not in plugins]
    runs_dir = out_dir / RUNS_DIR

    def save(result: RunResult) -> None:
        path = runs_dir / _run_file(result.sampler, result.seed)
        save_run(path, result, _run_settings(benchmark, result.sampler, result.seed, plugins, **keys))

    todo = [t for t in tasks if (t[1], t[2]) not in done]
    fresh = run_all(
        todo, jobs, own_process=own, progress=progress, desc=f"compare {benchmark}", methods=methods_of(builtin),
        on_result=save,
    )  # fmt: skip
    by_key = {**done, **{(r.sampler, r.seed): r for r in fresh}}
    runs = [by_key[(t[1], t[2])] for t in tasks]
    queries = pd.DataFrame([row for r in runs for row in r.rows])
    out_dir.mkdir(parents=True, exist_ok=True)
    queries.to_csv(out_dir / "queries.csv", index=False)
    (out_dir / "summary.md").write_text(
        summarize(queries, runs, bench, budget, cmd, trial_cap_factor, latency_limit, lead)
    )
    curve_frame = queries
    if "feasible" in queries.columns and latency_limit is not None:
        curve_frame = queries.assign(search_value=queries["search_value"].where(queries["feasible"], -math.inf))
    plot_curves(curve_frame, bench, budget, out_dir / "curves.png", latency_limit)
    if "cost" in queries.columns:
        plot_pareto(queries, bench, budget, latency_limit, out_dir / "pareto.png")
    return queries
