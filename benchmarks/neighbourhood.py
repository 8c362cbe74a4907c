"""How close each run of a NAS-Bench-201 `compare` table came to the benchmark's best cell.

For every sampler and seed of a ``queries.csv``: the edit distance (operations that differ)
from the run's best-by-search cell to the best cell of the table, and how many of that best
cell's one-edit neighbours the run queried. A search that ends two or three edits away and
has queried few of the optimum's neighbours stalled before the last local steps.

    python benchmarks/neighbourhood.py benchmarks/results/acceptance_nasbench201_cifar10/queries.csv

``--escape SAMPLER:SEED --data-dir DIR`` reads the benchmark (CIFAR-10 validation accuracy,
the search value) and counts, for that run's best cell, the cells of the whole space with a
higher search value by their edit distance from it: a run whose best cell has no better
cell within one or two edits can only leave it by a jump.
"""

from __future__ import annotations

import argparse
import collections

import pandas as pd

from lso_sampler.benchmarks.nasbench201 import NASBench201
from lso_sampler.spaces import NASBench201Space
from lso_sampler.strategies.base import edit_distance, neighbours


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", help="a queries.csv of `lso-sampler compare` on nasbench201")
    parser.add_argument("--budget", type=int, default=None, help="only the first this many queries of each run")
    parser.add_argument("--escape", metavar="SAMPLER:SEED", help="count the better cells around this run's best")
    parser.add_argument("--data-dir", help="benchmark data folder (for --escape)")
    args = parser.parse_args(argv)
    if args.escape and not args.data_dir:
        parser.error("--escape: give --data-dir, the folder holding nasbench201/")
    space = NASBench201Space()
    cells = {space.key(c): c for c in space.enumerate()}
    q = pd.read_csv(args.queries)
    if args.budget is not None:
        q = q[q["query"] <= args.budget]
    best_key = q.loc[q["search_value"].idxmax(), "cell_key"]
    near = {space.key(c) for c in neighbours(space, cells[best_key])}

    def distance(key: str) -> int:
        return edit_distance(space, cells[key], cells[best_key])

    print(f"best cell {best_key} ({len(near)} one-edit neighbours)")
    print("| sampler | distance of the best cell per seed | optimum's neighbours queried per seed |")
    print("|---|---|---|")
    for sampler, runs in q.groupby("sampler", sort=False):
        dist, seen = [], []
        for _, run in runs.groupby("seed"):
            dist.append(distance(run.loc[run["search_value"].idxmax(), "cell_key"]))
            seen.append(len(near & set(run["cell_key"])))
        print(f"| {sampler} | {' '.join(map(str, dist))} | {' '.join(map(str, seen))} |")
    if args.escape:
        sampler, _, seed = args.escape.rpartition(":")
        run = q[(q["sampler"] == sampler) & (q["seed"] == int(seed))]
        if run.empty:
            parser.error(f"--escape: no run {args.escape} in {args.queries}")
        top = run.loc[run["search_value"].idxmax()]
        bench = NASBench201("cifar10", data_dir=args.data_dir)
        here = cells[top["cell_key"]]
        counts = collections.Counter(
            edit_distance(space, cell, here)
            for cell in cells.values()
            if bench.query(cell).search_value > top["search_value"]
        )
        print(
            f"{args.escape}: best {top['search_value']:.3f} at query {top['query']}; "
            f"{sum(counts.values())} cells are better, by edit distance: "
            + ", ".join(f"{d}: {n}" for d, n in sorted(counts.items()))
        )


if __name__ == "__main__":
    main()
