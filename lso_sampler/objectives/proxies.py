"""Training-free scores of a network at initialisation.

* :func:`ntk_condition_number` — TE-NAS's trainability score (Chen, Gong & Wang, ICLR 2021):
  the condition number ``λ_max / λ_min`` of the empirical neural tangent kernel
  ``Θ = J Jᵀ`` on a batch, ``J`` the per-example gradient of the summed logits with
  respect to the convolution and linear weights, batch norm in training mode. Lower is
  better (the papers report a negative correlation with accuracy).
* :func:`linear_region_count` — TE-NAS's expressivity score: the number of distinct ReLU
  activation patterns over a batch of inputs (each pattern is one linear region the batch
  falls in). Higher is better; at most the batch size, so use small inputs and a narrow
  network, as TE-NAS does, or every pattern is distinct.
* :func:`synflow` — synaptic flow (Tanaka et al. 2020; as a NAS proxy, Abdelfattah et al.,
  ICLR 2021): with every weight replaced by its absolute value, an all-ones input and
  ``R`` the sum of the outputs, ``Σ |θ ⊙ ∂R/∂θ|`` over the convolution and linear weights,
  in float64 with batch norm as the identity. Higher is better; data-free.

All three leave the model they are given unchanged (they work on a copy where they change
weights or modes).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

__all__ = ["SCORES", "TrainingFreeScores", "linear_region_count", "ntk_condition_number", "synflow"]


def _weights(model: nn.Module) -> Iterator[torch.nn.Parameter]:
    """Weights of the convolution and linear layers (what the proxies are defined on)."""
    for m in model.modules():
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)) and m.weight.requires_grad:
            yield m.weight


def _check_batch(inputs: torch.Tensor, name: str, least: int) -> None:
    if not isinstance(inputs, torch.Tensor) or inputs.dim() < 2:
        raise ValueError(f"{name}: needs a batch tensor [B, ...], got {type(inputs).__name__}")
    if inputs.shape[0] < least:
        raise ValueError(f"{name}: needs a batch of at least {least} inputs, got {inputs.shape[0]}")


def ntk_condition_number(model: nn.Module, inputs: torch.Tensor) -> float:
    """Condition number of the empirical NTK of ``model`` on ``inputs`` (lower is better).

    Args:
        model: The network (left unchanged: a copy is put in training mode).
        inputs: A batch ``[B, ...]`` (TE-NAS: 64 images of the training set; B >= 2).

    Returns:
        ``λ_max / λ_min`` of the ``B x B`` kernel; ``inf`` when it is singular (e.g. a
        network whose output does not depend on its input).

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
        >>> ntk_condition_number(net, torch.randn(5, 4)) >= 1.0
        True
    """
    _check_batch(inputs, "inputs", 2)
    net = copy.deepcopy(model).train()
    params = list(_weights(net))
    if not params:
        raise ValueError("model: has no convolution or linear weights to take gradients of")
    out = net(inputs)
    rows = []
    for i in range(inputs.shape[0]):
        grads = torch.autograd.grad(out[i].sum(), params, retain_graph=True, allow_unused=True)
        rows.append(torch.cat([(g if g is not None else torch.zeros_like(p)).flatten() for g, p in zip(grads, params)]))
    jac = torch.stack(rows).double()
    eig = torch.linalg.eigvalsh(jac @ jac.T)
    high, low = float(eig[-1]), float(eig[0])
    if not math.isfinite(high) or low <= high * 1e-12:
        return math.inf
    return high / low


def linear_region_count(model: nn.Module, inputs: torch.Tensor) -> int:
    """Number of distinct ReLU activation patterns of ``model`` over ``inputs`` (higher is better).

    Every ``nn.ReLU`` module's output sign is recorded per input; two inputs share a linear
    region when all signs agree. Uses evaluation mode (fixed batch-norm statistics, so
    the pattern of one input does not depend on the rest of the batch).

    Args:
        model: The network (left unchanged: a copy is put in evaluation mode).
        inputs: ``[B, ...]``; the count is at most ``B``.

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
        >>> 1 <= linear_region_count(net, torch.randn(100, 2)) <= 100
        True
    """
    _check_batch(inputs, "inputs", 1)
    net = copy.deepcopy(model).eval()
    codes: list[torch.Tensor] = []

    def hook(_m: nn.Module, _inp: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        codes.append((out > 0).flatten(1))

    relus = [m for m in net.modules() if isinstance(m, nn.ReLU)]
    if not relus:
        raise ValueError("model: has no nn.ReLU modules, so no activation patterns to count")
    handles = [m.register_forward_hook(hook) for m in relus]
    try:
        with torch.no_grad():
            net(inputs)
    finally:
        for h in handles:
            h.remove()
    pattern = torch.cat(codes, 1)
    return int(torch.unique(pattern, dim=0).shape[0])


def synflow(model: nn.Module, input_shape: tuple[int, ...]) -> float:
    """SynFlow score of ``model`` (higher is better; data-free).

    Args:
        model: The network (left unchanged: a float64 copy with absolute weights and
            fresh batch-norm statistics in evaluation mode, i.e. batch norm as identity).
        input_shape: One input's shape without the batch dimension, e.g. ``(3, 32, 32)``.

    Returns:
        ``Σ |θ ⊙ ∂R/∂θ|`` over the convolution and linear weights (may be very large
        for deep networks; compare ranks, or take the log).

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
        >>> synflow(net, (4,)) > 0
        True
    """
    if not input_shape or any(int(s) < 1 for s in input_shape):
        raise ValueError(f"input_shape: one input's shape without the batch, e.g. (3, 32, 32); got {input_shape!r}")
    net = copy.deepcopy(model).double().eval()
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats:
                m.reset_running_stats()
        for p in net.parameters():
            p.abs_()
    params = list(_weights(net))
    if not params:
        raise ValueError("model: has no convolution or linear weights")
    net.zero_grad()
    out = net(torch.ones((1, *input_shape), dtype=torch.float64))
    grads = torch.autograd.grad(out.sum(), params, allow_unused=True)
    return float(sum(float((p * g).detach().abs().sum()) for p, g in zip(params, grads) if g is not None))


#: Score name -> Optuna direction.
SCORES = {"ntk_cond": "minimize", "linear_regions": "maximize", "synflow": "maximize"}


class TrainingFreeScores:
    """Optuna objective: training-free scores of each cell's network at initialisation.

    Returns one value per name in ``scores`` (in that order), so a study with
    ``directions=objective.directions`` searches on them directly, as AG-Net's ImageNet
    search does with TE-NAS's two scores; every score computed is also stored as a user
    attribute. Each network is initialised from a seed derived from ``seed`` and the
    cell's key, so a cell gets the same scores in any study.

    Args:
        space: A space with ``to_module`` taking image batches (NAS-Bench-201,
            NAS-Bench-101, DARTS, ENAS).
        inputs: A batch ``[B, C, H, W]`` for the NTK (TE-NAS: 64 training images).
        scores: Any of ``"ntk_cond"``, ``"linear_regions"``, ``"synflow"``.
        module_kwargs: ``space.to_module`` arguments of the network the NTK and SynFlow
            are computed on (``in_channels`` defaults to the inputs').
        region_inputs: Inputs for the linear-region count (default: ``inputs``); small
            images give counts below the batch size, where ranking is possible.
        region_module_kwargs: ``to_module`` arguments for the linear-region network
            (default: ``module_kwargs``; TE-NAS uses a narrower one).
        seed: Base seed.

    Example:
        >>> import optuna
        >>> from lso_sampler.spaces import NASBench201Space
        >>> space = NASBench201Space()
        >>> objective = TrainingFreeScores(space, torch.randn(8, 3, 8, 8),
        ...                                scores=("ntk_cond", "synflow"),
        ...                                module_kwargs={"channels": 4, "cells_per_stage": 1})
        >>> objective.directions
        ['minimize', 'maximize']
        >>> study = optuna.create_study(directions=objective.directions)
        >>> study.optimize(objective, n_trials=2)
        >>> len(study.trials)
        2
    """

    def __init__(
        self,
        space: Any,
        inputs: torch.Tensor,
        *,
        scores: tuple[str, ...] | list[str] = ("ntk_cond", "linear_regions", "synflow"),
        module_kwargs: dict[str, Any] | None = None,
        region_inputs: torch.Tensor | None = None,
        region_module_kwargs: dict[str, Any] | None = None,
        seed: int = 0,
    ) -> None:
        if isinstance(scores, str) or not scores:
            raise ValueError(f"scores: give a list of score names from {list(SCORES)}, got {scores!r}")
        for s in scores:
            if s not in SCORES:
                raise ValueError(f"scores: unknown score {s!r}; choose from {list(SCORES)}")
        _check_batch(inputs, "inputs", 2)
        if inputs.dim() != 4:
            raise ValueError(f"inputs: an image batch [B, C, H, W], got shape {tuple(inputs.shape)}")
        self.space = space
        self.scores = tuple(scores)
        self.inputs = inputs
        self.region_inputs = inputs if region_inputs is None else region_inputs
        _check_batch(self.region_inputs, "region_inputs", 1)
        self.module_kwargs = {"in_channels": int(inputs.shape[1]), **(module_kwargs or {})}
        self.region_module_kwargs = {
            **self.module_kwargs,
            "in_channels": int(self.region_inputs.shape[1]),
            **(region_module_kwargs or {}),
        }
        self.seed = int(seed)

    @property
    def directions(self) -> list[str]:
        """The Optuna direction of each returned score."""
        return [SCORES[s] for s in self.scores]

    def evaluate(self, cell: Any) -> dict[str, float]:
        """The scores of ``cell`` (same keys as ``scores``)."""
        from lso_sampler.objectives.training import cell_seed

        seed = cell_seed(self.space, cell, self.seed)
        out: dict[str, float] = {}
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = self.space.to_module(cell, **self.module_kwargs)
            if "ntk_cond" in self.scores:
                out["ntk_cond"] = ntk_condition_number(net, self.inputs)
            if "synflow" in self.scores:
                out["synflow"] = synflow(net, tuple(self.inputs.shape[1:]))
            if "linear_regions" in self.scores:
                torch.manual_seed(seed)
                small = self.space.to_module(cell, **self.region_module_kwargs)
                out["linear_regions"] = float(linear_region_count(small, self.region_inputs))
        return out

    def __call__(self, trial: Any) -> float | tuple[float, ...]:
        """Suggest the cell, score it, store every score as a user attribute, return them.

        An infinite NTK condition number (a network whose output ignores its input) is
        returned as ``1e12`` so the trial completes and ranks last."""
        cell = self.space.suggest(trial)
        values = self.evaluate(cell)
        for k, v in values.items():
            trial.set_user_attr(k, v)
        result = tuple(min(values[s], 1e12) if s == "ntk_cond" else values[s] for s in self.scores)
        return result[0] if len(result) == 1 else result
