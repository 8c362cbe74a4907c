"""Where an AG-Net search spends its time on a large space (issue 16, item 5: at most 2 s per
query on DARTS): one training step split into forward, backward and optimizer, the training
steps a 192-query search runs, and two candidate speed-ups measured beside the library's step
in the same process (blocks of steps interleaved, medians).

    OMP_NUM_THREADS=1 python benchmarks/agnet_step.py --space darts \\
        --out benchmarks/results/agnet_step_darts

Variants (the model, data and loss are the library's; only the named part changes):
- ``library``: :class:`~lso_sampler.strategies.AGNet`'s own training step.
- ``fused-gnn``: each two-sided GNN layer computes both directions together (one product of
  the node states with both directions' message and GRU weights, batched message and gate
  products, the GRU written out): about half the operators, checked equal to the library's
  layer (outputs and gradients within 1e-5) before timing.
- ``fused-adam``: ``torch.optim.Adam(fused=True)`` instead of the per-parameter loop.

The history holds random cells of the space with random values (a step's cost does not
depend on the values). The step counts follow the strategy's own rules (``round_size`` with
its ``round_growth``, ``train_steps``) for a search of ``--budget`` queries with one trial in
flight.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lso_sampler.models import dag_gnn
from lso_sampler.spaces import BUILTIN_SPACES
from lso_sampler.strategies import AGNet
from lso_sampler.strategies.base import Observation


def fused_forward(self: dag_gnn.BidirectionalDAGLayer, h: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
    """Both directions of a :class:`~lso_sampler.models.dag_gnn.BidirectionalDAGLayer` at once."""
    b, n, d = h.shape
    f, r = self.fwd, self.bwd
    w_h = torch.cat(
        [
            f.msg.weight[:, :d],
            r.msg.weight[:, :d],
            f.msg.weight[:, d:],
            r.msg.weight[:, d:],
            f.upd.weight_hh,
            r.upd.weight_hh,
        ]
    )
    p = h @ w_h.T  # [B, n, 10 d]: sources, targets (both directions), GRU hidden (both)
    src = p[..., : 2 * d].reshape(b, n, 2, d).permute(2, 0, 1, 3)
    dst = p[..., 2 * d : 4 * d].reshape(b, n, 2, d).permute(2, 0, 1, 3)
    a = torch.stack([adj.transpose(1, 2), adj])  # forward edges j -> i, then reversed
    m = a @ src + a.sum(-1, keepdim=True) * (dst + torch.stack([f.msg.bias, r.msg.bias]).view(2, 1, 1, d))
    w_ih = torch.stack([f.upd.weight_ih, r.upd.weight_ih]).transpose(1, 2)
    gi = torch.baddbmm(torch.stack([f.upd.bias_ih, r.upd.bias_ih]).unsqueeze(1), m.reshape(2, b * n, d), w_ih)
    gh = p[..., 4 * d :].reshape(b * n, 2, 3 * d).transpose(0, 1) + torch.stack(
        [f.upd.bias_hh, r.upd.bias_hh]
    ).unsqueeze(1)
    rz = torch.sigmoid(gi[..., : 2 * d] + gh[..., : 2 * d])
    cand = torch.tanh(gi[..., 2 * d :] + rz[..., :d] * gh[..., 2 * d :])
    out = cand + rz[..., d:] * (h.reshape(1, b * n, d) - cand)
    return self.merge(out.permute(1, 0, 2).reshape(b, n, 2 * d))


def check_fused() -> float:
    """Largest difference of outputs and gradients between the fused and the library layer."""
    torch.manual_seed(0)
    layer = dag_gnn.BidirectionalDAGLayer(32)
    worst = 0.0
    for n in (1, 3, 9):
        h = torch.randn(4, n, 32, requires_grad=True)
        adj = torch.rand(4, n, n).triu(1).requires_grad_()
        outs = [layer(h, adj), fused_forward(layer, h, adj)]
        grads = [torch.autograd.grad(o.square().sum(), [h, adj, *layer.parameters()]) for o in outs]
        worst = max(worst, float((outs[0] - outs[1]).detach().abs().max()))
        worst = max(worst, max(float((x - y).abs().max()) for x, y in zip(*grads)))
    if worst > 1e-5:
        raise AssertionError(f"the fused layer differs from the library's by {worst}")
    return worst


def search_steps(strategy: AGNet, budget: int) -> list[tuple[int, int]]:
    """(results, training steps) of each model fit in a search of ``budget`` queries."""
    fits, n = [], strategy.n_startup_trials
    while n < budget:
        fits.append((n, strategy.train_steps(n)))
        size = strategy.round_size([None] * n, [], strategy.batch_size)  # type: ignore[list-item]
        n += size
    return fits


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--space", default="darts", help="a built-in space name (default darts)")
    parser.add_argument("--history", type=int, default=64, help="evaluated cells the step trains on (default 64)")
    parser.add_argument("--blocks", type=int, default=8, help="interleaved blocks per variant (default 8)")
    parser.add_argument("--steps", type=int, default=4, help="steps per block (default 4)")
    parser.add_argument("--budget", type=int, default=192, help="queries of the search whose steps are counted")
    parser.add_argument("--out", type=Path, default=None, help="folder for summary.md")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    diff = check_fused()
    if args.space not in BUILTIN_SPACES:
        parser.error(f"--space: one of {', '.join(sorted(BUILTIN_SPACES))}, got {args.space!r}")
    space = BUILTIN_SPACES[args.space]()
    strategy = AGNet(space, seed=0)
    rng = np.random.default_rng(0)
    cells = [space.sample(i) for i in range(args.history)]
    history = [Observation(cell=c, key=space.key(c), values=(float(rng.normal()),)) for c in cells]
    library_forward = dag_gnn.BidirectionalDAGLayer.forward

    def setup(fused_adam: bool) -> tuple[Any, Any, Any, torch.Generator]:
        gen = torch.Generator().manual_seed(0)
        model, data = strategy._prepare(history, gen)
        opt = torch.optim.Adam(model.parameters(), lr=strategy.lr, betas=strategy.adam_betas, fused=fused_adam or None)
        return model, data, opt, gen

    variants = {"library": (False, False), "fused-gnn": (True, False), "fused-adam": (False, True)}
    states = {name: setup(adam) for name, (_, adam) in variants.items()}
    times: dict[str, list[float]] = {name: [] for name in variants}
    parts: dict[str, list[float]] = {"forward": [], "backward": [], "optimizer": []}
    try:
        for block in range(args.blocks + 1):  # block 0 warms up
            for name, (fused_gnn, _) in variants.items():
                dag_gnn.BidirectionalDAGLayer.forward = fused_forward if fused_gnn else library_forward  # type: ignore[method-assign]
                model, data, opt, gen = states[name]
                t0 = time.perf_counter()
                for _ in range(args.steps):
                    a = time.perf_counter()
                    loss, _parts = strategy._training_loss(model, data, gen)
                    b = time.perf_counter()
                    opt.zero_grad()
                    loss.backward()
                    c = time.perf_counter()
                    opt.step()
                    e = time.perf_counter()
                    if block and name == "library":
                        parts["forward"].append(b - a)
                        parts["backward"].append(c - b)
                        parts["optimizer"].append(e - c)
                if block:
                    times[name].append((time.perf_counter() - t0) / args.steps)
    finally:
        dag_gnn.BidirectionalDAGLayer.forward = library_forward  # type: ignore[method-assign]
    med = {name: float(np.median(v)) for name, v in times.items()}
    fits = search_steps(strategy, args.budget)
    total = sum(s for _, s in fits)
    surrogate = sum(p.numel() for p in states["library"][0].surrogate.parameters())
    generator = sum(p.numel() for p in states["library"][0].generator.parameters())
    lines = [
        f"# AG-Net training step on {args.space}",
        "",
        f"Command: `OMP_NUM_THREADS=1 python benchmarks/agnet_step.py --space {args.space} --history {args.history} "
        f"--blocks {args.blocks} --steps {args.steps} --budget {args.budget}`",
        "",
        f"{space.max_nodes} nodes, {len(space.node_types)} node types; batch {strategy.train_batch_size}, "
        f"{args.history} evaluated cells; parameters: generator {generator:,}, surrogate {surrogate:,}.",
        f"Seconds per step, median of {args.blocks} blocks of {args.steps} steps, variants interleaved:",
        "",
        "| variant | s/step | ratio to library |",
        "|---|---:|---:|",
        *(f"| {name} | {med[name]:.3f} | {med[name] / med['library']:.2f} |" for name in variants),
        "",
        f"(fused layer checked equal to the library's: largest difference {diff:.1e})",
        "",
        "The library's step by part (median s): "
        + ", ".join(f"{k} {float(np.median(v)):.3f}" for k, v in parts.items())
        + ".",
        "",
        f"A {args.budget}-query search (one trial in flight) fits the model {len(fits)} times, "
        f"{total:,} training steps in all (epochs {strategy.epochs}; steps per fit "
        + ", ".join(str(s) for _, s in fits)
        + f"): at the library's step time {total * med['library']:.0f} s of training, "
        f"{total * med['library'] / args.budget:.2f} s per query before generation and ranking.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "summary.md").write_text(text)


if __name__ == "__main__":
    main()
