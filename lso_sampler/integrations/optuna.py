"""Optuna samplers: the :class:`~optuna.samplers.BaseSampler` adapter around a strategy, and
one sampler class per registered method (:mod:`lso_sampler.methods`), made on first use.

``AGNetSampler``, ``RegularizedEvolutionSampler``, ... are :class:`LSOSampler` subclasses
whose constructors take ``space``, the strategy's options, ``seed`` and the adapter's own
options (``independent_sampler``, ``batch_size``, ``warn_independent_sampling``,
``constraints_func``). A class is built when first imported, so importing this module
loads no torch.
"""

from __future__ import annotations

import bisect
import contextlib
import inspect
import itertools
import math
import os
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.samplers import BaseSampler, RandomSampler
from optuna.samplers._base import _process_constraints_after_trial
from optuna.study import Study, StudyDirection
from optuna.trial import FrozenTrial, TrialState

from lso_sampler.cell import Cell
from lso_sampler.integrations._common import (
    AdapterSpec,
    GeneratedDocs,
    build_variant,
    check_adapter,
    check_batch_size,
    observation,
    resolve_seed,
)
from lso_sampler.methods import Method
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies.base import Observation, Strategy, propose_round, random_unseen
from lso_sampler.strategies.hyperparameters import Hyperparameter, HyperparameterSpace

__all__ = ["LSOSampler", "make_sampler", "sampler_class", "sampler_names"]

_logger = optuna.logging.get_logger(__name__)

#: Trial system attribute holding the parameters of the cell reserved for the trial.
CELL_ATTR = "lso_sampler:cell"
#: Study system attribute prefix holding the current batch of proposals.
BATCH_ATTR = "lso_sampler:batch"
#: Trial system attribute saying where the trial's cell came from (``strategies.base.ORIGINS``).
ORIGIN_ATTR = "lso_sampler:origin"
#: Trial system attribute holding the values of the parameters outside the space that the
#: strategy chose with the trial's cell (joint search of cell and hyperparameters).
HPARAMS_ATTR = "lso_sampler:hyperparameters"
#: Trial system attribute naming the process that asked for the trial (host, pid, process
#: start time) and whether its ``study.ask()`` finished (``"phase"``: ``"ask"`` / ``"done"``).
OWNER_ATTR = "lso_sampler:owner"
#: Trial system attribute set on a trial failed because its process died inside ``ask()``.
ORPHAN_ATTR = "lso_sampler:orphaned"
#: Trial system attribute prefix of a trial's claim on computing the next proposal round.
LEASE_ATTR = "lso_sampler:lease"


def _start_time(pid: int) -> int | None:
    """The start time of process ``pid`` (clock ticks since boot, from ``/proc``), or ``None``
    where ``/proc`` is not there or the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode(errors="replace")
        return int(stat.rsplit(")", 1)[1].split()[19])  # field 22 counted after "(comm)"
    except (OSError, ValueError, IndexError):
        return None


def _identity() -> dict[str, Any]:
    """This process: host name, pid and start time (to tell a reused pid)."""
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "start": _start_time(pid)}


def _local(owner: Any) -> bool:
    """Whether ``owner`` (an :func:`_identity`) is a process of this host (checked by pid)."""
    return isinstance(owner, dict) and owner.get("host") == socket.gethostname() and isinstance(owner.get("pid"), int)


def _dead(owner: Any) -> bool:
    """Whether the process ``owner`` (an :func:`_identity`) is known to be gone: only a
    process of this host can be checked; one elsewhere counts as alive."""
    if not _local(owner):
        return False
    pid = owner["pid"]
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False
    start = owner.get("start")
    return start is not None and _start_time(pid) not in (None, start)  # the pid was reused


#: Trial user attribute holding ``space.describe(cell)``, the trial's architecture in the
#: space's own notation (shown by ``study.trials_dataframe()`` and optuna-dashboard).
ARCH_ATTR = "architecture"


def _describe(space: SearchSpace, cell: Cell) -> str:
    """``space.describe(cell)``, or the generic form when the space's own one fails (a
    space of your own whose ``describe`` does not take this cell): never fails a trial."""
    try:
        return space.describe(cell)
    except Exception:  # the description must not stop the study
        return SearchSpace.describe(space, cell)


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


def hyperparameter(name: str, dist: BaseDistribution) -> Hyperparameter | None:
    """The :class:`Hyperparameter` of an Optuna distribution (``None`` for a kind the
    strategies do not model)."""
    if isinstance(dist, FloatDistribution):
        return Hyperparameter(name, "float", dist.low, dist.high, log=dist.log, step=dist.step)
    if isinstance(dist, IntDistribution):
        return Hyperparameter(name, "int", dist.low, dist.high, log=dist.log, step=None if dist.log else dist.step)
    if isinstance(dist, CategoricalDistribution):
        return Hyperparameter(name, "categorical", choices=tuple(dist.choices))
    return None


def _contains(dist: BaseDistribution, value: Any) -> bool:
    """Whether ``value`` (external form) is a value of ``dist``."""
    try:
        return bool(dist._contains(dist.to_internal_repr(value)))
    except Exception:
        return False


def _numbered(trials: Sequence[FrozenTrial]) -> bool:
    """Whether ``trials`` is a study's whole trial list in number order (its last trial's
    number is its position), as Optuna's storages return it."""
    return not trials or trials[-1].number == len(trials) - 1


