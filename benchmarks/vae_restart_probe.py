"""A graph VAE's pretraining gone on from a checkpoint with its learning rate started again.

``tools/pretrain_vae.py`` halves the learning rate every 4,000 steps; where validation
reconstruction stops rising before the target, this probe asks whether a warm restart lifts
it. From the state a ``tools/pretrain_vae.py --checkpoint`` file holds (weights, optimiser,
random states, step ``s``), training goes on with the same random cells and loss as the tool's,
at the learning rate ``--lr`` halved every ``--halve-every`` steps from ``s`` on. Every
``--eval-every`` steps it prints the validation reconstruction (the first 500 held-out
cells, as the tool measures it) and, with ``--out DIR``, keeps the weights of that step; at
the end the test reconstruction from the posterior mean and from one posterior sample (the
tool's measures)::

    python benchmarks/vae_restart_probe.py CHECKPOINT --lr 1.25e-4 --halve-every 2000 --max-minutes 100

It stops at ``--max-steps`` (counted as the tool counts, from 0) or ``--max-minutes``. One
torch thread; cells only, no benchmark value.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.models.pretrain import PRETRAIN_SEED, VALIDATION_SIZE, holdout_cells, pretrain_vae
from lso_sampler.spaces import BUILTIN_SPACES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from pretrain_vae import reconstruction  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint", type=Path, help="a tools/pretrain_vae.py --checkpoint file")
    parser.add_argument("--lr", type=float, required=True, help="learning rate at the checkpoint's step")
    parser.add_argument("--halve-every", type=int, required=True, help="steps between halvings from there on")
    parser.add_argument("--max-steps", type=int, default=100_000)
    parser.add_argument("--max-minutes", type=float, default=60.0)
    parser.add_argument("--eval-every", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=None, help="folder for the weights at each evaluation")
    args = parser.parse_args()
    if args.lr <= 0 or args.halve_every <= 0 or args.eval_every <= 0:
        parser.error("--lr, --halve-every and --eval-every must be positive")
    torch.set_num_threads(1)
    saved = torch.load(args.checkpoint, weights_only=True)
    name = saved["item"].split(":", 1)[1]
    space = BUILTIN_SPACES[name]()
    torch.manual_seed(PRETRAIN_SEED)
    model = GraphVAE(space, GraphVAEConfig(**saved["config"]).for_space(space))
    start = int(saved["state"]["step"])
    if args.max_steps <= start:
        parser.error(f"--max-steps: the checkpoint is at step {start}; give more")
    held = holdout_cells(space)
    validation, test = held[:VALIDATION_SIZE], held[VALIDATION_SIZE:]

    def lr_at(step: int) -> float:
        return args.lr * 0.5 ** ((step - start) // args.halve_every)

    began = time.perf_counter()
    print(f"{saved['item']}: from step {start}, learning rate {args.lr:g} halved every {args.halve_every}", flush=True)

    def check(step: int) -> bool:
        if (step - start) % args.eval_every:
            return False
        minutes = (time.perf_counter() - began) / 60
        acc = reconstruction(model, validation)
        print(
            f"step {step}: lr {lr_at(step - 1):.3g}, validation reconstruction {acc:.4f} ({minutes:.1f} min)",
            flush=True,
        )
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            torch.save(model.vae_state_dict(), args.out / f"step{step}.pt")
        return minutes >= args.max_minutes

    losses = pretrain_vae(
        model, steps=args.max_steps, seed=PRETRAIN_SEED, callback=check, resume=saved["state"], lr_schedule=lr_at
    )
    steps = len(losses)
    print(
        f"stopped at step {steps}: test reconstruction {reconstruction(model, test):.4f} (posterior mean), "
        f"{reconstruction(model, test, sample=True):.4f} (one posterior sample) of {len(test)} cells",
        flush=True,
    )


if __name__ == "__main__":
    main()
