"""Hash of the cells each sampler proposes for fixed seeds, to show a refactor changes none.

    LSO_SAMPLER_DATA=../shared/benchmarks OMP_NUM_THREADS=1 python benchmarks/proposal_digest.py

Per sampler and seed: a study of ``--trials`` trials on ``--benchmark`` (the search value as
the objective), and the first 12 hex digits of the sha1 of the trials' cell keys in order.
Equal digits before and after a change mean the same cells were proposed in the same order.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import warnings

import optuna

CLASSES = {
    "random": "RandomSearchSampler",
    "evolution": "RegularizedEvolutionSampler",
    "local-search": "LocalSearchSampler",
    "agnet": "AGNetSampler",
    "graph-vae": "GraphVAESampler",
    "convex-lso": "ConvexLSOSampler",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=48)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--samplers", nargs="+", default=list(CLASSES))
    parser.add_argument("--benchmark", default="nasbench201:cifar10")
    args = parser.parse_args()
    import torch

    import lso_sampler
    from lso_sampler.benchmarks import get_benchmark

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")
    bench = get_benchmark(args.benchmark)
    space = bench.space
    for name in args.samplers:
        for seed in args.seeds:
            sampler = getattr(lso_sampler, CLASSES[name])(space, seed=seed)
            study = optuna.create_study(direction="maximize", sampler=sampler)
            study.optimize(lambda t: bench.query(space.suggest(t)).search_value, n_trials=args.trials)
            keys = [space.key(space.from_params(t.params)) for t in study.trials]
            digest = hashlib.sha1(json.dumps(keys).encode()).hexdigest()[:12]
            print(f"{name:14s} seed {seed}: {digest}  best {study.best_value:.2f}", flush=True)


if __name__ == "__main__":
    main()
