"""The 6-layer ENAS macro space used by D-VAE and NGAE."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from lso_sampler.cell import Cell
from lso_sampler.spaces.base import DecodeStep, SearchSpace, Variable, network_class, require_cell

__all__ = ["ENASSpace"]

#: D-VAE's op order (data-file op index 0..5).
OPS = ("conv3x3", "sepconv3x3", "conv5x5", "sepconv5x5", "avgpool3x3", "maxpool3x3")


@cache
def _layer_sources(i: int) -> tuple[tuple[int, ...], ...]:
    """Predecessor sets of node ``i`` (layer ``i - 1``): node ``i - 1`` plus any earlier ones."""
    out = []
    for r in range(i):
        for skips in itertools.combinations(range(i - 1), r):
            out.append(tuple(sorted((*skips, i - 1))))
    return tuple(out)


class ENASSpace(SearchSpace):
    """ENAS macro networks of ``num_layers`` layers (D-VAE / NGAE's ENAS data, 6 layers).

    Layer ``i`` applies one of 6 ops and always reads layer ``i - 1`` (the input for
    layer 0); besides, it may read any earlier layer or the input through a skip
    connection. Parameters: ``layer{i}_op`` and ``layer{i}_skip{j}`` (0/1) for
    ``j < i``, where ``j = 0`` is the input and ``j >= 1`` is layer ``j - 1``. The cell has
    nodes input, layer 0 .. layer 5, output (the output reads the last layer), exactly
    D-VAE's ``decode_ENAS_to_igraph`` graph.

    Example:
        >>> space = ENASSpace()
        >>> cell = space.from_dvae("[[1], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]]")
        >>> space.to_dvae(cell)
        [[1], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]]
    """

    name = "enas"
    ops = OPS

    def __init__(self, num_layers: int = 6, encoding: str = "categorical") -> None:
        if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"num_layers: must be a positive int, got {num_layers!r}")
        super().__init__(encoding)
        self.num_layers = num_layers

    def variables(self) -> tuple[Variable, ...]:
        out = []
        for i in range(self.num_layers):
            out.append(Variable(f"layer{i}_op", OPS))
            out += [Variable(f"layer{i}_skip{j}", (0, 1)) for j in range(i)]
        return tuple(out)

    @property
    def node_types(self) -> tuple[str, ...]:
        return ("input", *OPS, "output")

    @property
    def max_nodes(self) -> int:
        return self.num_layers + 2

    def _decode(self, values: Mapping[str, Any]) -> Cell:
        n = self.num_layers
        ops = ["input", *(values[f"layer{i}_op"] for i in range(n)), "output"]
        edges = [(i, i + 1) for i in range(n + 1)]
        edges += [(j, i + 1) for i in range(n) for j in range(i) if values[f"layer{i}_skip{j}"]]
        return Cell.from_edges(ops, edges)

    def _encode(self, cell: Cell) -> dict[str, Any]:
        n = self.num_layers
        if cell.num_nodes != n + 2:
            raise ValueError(f"cell: ENAS cells of {n} layers have {n + 2} nodes, got {cell.num_nodes}")
        if cell.ops[0] != "input" or cell.ops[-1] != "output":
            raise ValueError(f"cell: node 0 must be 'input' and node {n + 1} 'output', got {cell}")
        if cell.predecessors(n + 1) != [n]:
            raise ValueError("cell: the output node must read only the last layer")
        values: dict[str, Any] = {}
        for i in range(n):
            op = cell.ops[i + 1]
            if op not in OPS:
                raise ValueError(f"cell: layer {i} has op {op!r}; allowed are {list(OPS)}")
            preds = cell.predecessors(i + 1)
            if i not in preds:
                raise ValueError(f"cell: layer {i} must read the node before it ({i})")
            values[f"layer{i}_op"] = op
            for j in range(i):
                values[f"layer{i}_skip{j}"] = int(j in preds)
        return values

    def decode_step(self, ops, preds):  # type: ignore[no-untyped-def]
        """Input, then each layer one of the 6 ops reading the node before it and any set
        of earlier nodes, then the output reading the last layer."""
        i, n = len(ops), self.num_layers
        if i == 0:
            return DecodeStep((0,), ((),))
        if i <= n:
            return DecodeStep(tuple(range(1, 1 + len(OPS))), _layer_sources(i))
        if i == n + 1:
            return DecodeStep((len(OPS) + 1,), ((n,),))
        return None

    def to_module(  # type: ignore[override]
        self, cell: Cell, channels: int = 36, num_classes: int = 10, in_channels: int = 3
    ) -> Any:
        """The cell as an ENAS macro network (:class:`~lso_sampler.networks.enas_net.ENASNetwork`):
        stem, one layer per op node with its skip connections, factorized reductions after
        the layers at 1/3 and 2/3 of the depth, classifier.

        Example:
            >>> space = ENASSpace()
            >>> net = space.to_module(space.sample(0), channels=8)
            >>> net(__import__("torch").zeros(1, 3, 32, 32)).shape
            torch.Size([1, 10])
        """
        ENASNetwork = network_class("ENASNetwork")

        self._encode(cell)  # a clear error for a cell of another space
        return ENASNetwork(cell, channels, num_classes, in_channels)

    # -- D-VAE data-file encoding ----------------------------------------------------------
    def from_dvae(self, row: str | Sequence[Sequence[int]]) -> Cell:
        """Cell from D-VAE's ``[[op], [op, c0], [op, c0, c1], ...]`` (a list or its text)."""
        if isinstance(row, str):
            try:
                row = ast.literal_eval(row)
            except (ValueError, SyntaxError) as err:
                raise ValueError(f"row: cannot parse {row!r} as a D-VAE ENAS list ({err})") from None
        layers = list(row)
        if len(layers) != self.num_layers:
            raise ValueError(f"row: expected {self.num_layers} layers, got {len(layers)}")
        values: dict[str, Any] = {}
        for i, layer in enumerate(layers):
            layer = list(layer)
            if len(layer) != i + 1:
                raise ValueError(f"row[{i}]: layer {i} needs {i + 1} entries (op + {i} flags), got {layer}")
            if not (isinstance(layer[0], int) and 0 <= layer[0] < len(OPS)):
                raise ValueError(f"row[{i}]: op index must be in 0..{len(OPS) - 1}, got {layer[0]!r}")
            values[f"layer{i}_op"] = OPS[layer[0]]
            for j, flag in enumerate(layer[1:]):
                if flag not in (0, 1):
                    raise ValueError(f"row[{i}]: skip flags are 0 or 1, got {flag!r}")
                values[f"layer{i}_skip{j}"] = int(flag)
        return self._decode(values)

    def to_dvae(self, cell: Cell) -> list[list[int]]:
        """D-VAE's nested-list encoding of ``cell``."""
        values = self._encode(cell)
        return [
            [OPS.index(values[f"layer{i}_op"]), *(values[f"layer{i}_skip{j}"] for j in range(i))]
            for i in range(self.num_layers)
        ]

    def describe(self, cell: Cell) -> str:
        """The cell in D-VAE's list form (:meth:`to_dvae`): per layer its op index (in
        :data:`OPS` order) then its skip flags; :meth:`from_dvae` reads it back.

        Raises:
            ValueError: if ``cell`` is not an ENAS cell of this many layers.

        Example:
            >>> space = ENASSpace()
            >>> row = "[[1], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]]"
            >>> space.describe(space.from_dvae(row))
            '[[1], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]]'
        """
        require_cell(self, cell, "describe")
        return str(self.to_dvae(cell))

    def __repr__(self) -> str:
        return f"ENASSpace(num_layers={self.num_layers}, encoding={self.encoding!r})"
