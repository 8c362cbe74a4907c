"""A plain multi-layer perceptron (the AG-Net surrogate)."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["MLP"]


class MLP(nn.Module):
    """``layers`` linear layers with ReLU between them.

    Args:
        in_dim: Input width.
        hidden_dim: Width of the hidden layers.
        out_dim: Output width.
        layers: Number of linear layers (AG-Net's surrogate: 4).

    Example:
        >>> mlp = MLP(84, 84, 1, layers=4)
        >>> mlp(torch.zeros(2, 84)).shape
        torch.Size([2, 1])
    """

    def __init__(self, in_dim: int, hidden_dim: int, out_dim: int = 1, layers: int = 4) -> None:
        super().__init__()
        if layers < 1:
            raise ValueError(f"layers: must be at least 1, got {layers}")
        dims = [in_dim] + [hidden_dim] * (layers - 1) + [out_dim]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    def reset_parameters(self) -> None:
        for lin in self.linears:
            lin.reset_parameters()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, in_dim] -> [B, out_dim]``."""
        for lin in self.linears[:-1]:
            x = torch.relu(lin(x))
        return self.linears[-1](x)
