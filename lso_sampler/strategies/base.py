"""The strategy interface: history in, new cells out. No Optuna or Ray in here."""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lso_sampler._checks import check_device, check_float, check_int, renamed
from lso_sampler.cell import Cell
from lso_sampler.spaces.base import ENUMERATE_LIMIT, SearchSpace, as_rng
from lso_sampler.strategies.hyperparameters import HyperparameterSpace

__all__ = [
    "ORIGINS",
    "ModelBasedStrategy",
    "Observation",
    "Strategy",
    "best_observations",
    "constrained_order",
    "constrained_ranks",
    "edit_distance",
    "history_arrays",
    "incumbent_neighbours",
    "neighbours",
    "nondominated_ranks",
    "propose_round",
    "random_unseen",
]


@dataclass(frozen=True)
class Observation:
    """One evaluated cell.

    Attributes:
        cell: The cell.
        key: Its canonical key in the space.
        values: Objective values oriented so that **larger is better** (the adapters negate
            minimised objectives), one per objective.
        constraints: Constraint values as Optuna defines them (``<= 0`` is satisfied), empty
            when the study has no constraints; ``(inf,)`` when they could not be computed.
        hyperparameters: The values of the parameters searched beside the cell (name ->
            value; empty when there are none).
    """

    cell: Cell
    key: str
    values: tuple[float, ...]
    constraints: tuple[float, ...] = ()
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> float:
        """The (first) objective value, larger is better."""
        return self.values[0]

    @property
    def violation(self) -> float:
        """Total constraint violation: the sum of the positive constraint values (0: feasible)."""
        return float(sum(max(0.0, c) for c in self.constraints))

    @property
    def feasible(self) -> bool:
        """Whether every constraint is met (always, without constraints)."""
        return self.violation == 0.0

    @property
    def score(self) -> tuple[int, float]:
        """A single-objective sort key, larger is better: any feasible cell beats every
        infeasible one; feasible cells by value, infeasible ones by smaller violation."""
        return (1, self.value) if self.feasible else (0, -self.violation)


