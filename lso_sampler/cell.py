"""Node-labelled DAG cells with an isomorphism-invariant canonical key."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["Cell"]


def _refine(colours: list[int], preds: list[list[int]], succs: list[list[int]]) -> list[int]:
    """Colour refinement (1-WL for directed graphs) until the partition is stable.

    Colours are ranks of signatures built only from labels and earlier colours, so the
    result does not depend on the node numbering.
    """
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
        new_classes = len(rank)
        if new_classes == n_classes:
            return new
        colours, n_classes = new, new_classes


def _canonical_order(
    colours: list[int], preds: list[list[int]], succs: list[list[int]], form: Any
) -> tuple[Any, ...]:
    """Individualisation-refinement: the lexicographically smallest form over all branches."""
    colours = _refine(colours, preds, succs)
    n = len(colours)
    if len(set(colours)) == n:
        order = sorted(range(n), key=lambda v: colours[v])
        return form(order)
    # Smallest non-singleton colour class (chosen by colour, so numbering-independent).
    counts: dict[int, int] = {}
    for c in colours:
        counts[c] = counts.get(c, 0) + 1
    target = min(c for c, k in counts.items() if k > 1)
    best: tuple[Any, ...] | None = None
    for v in range(n):
        if colours[v] != target:
            continue
        branch = [2 * c for c in colours]
        branch[v] -= 1  # v now precedes the rest of its class
        candidate = _canonical_order(branch, preds, succs, form)
        if best is None or candidate < best:
            best = candidate
    assert best is not None
    return best


class Cell:
    """An immutable node-labelled DAG: one op label per node and an upper-triangular adjacency.

    Nodes are numbered in a topological order (every edge goes from a lower to a higher
    index). Equality and hashing are structural (same labels, same numbering); the
    :attr:`key` is isomorphism-invariant: two cells get the same key exactly when one is a
    relabelling of the other.

    Args:
        ops: One label per node.
        adjacency: ``n x n`` 0/1 matrix (any nested sequence or array); ``adjacency[i][j]``
            is an edge ``i -> j`` and only ``i < j`` may be set.

    Example:
        >>> c = Cell(["input", "conv3x3", "output"], [[0, 1, 1], [0, 0, 1], [0, 0, 0]])
        >>> print(c)
        Cell(0:input 1:conv3x3 2:output | 0>1 0>2 1>2)
        >>> c.key == Cell(["input", "conv3x3", "output"], [[0, 1, 1], [0, 0, 1], [0, 0, 0]]).key
        True
    """

    __slots__ = ("_ops", "_adj", "_key", "_hash")

    def __init__(self, ops: Sequence[str], adjacency: Iterable[Iterable[Any]]) -> None:
        ops_t = tuple(str(o) for o in ops)
        rows = [tuple(int(bool(x)) for x in row) for row in adjacency]
        n = len(ops_t)
        if n == 0:
            raise ValueError("ops: a cell needs at least one node")
        if len(rows) != n or any(len(r) != n for r in rows):
            raise ValueError(
                f"adjacency: expected a {n}x{n} matrix to match the {n} ops, "
                f"got {len(rows)} rows of lengths {sorted({len(r) for r in rows})}"
            )
        for i in range(n):
            for j in range(i + 1):
                if rows[i][j]:
                    raise ValueError(
                        f"adjacency: edge {i}->{j} is not upper-triangular; number the nodes "
                        "in a topological order so every edge goes from a lower to a higher index"
                    )
        self._ops = ops_t
        self._adj = tuple(rows)
        self._key: str | None = None
        self._hash: int | None = None

    # -- construction helpers -------------------------------------------------------------
    @classmethod
    def from_edges(cls, ops: Sequence[str], edges: Iterable[tuple[int, int]]) -> Cell:
        """Build a cell from labels and an edge list ``[(src, dst), ...]``."""
        n = len(ops)
        adj = [[0] * n for _ in range(n)]
        for s, d in edges:
            if not (0 <= s < n and 0 <= d < n):
                raise ValueError(f"edges: ({s}, {d}) names a node outside 0..{n - 1}")
            adj[s][d] = 1
        return cls(ops, adj)

    # -- read access ----------------------------------------------------------------------
    @property
    def ops(self) -> tuple[str, ...]:
        """Node labels, in node order."""
        return self._ops

    @property
    def adjacency(self) -> tuple[tuple[int, ...], ...]:
        """The 0/1 adjacency matrix as nested tuples."""
        return self._adj

    @property
    def num_nodes(self) -> int:
        """Number of nodes."""
        return len(self._ops)

    @property
    def edges(self) -> tuple[tuple[int, int], ...]:
        """All edges ``(src, dst)`` in row-major order."""
        n = len(self._ops)
        return tuple((i, j) for i in range(n) for j in range(i + 1, n) if self._adj[i][j])

    @property
    def num_edges(self) -> int:
        """Number of edges."""
        return sum(sum(r) for r in self._adj)

    def predecessors(self, v: int) -> list[int]:
        """Nodes with an edge into ``v``."""
        return [u for u in range(v) if self._adj[u][v]]

    def successors(self, v: int) -> list[int]:
        """Nodes ``v`` has an edge to."""
        return [w for w in range(v + 1, len(self._ops)) if self._adj[v][w]]

    # -- graph operations -----------------------------------------------------------------
    def reachable_from(self, v: int) -> set[int]:
        """Nodes reachable from ``v`` (``v`` included)."""
        seen = {v}
        for u in range(v, self.num_nodes):
            if u in seen:
                seen.update(self.successors(u))
        return seen

    def reaching(self, v: int) -> set[int]:
        """Nodes from which ``v`` is reachable (``v`` included)."""
        seen = {v}
        for u in range(v, -1, -1):
            if u in seen:
                seen.update(self.predecessors(u))
        return seen

    def subgraph(self, nodes: Iterable[int]) -> Cell:
        """The induced sub-cell on ``nodes`` (kept in their original order)."""
        keep = sorted(set(nodes))
        return Cell(
            [self._ops[i] for i in keep],
            [[self._adj[i][j] for j in keep] for i in keep],
        )

    def pruned(self, source: int = 0, sink: int = -1) -> Cell:
        """Drop every node that is not on a path from ``source`` to ``sink``.

        If ``sink`` is unreachable from ``source`` the cell is returned unchanged.
        """
        n = self.num_nodes
        sink = sink % n
        on_path = self.reachable_from(source) & self.reaching(sink)
        if sink not in on_path:
            return self
        if len(on_path) == n:
            return self
        return self.subgraph(on_path)

    # -- canonical form -------------------------------------------------------------------
    def canonical_form(self) -> tuple[tuple[str, ...], tuple[tuple[int, ...], ...]]:
        """Labels and adjacency in canonical node order (equal iff the cells are isomorphic).

        Computed by colour refinement plus individualisation of tied nodes, taking the
        smallest form over all branches, so it is exact (no hash collisions by design).
        """
        n = self.num_nodes
        preds = [self.predecessors(v) for v in range(n)]
        succs = [self.successors(v) for v in range(n)]
        labels = sorted(set(self._ops))
        colours = [labels.index(o) for o in self._ops]

        def form(order: list[int]) -> tuple[Any, ...]:
            return (
                tuple(self._ops[v] for v in order),
                tuple(tuple(self._adj[u][w] for w in order) for u in order),
            )

        return _canonical_order(colours, preds, succs, form)  # type: ignore[return-value]

    @property
    def key(self) -> str:
        """Isomorphism-invariant key: a 32-hex-digit digest of :meth:`canonical_form`."""
        if self._key is None:
            ops, adj = self.canonical_form()
            text = "|".join(ops) + "#" + ";".join("".join(map(str, r)) for r in adj)
            self._key = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        return self._key

    # -- value semantics ------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cell):
            return NotImplemented
        return self._ops == other._ops and self._adj == other._adj

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash((self._ops, self._adj))
        return self._hash

    def __setattr__(self, name: str, value: Any) -> None:
        if name in Cell.__slots__ and not hasattr(self, "_hash"):
            object.__setattr__(self, name, value)
        elif name in ("_key", "_hash"):
            object.__setattr__(self, name, value)
        else:
            raise AttributeError("Cell is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Cell, (self._ops, self._adj))

    def __repr__(self) -> str:
        return f"Cell(ops={list(self._ops)!r}, edges={list(self.edges)!r})"

    def __str__(self) -> str:
        nodes = " ".join(f"{i}:{o}" for i, o in enumerate(self._ops))
        edges = " ".join(f"{s}>{d}" for s, d in self.edges)
        return f"Cell({nodes} | {edges})"
