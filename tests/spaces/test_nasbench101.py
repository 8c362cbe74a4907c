from __future__ import annotations

import numpy as np
import pytest
import torch

from lso_sampler.cell import Cell
from lso_sampler.spaces import NASBench101Space

OPS = ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3", "conv3x3-bn-relu", "conv1x1-bn-relu", "output"]


def test_validity_reasons() -> None:
    space = NASBench101Space()
    unreachable = Cell.from_edges(OPS, [(0, 1), (1, 2)])
    v = space.is_valid(unreachable)
    assert not v and "not reachable" in v.reason
    dense = Cell.from_edges(OPS, [(i, j) for i in range(7) for j in range(i + 1, 7)])
    v = space.is_valid(dense)
    assert not v and "more than max_edges=9" in v.reason
    ok = Cell.from_edges(OPS, [(0, 1), (1, 6)])
    assert space.is_valid(ok)


def test_cells_computing_the_same_graph_share_a_key() -> None:
    space = NASBench101Space()
    a = Cell.from_edges(OPS, [(0, 1), (1, 6)])
    b = Cell.from_edges(OPS, [(0, 1), (1, 6), (0, 2), (2, 3)])  # 2, 3 dangle: pruned away
    c = Cell.from_edges(OPS, [(0, 4), (4, 6)])  # same op as node 1, other node number
    d = Cell.from_edges(OPS, [(0, 2), (2, 6)])  # another op
    assert a != b
    assert space.key(a) == space.key(b) == space.key(c)
    assert space.key(a) != space.key(d)
    # a pruned (3-node) cell is a member of the space too, with the same key
    assert space.is_valid(a.pruned())
    assert space.key(space.from_params(space.to_params(a.pruned()))) == space.key(a)


def test_cells_that_differ_off_the_path_have_one_representative_the_vae_sees() -> None:
    from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig

    space = NASBench101Space()
    a = Cell.from_edges(OPS, [(0, 1), (1, 6)])
    b = Cell.from_edges(OPS, [(0, 1), (1, 6), (0, 2), (2, 3)])  # 2, 3 dangle
    rep = space.representative(b)
    assert rep == space.representative(a) and rep.num_nodes == 7 and space.is_valid(rep)
    assert space.key(rep) == space.key(b) and rep.edges == ((0, 1), (1, 6))
    full = Cell.from_edges(OPS, [(i, i + 1) for i in range(6)])  # every node on the path
    assert space.representative(full) is full
    model = GraphVAE(space, GraphVAEConfig(hidden_dim=8, latent_dim=4))
    assert all(torch.equal(u, v) for u, v in zip(model.tensors([a]), model.tensors([b])))
    rng = np.random.default_rng(0)
    for _ in range(200):
        cell = space.sample(rng)
        assert space.key(space.representative(cell)) == space.key(cell)


def test_enumerate_refuses_a_space_this_large() -> None:
    with pytest.raises(ValueError, match="too many to enumerate"):
        next(NASBench101Space().enumerate())


# The Inception-like cell of the NAS-Bench-101 colab (google-research/nasbench,
# NASBench.ipynb, commit 9aacc1829ecad141866b17f0cef431c9366c5593): its query prints
# `trainable_parameters: 2694282` (TensorFlow; batch norm's gamma and beta count).
INCEPTION_LIKE = (
    ["input", "conv1x1-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output"],
    [[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0],
     [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
)  # fmt: skip


def test_to_module_has_the_benchmarks_parameter_count() -> None:
    space = NASBench101Space()
    net = space.to_module(Cell(*INCEPTION_LIKE))
    assert sum(p.numel() for p in net.parameters()) == 2694282


def test_to_module_channel_split_and_runs_on_random_cells() -> None:
    import torch

    from lso_sampler.networks.nb101_net import vertex_channels

    # nodes 1, 2, 4, 5 feed the output: 130 channels split 33/33/32/32 (the remainder to
    # the first ones); node 3 only feeds node 4 and takes its width
    adj = INCEPTION_LIKE[1]
    assert vertex_channels(64, 130, adj) == [64, 33, 33, 32, 32, 32, 130]
    space = NASBench101Space()
    rng = np.random.default_rng(0)
    for _ in range(10):
        cell = space.sample(rng)
        net = space.to_module(cell, stem_channels=8, cells_per_stack=1, num_classes=4, in_channels=1)
        out = net(torch.randn(2, 1, 16, 16))
        assert out.shape == (2, 4)
        out.sum().backward()
    with pytest.raises(ValueError, match="not a valid NAS-Bench-101 cell"):
        space.to_module(Cell(["input", "conv1x1-bn-relu", "output"], [[0, 1, 0], [0, 0, 0], [0, 0, 0]]))
