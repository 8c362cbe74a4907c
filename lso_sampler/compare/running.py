"""Running samplers on a benchmark: one run (:func:`run_one`) and many (:func:`run_all`).

Every sampler is used as an Optuna user would use it: a study, ``space.suggest(trial)``
in the objective, the benchmark's search value returned. A query is a distinct cell; a
repeated cell is answered from the benchmark's cache and does not count, and a run goes
on until ``budget`` queries (or ``trial_cap_factor x budget`` trials) are reached.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
import warnings
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lso_sampler.benchmarks import Benchmark, get_benchmark
from lso_sampler.compare.registry import SamplerEntry, make_sampler, resolve_setting
from lso_sampler.methods import METHODS, Method, register

__all__ = ["RunResult", "RunTask", "load_run", "run_all", "run_one", "save_run"]

#: The arguments of one :func:`run_one` call, in its order: ``(benchmark, sampler, seed,
#: budget, data_dir, trial_cap_factor, threads, own_process, latency_limit, setting, in_flight,
#: plugin)``, ``plugin`` (a plug-in's :class:`SamplerEntry`) optional.
RunTask = tuple[Any, ...]


@lru_cache(maxsize=4)
def _benchmark(name: str, data_dir: str | None) -> Benchmark:
    """The benchmark ``name`` read from ``data_dir``, cached per process (the last four)."""
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
    """Peak resident memory of this process in MB (``None`` where ``resource`` is missing)."""
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
    latency_limit: float | None = None,
    setting: str | None = None,
    in_flight: int = 1,
    plugin: SamplerEntry | None = None,
) -> RunResult:
    """Run ``sampler`` with ``seed`` on ``benchmark`` until ``budget`` distinct queries.

    ``in_flight`` trials are kept asked and not yet told, as that many parallel workers
    would (told in ask order, so a run is deterministic); 1 is a sequential search. Each
    row says where the sampler took its cell from (``origin``: ``initial``, ``model``,
    ``random-top-up``, ... for the package's samplers, ``sampler`` for others).

    ``threads`` sets torch's intra-op threads for the run (``None`` leaves them; an
    in-process run puts the previous number back afterwards);
    ``own_process`` says the run has its process to itself, so its peak memory is recorded.
    On a benchmark with a cost (latency), ``sampler`` may carry a setting
    (``"agnet:joint"``, see :data:`~lso_sampler.compare.registry.SETTINGS`);
    ``latency_limit`` adds the constraint ``latency <= limit`` through the samplers'
    ``constraints_func``. ``plugin`` is the entry of a plug-in sampler
    (:func:`~lso_sampler.compare.registry.load_plugin`), run under the name ``sampler``.
    """
    previous_threads = None
    if threads is not None:
        import torch

        previous_threads = torch.get_num_threads()
        torch.set_num_threads(threads)
    try:
        return _run(
            benchmark, sampler, seed, budget, data_dir, trial_cap_factor, own_process, latency_limit, setting,
            in_flight, plugin,
        )
    finally:
        if previous_threads is not None and not own_process:
            import torch

            torch.set_num_threads(previous_threads)  # an in-process run leaves the caller's setting


def _run(
    benchmark: str,
    sampler: str,
    seed: int,
    budget: int,
    data_dir: str | None,
    trial_cap_factor: int,
    own_process: bool,
    latency_limit: float | None,
    setting: str | None,
    in_flight: int,
    plugin: SamplerEntry | None,
) -> RunResult:
    """The body of :func:`run_one` (torch's threads already set)."""
    import optuna
    from optuna.trial import TrialState

    from lso_sampler.integrations.optuna import ORIGIN_ATTR

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    bench = _benchmark(benchmark, data_dir)
    bench.reset()
    mode = resolve_setting(sampler, bench, latency_limit, setting, plugin)
    constraints_func = None
    if latency_limit is not None:
        limit = float(latency_limit)

        def constraints_func(t: Any) -> tuple[float]:
            return (t.user_attrs["cost"] - limit,)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental-feature warnings of Optuna's samplers
        opt_sampler, space = make_sampler(sampler, bench.space, seed, constraints_func, plugin, budget)
    directions = ["maximize", "minimize"] if mode == "joint" else ["maximize"]
    study = optuna.create_study(directions=directions, sampler=opt_sampler)
    result = RunResult(sampler, seed)
    cap = trial_cap_factor * budget
    inflight: deque[tuple[Any, Any, float]] = deque()  # (trial, cell, suggestion seconds), ask order

    def tell_oldest() -> None:
        trial, cell, suggest_s = inflight.popleft()
        if not space.is_valid(cell):
            result.invalid += 1
            study.tell(trial, state=TrialState.FAIL)
            return
        rec = bench.query(cell)
        cost = bench.cost(rec) if mode is not None else None
        trial.set_user_attr("cost", cost)
        study.tell(trial, [rec.search_value, cost] if mode == "joint" else rec.search_value)
        if rec.cached or bench.num_queries > budget:  # a repeat, or a cell told after the budget
            return
        origin = study._storage.get_trial_system_attrs(trial._trial_id).get(ORIGIN_ATTR, "sampler")
        row = {
            "sampler": sampler,
            "seed": seed,
            "query": bench.num_queries,
            "trial": trial.number,
            "cell_key": rec.key,
            "search_value": rec.search_value,
            "reported_value": rec.reported_value,
            "sampler_seconds": suggest_s,
            "origin": origin,
        }
        if mode is not None:
            row["cost"] = cost
            row["feasible"] = latency_limit is None or cost <= latency_limit
        result.rows.append(row)

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
            inflight.append((trial, cell, suggest_s))
            if len(inflight) >= in_flight:
                tell_oldest()
        while inflight:  # the last trials in flight finish (past the budget: not recorded)
            tell_oldest()
    result.capped = bench.num_queries < budget
    result.seconds = time.perf_counter() - start
    if own_process:
        result.peak_rss_mb = _peak_rss_mb()
    return result


def _register_methods(methods: Sequence[Method]) -> None:
    """Worker initializer: register ``methods`` where this (fresh) process lacks them or
    holds a different method of the same name."""
    for method in methods:
        if METHODS.get(method.name) != method:
            register(method, replace=True)


def save_run(path: Path, result: RunResult, settings: Mapping[str, Any]) -> None:
    """Write ``result`` and the ``settings`` it ran under to ``path`` (JSON, written to a
    temporary file first and renamed, so an interrupted write leaves no half file)."""
    record = {"settings": dict(settings), "result": dataclasses.asdict(result)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, default=_plain))
    os.replace(tmp, path)


