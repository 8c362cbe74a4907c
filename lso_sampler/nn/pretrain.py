"""Query-free pretraining of the AG-Net generator, with an on-disk cache."""

from __future__ import annotations

import hashlib
import json
import os
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from lso_sampler.nn.agnet import AGNetConfig, AGNetModel
from lso_sampler.nn.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.spaces.base import SearchSpace

__all__ = [
    "cache_dir",
    "load_or_pretrain",
    "load_or_pretrain_vae",
    "pretrain_generator",
    "pretrain_vae",
    "pretrained_name",
    "vae_pretrained_name",
]

#: Bump when the generator's architecture or pretraining recipe changes.
PRETRAIN_VERSION = "1"
#: The same for the graph VAE.
VAE_PRETRAIN_VERSION = "1"


def cache_dir() -> Path:
    """``$LSO_SAMPLER_CACHE``, else ``$XDG_CACHE_HOME/lso_sampler``, else ``~/.cache/lso_sampler``."""
    env = os.environ.get("LSO_SAMPLER_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lso_sampler"


def _digest(space: SearchSpace, config: dict, steps: int, recipe: int) -> str:
    """Short hash of space signature, model config, steps, recipe and package version."""
    from lso_sampler import __version__

    text = json.dumps([space.signature(), config, steps, recipe, __version__], sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def pretrained_name(space: SearchSpace, config: AGNetConfig, steps: int) -> str:
    """File name keyed by space signature, model config, recipe and package version."""
    return f"agnet-{space.name}-{_digest(space, config.__dict__, steps, PRETRAIN_VERSION)}.pt"


def pretrain_generator(
    model: AGNetModel,
    steps: int = 2000,
    batch_size: int = 64,
    lr: float = 2e-4,
    seed: int = 0,
    log_every: int = 0,
) -> list[float]:
    """Reconstruct random cells of the space from random ``z`` (no queries, no values).

    Adam(lr, betas=(0.5, 0.999)) as the reference. Returns the loss per step.
    """
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.generator.parameters(), lr=lr, betas=(0.5, 0.999))
    losses = []
    model.train()
    for step in range(steps):
        cells = [model.space.sample(rng) for _ in range(batch_size)]
        types, edges = model.targets(cells)
        z = torch.randn(batch_size, model.latent_dim)
        node_logits, edge_logits = model.generator(z)
        loss = model.reconstruction_loss(node_logits, edge_logits, types, edges).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if log_every and (step + 1) % log_every == 0:
            print(f"step {step + 1}: loss {np.mean(losses[-log_every:]):.4f}", flush=True)
    model.eval()
    return losses


def _load_weights(name: str) -> dict[str, torch.Tensor] | None:
    """The state dict called ``name``: shipped weights first, then the user cache."""
    shipped = resources.files("lso_sampler.nn").joinpath("pretrained", name)
    for candidate in (shipped, cache_dir() / name):
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


def load_or_pretrain(
    space: SearchSpace, config: AGNetConfig | None = None, steps: int = 2000, verbose: bool = False
) -> AGNetModel:
    """An :class:`AGNetModel` whose generator is pretrained for ``space``.

    Looks for shipped weights (``lso_sampler/nn/pretrained/``), then the user cache; else
    pretrains (minutes on a CPU) and caches the generator's weights.
    """
    config = config or AGNetConfig()
    model = AGNetModel(space, config)
    name = pretrained_name(space, config, steps)
    state = _load_weights(name)
    if state is not None:
        model.generator.load_state_dict(state)
        model.eval()
        return model
    cached = cache_dir() / name
    if verbose:
        print(f"pretraining the AG-Net generator for {space!r} ({steps} steps); cached as {cached}")
    pretrain_generator(model, steps=steps, log_every=500 if verbose else 0)
    _save_weights(model.generator.state_dict(), cached)
    return model


def vae_pretrained_name(space: SearchSpace, config: GraphVAEConfig, steps: int) -> str:
    """File name of a pretrained graph VAE (independent of the predictor kind)."""
    return f"gvae-{config.encoder}-{space.name}-{_digest(space, config.vae_dict(), steps, VAE_PRETRAIN_VERSION)}.pt"


def pretrain_vae(
    model: GraphVAE,
    steps: int = 3000,
    batch_size: int = 32,
    lr: float = 1e-3,
    seed: int = 0,
    log_every: int = 0,
) -> list[float]:
    """Train encoder and decoder on random cells of the space (no queries, no values):
    reconstruction + ``beta`` x KL, Adam, gradients clipped at norm 5. Returns the losses."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    params = [p for n, p in model.named_parameters() if not n.startswith(("perf.", "comp."))]
    opt = torch.optim.Adam(params, lr=lr)
    losses = []
    model.train()
    for step in range(steps):
        cells = [model.space.sample(rng) for _ in range(batch_size)]
        x, types, adj, mask = model.tensors(cells)
        rec, kl, _ = model.vae_loss(x, types, adj, mask)
        loss = (rec + model.config.beta * kl).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        losses.append(loss.item())
        if log_every and (step + 1) % log_every == 0:
            print(f"step {step + 1}: loss {np.mean(losses[-log_every:]):.4f}", flush=True)
    model.eval()
    return losses


def load_or_pretrain_vae(
    space: SearchSpace, config: GraphVAEConfig | None = None, steps: int = 3000, verbose: bool = False
) -> dict[str, torch.Tensor]:
    """Encoder + decoder weights of a graph VAE pretrained query-free for ``space``.

    Shipped weights first (``lso_sampler/nn/pretrained/``), then the user cache; else
    pretrains (a minute or more on a CPU) and caches them, as :func:`load_or_pretrain`.
    """
    config = config or GraphVAEConfig()
    name = vae_pretrained_name(space, config, steps)
    found = _load_weights(name)
    if found is not None:
        return found
    cached = cache_dir() / name
    if verbose:
        print(f"pretraining the graph VAE for {space!r} ({steps} steps); cached as {cached}")
    model = GraphVAE(space, config)
    pretrain_vae(model, steps=steps, log_every=500 if verbose else 0)
    state = model.vae_state_dict()
    _save_weights(state, cached)
    return state
