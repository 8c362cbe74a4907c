"""Dense message passing over (soft) DAG adjacencies."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["BidirectionalDAGLayer", "DenseDAGLayer", "GatedSum"]


class DenseDAGLayer(nn.Module):
    """One round of message passing along the edges of a dense, possibly soft, adjacency.

    ``m_i = sum_j A[j, i] * W [h_j, h_i]``, then ``h_i <- GRU(m_i, h_i)``. With soft
    (probability) adjacencies the layer is differentiable in the edges too.

    Args:
        dim: Node embedding width.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.msg = nn.Linear(2 * dim, dim)
        self.upd = nn.GRUCell(dim, dim)

    def reset_parameters(self) -> None:
        self.msg.reset_parameters()
        self.upd.reset_parameters()

    def forward(self, h: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        """``h [B, n, d]``, ``adj [B, n, n]`` (``adj[b, j, i]``: edge j -> i) -> ``[B, n, d]``."""
        b, n, d = h.shape
        # W [h_j, h_i] + c = W_src h_j + W_dst h_i + c, so the sum over sources j is a matmul.
        w_src, w_dst = self.msg.weight[:, :d], self.msg.weight[:, d:]
        at = adj.transpose(1, 2)  # [B, i, j]
        messages = at @ (h @ w_src.T) + at.sum(-1, keepdim=True) * (h @ w_dst.T + self.msg.bias)
        return self.upd(messages.reshape(b * n, d), h.reshape(b * n, d)).view(b, n, d)


class BidirectionalDAGLayer(nn.Module):
    """A forward and a backward :class:`DenseDAGLayer` (SVGe's two-sided pass), merged."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.fwd = DenseDAGLayer(dim)
        self.bwd = DenseDAGLayer(dim)
        self.merge = nn.Linear(2 * dim, dim)

    def forward(self, h: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        """``h [B, n, d]``, ``adj [B, n, n]`` -> ``[B, n, d]``."""
        return self.merge(torch.cat([self.fwd(h, adj), self.bwd(h, adj.transpose(1, 2))], -1))


class GatedSum(nn.Module):
    """Graph readout ``sum_v sigmoid(g(h_v)) * f(h_v)``."""

    def __init__(self, dim: int, out_dim: int) -> None:
        super().__init__()
        self.f = nn.Linear(dim, out_dim)
        self.g = nn.Linear(dim, 1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """``[B, n, d] -> [B, out_dim]``."""
        return (torch.sigmoid(self.g(h)) * self.f(h)).sum(1)
