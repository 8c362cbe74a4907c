"""Produce the shipped AG-Net generator weights in ``lso_sampler/models/pretrained/``, or
measure the shipped ones.

Query-free: the generator learns to reconstruct random cells of each space from random z.

    python tools/pretrain_agnet.py nasbench201 nasbench-graph enas nasbench101
    python tools/pretrain_agnet.py --measure nasbench201 nasbench-graph   # the shipped weights

``--measure`` reports, as AG-Net's supplement D does, for 1,000 cells generated from
``z ~ N(0, I)`` (temperature 1): validity, uniqueness (distinct among the valid) and novelty
(valid and not among the random cells the pretraining drew, replayed from its seed), plus
the share of draws a search can rank (valid and distinct), and the mean reconstruction
loss of the shipped generator against 512 fresh random cells.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from lso_sampler.models.agnet import AGNetConfig, AGNetModel
from lso_sampler.models.pretrain import PRETRAIN_SEED, load_or_pretrain, pretrain_generator, pretrained_name
from lso_sampler.spaces import BUILTIN_SPACES as SPACES

STEPS = 2000  # AGNet's default pretrain_steps
BATCH = 64  # pretrain_generator's default batch size

out_dir = Path(__file__).resolve().parents[1] / "lso_sampler/models/pretrained"


def measure(name: str, n: int = 1000) -> dict[str, float]:
    """Validity, uniqueness, novelty and kept share of ``n`` generated cells of the shipped
    generator for ``name``; its loss on fresh random cells."""
    space = SPACES[name]()
    model = load_or_pretrain(space, AGNetConfig(), STEPS)
    rng = np.random.default_rng(0)  # the pretraining draws, replayed (seed 0, STEPS x BATCH cells)
    trained = {space.key(space.sample(rng)) for _ in range(STEPS * BATCH)}
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        cells = model.sample_cells(torch.randn(n, model.latent_dim, generator=gen), gen)
        fresh_rng = np.random.default_rng(99)
        fresh = [space.sample(fresh_rng) for _ in range(512)]
        types, edges = model.targets(fresh)
        node_logits, edge_logits = model.generator(torch.randn(len(fresh), model.latent_dim, generator=gen))
        loss = model.reconstruction_loss(node_logits, edge_logits, types, edges).mean().item()
    valid = [c for c in cells if space.is_valid(c)]
    keys = [space.key(c) for c in valid]
    return {
        "validity": len(valid) / n,
        "uniqueness": len(set(keys)) / max(len(keys), 1),
        "novelty": sum(k not in trained for k in keys) / max(len(keys), 1),
        "kept": len(set(keys)) / n,
        "loss_fresh": loss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spaces", nargs="*", default=list(SPACES))
    parser.add_argument("--measure", action="store_true", help="measure the shipped generators")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name in args.spaces:
        if args.measure:
            start = time.perf_counter()
            m = measure(name)
            cells = " | ".join(f"{v:.3f}" for v in m.values())
            print(f"| {name} | {cells} | {time.perf_counter() - start:.0f} s", flush=True)
            continue
        space = SPACES[name]()
        torch.manual_seed(PRETRAIN_SEED)  # as load_or_pretrain: the generator's initial weights
        model = AGNetModel(space, AGNetConfig())
        start = time.perf_counter()
        losses = pretrain_generator(model, steps=STEPS, seed=0)
        gen = torch.Generator().manual_seed(0)
        cells = model.sample_cells(torch.randn(1000, model.latent_dim), gen)
        valid = sum(bool(space.is_valid(c)) for c in cells) / len(cells)
        path = out_dir / pretrained_name(space, model.config, STEPS)
        torch.save(model.generator.state_dict(), path)
        print(
            f"{name}: {STEPS} steps in {time.perf_counter() - start:.0f} s, loss {sum(losses[:50]) / 50:.3f} -> "
            f"{sum(losses[-50:]) / 50:.3f}, validity of 1000 generated cells {valid:.3f}; wrote {path.name}",
            flush=True,
        )


if __name__ == "__main__":
    main()
