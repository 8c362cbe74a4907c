from __future__ import annotations

import pytest

from lso_sampler.spaces import DAGSpace


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_nodes": 1, "ops": ["a"]}, "num_nodes"),
        ({"num_nodes": 33, "ops": ["a"]}, "num_nodes: at most 32"),
        ({"num_nodes": 4, "ops": []}, "ops: give at least one op"),
        ({"num_nodes": 4, "ops": "conv"}, "ops: give a list"),
        ({"num_nodes": 4, "ops": ["a", "a"]}, "ops: duplicate"),
        ({"num_nodes": 4, "ops": ["input"]}, "reserved"),
        ({"num_nodes": 4, "ops": ["a"], "max_edges": 0}, "max_edges"),
        ({"num_nodes": 4, "ops": ["a"], "encoding": "onehot"}, "encoding"),
    ],
)
def test_wrong_space_definitions(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        DAGSpace(**kwargs)


def test_a_cell_with_a_cycle_is_refused_with_the_fix() -> None:
    from lso_sampler.cell import Cell

    with pytest.raises(ValueError, match="not upper-triangular; number the nodes"):
        Cell(["input", "a", "output"], [[0, 1, 0], [0, 0, 1], [1, 0, 0]])  # output -> input


def test_enumerate_small_space() -> None:
    space = DAGSpace(4, ["a", "b"], max_edges=3)
    cells = list(space.enumerate())
    keys = [space.key(c) for c in cells]
    assert len(keys) == len(set(keys))
    assert all(space.is_valid(c) for c in cells)
    # brute-force count of distinct pruned graphs with <= 3 edges and a path input -> output
    assert len(cells) == len(
        {space.key(space.from_params(p)) for p in _all_params(space) if space.is_valid(space.from_params(p))}
    )


def _all_params(space: DAGSpace):
    import itertools

    variables = space.variables()
    for combo in itertools.product(*(v.choices for v in variables)):
        yield dict(zip((v.name for v in variables), combo))


def test_wrong_node_count() -> None:
    from lso_sampler.cell import Cell

    space = DAGSpace(3, ["a"])
    big = Cell.from_edges(["input", "a", "a", "a", "output"], [(0, 1), (1, 4)])
    v = space.is_valid(big)
    assert not v and "5 nodes" in v.reason
    with pytest.raises(ValueError, match="max_nodes=3"):
        space.to_tensors([big])
