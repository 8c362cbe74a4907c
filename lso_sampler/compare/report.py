"""The ``summary.md`` text of a comparison: curves table, sampler overhead and, on a
benchmark with a cost, the two-objective section."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from lso_sampler.benchmarks import Benchmark
from lso_sampler.compare.metrics import CostScale, anytime_curves, run_stats, search_curves
from lso_sampler.compare.running import RunResult

__all__ = ["LEADS", "REPORT_BUDGETS", "cost_summary", "default_lead", "origin_summary", "summarize"]

#: What the first table of ``summary.md`` shows: ``search`` = the best search (validation)
#: value after q queries; ``reported`` = the reported (test) value of the best-by-search cell.
LEADS = ("search", "reported")

#: Benchmark families whose reported value of the best-by-search cell is mostly noise, so
#: the summary leads with the search value (NAS-Bench-Graph: the test accuracies of the top
#: validation cells differ by less than their seed noise).
_SEARCH_LED = ("nasbench-graph",)


def default_lead(bench: Benchmark) -> str:
    """The value ``summary.md`` leads with on ``bench``: the benchmark's own ``lead``
    attribute when it has one, else ``search`` on NAS-Bench-Graph and ``reported``
    elsewhere (NAS-Bench-201, NAS-Bench-301, ...)."""
    own = getattr(bench, "lead", None)
    if own in LEADS:
        return str(own)
    return "search" if bench.name.partition(":")[0] in _SEARCH_LED else "reported"

#: Budgets at which ``summary.md`` reports (those up to the run's budget).
REPORT_BUDGETS = (16, 32, 48, 64, 96, 128, 192)


def _mean_std(column: np.ndarray) -> str:
    """``mean ± std`` over the seeds that have a value (a constrained run may have none
    yet), with how many when not all; ``none`` when no seed has one."""
    ok = column[~np.isnan(column)]
    if not len(ok):
        return "none"
    text = f"{ok.mean():.2f} ± {ok.std():.2f}"
    return text if len(ok) == len(column) else f"{text} ({len(ok)} seeds)"


def origin_summary(queries: pd.DataFrame) -> list[str]:
    """Where the package's samplers took their queried cells from (``origin`` column of
    ``queries.csv``): per sampler, the first query a model chose (median and max over
    seeds) and the share of each origin. Empty when no sampler says."""
    if "origin" not in queries.columns or not (queries["origin"] != "sampler").any():
        return []
    present = set(queries["origin"])
    kinds = [k for k in ("initial", "model", "random-top-up", "random", "strategy", "repeat") if k in present]
    lines = [
        "",
        "Where the queried cells came from (the package's samplers): the first query chosen by a",
        "model (median over seeds, max in brackets; `none`: no model-chosen query), and the share of",
        "the queries per origin (`initial` = random initial design, `random-top-up` = random cells",
        "when the model found too few new ones).",
        "",
        "| sampler | first model query | " + " | ".join(kinds) + " |",
        "|---" * (len(kinds) + 2) + "|",
    ]
    for sampler, frame in queries.groupby("sampler", sort=False):
        if (frame["origin"] == "sampler").all():
            continue
        firsts = [g.loc[g["origin"] == "model", "query"].min() for _, g in frame.groupby("seed")]
        firsts = [int(f) for f in firsts if f == f]  # NaN: no model query in that run
        first = f"{int(np.median(firsts))} [{max(firsts)}]" if firsts else "none"
        shares = frame["origin"].value_counts(normalize=True)
        lines.append(
            f"| {sampler} | {first} | " + " | ".join(f"{100 * shares.get(k, 0.0):.0f} %" for k in kinds) + " |"
        )
    return lines


def summarize(
    queries: pd.DataFrame,
    runs: Sequence[RunResult],
    bench: Benchmark,
    budget: int,
    command: str,
    trial_cap_factor: int = 20,
    latency_limit: float | None = None,
    lead: str | None = None,
) -> str:
    """The ``summary.md`` text (with a two-objective section on benchmarks with a cost).

    ``lead`` (:data:`LEADS`; default :func:`default_lead`) chooses the first table: the
    best search value after q queries (``search``), followed by the reported value of the
    best-by-search cell, or the other way round (``reported``).
    """
    lead = lead or default_lead(bench)
    if lead not in LEADS:
        raise ValueError(f"lead: must be one of {list(LEADS)}, got {lead!r}")
    has_cost = "cost" in queries.columns and bench.cost_name is not None
    raw = queries
    if has_cost and latency_limit is not None:
        # only cells within the limit count as found
        queries = queries.assign(search_value=queries["search_value"].where(queries["feasible"], -math.inf))
    curves = anytime_curves(queries, budget)
    s_curves = search_curves(queries, budget)
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
        (
            "Best search value (the value the samplers optimise) after q distinct queries: mean ± std "
            "over seeds"
            if lead == "search"
            else "Reported value of the best-by-search cell after q distinct queries: mean ± std over seeds"
        )
        + (
            f" that have a cell with {bench.cost_name} <= {latency_limit:g} by then (only those count; "
            "how many seeds, when not all)."
            if has_cost and latency_limit is not None
            else "."
        ),
    ]
    if lead == "search":
        lines.append(
            "It leads here because the reported (test) value of the best-by-validation cell is mostly "
            "noise on this benchmark; the reported-value table follows."
        )
    if opt is not None:
        lines.append(
            f"Benchmark optimum: search {opt.search_value:.2f} -> reported {opt.reported_value:.2f} "
            f"(best reported value overall {opt.best_reported_value:.2f})."
        )
    lines += ["", "| sampler | " + " | ".join(f"q={b}" for b in budgets) + " | optimum found | trials | capped |"]
    lines.append("|---" * (len(budgets) + 4) + "|")
    second_title = (
        "Reported (test) value of the best-by-search cell after q distinct queries: mean ± std over seeds."
        if lead == "search"
        else "Best search value after q distinct queries: mean ± std over seeds."
    )
    second = ["", second_title, "", "| sampler | " + " | ".join(f"q={b}" for b in budgets) + " |"]
    second.append("|---" * (len(budgets) + 1) + "|")
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
        s_arr = np.where(np.isfinite(s_curves[sampler]), s_curves[sampler], np.nan)  # -inf: none feasible yet
        lead_arr, other_arr = (s_arr, arr) if lead == "search" else (arr, s_arr)
        cells = [_mean_std(lead_arr[:, b - 1]) for b in budgets]
        second.append(f"| {sampler} | " + " | ".join(_mean_std(other_arr[:, b - 1]) for b in budgets) + " |")
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
    lines += second
    lines += cost
    lines += origin_summary(raw)
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