def _plain(obj: Any) -> Any:
    """JSON for numpy scalars (``item()``); anything else is refused as json would."""
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def load_run(path: Path, settings: Mapping[str, Any]) -> RunResult:
    """The run saved at ``path`` by :func:`save_run`.

    Raises:
        ValueError: if the file is not such a record, or it ran under other ``settings``
            (naming each setting that differs).
    """
    try:
        record = json.loads(path.read_text())
        saved, fields = record["settings"], record["result"]
        if not isinstance(saved, dict) or not isinstance(fields, dict):
            raise TypeError("settings and result must be objects")
        result = RunResult(**fields)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"resume: {str(path)!r} is not a saved run ({exc}); delete it to run it again") from None
    diff = [f"{k}={saved.get(k)!r} there, {v!r} here" for k, v in settings.items() if saved.get(k) != v]
    if diff:
        raise ValueError(
            f"resume: {str(path)!r} ran under other settings ({'; '.join(diff)}); "
            "give another --out (out=) or run without --resume (resume=False) to start again"
        )
    return result


def run_all(
    tasks: Sequence[RunTask],
    jobs: int = 1,
    own_process: bool = False,
    progress: bool = True,
    desc: str = "compare",
    methods: Sequence[Method] = (),
    on_result: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Run every task (the arguments of one :func:`run_one` call each) and return the
    results in the order of ``tasks``; ``on_result`` is called with each result as soon
    as its run ends (in this process). When a run raises, no further run starts; with
    processes, the runs already going end (``on_result`` sees them) before the error is
    raised.

    Without ``own_process`` the runs go one after another in this process. With it, each
    run gets a fresh process of its own (``spawn``, one run per process, ``jobs`` at a
    time); ``methods`` are the registered methods the tasks use, registered again in each
    such process so that methods registered at run time are known there. A plug-in's
    factory travels to such a process pickled (a module-level function is imported there
    by its module path).
    """
    from tqdm.auto import tqdm

    runs: list[RunResult] = []
    bar = tqdm(total=len(tasks), desc=desc, disable=not progress, unit="run")
    if not own_process:
        for t in tasks:
            bar.set_postfix_str(f"{t[1]} seed {t[2]}")
            runs.append(run_one(*t))
            if on_result is not None:
                on_result(runs[-1])
            bar.update()
    else:
        import multiprocessing as mp

        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=mp.get_context("spawn"),
            max_tasks_per_child=1,
            initializer=_register_methods,
            initargs=(tuple(methods),),
        ) as pool:
            futures = [pool.submit(run_one, *t) for t in tasks]
            failure: BaseException | None = None
            for fut in as_completed(futures):
                if fut.cancelled():
                    continue
                try:
                    result = fut.result()
                except Exception as exc:  # the first failure: no queued run starts; those running end
                    if failure is None:
                        failure = exc
                        for other in futures:
                            other.cancel()
                    continue
                runs.append(result)
                if on_result is not None:
                    on_result(result)
                bar.update()
            if failure is not None:
                bar.close()
                raise failure
    bar.close()
    order = {(t[1], t[2]): i for i, t in enumerate(tasks)}
    runs.sort(key=lambda r: order[(r.sampler, r.seed)])
    return runs
