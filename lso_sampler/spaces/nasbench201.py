"""NAS-Bench-201: a 4-node cell, one of 5 ops on each of its 6 edges."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from lso_sampler.cell import Cell
from lso_sampler.spaces.base import DecodeStep, SearchSpace, Variable, network_class, require_cell

__all__ = ["NASBench201Space"]

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: The six edges (from, to) of the NB201 cell, in ``arch_str`` order.
EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
_PARAMS = tuple(f"edge_{i}_{j}" for i, j in EDGES)


def _node_view_edges() -> tuple[tuple[int, int], ...]:
    """Edges of the 8-node view: node 0 input, node k+1 = op on edge k, node 7 output."""
    out = []
    for k, (i, j) in enumerate(EDGES):
        if i == 0:
            out.append((0, k + 1))
        if j == 3:
            out.append((k + 1, 7))
        for m, (a, _) in enumerate(EDGES):
            if a == j:
                out.append((k + 1, m + 1))
    return tuple(sorted(out))


_VIEW_EDGES = _node_view_edges()
#: Predecessors of each node of the 8-node view.
_VIEW_PREDS = tuple(tuple(s for s, d in _VIEW_EDGES if d == v) for v in range(8))


@lru_cache(maxsize=1)
def _official_order() -> tuple[tuple[int, ...], ...]:
    text = resources.files("lso_sampler.spaces").joinpath("resources/nb201_order.txt").read_text()
    return tuple(tuple(int(ch) for ch in line) for line in text.split())


@lru_cache(maxsize=1)
def _index_of() -> dict[tuple[int, ...], int]:
    return {ops: i for i, ops in enumerate(_official_order())}


class NASBench201Space(SearchSpace):
    """The NAS-Bench-201 cell space (15,625 cells).

    Parameters are ``edge_0_1, edge_0_2, edge_1_2, edge_0_3, edge_1_3, edge_2_3`` (the
    ``arch_str`` edge order), each one of ``none, skip_connect, nor_conv_1x1,
    nor_conv_3x3, avg_pool_3x3``. The cell is the 8-node node-labelled DAG used by AG-Net
    and arch2vec: an input node, one node per edge carrying its op, and an output node.

    Example:
        >>> space = NASBench201Space()
        >>> cell = space.from_arch_str(
        ...     "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|")
        >>> space.index(cell)
        6111
        >>> space.to_params(cell)["edge_0_1"]
        'nor_conv_3x3'
    """

    name = "nasbench201"
    ops = OPS

    def variables(self) -> tuple[Variable, ...]:
        return tuple(Variable(p, OPS) for p in _PARAMS)

    @property
    def node_types(self) -> tuple[str, ...]:
        return ("input", *OPS, "output")

    @property
    def max_nodes(self) -> int:
        return 8

    def _decode(self, values: Mapping[str, Any]) -> Cell:
        return self.cell_from_ops([values[p] for p in _PARAMS])

    def _encode(self, cell: Cell) -> dict[str, Any]:
        ops = self.ops_of(cell)
        return dict(zip(_PARAMS, ops))

    def read_scores(self, node_probs, edge_probs, gen):  # type: ignore[no-untyped-def]
        """The edges of a NAS-Bench-201 cell are fixed by the space: draw only the six op
        nodes' types, from their scores over the five ops (edge scores are not read)."""
        import torch

        b = node_probs.shape[0]
        probs = node_probs[:, 1:7, 1 : 1 + len(OPS)].reshape(b * 6, len(OPS)) + 1e-12
        idx = torch.multinomial(probs, 1, generator=gen).view(b, 6).tolist()
        return [self.cell_from_ops([OPS[k] for k in row]) for row in idx]

    def decode_step(self, ops, preds):  # type: ignore[no-untyped-def]
        """Node 0 is the input, nodes 1..6 one of the five ops, node 7 the output; the
        edges are the space's fixed ones."""
        i = len(ops)
        if i >= 8:
            return None
        types = (0,) if i == 0 else (len(OPS) + 1,) if i == 7 else tuple(range(1, 1 + len(OPS)))
        return DecodeStep(types, (_VIEW_PREDS[i],))

    # -- NB201-specific helpers -----------------------------------------------------------
    @staticmethod
    def cell_from_ops(ops: list[str] | tuple[str, ...]) -> Cell:
        """The cell with ``ops[k]`` on edge ``k`` (``arch_str`` edge order)."""
        if len(ops) != 6:
            raise ValueError(f"ops: NAS-Bench-201 has 6 edges, got {len(ops)} ops")
        for k, op in enumerate(ops):
            if op not in OPS:
                raise ValueError(f"ops[{k}]: unknown op {op!r}; choose one of {list(OPS)}")
        return Cell.from_edges(("input", *ops, "output"), _VIEW_EDGES)

    @staticmethod
    def ops_of(cell: Cell) -> tuple[str, ...]:
        """The six edge ops of a NB201 cell; ``ValueError`` if it is not one."""
        if cell.num_nodes != 8 or cell.edges != _VIEW_EDGES:
            raise ValueError(
                "cell: not a NAS-Bench-201 cell (expected the 8-node view: input, 6 op nodes, "
                f"output, with its fixed edges); got {cell}"
            )
        if cell.ops[0] != "input" or cell.ops[7] != "output":
            raise ValueError(f"cell: node 0 must be 'input' and node 7 'output', got {cell}")
        ops = cell.ops[1:7]
        for k, op in enumerate(ops):
            if op not in OPS:
                raise ValueError(f"cell: node {k + 1} has op {op!r}; allowed are {list(OPS)}")
        return ops

    def to_module(  # type: ignore[override]
        self, cell: Cell, channels: int = 16, cells_per_stage: int = 5, num_classes: int = 10, in_channels: int = 3
    ) -> Any:
        """The cell in NAS-Bench-201's macro skeleton as a ``torch.nn.Module``
        (:class:`~lso_sampler.networks.nb201_net.NB201Network`): stem, three stages of
        ``cells_per_stage`` cells with ``channels``, 2x and 4x channels, residual reduction
        blocks between them, classifier. The defaults are the benchmark's (C = 16, N = 5,
        CIFAR-10); their parameter counts equal the published ones (e.g. 0.073306 M with
        every edge ``none``, 1.531546 M with every edge ``nor_conv_3x3``; see
        ``tests/spaces/test_nasbench201.py`` for the cells and sources).

        Example:
            >>> space = NASBench201Space()
            >>> cell = space.from_arch_str(
            ...     "|skip_connect~0|+|none~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
            ... )
            >>> round(sum(p.numel() for p in space.to_module(cell).parameters()) / 1e6, 6)
            0.802426
        """
        NB201Network = network_class("NB201Network")

        return NB201Network(self.ops_of(cell), channels, cells_per_stage, num_classes, in_channels)

    def to_arch_str(self, cell: Cell) -> str:
        """The official ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` string."""
        o = self.ops_of(cell)
        return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"

    def describe(self, cell: Cell) -> str:
        """The cell's official NAS-Bench-201 ``arch_str`` (:meth:`to_arch_str`).

        Raises:
            ValueError: if ``cell`` is not a NAS-Bench-201 cell.

        Example:
            >>> NASBench201Space().describe(NASBench201Space().from_index(0))
            '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|'
        """
        require_cell(self, cell, "describe")
        return self.to_arch_str(cell)

    def from_arch_str(self, arch_str: str) -> Cell:
        """Parse an official ``arch_str``."""
        try:
            nodes = arch_str.strip().split("+")
            ops: list[str] = []
            for j, node in enumerate(nodes, start=1):
                parts = [p for p in node.split("|") if p]
                if len(parts) != j:
                    raise ValueError
                for i, part in enumerate(parts):
                    op, src = part.split("~")
                    if int(src) != i:
                        raise ValueError
                    ops.append(op)
            if len(nodes) != 3:
                raise ValueError
        except ValueError:
            raise ValueError(
                f"arch_str: {arch_str!r} is not of the form "
                "'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|'"
            ) from None
        return self.cell_from_ops(ops)

    def index(self, cell: Cell) -> int:
        """Official NAS-Bench-201 index (0..15624) of ``cell``."""
        ops = self.ops_of(cell)
        return _index_of()[tuple(OPS.index(o) for o in ops)]

    def from_index(self, index: int) -> Cell:
        """The cell at official NAS-Bench-201 index ``index``."""
        order = _official_order()
        if not 0 <= index < len(order):
            raise ValueError(f"index: must be in 0..{len(order) - 1}, got {index}")
        return self.cell_from_ops([OPS[i] for i in order[index]])

    def enumerate(self) -> Iterator[Cell]:
        """All 15,625 cells in the official NAS-Bench-201 index order."""
        for ops in _official_order():
            yield self.cell_from_ops([OPS[i] for i in ops])
