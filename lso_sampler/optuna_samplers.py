"""Optuna samplers: a :class:`~optuna.samplers.BaseSampler` adapter around a strategy."""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, IntDistribution
from optuna.samplers import BaseSampler, RandomSampler
from optuna.samplers._base import _process_constraints_after_trial
from optuna.study import Study, StudyDirection
from optuna.study._constrained_optimization import _CONSTRAINTS_KEY
from optuna.trial import FrozenTrial, TrialState

from lso_sampler.cell import Cell
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies.agnet import AGNet
from lso_sampler.strategies.base import Observation, Strategy, propose_round, random_unseen
from lso_sampler.strategies.convex import ConvexLSO
from lso_sampler.strategies.evolution import RegularizedEvolution
from lso_sampler.strategies.graph_vae import GraphVAESearch
from lso_sampler.strategies.local_search import LocalSearch
from lso_sampler.strategies.random_search import RandomSearch

__all__ = [
    "AGNetSampler",
    "ConvexLSOSampler",
    "GraphVAESampler",
    "LSOSampler",
    "LocalSearchSampler",
    "RandomSearchSampler",
    "RegularizedEvolutionSampler",
]

_logger = optuna.logging.get_logger(__name__)

#: Trial system attribute holding the parameters of the cell reserved for the trial.
CELL_ATTR = "lso_sampler:cell"
#: Study system attribute prefix holding the current batch of proposals.
BATCH_ATTR = "lso_sampler:batch"


def _usable_values(trial: FrozenTrial, n_objectives: int) -> tuple[float, ...] | None:
    """What a finished trial tells the model: a completed trial's values when all are
    finite; a pruned single-objective trial's last report when finite; else ``None``."""
    if trial.state == TrialState.PRUNED:
        if n_objectives != 1 or not trial.intermediate_values:
            return None
        last = trial.intermediate_values[max(trial.intermediate_values)]
        return (float(last),) if last is not None and math.isfinite(last) else None
    values = tuple(float(v) for v in trial.values)
    return values if all(math.isfinite(v) for v in values) else None


def _trial_encoding(space: SearchSpace, trial: FrozenTrial) -> str | None:
    """Which encoding a trial's space parameters use, or ``None`` if it has not all of them."""
    dists = [trial.distributions.get(n) for n in space.param_names]
    if any(d is None for d in dists):
        return None
    if all(isinstance(d, CategoricalDistribution) for d in dists):
        return "categorical"
    if all(isinstance(d, IntDistribution) for d in dists):
        return "integer"
    return None


