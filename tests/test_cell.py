from __future__ import annotations

import hashlib
import itertools
import pickle
import random
import time

import numpy as np
import pytest
from hypothesis import given, reject, settings
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


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(dags(), st.randoms(use_true_random=False))
def test_key_invariant_under_relabelling(cell: Cell, rnd: random.Random) -> None:
    other = relabel(cell, rnd)
    assert other.key == cell.key
    assert other.canonical_form() == cell.canonical_form()


@pytest.mark.slow
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


# -- canonical key: unchanged by the automorphism pruning, fast on symmetric cells -----------


def _reference_refine(colours: list[int], preds: list[list[int]], succs: list[list[int]]) -> list[int]:
    n_classes = len(set(colours))
    while True:
        sigs = [
            (
                colours[v],
                tuple(sorted(colours[p] for p in preds[v])),
                tuple(sorted(colours[s] for s in succs[v])),
            )
            for v in range(len(colours))
        ]
        rank = {s: i for i, s in enumerate(sorted(set(sigs)))}
        new = [rank[s] for s in sigs]
        if len(rank) == n_classes:
            return new
        colours, n_classes = new, len(rank)


def _reference_order(colours, preds, succs, form, deadline):  # type: ignore[no-untyped-def]
    if time.perf_counter() > deadline:
        raise TimeoutError
    colours = _reference_refine(colours, preds, succs)
    n = len(colours)
    if len(set(colours)) == n:
        return form(sorted(range(n), key=lambda v: colours[v]))
    counts: dict[int, int] = {}
    for c in colours:
        counts[c] = counts.get(c, 0) + 1
    target = min(c for c, k in counts.items() if k > 1)
    best = None
    for v in range(n):
        if colours[v] == target:
            branch = [2 * c for c in colours]
            branch[v] -= 1
            candidate = _reference_order(branch, preds, succs, form, deadline)
            if best is None or candidate < best:
                best = candidate
    return best


def reference_key(cell: Cell, time_limit: float = 5.0) -> str:
    """The key as the unpruned individualisation-refinement computed it (every branch)."""
    n = cell.num_nodes
    adj = cell.adjacency
    labels = sorted(set(cell.ops))

    def form(order: list[int]) -> tuple:
        return tuple(cell.ops[v] for v in order), tuple(tuple(adj[u][w] for w in order) for u in order)

    ops, rows = _reference_order(
        [labels.index(o) for o in cell.ops],
        [cell.predecessors(v) for v in range(n)],
        [cell.successors(v) for v in range(n)],
        form,
        time.perf_counter() + time_limit,
    )
    text = "|".join(ops) + "#" + ";".join("".join(map(str, r)) for r in rows)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def parallel(k: int, label: str = "conv") -> Cell:
    """input -> k identical ops -> output."""
    return Cell.from_edges(
        ["input", *[label] * k, "output"],
        [(0, i) for i in range(1, k + 1)] + [(i, k + 1) for i in range(1, k + 1)],
    )


def layered(widths: list[int]) -> Cell:
    """input -> complete bipartite layers of identical ops -> output."""
    layers, nxt = [[0]], 1
    for w in widths:
        layers.append(list(range(nxt, nxt + w)))
        nxt += w
    layers.append([nxt])
    edges = [(a, b) for lo, hi in zip(layers, layers[1:]) for a in lo for b in hi]
    return Cell.from_edges(["input", *["conv"] * (nxt - 1), "output"], edges)


def chains(k: int, length: int) -> Cell:
    """input -> k parallel chains of ``length`` identical ops -> output."""
    n = 2 + k * length
    edges = []
    for c in range(k):
        nodes = [1 + c + k * i for i in range(length)]
        edges += [(0, nodes[0]), (nodes[-1], n - 1), *zip(nodes, nodes[1:])]
    return Cell.from_edges(["input", *["conv"] * (n - 2), "output"], edges)


