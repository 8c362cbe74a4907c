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
- ``constrained``: the decoder trains on the choices decoding makes (each node's type among
  the types the space allows there, its predecessors among the allowed sets), not on every
  type and every edge.
- ``concat-readout``: the library's ``GraphVAEConfig(encoder_readout="concat")``: the graph
  state is a linear map of the node states side by side, not their gated sum.
- ``index-logits``: the library's ``GraphVAEConfig(decoder_positions=True)``: per node index,
  type and edge logits read from the latent, added to the decoder's own.
- ``node-indices``: the library's ``GraphVAEConfig(encoder_positions=True)`` (the same idea
  as ``encoder-positions``, built with the model rather than patched in after).

``--half encoder`` trains the VAE's encoder with an MLP that reads the 22 parameters from
``z`` in place of the sequential decoder; ``--half decoder`` trains the sequential decoder
from an MLP encoder of the parameters (one-hot) in place of the graph encoder. Each says
how fast one half learns when the other is easy.

    OMP_NUM_THREADS=1 python benchmarks/darts_vae_probe.py --steps 3000 --every 250 [--variants ...] [--hidden 64]
        [--half encoder|decoder]

No benchmark data is read (pretraining and this measure see cells only).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.models.pretrain import holdout_cells, pretrain_vae
from lso_sampler.spaces import DartsSpace

VARIANTS = (
    "encoder-positions",
    "source-latent",
    "type-position",
    "constrained",
    "concat-readout",
    "index-logits",
    "node-indices",
)
PARTS = ("normal", "reduce")


def _type_position(decoder: nn.Module) -> None:
    def type_logits(states: list[torch.Tensor], h0: torch.Tensor, pos=None) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[no-untyped-def]
        if states:
            h = torch.stack(states, 1)
            ctx = decoder.context(h, h.new_ones(h.shape[:2]))
        else:
            ctx = torch.zeros_like(h0)
        ctx = torch.cat([ctx + decoder.pos_embed[len(states)], h0], -1)
        logits = decoder.type_head(ctx)
        return (logits if pos is None else logits + pos[0][:, len(states)]), ctx

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