class Strategy(ABC):
    """A search method over cells.

    Subclasses implement :meth:`propose`. They must return valid cells of ``space`` and
    should avoid cells in ``history`` or ``pending``; the adapters filter what slips
    through and top up with random unseen cells.

    Args:
        space: The search space.
        seed: Seed of the strategy's random generator.
    """

    #: Whether the strategy handles more than one objective.
    supports_multi_objective: bool = False
    #: Whether the strategy takes constraint values (``Observation.constraints``) into account.
    supports_constraints: bool = False
    #: Whether the strategy searches parameters beside the cell (:meth:`set_hyperparameters`):
    #: it models them with the cell and proposes their values with each cell
    #: (:attr:`last_hyperparameters`). Other strategies leave them to the adapters.
    supports_hyperparameters: bool = False
    #: How many cells one :meth:`propose` call returns by default.
    batch_size: int = 1
    #: Short name (used in study attributes and the CLI).
    name: str = "strategy"
    #: Where each cell of the last :meth:`propose` call came from, aligned with its result
    #: (see :data:`ORIGINS`); strategies that do not say leave it empty ("strategy").
    last_origins: list[str]

    def __init__(self, space: SearchSpace, seed: int | None = None) -> None:
        if not isinstance(space, SearchSpace):
            raise TypeError(f"space: expected a SearchSpace, got {type(space).__name__}")
        self.space = space
        self.rng = np.random.default_rng(seed)
        self.last_origins = []
        #: Origins of the cells of the adapters' last proposal round (:func:`propose_round`).
        self.round_origins: list[str] = []
        #: The parameters searched beside the cell (``None``: the cell alone).
        self.hyperparameters: HyperparameterSpace | None = None
        #: Values of those parameters for each cell of the last :meth:`propose` call (aligned
        #: with its result; empty when the strategy does not choose them).
        self.last_hyperparameters: list[dict[str, Any]] = []
        #: The same for the cells of the adapters' last proposal round (:func:`propose_round`).
        self.round_hyperparameters: list[dict[str, Any]] = []

    def seed(self, seed: int | Sequence[int] | None) -> None:
        """Re-seed the strategy's random generator."""
        self.rng = np.random.default_rng(seed)

    def taken(self, history: Sequence[Observation], pending: Sequence[Cell]) -> set[str]:
        """The keys not to propose: those of ``history`` and ``pending``. During
        :func:`propose_round` the adapters' own set of busy keys (a superset, kept up to date
        as the study grows) is copied instead of recomputing the keys of the whole history."""
        hint = getattr(self, "_busy_hint", None)
        if hint is not None:
            return set(hint)
        return {o.key for o in history} | {self.space.key(c) for c in pending}

    def set_hyperparameters(self, hyperparameters: HyperparameterSpace | None) -> None:
        """Search ``hyperparameters`` beside the cell from the next :meth:`propose` on
        (``None`` or an empty space: the cell alone). The adapters call this with the
        study's non-cell parameters; a strategy without :attr:`supports_hyperparameters`
        ignores it (the adapters then sample those parameters themselves).

        Raises:
            TypeError: if ``hyperparameters`` is not a :class:`HyperparameterSpace`.
        """
        if hyperparameters is not None and not isinstance(hyperparameters, HyperparameterSpace):
            raise TypeError(
                f"hyperparameters: expected a HyperparameterSpace or None, got {type(hyperparameters).__name__}"
            )
        if self.supports_hyperparameters:
            self.hyperparameters = hyperparameters if hyperparameters else None

    def random_hyperparameters(self, n: int) -> list[dict[str, Any]]:
        """``n`` random values of :attr:`hyperparameters` (empty dicts without them)."""
        hp = self.hyperparameters
        if hp is None:
            return [{} for _ in range(n)]
        return [hp.decode(v) for v in hp.sample(self.rng, n)]

    @abstractmethod
    def propose(self, history: Sequence[Observation], pending: Sequence[Cell], n: int) -> list[Cell]:
        """Up to ``n`` new cells to evaluate.

        Args:
            history: Evaluated cells in the order they were queried (values: larger is better).
            pending: Cells being evaluated now.
            n: How many cells to return.
        """

    def round_size(self, history: Sequence[Observation], pending: Sequence[Cell], n: int) -> int:
        """How many cells the next proposal round should hold, given that a round of ``n``
        is asked for (the adapters call this before :meth:`propose`): ``n`` by default."""
        return n

    def check_objectives(self, history: Sequence[Observation]) -> None:
        """Raise a ValueError naming the strategy if ``history`` has more objectives than it handles."""
        if not self.supports_multi_objective and any(len(o.values) > 1 for o in history):
            m = max(len(o.values) for o in history)
            raise ValueError(
                f"{type(self).__name__} handles single-objective studies only, but the history has "
                f"{m} objectives; use a single-objective study or a multi-objective sampler"
            )

    def state_dict(self) -> dict[str, Any]:
        """Extra state to save beside the generator (models, for LSO strategies)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:  # noqa: B027 - optional hook; default no-op
        """Restore what :meth:`state_dict` returned."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.space!r})"


