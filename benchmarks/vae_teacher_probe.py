"""A graph VAE pretrained to reconstruct, with a teacher loss that keeps a predictive latent.

On DARTS the shipped gated-sum VAE reconstructs no unseen cell, yet its latent predicts
NAS-Bench-301 from 32 cells better than any converging VAE's (benchmarks/README.md,
"Pretrained graph VAEs"). This script pretrains a VAE with other model options (by default
the concatenation readout plus the gated sum, node indices and index logits) on the usual
reconstruction + KL loss plus ``--lam`` x a teacher loss: a linear head on the posterior
mean must give the top ``--pcs`` principal components (each scaled to unit variance) of the
gated-sum VAE's posterior mean of the same cell (``benchmarks.levers.teacher_encoder``, the
components fitted on 5,000 random cells). Cells only, no benchmark value: the teacher is a
query-free pretrained VAE itself.

It goes on from a ``tools/pretrain_vae.py --checkpoint`` file (``--init``; its model options
and step, a fresh optimiser at ``--lr``, the learning rate halved every 4,000 of this run's
steps) or starts from scratch, and every ``--every`` steps writes a folder
``OUT/s{step}`` with the weights and a manifest entry, as ``tools/pretrain_vae.py --out``
does, for ``benchmarks/latent_predictiveness.py --vae`` and
``lso-sampler compare`` runs, and prints the mean losses and the share of the first 200
validation cells reconstructed (DARTS: per part, ``benchmarks/darts_vae_probe.py``'s
measure)::

    OMP_NUM_THREADS=1 python benchmarks/vae_teacher_probe.py --space darts --init CKPT \\
        --steps 5000 --lam 1 --out DIR

The head's weights are not kept: ``benchmarks.levers.teacher_map`` refits the same map by
least squares where a search reads it. One torch thread.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from benchmarks.darts_vae_probe import measure
from benchmarks.levers import teacher_encoder
from lso_sampler.cell import Cell
from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.models.pretrain import _pretrain_loop, holdout_cells, vae_pretrained_name
from lso_sampler.spaces import BUILTIN_SPACES
from lso_sampler.spaces.base import SearchSpace

#: Model options of the VAE trained (the fields ``tools/pretrain_vae.py --set`` takes).
OPTIONS = ("encoder_positions", "encoder_readout", "decoder_positions")


def reconstructed(model: GraphVAE, space: SearchSpace, cells: list[Cell]) -> dict[str, float]:
    """Share of ``cells`` whose posterior mean decodes to the cell (DARTS: per part too)."""
    if space.name == "darts":
        return measure(model, cells)
    with torch.no_grad():
        decoded = model.decode(model.encode_cells(cells)[0])
    return {"exact": sum(space.key(a) == space.key(b) for a, b in zip(cells, decoded, strict=True)) / len(cells)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="darts", choices=sorted(BUILTIN_SPACES))
    parser.add_argument("--init", type=Path, default=None, help="a tools/pretrain_vae.py --checkpoint file")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help=f"model option without --init, one of {list(OPTIONS)}")  # fmt: skip
    parser.add_argument("--lam", type=float, default=1.0, help="weight of the teacher loss")
    parser.add_argument("--pcs", type=int, default=10, help="teacher components to predict")
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.lam < 0 or args.pcs < 1 or args.steps < 1 or args.every < 1:
        parser.error("--lam must be >= 0 and --pcs, --steps, --every >= 1")
    torch.set_num_threads(1)
    space = BUILTIN_SPACES[args.space]()
    options: dict[str, object] = {"encoder_positions": True, "encoder_readout": "concat+sum", "decoder_positions": True}
    first, state = 0, None
    if args.init is not None:
        if args.set:
            parser.error("--set: the model options come from --init's checkpoint")
        saved = torch.load(args.init, weights_only=True)
        if saved["item"] != f"dvae:{space.name}":
            parser.error(f"--init: {args.init} is a checkpoint of {saved['item']}, not dvae:{space.name}")
        options = {k: saved["config"][k] for k in OPTIONS}
        state, first = saved["state"]["model"], int(saved["state"]["step"])
    for item in args.set:
        field, _, value = item.partition("=")
        if field not in OPTIONS:
            parser.error(f"--set: {field!r} is not one of {list(OPTIONS)}")
        options[field] = value if field == "encoder_readout" else value.lower() in ("1", "true", "yes")
    teacher = teacher_encoder(space, pcs=args.pcs)

    def target(cells: list[Cell]) -> torch.Tensor:
        return teacher(cells).float()

    config = GraphVAEConfig(**options).for_space(space)  # type: ignore[arg-type]
    torch.manual_seed(args.seed)  # the student's (without --init) and the head's initialisation
    student = GraphVAE(space, config)
    if state is not None:
        student.load_state_dict(state)

    class WithHead(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.vae = student
            self.head = nn.Linear(config.latent_dim, args.pcs)

    box = WithHead()
    losses: dict[str, list[float]] = {"rec": [], "teacher": []}

    def loss_fn(cells: list[Cell]) -> torch.Tensor:
        x, types, adj, mask = student.tensors(cells)
        mu, logvar = student.encode(x, adj, mask)
        z = mu + torch.randn(mu.shape) * torch.exp(0.5 * logvar)
        rec = student.decoder.loss(z, types, adj, mask)
        kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
        teach = (box.head(mu) - target(cells)).pow(2).sum(1)
        losses["rec"].append(rec.mean().item())
        losses["teacher"].append(teach.mean().item())
        return (rec + config.beta * kl + args.lam * teach).mean()

    validation = holdout_cells(space)[:200]
    started = time.time()

    def callback(step: int) -> bool:
        if step % args.every:
            return False
        total = first + step
        folder = args.out / f"s{total}"
        folder.mkdir(parents=True, exist_ok=True)
        name = vae_pretrained_name(space, config, total)
        torch.save(student.vae_state_dict(), folder / name)
        entry = {"file": name, "kind": "gvae-dvae", "space": space.name, "steps": total, **options}
        (folder / "manifest.json").write_text(json.dumps({"weights": [entry]}, indent=1) + "\n")
        means = {k: round(float(np.mean(v[-args.every :])), 3) for k, v in losses.items()}
        minutes = round((time.time() - started) / 60, 1)
        measures = reconstructed(student, space, validation)
        print(json.dumps({"step": total, **means, "minutes": minutes, **measures}), flush=True)
        return False

    params = [p for n, p in box.named_parameters() if not n.startswith(("vae.perf.", "vae.comp."))]
    exclude = frozenset(space.key(c) for c in holdout_cells(space))
    _pretrain_loop(box, space, params, loss_fn, steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                   betas=(0.9, 0.999), grad_clip=5.0, seed=args.seed, log_every=0, exclude=exclude,
                   halve_every=4000, callback=callback)  # fmt: skip


if __name__ == "__main__":
    main()
