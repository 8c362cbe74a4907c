"""Scores of runs: anytime curves, two-objective hypervolume and fronts, per-run statistics."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lso_sampler.benchmarks import Benchmark

__all__ = [
    "CostScale",
    "RunStats",
    "anytime_curves",
    "hypervolume_2d",
    "pareto_front",
    "run_stats",
    "search_curves",
]


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


def search_curves(queries: pd.DataFrame, budget: int) -> dict[str, np.ndarray]:
    """Per sampler, a ``[seeds, budget]`` array: the best search value among the first q
    queries (carried forward if a run ended early; NaN before a run's first query)."""
    curves: dict[str, np.ndarray] = {}
    for sampler, frame in queries.groupby("sampler", sort=False):
        rows = []
        for _, run in frame.groupby("seed"):
            vals = run.sort_values("query")["search_value"].to_numpy(dtype=float)[:budget]
            best = np.maximum.accumulate(vals) if len(vals) else vals
            out = np.full(budget, math.nan)
            out[: len(best)] = best
            if len(best):
                out[len(best) :] = best[-1]
            rows.append(out)
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
