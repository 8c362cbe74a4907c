"""The leaderboard of a comparison over several benchmarks: mean rank, normalised regret
and win rate against TPE, with bootstrap intervals over seeds.

Every figure is computed from the *search value* (the value the samplers optimise) of the
best cell among a run's first q queries (:func:`best_found`), at each report budget q:

- **mean rank**: on each benchmark the samplers are ranked by their mean (over seeds) best
  search value, 1 = best, ties sharing the average rank; the ranks are averaged over the
  benchmarks.
- **normalised regret**: per run ``(optimum - best) / (optimum - worst)``, where
  ``optimum`` is the benchmark's best search value (``bench.optimum.search_value`` where
  known, else the best value any run of the comparison queried) and ``worst`` the lowest
  search value any run of the comparison queried on that benchmark; 0 = found the optimum,
  1 = no better than the worst cell queried (0 for every run when ``optimum == worst``).
  Averaged over seeds, then over benchmarks. The scale depends on the samplers compared
  (through ``worst``): compare regrets within one leaderboard only.
- **win rate against the baseline** (``tpe``): the share of (benchmark, seed) pairs in
  which the sampler's best search value beats the baseline's on the same seed, ties
  counting half (only when the baseline is among the samplers).

The 95 % intervals are percentile bootstrap intervals: the seeds of each benchmark are
resampled with replacement (the same draw for every sampler, since sampler runs on one seed
are paired), ``n_boot`` = 1000 times with a fixed random seed, and each figure recomputed.
A sampler's difference from the best sampler (the lowest mean regret, resp. mean rank, at
that budget) is *beyond the noise* when the bootstrap interval of the paired difference
(sampler minus best, on the same resamples) excludes 0.

Example:
    >>> table = leaderboard(queries, budgets=[16, 32], optima={"nasbench-graph:cora": 80.1})  # doctest: +SKIP
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd

__all__ = [
    "best_found",
    "leaderboard",
    "leaderboard_markdown",
    "mean_ranks",
    "normalised_regrets",
    "regret_bounds",
    "win_rates",
]


def best_found(queries: pd.DataFrame, budgets: Sequence[int]) -> pd.DataFrame:
    """The best search value of each run among its first q queries, for each q in ``budgets``.

    Args:
        queries: Rows of ``queries.csv`` with a ``benchmark`` column (columns
            ``benchmark, sampler, seed, query, search_value``).
        budgets: The report budgets q.

    Returns:
        Columns ``benchmark, sampler, seed, budget, best`` (NaN for a run with no query, or
        no finite value: no feasible cell of a constrained run, by then; a run that ended
        early keeps its last value).
    """
    rows = []
    for (bench, sampler, seed), run in queries.groupby(["benchmark", "sampler", "seed"], sort=False):
        run = run.sort_values("query")
        q = run["query"].to_numpy()
        v = run["search_value"].to_numpy(dtype=float)
        for b in budgets:
            head = v[q <= b]
            top = float(head.max()) if len(head) else math.nan
            rows.append((bench, sampler, seed, int(b), top if math.isfinite(top) else math.nan))
    return pd.DataFrame(rows, columns=["benchmark", "sampler", "seed", "budget", "best"])


def regret_bounds(
    queries: pd.DataFrame, optima: Mapping[str, float | None] | None = None
) -> dict[str, tuple[float, float]]:
    """Per benchmark ``(optimum, worst)`` of the normalised regret (see the module text):
    ``optima[benchmark]`` where given (not None), else the best search value queried;
    ``worst`` = the lowest finite search value queried on the benchmark."""
    optima = optima or {}
    out = {}
    for bench, frame in queries.groupby("benchmark", sort=False):
        vals = frame["search_value"].to_numpy(dtype=float)
        vals = vals[np.isfinite(vals)]
        opt = optima.get(str(bench))
        top = float(vals.max()) if opt is None else float(opt)
        out[str(bench)] = (top, float(vals.min()))
    return out


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence numpy's 'mean of empty slice' warnings (runs with no value yet)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _arrays(best: pd.DataFrame, budget: int) -> tuple[list[str], list[str], list[np.ndarray]]:
    """Samplers, benchmarks and per benchmark a ``[samplers, seeds]`` array of best values."""
    at = best[best["budget"] == budget]
    samplers = list(dict.fromkeys(at["sampler"]))
    benches = list(dict.fromkeys(at["benchmark"]))
    arrays = []
    for bench in benches:
        wide = at[at["benchmark"] == bench].pivot(index="sampler", columns="seed", values="best")
        missing = [s for s in samplers if s not in wide.index]
        if missing:
            raise ValueError(f"leaderboard: samplers {missing} have no runs on {bench}")
        arrays.append(wide.loc[samplers].to_numpy(dtype=float))
    return samplers, benches, arrays


def _ranks(means: np.ndarray) -> np.ndarray:
    """Average ranks along axis -1 (1 = largest value; ties share the average rank)."""
    greater = (means[..., None, :] > means[..., :, None]).sum(-1)
    equal = (means[..., None, :] == means[..., :, None]).sum(-1)
    return greater + (equal + 1) / 2


def _stats(
    arrays: Sequence[np.ndarray], bounds: Sequence[tuple[float, float]], base: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean rank, mean normalised regret and win rate per sampler from per-benchmark
    ``[..., samplers, seeds]`` arrays (leading axes: bootstrap resamples)."""
    ranks, regrets, wins, pairs = [], [], 0.0, 0.0
    for arr, (top, low) in zip(arrays, bounds):
        with np.errstate(invalid="ignore"), _quiet():
            means = np.nanmean(arr, -1)
            ranks.append(_ranks(means))
            span = top - low
            reg = (top - arr) / span if span > 0 else np.zeros_like(arr)
            regrets.append(np.nanmean(reg, -1))
        if base is not None:
            ref = arr[..., base : base + 1, :]
            ok = ~np.isnan(arr) & ~np.isnan(ref)
            score = np.where(arr > ref, 1.0, np.where(arr == ref, 0.5, 0.0))
            wins = wins + np.where(ok, score, 0.0).sum(-1)
            pairs = pairs + ok.sum(-1)
    rank = np.mean(ranks, axis=0)
    regret = np.mean(regrets, axis=0)
    if base is None:
        win = np.full_like(rank, math.nan)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            win = np.asarray(wins, dtype=float) / np.asarray(pairs, dtype=float)
    return rank, regret, win


