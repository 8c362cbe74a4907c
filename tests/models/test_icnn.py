"""The ICNN stays convex in its input, also after training with the clamp."""

from __future__ import annotations

import torch

from lso_sampler.models.icnn import ICNN


def _second_differences(net: ICNN, dim: int, lines: int = 50, points: int = 41) -> torch.Tensor:
    gen = torch.Generator().manual_seed(1)
    x0 = 2 * torch.randn(lines, 1, dim, generator=gen)
    d = torch.randn(lines, 1, dim, generator=gen)
    t = torch.linspace(-3, 3, points).view(1, points, 1)
    with torch.no_grad():
        f = net((x0 + t * d).view(-1, dim)).view(lines, points)
    return f[:, 2:] - 2 * f[:, 1:-1] + f[:, :-2]


def test_icnn_is_convex_along_random_lines_before_and_after_training() -> None:
    torch.manual_seed(0)
    net = ICNN(6, 32, layers=3)
    assert _second_differences(net, 6).min() >= -1e-5
    # fit a non-convex target; the clamp after every step keeps the net convex
    x = torch.randn(256, 6)
    y = torch.sin(3 * x[:, :1]) * torch.cos(2 * x[:, 1:2])
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(200):
        loss = ((net(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        net.clamp_()
    assert all((lin.weight >= 0).all() for lin in net.hidden)
    assert _second_differences(net, 6).min() >= -1e-5


def test_without_the_clamp_training_can_break_convexity() -> None:
    """The check above can fail: the same training without the clamp leaves negative weights."""
    torch.manual_seed(0)
    net = ICNN(6, 32, layers=3)
    x = torch.randn(256, 6)
    y = -(x**2).sum(1, keepdim=True)  # concave target pulls the weights negative
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(200):
        loss = ((net(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert any((lin.weight < 0).any() for lin in net.hidden)
