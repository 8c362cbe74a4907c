"""Input-convex neural network (Amos, Xu & Kolter 2017): the CR-LSO predictor."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ICNN"]


class ICNN(nn.Module):
    """A fully input-convex network ``x -> R``.

    ``u_1 = softplus(A_0 x + b_0)``, ``u_{k+1} = softplus(W_k u_k + A_k x + b_k)``, output
    ``W_L u_L + A_L x + b_L``. Softplus is convex and non-decreasing, so the output is
    convex in ``x`` as long as every ``W_k`` (the hidden-to-hidden path) is non-negative;
    :meth:`clamp_` projects them back after each optimiser step, and they start
    non-negative.

    Args:
        in_dim: Input width (the latent dimension).
        hidden_dim: Width of the hidden layers.
        layers: Number of hidden layers (at least 1).

    Example:
        >>> net = ICNN(4, 16)
        >>> net(torch.zeros(2, 4)).shape
        torch.Size([2, 1])
    """

    def __init__(self, in_dim: int, hidden_dim: int = 64, layers: int = 2) -> None:
        super().__init__()
        if layers < 1:
            raise ValueError(f"layers: must be at least 1, got {layers}")
        self.inputs = nn.ModuleList([nn.Linear(in_dim, hidden_dim) for _ in range(layers)] + [nn.Linear(in_dim, 1)])
        self.hidden = nn.ModuleList(
            [nn.Linear(hidden_dim, hidden_dim, bias=False) for _ in range(layers - 1)]
            + [nn.Linear(hidden_dim, 1, bias=False)]
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Linear layers as torch initialises them, the hidden-to-hidden weights uniform in
        ``[0, 1 / width]``, and the output's input skip ``A_L`` zero: a fresh net's output
        is a flat sum of its hidden units rather than a random slope across the inputs (a
        random ``A_L`` gives the output a spread larger than its [0, 1] targets, which the
        few training steps of a search round do not undo). The draws are those of
        torch's own initialisation, the skip zeroed after."""
        for lin in self.inputs:
            lin.reset_parameters()
        for lin in self.hidden:
            nn.init.uniform_(lin.weight, 0.0, 1.0 / lin.in_features)
        nn.init.zeros_(self.inputs[-1].weight)

    @torch.no_grad()
    def clamp_(self) -> None:
        """Project the hidden-to-hidden weights onto ``W >= 0`` (keeps the net convex)."""
        for lin in self.hidden:
            lin.weight.clamp_(min=0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, in_dim] -> [B, 1]``, convex in ``x``."""
        u = F.softplus(self.inputs[0](x))
        for a, w in zip(self.inputs[1:-1], self.hidden[:-1]):
            u = F.softplus(w(u) + a(x))
        return self.hidden[-1](u) + self.inputs[-1](x)
