from __future__ import annotations

import pytest

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


def test_enumerate_refuses_a_space_this_large() -> None:
    with pytest.raises(ValueError, match="too many to enumerate"):
        next(NASBench101Space().enumerate())
