"""Produce the shipped graph-VAE weights (encoder + decoder) in ``lso_sampler/models/pretrained/``.

Query-free: the VAE learns to reconstruct random cells of each space.

    python tools/pretrain_vae.py dvae:nasbench201 svge:nasbench201 dvae:darts ...
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.models.pretrain import pretrain_vae, vae_pretrained_name
from lso_sampler.spaces import BUILTIN_SPACES as SPACES

STEPS = 3000  # GraphVAESearch's default pretrain_steps

out_dir = Path(__file__).resolve().parents[1] / "lso_sampler/models/pretrained"
torch.set_num_threads(1)
for item in sys.argv[1:]:
    encoder, name = item.split(":")
    space = SPACES[name]()
    model = GraphVAE(space, GraphVAEConfig(encoder=encoder))
    start = time.perf_counter()
    losses = pretrain_vae(model, steps=STEPS, seed=0)
    rng = np.random.default_rng(12345)
    cells = [space.sample(rng) for _ in range(500)]
    with torch.no_grad():
        decoded = model.decode(model.encode_cells(cells)[0])
    acc = np.mean([space.key(a) == space.key(b) for a, b in zip(cells, decoded)])
    prior = model.decode(torch.randn(500, model.latent_dim, generator=torch.Generator().manual_seed(0)), rng)
    valid = np.mean([bool(space.is_valid(c)) for c in prior])
    path = out_dir / vae_pretrained_name(space, model.config, STEPS)
    torch.save(model.vae_state_dict(), path)
    print(
        f"{item}: {STEPS} steps in {time.perf_counter() - start:.0f} s, loss {np.mean(losses[:50]):.3f} -> "
        f"{np.mean(losses[-50:]):.3f}; reconstruction of 500 random cells {acc:.3f}, prior validity {valid:.3f}; "
        f"wrote {path.name}",
        flush=True,
    )
