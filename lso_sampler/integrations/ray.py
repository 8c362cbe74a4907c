"""Ray Tune searchers around the same strategies as the Optuna samplers.

Imported only when Ray Tune is installed (``pip install "lso-sampler[ray]"``). One searcher
class per registered method (:mod:`lso_sampler.methods`): ``AGNetSearcher``,
``RegularizedEvolutionSearcher``, ``LocalSearchSearcher``, ... with the sampler's names.

Each searcher hands Tune one cell per trial as the space's parameters (``space.to_params``),
so the trainable gets the cell back with ``space.from_params(config, strict=False)``
(``strict=False`` lets the config carry your other keys, e.g. a fixed learning rate).
Completed trials with a finite metric become the strategy's history; trials that raise,
report no metric, or report ``None``, NaN or inf are recorded in :attr:`LSOSearcher.failures`
and never stop the search. Proposal rounds are seeded by ``(seed, completed trials,
round)``, as in :class:`~lso_sampler.optuna_samplers.LSOSampler`, and the whole state
(history, pending and failed trials, the current round's cells, the strategy's model)
goes into ``save`` / Tune's experiment checkpoints, so ``Tuner.restore`` continues the
search without losing a result or repeating a cell.

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
from collections.abc import Mapping, Sequence
from typing import Any

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
    build_variant,
    check_adapter,
    check_batch_size,
    observation,
    resolve_seed,
)
from lso_sampler.methods import Method
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies.base import Observation, Strategy, propose_round

__all__ = ["LSOSearcher", "make_searcher", "searcher_class", "searcher_names"]

_logger = logging.getLogger(__name__)
_STATE_VERSION = 1


def _finite(value: Any) -> float | None:
    """``value`` as a float when it is a finite real number, else ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


