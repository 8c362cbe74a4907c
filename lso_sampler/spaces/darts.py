"""The DARTS cell space (normal + reduction cell), as NAS-Bench-301 uses it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lso_sampler.cell import Cell
from lso_sampler.spaces.base import DecodeStep, SearchSpace, Variable, network_class, require_cell

__all__ = ["DartsSpace"]

OPS = (
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
PARTS = ("normal", "reduce")
NODES = (2, 3, 4, 5)  # DARTS numbering: 0 = c_{k-2}, 1 = c_{k-1}, 2..5 intermediate
_PART_SIZE = 15  # in0, in1, 4 x (op_a, op_b, add), out


def _pairs(k: int) -> tuple[str, ...]:
    return tuple(f"{i}_{j}" for i in range(k) for j in range(i + 1, k))


def _local(k: int) -> tuple[int, int, int]:
    """Local indices of (op on lower input, op on higher input, add) of DARTS node k."""
    base = 2 + 3 * (k - 2)
    return base, base + 1, base + 2


def _source(j: int) -> int:
    """Local index of the node that carries DARTS node j's output."""
    return j if j < 2 else _local(j)[2]


Genotype = dict[str, list[tuple[str, int]]]


class DartsSpace(SearchSpace):
    """DARTS normal and reduction cells (Liu et al. 2019; NAS-Bench-301's space).

    In each cell, intermediate node ``k`` (2..5) adds two ops applied to two distinct
    earlier nodes (0 = ``c_{k-2}``, 1 = ``c_{k-1}``, or an earlier intermediate node); the
    cell outputs the concatenation of nodes 2..5. Parameters per cell (``normal_`` or
    ``reduce_``): ``node{k}_inputs`` for k = 3, 4, 5 (a pair ``"i_j"`` with ``i < j``; node
    2 always reads ``0_1``) and ``node{k}_op_a`` / ``node{k}_op_b`` (the ops on the lower and
    higher input), one of 7 ops. The cell is one node-labelled DAG of 30 nodes: per part
    two input nodes, an op node per edge, an ``add`` node per intermediate node and an
    output node; the input and output labels say which part they belong to.

    Example:
        >>> space = DartsSpace()
        >>> cell = space.sample(0)
        >>> g = space.genotype(cell)
        >>> len(g["normal"]), len(g["reduce"])
        (8, 8)
        >>> space.from_genotype(g) == cell
        True
    """

    name = "darts"
    ops = OPS
    # the graph VAE: D-VAE's gated sum alone left the reduction cell at chance (0 % of
    # unseen cells reconstructed); node indices, the concatenation readout and the
    # decoder's index logits learn the cells, and the predictors read a map of the latent
    # onto the gated-sum VAE's whole latent, which predicts NAS-Bench-301 from few cells
    # where the new latent alone does not (benchmarks/README.md, "Pretrained graph VAEs")
    vae_encoder_positions = True
    vae_encoder_readout = "concat+sum"
    vae_decoder_positions = True
    vae_teacher_pcs = 32
    vae_teacher_whiten = False

    def variables(self) -> tuple[Variable, ...]:
        out = []
        for part in PARTS:
            for k in NODES:
                if k > 2:
                    out.append(Variable(f"{part}_node{k}_inputs", _pairs(k)))
                out.append(Variable(f"{part}_node{k}_op_a", OPS))
                out.append(Variable(f"{part}_node{k}_op_b", OPS))
        return tuple(out)

    @property
    def node_types(self) -> tuple[str, ...]:
        io = tuple(f"{p}_{s}" for p in PARTS for s in ("in0", "in1", "out"))
        return (*io, *OPS, "add")

    @property
    def max_nodes(self) -> int:
        return 2 * _PART_SIZE

    # -- genotype <-> cell ----------------------------------------------------------------
    def from_genotype(self, genotype: Mapping[str, Sequence[tuple[str, int]]]) -> Cell:
        """Cell from ``{"normal": [(op, input), ...8], "reduce": [...]}`` (DARTS order:
        two (op, input) pairs per intermediate node 2..5)."""
        ops: list[str] = []
        edges: list[tuple[int, int]] = []
        for p, part in enumerate(PARTS):
            if part not in genotype:
                raise ValueError(f"genotype: missing the {part!r} cell")
            pairs = list(genotype[part])
            if len(pairs) != 8:
                raise ValueError(f"genotype[{part!r}]: needs 8 (op, input) pairs, got {len(pairs)}")
            off = p * _PART_SIZE
            local = [f"{part}_in0", f"{part}_in1"]
            for k in NODES:
                (op1, in1), (op2, in2) = pairs[2 * (k - 2)], pairs[2 * (k - 2) + 1]
                for op, inp in ((op1, in1), (op2, in2)):
                    if op not in OPS:
                        raise ValueError(f"genotype[{part!r}]: unknown op {op!r}; allowed {list(OPS)}")
                    if not (isinstance(inp, int) and 0 <= inp < k):
                        raise ValueError(
                            f"genotype[{part!r}]: node {k} input {inp!r} must be an int in 0..{k - 1}"
                        )
                if in1 == in2:
                    raise ValueError(
                        f"genotype[{part!r}]: node {k} reads node {in1} twice; its inputs must differ"
                    )
                (op_lo, lo), (op_hi, hi) = sorted(((op1, in1), (op2, in2)), key=lambda t: t[1])
                a, b, add = _local(k)
                local += [op_lo, op_hi, "add"]
                edges += [(off + _source(lo), off + a), (off + _source(hi), off + b)]
                edges += [(off + a, off + add), (off + b, off + add)]
            local.append(f"{part}_out")
            edges += [(off + _local(k)[2], off + _PART_SIZE - 1) for k in NODES]
            ops += local
        return Cell.from_edges(ops, edges)

    def genotype(self, cell: Cell) -> Genotype:
        """``{"normal": [(op, input), ...], "reduce": [...]}`` of a DARTS cell."""
        if cell.num_nodes != 2 * _PART_SIZE:
            raise ValueError(f"cell: DARTS cells have {2 * _PART_SIZE} nodes, got {cell.num_nodes}")
        result: Genotype = {}
        for p, part in enumerate(PARTS):
            off = p * _PART_SIZE
            want = {0: f"{part}_in0", 1: f"{part}_in1", _PART_SIZE - 1: f"{part}_out"}
            for i, label in want.items():
                if cell.ops[off + i] != label:
                    raise ValueError(f"cell: node {off + i} must be {label!r}, got {cell.ops[off + i]!r}")
            carrier = {_source(j): j for j in range(6)}
            pairs: list[tuple[str, int]] = []
            for k in NODES:
                a, b, add = _local(k)
                if cell.ops[off + add] != "add" or sorted(cell.predecessors(off + add)) != [off + a, off + b]:
                    raise ValueError(f"cell: node {off + add} must be the 'add' of nodes {off + a}, {off + b}")
                got = []
                for o in (a, b):
                    op = cell.ops[off + o]
                    preds = cell.predecessors(off + o)
                    if op not in OPS or len(preds) != 1 or preds[0] - off not in carrier:
                        raise ValueError(f"cell: node {off + o} must be one DARTS op with one input")
                    inp = carrier[preds[0] - off]
                    if inp >= k:
                        raise ValueError(f"cell: node {k} of the {part} cell reads a later node {inp}")
                    got.append((op, inp))
                if got[0][1] == got[1][1]:
                    raise ValueError(f"cell: node {k} of the {part} cell reads node {got[0][1]} twice")
                pairs += sorted(got, key=lambda t: t[1])
            outs = sorted(cell.predecessors(off + _PART_SIZE - 1))
            if outs != sorted(off + _local(k)[2] for k in NODES):
                raise ValueError(f"cell: the {part} output must read exactly the four add nodes")
            result[part] = pairs
        if len(cell.edges) != 2 * (4 * 4 + 4):
            raise ValueError("cell: has edges that a DARTS cell does not have")
        return result

    def describe(self, cell: Cell) -> str:
        """The cell's genotype as DARTS prints it: ``Genotype(normal=[(op, input), ...],
        normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])``.

        The two (op, input) pairs of each intermediate node are in the order of their
        inputs (as :meth:`genotype` returns them), so equal cells print equally.

        Raises:
            ValueError: if ``cell`` is not a DARTS cell.

        Example:
            >>> space = DartsSpace()
            >>> pairs = [("sep_conv_3x3", 0), ("sep_conv_3x3", 1)] * 4
            >>> print(space.describe(space.from_genotype({"normal": pairs, "reduce": pairs})))
            Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ...], normal_concat=[2, 3, 4, 5],
            reduce=[...], reduce_concat=[2, 3, 4, 5])
        """
        require_cell(self, cell, "describe")
        g = self.genotype(cell)
        concat = list(NODES)
        return (
            f"Genotype(normal={g['normal']!r}, normal_concat={concat}, "
            f"reduce={g['reduce']!r}, reduce_concat={concat})"
        )

    def to_module(  # type: ignore[override]
        self, cell: Cell, channels: int = 36, layers: int = 20, num_classes: int = 10, in_channels: int = 3
    ) -> Any:
        """The cell's genotype in the DARTS evaluation network as a ``torch.nn.Module``
        (:class:`~lso_sampler.networks.darts_net.DartsNetwork`, without the auxiliary head). The
        defaults are DARTS's CIFAR-10 network (C = 36, 20 cells); with DARTS-V2's genotype
        it has 3,349,342 parameters (the paper's 3.3 M).

        Example:
            >>> space = DartsSpace()
            >>> net = space.to_module(space.sample(0), channels=8, layers=5)
            >>> net(__import__("torch").zeros(1, 3, 32, 32)).shape
            torch.Size([1, 10])
        """
        DartsNetwork = network_class("DartsNetwork")

        return DartsNetwork(self.genotype(cell), channels, layers, num_classes, in_channels)

    # -- SearchSpace ----------------------------------------------------------------------
    def read_scores(self, node_probs, edge_probs, gen):  # type: ignore[no-untyped-def]
        """The DARTS rules tie the edges together (two distinct inputs per intermediate
        node, fixed add/output wiring): per intermediate node draw its input pair ``i < j``
        with probability ∝ score(i -> op_a) x score(j -> op_b) and each op from its node's
        scores over the seven ops; the rest of the wiring follows from the space."""
        import torch

        b = node_probs.shape[0]
        first = len(self.node_types) - len(OPS) - 1  # column of OPS[0]
        values: list[dict[str, Any]] = [{} for _ in range(b)]
        for p, part in enumerate(PARTS):
            off = p * _PART_SIZE
            for k in NODES:
                a, bb, _ = _local(k)
                for name, node in (("op_a", a), ("op_b", bb)):
                    probs = node_probs[:, off + node, first : first + len(OPS)] + 1e-12
                    idx = torch.multinomial(probs, 1, generator=gen).squeeze(1).tolist()
                    for row in range(b):
                        values[row][f"{part}_node{k}_{name}"] = OPS[idx[row]]
                if k == 2:
                    continue
                pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
                src = torch.tensor([_source(j) + off for j in range(k)])
                sa, sb = edge_probs[:, src, off + a], edge_probs[:, src, off + bb]  # [B, k]
                joint = torch.stack([sa[:, i] * sb[:, j] for i, j in pairs], 1) + 1e-12
                pick = torch.multinomial(joint, 1, generator=gen).squeeze(1).tolist()
                for row in range(b):
                    i, j = pairs[pick[row]]
                    values[row][f"{part}_node{k}_inputs"] = f"{i}_{j}"
        return [self._decode(v) for v in values]

    def decode_step(self, ops, preds):  # type: ignore[no-untyped-def]
        """Per part: the two inputs, then per intermediate node ``k`` its lower-input op
        (reading node ``j < k - 1``; node 2 reads 0), its higher-input op (reading a node
        after that one), the ``add`` of the two, and finally the output reading the four
        ``add`` nodes."""
        i = len(ops)
        if i >= 2 * _PART_SIZE:
            return None
        p, local = divmod(i, _PART_SIZE)
        off, part = p * _PART_SIZE, PARTS[p]
        names = self.node_types
        if local < 2:
            return DecodeStep((names.index(f"{part}_in{local}"),), ((),))
        if local == _PART_SIZE - 1:
            return DecodeStep((names.index(f"{part}_out"),), (tuple(off + _local(k)[2] for k in NODES),))
        k, role = 2 + (local - 2) // 3, (local - 2) % 3
        a, b, _ = _local(k)
        if role == 2:
            return DecodeStep((names.index("add"),), ((off + a, off + b),))
        op_types = tuple(names.index(op) for op in OPS)
        if role == 0:
            lows = (0,) if k == 2 else tuple(range(k - 1))
            return DecodeStep(op_types, tuple((off + _source(j),) for j in lows))
        carrier = {_source(j): j for j in range(6)}
        low = carrier[preds[off + a][0] - off]
        highs = (1,) if k == 2 else tuple(range(low + 1, k))
        return DecodeStep(op_types, tuple((off + _source(j),) for j in highs))

    def _decode(self, values: Mapping[str, Any]) -> Cell:
        genotype: Genotype = {}
        for part in PARTS:
            pairs = []
            for k in NODES:
                i, j = (0, 1) if k == 2 else map(int, values[f"{part}_node{k}_inputs"].split("_"))
                pairs += [(values[f"{part}_node{k}_op_a"], i), (values[f"{part}_node{k}_op_b"], j)]
            genotype[part] = pairs
        return self.from_genotype(genotype)

    def _encode(self, cell: Cell) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for part, pairs in self.genotype(cell).items():
            for k in NODES:
                (op_a, i), (op_b, j) = pairs[2 * (k - 2)], pairs[2 * (k - 2) + 1]
                if k > 2:
                    values[f"{part}_node{k}_inputs"] = f"{i}_{j}"
                elif (i, j) != (0, 1):
                    raise ValueError(f"cell: node 2 of the {part} cell must read nodes 0 and 1")
                values[f"{part}_node{k}_op_a"] = op_a
                values[f"{part}_node{k}_op_b"] = op_b
        return values
