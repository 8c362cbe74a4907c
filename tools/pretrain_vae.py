"""Pretrain the shipped graph-VAE weights (encoder + decoder) until they reconstruct, and
measure them: ``lso_sampler/models/pretrained/`` gets the weights and an entry in
``manifest.json`` with the measures (benchmarks/README.md#pretrained-graph-vaes-reconstruction-of-unseen-cells).

Query-free: the VAE learns to reconstruct random cells of each space
(:func:`lso_sampler.models.pretrain.pretrain_vae`); the space's held-out cells
(:func:`~lso_sampler.models.pretrain.holdout_cells`) are never drawn. Every ``--eval-every``
steps the first 500 held-out cells (validation) are reconstructed; pretraining stops when
``--target`` of them come back exactly, or at ``--max-steps`` / ``--max-minutes``. The other
held-out cells (test) then give the reported reconstruction accuracy; prior validity,
uniqueness and novelty (not among the cells trained on) come from ``--prior`` draws of
``z ~ N(0, I)`` decoded by sampling.

    python tools/pretrain_vae.py dvae:nasbench201 svge:nasbench201 gin:nasbench201 dvae:darts ...

A long run can go in pieces: with ``--checkpoint FILE`` the state to go on from is written
every ``--eval-every`` steps, and a run started with an existing FILE continues it
(``--max-minutes`` counts this piece; the weights are those of a run that never stopped).
Each piece saves and records the weights it stopped at.

``--set FIELD=VALUE`` (repeatable) overrides a model option the space otherwise decides
(``encoder_positions=true``, ``encoder_readout=concat``, ``decoder_positions=true``,
``teacher_pcs=10``, ``teacher_whiten=false``, ``hidden_dim=128``, ``latent_dim=64``, see
:class:`~lso_sampler.models.graph_vae.GraphVAEConfig`), to pretrain a
model the space does not yet default to; the manifest keeps one entry per encoder, space and
options (a new one replaces the entry of the same three, and its file).

``--measure`` measures the shipped default weights of each ``encoder:space`` instead (those
kept from an older recipe too: novelty then counts against that recipe's draws, replayed)
and records them in the manifest.

One torch thread. The shipped weights are what ``GraphVAESearch`` would pretrain itself with
the number of steps this tool stopped at (``load_or_pretrain_vae``; the learning-rate
schedule does not depend on the total), on the same thread count and math library (another
may round differently); the manifest's ``steps`` is the strategies' default for that space.
"""

from __future__ import annotations

import argparse
import fcntl
import inspect
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.models.pretrain import (
    MANIFEST,
    PRETRAIN_SEED,
    RECIPES,
    VALIDATION_SIZE,
    default_vae_steps,
    holdout_cells,
    load_or_pretrain_vae,
    pretrain_vae,
    vae_pretrained_name,
)
from lso_sampler.spaces import BUILTIN_SPACES

OUT = Path(__file__).resolve().parents[1] / "lso_sampler/models/pretrained"


def reconstruction(model: GraphVAE, cells: list, sample: bool = False, seed: int = 0) -> float:
    """Share of ``cells`` decoded (greedily) to themselves from the posterior mean, or from
    one posterior sample each with ``sample``."""
    space = model.space
    with torch.no_grad():
        mu, logvar = model.encode_cells(cells)
        if sample:
            noise = torch.randn(mu.shape, generator=torch.Generator().manual_seed(seed))
            mu = mu + noise * torch.exp(0.5 * logvar)
        decoded = model.decode(mu)
    return float(np.mean([space.key(a) == space.key(b) for a, b in zip(cells, decoded)]))


