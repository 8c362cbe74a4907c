"""A graph VAE pretrained to reconstruct, with a teacher loss that keeps a predictive latent.

On DARTS the shipped gated-sum VAE reconstructs no unseen cell, yet its latent predicts
NAS-Bench-301 from 32 cells better than any converging VAE's (benchmarks/README.md,
"Pretrained graph VAEs"). This script pretrains a VAE with other model options (by default
the concatenation readout plus the gated sum, node indices and index logits) on the usual
reconstruction + KL loss plus ``--lam`` x a teacher loss: a linear head on the posterior
mean must give the top ``--pcs`` principal components (each scaled to unit variance) of the
gated-sum VAE's posterior mean of the same cell
(``lso_sampler.models.pretrain.teacher_encoder``, the components fitted on 5,000 random
cells). Cells only, no benchmark value: the teacher is a query-free pretrained VAE itself.
The library pretrains the same loss into a model whose predictors read the head
(``GraphVAEConfig(teacher_pcs=10)``, ``tools/pretrain_vae.py --set teacher_pcs=10``); this
script goes on from other runs with other settings, to see where the loss leads.

It goes on from a ``tools/pretrain_vae.py --checkpoint`` file or from a folder this script
wrote (``--init``; its model options and step, a fresh optimiser at ``--lr``, the learning
rate halved every 4,000 of this run's steps; from a folder the head starts at the
least-squares map of the posterior means onto the targets, on the 5,000 random cells of
``lso_sampler.models.pretrain.teacher_cells``) or starts from scratch, and every
``--every`` steps writes a folder ``OUT/s{step}`` with the weights and a manifest entry, as
``tools/pretrain_vae.py --out`` does, for ``benchmarks/latent_predictiveness.py --vae`` and
``lso-sampler compare`` runs, and prints the mean losses and the share of the first 200
validation cells reconstructed (DARTS: per part, ``benchmarks/darts_vae_probe.py``'s
measure)::

    OMP_NUM_THREADS=1 python benchmarks/vae_teacher_probe.py --space darts --init CKPT \\
        --steps 5000 --lam 1 --out DIR

With ``--checkpoint FILE`` the state to go on from (model, head, optimiser, random states) is
written every ``--every`` steps, and a run started with an existing FILE and the same
arguments (``--steps`` aside: the total to reach) continues it: a long run can go in pieces
and ends with the weights of a run that never stopped.

The head's weights are not kept in the folders: ``benchmarks.levers.teacher_map`` refits the
same map by least squares where a search reads it. One torch thread.
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
from benchmarks.levers import teacher_map
from lso_sampler.cell import Cell
from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.models.pretrain import _pretrain_loop, holdout_cells, teacher_encoder, vae_pretrained_name
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
    parser.add_argument("--init", type=Path, default=None,
                        help="a tools/pretrain_vae.py --checkpoint file, or a folder this script wrote")  # fmt: skip
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
    parser.add_argument("--checkpoint", type=Path, default=None,
                        help="state file to write, and to go on from if it exists")  # fmt: skip
    args = parser.parse_args()
    if args.lam < 0 or args.pcs < 1 or args.steps < 1 or args.every < 1:
        parser.error("--lam must be >= 0 and --pcs, --steps, --every >= 1")
    torch.set_num_threads(1)
    space = BUILTIN_SPACES[args.space]()
    options: dict[str, object] = {"encoder_positions": True, "encoder_readout": "concat+sum", "decoder_positions": True}
    first, state, vae_only = 0, None, False
    if args.init is not None:
        if args.set:
            parser.error("--set: the model options come from --init")
        if args.init.is_dir():
            manifest = args.init / "manifest.json"
            entries = json.loads(manifest.read_text())["weights"] if manifest.is_file() else []
            if len(entries) != 1 or entries[0].get("space") != space.name:
                parser.error(f"--init: {args.init} holds no single entry of {space.name} (a folder this script wrote)")
            options = {k: entries[0][k] for k in OPTIONS}
            state = torch.load(args.init / entries[0]["file"], weights_only=True)
            first, vae_only = int(entries[0]["steps"]), True
        else:
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
    teacher, targets = teacher_encoder(space, pcs=args.pcs)

    def target(cells: list[Cell]) -> torch.Tensor:
        return teacher(cells).float()

    # its own head is the map onto the teacher: the VAE has none, whatever the space defaults to
    config = GraphVAEConfig(**options, teacher_pcs=0).for_space(space)  # type: ignore[arg-type]
    torch.manual_seed(args.seed)  # the student's (without --init) and the head's initialisation
    student = GraphVAE(space, config)
    if state is not None:
        (student.load_vae_state_dict if vae_only else student.load_state_dict)(state)

    class WithHead(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.vae = student
            self.head = nn.Linear(config.latent_dim, args.pcs)

    box = WithHead()
    if vae_only:
        weight, bias = teacher_map(space, student, args.pcs, target=targets)
        with torch.no_grad():
            box.head.weight.copy_(weight)
            box.head.bias.copy_(bias)
    losses: dict[str, list[float]] = {"rec": [], "teacher": []}

    def loss_fn(cells: list[Cell]) -> torch.Tensor:
        rec, kl, _, mu = student.vae_terms(*student.tensors(cells))
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
    resume, snapshot = None, None
    if args.checkpoint is not None:
        if args.checkpoint.is_file():
            saved = torch.load(args.checkpoint, weights_only=False)
            if saved["args"] != vars(args) | {"checkpoint": None, "steps": None}:
                parser.error(f"--checkpoint: {args.checkpoint} was written with other arguments: {saved['args']}")
            resume = saved["state"]
            for name, values in saved["losses"].items():
                losses[name].extend(values)
            print(f"resuming from step {first + int(resume['step'])} ({args.checkpoint})", flush=True)

        def snapshot(state: dict[str, object]) -> None:
            assert args.checkpoint is not None
            tmp = args.checkpoint.with_suffix(".tmp")
            run = vars(args) | {"checkpoint": None, "steps": None}
            torch.save({"args": run, "state": state, "losses": losses}, tmp)
            tmp.replace(args.checkpoint)

    _pretrain_loop(box, space, params, loss_fn, steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                   betas=(0.9, 0.999), grad_clip=5.0, seed=args.seed, log_every=0, exclude=exclude,
                   halve_every=4000, callback=callback, resume=resume, snapshot=snapshot,
                   snapshot_every=args.every if snapshot is not None else 0)  # fmt: skip


if __name__ == "__main__":
    main()
