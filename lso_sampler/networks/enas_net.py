"""ENAS macro networks as runnable torch networks (Pham et al. 2018, macro search space).

A 3x3 convolution stem with batch norm, then one layer per op node of the cell: layer ``i``
applies its op to the output of the node before it — ``convKxK``: 1x1 convolution-BN-ReLU
then a KxK convolution-BN-ReLU; ``sepconvKxK``: the same with a depthwise-separable KxK
convolution; ``avgpool3x3`` / ``maxpool3x3``: 1x1 convolution-BN-ReLU then a stride-1
3x3 pool — adds the outputs of the earlier nodes its skip connections read, and applies
batch norm. As in ENAS, after the layers at 1/3 and 2/3 of the depth every output so
far is halved in resolution by a factorized reduction that doubles its channels. Global
average pooling and a linear classifier follow the last layer.
"""

from __future__ import annotations

import torch
from torch import nn

from lso_sampler.cell import Cell
from lso_sampler.networks.conv_blocks import ConvBNReLU, FactorizedReduce, require_positive

__all__ = ["ENASNetwork"]


class _SepConvBNReLU(nn.Sequential):
    """Depthwise KxK and pointwise 1x1 convolutions, batch norm, ReLU."""

    def __init__(self, c: int, kernel: int) -> None:
        super().__init__(
            nn.Conv2d(c, c, kernel, padding=kernel // 2, groups=c, bias=False),
            nn.Conv2d(c, c, 1, bias=False),
            nn.BatchNorm2d(c),
            nn.ReLU(inplace=False),
        )


def _branch(name: str, c: int) -> nn.Module:
    head = ConvBNReLU(c, c, 1)
    if name in ("conv3x3", "conv5x5"):
        return nn.Sequential(head, ConvBNReLU(c, c, int(name[-1])))
    if name in ("sepconv3x3", "sepconv5x5"):
        return nn.Sequential(head, _SepConvBNReLU(c, int(name[-1])))
    if name == "avgpool3x3":
        return nn.Sequential(head, nn.AvgPool2d(3, 1, padding=1, count_include_pad=False))
    if name == "maxpool3x3":
        return nn.Sequential(head, nn.MaxPool2d(3, 1, padding=1))
    raise ValueError(f"cell: unknown ENAS op {name!r}")


class ENASNetwork(nn.Module):
    """An ENAS macro cell (input, layers, output) as a network.

    Args:
        cell: A cell of :class:`~lso_sampler.spaces.ENASSpace`.
        channels: Channels of the stem and the first layers (doubled at each reduction).
        num_classes: Classifier outputs (10).
        in_channels: Input image channels (3).

    Example:
        >>> from lso_sampler.spaces import ENASSpace
        >>> net = ENASNetwork(ENASSpace().sample(0), channels=8)
        >>> net(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 10])
    """

    def __init__(self, cell: Cell, channels: int = 36, num_classes: int = 10, in_channels: int = 3) -> None:
        super().__init__()
        require_positive(channels=channels, num_classes=num_classes, in_channels=in_channels)
        n = cell.num_nodes - 2  # layers
        if n < 1 or cell.ops[0] != "input" or cell.ops[-1] != "output":
            raise ValueError(f"cell: an ENAS cell is input, layers, output; got {cell}")
        self.sources = []
        for k in range(1, n + 1):
            preds = cell.predecessors(k)
            if k - 1 not in preds:
                raise ValueError(f"cell: layer {k - 1} must read the node before it")
            self.sources.append([j for j in preds if j != k - 1])
        third = n // 3
        self.reduce_after = {third - 1, 2 * third - 1} - {-1} if n >= 3 else set()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels)
        )
        c = channels
        branches, norms, reductions = [], [], nn.ModuleDict()
        for i in range(n):
            branches.append(_branch(cell.ops[i + 1], c))
            norms.append(nn.BatchNorm2d(c))
            if i in self.reduce_after:
                # one factorized reduction per output so far (stem and layers 0..i)
                reductions[str(i)] = nn.ModuleList(FactorizedReduce(c, 2 * c) for _ in range(i + 2))
                c *= 2
        self.branches = nn.ModuleList(branches)
        self.norms = nn.ModuleList(norms)
        self.reductions = reductions
        self.head = nn.Sequential(nn.ReLU(inplace=False), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [self.stem(x)]
        for i, branch in enumerate(self.branches):
            y = branch(outs[-1])
            for j in self.sources[i]:
                y = y + outs[j]
            outs.append(self.norms[i](y))
            if str(i) in self.reductions:
                outs = [r(o) for r, o in zip(self.reductions[str(i)], outs)]
        return self.classifier(self.head(outs[-1]))
