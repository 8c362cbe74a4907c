"""The figures of a comparison: anytime curves and, on a benchmark with a cost, the fronts."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from lso_sampler.benchmarks import Benchmark
from lso_sampler.compare.metrics import CostScale, anytime_curves, pareto_front

__all__ = ["plot_curves", "plot_pareto"]


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
