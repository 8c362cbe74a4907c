"""Where the graph VAE's and CR-LSO's early rounds lose: the candidates or their ranking.

For histories of ``n`` random NAS-Bench-201 cells (seeds 0..S-1, values from the benchmark),
fit the strategy once, build one round's candidates (the ascent's decodes and the best
cells' one-edit neighbours, as ``select`` does) and compare the 16 cells each ranking
would propose: the model's own (``rank``) and a one-hot GP's expected improvement
(``benchmarks.levers.OneHotGP``). ``top`` = share of cells whose validation accuracy is at
least ``--top``; ``oracle 16`` = mean value of the best 16 candidates.

    PYTHONPATH=. python benchmarks/candidate_ranking.py --data-dir ../shared/benchmarks
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from benchmarks.levers import OneHotGP
from lso_sampler.benchmarks import get_benchmark
from lso_sampler.strategies import ConvexLSO, GraphVAESearch
from lso_sampler.strategies.base import Observation


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="nasbench201:cifar10")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--n", type=int, nargs="+", default=[16, 32], help="history sizes")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--top", type=float, default=91.0, help="validation accuracy counted as a top cell")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    bench = get_benchmark(args.benchmark, data_dir=args.data_dir)
    space = bench.space
    cells = list(space.enumerate())
    value = {space.key(c): bench._lookup(c, space.key(c)).search_value for c in cells}
    share = np.mean([v >= args.top for v in value.values()])
    print(f"{args.benchmark}: {100 * share:.2f} % of all cells have a value >= {args.top}")
    print("| n | strategy | candidates | top % | oracle 16 | model's 16: top % | mean | GP-EI's 16: top % | mean |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.n:
        for cls in (GraphVAESearch, ConvexLSO):
            rows = []
            for seed in range(args.seeds):
                order = np.random.default_rng(1000 + seed).permutation(len(cells))
                history = [Observation(c, space.key(c), (value[space.key(c)],)) for c in (cells[i] for i in order[:n])]
                search = cls(space, seed)
                model = search.fit(history)
                taken = {o.key for o in history}
                found = dict(search.ascend(model, search.start_points(model, history, search._torch_gen()), taken))
                search._add_neighbours(history, taken, found)
                pool = list(found.values())
                v = np.array([value[space.key(c)] for c in pool])
                own = np.array([value[space.key(c)] for c in search.rank(model, pool)[:16]])
                gp = OneHotGP(space)
                gp.fit([o.cell for o in history], np.array([o.value for o in history]))
                by_gp = v[np.argsort(-gp.expected_improvement(pool), kind="stable")[:16]]
                rows.append([len(pool), np.mean(v >= args.top), np.sort(v)[-16:].mean(),
                             np.mean(own >= args.top), own.mean(), np.mean(by_gp >= args.top), by_gp.mean()])
            m = np.mean(rows, 0)
            print(f"| {n} | {cls.name} | {m[0]:.0f} | {100 * m[1]:.1f} | {m[2]:.2f} | {100 * m[3]:.1f} | {m[4]:.2f} "
                  f"| {100 * m[5]:.1f} | {m[6]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