def bipartite(k: int, linked) -> Cell:  # type: ignore[no-untyped-def]
    """input -> a_0..a_{k-1} -> b_0..b_{k-1} -> output with a_i -> b_j where ``linked(i, j)``."""
    n = 2 * k + 2
    edges = [(0, 1 + i) for i in range(k)] + [(1 + k + j, n - 1) for j in range(k)]
    edges += [(1 + i, 1 + k + j) for i in range(k) for j in range(k) if linked(i, j)]
    return Cell.from_edges(["input", *["conv"] * (2 * k), "output"], edges)


def complete(n: int) -> Cell:
    return Cell(["x"] * n, [[int(j > i) for j in range(n)] for i in range(n)])


def empty(n: int) -> Cell:
    return Cell(["x"] * n, [[0] * n for _ in range(n)])


def paths(k: int, length: int) -> Cell:
    """k disjoint directed paths of ``length`` identical nodes."""
    return Cell.from_edges(
        ["x"] * (k * length), [(c * length + i, c * length + i + 1) for c in range(k) for i in range(length - 1)]
    )


#: Symmetric cells small enough for the reference (every branch of the search tree).
SMALL_SYMMETRIC = [
    *(parallel(k) for k in range(1, 7)),
    chains(3, 2),
    chains(4, 2),
    chains(3, 3),
    chains(2, 4),
    layered([3, 3]),
    layered([2, 2, 2]),
    layered([3, 3, 3]),
    layered([2, 4]),
    bipartite(4, lambda i, j: i != j),
    bipartite(5, lambda i, j: j in (i, (i + 1) % 5)),
    complete(8),
    empty(6),
    paths(3, 2),
    paths(3, 3),
    paths(2, 4),
]

#: The hard cases of up to 12 nodes (the reference takes seconds to hours on most).
LARGE_SYMMETRIC = [
    parallel(10),
    parallel(9),
    chains(5, 2),
    chains(2, 5),
    layered([5, 5]),
    layered([4, 6]),
    layered([2, 2, 2, 2, 2]),
    bipartite(5, lambda i, j: i != j),
    complete(12),
    empty(12),
    paths(6, 2),
    paths(4, 3),
]


def test_pinned_keys_are_unchanged() -> None:
    # Keys as stored by earlier versions (benchmark caches and results compare with them).
    nb201 = Cell.from_edges(
        ["input", "avg_pool_3x3", "nor_conv_3x3", "nor_conv_1x1", "skip_connect", "skip_connect", "none", "output"],
        [(0, 1), (0, 2), (0, 4), (1, 3), (1, 5), (2, 6), (3, 6), (4, 7), (5, 7), (6, 7)],
    )
    nb101 = Cell.from_edges(
        ["input", "maxpool3x3", "conv1x1-bn-relu", "conv1x1-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu", "output"],
        [(0, 5), (0, 6), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6)]
        + [(2, 3), (2, 4), (2, 5), (2, 6), (3, 5), (3, 6), (5, 6)],
    )
    assert nb201.key == "48a804793c9a38196edaec28e2ab1611"
    assert nb101.key == "277b3d34c1bcdc7f27df8cbf113e6033"
    assert parallel(5).key == "44fdebeb6fb9e71c78b0952d936dea52"
    assert layered([3, 3, 3]).key == "7cf4d305c592df67d6b4110a586da7d3"
    assert bipartite(4, lambda i, j: i != j).key == "07dbe96b9a0fc5fb24fc915381d42049"


@pytest.mark.parametrize("index", range(len(SMALL_SYMMETRIC)))
def test_symmetric_keys_match_the_unpruned_search(index: int) -> None:
    cell = SMALL_SYMMETRIC[index]
    rnd = random.Random(index)
    expected = reference_key(cell)
    assert cell.key == expected
    for _ in range(3):
        assert relabel(cell, rnd).key == expected


def _space_cells() -> list[tuple[str, Cell]]:
    from lso_sampler.spaces import (
        DAGSpace,
        DartsSpace,
        ENASSpace,
        NASBench101Space,
        NASBench201Space,
        NASBenchGraphSpace,
    )

    spaces = [NASBench201Space(), NASBench101Space(), DartsSpace(), ENASSpace(), NASBenchGraphSpace()]
    spaces += [DAGSpace(n, ops) for n in (3, 5, 8, 12) for ops in (["a"], ["a", "b", "c"])]
    out = []
    for space in spaces:
        for seed in range(40):
            cell = space.sample(seed)
            out += [(repr(space), cell), (repr(space), cell.pruned())]
    return out


