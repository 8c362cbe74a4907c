"""Produce the shipped AG-Net generator weights in ``lso_sampler/models/pretrained/``.

Query-free: the generator learns to reconstruct random cells of each space from random z.

    python tools/pretrain_agnet.py nasbench201 nasbench-graph enas nasbench101
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

from lso_sampler.models.agnet import AGNetConfig, AGNetModel
from lso_sampler.models.pretrain import pretrain_generator, pretrained_name
from lso_sampler.spaces import BUILTIN_SPACES as SPACES

STEPS = 2000  # AGNet's default pretrain_steps

out_dir = Path(__file__).resolve().parents[1] / "lso_sampler/models/pretrained"
torch.set_num_threads(1)
for name in sys.argv[1:] or list(SPACES):
    space = SPACES[name]()
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
