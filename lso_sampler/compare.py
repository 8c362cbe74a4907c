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
    "DEFAULT_COST_SAMPLERS",
    "DEFAULT_SAMPLERS",
    "REPORT_BUDGETS",
    "SAMPLER_NAMES",
    "RunResult",
    "RunStats",
    "SETTINGS",
    "hypervolume_2d",
    "pareto_front",
    "parse_sampler",
    "run_stats",
    "anytime_curves",
    "compare",
    "make_sampler",
    "run_one",
    "summarize",
]

#: Budgets at which ``summary.md`` reports (those up to the run's budget).
REPORT_BUDGETS = (16, 32, 48, 64, 96, 128, 192)


#: How a sampler is run on a benchmark with a second objective (``--setting``):
#: ``constrained`` = one objective (accuracy) under the latency limit (AG-Net's Joint=0);
#: ``joint`` = two objectives (accuracy up, latency down), under the limit if one is given
#: (AG-Net's Joint=1).
SETTINGS = ("constrained", "joint")


def _optuna_sampler(factory: str, constraints: bool = True) -> Callable[..., Any]:
    def make(space: SearchSpace, seed: int, constraints_func: Any = None) -> Any:
        import optuna

        kwargs = {"constraints_func": constraints_func} if constraints and constraints_func else {}
        return getattr(optuna.samplers, factory)(seed=seed, **kwargs)

    return make


def _lso_sampler(cls_name: str, **options: Any) -> Callable[..., Any]:
    def make(space: SearchSpace, seed: int, constraints_func: Any = None) -> Any:
        from lso_sampler import optuna_samplers

        extra = {"constraints_func": constraints_func} if constraints_func else {}
        return getattr(optuna_samplers, cls_name)(space, seed=seed, **options, **extra)

    return make


@dataclass(frozen=True)
class _Entry:
    factory: Callable[..., Any]
    encoding: str
    multi_objective: bool = True
    constraints: bool = True


#: name -> how to build it. Optuna's samplers with their defaults.
_SAMPLERS: dict[str, _Entry] = {
    # random ignores values and constraints: valid in every setting
    "random": _Entry(_optuna_sampler("RandomSampler", constraints=False), "categorical"),
    "tpe": _Entry(_optuna_sampler("TPESampler"), "categorical"),
    "cmaes": _Entry(_optuna_sampler("CmaEsSampler", constraints=False), "integer", False, False),
    "gp": _Entry(_optuna_sampler("GPSampler"), "integer"),
    "nsga2": _Entry(_optuna_sampler("NSGAIISampler"), "categorical"),
    "evolution": _Entry(_lso_sampler("RegularizedEvolutionSampler"), "categorical"),
    "local-search": _Entry(_lso_sampler("LocalSearchSampler"), "categorical", multi_objective=False),
    "agnet": _Entry(_lso_sampler("AGNetSampler"), "categorical"),
    # AG-Net's ablations (the paper's Table 6)
    "agnet-no-weighting": _Entry(_lso_sampler("AGNetSampler", weighted_retraining=False), "categorical"),
    "agnet-no-backprop": _Entry(_lso_sampler("AGNetSampler", backprop_surrogate=False), "categorical"),
    "graph-vae": _Entry(_lso_sampler("GraphVAESampler"), "categorical"),
    "graph-vae-svge": _Entry(_lso_sampler("GraphVAESampler", encoder="svge"), "categorical"),
    "graph-vae-gin": _Entry(_lso_sampler("GraphVAESampler", encoder="gin"), "categorical"),
    "convex-lso": _Entry(_lso_sampler("ConvexLSOSampler"), "categorical"),
}
SAMPLER_NAMES = tuple(_SAMPLERS)
#: What ``compare`` runs when no samplers are named: all but ``gp``, whose trials get slow
#: (seconds each past ~100 trials on 2 cores) and which often repeats cells.
DEFAULT_SAMPLERS = ("random", "tpe", "cmaes", "evolution", "local-search")
#: The default on a benchmark with a latency: those that handle two objectives and constraints.
DEFAULT_COST_SAMPLERS = ("random", "tpe", "nsga2", "evolution")


