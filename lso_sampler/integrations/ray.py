"""Ray Tune searchers around the same strategies as the Optuna samplers.

Imported only when Ray Tune is installed (``pip install "lso-sampler[ray]"``). One searcher
class per registered method (:mod:`lso_sampler.methods`): ``AGNetSearcher``,
``RegularizedEvolutionSearcher``, ``LocalSearchSearcher``, ... with the sampler's names.

Each searcher hands Tune one cell per trial as the space's parameters (``space.to_params``),
so the trainable gets the cell back with ``space.from_params(config, strict=False)``
(``strict=False`` lets the config carry your other keys, e.g. a fixed learning rate).
Completed trials with a finite metric become the strategy's history; trials that raise,
report no metric, or report ``None``, NaN or inf are recorded in :attr:`LSOSearcher.failures`
and never stop the search. Trials that Tune stops early (a scheduler such as ASHA, or a
stopper) count as Optuna's pruned trials do in the samplers: with their last reported
value (:attr:`LSOSearcher.pruned`). ``metric=[...]`` with ``mode=[...]`` runs a
multi-objective search for the methods that handle several objectives. The searchers are
experimental (``optuna.exceptions.ExperimentalWarning`` when built). Proposal rounds are
seeded by ``(seed, completed trials, round)``, as in
:class:`~lso_sampler.optuna_samplers.LSOSampler`, and the whole state (history, pending
and failed trials, the current round's cells, the strategy's model) goes into ``save`` /
Tune's experiment checkpoints, so ``Tuner.restore`` continues the search without losing a
result or repeating a cell.

Which to use: these searchers keep everything in the driver and need nothing else; Ray's
own ``OptunaSearch(sampler=AGNetSampler(space), ...)`` also works (the sampler sees an
in-memory Optuna study) and is the choice when you want Optuna's storages, pruners or
dashboards around a Tune run.
"""

from __future__ import annotations

import inspect
import logging
import math
import pickle
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

try:
    from ray.tune.search import Searcher
except ImportError as exc:  # pragma: no cover - exercised only without Ray
    raise ImportError(
        "lso_sampler.ray_searchers needs Ray Tune, which is not installed: "
        'pip install "lso-sampler[ray]" (or pip install "ray[tune]")'
    ) from exc

from lso_sampler.cell import Cell
from lso_sampler.integrations._common import (
    AdapterSpec,
    GeneratedDocs,
    build_variant,
    check_adapter,
    check_batch_size,
    observation,
    resolve_seed,
    warn_experimental,
)
from lso_sampler.methods import METHODS, Method
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies.base import Observation, Strategy, propose_round
from lso_sampler.strategies.hyperparameters import Hyperparameter, HyperparameterSpace

__all__ = ["LSOSearcher", "make_searcher", "searcher_class", "searcher_names"]

_logger = logging.getLogger(__name__)
_STATE_VERSION = 1


def hyperparameter(name: str, domain: Any) -> Hyperparameter:
    """The :class:`Hyperparameter` of a Ray Tune search domain: ``tune.uniform``,
    ``loguniform``, ``quniform``, ``qloguniform``, ``randint``, ``lograndint``,
    ``qrandint``, ``qlograndint`` and ``choice``.

    Raises:
        ValueError: naming the parameter, for another domain (``tune.randn``, a function, ...).
    """
    from ray.tune.search.sample import Categorical, Float, Integer, Quantized

    sampler = domain.get_sampler()
    step = None
    if isinstance(sampler, Quantized):
        step, sampler = float(sampler.q), sampler.sampler
    kind = type(sampler).__name__
    if isinstance(domain, Categorical) and kind == "_Uniform":
        return Hyperparameter(name, "categorical", choices=tuple(domain.categories))
    if isinstance(domain, (Float, Integer)) and kind in ("_Uniform", "_LogUniform"):
        log = kind == "_LogUniform"
        if isinstance(domain, Float):
            return Hyperparameter(name, "float", float(domain.lower), float(domain.upper), log=log, step=step)
        # Tune's integer domains exclude their upper bound, its quantised ones include it
        high = domain.upper if step is not None else domain.upper - 1
        return Hyperparameter(name, "int", domain.lower, high, log=log, step=None if log else step)
    raise ValueError(
        f"param_space[{name!r}]: {domain!r} cannot be searched beside the cell; use tune.uniform, "
        "loguniform, quniform, randint, lograndint, qrandint or choice, or fix the value"
    )


