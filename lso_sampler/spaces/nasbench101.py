"""NAS-Bench-101: up to 7 nodes, at most 9 edges, three ops."""

from __future__ import annotations

from typing import Any

from lso_sampler.cell import Cell
from lso_sampler.spaces.base import network_class, require_cell
from lso_sampler.spaces.dag import DAGSpace

__all__ = ["NASBench101Space"]

OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")


class NASBench101Space(DAGSpace):
    """The NAS-Bench-101 cell space (Ying et al. 2019).

    Seven nodes (input, five intermediate nodes with ops ``conv3x3-bn-relu``,
    ``conv1x1-bn-relu`` or ``maxpool3x3``, output) and an upper-triangular adjacency.
    As in the NAS-Bench-101 API, nodes on no input-to-output path are pruned first; a
    cell is valid when the output is reachable and the pruned cell has at most 9 edges.
    Cells computing the same pruned graph share one :meth:`key`.

    Example:
        >>> space = NASBench101Space()
        >>> cell = space.sample(1)
        >>> space.is_valid(cell).ok
        True
    """

    name = "nasbench101"
    # the graph VAE's encoder reads node indices here: its pretraining plateaued near 74 %
    # of the validation cells without them and passed 81 % by 5,000 steps with them; with
    # the concatenation readout and the decoder's index logits as well, 95 % by 1,000 steps
    # and all 500 by 5,000 (benchmarks/README.md, "Pretrained graph VAEs")
    vae_encoder_positions = True
    vae_encoder_readout = "concat"
    vae_decoder_positions = True

    def __init__(self, encoding: str = "categorical") -> None:
        super().__init__(7, OPS, max_edges=9, prune=True, encoding=encoding)

    def to_module(  # type: ignore[override]
        self,
        cell: Cell,
        stem_channels: int = 128,
        num_stacks: int = 3,
        cells_per_stack: int = 3,
        num_classes: int = 10,
        in_channels: int = 3,
    ) -> Any:
        """The cell in NAS-Bench-101's macro skeleton as a ``torch.nn.Module``
        (:class:`~lso_sampler.networks.nb101_net.NB101Network`): stem, ``num_stacks`` stacks of
        ``cells_per_stack`` cells with max pooling between them, classifier. The defaults
        are the benchmark's; the Inception-like cell of the NAS-Bench-101 colab has the
        2,694,282 trainable parameters the benchmark records for it.

        Example:
            >>> space = NASBench101Space()
            >>> cell = Cell(
            ...     ["input", "conv1x1-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu",
            ...      "conv3x3-bn-relu", "maxpool3x3", "output"],
            ...     [[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
            ...      [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
            ...      [0, 0, 0, 0, 0, 0, 0]])
            >>> sum(p.numel() for p in space.to_module(cell).parameters())
            2694282
        """
        NB101Network = network_class("NB101Network")

        reason = self.is_valid(cell)
        if not reason:
            raise ValueError(f"cell: not a valid NAS-Bench-101 cell: {reason.reason}")
        return NB101Network(cell, stem_channels, num_stacks, cells_per_stack, num_classes, in_channels)

    def describe(self, cell: Cell) -> str:
        """The cell as the NAS-Bench-101 API's ``ModelSpec(matrix, ops)`` takes it: the op
        list, then the adjacency matrix with each row written as its 0/1 digits and rows
        separated by ``/`` (the cell as given, before pruning).

        Raises:
            ValueError: if ``cell`` is not a NAS-Bench-101 cell.

        Example:
            >>> cell = Cell(["input", "conv3x3-bn-relu", "output"], [[0, 1, 1], [0, 0, 1], [0, 0, 0]])
            >>> NASBench101Space().describe(cell)
            "ops=['input', 'conv3x3-bn-relu', 'output'] matrix=011/001/000"
        """
        require_cell(self, cell, "describe")
        self._encode(cell)  # a clear error for a cell of another space
        rows = "/".join("".join(map(str, row)) for row in cell.adjacency)
        return f"ops={list(cell.ops)!r} matrix={rows}"

    def __repr__(self) -> str:
        return f"NASBench101Space(encoding={self.encoding!r})"