class LSOSampler(BaseSampler):
    """Optuna sampler that lets a :class:`~lso_sampler.strategies.Strategy` pick whole cells.

    The space's parameters are sampled together (``sample_relative``): the strategy sees
    the study's completed trials as cells with their values and the running trials as
    pending, and proposes a batch of cells that are handed out one per trial. Any other
    parameter the objective asks for goes to ``independent_sampler`` (with one warning per
    parameter). Failed, pruned and NaN/inf trials are skipped. The batch is stored in the
    study, so another process that shares the storage continues it; with a ``seed``, a
    fresh sampler given the same stored trials proposes the same cells.

    Args:
        space: The search space; the objective must call ``space.suggest(trial)`` (same
            encoding as ``space.encoding``).
        strategy: The search method.
        seed: Seed for the strategy and the independent sampler.
        independent_sampler: Sampler for parameters outside the space (default:
            ``RandomSampler(seed)``).
        batch_size: Cells per proposal round (default: the strategy's).
        warn_independent_sampling: Warn once per parameter sampled independently.
        constraints_func: As in Optuna's TPE and NSGA-II samplers: ``FrozenTrial ->
            Sequence[float]``, a value ``<= 0`` meaning the constraint is met; called after
            each completed or pruned trial and stored with it. The strategy sees the values
            (``Observation.constraints``); a trial whose constraints could not be computed
            counts as infeasible.

    Example:
        >>> import optuna
        >>> from lso_sampler.spaces import NASBench201Space
        >>> from lso_sampler.strategies import RandomSearch
        >>> space = NASBench201Space()
        >>> sampler = LSOSampler(space, RandomSearch(space), seed=0)
        >>> study = optuna.create_study(direction="maximize", sampler=sampler)
        >>> study.optimize(lambda t: space.suggest(t).num_edges, n_trials=3)
        >>> len(study.trials)
        3
    """

    #: The constructor's own options; the model-based samplers pass the rest to the strategy.
    _SAMPLER_KEYS = ("independent_sampler", "batch_size", "warn_independent_sampling", "constraints_func")

    @classmethod
    def _split_options(cls, kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """``kwargs`` as (sampler options, strategy options)."""
        sampler = {k: v for k, v in kwargs.items() if k in cls._SAMPLER_KEYS}
        return sampler, {k: v for k, v in kwargs.items() if k not in cls._SAMPLER_KEYS}

    def __init__(
        self,
        space: SearchSpace,
        strategy: Strategy,
        *,
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
        batch_size: int | None = None,
        warn_independent_sampling: bool = True,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    ) -> None:
        if not isinstance(space, SearchSpace):
            raise TypeError(f"space: expected a SearchSpace, got {type(space).__name__}")
        if not isinstance(strategy, Strategy):
            raise TypeError(f"strategy: expected a Strategy, got {type(strategy).__name__}")
        if strategy.space is not space and strategy.space.signature() != space.signature():
            raise ValueError("strategy: was built for another search space than `space`")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size: must be at least 1, got {batch_size}")
        if constraints_func is not None and not callable(constraints_func):
            raise TypeError(
                f"constraints_func: expected a callable FrozenTrial -> Sequence[float], got "
                f"{type(constraints_func).__name__}"
            )
        if constraints_func is not None and not strategy.supports_constraints:
            raise ValueError(
                f"constraints_func: {type(strategy).__name__} does not take constraints into account; "
                "leave constraints_func out or use a strategy that does"
            )
        self._constraints_func = constraints_func
        self._space = space
        self._strategy = strategy
        self._seed = seed if seed is not None else int(np.random.SeedSequence().entropy % 2**31)
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._batch_size = batch_size or strategy.batch_size
        self._warn_independent = warn_independent_sampling
        self._warned: set[str] = set()
        self._reserved: dict[int, dict[str, Any]] = {}
        self._lock = threading.RLock()

    # -- pickling (locks do not pickle) ---------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    @property
    def space(self) -> SearchSpace:
        """The search space."""
        return self._space

    @property
    def strategy(self) -> Strategy:
        """The wrapped strategy."""
        return self._strategy

    def reseed_rng(self) -> None:
        self._seed = int(np.random.SeedSequence().entropy % 2**31)
        self._independent_sampler.reseed_rng()

    # -- the study as history ---------------------------------------------------------------
    def _check_objectives(self, study: Study) -> None:
        if len(study.directions) > 1 and not self._strategy.supports_multi_objective:
            raise ValueError(
                f"{type(self).__name__} ({self._strategy.name}) handles single-objective studies "
                f"only, but this study has {len(study.directions)} objectives; use a "
                "single-objective study or a multi-objective sampler such as NSGAIISampler"
            )

    def _cell_of(self, trial: FrozenTrial) -> Cell | None:
        enc = _trial_encoding(self._space, trial)
        params: dict[str, Any] | None = None
        if enc is not None:
            params = {n: trial.params[n] for n in self._space.param_names}
        elif CELL_ATTR in trial.system_attrs:
            params, enc = trial.system_attrs[CELL_ATTR], "categorical"
        elif trial.state == TrialState.WAITING:
            fixed = trial.system_attrs.get("fixed_params", {})
            if all(n in fixed for n in self._space.param_names):
                params = {n: fixed[n] for n in self._space.param_names}
                enc = self._space.encoding
        if params is None:
            return None
        try:
            cell = self._space.from_params(params, enc)
        except ValueError:
            return None
        return cell if self._space.is_valid(cell) else None

    def history(self, study: Study, exclude: int | None = None) -> tuple[list[Observation], list[Cell]]:
        """Completed trials as observations (larger is better) and the cells not to propose:
        running and waiting trials' and those of completed trials with an infinite value.

        A pruned trial (single objective) counts with the last value it reported, as
        Optuna's TPE uses it: the pruner stopped it because it was behind; one that
        reported nothing finite is only kept from being proposed again."""
        signs = [1.0 if d == StudyDirection.MAXIMIZE else -1.0 for d in study.directions]
        trials = study.get_trials(
            deepcopy=False,
            states=(TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING),
        )
        observations: list[Observation] = []
        pending: list[Cell] = []
        for t in sorted(trials, key=lambda t: t.number):
            if t.number == exclude:
                continue
            if t.state not in (TrialState.COMPLETE, TrialState.PRUNED):
                cell = self._cell_of(t)
                if cell is not None:
                    pending.append(cell)
                continue
            if t.state == TrialState.COMPLETE and (t.values is None or len(t.values) != len(signs)):
                continue
            if _trial_encoding(self._space, t) is None:
                continue
            cell = self._cell_of(t)
            if cell is None:
                continue
            raw = _usable_values(t, len(signs))
            if raw is None:
                pending.append(cell)  # evaluated, no usable value: not for the model, nor again
                continue
            values = tuple(s * v for s, v in zip(signs, raw))
            observations.append(Observation(cell, self._space.key(cell), values, self._constraints_of(t)))
        return observations, pending

    def _constraints_of(self, trial: FrozenTrial) -> tuple[float, ...]:
        """The trial's stored constraint values (``()`` without ``constraints_func``;
        ``(inf,)`` when they could not be computed: infeasible, as Optuna's TPE treats it)."""
        if self._constraints_func is None:
            return ()
        stored = trial.system_attrs.get(_CONSTRAINTS_KEY)
        if stored is None:
            return (math.inf,)
        return tuple(float(c) for c in stored)

    # -- choosing the cell of a trial ----------------------------------------------------------
    def _batch_key(self) -> str:
        return f"{BATCH_ATTR}:{self._strategy.name}"

    def _next_cell(self, study: Study, trial: FrozenTrial, avoid: set[str] | None = None) -> Cell:
        history, pending = self.history(study, exclude=trial.number)
        busy = {o.key for o in history} | {self._space.key(c) for c in pending} | (avoid or set())
        storage, sid = study._storage, study._study_id
        stored = storage.get_study_system_attrs(sid).get(self._batch_key())
        if stored:
            for params in stored["cells"]:
                cell = self._space.from_params(params, "categorical")
                if self._space.key(cell) not in busy:
                    return cell
        # A new round: seeded by the history, so every process proposes the same batch.
        rnd = 0 if not stored else int(stored.get("round", 0)) + 1
        batch = propose_round(self._strategy, history, pending, busy, self._batch_size, self._seed, rnd)
        if not batch:
            warnings.warn(
                f"every valid cell of {self._space.name} has been queried or is pending; "
                "repeating a random cell",
                stacklevel=2,
            )
            return self._space.sample(np.random.default_rng([self._seed, len(history), rnd]))
        storage.set_study_system_attr(
            sid,
            self._batch_key(),
            {
                "round": rnd,
                "history": len(history),
                "cells": [self._space.to_params(c, "categorical") for c in batch],
            },
        )
        return batch[0]

    def _uses_space(self, trial: FrozenTrial) -> bool:
        fixed = trial.system_attrs.get("fixed_params", {})
        return not any(n in fixed for n in self._space.param_names)

    def _reserve(self, study: Study, trial: FrozenTrial) -> dict[str, Any]:
        """Pick the trial's cell and record it in the storage.

        Write, then check: a worker that finds another trial (running or completed) holding
        the same cell after writing its own reservation picks again. Of two workers racing for one
        cell, the one that reads last sees both reservations, so both never keep it.
        """
        avoid: set[str] = set()
        params: dict[str, Any] = {}
        for _ in range(32):
            cell = self._next_cell(study, trial, avoid)
            key = self._space.key(cell)
            params = self._space.to_params(cell, "categorical")
            study._storage.set_trial_system_attr(trial._trial_id, CELL_ATTR, params)
            # The rival may have finished meanwhile: look at completed trials too.
            done, pending = self.history(study, exclude=trial.number)
            if key not in {o.key for o in done} | {self._space.key(c) for c in pending}:
                break
            avoid.add(key)
        self._reserved[trial._trial_id] = params
        return params

    def _check_enqueued(self, trial: FrozenTrial) -> None:
        """Warn, naming the problem, when an enqueued trial's parameters are no valid cell."""
        fixed = trial.system_attrs.get("fixed_params", {})
        params = {n: fixed[n] for n in self._space.param_names if n in fixed}
        if len(params) < len(self._space.param_names):
            return  # a partial cell: the rest comes from the independent sampler
        try:  # in the encoding `space.suggest(trial)` will read them with, as `_cell_of` does
            cell = self._space.from_params(params, self._space.encoding)
        except ValueError as exc:
            warnings.warn(f"enqueued trial #{trial.number}: {exc}", stacklevel=2)
            return
        why = self._space.is_valid(cell)
        if not why:
            warnings.warn(
                f"enqueued trial #{trial.number} is not a valid cell of {self._space.name} "
                f"({why.reason}); the objective receives it as enqueued (check "
                "`space.is_valid(cell)` there, or enqueue a valid cell)",
                stacklevel=2,
            )

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._check_objectives(study)
        if not self._uses_space(trial):
            self._check_enqueued(trial)
            return  # an enqueued cell: the user's choice, nothing to reserve
        with self._lock:
            self._reserve(study, trial)

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        self._check_objectives(study)
        return self._space.distributions()

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        self._check_objectives(study)
        if not search_space or set(search_space) != set(self._space.param_names):
            return {}
        if not self._uses_space(trial):
            return {}
        with self._lock:
            params = self._reserved.pop(trial._trial_id, None)
            if params is None:
                params = trial.system_attrs.get(CELL_ATTR)
            if params is None:  # not reserved in before_trial (e.g. a hand-made trial)
                params = self._reserve(study, trial)
                self._reserved.pop(trial._trial_id, None)
        cell = self._space.from_params(params, "categorical")
        return self._space.to_params(cell)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        self._check_objectives(study)
        if self._warn_independent and param_name not in self._warned:
            self._warned.add(param_name)
            in_space = param_name in self._space.param_names
            why = (
                "its distribution differs from the space's (suggest it through "
                "`space.suggest(trial)` with the space's encoding)"
                if in_space
                else f"it is not a parameter of {self._space.name}"
            )
            _logger.warning(
                f"The parameter '{param_name}' in trial#{trial.number} is sampled independently "
                f"by {type(self._independent_sampler).__name__} instead of "
                f"{type(self).__name__}: {why}."
            )
        return self._independent_sampler.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        with self._lock:
            self._reserved.pop(trial._trial_id, None)
        if self._constraints_func is not None:
            try:
                _process_constraints_after_trial(self._constraints_func, study, trial, state)
            except Exception as exc:  # stored as None: the trial counts as infeasible
                warnings.warn(
                    f"constraints_func failed on trial #{trial.number} ({exc!r}); the trial counts as infeasible",
                    stacklevel=2,
                )
        self._independent_sampler.after_trial(study, trial, state, values)


class RandomSearchSampler(LSOSampler):
    """Random search that never repeats a cell (any number of objectives).

    Example:
        >>> from lso_sampler.spaces import NASBench201Space
        >>> sampler = RandomSearchSampler(NASBench201Space(), seed=0)
    """

    def __init__(self, space: SearchSpace, *, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(space, RandomSearch(space, seed=seed), seed=seed, **kwargs)


class RegularizedEvolutionSampler(LSOSampler):
    """Regularised evolution (Real et al. 2019) as an Optuna sampler. With several
    objectives the tournament picks by constrained non-dominated sorting; with
    ``constraints_func`` feasible parents come first.

    Args:
        space: The search space.
        population_size: P (default 100, the paper's).
        sample_size: S, tournament size (default 25, the paper's).
        seed: Random seed.
        **kwargs: Passed to :class:`LSOSampler` (``independent_sampler`` ...).

    Example:
        >>> import optuna
        >>> from lso_sampler.spaces import NASBench201Space
        >>> space = NASBench201Space()
        >>> sampler = RegularizedEvolutionSampler(space, population_size=10, sample_size=3, seed=0)
        >>> study = optuna.create_study(direction="maximize", sampler=sampler)
        >>> study.optimize(lambda t: space.suggest(t).ops.count("nor_conv_3x3"), n_trials=20)
        >>> study.best_value >= 3
        True
    """

    def __init__(
        self,
        space: SearchSpace,
        population_size: int = 100,
        sample_size: int = 25,
        *,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        strategy = RegularizedEvolution(space, population_size, sample_size, seed=seed)
        super().__init__(space, strategy, seed=seed, **kwargs)


class LocalSearchSampler(LSOSampler):
    """Local search with random restarts (White et al. 2021) as an Optuna sampler.

    Args:
        space: The search space.
        num_init: Random cells before the first climb (default 1).
        seed: Random seed.
        **kwargs: Passed to :class:`LSOSampler`.

    Example:
        >>> import optuna
        >>> from lso_sampler.spaces import NASBench201Space
        >>> space = NASBench201Space()
        >>> study = optuna.create_study(direction="maximize", sampler=LocalSearchSampler(space, seed=0))
        >>> study.optimize(lambda t: space.suggest(t).ops.count("nor_conv_3x3"), n_trials=49)
        >>> study.best_value - study.trials[0].value  # two full neighbourhoods, two steps up
        2.0
    """

    def __init__(self, space: SearchSpace, num_init: int = 1, *, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(space, LocalSearch(space, num_init=num_init, seed=seed), seed=seed, **kwargs)


class AGNetSampler(LSOSampler):
    """AG-Net generative latent space optimisation (Lukasik et al., ECCV 2022) for Optuna.

    16 random cells, then per iteration: retrain the pretrained generator and its MLP
    surrogate on the evaluated cells with rank weights, generate 100 new valid cells and
    hand out the surrogate's top 16, one per trial.

    Multi-objective studies (``directions=[...]``) and ``constraints_func`` work as with
    Optuna's TPE and NSGA-II (AG-Net section 4.3): one surrogate head per objective and
    per constraint value; the rank weights follow a joint rank (the sum of per-objective
    ranks within non-dominated fronts: the paper's Joint=1) or, in a single-objective study
    with constraints, the objective alone (Joint=0); cells that break a constraint get
    their rank multiplied by ``infeasible_penalty`` (1000, as the reference). Proposals are
    ranked by constrained non-dominated sorting of the surrogate's predictions.

    Args:
        space: The search space (any built-in space or a ``DAGSpace``; pretraining for a
            space without shipped weights runs on first use and is cached on disk).
        seed: Random seed.
        **kwargs: :class:`~lso_sampler.strategies.AGNet` options (``epochs``, ``alpha``,
            ``weight_k``, ``weighted_retraining``, ``backprop_surrogate``, ...) and
            :class:`LSOSampler` options (``independent_sampler``, ``batch_size``,
            ...). ``batch_size`` here is the sampler's (cells per proposal round); for the
            strategy's training batch build the strategy and pass it to
            :class:`LSOSampler`.

    Example:
        >>> import optuna
        >>> from lso_sampler.spaces import NASBench201Space
        >>> space = NASBench201Space()
        >>> study = optuna.create_study(direction="maximize", sampler=AGNetSampler(space, seed=0))
        >>> study.optimize(lambda t: space.suggest(t).ops.count("nor_conv_3x3"), n_trials=20)  # doctest: +SKIP
    """

    def __init__(self, space: SearchSpace, *, seed: int | None = None, **kwargs: Any) -> None:
        sampler_kw, strategy_kw = self._split_options(kwargs)
        super().__init__(space, AGNet(space, seed=seed, **strategy_kw), seed=seed, **sampler_kw)


class GraphVAESampler(LSOSampler):
    """Graph VAE + gradient ascent in latent space (NGAE; D-VAE / SVGe / GIN encoders).

    16 random cells, then per iteration: train the pretrained graph VAE jointly with a
    performance predictor (and a complexity predictor when ``complexity`` is given) on
    the evaluated cells, move prior samples and the best cells' latents uphill on
    ``f_perf - λ f_comp``, decode (always valid in the built-in spaces) and hand out the
    16 best-predicted new cells, one per trial.

    Two-objective studies: the complexity predictor learns the second objective and each
    start point ascends its own random scalarisation ``w f_1 - (1 - w) f_2`` (NGAE eq. 7
    with a random λ), so the decodes cover the front; the new cells are ranked by
    non-dominated sorting of the predictions. With ``constraints_func``, cells that broke
    a constraint get the worst performance targets (ordered by violation).

    Args:
        space: The search space.
        seed: Random seed.
        encoder: ``"dvae"``, ``"svge"`` or ``"gin"``.
        complexity_weight: ``λ``; needs ``complexity=`` (a ``cell -> float`` function).
        **kwargs: :class:`~lso_sampler.strategies.GraphVAESearch` options and
            :class:`LSOSampler` options (``independent_sampler``, ``batch_size``,
            ...). ``batch_size`` here is the sampler's (cells per proposal round); for the
            strategy's training batch build the strategy and pass it to
            :class:`LSOSampler`.

    Example:
        >>> import optuna
        >>> from lso_sampler.spaces import NASBench201Space
        >>> space = NASBench201Space()
        >>> sampler = GraphVAESampler(space, encoder="svge", seed=0)
        >>> study = optuna.create_study(direction="maximize", sampler=sampler)
        >>> study.optimize(lambda t: space.suggest(t).ops.count("nor_conv_3x3"), n_trials=20)  # doctest: +SKIP
    """

    _STRATEGY: type[Strategy] = GraphVAESearch

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int | None = None,
        encoder: str = "dvae",
        complexity_weight: float = 0.0,
        **kwargs: Any,
    ) -> None:
        sampler_kw, strategy_kw = self._split_options(kwargs)
        strategy = self._STRATEGY(space, seed=seed, encoder=encoder, complexity_weight=complexity_weight, **strategy_kw)
        super().__init__(space, strategy, seed=seed, **sampler_kw)


class ConvexLSOSampler(GraphVAESampler):
    """CR-LSO: the graph VAE with an input-convex (ICNN) performance predictor, trained
    semi-supervised on random unlabeled cells too; gradient search from the best cells'
    perturbed latents, with the step enlarged whenever a decode is already known.
    Two objectives and constraints as :class:`GraphVAESampler`: the second head is an
    ICNN too, so every scalarisation ``w f_1 - (1 - w) f_2`` stays concave in ``z``.

    Args:
        space: The search space.
        seed: Random seed.
        **kwargs: :class:`~lso_sampler.strategies.ConvexLSO` options (``num_unlabeled``,
            ``num_perturb``, ``noise``, ``encoder``, ...) and :class:`LSOSampler` options.

    Example:
        >>> import optuna
        >>> from lso_sampler.spaces import NASBench201Space
        >>> space = NASBench201Space()
        >>> study = optuna.create_study(direction="maximize", sampler=ConvexLSOSampler(space, seed=0))
        >>> study.optimize(lambda t: space.suggest(t).ops.count("nor_conv_3x3"), n_trials=20)  # doctest: +SKIP
    """

    _STRATEGY = ConvexLSO