def _finite(value: Any) -> float | None:
    """``value`` as a float when it is a finite real number, else ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _as_names(metric: Any) -> list[str]:
    """``metric`` (a result key or a list of them) as a list of keys."""
    return list(metric) if isinstance(metric, (list, tuple)) else [metric]


def _check_metric_mode(metric: Any, mode: Any, strategy: Strategy, owner: str) -> tuple[Any, Any]:
    """``metric`` and ``mode`` checked and normalised (tuples become lists, as Ray's
    ``Searcher`` expects): one result key with ``"max"``/``"min"``, or, for several
    objectives, a list of distinct keys with a list of as many modes; either may be ``None``
    (set later, in ``TuneConfig``).

    Raises:
        ValueError: naming the parameter and what to give instead; for several metrics when
            the strategy handles one objective only (or fewer than given).
    """
    metric = list(metric) if isinstance(metric, tuple) else metric
    mode = list(mode) if isinstance(mode, tuple) else mode
    if metric is not None:
        names = _as_names(metric)
        if not names or not all(isinstance(m, str) for m in names) or len(set(names)) < len(names):
            raise ValueError(
                f"{owner}: metric: expected one result key (a str), or a list of distinct keys for "
                f"several objectives, got {metric!r}"
            )
    if mode is not None and (mode == [] or not all(m in ("max", "min") for m in _as_names(mode))):
        raise ValueError(
            f"{owner}: mode: must be 'max' or 'min' (with metric=[...], a list of them, one per metric), got {mode!r}"
        )
    if metric is not None and mode is not None:
        if isinstance(metric, list) and (not isinstance(mode, list) or len(mode) != len(metric)):
            raise ValueError(
                f"{owner}: mode: metric={metric!r} takes a list of {len(metric)} modes, one per metric "
                f"(e.g. mode={['max'] + ['min'] * (len(metric) - 1)!r}), got mode={mode!r}"
            )
        if isinstance(mode, list) and not isinstance(metric, list):
            raise ValueError(
                f"{owner}: mode: a list of modes takes a list of metrics (metric=[...], one per mode); "
                f"for metric={metric!r} give mode='max' or 'min', got mode={mode!r}"
            )
    n = len(_as_names(metric)) if metric is not None else len(_as_names(mode)) if isinstance(mode, list) else 1
    if n > 1 and not strategy.supports_multi_objective:
        several = [m.searcher_name for m in METHODS.values() if m.multi_objective]
        raise ValueError(
            f"{owner}: metric: {n} metrics ({metric!r}) make a multi-objective search, but "
            f"{strategy.name} handles one objective; give one metric, or use a searcher of a "
            f"multi-objective method: {', '.join(several)}"
        )
    limit = getattr(strategy, "max_objectives", None)
    if limit is not None and n > limit:
        raise ValueError(
            f"{owner}: metric: {strategy.name} handles at most {limit} objectives, got {n} ({metric!r}); "
            "use AGNetSearcher or RegularizedEvolutionSearcher for more"
        )
    return metric, mode


class LSOSearcher(Searcher):
    """A Ray Tune ``Searcher`` that asks a :class:`~lso_sampler.strategies.Strategy` for cells.

    Args:
        space: The search space.
        strategy: The strategy (built for ``space``).
        metric: The result key to optimise (or set it in ``TuneConfig``); a list of keys
            for several objectives (methods with ``multi_objective`` in
            :mod:`lso_sampler.methods`; others refuse it with a ValueError naming them).
        mode: ``"max"`` or ``"min"`` (or set it in ``TuneConfig``); with a list of metrics,
            a list of modes, one per metric.
        points_to_evaluate: Cells to run first, as parameter dicts of the space (the
            space's encoding) or :class:`~lso_sampler.cell.Cell` objects.
        evaluated_rewards: Metric values already known for ``points_to_evaluate``: those
            points join the history without being run (with several metrics, one sequence
            of values per point).
        seed: Seed of the proposal rounds (a fixed seed makes a sequential search
            repeatable in one process).
        batch_size: Cells per proposal round (default: the strategy's).
        max_concurrent: Trials in flight at most (0: no limit; Tune's
            ``ConcurrencyLimiter`` and ``max_concurrent_trials`` also work).

    Experimental (preview): building one emits ``optuna.exceptions.ExperimentalWarning``,
    as Optuna's experimental classes do; the interface can change in future versions.

    Example:
        >>> from lso_sampler.spaces import NASBench201Space
        >>> from lso_sampler.strategies import RandomSearch
        >>> space = NASBench201Space()
        >>> searcher = LSOSearcher(space, RandomSearch(space), metric="acc", mode="max", seed=0)
        >>> config = searcher.suggest("t1")
        >>> searcher.on_trial_complete("t1", {"acc": 0.9})
        >>> len(searcher.history)
        1
    """

    def __init__(
        self,
        space: SearchSpace,
        strategy: Strategy,
        *,
        metric: str | Sequence[str] | None = None,
        mode: str | Sequence[str] | None = None,
        points_to_evaluate: Sequence[Mapping[str, Any] | Cell] | None = None,
        evaluated_rewards: Sequence[float] | Sequence[Sequence[float]] | None = None,
        seed: int | None = None,
        batch_size: int | None = None,
        max_concurrent: int = 0,
    ) -> None:
        owner = type(self).__name__
        warn_experimental(owner)
        check_adapter(space, strategy, owner)
        check_batch_size(batch_size, owner)
        metric, mode = _check_metric_mode(metric, mode, strategy, owner)
        if max_concurrent < 0:
            raise ValueError(f"max_concurrent: must be non-negative (0: no limit), got {max_concurrent}")
        super().__init__(metric=metric, mode=mode)
        self._space = space
        self._strategy = strategy
        self._seed = resolve_seed(seed, owner)
        self._batch_size = batch_size or strategy.batch_size
        self._max_concurrent = max_concurrent
        points = [self._as_cell(p, f"points_to_evaluate[{i}]") for i, p in enumerate(points_to_evaluate or [])]
        # the points' values of parameters outside the space (searched with the cell, if
        # param_space has domains for them)
        extras = [dict(self._extra(p)) if isinstance(p, Mapping) else {} for p in points_to_evaluate or []]
        self._hparams: dict[str, dict[str, Any]] = {}
        #: completed trials: (trial id, cell, raw metric value) in completion order; the value
        #: is a tuple of values, one per metric, for several objectives
        self._results: list[tuple[str, Cell, Any]] = []
        #: cells with no usable value that are not proposed again (a pruned trial without a
        #: finite report): (trial id, cell)
        self._held: list[tuple[str, Cell]] = []
        #: ids of the trials Tune stopped early and of points added with ``pruned=True``
        self._pruned: list[str] = []
        #: running trial id -> (training iteration, metric values or None) of its last result
        self._reports: dict[str, tuple[Any, Any]] = {}
        if evaluated_rewards is not None:
            if len(evaluated_rewards) != len(points):
                raise ValueError(
                    f"evaluated_rewards: has {len(evaluated_rewards)} values for "
                    f"{len(points)} points_to_evaluate; give one per point"
                )
            for i, (cell, value) in enumerate(zip(points, evaluated_rewards)):
                v = self._point_value(value)
                if v is None:
                    what = "a finite number" if self._num_objectives() == 1 else "one finite number per metric"
                    raise ValueError(f"evaluated_rewards[{i}]: {value!r} is not {what}")
                self._results.append((f"evaluated-{i}", cell, v))
                self._hparams[f"evaluated-{i}"] = extras[i]
            points, extras = [], []
        self._points: list[Cell] = points
        self._point_hparams: list[dict[str, Any]] = extras
        self._pending: dict[str, Cell] = {}
        self._failures: list[dict[str, Any]] = []
        self._queue: list[Cell] = []
        self._queue_origins: list[str] = []
        #: trial id -> where its cell came from (``strategies.base.ORIGINS``, or ``"point"``)
        self._origins: dict[str, str] = {}
        self._round = -1
        #: the search domains of ``param_space`` outside the space (``set_search_properties``)
        self._hp_space: HyperparameterSpace | None = None
        #: trial id -> the values of those parameters it ran with (``self._hparams``, above)
        self._queue_hparams: list[dict[str, Any]] = []

    # -- properties --------------------------------------------------------------------------
    @property
    def space(self) -> SearchSpace:
        """The search space."""
        return self._space

    @property
    def strategy(self) -> Strategy:
        """The wrapped strategy."""
        return self._strategy

    @property
    def history(self) -> list[Observation]:
        """Completed trials as observations (values oriented so that larger is better)."""
        signs = tuple(-1.0 if m == "min" else 1.0 for m in _as_names(self._mode))
        return [
            observation(
                self._space, c, tuple(v) if isinstance(v, (tuple, list)) else (v,), signs, (), self._hparams.get(t)
            )
            for t, c, v in self._results
        ]

    @property
    def hyperparameters(self) -> HyperparameterSpace | None:
        """The search domains of ``param_space`` outside the space, searched with the cell
        (``None`` when there are none)."""
        return self._hp_space

    @property
    def pruned(self) -> list[str]:
        """Trials stopped before they finished, by id: those Tune stopped (a scheduler's or
        stopper's decision, e.g. ASHA below a rung's cutoff; ASHA also stops the trials that
        reach ``max_t``) and points added with ``add_evaluated_point(..., pruned=True)``.

        They enter the model as Optuna's pruned trials do in the samplers: with their last
        reported value (every metric's, for several objectives); one without a finite report
        is left out of the model and never proposed again."""
        return list(self._pruned)

    @property
    def origins(self) -> dict[str, str]:
        """Trial id -> where its cell came from: ``"point"`` (``points_to_evaluate``) or one
        of ``lso_sampler.strategies.base.ORIGINS`` (``initial``, ``model``, ...)."""
        return dict(self._origins)

    @property
    def failures(self) -> list[dict[str, Any]]:
        """Trials that produced no usable value: ``trial_id``, ``params`` and ``reason``."""
        return list(self._failures)

    # -- Tune interface ----------------------------------------------------------------------
    def set_search_properties(self, metric: Any, mode: Any, config: dict, **spec: Any) -> bool:
        """Take ``metric``, ``mode`` and ``param_space`` from Tune (``TuneConfig``).

        Returns:
            ``True`` when they are in effect: applied, or the same as the searcher's own.
            ``False``, with a warning, when they cannot be applied: the searcher was built
            with another metric or mode (Ray's convention, as its schedulers refuse a second
            metric or mode; Tune then raises if ``param_space`` holds search domains, else
            the searcher keeps its own).

        Raises:
            ValueError: for an invalid metric or mode (naming it), several metrics for a
                single-objective method, or a search domain in ``param_space`` outside the
                space that cannot be searched (naming it and the domains that can).

        Search domains in ``param_space`` beside the space's parameters (``tune.loguniform``
        for a learning rate, ``tune.choice`` for a width, ...) are searched with the cell:
        AG-Net, the graph VAE and convex LSO model them together with it (their predictors
        take them as inputs; each cell comes with its values); the other methods draw them
        at random.
        """
        owner = type(self).__name__
        metric, mode = _check_metric_mode(metric, mode, self._strategy, owner)
        clashes = [
            f"{name}={given!r} (it was built with {name}={own!r})"
            for name, given, own in (("metric", metric, self._metric), ("mode", mode, self._mode))
            if given is not None and own is not None and given != own
        ]
        if clashes:
            warnings.warn(
                f"{owner}: TuneConfig's {' and '.join(clashes)} not applied; give metric and mode in one "
                "place, the searcher or tune.TuneConfig",
                stacklevel=2,
            )
            return False
        metric = self._metric if metric is None else metric
        mode = self._mode if mode is None else mode
        metric, mode = _check_metric_mode(metric, mode, self._strategy, owner)  # the combination
        self._check_config(config or {})
        self._metric, self._mode = metric, mode
        return True

    def _check_config(self, config: Mapping[str, Any]) -> None:
        """A ``param_space`` holds the space's own parameters (``space.to_tune()``), fixed
        values and search domains of other parameters (searched with the cell)."""
        from ray.tune.search.sample import Domain

        names = set(self._space.param_names)
        params = [
            hyperparameter(key, value)
            for key, value in sorted(config.items())
            if isinstance(value, Domain) and key not in names
        ]
        self._hp_space = HyperparameterSpace(params) if params else None

    def set_max_concurrency(self, max_concurrent: int) -> bool:
        self._max_concurrent = max(0, int(max_concurrent))
        return True

    def suggest(self, trial_id: str) -> dict[str, Any] | str | None:
        if self._metric is None or self._mode is None:
            raise RuntimeError(
                f"{type(self).__name__}: metric and mode are not set; pass them to the searcher "
                "or to tune.TuneConfig(metric=..., mode=...)"
            )
        if self._max_concurrent and len(self._pending) >= self._max_concurrent:
            return None
        chosen = self._next_cell()
        if chosen is None:
            return Searcher.FINISHED
        cell, self._origins[trial_id], hp = chosen
        self._pending[trial_id] = cell
        if self._hp_space is not None:
            self._hparams[trial_id] = hp = self._complete(hp)
            return {**hp, **self._space.to_params(cell)}
        return self._space.to_params(cell)

    def _extra(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The values in ``params`` of the parameters outside the space."""
        names = set(self._space.param_names)
        return {k: v for k, v in params.items() if k not in names}

    def _complete(self, hp: Mapping[str, Any]) -> dict[str, Any]:
        """``hp`` with a random value for every searched parameter it lacks (a cell proposed
        before the parameters were known, a point to evaluate without them)."""
        space = self._hp_space
        assert space is not None
        out = {n: hp[n] for n in space.names if n in hp}
        if len(out) < len(space):
            rng = np.random.default_rng([self._seed, len(self._hparams), 7])
            drawn = space.decode(space.sample(rng, 1)[0])
            out = {n: out.get(n, drawn[n]) for n in space.names}
        return out

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        """Keep a running trial's last report (its training iteration and metric values).

        Tune passes every result here except one on which a scheduler or stopper stops the
        trial (it goes straight to :meth:`on_trial_complete`): so a completion whose result
        was not reported here first is a trial Tune stopped early, which counts with its
        last report, as a pruned trial does in the Optuna samplers."""
        if trial_id in self._pending and self._metric is not None:
            self._reports[trial_id] = (result.get("training_iteration"), self._read(result)[0])

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        """Record a finished trial: a completed or early-stopped one with finite metric
        values joins the history (an early-stopped one is also listed in :attr:`pruned`); a
        failed one, or one without a finite value, goes to :attr:`failures` (an
        early-stopped one without a finite report is held back from the model and never
        proposed again instead, as in the Optuna samplers)."""
        cell = self._pending.pop(trial_id, None)
        last = self._reports.pop(trial_id, None)
        known = cell is not None  # else Tune's last word on a trial the searcher lost track of
        if cell is None:
            cell = self._cell_from_result(result)
            config = (result or {}).get("config")
            if cell is not None and isinstance(config, Mapping):
                self._hparams.setdefault(trial_id, self._extra(config))
            if cell is None:
                _logger.warning("%s: trial %s is unknown to the searcher; ignored", type(self).__name__, trial_id)
                return
        if error:
            self._fail(trial_id, cell, "the trial raised an error")
            return
        if result is None:  # stopped while paused or pending: its last report, if any, counts
            stopped = last is not None
            values, reason = (last[1], "") if stopped else self._read(None)
        else:  # stopped early: Tune did not pass this result to on_trial_result first
            iteration = result.get("training_iteration")
            stopped = known and iteration is not None and (last is None or last[0] != iteration)
            values, reason = self._read(result)
        if stopped:
            self._pruned.append(trial_id)
        if values is not None:
            self._results.append((trial_id, cell, values if len(values) > 1 else values[0]))
        elif stopped:
            self._held.append((trial_id, cell))
            _logger.warning("%s: trial %s stopped early without a finite value", type(self).__name__, trial_id)
        else:
            self._fail(trial_id, cell, reason)

    def add_evaluated_point(
        self,
        parameters: dict,
        value: float | Sequence[float],
        error: bool = False,
        pruned: bool = False,
        intermediate_values: list[float] | None = None,
    ) -> None:
        """Add a point evaluated outside this search (Ray's ``add_evaluated_trials`` calls
        this too). A pruned point counts as a pruned trial does in the Optuna samplers: with
        its last report (the last of ``intermediate_values`` when given, else ``value``);
        without a finite one it is held back from the model and never proposed again. A
        point with ``error`` or without a finite value goes to :attr:`failures`. With
        several metrics, ``value`` is one value per metric."""
        cell = self._as_cell(parameters, "parameters")
        trial_id = f"evaluated-{len(self._results) + len(self._held)}"
        self._hparams[trial_id] = self._extra(parameters)
        if error:
            self._fail(None, cell, "evaluated point with an error")
            return
        if pruned:
            self._pruned.append(trial_id)
            last = intermediate_values[-1] if intermediate_values else value
            v = self._point_value(last)
            if v is None:
                self._held.append((trial_id, cell))
            else:
                self._results.append((trial_id, cell, v))
            return
        v = self._point_value(value)
        if v is None:
            self._fail(None, cell, "evaluated point without a value")
            return
        self._results.append((trial_id, cell, v))

    # -- reading results -------------------------------------------------------------------
    def _num_objectives(self) -> int:
        return len(self._metric) if isinstance(self._metric, list) else 1

    def _read(self, result: Mapping[str, Any] | None) -> tuple[tuple[float, ...] | None, str]:
        """The result's finite metric values (one per metric), or ``None`` and why not."""
        values = []
        for name in _as_names(self._metric):
            if result is None or name not in result:
                return None, f"the result has no {name!r}"
            v = _finite(result[name])
            if v is None:
                return None, f"{name!r} is {result[name]!r}, not a finite number"
            values.append(v)
        return tuple(values), ""

    def _point_value(self, value: Any) -> Any:
        """A known value as stored in the history: a finite float (one metric) or a tuple of
        them, one per metric; ``None`` if it is not that."""
        n = self._num_objectives()
        if n == 1:
            return _finite(value)
        if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != n:
            return None
        values = tuple(_finite(v) for v in value)
        return None if any(v is None for v in values) else values

    def _fail(self, trial_id: str | None, cell: Cell, reason: str) -> None:
        self._failures.append({"trial_id": trial_id, "params": self._space.to_params(cell), "reason": reason})
        if trial_id is not None:
            _logger.warning("%s: trial %s not used (%s)", type(self).__name__, trial_id, reason)

    # -- state -----------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        enc = "categorical"
        return {
            "version": _STATE_VERSION,
            "searcher": type(self).__name__,
            "space": self._space.signature(),
            "metric": self._metric,
            "mode": self._mode,
            "seed": self._seed,
            "batch_size": self._batch_size,
            "max_concurrent": self._max_concurrent,
            "results": [(t, self._space.to_params(c, enc), v) for t, c, v in self._results],
            "held": [(t, self._space.to_params(c, enc)) for t, c in self._held],
            "pruned": list(self._pruned),
            "reports": dict(self._reports),
            "pending": {t: self._space.to_params(c, enc) for t, c in self._pending.items()},
            "failures": list(self._failures),
            "queue": [self._space.to_params(c, enc) for c in self._queue],
            "queue_origins": list(self._queue_origins),
            "origins": dict(self._origins),
            "hyperparameters": None if self._hp_space is None else self._hp_space.to_dict(),
            "hparams": dict(self._hparams),
            "queue_hparams": list(self._queue_hparams),
            "points": [self._space.to_params(c, enc) for c in self._points],
            "point_hparams": list(self._point_hparams),
            "round": self._round,
            "rng": self._strategy.rng.bit_generator.state,
            "strategy": self._strategy.state_dict(),
        }

    def set_state(self, state: dict[str, Any]) -> None:
        if state.get("version") != _STATE_VERSION:
            raise ValueError(f"state: version {state.get('version')!r} is not {_STATE_VERSION}")
        if state["space"] != self._space.signature():
            raise ValueError(
                f"state: was saved for another search space than this searcher's {self._space.name}; "
                "restore into a searcher built with the same space"
            )

        def cell(params: Mapping[str, Any]) -> Cell:
            return self._space.from_params(params, "categorical")

        self._metric, self._mode = state["metric"], state["mode"]
        self._seed, self._batch_size = state["seed"], state["batch_size"]
        self._max_concurrent = state["max_concurrent"]
        self._results = [(t, cell(p), v) for t, p, v in state["results"]]
        self._held = [(t, cell(p)) for t, p in state.get("held", [])]
        self._pruned = list(state.get("pruned", []))
        self._reports = dict(state.get("reports", {}))
        self._pending = {t: cell(p) for t, p in state["pending"].items()}
        self._failures = list(state["failures"])
        self._queue = [cell(p) for p in state["queue"]]
        self._queue_origins = list(state.get("queue_origins", []))
        self._origins = dict(state.get("origins", {}))
        hp = state.get("hyperparameters")
        self._hp_space = None if hp is None else HyperparameterSpace.from_dict(hp)
        self._hparams = dict(state.get("hparams", {}))
        self._queue_hparams = list(state.get("queue_hparams", []))
        self._points = [cell(p) for p in state["points"]]
        self._point_hparams = list(state.get("point_hparams", [{}] * len(self._points)))
        self._round = state["round"]
        self._strategy.rng.bit_generator.state = state["rng"]
        self._strategy.load_state_dict(state["strategy"])

    def save(self, checkpoint_path: str) -> None:
        with open(checkpoint_path, "wb") as f:
            pickle.dump(self.get_state(), f)

    def restore(self, checkpoint_path: str) -> None:
        with open(checkpoint_path, "rb") as f:
            self.set_state(pickle.load(f))

    # -- choosing cells --------------------------------------------------------------------
    def _as_cell(self, point: Mapping[str, Any] | Cell, what: str) -> Cell:
        if isinstance(point, Cell):
            cell = point
        elif isinstance(point, Mapping):
            try:
                cell = self._space.from_params(point, strict=False)
            except ValueError as exc:
                raise ValueError(f"{what}: {exc}") from None
        else:
            raise TypeError(f"{what}: expected a parameter dict or a Cell, got {type(point).__name__}")
        why = self._space.is_valid(cell)
        if not why:
            raise ValueError(f"{what}: not a valid cell of {self._space.name}: {why.reason}")
        return cell

    def _cell_from_result(self, result: dict | None) -> Cell | None:
        config = (result or {}).get("config")
        if not isinstance(config, Mapping):
            return None
        try:
            cell = self._space.from_params(config, strict=False)
        except ValueError:
            return None
        return cell if self._space.is_valid(cell) else None

    def _busy(self) -> set[str]:
        return (
            {self._space.key(c) for _, c, _ in self._results}
            | {self._space.key(c) for _, c in self._held}
            | {self._space.key(c) for c in self._pending.values()}
        )

    def _next_cell(self) -> tuple[Cell, str, dict[str, Any]] | None:
        """The next cell, its origin and the hyperparameter values chosen with it: a point
        to evaluate, the current round's next cell that is not busy, or the first of a new
        round; ``None`` when no cell is left."""
        busy = self._busy()
        while self._points:
            cell = self._points.pop(0)
            hp = self._point_hparams.pop(0) if self._point_hparams else {}
            if self._space.key(cell) not in busy:
                return cell, "point", hp
        while self._queue:
            cell = self._queue.pop(0)
            origin = self._queue_origins.pop(0) if self._queue_origins else "strategy"
            hp = self._queue_hparams.pop(0) if self._queue_hparams else {}
            if self._space.key(cell) not in busy:
                return cell, origin, hp
        self._round += 1
        pending = list(self._pending.values()) + [c for _, c in self._held]  # as the Optuna side's held cells
        self._strategy.set_hyperparameters(self._hp_space)
        batch = propose_round(self._strategy, self.history, pending, busy, self._batch_size, self._seed, self._round)
        if not batch:
            return None  # every cell has been queried or is running
        origins = list(self._strategy.round_origins)
        hparams = list(self._strategy.round_hyperparameters) or [{}] * len(batch)
        self._queue, self._queue_origins, self._queue_hparams = batch[1:], origins[1:], hparams[1:]
        return batch[0], origins[0], hparams[0]


_P = inspect.Parameter
_SPEC = AdapterSpec(
    base=LSOSearcher,
    leading=[
        _P("metric", _P.POSITIONAL_OR_KEYWORD, default=None, annotation="str | Sequence[str] | None"),
        _P("mode", _P.POSITIONAL_OR_KEYWORD, default=None, annotation="str | Sequence[str] | None"),
        _P(
            "points_to_evaluate",
            _P.POSITIONAL_OR_KEYWORD,
            default=None,
            annotation="Sequence[Mapping[str, Any] | Cell] | None",
        ),
        _P(
            "evaluated_rewards",
            _P.POSITIONAL_OR_KEYWORD,
            default=None,
            annotation="Sequence[float] | Sequence[Sequence[float]] | None",
        ),
        _P("seed", _P.POSITIONAL_OR_KEYWORD, default=None, annotation="int | None"),
        _P("max_concurrent", _P.POSITIONAL_OR_KEYWORD, default=0, annotation="int"),
    ],
    trailing=[_P("batch_size", _P.KEYWORD_ONLY, default=None, annotation="int | None")],
    suffix="searcher_name",
    args_doc="""    metric: The result key to optimise (or set it in ``TuneConfig``); a list of keys for
        several objectives, where the method handles them (else a ValueError says which do).
    mode: ``"max"`` or ``"min"`` (or set it in ``TuneConfig``); a list, one per metric.
    points_to_evaluate: Cells to run first, as parameter dicts or cells.
    evaluated_rewards: Known values of ``points_to_evaluate`` (those are not run then; one
        sequence per point with several metrics).
    seed: Seed of the strategy and the proposal rounds.
    max_concurrent: Trials in flight at most (0: no limit).
    batch_size: Cells per proposal round (default: the strategy's).""",
    example="""    In a Tune run, pass it as ``tune.TuneConfig(search_alg=searcher)`` with
    ``param_space=space.to_tune()``. Here a loop plays Tune's part on NAS-Bench-Graph (Cora),
    whose data ships with ``nas-bench-graph``; the options after ``seed`` only make this
    example quick (leave them out for a real search):

    >>> from lso_sampler.benchmarks import NASBenchGraph
    >>> from lso_sampler.ray_searchers import {cls}
    >>> bench = NASBenchGraph("cora")
    >>> space = bench.space
    >>> searcher = {cls}(space, metric="valid_acc", mode="max", seed=0{options})
    >>> for i in range(5):
    ...     config = searcher.suggest(f"trial-{{i}}")
    ...     result = bench.query(space.from_params(config, strict=False))
    ...     searcher.on_trial_complete(f"trial-{{i}}", {{"valid_acc": result.search_value}})
    >>> len(searcher.history), bench.num_queries  # five trials, five distinct cells
    (5, 5)""",
    experimental=True,
)

#: The generated searchers' docstring examples, for ``pytest --doctest-modules``.
__test__ = GeneratedDocs(_SPEC, __name__)


def searcher_class(method: Method | str) -> type[LSOSearcher]:
    """The Ray Tune searcher class of a registered method (made once, then cached; it is
    also this module's attribute of that name, so its instances pickle).

    Example:
        >>> searcher_class("agnet").__name__
        'AGNetSearcher'
    """
    return _SPEC.class_for(method, __name__)


def make_searcher(name: str, space: SearchSpace, **options: Any) -> LSOSearcher:
    """The searcher of a runnable name (a method or one of its ablations) with ``options``."""
    return build_variant(searcher_class, name, space, **options)


def searcher_names() -> list[str]:
    """The searcher class names of the registered methods."""
    return _SPEC.class_names()


def __getattr__(name: str) -> Any:
    return _SPEC.module_attribute(name, __name__)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(searcher_names()))