def _signs(study: Study) -> list[float]:
    """Per objective, +1 when maximised and -1 when minimised (observations: larger is better)."""
    return [1.0 if d == StudyDirection.MAXIMIZE else -1.0 for d in study.directions]


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


class _History:
    """What a study's finished trials give a sampler's history, built up one trial at a
    time: observations in trial-number order, cells held back (no usable value) and failed
    cells with their trials' numbers."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.numbers: list[int] = []
        self.observations: list[Observation] = []
        self.held: list[Cell] = []
        self.failed: dict[str, tuple[Cell, list[int]]] = {}
        #: The distributions of the parameters outside the space that every observed trial
        #: has (the same in all): what a joint search of cell and hyperparameters models.
        self.shared: dict[str, BaseDistribution] | None = None
        #: Keys of the observed cells.
        self.keys: set[str] = set()
        #: Position in the study's trial list before which every trial is finished and added
        #: (a later read starts there: the work per read grows with the new trials only).
        self.scan_from = 0

    def add(self, number: int, kind: str, payload: Any, space: SearchSpace, extra: Any = None) -> None:
        """Add finished trial ``number`` decoded as ``(kind, payload)``; ``extra``: the
        distributions of its parameters outside the space (for an observation)."""
        if kind == "observation":
            dists = extra or {}
            if self.shared is None:
                self.shared = dict(dists)
            else:
                self.shared = {n: d for n, d in self.shared.items() if dists.get(n) == d}
            i = bisect.bisect(self.numbers, number)  # trials may finish out of order
            self.numbers.insert(i, number)
            self.observations.insert(i, payload)
            self.keys.add(payload.key)
        elif kind == "held":
            self.held.append(payload)
        elif kind == "failed":
            entry = self.failed.setdefault(space.key(payload), (payload, []))
            bisect.insort(entry[1], number)


class LSOSampler(BaseSampler):
    """Optuna sampler that lets a :class:`~lso_sampler.strategies.Strategy` pick whole cells.

    The space's parameters are sampled together (``sample_relative``): the strategy sees
    the study's completed trials as cells with their values and the running trials as
    pending, and proposes a batch of cells that are handed out one per trial. The other
    parameters the objective asks for are searched with the cell by a strategy that supports
    it (``search_hyperparameters``); otherwise, and until a trial with them has completed,
    they go to ``independent_sampler`` (with one warning per parameter). Failed and NaN/inf
    trials are left out of the model (a cell that failed ``max_failures`` times is not
    proposed again); pruned ones count with their last report. The batch is stored in the
    study, so another process that shares the storage continues it; with a ``seed``, a
    fresh sampler given the same stored trials proposes the same cells.

    Several workers on one storage: a cell is reserved by writing it to the trial and
    reading the study back (of two workers that reserve one cell at once, the later reader
    picks again, at random among the round's free cells, so workers with the same seed do
    not clash twice); a round that trains a model is computed by one worker (a claim in the
    storage) while the others wait for it; a trial whose process died inside ``study.ask()`` on this
    host is failed by the next worker and its cell freed.

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
        max_failures: A cell whose trials failed (raised, or returned NaN) this many times
            is not proposed again; the first failure may be transient, so one retry.
        search_hyperparameters: With a strategy that supports it
            (:attr:`Strategy.supports_hyperparameters`: AG-Net, the graph VAE, convex LSO),
            the float, int and categorical parameters outside the space that every
            completed trial shares (with the same distribution) are searched together with
            the cell: the strategy's predictors take them as inputs and each proposed cell
            comes with its values. Until a trial with them has completed, and for other
            parameters, ``independent_sampler`` decides. ``False``: every parameter outside
            the space goes to ``independent_sampler``.

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
        max_failures: int = 2,
        search_hyperparameters: bool = True,
    ) -> None:
        owner = type(self).__name__
        if not isinstance(search_hyperparameters, bool):
            raise TypeError(f"{owner}: search_hyperparameters must be True or False, got {search_hyperparameters!r}")
        self._search_hyperparameters = search_hyperparameters and strategy.supports_hyperparameters
        if isinstance(max_failures, bool) or not isinstance(max_failures, int) or max_failures < 1:
            raise ValueError(f"{owner}: max_failures must be an int of at least 1, got {max_failures!r}")
        self._max_failures = max_failures
        self._reported_failures: set[str] = set()
        #: (storage, study, directions) -> what the study's finished trials give the history
        self._books: dict[tuple[Any, ...], _History] = {}
        self._warned_exhausted = False
        check_adapter(space, strategy, owner)
        check_batch_size(batch_size, owner)
        if constraints_func is not None and not callable(constraints_func):
            raise TypeError(
                f"{owner}: constraints_func must be a callable FrozenTrial -> Sequence[float], got "
                f"{type(constraints_func).__name__}"
            )
        if constraints_func is not None and not strategy.supports_constraints:
            raise ValueError(
                f"{owner}: constraints_func is not supported: {type(strategy).__name__} does not take "
                "constraints into account; leave constraints_func out or use a method that does"
            )
        self._constraints_func = constraints_func
        self._space = space
        self._strategy = strategy
        if independent_sampler is not None and not isinstance(independent_sampler, BaseSampler):
            raise TypeError(
                f"{owner}: independent_sampler must be an Optuna sampler instance (e.g. "
                f"optuna.samplers.TPESampler()), got {independent_sampler!r}"
            )
        self._seed = resolve_seed(seed, owner)
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._batch_size = batch_size or strategy.batch_size
        self._warn_independent = warn_independent_sampling
        self._warned: set[str] = set()
        self._reserved: dict[int, dict[str, Any]] = {}
        self._lock = threading.RLock()
        #: Proposal rounds this sampler computed (the others it took from the storage; a round
        #: that trains a model is computed by one worker, see ``_trains``).
        self.rounds_computed = 0
        #: The numbers of the rounds that trained a model which this sampler computed.
        self.trained_rounds: list[int] = []
        #: Reservations this sampler had to repeat because another trial took the cell first.
        self.reservation_retries = 0
        #: Seconds to wait for the round another worker computes before taking over (a
        #: holder on this host that dies is taken over at once).
        self.lease_timeout = 600.0
        #: Seconds a claim on computing a round waits for other workers' claims to land when
        #: another trial is inside its ask at the same time.
        self.lease_settle = 0.05
        #: Seconds after which a trial still inside its ask is taken for an orphan where its
        #: process cannot be checked: one asked on another host (whose ask has not said it
        #: is alive for that long), or one whose process died before the sampler's first
        #: write (no owner record, no parameter). A process of this host is checked by pid
        #: at once.
        self.orphan_timeout = 600.0
        #: Longest wait (s) between two looks at whether the round a worker waits for is stored.
        self.poll_interval = 0.5
        #: Seconds between two reads of the claims on the round a worker waits for (to see
        #: whether its holder is still there).
        self.claims_interval = 1.0
        #: Running trials whose age only this process's clock can tell (a bare trial, or an
        #: owner on another host): trial id -> (its last sign of life, when this process
        #: first saw it), so that neither clock skew nor time zones matter.
        self._watch: dict[int, tuple[Any, float]] = {}
        #: This process's trials holding a live claim: trial id -> round.
        self._claims: dict[int, int] = {}

    # -- pickling (locks do not pickle) ---------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        state["_books"] = {}  # keyed by in-process ids: rebuilt where it is unpickled
        state["_watch"], state["_claims"] = {}, {}  # this process's view of the storage
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()
        self.__dict__.setdefault("_watch", {})
        self.__dict__.setdefault("_claims", {})

    @property
    def space(self) -> SearchSpace:
        """The search space."""
        return self._space

    @property
    def strategy(self) -> Strategy:
        """The wrapped strategy."""
        return self._strategy

    def reseed_rng(self) -> None:
        self._seed = resolve_seed(None, type(self).__name__)
        self._independent_sampler.reseed_rng()

    # -- the study as history ---------------------------------------------------------------
    def _check_objectives(self, study: Study) -> None:
        """Refuse, at the first trial, a study with more objectives than the strategy handles
        (one without :attr:`Strategy.supports_multi_objective`; at most its ``max_objectives``,
        when it declares one)."""
        n = len(study.directions)
        if n > 1 and not self._strategy.supports_multi_objective:
            raise ValueError(
                f"{type(self).__name__} ({self._strategy.name}) handles single-objective studies "
                f"only, but this study has {n} objectives; use a "
                "single-objective study or a multi-objective sampler such as NSGAIISampler"
            )
        limit = getattr(self._strategy, "max_objectives", None)
        if limit is not None and n > limit:
            handles = "one or two objectives" if limit == 2 else f"at most {limit} objectives"
            raise ValueError(
                f"{type(self).__name__} ({self._strategy.name}) handles {handles}, but this study "
                f"has {n}; use AGNetSampler or NSGAIISampler for more"
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
        signs = _signs(study)
        trials = study.get_trials(deepcopy=False)
        start = self._ledger(study, signs).scan_from if _numbered(trials) else 0
        pending: list[Cell] = []
        for t in itertools.islice(trials, start, None):  # every unfinished trial is past `start`
            if t.state in (TrialState.RUNNING, TrialState.WAITING) and t.number != exclude:
                if t.state == TrialState.RUNNING and self._fail_orphan(study, t):
                    continue
                cell = self._cell_of(t)
                if cell is not None:
                    pending.append(cell)
        book = self._book(study, signs, trials)
        observations = list(book.observations)
        pending += book.held
        failed = book.failed
        for key, (cell, numbers) in failed.items():
            if len(numbers) >= self._max_failures:  # not proposed again
                pending.append(cell)
                if key not in self._reported_failures:
                    self._reported_failures.add(key)
                    _logger.warning(
                        f"{type(self).__name__}: the cell of trials {numbers} failed {len(numbers)} times "
                        f"and is not proposed again (max_failures={self._max_failures}): "
                        f"{self._space.to_params(cell, 'categorical')}"
                    )
        return observations, pending

    def _orphaned(self, trial: FrozenTrial) -> bool:
        """Whether a running trial was left inside ``study.ask()`` by a process that will
        never finish it: its owner on this host is gone; its owner on another host has not
        said it is alive (a new ``"beat"``) for ``orphan_timeout`` seconds; or it has no
        owner record, no parameter and no other mark of this sampler for ``orphan_timeout``
        seconds (its process died between Optuna creating the trial and the sampler's first
        write). Those seconds are counted on this process's clock from when it first saw
        the trial that way (no clock of another host is compared). A trial whose ask
        finished is never one."""
        attrs = trial.system_attrs
        owner = attrs.get(OWNER_ATTR)
        if isinstance(owner, dict):
            if owner.get("phase") != "ask":
                return False
            if _dead(owner):
                return True
            if _local(owner):
                return False
            return self._silent_for(trial, ("beat", owner.get("beat"))) > self.orphan_timeout
        if owner is not None or trial.params or any(k.startswith("lso_sampler:") for k in attrs):
            return False
        return self._silent_for(trial, ("bare",)) > self.orphan_timeout

    def _silent_for(self, trial: FrozenTrial, sign: Any) -> float:
        """Seconds (this process's clock) since it first saw ``trial`` with the same ``sign``
        of life (0 on a first look or a new sign)."""
        now = time.monotonic()
        seen = self._watch.get(trial._trial_id)
        if seen is None or seen[0] != sign:
            if len(self._watch) > 10_000:  # finished trials' entries, dropped now and then
                self._watch.clear()
            self._watch[trial._trial_id] = (sign, now)
            return 0.0
        return now - seen[1]

    def _fail_orphan(self, study: Study, trial: FrozenTrial) -> bool:
        """Fail a running trial orphaned inside ``study.ask()`` (:meth:`_orphaned`: no
        heartbeat or worker will ever finish it), so that its cell is free again; ``True`` if
        it was such a trial. A trial whose ask finished is left alone (it may be told from
        another process, as Optuna's ask-and-tell interface allows; a heartbeat fails it when
        its worker dies)."""
        if not self._orphaned(trial):
            return False
        owner = trial.system_attrs.get(OWNER_ATTR)
        storage = study._storage
        try:
            storage.set_trial_system_attr(trial._trial_id, ORPHAN_ATTR, True)
            storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        except Exception:  # another worker finished it first
            return True
        who = (
            f"process {owner.get('pid')} on {owner.get('host')}, which died inside study.ask() or has not "
            f"answered for orphan_timeout={self.orphan_timeout:g} s"
            if isinstance(owner, dict)
            else f"a process that died inside study.ask() before the sampler ran (started over "
            f"orphan_timeout={self.orphan_timeout:g} s ago, no parameter)"
        )
        _logger.warning(
            f"{type(self).__name__}: trial {trial.number} was left running by {who}; it is failed and its cell is free"
        )
        return True

    def _decode_finished(self, t: FrozenTrial, signs: Sequence[float]) -> tuple[str, Any]:
        """What a finished trial is to the history: ``("observation", Observation)``,
        ``("held", cell)`` (no usable value), ``("failed", cell)`` or ``("skip", None)``
        (an orphan failed by :meth:`_fail_orphan` is skipped: its cell did not fail)."""
        if t.state == TrialState.FAIL and t.system_attrs.get(ORPHAN_ATTR):
            return ("skip", None)
        if t.state == TrialState.FAIL:
            cell = self._cell_of(t)
            return ("failed", cell) if cell is not None else ("skip", None)
        if t.state == TrialState.COMPLETE and (t.values is None or len(t.values) != len(signs)):
            return ("skip", None)
        if _trial_encoding(self._space, t) is None:
            return ("skip", None)
        cell = self._cell_of(t)
        if cell is None:
            return ("skip", None)
        raw = _usable_values(t, len(signs))
        if raw is None:
            return ("held", cell)
        names = set(self._space.param_names)
        extra = {n: v for n, v in t.params.items() if n not in names}
        return ("observation", observation(self._space, cell, raw, signs, self._constraints_of(t), extra))

    def _ledger(self, study: Study, signs: Sequence[float]) -> _History:
        """The study's :class:`_History` as it stands (made empty on first use)."""
        key = (id(study._storage), study._study_id, tuple(signs))
        book = self._books.get(key)
        if book is None:
            book = self._books[key] = _History()
        return book

    def _book(self, study: Study, signs: Sequence[float], trials: Sequence[FrozenTrial]) -> _History:
        """The study's :class:`_History` with the finished ones of ``trials`` (all the
        study's trials, in number order) added. Finished trials never change: each is
        decoded once, and what it gives the history is kept per study; the trials before
        the first unfinished one are not looked at again (so the work per call grows with
        the new trials, not with the study)."""
        book = self._ledger(study, signs)
        names = set(self._space.param_names)
        numbered = _numbered(trials)
        for t in itertools.islice(trials, book.scan_from if numbered else 0, None):
            if t.state.is_finished() and t._trial_id not in book.seen:
                extra = {n: d for n, d in t.distributions.items() if n not in names}
                book.add(t.number, *self._decode_finished(t, signs), self._space, extra)
                book.seen.add(t._trial_id)
        if numbered:
            i = book.scan_from
            while i < len(trials) and trials[i].state.is_finished() and trials[i]._trial_id in book.seen:
                i += 1
            book.scan_from = i
        return book

    def hyperparameter_distributions(self, study: Study) -> dict[str, BaseDistribution]:
        """The parameters outside the space searched with the cell (``search_hyperparameters``):
        those every completed trial has, with the same distribution, of a kind the
        strategy models; empty without such parameters, or when the joint search is off."""
        if not self._search_hyperparameters:
            return {}
        signs = _signs(study)
        book = self._book(study, signs, study.get_trials(deepcopy=False))
        shared = book.shared or {}
        return {n: d for n, d in sorted(shared.items()) if hyperparameter(n, d) is not None}

    def _hyperparameter_space(self, study: Study) -> HyperparameterSpace | None:
        dists = self.hyperparameter_distributions(study)
        if not dists:
            return None
        return HyperparameterSpace([hyperparameter(n, d) for n, d in dists.items()])  # type: ignore[misc]

    def failed_cells(self, study: Study) -> dict[str, list[int]]:
        """Cells whose trials failed, by key: the failed trials' numbers (a cell with
        ``max_failures`` of them is not proposed again)."""
        signs = _signs(study)
        book = self._book(study, signs, study.get_trials(deepcopy=False))
        return {key: list(numbers) for key, (_, numbers) in book.failed.items()}

    def _constraints_of(self, trial: FrozenTrial) -> tuple[float, ...]:
        """The trial's stored constraint values (``()`` without ``constraints_func``;
        ``(inf,)`` when they could not be computed: infeasible, as Optuna's TPE treats it)."""
        if self._constraints_func is None:
            return ()
        stored = trial.constraints  # Optuna's public view: {} when constraints_func failed
        if not stored:
            return (math.inf,)
        return tuple(float(c) for c in stored.values())

    # -- choosing the cell of a trial ----------------------------------------------------------
    def _batch_key(self) -> str:
        return f"{BATCH_ATTR}:{self._strategy.name}"

    # -- the lease on computing a round: one worker computes it, the others wait ------------
    def _contenders(self, study: Study, rnd: int) -> tuple[list[tuple[float, int, bool]], bool]:
        """The live claims on computing round ``rnd`` (``(time, trial number, won)``, read
        from the running trials' lease records) and whether another trial is still inside
        its ask (a claim that may not be written yet)."""
        key = self._lease_key()
        claims: list[tuple[float, int, bool]] = []
        asking = False
        now = time.time()
        trials = study.get_trials(deepcopy=False)
        start = self._ledger(study, _signs(study)).scan_from if _numbered(trials) else 0
        for t in itertools.islice(trials, start, None):  # the running trials are past `start`
            if t.state != TrialState.RUNNING:
                continue
            owner = t.system_attrs.get(OWNER_ATTR)
            lease = t.system_attrs.get(key)
            if isinstance(lease, dict) and lease.get("round") == rnd and not lease.get("done"):
                seen = float(lease.get("seen", lease.get("time", 0.0)))
                if not _dead(lease.get("owner")) and now - seen < self.lease_timeout:
                    claims.append((float(lease["time"]), t.number, bool(lease.get("won"))))
            elif isinstance(owner, dict) and owner.get("phase") == "ask" and not self._orphaned(t):
                asking = True
        return claims, asking

    def _trains(self, history: Sequence[Observation]) -> bool:
        """Whether the next round trains a model (a model-based strategy past its start-up):
        only such rounds go through the lease; a cheap round (evolution, local or random
        search, a random start-up round) is computed by whichever worker needs it, and
        workers that compute it at once compute the same round (seeded by the history)."""
        from lso_sampler.strategies.base import ModelBasedStrategy

        strategy = self._strategy
        return isinstance(strategy, ModelBasedStrategy) and len(history) >= strategy.n_startup_trials

    def _lease_key(self) -> str:
        return f"{LEASE_ATTR}:{self._strategy.name}"

    def _take_lease(self, study: Study, trial: FrozenTrial, rnd: int) -> bool:
        """Claim the computation of round ``rnd`` for this trial: ``True`` when this worker
        is to compute it.

        Claims live on the running trials. A claim written while another trial is inside
        its ask waits a moment (``lease_settle`` seconds) for that trial's claim to land;
        then the earliest live claim is the candidate. The candidate marks its claim won and
        reads the claims again: if another claim is marked won too, it withdraws (and tries
        again later), so two workers never both compute a round, even when a claim landed
        late. Only the candidate marks, so a withdrawal is rare (two candidates at once)."""
        storage, key = study._storage, self._lease_key()
        before = storage.get_trial_system_attrs(trial._trial_id).get(key)
        # a second try at the same round keeps its place (a new time would put it behind the
        # other waiters' claims, and theirs behind it when they try again: none would compute)
        kept = (
            isinstance(before, dict)
            and before.get("round") == rnd
            and "time" in before
            and (not before.get("done") or before.get("withdrawn"))
        )
        now = time.time()
        mine = {"round": rnd, "time": float(before["time"]) if kept else now, "seen": now, "owner": _identity()}
        storage.set_trial_system_attr(trial._trial_id, key, mine)
        self._claims[trial._trial_id] = rnd
        try:
            claims, asking = self._contenders(study, rnd)
            if any(won for _, n, won in claims if n != trial.number):
                return False
            if asking or len(claims) > 1:
                time.sleep(self.lease_settle)
                claims, _ = self._contenders(study, rnd)
            others = [(t, n, won) for t, n, won in claims if n != trial.number]
            if any(won for *_, won in others) or any((t, n) < (mine["time"], trial.number) for t, n, _ in others):
                return False
            storage.set_trial_system_attr(trial._trial_id, key, {**mine, "won": True})
            claims, _ = self._contenders(study, rnd)
            if any(won for _, n, won in claims if n != trial.number):  # another candidate marked too
                # back in line, unmarked (its place kept), after a pause that differs per worker
                storage.set_trial_system_attr(trial._trial_id, key, mine)
                time.sleep(self.lease_settle * (1 + np.random.default_rng([trial._trial_id, os.getpid()]).random()))
                return False
            return True
        except BaseException:  # a storage error half-way: no claim of this worker is left standing
            self._release_lease(study, trial, rnd)
            raise

    def _release_lease(self, study: Study, trial: FrozenTrial, rnd: int) -> None:
        self._claims.pop(trial._trial_id, None)
        try:
            study._storage.set_trial_system_attr(trial._trial_id, self._lease_key(), {"round": rnd, "done": True})
        except Exception:  # the storage is gone, or the trial finished: nothing to release
            pass

    def _beat(self, study: Study, trial: FrozenTrial) -> None:
        """Say in the trial's owner record, and in its live claim, that its ask is alive
        (read by workers on other hosts, which cannot check the process: :meth:`_orphaned`,
        :meth:`_contenders`)."""
        storage = study._storage
        attrs = storage.get_trial_system_attrs(trial._trial_id)
        owner = attrs.get(OWNER_ATTR)
        if isinstance(owner, dict) and owner.get("phase") == "ask":
            storage.set_trial_system_attr(trial._trial_id, OWNER_ATTR, {**owner, "beat": time.time()})
        lease = attrs.get(self._lease_key())
        if isinstance(lease, dict) and not lease.get("done") and trial._trial_id in self._claims:
            storage.set_trial_system_attr(trial._trial_id, self._lease_key(), {**lease, "seen": time.time()})

    @contextlib.contextmanager
    def _beating(self, study: Study, trial: FrozenTrial) -> Iterator[None]:
        """While the block runs (the sampler's part of an ask: waiting for a round, training
        one), a thread calls :meth:`_beat` every ``orphan_timeout / 4`` seconds (at most
        every ``lease_timeout / 4``)."""
        stop = threading.Event()
        period = max(0.01, min(self.orphan_timeout, self.lease_timeout) / 4)

        def run() -> None:
            while not stop.wait(period):
                try:
                    self._beat(study, trial)
                except Exception:  # the trial finished or the storage is gone: nothing to say
                    return

        thread = threading.Thread(target=run, name="lso_sampler-beat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _wait_for_round(self, study: Study, trial: FrozenTrial, rnd: int) -> None:
        """Wait until round ``rnd`` (or a later one) is stored, or until no other live claim
        on it is left that is won or earlier than this trial's (its holder died, finished
        without storing, withdrew or timed out: then this worker tries again); the waiting
        trial says it is alive meanwhile (:meth:`_beating`).

        The stored round (one read of the study's attributes) is looked at with waits
        growing from 0.05 s to ``poll_interval``; the claims (a read of the running trials)
        once per ``claims_interval``, so that many waiting workers do not load the storage
        and the cores the computing worker needs."""
        storage, sid = study._storage, study._study_id
        own = storage.get_trial_system_attrs(trial._trial_id).get(self._lease_key())
        own_time = float(own["time"]) if isinstance(own, dict) and "time" in own and not own.get("done") else math.inf
        delay = 0.05
        claims_read = time.monotonic()
        while True:
            now = time.monotonic()
            stored = storage.get_study_system_attrs(sid).get(self._batch_key())
            if stored and int(stored.get("round", -1)) >= rnd:
                return
            if now - claims_read >= self.claims_interval:
                claims, _ = self._contenders(study, rnd)
                ahead = [n for t, n, won in claims if n != trial.number and (won or (t, n) < (own_time, trial.number))]
                if not ahead:
                    return
                claims_read = now
            time.sleep(delay)
            delay = min(self.poll_interval, delay * 1.5)

    def _next_cell(
        self,
        study: Study,
        trial: FrozenTrial,
        avoid: set[str] | None = None,
        pick: np.random.Generator | None = None,
    ) -> tuple[Cell, str, dict[str, Any]]:
        """The trial's cell, where it came from and the hyperparameter values chosen with
        it: the first cell of the stored round that is not busy (a random one of them with
        ``pick``), else the first of a new round. Of several workers that find the round
        used up, one computes the next (a lease in the storage) and the others wait for it."""
        history, pending = self.history(study, exclude=trial.number)
        done = self._ledger(study, _signs(study)).keys  # the keys of `history`, kept up to date
        busy = set(done)  # one copy of the study's keys, then the few others added
        busy.update(self._space.key(c) for c in pending)
        busy.update(avoid or ())
        storage, sid = study._storage, study._study_id
        stored = storage.get_study_system_attrs(sid).get(self._batch_key())
        if stored:
            origins = stored.get("origins") or ["strategy"] * len(stored["cells"])
            hparams = stored.get("hyperparameters") or [{}] * len(stored["cells"])
            free = []
            for params, origin, hp in zip(stored["cells"], origins, hparams):
                cell = self._space.from_params(params, "categorical")
                if self._space.key(cell) not in busy:
                    free.append((cell, origin, hp))
            if free:
                # the first free cell; after a clash, one at random, so that workers that
                # clashed do not clash again on the next cell
                return free[0] if pick is None else free[int(pick.integers(len(free)))]
        # A new round: seeded by the history, so every process proposes the same batch.
        rnd = 0 if not stored else int(stored.get("round", 0)) + 1
        if self._trains(history) and not self._take_lease(study, trial, rnd):
            self._wait_for_round(study, trial, rnd)  # another worker computes it
            return self._next_cell(study, trial, avoid, pick)
        latest = storage.get_study_system_attrs(sid).get(self._batch_key())
        if latest and int(latest.get("round", -1)) >= rnd:  # a worker stored it meanwhile
            self._release_lease(study, trial, rnd)
            return self._next_cell(study, trial, avoid, pick)
        try:
            self._strategy.set_hyperparameters(self._hyperparameter_space(study))
            batch = propose_round(self._strategy, history, pending, busy, self._batch_size, self._seed, rnd)
            self.rounds_computed += 1
            if self._trains(history):
                self.trained_rounds.append(rnd)
            if not batch:
                if not self._warned_exhausted:
                    self._warned_exhausted = True
                    warnings.warn(
                        f"{type(self).__name__}: every valid cell of {self._space.name} has been queried or "
                        "is pending; the following trials repeat random cells (stop the study, or widen "
                        "the space)",
                        stacklevel=2,
                    )
                return self._space.sample(np.random.default_rng([self._seed, len(history), rnd])), "repeat", {}
            hparams = list(self._strategy.round_hyperparameters) or [{}] * len(batch)
            latest = storage.get_study_system_attrs(sid).get(self._batch_key())
            overtaken = bool(latest) and int(latest.get("round", -1)) >= rnd  # while computing: theirs stands
            if not overtaken:
                storage.set_study_system_attr(
                    sid,
                    self._batch_key(),
                    {
                        "round": rnd,
                        "history": len(history),
                        "cells": [self._space.to_params(c, "categorical") for c in batch],
                        "origins": list(self._strategy.round_origins),
                        "hyperparameters": hparams,
                    },
                )
        finally:  # after the round is stored (or could not be made): the waiting workers go on
            if self._trains(history):
                self._release_lease(study, trial, rnd)
        if overtaken:
            return self._next_cell(study, trial, avoid, pick)
        return batch[0], self._strategy.round_origins[0], hparams[0]

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
        # after a clash, a random free cell: by this process and trial, so that workers with
        # the same seed that clashed go different ways
        pick = None
        for attempt in range(64):
            if attempt >= 32:  # the rounds keep clashing: a random cell no one holds
                cell, origin, hp = self._fresh_cell(study, trial, avoid, attempt)
            else:
                cell, origin, hp = self._next_cell(study, trial, avoid, pick)
            params = self._space.to_params(cell, "categorical")
            study._storage.set_trial_system_attr(trial._trial_id, CELL_ATTR, params)
            study._storage.set_trial_system_attr(trial._trial_id, ORIGIN_ATTR, origin)
            if hp or self._search_hyperparameters:
                study._storage.set_trial_system_attr(trial._trial_id, HPARAMS_ATTR, hp)
            if origin == "repeat":  # the space is exhausted: a repeat, no point retrying
                break
            key = self._space.key(cell)
            # The rival may have finished meanwhile: look at completed trials too.
            done, pending = self.history(study, exclude=trial.number)
            done_keys = self._ledger(study, _signs(study)).keys
            if key not in done_keys and key not in {self._space.key(c) for c in pending}:
                break
            avoid.add(key)
            self.reservation_retries += 1
            pick = np.random.default_rng([trial._trial_id, attempt, os.getpid(), threading.get_ident() % 2**32])
        else:
            warnings.warn(
                f"{type(self).__name__}: trial {trial.number} could not reserve a cell no other trial holds "
                "in 64 attempts; it may repeat one",
                stacklevel=2,
            )
        self._reserved[trial._trial_id] = params
        self._record_architecture(study, trial, self._space.from_params(params, "categorical"))
        return params

    def _fresh_cell(
        self, study: Study, trial: FrozenTrial, avoid: set[str], attempt: int
    ) -> tuple[Cell, str, dict[str, Any]]:
        """A random valid cell that no trial holds (outside the rounds), or the next cell
        of the rounds when the space has no other."""
        history, pending = self.history(study, exclude=trial.number)
        busy = self._ledger(study, _signs(study)).keys | {self._space.key(c) for c in pending} | avoid
        rng = np.random.default_rng([trial._trial_id, attempt, os.getpid(), 1])
        found = random_unseen(self._space, rng, busy, 1)
        if not found:
            return self._next_cell(study, trial, avoid)
        return found[0], "random-top-up", {}

    def _record_architecture(self, study: Study, trial: FrozenTrial, cell: Cell) -> None:
        """Store ``space.describe(cell)`` as the trial's user attribute ``"architecture"``."""
        study._storage.set_trial_user_attr(trial._trial_id, ARCH_ATTR, _describe(self._space, cell))

    def _record_enqueued_architecture(self, study: Study, trial: FrozenTrial) -> None:
        """Record the architecture of an enqueued trial whose parameters fix the whole cell
        (in the space's encoding, as ``space.suggest(trial)`` reads them); a partial or
        unreadable one is left without (the rest comes from the independent sampler)."""
        fixed = trial.system_attrs.get("fixed_params", {})
        if not all(n in fixed for n in self._space.param_names):
            return
        try:
            cell = self._space.from_params(fixed, self._space.encoding, strict=False)
        except ValueError:
            return  # _check_enqueued has warned about it
        self._record_architecture(study, trial, cell)

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
        # who asked for the trial, while the ask runs (a process that dies before the ask
        # finishes leaves an orphan the next worker fails: _fail_orphan)
        study._storage.set_trial_system_attr(
            trial._trial_id, OWNER_ATTR, {**_identity(), "phase": "ask", "beat": time.time()}
        )
        # as TPE, CMA-ES and GP do: the independent sampler prepares the trial too
        self._independent_sampler.before_trial(study, trial)
        if not self._uses_space(trial):
            self._check_enqueued(trial)
            self._record_enqueued_architecture(study, trial)
            self._ask_done(study, trial)  # nothing reserved: nothing for anyone to free
            return  # an enqueued cell: the user's choice, nothing to reserve
        with self._lock, self._beating(study, trial):
            self._reserve(study, trial)
            rnd = self._claims.get(trial._trial_id)
            if rnd is not None:  # it took a cell without computing the round it claimed
                self._release_lease(study, trial, rnd)

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        self._check_objectives(study)
        cell = self._space.distributions()
        return {**self.hyperparameter_distributions(study), **cell}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        self._check_objectives(study)
        self._ask_done(study, trial)
        if search_space and not set(self._space.param_names) & set(search_space):
            # a search space without the cell (no space.suggest in the objective): nothing
            # for the strategy to model; each parameter from the independent sampler
            return {
                n: self._independent_sampler.sample_independent(study, trial, n, d) for n, d in search_space.items()
            }
        if not search_space or not set(self._space.param_names) <= set(search_space):
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
        out = self._space.to_params(cell)
        chosen = study._storage.get_trial_system_attrs(trial._trial_id).get(HPARAMS_ATTR) or {}
        fixed = trial.system_attrs.get("fixed_params", {})
        for name, dist in search_space.items():
            # values chosen with the cell, where they fit the trial's distribution (else the
            # independent sampler decides, as for a parameter the round did not know)
            if name in chosen and name not in out and name not in fixed and _contains(dist, chosen[name]):
                out[name] = chosen[name]
        return out

    def _ask_done(self, study: Study, trial: FrozenTrial) -> None:
        """Mark the trial's ask as finished (sample_relative is the last sampler call in it)."""
        owner = trial.system_attrs.get(OWNER_ATTR)
        if owner is None:  # the storage holds what before_trial wrote after this snapshot
            owner = study._storage.get_trial_system_attrs(trial._trial_id).get(OWNER_ATTR)
        if isinstance(owner, dict) and owner.get("phase") == "ask":
            study._storage.set_trial_system_attr(trial._trial_id, OWNER_ATTR, {**owner, "phase": "done"})

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        self._check_objectives(study)
        if self._warn_independent and param_name not in self._warned and not self._joint_pending(study, param_name):
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

    def _joint_pending(self, study: Study, param_name: str) -> bool:
        """Whether ``param_name`` is only sampled independently until the joint search
        knows it (no completed trial has it yet): no warning then."""
        if not self._search_hyperparameters or param_name in self._space.param_names:
            return False
        known = self.hyperparameter_distributions(study)
        return not known or param_name in known

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


_SPEC = AdapterSpec(
    base=LSOSampler,
    leading=[],
    trailing=[
        inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a)
        for n, d, a in (
            ("independent_sampler", None, "BaseSampler | None"),
            ("batch_size", None, "int | None"),
            ("warn_independent_sampling", True, "bool"),
            ("constraints_func", None, "Callable[[FrozenTrial], Sequence[float]] | None"),
            ("max_failures", 2, "int"),
            ("search_hyperparameters", True, "bool"),
        )
    ],
    suffix="sampler_name",
    args_doc="""    seed: Seed of the strategy, the proposal rounds and the independent sampler.
    independent_sampler: Sampler for parameters outside the space (default:
        ``RandomSampler(seed)``).
    batch_size: Cells per proposal round (default: the strategy's).
    warn_independent_sampling: Warn once per parameter sampled independently.
    constraints_func: ``FrozenTrial -> Sequence[float]``, a value ``<= 0`` meaning the
        constraint is met, as in Optuna's TPE and NSGA-II samplers.
    max_failures: A cell whose trials failed (raised, or returned NaN) this many times is
        not proposed again (a warning names it; ``failed_cells(study)`` lists them).
    search_hyperparameters: For a method that supports it (AG-Net, the graph VAE, convex
        LSO), search the float, int and categorical parameters outside the space that every
        completed trial shares together with the cell (the predictors take them as inputs;
        each cell is proposed with its values); ``False``: they go to
        ``independent_sampler``.""",
    example="""    A short search on NAS-Bench-Graph (Cora), whose data ships with ``nas-bench-graph``;
    the options after ``seed`` only make this example quick (leave them out for a real
    search, e.g. ``{cls}(space, seed=0)``):

    >>> import optuna
    >>> from lso_sampler.benchmarks import NASBenchGraph
    >>> from lso_sampler.optuna_samplers import {cls}
    >>> bench = NASBenchGraph("cora")
    >>> space = bench.space
    >>> sampler = {cls}(space, seed=0{options})
    >>> study = optuna.create_study(direction="maximize", sampler=sampler)
    >>> study.optimize(lambda trial: bench.query(space.suggest(trial)).search_value, n_trials=5)
    >>> len(study.trials), bench.num_queries  # five trials, five distinct cells
    (5, 5)
    >>> print(study.best_trial.user_attrs["architecture"])  # the benchmark's own notation
    link=[...] ops=[...]""",
)

#: The generated samplers' docstring examples, for ``pytest --doctest-modules``.
__test__ = GeneratedDocs(_SPEC, __name__)


def sampler_class(method: Method | str) -> type[LSOSampler]:
    """The Optuna sampler class of a registered method (made once, then cached; it is also
    this module's attribute of that name, so its instances pickle).

    Example:
        >>> sampler_class("evolution").__name__
        'RegularizedEvolutionSampler'
    """
    return _SPEC.class_for(method, __name__)


def make_sampler(name: str, space: SearchSpace, **options: Any) -> LSOSampler:
    """The sampler of a runnable name (a method or one of its ablations, as
    :func:`lso_sampler.methods.variants` lists them) with ``options``.

    Example:
        >>> from lso_sampler.spaces import NASBench201Space
        >>> type(make_sampler("agnet-no-weighting", NASBench201Space(), seed=0)).__name__
        'AGNetSampler'
    """
    return build_variant(sampler_class, name, space, **options)


def sampler_names() -> list[str]:
    """The sampler class names of the registered methods."""
    return _SPEC.class_names()


def __getattr__(name: str) -> Any:
    return _SPEC.module_attribute(name, __name__)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(sampler_names()))
