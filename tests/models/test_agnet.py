from __future__ import annotations

import numpy as np
import pytest
import torch

from lso_sampler.models.agnet import AGNetModel, rank_weights
from lso_sampler.models.generator import GraphGenerator
from lso_sampler.models.pretrain import load_or_pretrain, pretrain_generator
from lso_sampler.spaces import (
    DAGSpace,
    DartsSpace,
    ENASSpace,
    NASBench101Space,
    NASBench201Space,
    NASBenchGraphSpace,
)


def test_rank_weights_follow_the_formula() -> None:
    values = [0.3, 0.9, 0.5, 0.1]
    w = rank_weights(values, k=1e-3)
    ranks = np.array([2, 0, 1, 3])  # 0 = best
    expected = 1 / (1e-3 * 4 + ranks)
    np.testing.assert_allclose(w, expected / expected.sum())
    assert w.argmax() == 1 and np.isclose(w.sum(), 1.0)


def test_generator_is_differentiable_end_to_end() -> None:
    gen = GraphGenerator(num_types=5, max_nodes=6, start_type=0)
    z = torch.randn(3, 32, requires_grad=True)
    nodes, edges = gen(z)
    GraphGenerator.graph_vector(nodes, edges).sum().backward()
    assert z.grad is not None and z.grad.abs().sum() > 0
    assert all(p.grad is not None for p in gen.node_head.parameters())


@pytest.mark.slow
def test_pretraining_lowers_the_reconstruction_loss() -> None:
    torch.manual_seed(0)
    model = AGNetModel(NASBenchGraphSpace())
    losses = pretrain_generator(model, steps=150, batch_size=32, lr=2e-3)
    # random targets leave an entropy floor, so the loss falls well short of zero
    assert np.mean(losses[-20:]) < 0.85 * np.mean(losses[:20])


@pytest.mark.parametrize(
    ("space", "min_validity"),
    [
        (NASBench201Space(), 1.0),  # wiring fixed by the space: only op types are drawn
        (NASBenchGraphSpace(), 0.45),  # 9 of the 24 predecessor patterns are links
        (ENASSpace(), 0.9),
        (NASBench101Space(), 0.6),
        (DartsSpace(), 1.0),  # input pairs drawn as one choice per node
    ],
    ids=lambda x: repr(x) if not isinstance(x, float) else str(x),
)
def test_shipped_generators_decode_to_valid_cells(space, min_validity: float) -> None:
    model = load_or_pretrain(space)  # shipped weights: no pretraining here
    cells = model.sample_cells(torch.randn(500, model.latent_dim), torch.Generator().manual_seed(1))
    valid = [c for c in cells if space.is_valid(c)]
    assert len(valid) / len(cells) >= min_validity
    assert len({space.key(c) for c in valid}) > 50  # not one cell over and over


@pytest.mark.slow
def test_user_space_is_pretrained_on_first_use_and_cached(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LSO_SAMPLER_CACHE", str(tmp_path))
    space = DAGSpace(4, ["conv", "pool"], max_edges=5)
    torch.manual_seed(0)
    model = load_or_pretrain(space, steps=150)
    assert len(list(tmp_path.glob("agnet-dag-*.pt"))) == 1
    cells = model.sample_cells(torch.randn(300, model.latent_dim), torch.Generator().manual_seed(1))
    assert sum(bool(space.is_valid(c)) for c in cells) / len(cells) > 0.3
    again = load_or_pretrain(space, steps=150)  # read from the cache, not trained again
    for a, b in zip(model.generator.state_dict().values(), again.generator.state_dict().values()):
        assert torch.equal(a, b)


def test_darts_generator_outputs_darts_sized_graphs() -> None:
    space = DartsSpace()
    model = AGNetModel(space)
    cells = model.sample_cells(torch.randn(4, 32), torch.Generator().manual_seed(0))
    assert all(c.num_nodes == 30 and c.ops[0] == "normal_in0" for c in cells)
    assert all(isinstance(bool(space.is_valid(c)), bool) for c in cells)
