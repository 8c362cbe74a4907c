"""NAS-Bench-201 cells as runnable torch networks (the benchmark's macro skeleton).

The skeleton of Dong & Yang (ICLR 2020, section 2.1): a 3x3 convolution stem with batch
norm, three stages of ``cells_per_stage`` cells with ``C``, ``2C`` and ``4C`` channels, a
residual reduction block (stride 2) between stages, then batch norm, ReLU, global average
pooling and a linear classifier. On an edge, ``nor_conv_kxk`` is ReLU -> convolution (no
bias) -> batch norm, ``avg_pool_3x3`` is a stride-1 average pool that ignores the padding,
``skip_connect`` is the identity and ``none`` outputs zeros; a node sums its incoming edges.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lso_sampler.networks.conv_blocks import ReLUConvBN, require_positive
from lso_sampler.spaces.nasbench201 import EDGES

__all__ = ["NB201Network"]


class _Zero(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def _edge_op(name: str, channels: int) -> nn.Module:
    if name == "none":
        return _Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1, 1)
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"ops: unknown NAS-Bench-201 op {name!r}")


class _Cell(nn.Module):
    def __init__(self, ops: Sequence[str], channels: int) -> None:
        super().__init__()
        self.edges = nn.ModuleList(_edge_op(op, channels) for op in ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for j in (1, 2, 3):
            nodes.append(sum(self.edges[k](nodes[i]) for k, (i, d) in enumerate(EDGES) if d == j))
        return nodes[3]


class _Reduction(nn.Module):
    """The residual block between stages: two ReLU-conv-BN (the first with stride 2) and
    a shortcut of 2x2 average pooling and a 1x1 convolution."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1)
        self.shortcut = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_b(self.conv_a(x)) + self.shortcut(x)


class NB201Network(nn.Module):
    """A NAS-Bench-201 cell in the benchmark's macro skeleton.

    Args:
        ops: The six edge ops in ``arch_str`` order.
        channels: ``C``, the first stage's width (16 in the benchmark).
        cells_per_stage: ``N``, cells per stage (5 in the benchmark).
        num_classes: Classifier outputs (10 for CIFAR-10).
        in_channels: Input image channels (3).

    Example:
        >>> net = NB201Network(["nor_conv_3x3"] * 6)
        >>> net(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 10])
    """

    def __init__(
        self,
        ops: Sequence[str],
        channels: int = 16,
        cells_per_stage: int = 5,
        num_classes: int = 10,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        if len(ops) != 6:
            raise ValueError(f"ops: a NAS-Bench-201 cell has 6 edge ops, got {len(ops)}")
        require_positive(
            channels=channels, cells_per_stage=cells_per_stage, num_classes=num_classes, in_channels=in_channels
        )
        self.ops = tuple(ops)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels)
        )
        layers: list[nn.Module] = []
        c = channels
        for stage in range(3):
            if stage:
                layers.append(_Reduction(c, 2 * c))
                c *= 2
            layers += [_Cell(ops, c) for _ in range(cells_per_stage)]
        self.cells = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=False), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.head(self.cells(self.stem(x))))