def parse_sampler(spec: str) -> tuple[str, str | None]:
    """``"agnet:joint"`` -> ``("agnet", "joint")``; ``"tpe"`` -> ``("tpe", None)``.

    Raises:
        ValueError: for an unknown sampler or setting, naming the choices.
    """
    name, _, setting = spec.partition(":")
    if name not in _SAMPLERS:
        raise ValueError(f"samplers: unknown sampler {name!r}; choose from {list(SAMPLER_NAMES)}")
    if setting and setting not in SETTINGS:
        raise ValueError(f"samplers: unknown setting {setting!r} in {spec!r}; choose from {list(SETTINGS)}")
    return name, setting or None


def resolve_setting(spec: str, bench: Benchmark, latency_limit: float | None, setting: str | None = None) -> str | None:
    """The setting a sampler spec runs in on ``bench`` (``None``: single objective, no cost).

    A spec's own suffix wins, then ``setting``; the default is ``constrained`` when a limit
    is given and ``joint`` otherwise. Raises a ValueError for a setting the benchmark or the
    sampler cannot run.
    """
    name, own = parse_sampler(spec)
    chosen = own or setting
    if bench.cost_name is None:
        if chosen is not None:
            raise ValueError(
                f"samplers: {spec!r} asks for the {chosen!r} setting, but {bench.name} has no second "
                "objective (use a nasbench201-latency:<device> benchmark)"
            )
        if latency_limit is not None:
            raise ValueError(f"latency_limit: {bench.name} has no latency; leave the limit out")
        return None
    if chosen is None:
        chosen = "constrained" if latency_limit is not None else "joint"
    entry = _SAMPLERS[name]
    if chosen == "joint" and not entry.multi_objective:
        raise ValueError(f"samplers: {name} handles one objective only; run it as {name}:constrained")
    if latency_limit is not None and not entry.constraints:
        raise ValueError(f"samplers: {name} takes no constraints; leave it out of a run with a latency limit")
    return chosen


def make_sampler(
    name: str, space: SearchSpace, seed: int, constraints_func: Any = None
) -> tuple[Any, SearchSpace]:
    """The Optuna sampler called ``name`` and the space in the encoding it is run with."""
    base, _ = parse_sampler(name)
    entry = _SAMPLERS[base]
    run_space = space.with_encoding(entry.encoding)
    return entry.factory(run_space, seed, constraints_func), run_space


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
    latency_limit: float | None = None,
    setting: str | None = None,
) -> RunResult:
    """Run ``sampler`` with ``seed`` on ``benchmark`` until ``budget`` distinct queries.

    ``threads`` sets torch's intra-op threads for the run (``None`` leaves them);
    ``own_process`` says the run has its process to itself, so its peak memory is recorded.
    On a benchmark with a cost (latency), ``sampler`` may carry a setting
    (``"agnet:joint"``, see :data:`SETTINGS`); ``latency_limit`` adds the constraint
    ``latency <= limit`` through the samplers' ``constraints_func``.
    """
    import optuna
    from optuna.trial import TrialState

    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    bench = _benchmark(benchmark, data_dir)
    bench.reset()
    mode = resolve_setting(sampler, bench, latency_limit, setting)
    constraints_func = None
    if latency_limit is not None:
        limit = float(latency_limit)

        def constraints_func(t: Any) -> tuple[float]:
            return (t.user_attrs["cost"] - limit,)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental-feature warnings of Optuna's samplers
        opt_sampler, space = make_sampler(sampler, bench.space, seed, constraints_func)
    directions = ["maximize", "minimize"] if mode == "joint" else ["maximize"]
    study = optuna.create_study(directions=directions, sampler=opt_sampler)
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
            cost = bench.cost(rec) if mode is not None else None
            trial.set_user_attr("cost", cost)
            study.tell(trial, [rec.search_value, cost] if mode == "joint" else rec.search_value)
            if not rec.cached:
                row = {
                    "sampler": sampler,
                    "seed": seed,
                    "query": bench.num_queries,
                    "trial": trial.number,
                    "cell_key": rec.key,
                    "search_value": rec.search_value,
                    "reported_value": rec.reported_value,
                    "sampler_seconds": suggest_s,
                }
                if mode is not None:
                    row["cost"] = cost
                    row["feasible"] = latency_limit is None or cost <= latency_limit
                result.rows.append(row)
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