def mean_ranks(best: pd.DataFrame, budget: int) -> pd.Series:
    """Mean rank (over benchmarks) of each sampler's mean best search value at ``budget``.

    Args:
        best: The table of :func:`best_found`.
        budget: One of its budgets.
    """
    samplers, _, arrays = _arrays(best, budget)
    rank, _, _ = _stats(arrays, [(0.0, 0.0)] * len(arrays), None)
    return pd.Series(rank, index=samplers, name="mean_rank")


def normalised_regrets(best: pd.DataFrame, budget: int, bounds: Mapping[str, tuple[float, float]]) -> pd.Series:
    """Mean normalised regret of each sampler at ``budget`` (``bounds`` from
    :func:`regret_bounds`)."""
    samplers, benches, arrays = _arrays(best, budget)
    _, regret, _ = _stats(arrays, [bounds[b] for b in benches], None)
    return pd.Series(regret, index=samplers, name="regret")


def win_rates(best: pd.DataFrame, budget: int, baseline: str = "tpe") -> pd.Series:
    """Each sampler's share of (benchmark, seed) pairs beating ``baseline`` on the same seed
    at ``budget`` (ties count half); the baseline's own is 0.5.

    Raises:
        ValueError: when ``baseline`` has no runs.
    """
    samplers, _, arrays = _arrays(best, budget)
    if baseline not in samplers:
        raise ValueError(f"leaderboard: the baseline {baseline!r} is not among the samplers {samplers}")
    _, _, win = _stats(arrays, [(0.0, 0.0)] * len(arrays), samplers.index(baseline))
    return pd.Series(win, index=samplers, name=f"win_rate_vs_{baseline}")


