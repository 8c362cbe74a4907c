"""The sequential decoder: every decoded cell is valid, and it learns to reconstruct."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.spaces import (
    DAGSpace,
    DartsSpace,
    ENASSpace,
    NASBench101Space,
    NASBench201Space,
    NASBenchGraphSpace,
)

SPACES = [
    NASBench201Space(),
    NASBench101Space(),
    DartsSpace(),
    ENASSpace(),
    NASBenchGraphSpace(),
    NASBenchGraphSpace("proteins"),
    DAGSpace(5, ["a", "b"], max_edges=4),
]


@pytest.mark.parametrize("space", SPACES, ids=lambda s: f"{s.name}-{getattr(s, 'dataset', '')}")
def test_every_decoded_cell_is_valid(space) -> None:
    torch.manual_seed(0)
    vae = GraphVAE(space, GraphVAEConfig(latent_dim=8, hidden_dim=16))
    z = 3 * torch.randn(64, 8)  # far out in the prior too
    greedy = vae.decode(z)
    sampled = vae.decode(z, np.random.default_rng(0))
    for cell in greedy + sampled:
        assert space.is_valid(cell), space.is_valid(cell).reason
    assert len({space.key(c) for c in sampled}) > 1


@pytest.mark.slow
def test_decoder_learns_to_reconstruct_a_small_set() -> None:
    space = NASBench201Space()
    torch.manual_seed(0)
    vae = GraphVAE(space, GraphVAEConfig(latent_dim=16, hidden_dim=32))
    cells = [space.sample(i) for i in range(16)]
    x, types, adj, mask = vae.tensors(cells)
    opt = torch.optim.Adam(vae.parameters(), lr=3e-3)
    for _ in range(150):
        rec, kl, _ = vae.vae_loss(x, types, adj, mask)
        loss = (rec + 0.005 * kl).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        decoded = vae.decode(vae.encode(x, adj, mask)[0])
    assert sum(a == b for a, b in zip(cells, decoded)) >= 12
