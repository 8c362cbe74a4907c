"""Query-free pretraining of the generative models (AG-Net generator, graph VAE), with
shipped weights and an on-disk cache.

Every model goes the same way (:func:`load_or_pretrain_weights`): its weights are stored
under a name made of the model kind, the space's name and a digest of the space's
signature, the model config, the pretraining steps and the model's recipe version; they
are looked up among the shipped files (``lso_sampler/models/pretrained/``), then in the
user cache (:func:`cache_dir`), and otherwise pretrained and cached.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lso_sampler.cell import Cell
from lso_sampler.models.agnet import AGNetConfig, AGNetModel
from lso_sampler.models.graph_vae import _DVAE_OPTIONS, GraphVAE, GraphVAEConfig
from lso_sampler.spaces.base import SearchSpace

__all__ = [
    "RECIPES",
    "DEFAULT_VAE_STEPS",
    "cache_dir",
    "default_vae_steps",
    "holdout_cells",
    "load_or_pretrain",
    "load_or_pretrain_vae",
    "load_or_pretrain_weights",
    "pretrain_generator",
    "pretrain_vae",
    "pretrained_name",
    "shipped_entry",
    "teacher_cells",
    "teacher_encoder",
    "vae_pretrained_name",
    "weights_name",
]

#: Recipe version per model kind ("agnet": the AG-Net generator, "gvae": the graph VAE,
#: whatever its encoder). Bump one when that model's architecture or pretraining recipe
#: changes, so that its stored weights are no longer picked up. Graph VAE recipe 3 learns
#: the cells' ``representative`` forms (recipe 2: the cells as drawn); the two differ on
#: spaces with pruning only (NAS-Bench-101), so recipe-2 weights of the other spaces are
#: recipe-3 weights too. Recipe 4 is recipe 3 with NAS-Bench-Graph's representative the
#: first cell of the cell's benchmark record (recipe 3: the cell itself there); elsewhere the
#: two are the same.
RECIPES: dict[str, str] = {"agnet": "1", "gvae": "4"}

#: Seed of query-free pretraining.
PRETRAIN_SEED = 0

#: Seed of the held-out cells (:func:`holdout_cells`).
HOLDOUT_SEED = 2_147_483_647
#: Held-out cells per space: the first :data:`VALIDATION_SIZE` decide when pretraining has
#: converged (``tools/pretrain_vae.py``), the others measure it.
HOLDOUT_SIZE = 1500
VALIDATION_SIZE = 500

#: Graph VAE pretraining steps for a space without shipped weights.
DEFAULT_VAE_STEPS = 4000

MANIFEST = "manifest.json"

#: The teacher of a graph VAE with :attr:`~lso_sampler.models.graph_vae.GraphVAEConfig.teacher_pcs`:
#: D-VAE's gated-sum readout without node indices or index logits (on DARTS the config of
#: the weights that were its default until it learnt a map onto them), reading ``z`` itself.
TEACHER_CONFIG = GraphVAEConfig(
    encoder_positions=False, encoder_readout="sum", decoder_positions=False, teacher_pcs=0, teacher_whiten=True
)
#: Random cells the teacher's centring and principal components are fitted on, and their seed.
TEACHER_CELLS, TEACHER_SEED = 5000, 777
#: Weight of the teacher loss in graph-VAE pretraining (beside reconstruction + beta x KL).
TEACHER_WEIGHT = 1.0


def cache_dir() -> Path:
    """``$LSO_SAMPLER_CACHE``, else ``$XDG_CACHE_HOME/lso_sampler``, else ``~/.cache/lso_sampler``."""
    env = os.environ.get("LSO_SAMPLER_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lso_sampler"


def weights_name(kind: str, space: SearchSpace, config: Mapping[str, Any], steps: int, recipe: str) -> str:
    """File name of pretrained weights: ``{kind}-{space.name}-{digest}.pt``.

    The digest covers the space's signature, the model config, the pretraining steps and
    the recipe version, and nothing else (not the package version), so the names of
    shipped weights stay the same from one release to the next.

    Args:
        kind: The model kind as it starts the name (``"agnet"``, ``"gvae-dvae"``, ...).
        space: The search space.
        config: The fields of the model config that the weights depend on (JSON-able).
        steps: Pretraining steps.
        recipe: The model's recipe version (:data:`RECIPES`).
    """
    text = json.dumps([space.signature(), dict(config), steps, recipe], sort_keys=True)
    digest = hashlib.blake2b(text.encode(), digest_size=6).hexdigest()
    return f"{kind}-{space.name}-{digest}.pt"


def holdout_cells(space: SearchSpace, n: int = HOLDOUT_SIZE) -> list[Cell]:
    """Distinct random cells of ``space`` that graph-VAE pretraining never draws.

    They are the first distinct cells of ``4 n`` draws seeded with :data:`HOLDOUT_SEED`, at
    most ``n``, a third of the distinct cells those draws found and a tenth of
    ``space.num_configurations`` (so a small space keeps most of its cells to train on,
    and the share changes smoothly with the space's size).

    Args:
        space: The search space.
        n: How many cells to hold out at most.
    """
    rng = np.random.default_rng(HOLDOUT_SEED)
    found: dict[str, Cell] = {}
    for _ in range(4 * n):
        cell = space.sample(rng)
        found.setdefault(space.key(cell), cell)
    cells = list(found.values())
    return cells[: min(n, len(cells) // 3, space.num_configurations // 10)]


def _manifest() -> list[dict[str, Any]]:
    """Entries of the shipped weights' manifest (``pretrained/manifest.json``); none (and a
    warning) if it cannot be read."""
    path = _shipped(MANIFEST)
    if not path.is_file():
        return []
    try:
        return list(json.loads(path.read_text())["weights"])
    except (ValueError, KeyError, TypeError) as err:
        warnings.warn(f"{path}: unreadable ({err}); no shipped weights are used", RuntimeWarning, stacklevel=2)
        return []


def entry_options(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The model options of the weights a manifest entry names: the published D-VAE's, with
    the departures the entry records (an entry records only those, so an option it leaves out
    is D-VAE's, not the space's default), and ``hidden_dim`` and ``latent_dim`` where the
    entry records them."""
    options = {k: entry.get(k, plain) for k, plain in _DVAE_OPTIONS.items()}
    options.update({k: int(entry[k]) for k in ("hidden_dim", "latent_dim") if k in entry})
    return options


