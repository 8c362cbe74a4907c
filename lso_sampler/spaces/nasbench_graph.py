"""NAS-Bench-Graph: 4 GNN layers wired by one of 9 link patterns."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from typing import Any

from nas_bench_graph import Arch, gnn_list, gnn_list_proteins, link_list

from lso_sampler.cell import Cell
from lso_sampler.spaces.base import DecodeStep, SearchSpace, Variable, network_class, require_cell

__all__ = ["NASBenchGraphSpace"]

LINKS = tuple("".join(map(str, lk)) for lk in link_list)
OPS = tuple(gnn_list)
OPS_PROTEINS = tuple(gnn_list_proteins)
#: Link-pattern prefix -> which earlier nodes the next op node may read (1.0) to stay a prefix.
_SOURCES = {
    lk[:i]: [float(any(p.startswith(lk[:i] + str(j)) for p in LINKS)) for j in range(i + 1)]
    for lk in LINKS
    for i in range(4)
}


@functools.cache
def _first_of_each_record(ops: tuple[str, ...]) -> dict[int, tuple[str, tuple[str, ...]]]:
    """Per record (``Arch.valid_hash``), its first cell in the order link pattern (as in
    :data:`LINKS`), then ops (``itertools.product`` of ``ops``), as ``(link, ops)``."""
    first: dict[int, tuple[str, tuple[str, ...]]] = {}
    for link in LINKS:
        digits = [int(c) for c in link]
        for combo in itertools.product(ops, repeat=4):
            if all(op == "skip" for op in combo):
                continue
            first.setdefault(Arch(digits, list(combo)).valid_hash(), (link, combo))
    return first


class NASBenchGraphSpace(SearchSpace):
    """The NAS-Bench-Graph space (Qin et al. 2022): 4 op nodes, 9 link patterns, 9 GNN ops.

    Parameters: ``link`` (one of the package's 9 patterns, written as 4 digits; digit ``i``
    is the node op ``i + 1`` reads, 0 = the input) and ``op_1`` .. ``op_4``. The cell has an
    input node, the 4 op nodes and an output node that reads every op node no other op node
    reads. :meth:`key` is the ``nas-bench-graph`` package's own record key
    (``Arch.valid_hash``), so cells that the benchmark treats as the same architecture
    (e.g. moved ``skip`` ops) share one key; all 26,206 records are reachable.

    Args:
        dataset: ``"proteins"`` restricts the ops to the 5 that data set was run with.
        encoding: ``"categorical"`` or ``"integer"``.

    Example:
        >>> space = NASBenchGraphSpace()
        >>> cell = space.from_params({"link": "0123", "op_1": "gcn", "op_2": "gcn",
        ...                           "op_3": "skip", "op_4": "gat"})
        >>> space.key(cell).startswith("nbg:")
        True
    """

    name = "nasbench-graph"
    # the link [0, 0, 1, 2] makes two parallel chains: without node indices the VAE's
    # encoder barely separated a cell from the one with the chains' second ops swapped
    vae_encoder_positions = True

    def __init__(self, dataset: str | None = None, encoding: str = "categorical") -> None:
        super().__init__(encoding)
        self.dataset = dataset
        self.ops = OPS_PROTEINS if dataset == "proteins" else OPS

    def variables(self) -> tuple[Variable, ...]:
        return (Variable("link", LINKS), *(Variable(f"op_{i}", self.ops) for i in range(1, 5)))

    @property
    def node_types(self) -> tuple[str, ...]:
        return ("input", *OPS, "output")

    @property
    def max_nodes(self) -> int:
        return 6

    @staticmethod
    def _link_ops(values: Mapping[str, Any]) -> tuple[list[int], list[str]]:
        return [int(c) for c in values["link"]], [values[f"op_{i}"] for i in range(1, 5)]

    def _decode(self, values: Mapping[str, Any]) -> Cell:
        link, ops = self._link_ops(values)
        edges = [(src, i + 1) for i, src in enumerate(link)]
        read = set(link)
        edges += [(i, 5) for i in range(1, 5) if i not in read]
        return Cell.from_edges(["input", *ops, "output"], edges)

    def _encode(self, cell: Cell) -> dict[str, Any]:
        if cell.num_nodes != 6 or cell.ops[0] != "input" or cell.ops[5] != "output":
            raise ValueError(f"cell: NAS-Bench-Graph cells are input, 4 op nodes, output; got {cell}")
        link = []
        for i in range(1, 5):
            preds = cell.predecessors(i)
            if len(preds) != 1:
                raise ValueError(f"cell: op node {i} must read exactly one node, reads {preds}")
            if cell.ops[i] not in self.ops:
                raise ValueError(f"cell: node {i} has op {cell.ops[i]!r}; allowed are {list(self.ops)}")
            link.append(preds[0])
        code = "".join(map(str, link))
        if code not in LINKS:
            raise ValueError(f"cell: link pattern {code} is not one of {list(LINKS)}")
        if cell != self._decode({"link": code, **{f"op_{i}": cell.ops[i] for i in range(1, 5)}}):
            raise ValueError("cell: the output node must read exactly the op nodes no op node reads")
        return {"link": code, **{f"op_{i}": cell.ops[i] for i in range(1, 5)}}

    def _check(self, cell: Cell) -> str | None:
        if all(op == "skip" for op in cell.ops[1:5]):
            return "all four ops are 'skip'; NAS-Bench-Graph has no such architecture"
        return None

    def representative(self, cell: Cell) -> Cell:
        """One cell per NAS-Bench-Graph record: of the cells with ``cell``'s :meth:`key`, the
        first in the order link pattern, then ops (the package's lists). Cells the benchmark
        treats as one architecture (parallel branches numbered the other way round, moved
        ``skip`` ops) thus reach the graph VAE as one cell, numbered one way, so that its
        encoder's node indices read them the same way.

        Args:
            cell: A valid cell of this space.

        Returns:
            The record's first cell (``cell`` itself when it is that cell).

        Raises:
            TypeError: if ``cell`` is not a :class:`~lso_sampler.cell.Cell`.
            ValueError: if ``cell`` is not a valid cell of this space.

        Example:
            >>> space = NASBenchGraphSpace()
            >>> a = space.from_params({"link": "0012", "op_1": "gin", "op_2": "gcn",
            ...                        "op_3": "sage", "op_4": "fc"})
            >>> b = space.from_params({"link": "0012", "op_1": "gcn", "op_2": "gin",
            ...                        "op_3": "fc", "op_4": "sage"})
            >>> space.representative(a) == space.representative(b) == b
            True
        """
        require_cell(self, cell, "representative")
        record = _first_of_each_record(self.ops).get(self.record_key(cell))
        if record is None:
            raise ValueError(f"cell: not a valid {self.name} cell ({self._check(cell) or 'no such record'})")
        code, first = record
        return self._decode({"link": code, **{f"op_{i}": op for i, op in enumerate(first, 1)}})

    def decode_step(self, ops, preds):  # type: ignore[no-untyped-def]
        """Op node ``i`` reads one earlier node, chosen so the link pattern so far starts
        one of the 9 patterns; its op is one of the data set's ops (not ``skip`` when the
        other three are all ``skip``); the output reads the op nodes no op node reads."""
        i = len(ops)
        if i == 0:
            return DecodeStep((0,), ((),))
        if i <= 4:
            prefix = "".join(str(p[0]) for p in preds[1:i])
            sources = tuple((j,) for j in range(i) if any(lk.startswith(prefix + str(j)) for lk in LINKS))
            allowed = [op for op in self.ops if not (i == 4 and op == "skip" and all(o == "skip" for o in ops[1:4]))]
            return DecodeStep(tuple(self.node_types.index(op) for op in allowed), sources)
        if i == 5:
            read = {p[0] for p in preds[1:5]}
            return DecodeStep((len(self.node_types) - 1,), (tuple(k for k in range(1, 5) if k not in read),))
        return None

    def read_scores(self, node_probs, edge_probs, gen):  # type: ignore[no-untyped-def]
        """Valid cells by construction: op node ``i`` draws the node it reads from its
        incoming edge scores among the sources that keep the link pattern a prefix of one
        of the 9 patterns, and its op from its type scores among the data set's ops (op 4
        not ``skip`` where ops 1-3 are); the output's edges follow from the link pattern."""
        import torch

        names = self.node_types
        b = node_probs.shape[0]
        allowed = torch.tensor([name in self.ops for name in names], dtype=node_probs.dtype)
        probs = node_probs[:, 1:5] * allowed + 1e-12 * allowed  # [b, 4, T], mass on the ops only
        types = torch.multinomial(probs.reshape(b * 4, -1), 1, generator=gen).view(b, 4)
        skip = names.index("skip")
        no_skip = allowed.clone()
        no_skip[skip] = 0.0
        last = torch.multinomial(node_probs[:, 4] * no_skip + 1e-12 * no_skip, 1, generator=gen).squeeze(1)
        all_skip = (types[:, :3] == skip).all(1)
        types[:, 3] = torch.where(all_skip, last, types[:, 3])
        prefixes = [""] * b
        for i in range(1, 5):
            mask = torch.tensor([_SOURCES[p] for p in prefixes])
            drawn = torch.multinomial(edge_probs[:, :i, i] * mask + 1e-9 * mask, 1, generator=gen).squeeze(1)
            prefixes = [p + str(int(j)) for p, j in zip(prefixes, drawn)]
        return [
            self._decode({"link": link, **{f"op_{i}": names[int(k)] for i, k in enumerate(row, 1)}})
            for link, row in zip(prefixes, types.tolist())
        ]

    def to_module(  # type: ignore[override]
        self,
        cell: Cell,
        in_dim: int,
        num_classes: int,
        hidden: int = 64,
        dropout: float = 0.5,
        pre_layers: int = 0,
        post_layers: int = 1,
    ) -> Any:
        """The cell as a torch-geometric GNN for node classification
        (:class:`~lso_sampler.networks.graph_net.NBGraphNetwork`, NAS-Bench-Graph's macro
        architecture); call it as ``model(x, edge_index)``.

        Example:
            >>> import torch
            >>> space = NASBenchGraphSpace()
            >>> net = space.to_module(space.sample(0), in_dim=5, num_classes=3, hidden=16)
            >>> net(torch.randn(10, 5), torch.tensor([[0, 1], [1, 2]])).shape
            torch.Size([10, 3])
        """
        NBGraphNetwork = network_class("NBGraphNetwork")

        link, ops = self._link_ops(self._encode(cell))
        return NBGraphNetwork(link, ops, in_dim, num_classes, hidden, dropout, pre_layers, post_layers)

    def key(self, cell: Cell) -> str:
        require_cell(self, cell, "key")
        values = self._encode(cell)
        link, ops = self._link_ops(values)
        return f"nbg:{Arch(link, ops).valid_hash()}"

    def describe(self, cell: Cell) -> str:
        """The cell as the ``nas-bench-graph`` package writes an architecture: its link
        list and its op list (``Arch(link, ops)``).

        Raises:
            ValueError: if ``cell`` is not a NAS-Bench-Graph cell.

        Example:
            >>> space = NASBenchGraphSpace()
            >>> space.describe(space.from_params({"link": "0012", "op_1": "gcn", "op_2": "gat",
            ...                                   "op_3": "sage", "op_4": "skip"}))
            "link=[0, 0, 1, 2] ops=['gcn', 'gat', 'sage', 'skip']"
        """
        require_cell(self, cell, "describe")
        link, ops = self._link_ops(self._encode(cell))
        return f"link={link!r} ops={ops!r}"

    def record_key(self, cell: Cell) -> int:
        """The integer key of ``cell``'s record in the ``nas-bench-graph`` tables."""
        return int(self.key(cell)[4:])

    def __repr__(self) -> str:
        return f"NASBenchGraphSpace(dataset={self.dataset!r}, encoding={self.encoding!r})"
