"""The hardware-aware table of benchmarks/README.md#hardware-aware-search (AG-Net's Table 5
protocol), from the committed query logs of `benchmarks/hardware.sh`.

One row per task (device, latency limit L) and sampler. Each run (192 queries) picks its
best-by-validation cell with latency <= L; the table gives the best of the 10 runs' picks by
test accuracy (AG-Net's "best out of 10 runs", with its latency), the mean test accuracy of
the picks, the mean feasibility (share of
queried cells with latency <= L), the mean hypervolume at 192 queries (% of the true
front's, as in `lso-sampler compare`), and how many runs queried the true constrained
optimum (the cell with the best validation accuracy and latency <= L). A last table counts,
per sampler, the tasks in which at least one run found that optimum (AG-Net: 15 of 20 tasks,
random search none, on their tasks).

    LSO_SAMPLER_DATA=../shared/benchmarks python benchmarks/hardware_table.py [--plots]

``--plots`` redraws each task's ``pareto.png`` from its ``queries.csv`` (as ``lso-sampler
compare`` draws it).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from lso_sampler.benchmarks import get_benchmark
from lso_sampler.compare import CostScale, plot_pareto, run_stats

RESULTS = Path(__file__).resolve().parent / "results" / "hardware"
ORDER = ("agnet:constrained", "agnet:joint", "graph-vae:joint", "nsga2:joint", "tpe:joint", "tpe:constrained", "random")
LABELS = {
    "agnet:constrained": "AG-Net Joint=0",
    "agnet:joint": "AG-Net Joint=1",
    "graph-vae:joint": "graph VAE (scalarised)",
    "nsga2:joint": "NSGA-II",
    "tpe:joint": "TPE (multi-objective)",
    "tpe:constrained": "TPE (constrained)",
    "random": "random",
}


def task_rows(device: str, limit: float, queries: pd.DataFrame) -> tuple[list[str], dict[str, bool]]:
    bench = get_benchmark(f"nasbench201-latency:{device}")
    scale = CostScale.of(bench, limit)
    opt = bench.constrained_optimum(limit)
    feasible_share = float((bench.all_points()[1] <= limit).mean())
    lines = [
        f"### {device}, latency <= {limit:g} ms",
        "",
        f"{100 * feasible_share:.1f} % of all cells meet the limit; constrained optimum: validation "
        f"{opt.search_value:.2f}, test {opt.reported_value:.2f}, latency "
        f"{scale.optimum_cost:.3f} ms (best test accuracy within the limit: {opt.best_reported_value:.2f}).",
        "",
        "| sampler | best of 10: test acc. (latency ms) | mean test acc. ± std "
        "| feasibility | HV % (q=192) | optimum found |",
        "|---|---|---|---|---|---|",
    ]
    found_any: dict[str, bool] = {}
    samplers = [s for s in ORDER if s in set(queries["sampler"])]
    samplers += [s for s in queries["sampler"].unique() if s not in samplers]
    for sampler in samplers:
        frame = queries[queries["sampler"] == sampler]
        stats = [run_stats(run, scale, [192]) for _, run in frame.groupby("seed")]
        picks = [st.pick for st in stats if st.pick is not None]
        found = sum(st.found for st in stats)
        found_any[sampler] = found > 0
        best = max(picks) if picks else None  # the best of the 10 runs' picks, by test accuracy
        acc = np.array([p[0] for p in picks])
        lines.append(
            f"| {LABELS.get(sampler, sampler)} | "
            + (f"{best[0]:.2f} ({best[1]:.3f})" if best else "none")
            + f" | {acc.mean():.2f} ± {acc.std():.2f}"
            + (f" ({len(picks)} runs)" if len(picks) < len(stats) else "")
            + f" | {np.mean([st.feasibility for st in stats]):.2f} | {np.mean([st.hv[192] for st in stats]):.1f}"
            + f" | {found}/{len(stats)} |"
        )
    return lines + [""], found_any


def main(plots: bool = False) -> None:
    tasks = []
    for folder in sorted(RESULTS.iterdir()):
        m = re.fullmatch(r"(.+)_L([0-9.]+)", folder.name)
        if m and (folder / "queries.csv").exists():
            tasks.append((m.group(1), float(m.group(2)), folder))
    tasks.sort(key=lambda t: (t[0], t[1]))
    found: dict[str, int] = {}
    out = []
    for device, limit, folder in tasks:
        queries = pd.read_csv(folder / "queries.csv")
        if plots:
            bench = get_benchmark(f"nasbench201-latency:{device}")
            plot_pareto(queries, bench, int(queries["query"].max()), limit, folder / "pareto.png")
        lines, hit = task_rows(device, limit, queries)
        out += lines
        for s, h in hit.items():
            found[s] = found.get(s, 0) + int(h)
    out += [
        f"### Tasks in which any of the 10 runs found the constrained optimum (of {len(tasks)})",
        "",
        "| sampler | tasks |",
        "|---|---|",
    ]
    out += [f"| {LABELS.get(s, s)} | {found[s]}/{len(tasks)} |" for s in ORDER if s in found]
    print("\n".join(out))


if __name__ == "__main__":
    import sys

    main(plots="--plots" in sys.argv[1:])
