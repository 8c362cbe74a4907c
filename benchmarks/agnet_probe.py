"""Strategy variants on a benchmark, without Optuna: quick what-if experiments.

Runs a strategy (`AGNet` unless the options name another under "strategy", e.g.
"GraphVAESearch" or "ConvexLSO") directly (16 cells per round, one torch thread per process, two
processes) for seeds 0..N-1 and prints the mean reported value of the best-by-search cell at
32..192 queries, each seed's final value, and per seed the best cell's search value after
each round (to see where a seed got stuck). Options are the strategy's keyword arguments as JSON.

    LSO_SAMPLER_DATA=../shared/benchmarks python benchmarks/agnet_probe.py \
        nasbench201:cifar10 10 192 '{"weight_k": 0.001}'
    LSO_SAMPLER_DATA=../shared/benchmarks python benchmarks/agnet_probe.py \
        nasbench201:cifar10 4 192 '{"strategy": "GraphVAESearch", "target": "minmax"}'
"""

from __future__ import annotations

import json
import multiprocessing as mp
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np


def run(args: tuple[str, int, int, dict]) -> tuple[int, list[float], float, list[float]]:
    bench_name, seed, budget, options = args
    import torch

    torch.set_num_threads(1)
    from lso_sampler import strategies
    from lso_sampler.benchmarks import get_benchmark
    from lso_sampler.strategies import Observation

    options = dict(options)
    cls = getattr(strategies, options.pop("strategy", "AGNet"))
    bench = get_benchmark(bench_name)
    bench.reset()
    strategy = cls(bench.space, seed=seed, **options)
    history: list[Observation] = []
    reported: list[float] = []
    rounds: list[float] = []
    best = (-np.inf, np.nan)
    start = time.perf_counter()
    while len(history) < budget:
        for cell in strategy.propose(history, [], 16):
            rec = bench.query(cell)
            if rec.cached or len(history) >= budget:
                continue
            history.append(Observation(cell, rec.key, (rec.search_value,)))
            if rec.search_value > best[0]:
                best = (rec.search_value, rec.reported_value)
            reported.append(best[1])
        rounds.append(round(float(best[0]), 2))
    return seed, reported, time.perf_counter() - start, rounds


def main() -> None:
    bench, seeds, budget = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    options = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        results = list(pool.map(run, [(bench, s, budget, options) for s in range(seeds)]))
    curves = np.array([r[1] for r in results])
    at = [q for q in (32, 48, 64, 96, 128, 192) if q <= budget]
    print(options, "mean at", {q: round(float(curves[:, q - 1].mean()), 3) for q in at})
    print("final per seed", [round(float(x), 2) for x in curves[:, -1]])
    print("seconds per run", [round(r[2]) for r in results])
    for seed, _, _, rounds in results:
        print(f"seed {seed}: best search value after each round", rounds)


if __name__ == "__main__":
    main()
