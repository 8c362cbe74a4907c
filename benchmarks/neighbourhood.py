"""How close each run of a NAS-Bench-201 `compare` table came to the benchmark's best cell.

For every sampler and seed of a ``queries.csv``: the edit distance (operations that differ)
from the run's best-by-search cell to the best cell of the table, and how many of that best
cell's one-edit neighbours the run queried. A search that ends two or three edits away and
has queried few of the optimum's neighbours stalled before the last local steps.

    python benchmarks/neighbourhood.py benchmarks/results/acceptance_nasbench201_cifar10/queries.csv
"""

from __future__ import annotations

import argparse

import pandas as pd

from lso_sampler.spaces import NASBench201Space
from lso_sampler.strategies.base import neighbours


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", help="a queries.csv of `lso-sampler compare` on nasbench201")
    parser.add_argument("--budget", type=int, default=None, help="only the first this many queries of each run")
    args = parser.parse_args(argv)
    space = NASBench201Space()
    cells = {space.key(c): c for c in space.enumerate()}
    q = pd.read_csv(args.queries)
    if args.budget is not None:
        q = q[q["query"] <= args.budget]
    best_key = q.loc[q["search_value"].idxmax(), "cell_key"]
    best = space.to_params(cells[best_key], "categorical")
    near = {space.key(c) for c in neighbours(space, cells[best_key])}

    def distance(key: str) -> int:
        p = space.to_params(cells[key], "categorical")
        return sum(p[k] != best[k] for k in p)

    print(f"best cell {best_key} ({len(near)} one-edit neighbours)")
    print("| sampler | distance of the best cell per seed | optimum's neighbours queried per seed |")
    print("|---|---|---|")
    for sampler, runs in q.groupby("sampler", sort=False):
        dist, seen = [], []
        for _, run in runs.groupby("seed"):
            dist.append(distance(run.loc[run["search_value"].idxmax(), "cell_key"]))
            seen.append(len(near & set(run["cell_key"])))
        print(f"| {sampler} | {' '.join(map(str, dist))} | {' '.join(map(str, seen))} |")


if __name__ == "__main__":
    main()
