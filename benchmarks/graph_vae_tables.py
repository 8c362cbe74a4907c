"""The search tables of benchmarks/README.md#graph-vae-and-cr-lso, from committed query logs.

Reads the `graph_vae_*` runs (`benchmarks/graph_vae.sh`: random, tpe, evolution, graph-vae,
convex-lso) and adds the `agnet` and `local-search` rows of the AG-Net runs
(`benchmarks/agnet.sh`) on the same benchmark, which used the same seeds (0-9) and budget (192);
the samplers both runs share (random, tpe, evolution) are checked to agree query for query, so
the rows are comparable. Prints one markdown table per benchmark: mean test (reported) value of
the best-by-validation cell at q = 32, 48, 64, 96, 192, the mean best validation (search) value
at 192, and how many seeds found the optimum.

    python benchmarks/graph_vae_tables.py
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from lso_sampler.compare import anytime_curves

RESULTS = Path(__file__).resolve().parent / "results"
#: graph_vae run -> the AG-Net run on the same benchmark
TABLES = {
    "graph_vae_nasbench201_cifar10": "agnet_nasbench201_cifar10",
    "graph_vae_nasbench201_cifar100": "nasbench201_cifar100",
    "graph_vae_nasbench201_imagenet16": "nasbench201_imagenet16",
    "graph_vae_nasbench_graph_cora": "nasbench_graph_cora",
    "graph_vae_nasbench301": "nasbench301",
}
BUDGETS = (32, 48, 64, 96, 192)
ORDER = ("random", "tpe", "evolution", "local-search", "agnet", "graph-vae", "convex-lso")


def best_search(queries: pd.DataFrame, budget: int) -> dict[str, float]:
    """Mean over seeds of the best search value within ``budget`` queries."""
    q = queries[queries["query"] <= budget]
    return {str(s): float(f.groupby("seed")["search_value"].max().mean()) for s, f in q.groupby("sampler")}


def table(name: str, peer: str) -> str | None:
    path = RESULTS / name / "queries.csv"
    if not path.exists():
        return None
    ours = pd.read_csv(path)
    theirs = pd.read_csv(RESULTS / peer / "queries.csv")
    for shared in sorted(set(ours.sampler) & set(theirs.sampler)):
        a = ours[ours.sampler == shared].sort_values(["seed", "query"]).cell_key.tolist()
        b = theirs[theirs.sampler == shared].sort_values(["seed", "query"]).cell_key.tolist()
        if a != b:
            raise SystemExit(f"{name} and {peer} disagree on {shared}: the rows would not be comparable")
    # agnet and local-search, and any baseline this run left out (NAS-Bench-301), from the peer
    borrowed = {"agnet", "local-search"} | (set(theirs.sampler) & set(ORDER)) - set(ours.sampler)
    queries = pd.concat([ours, theirs[theirs.sampler.isin(sorted(borrowed))]])
    curves = anytime_curves(queries, 192)
    search = best_search(queries, 192)
    optimum = queries.search_value.max()
    found = {
        str(s): int((f.groupby("seed")["search_value"].max() >= optimum - 1e-9).sum())
        for s, f in queries.groupby("sampler")
    }  # NAS-Bench-301 has no known optimum: there this counts the best cell any run found
    head = " | ".join(f"q={b}" for b in BUDGETS)
    lines = [
        f"{name} (+ {', '.join(sorted(borrowed))} from {peer})",
        "",
        f"| sampler | {head} | best valid. q=192 | best found |",
        "|---|" + "---|" * (len(BUDGETS) + 2),
    ]
    means = {s: [float(np.nanmean(curves[s][:, b - 1])) for b in BUDGETS] for s in curves}
    top = [max(means[s][i] for s in means) for i in range(len(BUDGETS))]
    for s in [s for s in ORDER if s in curves]:
        cells = [
            f"**{v:.2f}**" if math.isclose(v, top[i], abs_tol=1e-9) else f"{v:.2f}" for i, v in enumerate(means[s])
        ]
        lines.append(f"| {s} | " + " | ".join(cells) + f" | {search[s]:.2f} | {found[s]}/10 |")
    return "\n".join(lines) + "\n"


def main() -> None:
    for name, peer in TABLES.items():
        out = table(name, peer)
        print(out if out else f"{name}: not run yet\n")


if __name__ == "__main__":
    main()
