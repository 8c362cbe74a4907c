from __future__ import annotations

import pytest

from lso_sampler.spaces import ENASSpace

ROW = [[1], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]]


def test_dvae_encoding_round_trip_and_graph() -> None:
    space = ENASSpace()
    cell = space.from_dvae(str(ROW))
    assert space.to_dvae(cell) == ROW
    assert cell.ops[1] == "sepconv3x3" and cell.ops[-1] == "output"
    # layer 3 (node 4) reads layer 2 (node 3) always, and the input, layer 0, layer 1 by flags
    assert cell.predecessors(4) == [0, 1, 2, 3]
    # the last layer reads layer 4 (node 5) always and, by its flag c_4, vertex 4 (layer 3)
    assert cell.predecessors(6) == [4, 5]
    assert cell.predecessors(7) == [6]


def test_bad_rows() -> None:
    space = ENASSpace()
    with pytest.raises(ValueError, match="expected 6 layers"):
        space.from_dvae([[1]])
    with pytest.raises(ValueError, match=r"row\[1\]"):
        space.from_dvae([[1], [4], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]])
    with pytest.raises(ValueError, match="op index"):
        space.from_dvae([[9], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]])
    with pytest.raises(ValueError, match="cannot parse"):
        space.from_dvae("[[1], [4")
    with pytest.raises(ValueError, match="num_layers"):
        ENASSpace(0)


def test_to_module_follows_the_cell() -> None:
    import torch

    space = ENASSpace()
    # layer 3 reads layers 0, 1 and the input through skips; pools after layers 1 and 3
    cell = space.from_dvae("[[1], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]]")
    net = space.to_module(cell, channels=8, num_classes=5, in_channels=1)
    assert net.sources == [[], [], [], [0, 1, 2], [0, 1, 2, 3], [4]]
    assert net.reduce_after == {1, 3}
    assert net.classifier.in_features == 32
    out = net(torch.randn(2, 1, 16, 16))
    assert out.shape == (2, 5)
    out.sum().backward()
    # a different op changes the network: conv5x5 has more weights than maxpool
    other = space.from_dvae("[[1], [4, 0], [5, 0, 0], [2, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]]")
    count = lambda c: sum(p.numel() for p in space.to_module(c, channels=8).parameters())  # noqa: E731
    assert count(other) > count(cell)
    with pytest.raises(ValueError, match="ENAS cells of 6 layers"):
        space.to_module(ENASSpace(num_layers=3).sample(0))