def prior_measures(model: GraphVAE, seen: set[str], n: int, seed: int = 0) -> dict[str, float]:
    """Validity, uniqueness (of the valid) and novelty (valid and not trained on) of ``n``
    prior draws decoded by sampling."""
    space = model.space
    z = torch.randn(n, model.latent_dim, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        cells = model.decode(z, np.random.default_rng(seed))
    valid = [c for c in cells if space.is_valid(c)]
    keys = [space.key(c) for c in valid]
    return {
        "prior_validity": len(valid) / n,
        "uniqueness": len(set(keys)) / max(len(keys), 1),
        "novelty": sum(k not in seen for k in keys) / max(len(keys), 1),
    }


#: Cells per step of pretrain_vae (recipe 2).
BATCH = inspect.signature(pretrain_vae).parameters["batch_size"].default
#: Cells per pretraining step and whether held-out cells were excluded, per recipe.
RECIPE_DRAWS = {"1": (32, False), "2": (BATCH, True), "3": (BATCH, True), "4": (BATCH, True)}


def replay_keys(space, steps: int, recipe: str) -> tuple[set[str], int]:
    """Keys of the cells a pretraining run of ``steps`` steps of ``recipe`` drew (seed 0),
    and how many held-out cells were among them (0 from recipe 2 on)."""
    batch, exclude = RECIPE_DRAWS[recipe]
    held = {space.key(c) for c in holdout_cells(space)}
    rng = np.random.default_rng(0)
    seen: set[str] = set()
    for _ in range(steps * batch):
        cell = space.sample(rng)
        key = space.key(cell)
        for _ in range(100 if exclude else 0):
            if key not in held:
                break
            cell = space.sample(rng)
            key = space.key(cell)
        seen.add(key)
    return seen, len(seen & held)


def record(out: Path, entry: dict) -> None:
    """Put ``entry`` in the manifest, replacing the one of the same kind, space and model
    options (merged into it when it names the same file: ``--measure`` keeps the training
    curve; the replaced entry's weights file is deleted when it names another)."""
    manifest_path = out / MANIFEST
    with open(out / ".manifest.lock", "w") as lock:  # several runs may finish at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"weights": []}

        def same(e: dict) -> bool:
            options = all(e.get(k) == entry.get(k) for k in RECORDED)
            return e["kind"] == entry["kind"] and e["space"] == entry["space"] and options

        old = next((e for e in manifest["weights"] if same(e) and e["file"] == entry["file"]), {})
        for stale in (e["file"] for e in manifest["weights"] if same(e) and e["file"] != entry["file"]):
            (out / stale).unlink(missing_ok=True)  # the replaced weights
        entries = [e for e in manifest["weights"] if not same(e)]
        manifest["weights"] = sorted([*entries, {**old, **entry}], key=lambda e: (e["kind"], e["space"]))
        tmp = manifest_path.with_suffix(".json.tmp")  # readers never see half a file
        tmp.write_text(json.dumps(manifest, indent=1) + "\n")
        os.replace(tmp, manifest_path)


def measure_shipped(item: str, args: argparse.Namespace) -> None:
    """Measure the shipped default weights of ``item`` and record them."""
    encoder, name = item.split(":")
    space = BUILTIN_SPACES[name]()
    config = GraphVAEConfig(encoder=encoder).for_space(space)
    steps, recipe = default_vae_steps(space, config)
    model = GraphVAE(space, config)
    model.load_vae_state_dict(load_or_pretrain_vae(space, config))
    model.eval()
    test = holdout_cells(space)[VALIDATION_SIZE:]
    seen, leaked = replay_keys(space, steps, recipe)
    measures = {
        "reconstruction": reconstruction(model, test),
        "reconstruction_sampled": reconstruction(model, test, sample=True),
        **prior_measures(model, seen, args.prior),
        "distinct_cells_trained_on": len(seen),
        "held_out_cells_trained_on": leaked,
    }
    entry = {
        "file": vae_pretrained_name(space, config, steps, recipe),
        "kind": f"gvae-{encoder}",
        "space": name,
        **model_options(config),
        "recipe": recipe,
        "steps": steps,
        "batch_size": RECIPE_DRAWS[recipe][0],
        "held_out_test_cells": len(test),
        **{k: round(v, 4) if isinstance(v, float) else v for k, v in measures.items()},
    }
    record(args.out, entry)
    print(f"{item} (recipe {recipe}, {steps} steps): {measures}", flush=True)


#: How the reconstruction table names the model options a manifest entry records, by value.
OPTION_LABELS: dict[str, dict[object, str]] = {
    "encoder_positions": {True: ", node indices"},
    "encoder_readout": {"concat": ", concatenation readout", "concat+sum": ", concatenation + sum readout"},
    "decoder_positions": {True: ", decoder index logits"},
    "teacher_pcs": {k: f", teacher map ({k} PCs)" for k in range(1, 257)},
    "teacher_whiten": {False: " at their own scale"},
}

#: The widths a manifest entry records where they depart from :class:`GraphVAEConfig`'s
#: defaults, and how the reconstruction table names them.
WIDTH_LABELS: dict[str, str] = {"hidden_dim": ", {}-wide states", "latent_dim": ", {}-dim latent"}

#: Every model option a manifest entry may record (and ``--set`` may override).
RECORDED = (*OPTION_LABELS, *WIDTH_LABELS)


def model_options(config: GraphVAEConfig) -> dict[str, object]:
    """The config's departures from the published D-VAE (node indices, the concatenation
    readout, the decoder's index logits, the teacher map, node states not 64 wide, a latent
    not 32 wide), as the manifest records them."""
    defaults = GraphVAEConfig()
    return {
        k: v
        for k, v in config.vae_dict().items()
        if k in OPTION_LABELS or (k in WIDTH_LABELS and v != getattr(defaults, k))
    }


def table(out: Path) -> str:
    """The manifest's graph VAEs as the markdown table of benchmarks/README.md."""
    manifest = json.loads((out / MANIFEST).read_text())["weights"]
    lines = [
        "| space | encoder | recipe | steps x batch | train min | recon. % (mean) | recon. % (sample) "
        "| prior validity % | uniqueness % | novelty % |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for e in manifest:
        if not e["kind"].startswith("gvae-") or "reconstruction" not in e:
            continue
        keys = ("reconstruction", "reconstruction_sampled", "prior_validity", "uniqueness", "novelty")
        pct = [f"{100 * e[k]:.2f}" for k in keys]
        # an entry records an option only where it departs from D-VAE (GraphVAEConfig.vae_dict)
        encoder = e["kind"].removeprefix("gvae-") + "".join(OPTION_LABELS[k][e[k]] for k in OPTION_LABELS if k in e)
        encoder += "".join(WIDTH_LABELS[k].format(e[k]) for k in WIDTH_LABELS if k in e)
        lines.append(
            f"| {e['space']} | {encoder} "
            f"| {e['recipe']} | {e['steps']} x {e['batch_size']} "
            f"| {e.get('train_minutes', '–')} | " + " | ".join(pct) + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", help="encoder:space, e.g. dvae:nasbench201")
    parser.add_argument("--max-steps", type=int, default=40_000)
    parser.add_argument("--max-minutes", type=float, default=120.0)
    parser.add_argument("--eval-every", type=int, default=1000)
    parser.add_argument("--target", type=float, default=0.995, help="validation reconstruction to stop at")
    parser.add_argument("--prior", type=int, default=1000, help="prior draws for validity/uniqueness/novelty")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        help="state file written every --eval-every steps; a run given an existing one goes on from it "
        "(one model per file)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help=f"override a model option the space decides, one of {list(RECORDED)}",
    )
    parser.add_argument("--measure", action="store_true", help="measure the shipped default weights instead")
    parser.add_argument("--table", action="store_true", help="print the manifest's measures as markdown")
    args = parser.parse_args()
    try:
        args.options = parse_options(args.set)
    except ValueError as err:
        parser.error(str(err))
    if args.table:
        print(table(args.out))
        return
    torch.set_num_threads(1)
    for item in args.models:
        if args.measure:
            measure_shipped(item, args)
        else:
            train(item, args)


def parse_options(pairs: list[str]) -> dict[str, object]:
    """``--set`` pairs as :class:`GraphVAEConfig` fields (``true``/``false`` for the flags,
    a whole number for ``teacher_pcs``, ``hidden_dim`` and ``latent_dim``).

    Raises:
        ValueError: for an unknown field or a value it cannot take.
    """
    options: dict[str, object] = {}
    for pair in pairs:
        field, _, value = pair.partition("=")
        if field not in RECORDED or not value:
            raise ValueError(f"--set: expected FIELD=VALUE with FIELD one of {list(RECORDED)}, got {pair!r}")
        if field == "encoder_readout":
            options[field] = value
        elif field == "teacher_pcs" or field in WIDTH_LABELS:
            if not value.isdigit():
                raise ValueError(f"--set: {field} takes a whole number, got {value!r}")
            options[field] = int(value)
        elif value.lower() in ("true", "false"):
            options[field] = value.lower() == "true"
        else:
            raise ValueError(f"--set: {field} takes true or false, got {value!r}")
    try:
        GraphVAEConfig(**options)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise ValueError(f"--set: {err}") from None
    return options


def train(item: str, args: argparse.Namespace) -> None:
    """Pretrain ``item`` (``encoder:space``) until it reconstructs; save, measure, record."""
    encoder, name = item.split(":")
    space = BUILTIN_SPACES[name]()
    config = GraphVAEConfig(encoder=encoder, **args.options).for_space(space)  # type: ignore[arg-type]
    torch.manual_seed(PRETRAIN_SEED)  # as load_or_pretrain_weights: the weights depend on the steps alone
    model = GraphVAE(space, config)
    held = holdout_cells(space)
    validation, test = held[:VALIDATION_SIZE], held[VALIDATION_SIZE:]
    if not validation or not test:
        raise SystemExit(f"{item}: the space holds out {len(held)} cells, too few to measure reconstruction")
    seen: set[str] = set()
    curve: list[tuple[int, float, float]] = []
    earlier_s = 0.0  # training seconds of the runs a checkpoint continues
    resume = None
    checkpoint: Path | None = args.checkpoint
    if checkpoint is not None and checkpoint.is_file():
        saved = torch.load(checkpoint, weights_only=True)
        if (saved["item"], saved["recipe"], saved.get("config")) != (item, RECIPES["gvae"], config.vae_dict()):
            raise SystemExit(
                f"--checkpoint: {checkpoint} continues {saved['item']} (recipe {saved['recipe']}, "
                f"config {saved.get('config')}), not {item} (recipe {RECIPES['gvae']}, config "
                f"{config.vae_dict()}); name another file"
            )
        resume, curve, earlier_s = saved["state"], [tuple(c) for c in saved["curve"]], saved["train_seconds"]
        print(f"{item}: resuming from step {resume['step']} ({checkpoint})", flush=True)
    start = time.perf_counter()

    def minutes() -> float:
        return (earlier_s + time.perf_counter() - start) / 60

    snapshots: list[dict] = []  # the loop's state at the last evaluation step

    def save() -> None:
        """Write the state to resume from, with the curve so far, to ``--checkpoint`` (atomically)."""
        assert checkpoint is not None
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        tmp = checkpoint.with_suffix(".tmp")
        saved = {
            "item": item,
            "recipe": RECIPES["gvae"],
            "config": config.vae_dict(),
            "state": snapshots.pop(),
            "curve": curve,
        }
        torch.save({**saved, "train_seconds": earlier_s + time.perf_counter() - start}, tmp)
        os.replace(tmp, checkpoint)

    def check(step: int) -> bool:
        if step % args.eval_every:
            return False
        acc = reconstruction(model, validation)
        curve.append((step, acc, round(minutes(), 2)))
        print(f"{item} step {step}: validation reconstruction {acc:.4f} ({minutes():.1f} min)", flush=True)
        if snapshots:
            save()
        return acc >= args.target or (time.perf_counter() - start) / 60 >= args.max_minutes

    losses = pretrain_vae(
        model,
        steps=args.max_steps,
        seed=PRETRAIN_SEED,
        seen=seen,
        callback=check,
        resume=resume,
        snapshot=snapshots.append if checkpoint is not None else None,
        snapshot_every=args.eval_every,
    )
    steps = len(losses)
    train_s = earlier_s + time.perf_counter() - start
    if resume is not None:  # the cells drawn before the resume, replayed
        seen = replay_keys(space, steps, RECIPES["gvae"])[0]
    measures = {
        "reconstruction": reconstruction(model, test),
        "reconstruction_sampled": reconstruction(model, test, sample=True),
        **prior_measures(model, seen, args.prior),
        "distinct_cells_trained_on": len(seen),
    }
    file = vae_pretrained_name(space, model.config, steps)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save(model.vae_state_dict(), args.out / file)
    record(
        args.out,
        {
            "file": file,
            "kind": f"gvae-{encoder}",
            "space": name,
            **model_options(config),
            "recipe": RECIPES["gvae"],
            "steps": steps,
            "batch_size": BATCH,
            "train_minutes": round(train_s / 60, 1),
            "held_out_test_cells": len(test),
            "validation_curve": curve,
            **{k: round(v, 4) if isinstance(v, float) else v for k, v in measures.items()},
        },
    )
    print(f"{item}: {steps} steps in {train_s / 60:.1f} min; {measures}; wrote {file}", flush=True)


if __name__ == "__main__":
    main()
