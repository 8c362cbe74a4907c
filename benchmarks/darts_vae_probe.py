"""Why the DARTS graph VAE does not learn: per-choice accuracy of each cell by part.

Pretrains a fresh D-VAE graph VAE on DARTS cells with the shipped recipe (128 random cells
per step, Adam 2e-3 halved every 4,000 steps, the held-out cells never drawn; pretraining
seed 0) and, every ``--every`` steps, decodes the first 200 validation cells (posterior mean,
greedy) and prints, per part (normal, reduction cell), the share of the 11 parameters of
that cell decoded right, and the share of cells decoded exactly (one JSON line per
measure). Model variants (any combination, ``--variants a,b``):

- ``encoder-positions``: the encoder adds a learned position embedding (N(0, 1) entries,
  one per node index) to each node's type embedding; the decoder already has one.
- ``source-latent``: in the decoder, every node without predecessors starts from the
  latent state ``h0`` (as node 0 does); otherwise the reduction cell's two inputs and
  the normal cell's second input start from an all-zero message.
- ``type-position``: the decoder's node-type head sees the position embedding of the node
  it is adding (added to the graph context), not only the graph so far.

    OMP_NUM_THREADS=1 python benchmarks/darts_vae_probe.py --steps 3000 --every 250 [--variants ...] [--hidden 64]

No benchmark data is read (pretraining and this measure see cells only).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from torch import nn

from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.models.pretrain import holdout_cells, pretrain_vae
from lso_sampler.spaces import DartsSpace

VARIANTS = ("encoder-positions", "source-latent", "type-position")
PARTS = ("normal", "reduce")


def _type_position(decoder: nn.Module) -> None:
    def type_logits(states: list[torch.Tensor], h0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if states:
            h = torch.stack(states, 1)
            ctx = decoder.context(h, h.new_ones(h.shape[:2]))
        else:
            ctx = torch.zeros_like(h0)
        ctx = torch.cat([ctx + decoder.pos_embed[len(states)], h0], -1)
        return decoder.type_head(ctx), ctx

    decoder._type_logits = type_logits


def _source_latent(decoder: nn.Module) -> None:
    def update(states: list[torch.Tensor], x_v: torch.Tensor, edges: torch.Tensor | None, h0: torch.Tensor):  # type: ignore[no-untyped-def]
        if edges is None:
            return decoder.update(x_v, h0)
        msg = decoder.aggregate(torch.stack(states, 1), edges)
        msg = msg + (edges.sum(1, keepdim=True) == 0).float() * h0  # no predecessors: h0
        return decoder.update(x_v, msg)

    decoder._update = update


def _encoder_positions(encoder: nn.Module, max_nodes: int) -> None:
    encoder.pos = nn.Parameter(torch.randn(max_nodes, encoder.hidden_dim))

    def propagate(x: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        x = x @ encoder.embed + encoder.pos[:n]
        states: list[torch.Tensor] = []
        zero = x.new_zeros(b, encoder.hidden_dim)
        for v in range(n):
            msg = encoder.aggregate(torch.stack(states, 1), adj[:, :v, v]) if v else zero
            states.append(encoder.update(x[:, v], msg) * mask[:, v : v + 1])
        return torch.stack(states, 1)

    encoder.propagate = propagate


def build(variants: set[str], hidden: int, latent: int) -> GraphVAE:
    """A fresh DARTS VAE (torch seed 0) with ``variants`` applied."""
    space = DartsSpace()
    torch.manual_seed(0)
    model = GraphVAE(space, GraphVAEConfig(hidden_dim=hidden, latent_dim=latent))
    if "type-position" in variants:
        _type_position(model.decoder)
    if "source-latent" in variants:
        _source_latent(model.decoder)
    if "encoder-positions" in variants:
        _encoder_positions(model.encoder, space.max_nodes)
    return model


def measure(model: GraphVAE, cells: list) -> dict[str, float]:  # type: ignore[type-arg]
    """Per part the share of parameters decoded right; the share of cells decoded exactly."""
    space = model.space
    model.eval()
    with torch.no_grad():
        mu, _ = model.encode_cells(cells)
        decoded = model.decode(mu)
    model.train()
    right: dict[str, list[float]] = {p: [] for p in PARTS}
    exact = 0
    for cell, got in zip(cells, decoded):
        a, b = space._encode(cell), space._encode(got)
        for part in PARTS:
            names = [k for k in a if k.startswith(part)]
            right[part].append(float(np.mean([a[k] == b[k] for k in names])))
        exact += space.key(cell) == space.key(got)
    return {p: round(float(np.mean(v)), 3) for p, v in right.items()} | {"exact": exact / len(cells)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--every", type=int, default=250)
    parser.add_argument("--variants", default="", help=f"comma-separated, of {list(VARIANTS)}")
    parser.add_argument("--hidden", type=int, default=64, help="node state width (the shipped 64)")
    parser.add_argument("--latent", type=int, default=32)
    args = parser.parse_args()
    variants = {v for v in args.variants.split(",") if v}
    unknown = variants - set(VARIANTS)
    if unknown:
        parser.error(f"--variants: unknown {sorted(unknown)}; choose from {list(VARIANTS)}")
    torch.set_num_threads(1)
    model = build(variants, args.hidden, args.latent)
    cells = holdout_cells(model.space)[:200]
    start = time.time()

    def callback(step: int) -> bool:
        if step % args.every == 0:
            row = measure(model, cells) | {"step": step, "minutes": round((time.time() - start) / 60, 1)}
            print(json.dumps(row), flush=True)
        return False

    pretrain_vae(model, steps=args.steps, batch_size=128, lr=2e-3, halve_every=4000, seed=0, callback=callback)


if __name__ == "__main__":
    main()