def shipped_entry(kind: str, space: SearchSpace, config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The manifest entry of the shipped weights of ``kind`` for ``space`` and ``config``
    (``steps``, ``recipe``, ``file`` and the measures ``tools/`` recorded), else ``None``.

    An entry counts only when its file name is the one :func:`weights_name` gives for its
    steps and recipe and that file is shipped, so a changed space signature or config
    finds nothing. Entries may
    name an older recipe than :data:`RECIPES` (weights not yet retrained).
    """
    for entry in _manifest():
        if entry["kind"] == kind and entry["space"] == space.name:
            name = weights_name(kind, space, config, int(entry["steps"]), str(entry["recipe"]))
            if name == entry["file"] and _shipped(name).is_file():
                return entry
    return None


def _shipped(name: str) -> Any:
    """The shipped file called ``name`` (it may not exist)."""
    return resources.files("lso_sampler.models").joinpath("pretrained", name)


def _load_weights(name: str) -> dict[str, torch.Tensor] | None:
    """The state dict called ``name``: shipped weights first, then the user cache."""
    for candidate in (_shipped(name), cache_dir() / name):
        if candidate.is_file():
            with candidate.open("rb") as f:
                return torch.load(f, map_location="cpu", weights_only=True)
    return None


def _save_weights(state: dict[str, torch.Tensor], path: Path) -> None:
    """Write ``state`` to ``path`` atomically: parallel workers never read half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_or_pretrain_weights(
    kind: str,
    space: SearchSpace,
    config: Mapping[str, Any],
    steps: int,
    pretrain: Callable[[], dict[str, torch.Tensor]],
    *,
    recipe: str,
    verbose: bool = False,
) -> dict[str, torch.Tensor]:
    """Pretrained weights of a model: shipped, else cached, else pretrained and cached.

    Looks for :func:`weights_name` among the shipped files (``lso_sampler/models/pretrained/``),
    then in :func:`cache_dir`. When neither has it, calls ``pretrain`` inside a fork of
    torch's global random state seeded with :data:`PRETRAIN_SEED` (so the weights depend
    on what the name is made of only, and the caller's torch random state is the same
    afterwards), and writes its result to the cache.

    Args:
        kind: The model kind as it starts the file name.
        space: The search space.
        config: The model config fields the weights depend on.
        steps: Pretraining steps (``pretrain`` is expected to take that many).
        pretrain: Builds the model, pretrains it and returns the weights to store.
        recipe: The model's recipe version (:data:`RECIPES`).
        verbose: Print a line when pretraining starts.
    """
    name = weights_name(kind, space, config, steps, recipe)
    found = _load_weights(name)
    if found is not None:
        return found
    cached = cache_dir() / name
    if verbose:
        print(f"pretraining {kind} for {space!r} ({steps} steps); cached as {cached}", flush=True)
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(PRETRAIN_SEED)
        state = pretrain()
    _save_weights(state, cached)
    return state


def _pretrain_loop(
    model: torch.nn.Module,
    space: SearchSpace,
    params: Sequence[torch.nn.Parameter],
    loss_fn: Callable[[list[Cell]], torch.Tensor],
    *,
    steps: int,
    batch_size: int,
    lr: float,
    betas: tuple[float, float],
    grad_clip: float | None,
    seed: int,
    log_every: int,
    exclude: frozenset[str] | None = None,
    halve_every: int | None = None,
    seen: set[str] | None = None,
    callback: Callable[[int], bool] | None = None,
    resume: Mapping[str, Any] | None = None,
    snapshot: Callable[[dict[str, Any]], None] | None = None,
    snapshot_every: int = 0,
    lr_schedule: Callable[[int], float] | None = None,
) -> list[float]:
    """The query-free pretraining loop: ``steps`` Adam steps on ``loss_fn`` of
    ``batch_size`` random cells of ``space`` each; returns the loss per step.

    Cells are drawn from a numpy generator seeded with ``seed``; torch's global random
    state is seeded with ``seed`` inside a fork of it (``loss_fn`` may draw from it) and is
    the same after the loop as before. A drawn cell whose key is in ``exclude`` is drawn
    again (a space that offers nothing else after 100 draws gives the excluded cell);
    ``seen`` collects the keys of the cells trained on (needs ``exclude``). The learning
    rate halves every ``halve_every`` steps (a schedule that does not depend on ``steps``,
    so the weights after ``n`` steps are those of a run of ``n`` steps); ``lr_schedule(step)``
    (the step counted from 0), where given, sets the learning rate of every step instead.
    ``callback(step)``
    after each step (counted from 1) may return ``True`` to stop early.

    ``snapshot(state)`` is called every ``snapshot_every`` steps (before ``callback``) with
    everything the loop needs to go on: the step, the model's and the optimiser's state,
    both random states and the losses so far. A loop started with that ``state`` as
    ``resume`` continues from it and ends with the weights of a run that never stopped
    (same thread count and math library); ``seen`` then holds the cells drawn after the
    resume only.
    """
    rng = np.random.default_rng(seed)
    losses: list[float] = []
    first = 0

    def draw() -> Cell:
        cell = space.sample(rng)
        if exclude is None:
            return cell
        for _ in range(100):
            key = space.key(cell)
            if key not in exclude:
                break
            cell = space.sample(rng)
        else:
            key = space.key(cell)
        if seen is not None:
            seen.add(key)
        return cell

    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        opt = torch.optim.Adam(params, lr=lr, betas=betas)
        if resume is not None:
            model.load_state_dict(resume["model"])
            opt.load_state_dict(resume["optimizer"])
            rng.bit_generator.state = resume["numpy_rng"]
            torch.set_rng_state(resume["torch_rng"])
            losses = list(resume["losses"])
            first = int(resume["step"])
        model.train()
        for step in range(first, steps):
            if lr_schedule is not None:
                for group in opt.param_groups:
                    group["lr"] = lr_schedule(step)
            elif halve_every:
                for group in opt.param_groups:
                    group["lr"] = lr * 0.5 ** (step // halve_every)
            loss = loss_fn([draw() for _ in range(batch_size)])
            opt.zero_grad()
            loss.backward()
            if grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(params, grad_clip)
            opt.step()
            losses.append(loss.item())
            if log_every and (step + 1) % log_every == 0:
                print(f"step {step + 1}: loss {np.mean(losses[-log_every:]):.4f}", flush=True)
            if snapshot is not None and snapshot_every and (step + 1) % snapshot_every == 0:
                snapshot(
                    {
                        "step": step + 1,
                        "model": {k: v.clone() for k, v in model.state_dict().items()},
                        "optimizer": copy.deepcopy(opt.state_dict()),
                        "numpy_rng": copy.deepcopy(rng.bit_generator.state),
                        "torch_rng": torch.get_rng_state(),
                        "losses": list(losses),
                    }
                )
            if callback is not None:
                model.eval()
                stop = callback(step + 1)
                model.train()
                if stop:
                    break
        model.eval()
    return losses


# -- AG-Net generator -------------------------------------------------------------------------
def pretrained_name(space: SearchSpace, config: AGNetConfig, steps: int) -> str:
    """File name of a pretrained AG-Net generator (:func:`weights_name` of kind ``"agnet"``)."""
    return weights_name("agnet", space, config.__dict__, steps, RECIPES["agnet"])


def pretrain_generator(
    model: AGNetModel,
    steps: int = 2000,
    batch_size: int = 64,
    lr: float = 2e-4,
    seed: int = 0,
    log_every: int = 0,
) -> list[float]:
    """Train the generator to reconstruct random cells of the space from random ``z`` (no
    queries, no values), with Adam(lr, betas=(0.5, 0.999)) as the reference. Returns the
    loss per step; torch's global random state is left as it was."""

    def loss_fn(cells: list[Cell]) -> torch.Tensor:
        types, edges = model.targets(cells)
        z = torch.randn(len(cells), model.latent_dim)
        node_logits, edge_logits = model.generator(z)
        return model.reconstruction_loss(node_logits, edge_logits, types, edges).mean()

    return _pretrain_loop(
        model,
        model.space,
        list(model.generator.parameters()),
        loss_fn,
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        betas=(0.5, 0.999),
        grad_clip=None,
        seed=seed,
        log_every=log_every,
    )


def load_or_pretrain(
    space: SearchSpace, config: AGNetConfig | None = None, steps: int = 2000, verbose: bool = False
) -> AGNetModel:
    """An :class:`AGNetModel` (built with torch's global random state, which initialises its
    surrogate) whose generator is pretrained for ``space`` by :func:`load_or_pretrain_weights`
    (shipped weights, the user cache, or :func:`pretrain_generator`)."""
    config = config or AGNetConfig()
    model = AGNetModel(space, config)

    def pretrain() -> dict[str, torch.Tensor]:
        fresh = AGNetModel(space, config)
        pretrain_generator(fresh, steps=steps, log_every=500 if verbose else 0)
        return fresh.generator.state_dict()

    state = load_or_pretrain_weights(
        "agnet", space, config.__dict__, steps, pretrain, recipe=RECIPES["agnet"], verbose=verbose
    )
    model.generator.load_state_dict(state)
    model.eval()
    return model


# -- graph VAE --------------------------------------------------------------------------------
def vae_pretrained_name(space: SearchSpace, config: GraphVAEConfig, steps: int, recipe: str | None = None) -> str:
    """File name of a pretrained graph VAE (kind ``"gvae-{encoder}"``; independent of the
    predictor kind) of ``recipe`` (default: the current one, :data:`RECIPES`)."""
    config = config.for_space(space)
    return weights_name(f"gvae-{config.encoder}", space, config.vae_dict(), steps, recipe or RECIPES["gvae"])


def pretrain_vae(
    model: GraphVAE,
    steps: int = DEFAULT_VAE_STEPS,
    batch_size: int = 128,
    lr: float = 2e-3,
    halve_every: int = 4000,
    seed: int = 0,
    log_every: int = 0,
    seen: set[str] | None = None,
    callback: Callable[[int], bool] | None = None,
    resume: Mapping[str, Any] | None = None,
    snapshot: Callable[[dict[str, Any]], None] | None = None,
    snapshot_every: int = 0,
    lr_schedule: Callable[[int], float] | None = None,
) -> list[float]:
    """Train encoder and decoder on random cells of the space (no queries, no values):
    reconstruction + ``beta`` x KL, Adam, gradients clipped at norm 5, the learning rate
    halved every ``halve_every`` steps. The :func:`holdout_cells` of the space are not
    drawn (unless a space offers almost nothing else: see :func:`_pretrain_loop`). Returns
    the loss per step; torch's global random state is left as it was.

    With :attr:`~lso_sampler.models.graph_vae.GraphVAEConfig.teacher_pcs` the model's
    ``teacher`` map learns too: the loss adds :data:`TEACHER_WEIGHT` x the squared error of
    the map of the posterior mean against :func:`teacher_encoder`'s components of the same
    cell, each scaled to unit variance or not as
    :attr:`~lso_sampler.models.graph_vae.GraphVAEConfig.teacher_whiten` says (cells only:
    the teacher is a query-free pretrained VAE).

    Args:
        model: The VAE to train (its predictors are left alone).
        steps: Adam steps.
        batch_size: Random cells per step.
        lr: Initial learning rate.
        halve_every: Steps between halvings of the learning rate.
        seed: Seed of the cell draws and of torch inside the loop.
        log_every: Print the mean loss every that many steps (0: never).
        seen: Collects the keys of the cells trained on.
        callback: Called with the step number after each step; ``True`` stops.
        resume: A state ``snapshot`` gave: go on from it (the result is that of a run
            that never stopped).
        snapshot: Called every ``snapshot_every`` steps with the state to resume from.
        snapshot_every: Steps between snapshots (0: none).
        lr_schedule: The learning rate of each step (counted from 0) instead of ``lr``
            halved every ``halve_every`` steps (``benchmarks/vae_restart_probe.py``).
    """

    pcs = int(model.config.teacher_pcs or 0)
    whiten = model.config.teacher_whiten is not False
    teacher = teacher_encoder(model.space, pcs, whiten=whiten)[0] if pcs else None

    def loss_fn(cells: list[Cell]) -> torch.Tensor:
        rec, kl, _, mu = model.vae_terms(*model.tensors(cells))
        loss = rec + model.config.beta * kl
        if teacher is not None and model.teacher is not None:
            loss = loss + TEACHER_WEIGHT * (model.teacher(mu) - teacher(cells).float()).pow(2).sum(1)
        return loss.mean()

    exclude = frozenset(model.space.key(c) for c in holdout_cells(model.space))
    return _pretrain_loop(
        model,
        model.space,
        [p for n, p in model.named_parameters() if not n.startswith(("perf.", "comp."))],
        loss_fn,
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        betas=(0.9, 0.999),
        grad_clip=5.0,
        seed=seed,
        log_every=log_every,
        exclude=exclude,
        halve_every=halve_every,
        seen=seen,
        callback=callback,
        resume=resume,
        snapshot=snapshot,
        snapshot_every=snapshot_every,
        lr_schedule=lr_schedule,
    )


def teacher_cells(space: SearchSpace) -> list[Cell]:
    """The :data:`TEACHER_CELLS` random cells (seed :data:`TEACHER_SEED`) the teacher's
    centring and principal components are fitted on."""
    rng = np.random.default_rng(TEACHER_SEED)
    return [space.sample(rng) for _ in range(TEACHER_CELLS)]


def _posterior_means(model: GraphVAE, cells: Sequence[Cell]) -> torch.Tensor:
    """``model``'s posterior means of ``cells`` in eval mode, 500 cells at a time, no gradient."""
    was = model.training
    model.eval()
    with torch.no_grad():
        out = torch.cat([model.encode_cells(cells[i : i + 500])[0] for i in range(0, len(cells), 500)])
    model.train(was)
    return out


def teacher_encoder(
    space: SearchSpace, pcs: int | None = None, whiten: bool = True
) -> tuple[Callable[[Sequence[Cell]], torch.Tensor], torch.Tensor]:
    """The teacher of graph-VAE pretraining with ``teacher_pcs``: cells -> the
    :data:`TEACHER_CONFIG` VAE's posterior means, centred, and with ``pcs`` projected on their
    top ``pcs`` principal components, each scaled to unit variance when ``whiten`` (``[n, d]``, float64);
    and those targets of :func:`teacher_cells`, on which the centring and components are
    fitted. The teacher's weights are loaded (or pretrained on first use, query-free) without
    touching torch's global random state.

    Args:
        space: The search space.
        pcs: Principal components to keep (``None``: the whole centred latent).
        whiten: Scale each kept component to unit variance (with ``pcs`` only).
    """
    with torch.random.fork_rng(devices=[]):
        teacher = GraphVAE(space, TEACHER_CONFIG)
        teacher.load_vae_state_dict(load_or_pretrain_vae(space, TEACHER_CONFIG))
    teacher.eval()
    base = _posterior_means(teacher, teacher_cells(space)).double()
    centre = base.mean(0)
    basis = torch.eye(base.shape[1], dtype=base.dtype)
    if pcs is not None:
        _, _, vt = torch.linalg.svd(base - centre, full_matrices=False)
        basis = vt[:pcs].T
    scale = torch.ones(basis.shape[1], dtype=base.dtype)
    if pcs is not None and whiten:
        scale = ((base - centre) @ basis).std(0)

    def encode(cells: Sequence[Cell]) -> torch.Tensor:
        return ((_posterior_means(teacher, cells).double() - centre) @ basis) / scale

    return encode, ((base - centre) @ basis) / scale


def default_vae_steps(space: SearchSpace, config: GraphVAEConfig | None = None) -> tuple[int, str]:
    """Pretraining steps and recipe of the graph VAE for ``space``: those of its shipped
    weights (the manifest's entry; ``tools/pretrain_vae.py`` trains the current recipe until held-out
    cells reconstruct, older entries keep the recipe that made them), else
    :data:`DEFAULT_VAE_STEPS` of the current recipe."""
    config = (config or GraphVAEConfig()).for_space(space)
    entry = shipped_entry(f"gvae-{config.encoder}", space, config.vae_dict())
    if entry is None:
        return DEFAULT_VAE_STEPS, RECIPES["gvae"]
    return int(entry["steps"]), str(entry["recipe"])


def load_or_pretrain_vae(
    space: SearchSpace, config: GraphVAEConfig | None = None, steps: int | None = None, verbose: bool = False
) -> dict[str, torch.Tensor]:
    """Encoder + decoder weights of a graph VAE pretrained query-free for ``space`` by
    :func:`load_or_pretrain_weights` (shipped weights, the user cache, or :func:`pretrain_vae`).

    ``steps=None``, or the steps of the shipped weights: those weights, whatever recipe made
    them (:func:`default_vae_steps`); another number: the current recipe's weights for that
    many steps (pretrained on first use, then cached).
    """
    config = (config or GraphVAEConfig()).for_space(space)
    shipped_steps, shipped_recipe = default_vae_steps(space, config)
    recipe = RECIPES["gvae"]
    if steps is None or steps == shipped_steps:  # the shipped weights, whatever their recipe
        steps, recipe = shipped_steps, shipped_recipe

    def pretrain() -> dict[str, torch.Tensor]:
        model = GraphVAE(space, config)
        pretrain_vae(model, steps=steps, log_every=500 if verbose else 0)
        return model.vae_state_dict()

    return load_or_pretrain_weights(
        f"gvae-{config.encoder}", space, config.vae_dict(), steps, pretrain, recipe=recipe, verbose=verbose
    )
