"""NAS-Bench-101 cells as runnable torch networks (the benchmark's macro skeleton).

The skeleton of Ying et al. (ICML 2019, section 2.1): a 3x3 convolution-BN-ReLU stem with
128 channels, three stacks of three cells, a 2x2 max pool (stride 2) between stacks that
doubles the channels, global average pooling and a linear classifier.

Inside a cell (after pruning nodes on no input-to-output path), as the benchmark's model
builder: the output concatenates the intermediate nodes that feed it, their channels
splitting the cell's output channels (the remainder to the first ones); a node that only
feeds other nodes gets the largest channel count among them; inputs from other nodes are
truncated to the node's channels and summed, the cell input reaches a node through a
1x1 convolution-BN-ReLU projection, and an input-to-output edge adds a projection of the
input to the concatenation.
"""

from __future__ import annotations

import torch
from torch import nn

from lso_sampler.cell import Cell
from lso_sampler.networks.conv_blocks import ConvBNReLU, require_positive

__all__ = ["NB101Network"]


def _op(name: str, channels: int) -> nn.Module:
    if name == "conv3x3-bn-relu":
        return ConvBNReLU(channels, channels, 3)
    if name == "conv1x1-bn-relu":
        return ConvBNReLU(channels, channels, 1)
    if name == "maxpool3x3":
        return nn.MaxPool2d(3, stride=1, padding=1)
    raise ValueError(f"cell: unknown NAS-Bench-101 op {name!r}")


def vertex_channels(c_in: int, c_out: int, adjacency: list[list[int]]) -> list[int]:
    """Channels of every node of a pruned cell (the benchmark's rule, see the module doc)."""
    n = len(adjacency)
    channels = [0] * n
    channels[0], channels[-1] = c_in, c_out
    if n == 2:
        return channels
    feeders = [v for v in range(1, n - 1) if adjacency[v][n - 1]]
    share, extra = divmod(c_out, len(feeders))
    for k, v in enumerate(feeders):
        channels[v] = share + (1 if k < extra else 0)
    for v in range(n - 2, 0, -1):
        if not adjacency[v][n - 1]:
            channels[v] = max(channels[d] for d in range(v + 1, n - 1) if adjacency[v][d])
    return channels


class _Cell(nn.Module):
    def __init__(self, cell: Cell, c_in: int, c_out: int) -> None:
        super().__init__()
        self.adj = [list(map(int, row)) for row in cell.adjacency]
        n = len(self.adj)
        self.channels = vertex_channels(c_in, c_out, self.adj)
        self.ops = nn.ModuleList(
            [nn.Identity()] + [_op(cell.ops[v], self.channels[v]) for v in range(1, n - 1)]
        )
        # 1x1 projections of the cell input, for every node the input feeds
        self.proj = nn.ModuleDict(
            {str(v): ConvBNReLU(c_in, self.channels[v], 1) for v in range(1, n) if self.adj[0][v]}
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = len(self.adj)
        values = [x]
        outs = []
        for v in range(1, n - 1):
            c = self.channels[v]
            terms = [values[s][:, :c] for s in range(1, v) if self.adj[s][v]]
            if self.adj[0][v]:
                terms.append(self.proj[str(v)](x))
            values.append(self.ops[v](sum(terms)))
            if self.adj[v][n - 1]:
                outs.append(values[v])
        if not outs:
            return self.proj[str(n - 1)](x)
        out = torch.cat(outs, 1) if len(outs) > 1 else outs[0]
        if self.adj[0][n - 1]:
            out = out + self.proj[str(n - 1)](x)
        return out


class NB101Network(nn.Module):
    """A NAS-Bench-101 cell in the benchmark's macro skeleton.

    Args:
        cell: A cell of :class:`~lso_sampler.spaces.NASBench101Space` (pruned here).
        stem_channels: Channels of the stem and the first stack (128 in the benchmark).
        num_stacks: Stacks of cells (3).
        cells_per_stack: Cells per stack (3).
        num_classes: Classifier outputs (10).
        in_channels: Input image channels (3).

    Example:
        >>> from lso_sampler.spaces import NASBench101Space
        >>> net = NB101Network(NASBench101Space().sample(0), stem_channels=16)
        >>> net(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 10])
    """

    def __init__(
        self,
        cell: Cell,
        stem_channels: int = 128,
        num_stacks: int = 3,
        cells_per_stack: int = 3,
        num_classes: int = 10,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        require_positive(
            stem_channels=stem_channels, num_stacks=num_stacks, cells_per_stack=cells_per_stack,
            num_classes=num_classes, in_channels=in_channels,
        )  # fmt: skip
        pruned = cell.pruned()
        if pruned.num_nodes < 2 or pruned.num_nodes - 1 not in pruned.reachable_from(0):
            raise ValueError(f"cell: the output is not reachable from the input: {cell}")
        self.cell = pruned
        layers: list[nn.Module] = [ConvBNReLU(in_channels, stem_channels, 3)]
        c_in = c = stem_channels
        for stack in range(num_stacks):
            if stack:
                layers.append(nn.MaxPool2d(2, 2))
                c *= 2
            for _ in range(cells_per_stack):
                layers.append(_Cell(pruned, c_in, c))
                c_in = c
        self.features = nn.Sequential(*layers)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pool(self.features(x)))