def hypervolume_2d(acc: np.ndarray, cost: np.ndarray) -> float:
    """Area dominated by points ``(acc, cost)`` (acc larger, cost smaller is better) inside
    the box ``acc >= 0, cost <= 1`` from the reference point ``(0, 1)``."""
    a = np.asarray(acc, dtype=float)
    c = np.asarray(cost, dtype=float)
    keep = (a > 0) & (c < 1)
    a, c = a[keep], c[keep]
    if not len(a):
        return 0.0
    order = np.argsort(c, kind="stable")
    a, c = a[order], c[order]
    best = np.maximum.accumulate(a)
    edges = np.append(c[1:], 1.0)
    return float(np.sum((edges - c) * best))


def pareto_front(acc: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated points (acc up, cost down), by increasing cost."""
    a = np.asarray(acc, dtype=float)
    c = np.asarray(cost, dtype=float)
    order = np.lexsort((-a, c))
    out, best = [], -math.inf
    for i in order:
        if a[i] > best:
            out.append(int(i))
            best = a[i]
    return np.asarray(out, dtype=int)


@dataclass(frozen=True)
class CostScale:
    """How ``compare`` normalises a two-objective benchmark for the hypervolume: accuracy
    by the table's min/max search value, cost by the latency limit (or the table's
    maximum cost when there is none); the reference point is (worst accuracy, limit)."""

    acc_min: float
    acc_max: float
    cost_ref: float
    limit: float | None
    true_hv: float
    optimum_search: float
    optimum_cost: float

    @classmethod
    def of(cls, bench: Benchmark, limit: float | None) -> CostScale:
        acc, cost = bench.all_points()
        ref = float(limit) if limit is not None else float(cost.max())
        feasible = cost <= ref
        scale = cls(float(acc.min()), float(acc.max()), ref, limit, 1.0, math.nan, math.nan)
        hv = scale.hv(acc[feasible], cost[feasible])
        i = int(np.flatnonzero(feasible)[np.argmax(acc[feasible])])
        return cls(scale.acc_min, scale.acc_max, ref, limit, hv, float(acc[i]), float(cost[i]))

    def hv(self, acc: np.ndarray, cost: np.ndarray) -> float:
        """Hypervolume of the points (feasible ones only), normalised by the true front's."""
        a = (np.asarray(acc, dtype=float) - self.acc_min) / (self.acc_max - self.acc_min)
        c = np.asarray(cost, dtype=float) / self.cost_ref
        ok = np.asarray(cost, dtype=float) <= self.cost_ref
        return hypervolume_2d(a[ok], c[ok]) / self.true_hv


@dataclass(frozen=True)
class RunStats:
    """One two-objective run, as ``summary.md`` and ``benchmarks/hardware_table.py`` report it.

    Attributes:
        pick: ``(reported value, cost)`` of the best-by-search cell within the limit, or None.
        feasibility: Share of the run's queried cells within the limit.
        hv: Budget -> hypervolume (% of the true front's) of the first ``budget`` queries.
        found: Whether the run queried the constrained optimum.
    """

    pick: tuple[float, float] | None
    feasibility: float
    hv: dict[int, float]
    found: bool


def run_stats(run: pd.DataFrame, scale: CostScale, budgets: Sequence[int]) -> RunStats:
    """:class:`RunStats` of one run's rows of ``queries.csv`` (columns ``query``,
    ``search_value``, ``reported_value``, ``cost``)."""
    run = run.sort_values("query")
    hv = {}
    for b in budgets:
        head = run[run["query"] <= b]
        hv[b] = 100 * scale.hv(head["search_value"].to_numpy(), head["cost"].to_numpy())
    ok = run[run["cost"] <= scale.cost_ref]
    pick = None
    if len(ok):
        top = ok.loc[ok["search_value"].idxmax()]
        pick = (float(top["reported_value"]), float(top["cost"]))
    found = bool((ok["search_value"] >= scale.optimum_search - 1e-9).any())
    return RunStats(pick, len(ok) / max(1, len(run)), hv, found)