class ModelBasedStrategy(Strategy):
    """A strategy that trains a torch model on the history each iteration (AG-Net, NGAE,
    CR-LSO): random cells until ``n_startup_trials`` are evaluated, then :meth:`fit` and
    :meth:`select`, topped up with random unseen cells when the model finds too few.

    :meth:`fit` is the training loop all of them share: it draws a torch generator from the
    strategy's own random generator, seeds torch's global CPU generator from it inside
    :func:`torch.random.fork_rng` (module initialisation and ``randn_like`` draw from it, and
    the caller's global torch state is the same after fitting as before), asks
    :meth:`_prepare` for a fresh model and its training data, and takes
    :meth:`train_steps` Adam steps on :meth:`_training_loss`.

    Subclasses implement :meth:`_prepare`, :meth:`_training_loss`, :meth:`select` and
    :meth:`new_model` (an untrained model of the right shape, for :meth:`load_state_dict`),
    and may change :attr:`adam_betas`, :attr:`grad_clip` and :meth:`_after_step`. The last
    fitted model is kept in ``model`` and saved with the sampler's state; ``last_stats``
    holds training figures.

    Args:
        space: The search space.
        seed: Seed of the strategy's random generator.
        n_startup_trials: Random cells before the first model-based iteration (Optuna's
            name for the start-up count; ``num_init``, its former name, still works with a
            FutureWarning).
        epochs: Training epochs per iteration over the evaluated cells; ``None``:
            :meth:`default_epochs` of the space.
        train_batch_size: Evaluated cells per training step (not the number of cells a
            proposal round returns, which is :attr:`Strategy.batch_size`).
        lr: Adam learning rate.
        round_growth: The proposal rounds of the Optuna samplers and Ray searchers
            (:func:`propose_round`) after the start-up grow with the history:
            ``ceil(round_growth x results)`` cells, at least 4 (and one more than the
            trials in flight) and at most the round size the sampler asks for
            (:attr:`Strategy.batch_size` unless given), so that the model is refitted often
            while results are few. ``None``: every round has the full round size.
        device: Where the model trains (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``). The
            random draws of the training steps stay on the CPU (so a seed draws the same
            batches on every device); the trained model comes back to the CPU, where
            proposals are made and the model is saved.

    Raises:
        TypeError: if an option has the wrong type (e.g. ``epochs=2.5``, ``lr="0.1"``).
        ValueError: if an option is out of range (e.g. ``n_startup_trials=0``, ``lr=nan``),
            given under both its names (``n_startup_trials`` and ``num_init``), or names a
            device torch cannot use here (``device="cuda"`` without a GPU).
    """

    #: Adam's ``betas`` during training.
    adam_betas: tuple[float, float] = (0.9, 0.999)
    #: Maximal gradient norm per training step (``None``: not clipped).
    grad_clip: float | None = None
    #: Keys of the training data that stay on the CPU when the model trains elsewhere
    #: (tensors the steps' random draws read, such as sampling weights).
    host_data: tuple[str, ...] = ()
    #: Results without a new best after which the search finishes the local search around
    #: its incumbent (:meth:`_finish_neighbourhood`; ``None``: never). :class:`AGNet` also
    #: restarts away from a verified local optimum (:meth:`_near_restart`).
    stall_patience: int | None = None
    #: Edits around a verified local optimum whose evaluated cells a restart weighs last.
    restart_radius: int = 2

    @renamed(num_init="n_startup_trials")
    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = None,
        *,
        n_startup_trials: int = 16,
        epochs: int | None = None,
        train_batch_size: int = 16,
        lr: float = 1e-3,
        round_growth: float | None = None,
        device: Any = "cpu",
    ) -> None:
        super().__init__(space, seed)
        device = check_device("device", device)
        n_startup_trials = check_int("n_startup_trials", n_startup_trials, 1)
        if round_growth is not None:
            round_growth = check_float("round_growth", round_growth, 0, low_open=True)
        if epochs is not None:
            epochs = check_int("epochs", epochs, 0)
        train_batch_size = check_int("train_batch_size", train_batch_size, 1)
        lr = check_float("lr", lr, 0, low_open=True)
        self.n_startup_trials = n_startup_trials
        self.epochs = self.default_epochs(space) if epochs is None else epochs
        self.train_batch_size = train_batch_size
        self.lr = lr
        self.round_growth = round_growth
        self.device = device
        self.model: Any = None
        self.last_stats: dict[str, float] = {}
        #: Hyperparameter values :meth:`select` chose for its cells, by cell key.
        self._chosen_hyperparameters: dict[str, dict[str, Any]] = {}

    @property
    def num_init(self) -> int:
        """Deprecated name of :attr:`n_startup_trials` (a FutureWarning says so)."""
        warnings.warn("num_init is deprecated; use n_startup_trials", FutureWarning, stacklevel=2)
        return self.n_startup_trials

    @staticmethod
    def default_epochs(space: SearchSpace) -> int:
        """Training epochs per iteration when none are given: 30 for spaces of at most
        20,000 cells (NAS-Bench-201-sized), else 15."""
        return 30 if space.num_configurations <= 20_000 else 15

    def train_steps(self, n: int) -> int:
        """Training steps per iteration on ``n`` evaluated cells: ``epochs`` times the
        number of ``train_batch_size`` batches that cover them (at least one)."""
        return self.epochs * max(1, -(-n // self.train_batch_size))

    def _torch_gen(self) -> Any:
        """A torch generator seeded from the strategy's own random generator."""
        import torch

        return torch.Generator().manual_seed(int(self.rng.integers(2**62)))

    def fit(self, history: Sequence[Observation]) -> Any:
        """Train a fresh model on ``history`` (one search iteration's training); set and
        return ``self.model``.

        Draws a torch generator from the strategy's random generator and, inside
        :func:`torch.random.fork_rng`, seeds torch's global CPU generator from it; then
        :meth:`_prepare`, and :meth:`train_steps` steps of Adam (``lr``,
        :attr:`adam_betas`) on :meth:`_training_loss`, gradients clipped at
        :attr:`grad_clip`, :meth:`_after_step` after each, on :attr:`device` (model and
        :meth:`data_to` data; the model returns to the CPU afterwards). ``last_stats`` gets
        the last step's loss, the means of the loss parts and the number of steps.
        """
        import torch

        gen = self._torch_gen()
        with torch.random.fork_rng(devices=[]):
            # the CPU generator only: torch.manual_seed would reseed CUDA's outside the fork
            torch.default_generator.manual_seed(int(torch.randint(2**62, (1,), generator=gen)))
            model, data = self._prepare(history, gen)
            if self.device != "cpu":
                model.to(self.device)
                data = self.data_to(data, self.device)
            params = list(model.parameters())
            opt = torch.optim.Adam(params, lr=self.lr, betas=self.adam_betas)
            steps = self.train_steps(len(history))
            model.train()
            last: dict[str, float] = {}
            for _ in range(steps):
                loss, parts = self._training_loss(model, data, gen)
                opt.zero_grad()
                loss.backward()
                if self.grad_clip is not None:
                    torch.nn.utils.clip_grad_norm_(params, self.grad_clip)
                opt.step()
                self._after_step(model)
                last = {"loss": loss.item(), **{k: v.mean().item() for k, v in parts.items()}}
            model.eval()
            if self.device != "cpu":
                model.to("cpu")
        self.last_stats = {**last, "steps": float(steps)}
        self.model = model
        return model

    def data_to(self, data: Any, device: Any) -> Any:
        """``data`` (:meth:`_prepare`'s training data: tensors, in dicts, lists and tuples)
        with its tensors on ``device``, except the top-level keys in :attr:`host_data`."""
        import torch

        def move(x: Any) -> Any:
            if isinstance(x, torch.Tensor):
                return x.to(device)
            if isinstance(x, dict):
                return {k: move(v) for k, v in x.items()}
            if isinstance(x, list | tuple):
                return type(x)(move(v) for v in x)
            return x

        if isinstance(data, dict):
            return {k: v if k in self.host_data else move(v) for k, v in data.items()}
        return move(data)

    @abstractmethod
    def _prepare(self, history: Sequence[Observation], gen: Any) -> tuple[Any, Any]:
        """The fresh model to train on ``history`` and the data its steps need.

        Runs inside :meth:`fit`'s seeded fork of torch's global generator (so module
        initialisation is seeded); ``gen`` is the torch generator the steps draw from.
        """

    @abstractmethod
    def _training_loss(self, model: Any, data: Any, gen: Any) -> tuple[Any, dict[str, Any]]:
        """One training step's scalar loss and its parts by name (tensors; ``last_stats``
        keeps their means), for a batch drawn with ``gen``."""

    def _after_step(self, model: Any) -> None:
        """Called after every optimiser step (nothing here)."""

    @abstractmethod
    def select(self, model: Any, history: Sequence[Observation], taken: set[str], n: int) -> list[Cell]:
        """Up to ``n`` valid cells whose keys are not in ``taken``, best first."""

    @abstractmethod
    def new_model(self) -> Any:
        """An untrained model, the shape :meth:`fit` returns (to load saved weights into)."""

    def round_size(self, history: Sequence[Observation], pending: Sequence[Cell], n: int) -> int:
        """Before ``n_startup_trials`` results are in, only the random cells still missing from
        the initial design (at least one, for the trial that asks): with trials in flight, the
        model starts as soon as ``n_startup_trials`` results are in, not a whole random round
        later. After that, ``n`` cells, or with :attr:`round_growth` a round that grows with
        the history (at least ``min(4, n)``, and at least one more cell than there are
        trials in flight, so that parallel workers share a round instead of each refitting
        the model on the same results)."""
        if len(history) >= self.n_startup_trials:
            if self.round_growth is None:
                return n
            size = max(4, math.ceil(self.round_growth * len(history)), len(pending) + 1)
            return max(1, min(n, size))
        return max(1, min(n, self.n_startup_trials - len(history) - len(pending)))

    def hyperparameter_matrix(self, history: Sequence[Observation]) -> Any:
        """The encoded :attr:`hyperparameters` of the evaluated cells, a float tensor
        ``[len(history), dim]`` (``dim = 0`` without hyperparameters): the extra inputs of
        the predictors."""
        import torch

        hp = self.hyperparameters
        if hp is None:
            return torch.zeros(len(history), 0)
        return torch.tensor(hp.encode_many([o.hyperparameters for o in history]), dtype=torch.float32)

    def candidate_hyperparameters(self, history: Sequence[Observation], cells: int, m: int) -> Any:
        """``m`` encoded hyperparameter candidates for each of ``cells`` cells, a float
        tensor ``[cells, m, dim]``: a quarter random, the rest local moves (``N(0, 0.15²)``
        in the encoding, categoricals re-drawn with probability 0.15) around the values of
        the best quarter of the evaluated cells (at most eight), drawn afresh for every cell (a trust region around
        what worked, so that a surrogate's extrapolation to the edges of a range does not
        take every proposal there, and the cells of a round spread their values)."""
        import torch

        hp = self.hyperparameters
        if hp is None or m < 1 or cells < 1:
            return torch.zeros(max(cells, 0), max(m, 0), 0)
        n_local = m - max(1, m // 4) if history else 0
        n_random = m - n_local
        parts = [hp.sample(self.rng, cells * n_random).reshape(cells, n_random, hp.dim)]
        if n_local:
            top = min(8, -(-len(history) // 4))  # the best quarter, at most eight
            best = best_observations(history, top)
            base = hp.encode_many([o.hyperparameters for o in best])
            centres = base[self.rng.integers(len(base), size=cells * n_local)]
            parts.append(hp.perturb(centres, self.rng, 0.15).reshape(cells, n_local, hp.dim))
        return torch.tensor(np.concatenate(parts, 1), dtype=torch.float32)

    def propose(self, history: Sequence[Observation], pending: Sequence[Cell], n: int) -> list[Cell]:
        taken = self.taken(history, pending)
        self._chosen_hyperparameters = {}
        if len(history) < self.n_startup_trials:
            chosen = random_unseen(self.space, self.rng, taken, n)
            self.last_origins = ["initial"] * len(chosen)
            self.last_hyperparameters = self.random_hyperparameters(len(chosen)) if self.hyperparameters else []
            return chosen
        self.check_objectives(history)
        chosen = self.select(self.fit(history), history, taken, n)[:n]
        self.last_origins = ["model"] * len(chosen)
        if len(chosen) < n:  # the model found too few new valid cells: top up at random
            taken |= {self.space.key(c) for c in chosen}
            extra = random_unseen(self.space, self.rng, taken, n - len(chosen))
            chosen += extra
            self.last_origins += ["random-top-up"] * len(extra)
        self.last_hyperparameters = []
        if self.hyperparameters is not None:
            picked = self._chosen_hyperparameters
            self.last_hyperparameters = [
                picked.get(self.space.key(c)) or self.random_hyperparameters(1)[0] for c in chosen
            ]
        return chosen

    # -- stalls ----------------------------------------------------------------------------
    def _stalled_incumbent(self, history: Sequence[Observation]) -> Observation | None:
        """The best observation if :attr:`stall_patience` or more results came after it
        (one objective, no constraints, no hyperparameters), else ``None``."""
        if self.stall_patience is None or not history or self.hyperparameters is not None:
            return None
        if len(history[0].values) != 1 or any(o.constraints for o in history):
            return None
        best = int(np.argmax([o.value for o in history]))  # the first of equal bests
        return history[best] if len(history) - 1 - best >= self.stall_patience else None

    def _untried_neighbours(self, incumbent: Observation, taken: set[str]) -> list[Cell]:
        """The incumbent's one-edit neighbours whose keys are not in ``taken``."""
        return [c for c in neighbours(self.space, incumbent.cell) if self.space.key(c) not in taken]

    def _finish_neighbourhood(
        self,
        history: Sequence[Observation],
        taken: set[str],
        n: int,
        rank: Callable[[list[Cell]], list[Cell]],
        fill: Callable[[set[str], int], list[Cell]],
    ) -> list[Cell]:
        """A round of ``n`` cells: after a stall (:attr:`stall_patience`), the incumbent's
        untried one-edit neighbours in the order ``rank`` gives them (best first), the rest
        of the round from ``fill(taken, k)``; otherwise ``fill(taken, n)``."""
        incumbent = self._stalled_incumbent(history)
        todo = self._untried_neighbours(incumbent, taken) if incumbent is not None else []
        if not todo:
            return fill(taken, n)
        chosen = rank(todo)[:n]
        if len(chosen) < n:
            chosen += fill(set(taken) | {self.space.key(c) for c in chosen}, n - len(chosen))
        return chosen

    def _restart_from(self, history: Sequence[Observation]) -> Observation | None:
        """The stalled incumbent once every one-edit neighbour of it is evaluated (a
        verified local optimum, which the search restarts away from), else ``None``."""
        incumbent = self._stalled_incumbent(history)
        if incumbent is None or self._untried_neighbours(incumbent, {o.key for o in history}):
            return None
        return incumbent

    def _near_restart(self, history: Sequence[Observation]) -> np.ndarray | None:
        """Per observation, whether it lies within :attr:`restart_radius` edits of the
        verified local optimum the search restarts from (``None`` when it does not)."""
        incumbent = self._restart_from(history)
        if incumbent is None:
            return None
        return np.array([edit_distance(self.space, o.cell, incumbent.cell) <= self.restart_radius for o in history])

    def state_dict(self) -> dict[str, Any]:
        return {"model": None if self.model is None else self.model.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the last fitted model, if the state holds one.

        Every proposal round fits a fresh model from the history, so the saved model only
        serves inspection (:attr:`model`): one that no longer fits this version's model
        (a state saved before the model gained or changed weights) is dropped with a
        warning, and the search goes on as it would have.
        """
        self.model = None
        if state.get("model") is not None:
            model = self.new_model()
            try:
                model.load_state_dict(state["model"])
            except RuntimeError as exc:
                first = str(exc).strip().splitlines()[:3]
                warnings.warn(
                    f"state: the saved {type(self).__name__} model does not fit this version's model "
                    f"({' '.join(line.strip() for line in first)}); it is dropped, and the next "
                    "proposal round fits a fresh one from the history, as every round does",
                    UserWarning,
                    stacklevel=2,
                )
                return
            self.model = model


#: The origins of proposed cells: the random initial design of a model-based method, its
#: model's choice, a random top-up when the method found too few new cells, random search's
#: draws, and the choice of a method that does not say ("strategy").
ORIGINS = ("initial", "model", "random-top-up", "random", "strategy")


def nondominated_ranks(values: np.ndarray, violation: np.ndarray | None = None) -> np.ndarray:
    """Constrained non-dominated sorting (Deb et al. 2002), larger values better.

    Args:
        values: ``[n, m]`` objective values (larger is better).
        violation: ``[n]`` total constraint violations (0: feasible), or ``None``.

    Returns:
        ``[n]`` integer front numbers, 0 for the first front. Feasible points are sorted
        into fronts by Pareto dominance; every infeasible point comes after all of them,
        ordered by violation (equal violations share a front).
    """
    v = np.asarray(values, dtype=float)
    if v.ndim == 1:
        v = v[:, None]
    n = len(v)
    ranks = np.zeros(n, dtype=int)
    viol = np.zeros(n) if violation is None else np.asarray(violation, dtype=float)
    feasible = np.flatnonzero(viol <= 0)
    fv = v[feasible]
    # dominated[i, j]: j dominates i
    ge = (fv[None, :, :] >= fv[:, None, :]).all(-1)
    gt = (fv[None, :, :] > fv[:, None, :]).any(-1)
    dominated_by = ge & gt
    left = np.ones(len(feasible), dtype=bool)
    front = 0
    while left.any():
        current = left & ~(dominated_by & left[None, :]).any(1)
        ranks[feasible[current]] = front
        left &= ~current
        front += 1
    infeasible = np.flatnonzero(viol > 0)
    if len(infeasible):
        _, order = np.unique(viol[infeasible], return_inverse=True)
        ranks[infeasible] = front + order
    return ranks


def history_arrays(history: Sequence[Observation]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``history`` as arrays: values ``[n, m]`` (larger is better), constraint values
    ``[n, c]`` (``c = 0`` without constraints) and total violations ``[n]``.

    Raises:
        ValueError: if the observations disagree on the number of objectives or constraints.
    """
    if not history:
        return np.zeros((0, 1)), np.zeros((0, 0)), np.zeros(0)
    m = {len(o.values) for o in history}
    c = {len(o.constraints) for o in history}
    if len(m) > 1 or len(c) > 1:
        raise ValueError(
            "history: observations disagree on the number of objectives or constraint values "
            f"(objectives {sorted(m)}, constraints {sorted(c)})"
        )
    values = np.array([o.values for o in history], dtype=float)
    constraints = np.array([o.constraints for o in history], dtype=float).reshape(len(history), c.pop())
    violation = np.array([o.violation for o in history])
    return values, constraints, violation


def constrained_ranks(values: np.ndarray, violation: np.ndarray | None = None) -> np.ndarray:
    """Ranks (0 = best, all distinct) of points with ``values [n, m]`` (larger is better).

    One objective: by value, feasible points before infeasible ones (those by violation).
    Several: by constrained non-dominated front, and within a front by the sum of the
    per-objective ranks (AG-Net's joint ranking). Ties keep the input order.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim == 1:
        v = v[:, None]
    n = len(v)
    if n == 0:
        return np.zeros(0, dtype=int)
    viol = np.zeros(n) if violation is None else np.asarray(violation, dtype=float)
    fronts = nondominated_ranks(v, viol)
    if v.shape[1] == 1:
        within = -v[:, 0]
    else:
        per = np.argsort(np.argsort(-v, axis=0, kind="stable"), axis=0, kind="stable")
        within = per.sum(1).astype(float)
    order = np.lexsort((np.arange(n), within, fronts))
    ranks = np.empty(n, dtype=int)
    ranks[order] = np.arange(n)
    return ranks


def constrained_order(history: Sequence[Observation]) -> np.ndarray:
    """:func:`constrained_ranks` of the observations' values and violations."""
    values, _, violation = history_arrays(history)
    return constrained_ranks(values, violation)


def best_observations(history: Sequence[Observation], k: int) -> list[Observation]:
    """The ``k`` best observations by :func:`constrained_order`, best first (ties in history
    order)."""
    return [history[int(i)] for i in np.argsort(constrained_order(history), kind="stable")[:k]]


def incumbent_neighbours(
    space: SearchSpace, history: Sequence[Observation], k: int, exclude: set[str]
) -> list[tuple[Observation, Cell]]:
    """The one-edit neighbours (:func:`neighbours`) of the ``k`` best observations
    (:func:`best_observations`) whose keys are not in ``exclude``, each once, with the
    observation it neighbours; their keys are added to ``exclude``."""
    out = []
    for source in best_observations(history, k):
        for cell in neighbours(space, source.cell):
            key = space.key(cell)
            if key not in exclude:
                exclude.add(key)
                out.append((source, cell))
    return out


def neighbours(space: SearchSpace, cell: Cell) -> list[Cell]:
    """Valid cells one parameter edit away from ``cell`` (distinct keys, ``cell`` excluded)."""
    params = space.to_params(cell, "categorical")
    own = space.key(cell)
    seen = {own}
    out = []
    for var in space.variables():
        for choice in var.choices:
            if choice == params[var.name]:
                continue
            other = space.from_params({**params, var.name: choice}, "categorical")
            if not space.is_valid(other):
                continue
            k = space.key(other)
            if k not in seen:
                seen.add(k)
                out.append(other)
    return out


def edit_distance(space: SearchSpace, a: Cell, b: Cell) -> int:
    """Parameters in which two cells differ (their categorical encodings; a cell and its
    :func:`neighbours` differ in one)."""
    pa, pb = space.to_params(a, "categorical"), space.to_params(b, "categorical")
    return sum(pa[k] != pb[k] for k in pa)


def random_unseen(
    space: SearchSpace,
    rng: np.random.Generator | int | None,
    exclude: Iterable[str],
    n: int = 1,
    tries: int = 2000,
) -> list[Cell]:
    """Up to ``n`` random valid cells whose keys are not in ``exclude`` (nor repeated).

    Falls back to enumerating the space when it is small and random draws keep hitting
    excluded cells (100 in a row, or ``tries`` in all); returns fewer than ``n`` only when
    the space has no more cells (or, for a space too large to enumerate, none was found).
    """
    gen = as_rng(rng)
    # read, not copied (the caller's set may hold a whole study's keys): the new keys apart
    excluded = exclude if isinstance(exclude, (set, frozenset)) else set(exclude)
    added: set[str] = set()
    out: list[Cell] = []
    misses = 0
    for _ in range(tries):
        if len(out) == n or misses >= 100:  # 100 draws in a row all taken: the space is (nearly) used up
            break
        cell = space.sample(gen)
        k = space.key(cell)
        if k not in excluded and k not in added:
            added.add(k)
            out.append(cell)
            misses = 0
        else:
            misses += 1
    if len(out) == n:
        return out
    if len(out) < n and space.num_configurations <= ENUMERATE_LIMIT:
        rest = [c for c in space.enumerate() if (k := space.key(c)) not in excluded and k not in added]
        for i in gen.permutation(len(rest))[: n - len(out)]:
            out.append(rest[int(i)])
    return out


def propose_round(
    strategy: Strategy,
    history: Sequence[Observation],
    pending: Sequence[Cell],
    busy: set[str],
    n: int,
    seed: int,
    rnd: int,
) -> list[Cell]:
    """One proposal round of the adapters (Optuna sampler, Ray searcher): up to ``n``
    distinct valid cells whose keys are not in ``busy``, from ``strategy`` and, if it
    returns too few, at random; empty only when the space has no other cell.

    The round is seeded by ``(seed, len(history), rnd)``, so every process that sees the same
    history proposes the same cells. Its size is ``strategy.round_size(history, pending, n)``.
    Where each cell came from is left in ``strategy.round_origins`` (aligned with the result;
    :data:`ORIGINS`).
    """
    space = strategy.space
    n = strategy.round_size(history, pending, n)
    strategy.seed([seed, len(history), rnd])
    batch: list[Cell] = []
    origins: list[str] = []
    hparams: list[dict[str, Any]] = []
    seen: set[str] = set()  # the round's keys (``busy`` is read, not copied)
    strategy.last_origins = []
    strategy.last_hyperparameters = []
    strategy._busy_hint = busy  # history's and pending keys, and more (Strategy.taken)
    try:
        proposed = strategy.propose(history, pending, n)
    finally:
        strategy._busy_hint = None
    said = strategy.last_origins if len(strategy.last_origins) == len(proposed) else ["strategy"] * len(proposed)
    chosen_hp = strategy.last_hyperparameters if len(strategy.last_hyperparameters) == len(proposed) else None
    for i, (cell, origin) in enumerate(zip(proposed, said)):
        k = space.key(cell)
        if k not in busy and k not in seen and space.is_valid(cell):
            seen.add(k)
            batch.append(cell)
            origins.append(origin)
            if chosen_hp is not None:
                hparams.append(chosen_hp[i])
    rng = np.random.default_rng([seed, len(history), rnd, 1])
    if len(batch) < n:
        extra = random_unseen(space, rng, busy | seen, n - len(batch))  # rare: a copy is fine
        batch += extra
        origins += ["random-top-up"] * len(extra)
    strategy.round_origins = origins
    strategy.round_hyperparameters = []
    hp_space = strategy.hyperparameters if strategy.supports_hyperparameters else None
    if hp_space is not None:  # every cell of the round gets values (random where the strategy gave none)
        if chosen_hp is None:
            hparams = []
        hparams += [hp_space.decode(v) for v in hp_space.sample(rng, len(batch) - len(hparams))]
        strategy.round_hyperparameters = hparams
    return batch
