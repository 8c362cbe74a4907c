from __future__ import annotations

import itertools
import pickle
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lso_sampler.cell import Cell


@st.composite
def dags(draw: st.DrawFn, max_nodes: int = 7, labels: str = "abc") -> Cell:
    n = draw(st.integers(1, max_nodes))
    ops = [draw(st.sampled_from(labels)) for _ in range(n)]
    adj = [[int(j > i and draw(st.booleans())) for j in range(n)] for i in range(n)]
    return Cell(ops, adj)


def relabel(cell: Cell, rnd: random.Random) -> Cell:
    """A random topological renumbering of ``cell`` (an isomorphic copy)."""
    indeg = [len(cell.predecessors(v)) for v in range(cell.num_nodes)]
    ready = [v for v in range(cell.num_nodes) if indeg[v] == 0]
    order = []
    while ready:
        v = ready.pop(rnd.randrange(len(ready)))
        order.append(v)
        for w in cell.successors(v):
            indeg[w] -= 1
            if indeg[w] == 0:
                ready.append(w)
    pos = {v: i for i, v in enumerate(order)}
    return Cell.from_edges([cell.ops[v] for v in order], [(pos[s], pos[d]) for s, d in cell.edges])


def isomorphic(a: Cell, b: Cell) -> bool:
    if a.num_nodes != b.num_nodes or sorted(a.ops) != sorted(b.ops) or a.num_edges != b.num_edges:
        return False
    eb = set(b.edges)
    for perm in itertools.permutations(range(a.num_nodes)):
        if all(a.ops[i] == b.ops[perm[i]] for i in range(a.num_nodes)) and all(
            (perm[s], perm[d]) in eb for s, d in a.edges
        ):
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(dags(), st.randoms(use_true_random=False))
def test_key_invariant_under_relabelling(cell: Cell, rnd: random.Random) -> None:
    other = relabel(cell, rnd)
    assert other.key == cell.key
    assert other.canonical_form() == cell.canonical_form()


@settings(max_examples=300, deadline=None)
@given(dags(max_nodes=6, labels="ab"), dags(max_nodes=6, labels="ab"))
def test_key_equal_iff_isomorphic(a: Cell, b: Cell) -> None:
    assert (a.key == b.key) == isomorphic(a, b)


def test_symmetric_graphs_are_told_apart() -> None:
    # Two regular-looking graphs that colour refinement alone does not separate:
    # a 6-cycle-like DAG vs two 3-node paths with the same degree sequence.
    a = Cell.from_edges("xxxxxx", [(0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 5)])
    b = Cell.from_edges("xxxxxx", [(0, 1), (0, 2), (1, 4), (2, 3), (3, 5), (4, 5)])
    c = Cell.from_edges("xxxxxx", [(0, 1), (0, 2), (1, 3), (2, 3), (4, 5)])
    assert a.key == b.key
    assert isomorphic(a, b)
    assert a.key != c.key


def test_immutable_hashable_and_picklable() -> None:
    c = Cell(["input", "conv", "output"], [[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    with pytest.raises(AttributeError):
        c._ops = ("x",)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        c.anything = 1  # type: ignore[attr-defined]
    assert {c: 1}[Cell(["input", "conv", "output"], [[0, 1, 0], [0, 0, 1], [0, 0, 0]])] == 1
    assert pickle.loads(pickle.dumps(c)) == c
    assert str(c) == "Cell(0:input 1:conv 2:output | 0>1 1>2)"


def test_bad_input_is_rejected_with_the_parameter_named() -> None:
    with pytest.raises(ValueError, match="adjacency"):
        Cell(["a", "b"], [[0, 1]])
    with pytest.raises(ValueError, match="upper-triangular"):
        Cell(["a", "b"], [[0, 0], [1, 0]])
    with pytest.raises(ValueError, match="ops"):
        Cell([], [])
    with pytest.raises(ValueError, match="edges"):
        Cell.from_edges(["a"], [(0, 3)])


def test_pruned_drops_nodes_off_the_input_output_path() -> None:
    c = Cell.from_edges(["input", "a", "b", "output"], [(0, 1), (1, 3), (0, 2)])
    p = c.pruned()
    assert p.ops == ("input", "a", "output")
    assert p.edges == ((0, 1), (1, 2))
    # unreachable output: unchanged
    d = Cell.from_edges(["input", "a", "output"], [(0, 1)])
    assert d.pruned() == d
