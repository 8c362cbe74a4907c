"""Partial training of a cell's network on the user's data, as an Optuna objective."""

from __future__ import annotations

import copy
import math
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lso_sampler.cell import Cell
from lso_sampler.spaces.base import SearchSpace

if TYPE_CHECKING:  # pragma: no cover
    import optuna

__all__ = ["NodeClassificationTraining", "PartialTraining", "TrainingResult", "cell_seed"]

_OPTIMIZERS = ("sgd", "adam")


@dataclass
class TrainingResult:
    """What partial training of one cell gave.

    Attributes:
        valid_accuracy: Validation accuracy (0..1) after the last epoch trained.
        test_accuracy: Test accuracy (0..1) after it, or ``None`` without a test split
            or when the trial was pruned.
        valid_curve: Validation accuracy after each epoch trained.
        epochs: Epochs trained (fewer than asked when pruned).
        pruned: Whether a pruner stopped it.
        params: Trainable parameters of the network.
        seconds: Wall time of building, training and evaluating.
    """

    valid_accuracy: float
    test_accuracy: float | None
    valid_curve: list[float] = field(default_factory=list)
    epochs: int = 0
    pruned: bool = False
    params: int = 0
    seconds: float = 0.0


def cell_seed(space: SearchSpace, cell: Cell, seed: int) -> int:
    """A seed for ``cell``'s network: ``seed`` combined with the cell's key, so a cell gets
    the same initialisation whichever sampler proposes it, in whatever order."""
    return (int(seed) * 1_000_003 + zlib.crc32(space.key(cell).encode())) % 2**63


def _as_tensor(value: Any, name: str, dtype: torch.dtype) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.to(dtype)
    if isinstance(value, np.ndarray):
        return torch.as_tensor(value).to(dtype)
    raise ValueError(f"{name}: give a torch tensor or numpy array, got {type(value).__name__}")


