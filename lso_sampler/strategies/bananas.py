"""BANANAS: Bayesian optimisation with a neural-network ensemble on the path encoding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from lso_sampler._checks import check_float, check_int, renamed
from lso_sampler.cell import Cell
from lso_sampler.models.bananas import MLPEnsemble, PathEncoder
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies.base import ModelBasedStrategy, Observation, constrained_order, neighbours

__all__ = ["ACQUISITIONS", "BANANAS"]

#: The acquisition functions of :class:`BANANAS`.
ACQUISITIONS = ("its", "ucb")


class BANANAS(ModelBasedStrategy):
    """BANANAS (White, Neiswanger & Savani, AAAI 2021) as a strategy.

    The first ``n_startup_trials`` cells are random. After that, every call (one search
    iteration) trains an ensemble of ``ensemble_size`` feed-forward networks
    (``layers`` layers of width ``hidden_dim``, each from its own initialisation and on
    its own mini-batches, mean absolute error on the standardised values) on the path
    encoding of the evaluated cells (:class:`~lso_sampler.models.bananas.PathEncoder`),
    makes up to ``num_candidates`` new cells by mutating the best evaluated cells (the
    one-edit neighbours of the best cell in random order, then of the second best, ...
    up to ``num_parents`` parents), and returns the ``n`` best candidates by the
    acquisition function: independent Thompson sampling (``"its"``, the paper's choice:
    one draw from ``N(mean, std)`` of the ensemble's predictions per candidate) or an
    upper confidence bound (``"ucb"``: ``mean + ucb_beta * std``). A proposal round holds
    :attr:`batch_size` = 10 cells (the paper's k).

    The path encoding is the paper's one-hot over every input-to-output op sequence on
    spaces small enough to enumerate (NAS-Bench-201; ``path_encoding="exact"``), and a
    hashed path encoding (each op sequence hashed into ``hash_dim`` features) on the
    others (NAS-Bench-101, DARTS, ENAS, NAS-Bench-Graph, larger DAG spaces);
    ``max_path_length`` truncates either to the shorter paths.

    Defaults follow the reference implementation (naszilla/bananas): 10 initial cells,
    k = 10, 5 networks of 10 layers x 20 units, Adam with learning rate 0.01, 150 epochs
    with batches of 32, 100 candidates from mutating the best cells (at most 5 parents).
    Single objective; constraints are not modelled (use a constraint-aware method).

    Args:
        space: The search space.
        seed: Random seed (numpy and torch generators of this strategy).
        n_startup_trials: Random cells before the first iteration (10; Optuna's name
            for the start-up count, formerly ``num_init``, which still works with a
            FutureWarning).
        num_candidates: Mutated cells scored per iteration (100).
        num_parents: Most evaluated cells (best first) whose neighbours become candidates (5).
        acquisition: ``"its"`` (independent Thompson sampling) or ``"ucb"``.
        ucb_beta: The exploration weight of ``"ucb"`` (0.5, the reference's).
        ensemble_size: Networks in the ensemble (5).
        hidden_dim: Width of their hidden layers (20).
        layers: Linear layers per network (10).
        path_encoding: ``"auto"``, ``"exact"`` or ``"hashed"`` (see above).
        hash_dim: Features of the hashed path encoding (2048).
        max_path_length: Longest path encoded, in nodes with the input and output
            (``None``: all).
        epochs: Training epochs per iteration (150).
        train_batch_size: Evaluated cells per training step (32; the cells one proposal
            round returns are :attr:`batch_size`).
        lr: Adam learning rate (0.01).
        round_growth: Proposal rounds of the samplers and searchers after the start-up
            of ``ceil(round_growth x results)`` cells (at least 4, at most the round size).
            ``None``: full rounds of :attr:`batch_size`.
        device: Where the model trains (``"cpu"``; ``"cuda"`` on a GPU): see
            :class:`~lso_sampler.strategies.ModelBasedStrategy`.

    Raises:
        TypeError: if an option has the wrong type (``num_candidates=2.5``, a string for a
            number, a bool for an int).
        ValueError: if an option is out of range, NaN or infinite, ``acquisition`` or
            ``path_encoding`` is unknown, or ``device`` names a device torch cannot use here.

    Example:
        >>> from lso_sampler.spaces import NASBench201Space
        >>> space = NASBench201Space()
        >>> bananas = BANANAS(space, seed=0, epochs=2)
        >>> first = bananas.propose([], [], 10)  # the random initial design
        >>> history = [Observation(c, space.key(c), (float(c.ops.count("nor_conv_3x3")),)) for c in first]
        >>> cells = bananas.propose(history, [], 10)
        >>> len(cells), bananas.last_origins[0]
        (10, 'model')
    """

    name = "bananas"
    batch_size = 10

    @renamed(num_init="n_startup_trials")
    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = None,
        *,
        n_startup_trials: int = 10,
        num_candidates: int = 100,
        num_parents: int = 5,
        acquisition: str = "its",
        ucb_beta: float = 0.5,
        ensemble_size: int = 5,
        hidden_dim: int = 20,
        layers: int = 10,
        path_encoding: str = "auto",
        hash_dim: int = 2048,
        max_path_length: int | None = None,
        epochs: int | None = None,
        train_batch_size: int = 32,
        lr: float = 0.01,
        round_growth: float | None = None,
        device: Any = "cpu",
    ) -> None:
        super().__init__(
            space,
            seed,
            n_startup_trials=n_startup_trials,
            epochs=epochs,
            train_batch_size=train_batch_size,
            lr=lr,
            round_growth=round_growth,
            device=device,
        )
        if acquisition not in ACQUISITIONS:
            raise ValueError(f"acquisition: must be one of {list(ACQUISITIONS)}, got {acquisition!r}")
        self.num_candidates = check_int("num_candidates", num_candidates, 1)
        self.num_parents = check_int("num_parents", num_parents, 1)
        self.acquisition = acquisition
        self.ucb_beta = check_float("ucb_beta", ucb_beta, 0.0)
        self.ensemble_size = check_int("ensemble_size", ensemble_size, 1)
        self.hidden_dim = check_int("hidden_dim", hidden_dim, 1)
        self.layers = check_int("layers", layers, 1)
        self.encoder = PathEncoder(space, path_encoding, hash_dim, max_path_length)
        self.path_encoding = path_encoding
        self.hash_dim = hash_dim
        self.max_path_length = max_path_length
        #: Mean and std of the values the last model was trained on (its output units).
        self.value_scale: tuple[float, float] = (0.0, 1.0)
        #: Candidates, their ensemble mean and std (in value units) of the last :meth:`select`.
        self.last_predictions: tuple[list[Cell], np.ndarray, np.ndarray] = ([], np.zeros(0), np.zeros(0))

    @staticmethod
    def default_epochs(space: SearchSpace) -> int:
        """150 epochs on every space (the reference's setting on NAS-Bench-101 and -201)."""
        return 150

    # -- model -----------------------------------------------------------------------------
    def new_model(self) -> MLPEnsemble:
        return MLPEnsemble(self.encoder.dim, self.ensemble_size, self.hidden_dim, self.layers)

    def _prepare(self, history: Sequence[Observation], gen: torch.Generator) -> tuple[MLPEnsemble, dict[str, Any]]:
        """A fresh ensemble, the path encodings of the evaluated cells and their
        standardised values."""
        x = torch.from_numpy(self.encoder.encode([o.cell for o in history]))
        values = np.array([o.value for o in history], dtype=float)
        mu, sd = float(values.mean()), float(values.std())
        sd = sd if sd > 1e-12 else 1.0
        self.value_scale = (mu, sd)
        y = torch.tensor((values - mu) / sd, dtype=torch.float32)
        return self.new_model(), {"x": x, "y": y}

    def _training_loss(self, model: MLPEnsemble, data: dict[str, Any], gen: torch.Generator) -> tuple[Any, dict]:
        """Mean absolute error of every network on a mini-batch of its own."""
        n = len(data["y"])
        idx = torch.randint(n, (model.members, min(self.train_batch_size, n)), generator=gen)
        pred = model(data["x"][idx])
        mae = (pred - data["y"][idx]).abs().mean(1)
        return mae.mean(), {"mae": mae}

    def candidates(self, history: Sequence[Observation], taken: set[str]) -> list[Cell]:
        """Up to ``num_candidates`` new valid cells: the one-edit neighbours of the best
        evaluated cells (best first, each parent's in random order), none in ``taken``."""
        order = np.argsort(constrained_order(history), kind="stable")
        seen = set(taken)
        out: list[Cell] = []
        for i in order[: self.num_parents]:
            nbrs = neighbours(self.space, history[int(i)].cell)
            for j in self.rng.permutation(len(nbrs)):
                cell = nbrs[int(j)]
                k = self.space.key(cell)
                if k in seen:
                    continue
                seen.add(k)
                out.append(cell)
                if len(out) >= self.num_candidates:
                    return out
        return out

    def predict(self, model: MLPEnsemble, cells: Sequence[Cell]) -> tuple[np.ndarray, np.ndarray]:
        """The ensemble's mean and standard deviation of the value of each cell (value units)."""
        if not cells:
            return np.zeros(0), np.zeros(0)
        with torch.no_grad():
            pred = model(torch.from_numpy(self.encoder.encode(cells))).double().numpy()
        mu, sd = self.value_scale
        pred = pred * sd + mu
        return pred.mean(0), pred.std(0)

    def select(self, model: MLPEnsemble, history: Sequence[Observation], taken: set[str], n: int) -> list[Cell]:
        cells = self.candidates(history, taken)
        mean, std = self.predict(model, cells)
        self.last_predictions = (cells, mean, std)
        if not cells:
            return []
        if self.acquisition == "its":
            score = self.rng.normal(mean, std)
        else:
            score = mean + self.ucb_beta * std
        order = np.argsort(-score, kind="stable")
        return [cells[int(i)] for i in order[:n]]

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["value_scale"] = list(self.value_scale)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        scale = state.get("value_scale")
        if scale is not None:
            self.value_scale = (float(scale[0]), float(scale[1]))
        super().load_state_dict(state)