def test_space_keys_match_the_unpruned_search() -> None:
    cells = _space_cells()
    checked = 0
    for name, cell in cells:
        try:
            expected = reference_key(cell, time_limit=1.0)
        except TimeoutError:
            continue
        assert cell.key == expected, (name, cell)
        checked += 1
    assert checked >= 0.95 * len(cells)


@settings(max_examples=300, deadline=None)
@given(dags(max_nodes=6, labels="ab"))
def test_keys_match_the_unpruned_search(cell: Cell) -> None:
    assert cell.key == reference_key(cell)


@settings(max_examples=100, deadline=None)
@given(dags(max_nodes=4, labels="ab"), st.integers(2, 3), st.randoms(use_true_random=False))
def test_keys_of_repeated_components_match_the_unpruned_search(part: Cell, copies: int, rnd: random.Random) -> None:
    # input -> `copies` copies of `part` -> output: many automorphisms for the pruning to use
    n = part.num_nodes
    ops = ["input", *(list(part.ops) * copies), "output"]
    edges = [(1 + c * n + s, 1 + c * n + d) for c in range(copies) for s, d in part.edges]
    edges += [(0, 1 + c * n) for c in range(copies)] + [(1 + c * n + n - 1, 1 + copies * n) for c in range(copies)]
    cell = Cell.from_edges(ops, edges)
    try:
        expected = reference_key(cell, time_limit=0.5)
    except TimeoutError:
        reject()  # too many branches for the reference
    assert cell.key == expected == relabel(cell, rnd).key


@pytest.mark.parametrize("index", range(len(LARGE_SYMMETRIC)))
def test_symmetric_cells_keys_are_relabelling_invariant(index: int) -> None:
    cell = LARGE_SYMMETRIC[index]
    rnd = random.Random(index)
    for _ in range(5):
        other = relabel(cell, rnd)
        assert other.key == cell.key
        assert other.canonical_form() == cell.canonical_form()


def test_symmetric_cells_keys_tell_near_copies_apart() -> None:
    base = parallel(10)
    one_other_op = Cell.from_edges(["input", "pool", *["conv"] * 9, "output"], base.edges)
    extra_edge = Cell.from_edges(base.ops, [*base.edges, (1, 2)])
    one_missing = Cell.from_edges(base.ops, [e for e in base.edges if e != (1, 11)])
    shorter = parallel(9)
    keys = {c.key for c in (base, one_other_op, extra_edge, one_missing, shorter)}
    assert len(keys) == 5
    crown = bipartite(5, lambda i, j: i != j)
    # a - b links forming one 10-cycle vs a 4-cycle and a 6-cycle: refinement alone ties them
    ladder = bipartite(5, lambda i, j: j in (i, (i + 1) % 5))
    two_cycles = bipartite(5, lambda i, j: j in ((i, 1 - i) if i < 2 else (i, 2 + (i - 1) % 3)))
    assert ladder.num_edges == two_cycles.num_edges
    assert len({crown.key, ladder.key, two_cycles.key}) == 3
    assert paths(6, 2).key != paths(4, 3).key != paths(3, 4).key
    assert chains(5, 2).key != chains(2, 5).key
    assert layered([5, 5]).key != layered([4, 6]).key


def test_symmetric_cells_keys_are_fast() -> None:
    # Every branch of the plain search would take hours here (10! orderings at k = 10).
    start = time.perf_counter()
    for cell in LARGE_SYMMETRIC:
        Cell(cell.ops, cell.adjacency).key  # noqa: B018  (a fresh copy: keys are cached)
    assert time.perf_counter() - start < 1.0