class _Trainer:
    """What both objectives share: checks, seeding per cell, the epoch loop and pruning."""

    def __init__(
        self,
        space: SearchSpace,
        *,
        epochs: int,
        lr: float,
        weight_decay: float,
        optimizer: str,
        module_kwargs: Mapping[str, Any] | None,
        seed: int,
    ) -> None:
        if not isinstance(space, SearchSpace):
            raise ValueError(f"space: give a SearchSpace, got {type(space).__name__}")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs: must be a positive int, got {epochs!r}")
        if not (isinstance(lr, (int, float)) and lr > 0):
            raise ValueError(f"lr: must be a positive number, got {lr!r}")
        if not (isinstance(weight_decay, (int, float)) and weight_decay >= 0):
            raise ValueError(f"weight_decay: must be >= 0, got {weight_decay!r}")
        if optimizer not in _OPTIMIZERS:
            raise ValueError(f"optimizer: one of {list(_OPTIMIZERS)}, got {optimizer!r}")
        self.space = space
        self.epochs = epochs
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.optimizer = optimizer
        self.module_kwargs = dict(module_kwargs or {})
        self.seed = int(seed)

    # -- to be provided -------------------------------------------------------------------
    def build(self, cell: Cell) -> nn.Module:
        """The network of ``cell``: ``space.to_module(cell, **module_kwargs)`` with the data's
        input and class counts filled in."""
        raise NotImplementedError

    def _train_epoch(self, model: nn.Module, opt: torch.optim.Optimizer, gen: torch.Generator) -> None:
        raise NotImplementedError

    def _accuracy(self, model: nn.Module, split: str) -> float:
        raise NotImplementedError

    def _has_test(self) -> bool:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------
    def _optimizer(self, model: nn.Module) -> tuple[torch.optim.Optimizer, Any]:
        params = [p for p in model.parameters() if p.requires_grad]
        if self.optimizer == "sgd":
            opt: torch.optim.Optimizer = torch.optim.SGD(
                params, lr=self.lr, momentum=0.9, nesterov=True, weight_decay=self.weight_decay
            )
        else:
            opt = torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=self.epochs)
        return opt, sched

    def evaluate(self, cell: Cell, trial: optuna.Trial | None = None) -> TrainingResult:
        """Train ``cell``'s network for ``epochs`` epochs; with a ``trial``, report the
        validation accuracy after each epoch (step = epoch, from 1) and stop when its
        pruner says so (the result then has ``pruned=True``; :meth:`__call__` raises
        ``optuna.TrialPruned`` from it)."""
        if not self.space.is_valid(cell):
            raise ValueError(f"cell: not a valid {self.space.name} cell: {self.space.is_valid(cell).reason}")
        start = time.perf_counter()
        seed = cell_seed(self.space, cell, self.seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = self.build(cell)
            gen = torch.Generator().manual_seed(seed)
            params = sum(p.numel() for p in model.parameters() if p.requires_grad)
            curve: list[float] = []
            pruned = False
            if params:
                opt, sched = self._optimizer(model)
            for epoch in range(1, self.epochs + 1):
                if params:  # a network without weights (e.g. all-`none` edges) cannot learn
                    self._train_epoch(model, opt, gen)
                    sched.step()
                acc = self._accuracy(model, "valid")
                curve.append(acc)
                if trial is not None:
                    trial.report(acc, epoch)
                    if epoch < self.epochs and trial.should_prune():
                        pruned = True
                        break
            test = None if pruned or not self._has_test() else self._accuracy(model, "test")
        return TrainingResult(curve[-1], test, curve, len(curve), pruned, params, time.perf_counter() - start)

    def __call__(self, trial: optuna.Trial) -> float:
        """Optuna objective: suggest the cell, train it, return the validation accuracy.

        Stores ``test_accuracy`` (when there is a test split), ``params``, ``epochs`` and
        ``train_seconds`` as user attributes; raises ``optuna.TrialPruned`` when the
        trial's pruner stops it (after storing ``pruned_at_epoch``).
        """
        import optuna

        cell = self.space.suggest(trial)
        result = self.evaluate(cell, trial)
        trial.set_user_attr("params", result.params)
        trial.set_user_attr("epochs", result.epochs)
        trial.set_user_attr("train_seconds", round(result.seconds, 3))
        if result.pruned:
            trial.set_user_attr("pruned_at_epoch", result.epochs)
            raise optuna.TrialPruned(f"pruned after epoch {result.epochs} (valid acc. {result.valid_accuracy:.4f})")
        if result.test_accuracy is not None:
            trial.set_user_attr("test_accuracy", result.test_accuracy)
        return result.valid_accuracy


class PartialTraining(_Trainer):
    """Optuna objective that trains each proposed cell's network for a few epochs.

    The research plan's evaluation (seed 003): train on a train split for ``epochs``
    epochs (SGD with Nesterov momentum and a cosine schedule, or Adam), report the
    validation accuracy after every epoch to the trial so an Optuna pruner can stop it,
    return the validation accuracy; the test accuracy is stored as the ``test_accuracy``
    user attribute (never seen by the sampler). Each cell is initialised and shuffled from
    a seed derived from ``seed`` and the cell's key, so the same cell gets the same score
    in any study, and samplers compare on equal terms.

    Args:
        space: A space with ``to_module`` (NAS-Bench-201, NAS-Bench-101, DARTS, ENAS).
        train: ``(x, y)`` inputs ``[N, C, H, W]`` and integer labels ``[N]``.
        valid: ``(x, y)`` of the validation split (the search signal).
        test: ``(x, y)`` of the test split, or ``None``.
        epochs: Epochs per cell (E).
        batch_size: Training batch size.
        lr: Initial learning rate.
        weight_decay: L2 penalty.
        optimizer: ``"sgd"`` (Nesterov, momentum 0.9) or ``"adam"``.
        module_kwargs: Passed to ``space.to_module`` (e.g. ``channels``,
            ``cells_per_stage``); ``num_classes`` and ``in_channels`` default to the data's.
        seed: Base seed.

    Example:
        >>> import optuna
        >>> from lso_sampler.spaces import NASBench201Space
        >>> x, y = torch.randn(64, 1, 8, 8), torch.randint(0, 3, (64,))
        >>> objective = PartialTraining(NASBench201Space(), (x, y), (x, y), epochs=1,
        ...                             module_kwargs={"channels": 4, "cells_per_stage": 1})
        >>> study = optuna.create_study(direction="maximize")
        >>> study.optimize(objective, n_trials=1)
        >>> 0.0 <= study.best_value <= 1.0
        True
    """

    def __init__(
        self,
        space: SearchSpace,
        train: tuple[Any, Any],
        valid: tuple[Any, Any],
        test: tuple[Any, Any] | None = None,
        *,
        epochs: int = 5,
        batch_size: int = 64,
        lr: float = 0.05,
        weight_decay: float = 5e-4,
        optimizer: str = "sgd",
        module_kwargs: Mapping[str, Any] | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(
            space, epochs=epochs, lr=lr, weight_decay=weight_decay, optimizer=optimizer,
            module_kwargs=module_kwargs, seed=seed,
        )  # fmt: skip
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size: must be a positive int, got {batch_size!r}")
        self.batch_size = batch_size
        self.splits: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
        for name, split in (("train", train), ("valid", valid), ("test", test)):
            if split is None:
                continue
            if not isinstance(split, (tuple, list)) or len(split) != 2:
                raise ValueError(f"{name}: give an (x, y) pair of inputs and labels")
            x = _as_tensor(split[0], f"{name}[0]", torch.float32)
            y = _as_tensor(split[1], f"{name}[1]", torch.long)
            if x.dim() < 2 or y.dim() != 1 or len(x) != len(y) or len(x) == 0:
                raise ValueError(
                    f"{name}: x must be [N, ...] and y [N] with the same N > 0, "
                    f"got {tuple(x.shape)} and {tuple(y.shape)}"
                )
            if int(y.min()) < 0:
                raise ValueError(f"{name}: labels must be 0..K-1, found {int(y.min())}")
            self.splits[name] = (x, y)
        shapes = {tuple(x.shape[1:]) for x, _ in self.splits.values()}
        if len(shapes) != 1:
            raise ValueError(f"train, valid, test: inputs must share one shape per example, got {sorted(shapes)}")
        defaults = {
            "num_classes": max(int(y.max()) for _, y in self.splits.values()) + 1,
            "in_channels": int(self.splits["train"][0].shape[1]),
        }
        self.module_kwargs = {**defaults, **self.module_kwargs}

    def build(self, cell: Cell) -> nn.Module:
        return self.space.to_module(cell, **self.module_kwargs)

    def _has_test(self) -> bool:
        return "test" in self.splits

    def _train_epoch(self, model: nn.Module, opt: torch.optim.Optimizer, gen: torch.Generator) -> None:
        x, y = self.splits["train"]
        model.train()
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), self.batch_size):
            idx = order[i : i + self.batch_size]
            if len(idx) < 2:  # batch norm needs two examples
                continue
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()

    def _accuracy(self, model: nn.Module, split: str) -> float:
        x, y = self.splits[split]
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(x), 512):
                correct += int((model(x[i : i + 512]).argmax(1) == y[i : i + 512]).sum())
        return correct / len(x)


