"""How closely a graph VAE's ``teacher`` map gives the teacher's latent on cells it never saw.

A VAE pretrained with ``GraphVAEConfig(teacher_pcs=K)`` carries a linear map of its latent
that learns to give the gated-sum teacher's top ``K`` principal components of the same cell
(``lso_sampler.models.pretrain.teacher_encoder``); the search's predictors read that map. This
script measures the map on the space's held-out test cells (``holdout_cells`` after the
validation ones, never drawn in pretraining): R^2 of the map of the posterior means against
the teacher's components, over all components and per component (the first ``--show``), with
each component's variance. It reads a space's shipped default VAE (the space's name),
``tools/pretrain_vae.py --checkpoint`` files (the weights at the step they were written) and
``--out`` folders (the weights their manifest names)::

    python benchmarks/teacher_fit.py darts
    python benchmarks/teacher_fit.py DIR_A CHECKPOINT_B --cells 1000

One torch thread; encoding the cells takes seconds.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import torch

from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.models.pretrain import (
    VALIDATION_SIZE,
    _posterior_means,
    default_vae_steps,
    entry_options,
    holdout_cells,
    load_or_pretrain_vae,
    teacher_encoder,
)
from lso_sampler.spaces import BUILTIN_SPACES


def load(path: Path) -> tuple[str, GraphVAE, str]:
    """The space name, the VAE and a label (its pretraining steps) of a built-in space's
    shipped default VAE (``path`` is the space's name), a checkpoint file or a ``--out``
    folder with one graph-VAE entry."""
    if str(path) in BUILTIN_SPACES:
        space = BUILTIN_SPACES[str(path)]()
        config = GraphVAEConfig().for_space(space)
        model = GraphVAE(space, config)
        if model.teacher is None:
            raise SystemExit(f"{path}: this space's VAE has no teacher map (teacher_pcs is 0)")
        model.load_vae_state_dict(load_or_pretrain_vae(space, config))
        return space.name, model, f"shipped, {default_vae_steps(space, config)[0]} steps"
    if path.is_dir():
        entries = [e for e in json.loads((path / "manifest.json").read_text())["weights"] if e["kind"] == "gvae-dvae"]
        if len(entries) != 1:
            raise SystemExit(f"{path}: expected one gvae-dvae entry in its manifest.json, found {len(entries)}")
        (entry,) = entries
        config: dict[str, Any] = {"encoder": "dvae", **entry_options(entry)}
        space_name, state, steps = entry["space"], torch.load(path / entry["file"], weights_only=True), entry["steps"]
    else:
        saved = torch.load(path, weights_only=True)
        space_name = saved["item"].split(":", 1)[1]
        config, state, steps = dict(saved["config"]), saved["state"]["model"], saved["state"]["step"]
    space = BUILTIN_SPACES[space_name]()
    model = GraphVAE(space, GraphVAEConfig(**config).for_space(space))
    if model.teacher is None:
        raise SystemExit(f"{path}: this VAE has no teacher map (teacher_pcs is 0)")
    model.load_vae_state_dict(state)
    return space_name, model, f"{steps} steps"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("weights", nargs="+", type=Path, help="space names, checkpoint files or --out folders")
    parser.add_argument("--cells", type=int, default=1000, help="held-out test cells to measure on")
    parser.add_argument("--show", type=int, default=10, help="components listed one by one")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for path in args.weights:
        space_name, model, label = load(path)
        space = model.space
        cells = holdout_cells(space)[VALIDATION_SIZE : VALIDATION_SIZE + args.cells]
        encode, _ = teacher_encoder(space, model.config.teacher_pcs, whiten=model.config.teacher_whiten is not False)
        target = encode(cells).float()
        with torch.no_grad():
            mapped = model.teacher(_posterior_means(model, cells))
        residual = (mapped - target).pow(2)
        variance = target.var(0, unbiased=False)
        total = 1 - residual.sum() / (target - target.mean(0)).pow(2).sum()
        per = 1 - residual.mean(0) / variance
        print(f"{path} ({space_name}, {label}, {len(cells)} test cells): R^2 {total:.3f} over all components")
        print("  per component: " + " ".join(f"{r:.3f}" for r in per[: args.show].tolist()))
        print("  their variance: " + " ".join(f"{v:.2f}" for v in variance[: args.show].tolist()))


if __name__ == "__main__":
    main()