# -- input validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ("0", TypeError),
        ("1", TypeError),
        (None, TypeError),
        (b"\x01", TypeError),
        (1j, TypeError),
        (float("nan"), ValueError),
        (np.nan, ValueError),
        (-1, ValueError),
        (2, ValueError),
        (0.5, ValueError),
        (float("inf"), ValueError),
        (np.int64(2), ValueError),
        (np.float32(0.25), ValueError),
    ],
)
def test_adjacency_entries_other_than_0_or_1_are_rejected(entry: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=r"adjacency\[0\]\[1\]") as info:
        Cell(["a", "b"], [[0, entry], [0, 0]])
    assert repr(entry) in str(info.value)
    assert "0 or 1" in str(info.value)


def test_adjacency_zero_entries_below_the_diagonal_are_checked_too() -> None:
    with pytest.raises(TypeError, match=r"adjacency\[1\]\[0\]: .*'0'"):
        Cell(["a", "b"], [[0, 1], ["0", 0]])
    with pytest.raises(ValueError, match=r"adjacency\[1\]\[1\]: nan"):
        Cell(["a", "b"], [[0, 1], [0, float("nan")]])


def test_adjacency_arrays_are_checked() -> None:
    with pytest.raises(ValueError, match=r"adjacency\[0\]\[1\]: np.float64\(nan\)"):
        Cell(["a", "b"], np.array([[0.0, np.nan], [0.0, 0.0]]))
    with pytest.raises(ValueError, match=r"adjacency\[0\]\[1\]: np.int64\(-1\)"):
        Cell(["a", "b"], np.array([[0, -1], [0, 0]]))
    with pytest.raises(TypeError, match=r"adjacency\[0\]\[0\]"):
        Cell(["a", "b"], np.array([["0", "1"], ["0", "0"]]))
    with pytest.raises(TypeError, match=r"adjacency\[0\]\[0\]"):
        Cell(["a", "b"], ["01", "00"])


def test_adjacency_that_is_no_matrix_is_rejected() -> None:
    with pytest.raises(TypeError, match=r"adjacency\[1\]: expected a row"):
        Cell(["a", "b"], [[0, 1], 5])
    with pytest.raises(TypeError, match="adjacency: expected a matrix"):
        Cell(["a", "b"], 5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "adjacency",
    [
        [[0, 1], [0, 0]],
        [[False, True], [False, False]],
        [[0.0, 1.0], [0.0, 0.0]],
        [[np.int64(0), np.float32(1.0)], [np.bool_(False), np.uint8(0)]],
        np.array([[0, 1], [0, 0]]),
        np.array([[0, 1], [0, 0]], dtype=bool),
        np.array([[0.0, 1.0], [0.0, 0.0]], dtype=np.float32),
        ((0, 1), (0, 0)),
    ],
)
def test_adjacency_accepts_0_and_1_as_ints_bools_and_floats(adjacency: object) -> None:
    c = Cell(["a", "b"], adjacency)  # type: ignore[arg-type]
    assert c.adjacency == ((0, 1), (0, 0))
    assert all(type(x) is int for row in c.adjacency for x in row)
    assert c == Cell(["a", "b"], [[0, 1], [0, 0]])
    assert c.key == Cell(["a", "b"], [[0, 1], [0, 0]]).key


@pytest.mark.parametrize("op", [1, None, 2.5, b"conv", ("conv",)])
def test_ops_that_are_not_strings_are_rejected(op: object) -> None:
    with pytest.raises(TypeError, match=r"ops\[1\]: expected an op label of type str") as info:
        Cell(["input", op, "output"], [[0, 1, 0], [0, 0, 1], [0, 0, 0]])  # type: ignore[list-item]
    assert repr(op) in str(info.value)


def test_ops_string_subclasses_are_plain_strings() -> None:
    c = Cell(["input", np.str_("conv")], [[0, 1], [0, 0]])
    assert c.ops == ("input", "conv")
    assert type(c.ops[1]) is str


@pytest.mark.parametrize("ops", [None, 3, 2.5])
def test_ops_that_are_not_a_sequence_of_labels_are_refused_by_name(ops: object) -> None:
    with pytest.raises(TypeError, match=r"^ops: expected a sequence of op labels \(str\), got "):
        Cell(ops, [[0]])  # type: ignore[arg-type]
