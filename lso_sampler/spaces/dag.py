"""A user-defined space of node-labelled DAGs with one input and one output node."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from lso_sampler.cell import Cell
from lso_sampler.spaces.base import DecodeStep, SearchSpace, Variable, require_cell

__all__ = ["DAGSpace"]

_RESERVED = ("input", "output")


#: Largest ``num_nodes`` of a :class:`DAGSpace` (496 edge parameters).
MAX_NODES = 32


class DAGSpace(SearchSpace):
    """Cells of ``num_nodes`` nodes: node 0 is the input, the last node the output, and
    each node between carries one of ``ops``; any edge ``i -> j`` with ``i < j`` may exist.

    Parameters are ``op_1 .. op_{n-2}`` (the intermediate nodes' ops) and ``edge_i_j``
    (0 or 1) for every ``i < j``. A cell is valid when the output is reachable from the
    input and, after dropping nodes on no input-to-output path, it has at most
    ``max_edges`` edges. With ``prune=True`` (default) cells that compute the same graph
    after that pruning share one :meth:`key`.

    Args:
        num_nodes: Nodes per cell, input and output included (2 to 32).
        ops: Labels the intermediate nodes may take.
        max_edges: Largest number of edges of a valid (pruned) cell; ``None`` for no limit.
        prune: Drop nodes that are on no input-to-output path before hashing.
        encoding: ``"categorical"`` or ``"integer"``.

    Example:
        >>> space = DAGSpace(4, ["conv", "pool"], max_edges=4)
        >>> cell = space.sample(0)
        >>> bool(space.is_valid(cell))
        True
        >>> space.from_params(space.to_params(cell)) == cell
        True
    """

    name = "dag"

    def __init__(
        self,
        num_nodes: int,
        ops: Sequence[str],
        max_edges: int | None = None,
        *,
        prune: bool = True,
        encoding: str = "categorical",
    ) -> None:
        if isinstance(num_nodes, bool) or not isinstance(num_nodes, int) or num_nodes < 2:
            raise ValueError(
                f"num_nodes: must be an int >= 2 (input and output included), got {num_nodes!r}"
            )
        if num_nodes > MAX_NODES:
            raise ValueError(
                f"num_nodes: at most {MAX_NODES} (a {num_nodes}-node cell has "
                f"{num_nodes * (num_nodes - 1) // 2} edge parameters); split a larger network into "
                "repeated cells, or write a structured space as DartsSpace does"
            )
        if isinstance(ops, str):
            raise ValueError(f"ops: give a list of op names, not the string {ops!r}")
        ops_t = tuple(ops)
        if num_nodes > 2 and not ops_t:
            raise ValueError("ops: give at least one op for the intermediate nodes")
        for op in ops_t:
            if not isinstance(op, str) or not op:
                raise ValueError(f"ops: every op must be a non-empty string, got {op!r}")
            if op in _RESERVED:
                raise ValueError(f"ops: {op!r} is reserved for the input/output nodes")
        if len(set(ops_t)) != len(ops_t):
            raise ValueError(f"ops: duplicate op names in {list(ops_t)}")
        if max_edges is not None and (
            isinstance(max_edges, bool) or not isinstance(max_edges, int) or max_edges < 1
        ):
            raise ValueError(f"max_edges: must be a positive int or None, got {max_edges!r}")
        super().__init__(encoding)
        self.num_nodes = num_nodes
        self.ops = ops_t
        self.max_edges = max_edges
        self.prune = prune

    def variables(self) -> tuple[Variable, ...]:
        n = self.num_nodes
        ops = tuple(Variable(f"op_{i}", self.ops) for i in range(1, n - 1))
        edges = tuple(
            Variable(f"edge_{i}_{j}", (0, 1)) for i in range(n) for j in range(i + 1, n)
        )
        return ops + edges

    @property
    def node_types(self) -> tuple[str, ...]:
        return ("input", *self.ops, "output")

    @property
    def max_nodes(self) -> int:
        return self.num_nodes

    def _decode(self, values: Mapping[str, Any]) -> Cell:
        n = self.num_nodes
        ops = ["input", *(values[f"op_{i}"] for i in range(1, n - 1)), "output"]
        adj = [[0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                adj[i][j] = values[f"edge_{i}_{j}"]
        return Cell(ops, adj)

    def _encode(self, cell: Cell) -> dict[str, Any]:
        n, k = self.num_nodes, cell.num_nodes
        if not 2 <= k <= n:
            raise ValueError(f"cell: has {k} nodes; {self.name} cells have 2..{n}")
        if cell.ops[0] != "input" or cell.ops[-1] != "output":
            raise ValueError(f"cell: node 0 must be 'input' and node {k - 1} 'output', got {cell}")
        for i, op in enumerate(cell.ops[1:-1], start=1):
            if op not in self.ops:
                raise ValueError(f"cell: node {i} has op {op!r}; allowed are {list(self.ops)}")
        # A smaller (pruned) cell is placed on nodes 0..k-2 and n-1; the rest stay unused.
        pos = list(range(k - 1)) + [n - 1]
        values: dict[str, Any] = {}
        for i in range(1, n - 1):
            values[f"op_{i}"] = cell.ops[i] if i < k - 1 else self.ops[0]
        for i in range(n):
            for j in range(i + 1, n):
                values[f"edge_{i}_{j}"] = 0
        for s, d in cell.edges:
            values[f"edge_{pos[s]}_{pos[d]}"] = 1
        return values

    def _check(self, cell: Cell) -> str | None:
        if cell.num_nodes - 1 not in cell.reachable_from(0):
            return "the output node is not reachable from the input node"
        if self.max_edges is not None:
            m = cell.pruned().num_edges
            if m > self.max_edges:
                return f"{m} edges on input-to-output paths, more than max_edges={self.max_edges}"
        return None

    #: Largest number of earlier nodes for which the output's predecessor sets are
    #: enumerated (and validity guaranteed) in :meth:`decode_step`.
    DECODE_ENUMERATE_LIMIT = 12

    def decode_step(self, ops, preds):  # type: ignore[no-untyped-def]
        """Input, then intermediate nodes with any op and any predecessors, then the
        output, whose predecessor sets are limited to those that make the cell valid
        (the output reachable, at most ``max_edges`` edges after pruning); with more than
        :attr:`DECODE_ENUMERATE_LIMIT` earlier nodes they are left free instead."""
        i, n = len(ops), self.num_nodes
        if i == 0:
            return DecodeStep((0,), ((),))
        if i < n - 1:
            return DecodeStep(tuple(range(1, 1 + len(self.ops))), None)
        if i > n - 1:
            return None
        out_type = (len(self.ops) + 1,)
        if i > self.DECODE_ENUMERATE_LIMIT:
            return DecodeStep(out_type, None)
        edges = [(s, d) for d, ps in enumerate(preds) for s in ps]
        full_ops = [*ops, "output"]
        allowed = []
        for r in range(1, i + 1):
            for srcs in itertools.combinations(range(i), r):
                cell = Cell.from_edges(full_ops, edges + [(s, i) for s in srcs])
                if self._check(cell) is None:
                    allowed.append(srcs)
        return DecodeStep(out_type, tuple(allowed))

    def representative(self, cell: Cell) -> Cell:
        """With pruning, the pruned cell laid out as a cell of this space's size (its nodes
        on the first places and the output last; the other nodes take the first op and no
        edges), so cells that differ only in nodes on no input-to-output path have one
        form; without pruning, ``cell``."""
        require_cell(self, cell, "representative")
        pruned = cell.pruned() if self.prune else cell
        if pruned is cell:
            return cell
        return self._decode(self._encode(pruned))

    def key(self, cell: Cell) -> str:
        require_cell(self, cell, "key")
        return cell.pruned().key if self.prune else cell.key

    def signature(self) -> str:
        return f"{super().signature()}-{self.max_edges}-{int(self.prune)}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(num_nodes={self.num_nodes}, ops={list(self.ops)!r}, "
            f"max_edges={self.max_edges}, encoding={self.encoding!r})"
        )
