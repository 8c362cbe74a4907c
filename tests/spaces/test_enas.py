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