def cost_summary(queries: pd.DataFrame, bench: Benchmark, budgets: Sequence[int], limit: float | None) -> list[str]:
    """The two-objective section of ``summary.md`` (benchmarks with a cost)."""
    scale = CostScale.of(bench, limit)
    lim = f"latency <= {limit:g} ms" if limit is not None else "no latency limit"
    lines = [
        "",
        f"## Accuracy and {bench.cost_name} ({lim})",
        "",
        f"Constrained optimum (best search value with {lim}): search {scale.optimum_search:.2f}, "
        f"{bench.cost_name} {scale.optimum_cost:.3f}.",
        "Hypervolume of the queried cells that meet the limit, in (search value, cost), as % of",
        "the true front's (all cells of the table); accuracy scaled by the table's min/max search",
        "value, cost by the limit (or the largest cost), reference point (worst accuracy, limit).",
        "Mean over seeds at each budget. `best feasible` = reported value of the best-by-search",
        "feasible cell after all queries: mean ± std, and the best seed's (its cost in brackets);",
        "`feasibility` = share of queried cells meeting the limit (mean over seeds);",
        "`optimum found` = seeds that queried the constrained optimum.",
        "",
        "| sampler | " + " | ".join(f"HV q={b}" for b in budgets)
        + " | best feasible (mean) | best feasible (best seed) | feasibility | optimum found |",
        "|---" * (len(budgets) + 5) + "|",
    ]
    for sampler, frame in queries.groupby("sampler", sort=False):
        stats = [run_stats(run, scale, budgets) for _, run in frame.groupby("seed")]
        bests = [st.pick for st in stats if st.pick is not None]
        rep = [b[0] for b in bests]
        best_s = f"{max(bests)[0]:.2f} ({max(bests)[1]:.3f})" if bests else "none"
        mean_s = f"{np.mean(rep):.2f} ± {np.std(rep):.2f}" if rep else "none"
        if bests and len(bests) < len(stats):
            mean_s += f" ({len(bests)} seeds with a feasible cell)"
        found = sum(st.found for st in stats)
        lines.append(
            f"| {sampler} | " + " | ".join(f"{np.mean([st.hv[b] for st in stats]):.1f}" for b in budgets)
            + f" | {mean_s} | {best_s} | {np.mean([st.feasibility for st in stats]):.2f} | {found}/{len(stats)} |"
        )
    return lines


