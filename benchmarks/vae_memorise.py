"""How fast a space's graph VAE learns to reconstruct a few fixed cells (a capacity check).

Trains a fresh graph VAE (the space's default config, torch seed 0) on ``--cells`` random
cells of the space (numpy seed 0), all of them in every step (Adam 2e-3, gradients clipped
at 5, the pretraining loss: reconstruction + beta x KL), and prints every ``--every`` steps
the share of their parameters decoded right from the posterior mean (greedy) and the
share of cells decoded exactly. A model that cannot learn a space at all does not
reconstruct even these; one that learns it slowly takes many steps. No benchmark data is
read::

    OMP_NUM_THREADS=1 python benchmarks/vae_memorise.py --space enas --cells 32 --steps 300 --every 60
    OMP_NUM_THREADS=1 python benchmarks/vae_memorise.py --space darts --cells 32 --steps 1000 --every 200
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.spaces import DartsSpace, ENASSpace, NASBench101Space, NASBench201Space, NASBenchGraphSpace

SPACES = {
    "darts": DartsSpace,
    "enas": ENASSpace,
    "nasbench101": NASBench101Space,
    "nasbench201": NASBench201Space,
    "nasbench-graph": NASBenchGraphSpace,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", choices=sorted(SPACES), default="darts")
    parser.add_argument("--cells", type=int, default=32)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--every", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    space = SPACES[args.space]()
    rng = np.random.default_rng(0)
    cells = [space.representative(space.sample(rng)) for _ in range(args.cells)]
    model = GraphVAE(space, GraphVAEConfig().for_space(space))
    params = [p for name, p in model.named_parameters() if not name.startswith(("perf.", "comp."))]
    opt = torch.optim.Adam(params, lr=2e-3)
    tensors = model.tensors(cells)
    start = time.time()
    print(f"{args.space}: {args.cells} cells, one batch per step")
    print("| step | loss | parameters right | cells exact | seconds |")
    print("|---:|---:|---:|---:|---:|")
    for step in range(1, args.steps + 1):
        rec, kl, _ = model.vae_loss(*tensors)
        loss = (rec + model.config.beta * kl).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        if step % args.every == 0:
            model.eval()
            with torch.no_grad():
                decoded = model.decode(model.encode_cells(cells)[0])
            model.train()
            right = np.mean(
                [
                    np.mean([a[k] == b[k] for k in a])
                    for a, b in (
                        (space.to_params(c, "categorical"), space.to_params(d, "categorical"))
                        for c, d in zip(cells, decoded)
                    )
                ]
            )
            exact = np.mean([space.key(c) == space.key(d) for c, d in zip(cells, decoded)])
            print(f"| {step} | {loss.item():.2f} | {right:.3f} | {exact:.2f} | {time.time() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