class LSOSearcher(Searcher):
    """A Ray Tune ``Searcher`` that asks a :class:`~lso_sampler.strategies.Strategy` for cells.

    Args:
        space: The search space.
        strategy: The strategy (built for ``space``).
        metric: The result key to optimise (or set it in ``TuneConfig``).
        mode: ``"max"`` or ``"min"`` (or set it in ``TuneConfig``).
        points_to_evaluate: Cells to run first, as parameter dicts of the space (the
            space's encoding) or :class:`~lso_sampler.cell.Cell` objects.
        evaluated_rewards: Metric values already known for ``points_to_evaluate``: those
            points join the history without being run.
        seed: Seed of the proposal rounds (a fixed seed makes a sequential search
            repeatable in one process).
        batch_size: Cells per proposal round (default: the strategy's).
        max_concurrent: Trials in flight at most (0: no limit; Tune's
            ``ConcurrencyLimiter`` and ``max_concurrent_trials`` also work).

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
        metric: str | None = None,
        mode: str | None = None,
        points_to_evaluate: Sequence[Mapping[str, Any] | Cell] | None = None,
        evaluated_rewards: Sequence[float] | None = None,
        seed: int | None = None,
        batch_size: int | None = None,
        max_concurrent: int = 0,
    ) -> None:
        owner = type(self).__name__
        check_adapter(space, strategy, owner)
        check_batch_size(batch_size, owner)
        if mode is not None and mode not in ("max", "min"):
            raise ValueError(f"mode: must be 'max' or 'min', got {mode!r}")
        if metric is not None and not isinstance(metric, str):
            raise ValueError(
                f"metric: expected one result key (a str), got {metric!r}; "
                "multi-objective Tune searches are not supported yet"
            )
        if max_concurrent < 0:
            raise ValueError(f"max_concurrent: must be non-negative (0: no limit), got {max_concurrent}")
        super().__init__(metric=metric, mode=mode)
        self._space = space
        self._strategy = strategy
        self._seed = resolve_seed(seed, owner)
        self._batch_size = batch_size or strategy.batch_size
        self._max_concurrent = max_concurrent
        points = [self._as_cell(p, f"points_to_evaluate[{i}]") for i, p in enumerate(points_to_evaluate or [])]
        #: completed trials: (trial id, cell, raw metric value) in completion order
        self._results: list[tuple[str, Cell, float]] = []
        if evaluated_rewards is not None:
            if len(evaluated_rewards) != len(points):
                raise ValueError(
                    f"evaluated_rewards: has {len(evaluated_rewards)} values for "
                    f"{len(points)} points_to_evaluate; give one per point"
                )
            for i, (cell, value) in enumerate(zip(points, evaluated_rewards)):
                v = _finite(value)
                if v is None:
                    raise ValueError(f"evaluated_rewards[{i}]: {value!r} is not a finite number")
                self._results.append((f"evaluated-{i}", cell, v))
            points = []
        self._points: list[Cell] = points
        self._pending: dict[str, Cell] = {}
        self._failures: list[dict[str, Any]] = []
        self._queue: list[Cell] = []
        self._queue_origins: list[str] = []
        #: trial id -> where its cell came from (``strategies.base.ORIGINS``, or ``"point"``)
        self._origins: dict[str, str] = {}
        self._round = -1

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
        signs = (-1.0 if self._mode == "min" else 1.0,)
        return [observation(self._space, c, (v,), signs) for _, c, v in self._results]

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
    def set_search_properties(self, metric: str | None, mode: str | None, config: dict, **spec: Any) -> bool:
        if metric is not None:
            if self._metric is not None and metric != self._metric:
                raise ValueError(
                    f"metric: the searcher optimises {self._metric!r} but TuneConfig names {metric!r}; "
                    "give it in one place"
                )
            if not isinstance(metric, str):
                raise ValueError(f"metric: expected one result key (a str), got {metric!r}")
            self._metric = metric
        if mode is not None:
            if mode not in ("max", "min"):
                raise ValueError(f"mode: must be 'max' or 'min', got {mode!r}")
            if self._mode is not None and mode != self._mode:
                raise ValueError(
                    f"mode: the searcher was built with mode={self._mode!r} but TuneConfig says "
                    f"{mode!r}; give it in one place"
                )
            self._mode = mode
        self._check_config(config or {})
        return True

    def _check_config(self, config: Mapping[str, Any]) -> None:
        """A ``param_space`` may hold the space's own parameters (``space.to_tune()``) and
        fixed values; other search domains cannot be sampled by this searcher."""
        from ray.tune.search.sample import Domain

        names = set(self._space.param_names)
        for key, value in config.items():
            if isinstance(value, Domain) and key not in names:
                raise ValueError(
                    f"param_space[{key!r}]: {type(self).__name__} chooses cells of {self._space.name} "
                    "only and cannot sample other parameters; fix the value, or search it inside "
                    "the trainable"
                )

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
        cell, self._origins[trial_id] = chosen
        self._pending[trial_id] = cell
        return self._space.to_params(cell)

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        """Intermediate results are not used (the final one counts)."""

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        cell = self._pending.pop(trial_id, None)
        if cell is None:
            cell = self._cell_from_result(result)
            if cell is None:
                _logger.warning("%s: trial %s is unknown to the searcher; ignored", type(self).__name__, trial_id)
                return
        value = None if error or result is None else _finite(result.get(self._metric))
        if value is None:
            if error:
                reason = "the trial raised an error"
            elif result is None or self._metric not in result:
                reason = f"the result has no {self._metric!r}"
            else:
                reason = f"{self._metric!r} is {result.get(self._metric)!r}, not a finite number"
            self._failures.append({"trial_id": trial_id, "params": self._space.to_params(cell), "reason": reason})
            _logger.warning("%s: trial %s not used (%s)", type(self).__name__, trial_id, reason)
            return
        self._results.append((trial_id, cell, value))

    def add_evaluated_point(
        self,
        parameters: dict,
        value: float,
        error: bool = False,
        pruned: bool = False,
        intermediate_values: list[float] | None = None,
    ) -> None:
        cell = self._as_cell(parameters, "parameters")
        v = None if error or pruned else _finite(value)
        if v is None:
            self._failures.append(
                {"trial_id": None, "params": self._space.to_params(cell), "reason": "evaluated point without a value"}
            )
            return
        self._results.append((f"evaluated-{len(self._results)}", cell, v))

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
            "pending": {t: self._space.to_params(c, enc) for t, c in self._pending.items()},
            "failures": list(self._failures),
            "queue": [self._space.to_params(c, enc) for c in self._queue],
            "queue_origins": list(self._queue_origins),
            "origins": dict(self._origins),
            "points": [self._space.to_params(c, enc) for c in self._points],
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
        self._pending = {t: cell(p) for t, p in state["pending"].items()}
        self._failures = list(state["failures"])
        self._queue = [cell(p) for p in state["queue"]]
        self._queue_origins = list(state.get("queue_origins", []))
        self._origins = dict(state.get("origins", {}))
        self._points = [cell(p) for p in state["points"]]
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
        return {self._space.key(c) for _, c, _ in self._results} | {self._space.key(c) for c in self._pending.values()}

    def _next_cell(self) -> tuple[Cell, str] | None:
        """The next cell and its origin: a point to evaluate, the current round's next cell
        that is not busy, or the first of a new round; ``None`` when no cell is left."""
        busy = self._busy()
        while self._points:
            cell = self._points.pop(0)
            if self._space.key(cell) not in busy:
                return cell, "point"
        while self._queue:
            cell = self._queue.pop(0)
            origin = self._queue_origins.pop(0) if self._queue_origins else "strategy"
            if self._space.key(cell) not in busy:
                return cell, origin
        self._round += 1
        pending = list(self._pending.values())
        batch = propose_round(self._strategy, self.history, pending, busy, self._batch_size, self._seed, self._round)
        if not batch:
            return None  # every cell has been queried or is running
        origins = list(self._strategy.round_origins)
        self._queue, self._queue_origins = batch[1:], origins[1:]
        return batch[0], origins[0]


_P = inspect.Parameter
_SPEC = AdapterSpec(
    base=LSOSearcher,
    leading=[
        _P("metric", _P.POSITIONAL_OR_KEYWORD, default=None, annotation="str | None"),
        _P("mode", _P.POSITIONAL_OR_KEYWORD, default=None, annotation="str | None"),
        _P(
            "points_to_evaluate",
            _P.POSITIONAL_OR_KEYWORD,
            default=None,
            annotation="Sequence[Mapping[str, Any] | Cell] | None",
        ),
        _P("evaluated_rewards", _P.POSITIONAL_OR_KEYWORD, default=None, annotation="Sequence[float] | None"),
        _P("seed", _P.POSITIONAL_OR_KEYWORD, default=None, annotation="int | None"),
        _P("max_concurrent", _P.POSITIONAL_OR_KEYWORD, default=0, annotation="int"),
    ],
    trailing=[_P("batch_size", _P.KEYWORD_ONLY, default=None, annotation="int | None")],
    suffix="searcher_name",
    args_doc="""    metric: The result key to optimise (or set it in ``TuneConfig``).
    mode: ``"max"`` or ``"min"`` (or set it in ``TuneConfig``).
    points_to_evaluate: Cells to run first, as parameter dicts or cells.
    evaluated_rewards: Known values of ``points_to_evaluate`` (those are not run then).
    seed: Seed of the strategy and the proposal rounds.
    max_concurrent: Trials in flight at most (0: no limit).
    batch_size: Cells per proposal round (default: the strategy's).""",
    example="""    >>> from lso_sampler.spaces import NASBench201Space
    >>> searcher = {cls}(NASBench201Space(), metric="acc", mode="max", seed=0)""",
)


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
