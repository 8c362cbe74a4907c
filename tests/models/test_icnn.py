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


def _fit(net: ICNN, x: torch.Tensor, y: torch.Tensor, clamp: bool = True) -> torch.Tensor:
    """200 Adam steps on the squared error (with the convexity clamp after each); the last loss."""
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(200):
        loss = ((net(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if clamp:
            net.clamp_()
    return loss


def test_icnn_is_convex_along_random_lines_before_and_after_training() -> None:
    torch.manual_seed(0)
    net = ICNN(6, 32, layers=3)
    assert _second_differences(net, 6).min() >= -1e-5
    # fit a non-convex target; the clamp after every step keeps the net convex
    x = torch.randn(256, 6)
    y = torch.sin(3 * x[:, :1]) * torch.cos(2 * x[:, 1:2])
    _fit(net, x, y)
    assert all((lin.weight >= 0).all() for lin in net.hidden)
    assert _second_differences(net, 6).min() >= -1e-5


def test_without_the_clamp_training_can_break_convexity() -> None:
    """The check above can fail: the same training without the clamp leaves negative weights."""
    torch.manual_seed(0)
    net = ICNN(6, 32, layers=3)
    x = torch.randn(256, 6)
    y = -(x**2).sum(1, keepdim=True)  # concave target pulls the weights negative
    _fit(net, x, y, clamp=False)
    assert any((lin.weight < 0).any() for lin in net.hidden)


def test_a_fresh_icnn_is_flat_across_its_inputs_and_still_convex() -> None:
    """The output's input skip starts at zero: over N(0, I) inputs a fresh net's output varies
    by a few hundredths, where a random skip gave it a spread of about 0.6 (more than the
    [0, 1] targets it is fitted to); it learns a slope from there."""
    torch.manual_seed(0)
    net = ICNN(32, 64)
    assert (net.inputs[-1].weight == 0).all()
    with torch.no_grad():
        assert net(torch.randn(2000, 32)).std() < 0.1
    assert _second_differences(net, 32).min() >= -1e-5
    x = torch.randn(256, 32)
    y = x[:, :1] - 0.5 * x[:, 1:2]  # affine: an ICNN fits it with its skip
    loss = _fit(net, x, y)
    assert loss.item() < 0.05 and net.inputs[-1].weight.abs().max() > 0.3
