"""How the graph VAE's first model round depends on its training steps per fit.

Fits :class:`~lso_sampler.strategies.GraphVAESearch` (defaults, D-VAE encoder) once on ``n``
random NAS-Bench-201 CIFAR-10 cells (the strategy's own random initial design for each
seed) with each number of ``epochs``, and prints per seed: the Spearman correlation of the
trained predictor with the validation accuracy of 400 other random cells, and the mean and
best validation accuracy of the 16 cells the round proposes. The default ``epochs`` (30) at
``n = 16`` is 30 training steps.

    PYTHONPATH=. python benchmarks/first_round_steps.py --data-dir ../shared/benchmarks --n 16
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from scipy.stats import spearmanr

from lso_sampler.benchmarks import get_benchmark
from lso_sampler.strategies.base import Observation, random_unseen
from lso_sampler.strategies.graph_vae import GraphVAESearch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="benchmark data ($LSO_SAMPLER_DATA if not given)")
    parser.add_argument("--n", type=int, default=16, help="random evaluated cells the model is fitted on")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", default="30,100,300", help="comma-separated epochs per fit to compare")
    args = parser.parse_args()
    torch.set_num_threads(1)
    bench = get_benchmark("nasbench201:cifar10", data_dir=args.data_dir)
    space = bench.space
    test = random_unseen(space, 123, (), 400)
    test_values = np.array([bench.query(c).search_value for c in test])
    for seed in range(args.seeds):
        history = []
        for cell in GraphVAESearch(space, seed=seed).propose([], [], args.n):
            r = bench.query(cell)
            history.append(Observation(cell=cell, key=r.key, values=(r.search_value,)))
        parts = []
        for epochs in (int(e) for e in args.epochs.split(",")):
            search = GraphVAESearch(space, seed=seed, epochs=epochs)
            start = time.perf_counter()
            model = search.fit(history)
            with torch.no_grad():
                pred = model.predict_performance(model.encode_cells(test)[0]).numpy()
            rho = spearmanr(pred, test_values).correlation
            proposed = search.select(model, history, {o.key for o in history}, 16)
            vals = [bench.query(c).search_value for c in proposed]
            parts.append(
                f"epochs {epochs} ({search.train_steps(len(history))} steps): rho {rho:.2f}, "
                f"proposed mean {np.mean(vals):.2f} best {np.max(vals):.2f} ({time.perf_counter() - start:.1f} s)"
            )
        print(f"seed {seed} | " + " | ".join(parts), flush=True)


if __name__ == "__main__":
    main()
