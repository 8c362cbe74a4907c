"""Building blocks the image-space networks share (NAS-Bench-201, -101, DARTS, ENAS)."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["ConvBNReLU", "FactorizedReduce", "ReLUConvBN", "require_positive"]


def require_positive(**sizes: int) -> None:
    """Raise ``ValueError`` naming the first size below 1 (channels, cells, classes, ...)."""
    for name, value in sizes.items():
        if value < 1:
            raise ValueError(f"{name}: must be at least 1, got {value}")


class ReLUConvBN(nn.Sequential):
    """ReLU, convolution without bias (``padding`` default ``kernel // 2``), batch norm."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1, padding: int | None = None) -> None:
        pad = kernel // 2 if padding is None else padding
        super().__init__(
            nn.ReLU(inplace=False), nn.Conv2d(c_in, c_out, kernel, stride, pad, bias=False), nn.BatchNorm2d(c_out)
        )


class ConvBNReLU(nn.Sequential):
    """Convolution without bias (same padding), batch norm, ReLU."""

    def __init__(self, c_in: int, c_out: int, kernel: int) -> None:
        super().__init__(
            nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=False),
        )


class FactorizedReduce(nn.Module):
    """Halve the resolution with two stride-2 1x1 convolutions, one shifted by a pixel."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv_a = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_b = nn.Conv2d(c_in, c_out - c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        shifted = nn.functional.pad(x[:, :, 1:, 1:], (0, 1, 0, 1))
        return self.bn(torch.cat([self.conv_a(x), self.conv_b(shifted)], 1))