def plot_pareto(queries: pd.DataFrame, bench: Benchmark, budget: int, limit: float | None, path: Path) -> None:
    """The true front and, per sampler, the front found by its median-hypervolume seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scale = CostScale.of(bench, limit)
    acc, cost = bench.all_points()
    ok = cost <= scale.cost_ref
    fig, ax = plt.subplots(figsize=(9, 4.8))
    ax.scatter(cost[ok], acc[ok], s=2, c="0.85", label="all cells within the limit", rasterized=True)
    tf = np.flatnonzero(ok)[pareto_front(acc[ok], cost[ok])]
    ax.step(cost[tf], acc[tf], where="post", color="k", lw=1.5, label="true front")
    for sampler, frame in queries.groupby("sampler", sort=False):
        runs = [r for _, r in frame.groupby("seed")]
        hv = [scale.hv(r["search_value"].to_numpy(), r["cost"].to_numpy()) for r in runs]
        run = runs[int(np.argsort(hv)[len(hv) // 2])]
        run = run[run["cost"] <= scale.cost_ref]
        if not len(run):
            continue
        a, c = run["search_value"].to_numpy(), run["cost"].to_numpy()
        f = pareto_front(a, c)
        ax.step(c[f], a[f], where="post", marker="o", ms=3, lw=1, label=f"{sampler} (seed {int(run['seed'].iloc[0])})")
    if limit is not None:
        ax.axvline(limit, color="r", ls="--", lw=1, label=f"limit {limit:g}")
    ax.set_xlabel(f"{bench.cost_name} (smaller is better)")
    ax.set_ylabel("search value (validation accuracy)")
    title = f"{bench.name}: fronts after {budget} queries\n(per sampler the seed with the median hypervolume)"
    ax.set_title(title, fontsize=10)
    # the interesting part: 6 points below the best feasible value (degenerate cells sit at ~10 %)
    ax.set_ylim(acc[ok].max() - 6.0, acc[ok].max() + 0.3)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _mean_std(column: np.ndarray) -> str:
    """``mean ± std`` over the seeds that have a value (a constrained run may have none
    yet), with how many when not all; ``none`` when no seed has one."""
    ok = column[~np.isnan(column)]
    if not len(ok):
        return "none"
    text = f"{ok.mean():.2f} ± {ok.std():.2f}"
    return text if len(ok) == len(column) else f"{text} ({len(ok)} seeds)"


def summarize(
    queries: pd.DataFrame,
    runs: Sequence[RunResult],
    bench: Benchmark,
    budget: int,
    command: str,
    trial_cap_factor: int = 20,
    latency_limit: float | None = None,
) -> str:
    """The ``summary.md`` text (with a two-objective section on benchmarks with a cost)."""
    has_cost = "cost" in queries.columns and bench.cost_name is not None
    raw = queries
    if has_cost and latency_limit is not None:
        # only cells within the limit count as found
        queries = queries.assign(search_value=queries["search_value"].where(queries["feasible"], -math.inf))
    curves = anytime_curves(queries, budget)
    budgets = [b for b in REPORT_BUDGETS if b <= budget] or [budget]
    if budget not in budgets and budget > budgets[-1]:
        budgets.append(budget)
    try:
        opt = bench.optimum
    except NotImplementedError:
        opt = None
    if has_cost and latency_limit is not None:
        opt = bench.constrained_optimum(latency_limit)
    lines = [
        f"# {bench.name}: {len(curves)} samplers x {len({r.seed for r in runs})} seeds, budget {budget} queries",
        "",
        f"Command: `{command}`",
        "",
        "Reported value of the best-by-search cell after q distinct queries: mean ± std over seeds"
        + (
            f" that have a cell with {bench.cost_name} <= {latency_limit:g} by then (only those count; "
            "how many seeds, when not all)."
            if has_cost and latency_limit is not None
            else "."
        ),
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
        cells = [_mean_std(arr[:, b - 1]) for b in budgets]
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
    if has_cost:
        lines += cost_summary(raw, bench, budgets, latency_limit)
    lines += [
        "",
        "Columns: `optimum found` = seeds whose queries include the cell with the best search value;",
        "`trials` = Optuna trials used (repeats of a queried cell and invalid cells cost a trial, not a",
        f"query); `capped` = runs stopped by the trial cap ({trial_cap_factor} x budget trials) before",
        "the budget; their curves carry the last value forward.",
    ]
    return "\n".join(lines) + "\n"


def plot_curves(
    queries: pd.DataFrame, bench: Benchmark, budget: int, path: Path, latency_limit: float | None = None
) -> None:
    """Anytime curves (mean ± std band over seeds) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = anytime_curves(queries, budget)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    x = np.arange(1, budget + 1)
    for sampler, arr in curves.items():
        with warnings.catch_warnings():  # a constrained run has no value before its first feasible cell
            warnings.simplefilter("ignore", RuntimeWarning)
            mean, std = np.nanmean(arr, 0), np.nanstd(arr, 0)
        ax.plot(x, mean, label=sampler)
        ax.fill_between(x, mean - std, mean + std, alpha=0.15)
    try:
        opt = bench.optimum if latency_limit is None else bench.constrained_optimum(latency_limit)
        label = "optimum" if latency_limit is None else "constrained optimum"
        ax.axhline(opt.reported_value, color="k", ls="--", lw=1, label=label)
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
) -> pd.DataFrame:
    """Run every sampler on ``seeds`` seeds and write ``queries.csv``, ``summary.md`` and
    ``curves.png`` under ``out``. Returns the queries table.

    On a benchmark with a cost (``nasbench201-latency:<device>``), ``latency_limit`` makes
    ``latency <= limit`` a constraint (passed to every sampler as ``constraints_func``)
    and each sampler runs in a setting (:data:`SETTINGS`): its own suffix
    (``"agnet:joint"``), else ``setting``, else ``constrained`` with a limit and ``joint``
    without. The summary then adds hypervolume, best feasible accuracy, feasibility and
    the constrained optimum, and ``pareto.png`` shows the fronts. ``samplers`` defaults to
    :data:`DEFAULT_SAMPLERS`, or :data:`DEFAULT_COST_SAMPLERS` on such a benchmark.

    With ``jobs`` > 1, or ``isolate``, every run gets a fresh process (so its peak memory
    is its own and is reported) and torch gets ``cpu_count // jobs`` threads per run, so
    parallel runs do not oversubscribe the cores.

    Example:
        >>> table = compare(samplers=["random", "tpe"], seeds=2, budget=20, out=tmp, progress=False)  # doctest: +SKIP
    """
    from tqdm.auto import tqdm

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
    ddir = None if data_dir is None else str(data_dir)
    bench = _benchmark(benchmark, ddir)
    own = jobs > 1 or isolate
    threads = max(1, (os.cpu_count() or 1) // jobs) if own else None
    tasks = [
        (benchmark, s, seed, budget, ddir, trial_cap_factor, threads, own, latency_limit, setting)
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
        + (f" --latency-limit {latency_limit:g}" if latency_limit is not None else "")
        + (f" --setting {setting}" if setting else "")
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