class NodeClassificationTraining(_Trainer):
    """Optuna objective that trains a NAS-Bench-Graph cell's GNN on one graph's nodes.

    Full-batch training on a torch-geometric ``Data`` with boolean ``train_mask``,
    ``val_mask`` and (optionally) ``test_mask``: Adam by default, the loss on the training
    nodes, the validation accuracy reported after each epoch for pruning and returned, the
    test accuracy stored as the ``test_accuracy`` user attribute.

    Args:
        space: A :class:`~lso_sampler.spaces.NASBenchGraphSpace`.
        data: The graph (``x``, ``edge_index``, ``y`` and the masks).
        epochs, lr, weight_decay, optimizer, seed: As :class:`PartialTraining`.
        module_kwargs: Passed to ``space.to_module`` (``hidden``, ``dropout``, ...);
            ``in_dim`` and ``num_classes`` default to the data's.

    Example:
        >>> import optuna, torch
        >>> from torch_geometric.data import Data
        >>> from lso_sampler.spaces import NASBenchGraphSpace
        >>> g = Data(x=torch.randn(30, 5), edge_index=torch.randint(0, 30, (2, 90)),
        ...          y=torch.randint(0, 3, (30,)), train_mask=torch.arange(30) < 20,
        ...          val_mask=torch.arange(30) >= 20)
        >>> objective = NodeClassificationTraining(NASBenchGraphSpace(), g, epochs=2,
        ...                                        module_kwargs={"hidden": 16})
        >>> study = optuna.create_study(direction="maximize")
        >>> study.optimize(objective, n_trials=1)
        >>> 0.0 <= study.best_value <= 1.0
        True
    """

    def __init__(
        self,
        space: SearchSpace,
        data: Any,
        *,
        epochs: int = 50,
        lr: float = 0.01,
        weight_decay: float = 5e-4,
        optimizer: str = "adam",
        module_kwargs: Mapping[str, Any] | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(
            space, epochs=epochs, lr=lr, weight_decay=weight_decay, optimizer=optimizer,
            module_kwargs=module_kwargs, seed=seed,
        )  # fmt: skip
        for attr in ("x", "edge_index", "y", "train_mask", "val_mask"):
            if getattr(data, attr, None) is None:
                raise ValueError(f"data: needs `{attr}` (a torch-geometric Data with train_mask and val_mask)")
        for attr in ("train_mask", "val_mask", "test_mask"):
            mask = getattr(data, attr, None)
            if mask is not None and (mask.dtype != torch.bool or mask.shape != data.y.shape or not bool(mask.any())):
                raise ValueError(f"data.{attr}: must be a non-empty boolean mask over the {len(data.y)} nodes")
        self.data = copy.copy(data)
        defaults = {"in_dim": int(data.x.shape[1]), "num_classes": int(data.y.max()) + 1}
        self.module_kwargs = {**defaults, **self.module_kwargs}

    def build(self, cell: Cell) -> nn.Module:
        return self.space.to_module(cell, **self.module_kwargs)

    def _has_test(self) -> bool:
        return getattr(self.data, "test_mask", None) is not None

    def _train_epoch(self, model: nn.Module, opt: torch.optim.Optimizer, gen: torch.Generator) -> None:
        model.train()
        d = self.data
        out = model(d.x, d.edge_index)
        loss = F.cross_entropy(out[d.train_mask], d.y[d.train_mask])
        if not math.isfinite(float(loss.detach())):
            return  # a diverged step is skipped, not applied
        opt.zero_grad()
        loss.backward()
        opt.step()

    def _accuracy(self, model: nn.Module, split: str) -> float:
        d = self.data
        mask = {"valid": d.val_mask, "test": getattr(d, "test_mask", None)}[split]
        model.eval()
        with torch.no_grad():
            pred = model(d.x, d.edge_index).argmax(1)
        return float((pred[mask] == d.y[mask]).float().mean())
