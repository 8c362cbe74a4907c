"""DARTS genotypes as runnable torch networks (the evaluation network of Liu et al. 2019).

A 3x3 convolution stem with ``3C`` channels and batch norm, ``layers`` cells with the
reduction cells at 1/3 and 2/3 of the depth (channels doubled there), global average
pooling and a linear classifier. In a cell the two inputs (the outputs of the two previous
cells) are brought to ``C`` channels by ReLU-1x1 convolution-BN (a factorized reduction
after a reduction cell), each intermediate node sums two ops of the genotype, and the
cell outputs the concatenation of its four intermediate nodes. In a reduction cell the
ops reading the two inputs have stride 2. The auxiliary head and drop-path of the
DARTS training recipe are left out (training tricks, not part of the architecture).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from lso_sampler.networks.conv_blocks import FactorizedReduce, ReLUConvBN, require_positive

__all__ = ["DartsNetwork"]


class _DilConv(nn.Sequential):
    def __init__(self, c: int, kernel: int, stride: int, padding: int, dilation: int) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c, c, kernel, stride, padding, dilation=dilation, groups=c, bias=False),
            nn.Conv2d(c, c, 1, bias=False),
            nn.BatchNorm2d(c),
        )


class _SepConv(nn.Sequential):
    """Two depthwise-separable convolutions in a row (the first with the stride)."""

    def __init__(self, c: int, kernel: int, stride: int, padding: int) -> None:
        super().__init__(_DilConv(c, kernel, stride, padding, 1), _DilConv(c, kernel, 1, padding, 1))


def _op(name: str, c: int, stride: int) -> nn.Module:
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride, padding=1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride, padding=1, count_include_pad=False)
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c)
    if name == "sep_conv_3x3":
        return _SepConv(c, 3, stride, 1)
    if name == "sep_conv_5x5":
        return _SepConv(c, 5, stride, 2)
    if name == "dil_conv_3x3":
        return _DilConv(c, 3, stride, 2, 2)
    if name == "dil_conv_5x5":
        return _DilConv(c, 5, stride, 4, 2)
    raise ValueError(f"genotype: unknown DARTS op {name!r}")


class _Cell(nn.Module):
    def __init__(
        self, pairs: Sequence[tuple[str, int]], c_pp: int, c_p: int, c: int, reduction: bool, reduction_prev: bool
    ) -> None:
        super().__init__()
        self.pre0 = FactorizedReduce(c_pp, c) if reduction_prev else ReLUConvBN(c_pp, c, 1, 1, 0)
        self.pre1 = ReLUConvBN(c_p, c, 1, 1, 0)
        self.inputs = [inp for _, inp in pairs]
        self.ops = nn.ModuleList(
            _op(name, c, 2 if reduction and inp < 2 else 1) for name, inp in pairs
        )

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.pre0(s0), self.pre1(s1)]
        for k in range(0, len(self.ops), 2):
            a = self.ops[k](states[self.inputs[k]])
            b = self.ops[k + 1](states[self.inputs[k + 1]])
            states.append(a + b)
        return torch.cat(states[2:], 1)


class DartsNetwork(nn.Module):
    """A DARTS genotype in the DARTS evaluation network (without the auxiliary head).

    Args:
        genotype: ``{"normal": [(op, input), ...8], "reduce": [...]}`` as
            :meth:`DartsSpace.genotype <lso_sampler.spaces.DartsSpace.genotype>` gives.
        channels: ``C``, the first cells' width (36 for CIFAR-10 in DARTS).
        layers: Cells (20 for CIFAR-10).
        num_classes: Classifier outputs (10).
        in_channels: Input image channels (3).

    Example:
        >>> from lso_sampler.spaces import DartsSpace
        >>> space = DartsSpace()
        >>> net = DartsNetwork(space.genotype(space.sample(0)), channels=8, layers=5)
        >>> net(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 10])
    """

    def __init__(
        self,
        genotype: Mapping[str, Sequence[tuple[str, int]]],
        channels: int = 36,
        layers: int = 20,
        num_classes: int = 10,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        require_positive(channels=channels, layers=layers, num_classes=num_classes, in_channels=in_channels)
        for part in ("normal", "reduce"):
            if len(genotype.get(part, ())) != 8:
                raise ValueError(f"genotype: needs 8 (op, input) pairs in {part!r}")
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, 3 * channels, 3, padding=1, bias=False), nn.BatchNorm2d(3 * channels)
        )
        c_pp, c_p, c = 3 * channels, 3 * channels, channels
        reductions = {layers // 3, 2 * layers // 3} if layers >= 3 else set()
        cells = []
        reduction_prev = False
        for i in range(layers):
            reduction = i in reductions
            if reduction:
                c *= 2
            cells.append(_Cell(genotype["reduce" if reduction else "normal"], c_pp, c_p, c, reduction, reduction_prev))
            reduction_prev = reduction
            c_pp, c_p = c_p, 4 * c
        self.cells = nn.ModuleList(cells)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(c_p, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(self.pool(s1))