def leaderboard(
    queries: pd.DataFrame,
    budgets: Sequence[int],
    optima: Mapping[str, float | None] | None = None,
    baseline: str = "tpe",
    n_boot: int = 1000,
    rng_seed: int = 0,
) -> pd.DataFrame:
    """The leaderboard (see the module text for the definitions) as a long table.

    Args:
        queries: Rows of ``queries.csv`` with a ``benchmark`` column.
        budgets: The report budgets q.
        optima: Benchmark -> optimum search value (None or missing: the best queried).
        baseline: The sampler win rates are counted against (skipped when absent).
        n_boot: Bootstrap resamples of the seeds.
        rng_seed: Seed of the bootstrap's random generator (fixed: the table is repeatable).

    Returns:
        One row per (budget, sampler): ``mean_rank``, ``regret`` and ``win_rate`` with
        ``_lo``/``_hi`` 95 % bounds, ``rank_diff_lo/hi`` and ``regret_diff_lo/hi`` (bootstrap
        interval of the difference from the best sampler at that budget), the flags
        ``rank_beyond_noise``/``regret_beyond_noise`` and ``is_best_rank``/``is_best_regret``,
        and ``benchmarks`` and ``seeds`` (pairs) counted.
    """
    best = best_found(queries, budgets)
    bounds = regret_bounds(queries, optima)
    out = []
    for budget in budgets:
        samplers, benches, arrays = _arrays(best, budget)
        bnd = [bounds[b] for b in benches]
        base = samplers.index(baseline) if baseline in samplers else None
        rank, regret, win = _stats(arrays, bnd, base)
        rng = np.random.default_rng(rng_seed)
        boot = [a[:, rng.integers(0, a.shape[1], size=(n_boot, a.shape[1]))].transpose(1, 0, 2) for a in arrays]
        b_rank, b_regret, b_win = _stats(boot, bnd, base)  # each [n_boot, samplers]
        best_rank, best_regret = int(np.argmin(rank)), int(np.argmin(regret))
        d_rank = b_rank - b_rank[:, best_rank : best_rank + 1]
        d_regret = b_regret - b_regret[:, best_regret : best_regret + 1]

        def pct(x: np.ndarray, q: float) -> np.ndarray:
            with _quiet():
                return np.nanpercentile(x, q, axis=0)

        draws = {"r": b_rank, "g": b_regret, "w": b_win, "dr": d_rank, "dg": d_regret}
        lo = {k: pct(v, 2.5) for k, v in draws.items()}
        hi = {k: pct(v, 97.5) for k, v in draws.items()}
        n_pairs = sum(int(np.sum(~np.isnan(a[0]))) for a in arrays)
        for i, s in enumerate(samplers):
            out.append(
                {
                    "budget": int(budget),
                    "sampler": s,
                    "mean_rank": rank[i],
                    "mean_rank_lo": lo["r"][i],
                    "mean_rank_hi": hi["r"][i],
                    "rank_diff_lo": lo["dr"][i],
                    "rank_diff_hi": hi["dr"][i],
                    "rank_beyond_noise": bool(i != best_rank and (lo["dr"][i] > 0 or hi["dr"][i] < 0)),
                    "is_best_rank": i == best_rank,
                    "regret": regret[i],
                    "regret_lo": lo["g"][i],
                    "regret_hi": hi["g"][i],
                    "regret_diff_lo": lo["dg"][i],
                    "regret_diff_hi": hi["dg"][i],
                    "regret_beyond_noise": bool(i != best_regret and (lo["dg"][i] > 0 or hi["dg"][i] < 0)),
                    "is_best_regret": i == best_regret,
                    "win_rate": win[i],
                    "win_rate_lo": lo["w"][i],
                    "win_rate_hi": hi["w"][i],
                    "benchmarks": len(benches),
                    "seeds": n_pairs,
                }
            )
    return pd.DataFrame(out)


def leaderboard_markdown(table: pd.DataFrame, benchmarks: Sequence[str], command: str, baseline: str = "tpe") -> str:
    """The ``leaderboard.md`` text of a :func:`leaderboard` table."""
    has_win = table["win_rate"].notna().any()
    lines = [
        f"# Leaderboard: {table['sampler'].nunique()} samplers x {len(benchmarks)} benchmarks",
        "",
        f"Command: `{command}`",
        "",
        "Benchmarks: " + ", ".join(f"`{b}`" for b in benchmarks) + ".",
        "",
        "All figures use the search (validation) value of the best cell among a run's first q",
        "queries. `mean rank`: rank (1 = best) of the sampler's mean best search value among the",
        "samplers on each benchmark, averaged over benchmarks. `regret`: normalised regret",
        "(optimum - best) / (optimum - worst), optimum = the benchmark's best search value (the",
        "table's optimum where known), worst = the lowest search value any run queried there;",
        "mean over seeds, then benchmarks (0 = the optimum)."
        + (
            f" `win vs {baseline}`: share of (benchmark, seed) pairs whose best search value beats"
            f" {baseline}'s on the same seed (ties count half)."
            if has_win
            else ""
        ),
        "[lo, hi]: 95 % bootstrap interval (seeds resampled per benchmark, 1000 resamples, fixed",
        "seed). **best** marks the best sampler of a column; `*` marks a sampler whose difference",
        "from it is beyond the noise (the bootstrap interval of the paired difference excludes 0).",
    ]
    for budget, frame in table.groupby("budget", sort=True):
        head = "| sampler | mean rank | regret |" + (f" win vs {baseline} |" if has_win else "")
        lines += ["", f"## q = {budget}", "", head, "|---|---|---|" + ("---|" if has_win else "")]
        for _, r in frame.sort_values(["regret", "mean_rank"]).iterrows():
            rank = f"{r.mean_rank:.2f} [{r.mean_rank_lo:.2f}, {r.mean_rank_hi:.2f}]"
            rank += " **best**" if r.is_best_rank else (" *" if r.rank_beyond_noise else "")
            reg = f"{r.regret:.3f} [{r.regret_lo:.3f}, {r.regret_hi:.3f}]"
            reg += " **best**" if r.is_best_regret else (" *" if r.regret_beyond_noise else "")
            row = f"| {r.sampler} | {rank} | {reg} |"
            if has_win and r.sampler == baseline:
                row += " (baseline) |"
            elif has_win:
                row += f" {100 * r.win_rate:.0f} % [{100 * r.win_rate_lo:.0f}, {100 * r.win_rate_hi:.0f}] |"
            lines.append(row)
    return "\n".join(lines) + "\n"