def _constrained(decoder: nn.Module, space: DartsSpace) -> None:
    """Train on the choices decoding makes: the node type's softmax over the types the
    space allows at that node, the predecessors' softmax over the allowed sets (scored as
    decoding scores them, the sum of the edge logits of the set); a step with one allowed
    choice costs nothing."""
    names = space.node_types

    def loss(z: torch.Tensor, types: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, n = types.shape
        t = decoder.num_types
        allowed = torch.zeros(b, n, t, dtype=torch.bool)
        sets: list[list[tuple[list[tuple[int, ...]], int]]] = [[([], -1)] * n for _ in range(b)]
        tl, al, ml = types.tolist(), adj.numpy(), mask.tolist()
        for row in range(b):
            ops: tuple[str, ...] = ()
            preds: tuple[tuple[int, ...], ...] = ()
            for v in range(n):
                if not ml[row][v]:
                    break
                st = space.decode_step(ops, preds)
                allowed[row, v, list(st.types)] = True
                src = tuple(int(j) for j in np.flatnonzero(al[row, :v, v]))
                if st.sources is not None:
                    sets[row][v] = (list(st.sources), st.sources.index(src))
                ops, preds = ops + (names[tl[row][v]],), preds + (src,)
        h0 = torch.tanh(decoder.init_state(z))
        pos = decoder._position_logits(h0)
        x = decoder._inputs(F.one_hot(types, t).float())
        fmask = mask.float()
        states: list[torch.Tensor] = []
        total = z.new_zeros(b)
        for v in range(n):
            logits, ctx = decoder._type_logits(states, h0, pos)
            logits = logits.masked_fill(~allowed[:, v], -1e9)
            total = total + F.cross_entropy(logits, types[:, v], reduction="none") * fmask[:, v]
            if v:
                e = decoder._edge_logits(states, x[:, v], ctx, pos)
                width = max(len(sets[r][v][0]) for r in range(b))
                if width > 1:
                    ind = torch.zeros(b, width, v)
                    valid = torch.zeros(b, width, dtype=torch.bool)
                    target = torch.zeros(b, dtype=torch.long)
                    for r in range(b):
                        opts, k = sets[r][v]
                        for s, members in enumerate(opts):
                            ind[r, s, list(members)] = 1.0
                            valid[r, s] = True
                        target[r] = max(k, 0)
                    scores = (ind @ e.unsqueeze(-1)).squeeze(-1).masked_fill(~valid, -1e9)
                    total = total + F.cross_entropy(scores, target, reduction="none") * fmask[:, v]
            states.append(decoder._update(states, x[:, v], adj[:, :v, v] if v else None, h0) * fmask[:, v : v + 1])
        return total

    decoder.loss = loss


def build(variants: set[str], hidden: int, latent: int) -> GraphVAE:
    """A fresh DARTS VAE (torch seed 0) with ``variants`` applied."""
    space = DartsSpace()
    torch.manual_seed(0)
    config = GraphVAEConfig(
        hidden_dim=hidden,
        latent_dim=latent,
        encoder_positions="node-indices" in variants,
        encoder_readout="concat" if "concat-readout" in variants else "sum",
        decoder_positions="index-logits" in variants,
        teacher_pcs=0,  # no map onto a teacher, whatever DARTS defaults to
    )
    model = GraphVAE(space, config)
    if "type-position" in variants:
        _type_position(model.decoder)
    if "source-latent" in variants:
        _source_latent(model.decoder)
    if "constrained" in variants:
        _constrained(model.decoder, space)
    if "encoder-positions" in variants:
        _encoder_positions(model.encoder, space.max_nodes)
    return model


def measure(model: GraphVAE, cells: list, halves: Halves | None = None) -> dict[str, float]:  # type: ignore[type-arg]
    """Per part the share of parameters decoded right; the share of cells decoded exactly."""
    space = model.space
    model.eval()
    with torch.no_grad():
        if halves is None:
            mu, _ = model.encode_cells(cells)
            decoded = [space._encode(c) for c in model.decode(mu)]
        else:
            decoded = halves.reconstruct(cells)
    model.train()
    right: dict[str, list[float]] = {p: [] for p in PARTS}
    exact = 0
    for cell, b in zip(cells, decoded):
        a = space._encode(cell)
        for part in PARTS:
            names = [k for k in a if k.startswith(part)]
            right[part].append(float(np.mean([a[k] == b[k] for k in names])))
        exact += all(a[k] == b[k] for k in a)
    return {p: round(float(np.mean(v)), 3) for p, v in right.items()} | {"exact": exact / len(cells)}


class Halves(nn.Module):
    """One half of the VAE with an MLP over the cell's parameters as the other half."""

    def __init__(self, model: GraphVAE, half: str) -> None:
        super().__init__()
        self.model, self.half = model, half
        self.vars = model.space.variables()
        self.sizes = [len(v.choices) for v in self.vars]
        z = model.latent_dim
        if half == "encoder":  # the graph encoder; z -> every parameter's logits
            self.head = nn.Sequential(nn.Linear(z, 256), nn.ReLU(), nn.Linear(256, sum(self.sizes)))
        else:  # one-hot parameters -> mean and log-variance; the sequential decoder
            self.head = nn.Sequential(nn.Linear(sum(self.sizes), 256), nn.ReLU(), nn.Linear(256, 2 * z))

    def trained(self) -> list[nn.Parameter]:
        m = self.model
        kept = (m.encoder, m.mean, m.logvar) if self.half == "encoder" else (m.decoder,)
        return [*self.head.parameters(), *(p for m in kept for p in m.parameters())]

    def _params(self, cells: list) -> torch.Tensor:  # type: ignore[type-arg]
        values = [self.model.space._encode(c) for c in cells]
        return torch.tensor([[v.choices.index(row[v.name]) for v in self.vars] for row in values])

    def _logits(self, flat: torch.Tensor) -> list[torch.Tensor]:
        return list(torch.split(flat, self.sizes, dim=1))

    def _posterior(self, cells: list) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[type-arg]
        if self.half == "encoder":
            return self.model.encode_cells(cells)
        params = self._params(cells)
        onehot = torch.cat([F.one_hot(params[:, i], k).float() for i, k in enumerate(self.sizes)], 1)
        return torch.chunk(self.head(onehot), 2, dim=1)  # type: ignore[return-value]

    def loss(self, cells: list) -> torch.Tensor:  # type: ignore[type-arg]
        """Reconstruction + beta x KL, as the VAE's own loss."""
        mu, logvar = self._posterior(cells)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        if self.half == "encoder":
            params = self._params(cells)
            logits = self._logits(self.head(z))
            rec = sum(F.cross_entropy(lg, params[:, i], reduction="none") for i, lg in enumerate(logits))
        else:
            _, types, adj, mask = self.model.tensors(cells)
            rec = self.model.decoder.loss(z, types, adj, mask)
        kl = self.model.kl_terms(mu, logvar).sum(1)
        return (rec + self.model.config.beta * kl).mean()  # type: ignore[operator]

    def reconstruct(self, cells: list) -> list[dict]:  # type: ignore[type-arg]
        mu, _ = self._posterior(cells)
        if self.half == "decoder":
            return [self.model.space._encode(c) for c in self.model.decode(mu)]
        picks = torch.stack([lg.argmax(1) for lg in self._logits(self.head(mu))], 1).tolist()
        return [{v.name: v.choices[i] for v, i in zip(self.vars, row)} for row in picks]


def train_half(halves: Halves, steps: int, callback) -> None:  # type: ignore[no-untyped-def]
    """The pretraining recipe (128 random cells per step, the held-out cells never drawn,
    Adam 2e-3 halved every 4,000 steps, gradients clipped at 5, seed 0) for one half."""
    space = halves.model.space
    held = {space.key(c) for c in holdout_cells(space)}
    rng = np.random.default_rng(0)
    params = halves.trained()
    opt = torch.optim.Adam(params, lr=2e-3)
    for step in range(1, steps + 1):
        for group in opt.param_groups:
            group["lr"] = 2e-3 * 0.5 ** ((step - 1) // 4000)
        cells: list = []  # type: ignore[type-arg]
        while len(cells) < 128:
            cell = space.sample(rng)
            if space.key(cell) not in held:
                cells.append(cell)
        loss = halves.loss(cells)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        callback(step)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--every", type=int, default=250)
    parser.add_argument("--variants", default="", help=f"comma-separated, of {list(VARIANTS)}")
    parser.add_argument("--hidden", type=int, default=64, help="node state width (the shipped 64)")
    parser.add_argument("--latent", type=int, default=32)
    parser.add_argument("--half", choices=("encoder", "decoder"), default=None, help="train one half (see above)")
    args = parser.parse_args()
    variants = {v for v in args.variants.split(",") if v}
    unknown = variants - set(VARIANTS)
    if unknown:
        parser.error(f"--variants: unknown {sorted(unknown)}; choose from {list(VARIANTS)}")
    torch.set_num_threads(1)
    model = build(variants, args.hidden, args.latent)
    halves = None if args.half is None else Halves(model, args.half)
    cells = holdout_cells(model.space)[:200]
    start = time.time()

    def callback(step: int) -> bool:
        if step % args.every == 0:
            row = measure(model, cells, halves) | {"step": step, "minutes": round((time.time() - start) / 60, 1)}
            print(json.dumps(row), flush=True)
        return False

    if halves is not None:
        train_half(halves, args.steps, callback)
        return
    pretrain_vae(model, steps=args.steps, batch_size=128, lr=2e-3, halve_every=4000, seed=0, callback=callback)


if __name__ == "__main__":
    main()
