"""General HPO peers for ``compare``: BoTorch, SMAC3 and HEBO as Optuna samplers.

BoTorch runs through optuna-integration's own ``BoTorchSampler``. SMAC3 and HEBO have
ask/tell APIs of their own (SMAC's ``ask``/``tell`` on a ConfigSpace, HEBO's
``suggest``/``observe`` on pandas DataFrames); :class:`SMACSampler` and
:class:`HEBOSampler` put them behind Optuna's ``BaseSampler``: the study's search space
(the space's Optuna distributions) is translated into the peer's space, each trial is
asked in ``sample_relative`` and told in ``after_trial``, as those libraries' users run
them with their defaults.

The packages come with the ``peers`` extra (``pip install "lso-sampler[peers]"``:
optuna-integration, botorch, smac), except HEBO, whose metadata pins ``numpy<1.25`` and
``pymoo==0.6.0``; it runs with numpy 2 when installed without its pins
(``pip install --no-deps HEBO==0.3.6 && pip install pymoo disjoint-set``).
:func:`check_peer` says what is missing.

Example:
    >>> from lso_sampler.compare.peers import PEER_PACKAGES
    >>> sorted(PEER_PACKAGES)
    ['botorch', 'hebo', 'smac']
"""

from __future__ import annotations

import contextlib
import importlib
import io
import math
import shutil
import tempfile
import threading
import warnings
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.samplers import BaseSampler, RandomSampler
from optuna.study import Study, StudyDirection
from optuna.trial import FrozenTrial, TrialState

from lso_sampler.spaces.base import SearchSpace

__all__ = [
    "HEBO_INSTALL",
    "PEER_FACTORIES",
    "PEER_PACKAGES",
    "HEBOSampler",
    "SMACSampler",
    "botorch_sampler",
    "check_peer",
    "hebo_sampler",
    "smac_sampler",
]

#: How to install HEBO beside numpy 2 (its metadata pins numpy<1.25 and pymoo==0.6.0).
HEBO_INSTALL = "pip install --no-deps HEBO==0.3.6 && pip install pymoo disjoint-set"

#: Peer name -> the (module, pip package) pairs it imports.
PEER_PACKAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "botorch": (("optuna_integration", "optuna-integration"), ("botorch", "botorch")),
    "smac": (("smac", "smac"), ("ConfigSpace", "ConfigSpace")),
    "hebo": (("hebo", "HEBO"), ("pymoo", "pymoo"), ("disjoint_set", "disjoint-set")),
}

_HINTS = {
    "botorch": 'pip install "lso-sampler[peers]" (optuna-integration and botorch)',
    "smac": 'pip install "lso-sampler[peers]" (smac, with ConfigSpace; smac >= 2.3 needs no pyrfr)',
    "hebo": f"HEBO is not in the peers extra (its metadata pins numpy<1.25 and pymoo==0.6.0); {HEBO_INSTALL}",
}


def check_peer(name: str) -> None:
    """Import what the peer ``name`` needs; raise an ImportError that names the missing
    package, the import error and how to install it.

    Raises:
        KeyError: for a name that is not a peer of :data:`PEER_PACKAGES`.
        ImportError: when a package is missing or does not import.
    """
    if name not in PEER_PACKAGES:
        raise KeyError(f"name: {name!r} is not a peer; choose from {sorted(PEER_PACKAGES)}")
    for module, package in PEER_PACKAGES[name]:
        try:
            importlib.import_module(module)
        except Exception as exc:  # ImportError, or an incompatible install failing on import
            raise ImportError(
                f"samplers: {name!r} needs the {package!r} package, which "
                f"{'is not installed' if isinstance(exc, ImportError) else 'fails to import'} "
                f"({type(exc).__name__}: {exc}); {_HINTS[name]}"
            ) from exc


# -- the search space seen by a peer ------------------------------------------------------
@dataclass(frozen=True)
class _Param:
    """One Optuna distribution as the peer sees it: a categorical of string labels, an
    integer or a float range (a stepped range as the integer index of its grid), or a
    constant the peer does not see."""

    name: str
    dist: BaseDistribution
    kind: str  # "cat", "int", "float" or "const"
    labels: tuple[str, ...] = ()
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    grid: tuple[float, float] | None = None  # (low, step) of a stepped range

    @classmethod
    def of(cls, name: str, dist: BaseDistribution) -> _Param:
        if isinstance(dist, CategoricalDistribution):
            labels = tuple(str(c) for c in dist.choices)
            if len(set(labels)) < len(labels):
                labels = tuple(f"{i}:{c}" for i, c in enumerate(dist.choices))
            return cls(name, dist, "cat" if len(labels) > 1 else "const", labels)
        if isinstance(dist, (IntDistribution, FloatDistribution)):
            if dist.high == dist.low:
                return cls(name, dist, "const")
            if dist.step is not None and not (isinstance(dist, IntDistribution) and dist.step == 1):
                steps = int(round((dist.high - dist.low) / dist.step))
                return cls(name, dist, "int", low=0, high=steps, grid=(dist.low, dist.step))
            kind = "int" if isinstance(dist, IntDistribution) else "float"
            return cls(name, dist, kind, low=dist.low, high=dist.high, log=dist.log)
        raise TypeError(
            f"search_space[{name!r}]: {type(dist).__name__} is not supported; give Categorical, Int or "
            "Float distributions"
        )

    def to_peer(self, value: Any) -> Any:
        """An Optuna value of this parameter as the peer writes it."""
        if self.kind == "cat":
            return self.labels[self.dist.choices.index(value)]  # type: ignore[attr-defined]
        if self.grid is not None:
            return int(round((value - self.grid[0]) / self.grid[1]))
        return int(value) if self.kind == "int" else float(value)

    def from_peer(self, raw: Any) -> Any:
        """The peer's value of this parameter as the Optuna value."""
        if self.kind == "const":
            d = self.dist
            return d.choices[0] if isinstance(d, CategoricalDistribution) else d.low  # type: ignore[attr-defined]
        if self.kind == "cat":
            return self.dist.choices[self.labels.index(str(raw))]  # type: ignore[attr-defined]
        if self.grid is not None:
            value = self.grid[0] + int(round(float(raw))) * self.grid[1]
            return int(value) if isinstance(self.dist, IntDistribution) else float(value)
        if self.kind == "int":
            return int(min(max(int(round(float(raw))), self.low), self.high))
        return float(min(max(float(raw), self.low), self.high))


def _distributions(search_space: SearchSpace | Mapping[str, BaseDistribution]) -> dict[str, BaseDistribution]:
    if isinstance(search_space, SearchSpace):
        return search_space.distributions()
    if not isinstance(search_space, Mapping) or not search_space:
        raise TypeError(
            "search_space: expected a SearchSpace or a non-empty mapping of parameter names to Optuna "
            f"distributions, got {type(search_space).__name__}"
        )
    for name, dist in search_space.items():
        if not isinstance(dist, BaseDistribution):
            raise TypeError(f"search_space[{name!r}]: expected an Optuna distribution, got {type(dist).__name__}")
    return dict(search_space)


class _AskTellSampler(BaseSampler):
    """An Optuna sampler around an ask/tell optimiser: one relative sample per trial over
    the fixed search space, told when the trial ends; other parameters go to
    ``independent_sampler``. Subclasses implement :meth:`_ask` and :meth:`_tell`.

    Single objective; the optimiser's state lives in this object (one process: share a
    study between processes with the package's NAS samplers instead).
    """

    def __init__(
        self,
        search_space: SearchSpace | Mapping[str, BaseDistribution],
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
    ) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"seed: must be an int or None, got {seed!r}")
        if independent_sampler is not None and not isinstance(independent_sampler, BaseSampler):
            raise TypeError(
                f"independent_sampler: expected an Optuna sampler, got {type(independent_sampler).__name__}"
            )
        self._search_space = _distributions(search_space)
        self._params = [_Param.of(n, d) for n, d in self._search_space.items()]
        self._seed = int(np.random.SeedSequence(seed).generate_state(1)[0] % 2**31) if seed is None else int(seed)
        self._rng = np.random.default_rng(self._seed)
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._asked: dict[int, tuple[Any, dict[str, Any]]] = {}  # trial id -> (peer token, params)
        self._told: set[int] = set()
        self._lock = threading.RLock()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    @property
    def _peer_params(self) -> list[_Param]:
        return [p for p in self._params if p.kind != "const"]

    def reseed_rng(self) -> None:
        self._independent_sampler.reseed_rng()

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return dict(self._search_space)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        if study._is_multi_objective():
            raise ValueError(
                f"{type(self).__name__} handles single-objective studies only, but the study has "
                f"{len(study.directions)} objectives"
            )
        with self._lock:
            self._sync(study)
            pending = [params for _, params in self._asked.values()]
            token, params = self._ask(pending)
            self._asked[trial._trial_id] = (token, params)
        return {n: params[n] for n in search_space if n in params}

    def sample_independent(
        self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        return self._independent_sampler.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study: Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None) -> None:
        with self._lock:
            asked = self._asked.pop(trial._trial_id, None)
            if trial._trial_id not in self._told:
                self._told.add(trial._trial_id)
                cost = self._cost(study, trial, state, values)
                params = self._trial_params(trial)
                if asked is not None and (params is None or params == asked[1]):
                    self._tell(asked[0], asked[1], cost)
                elif params is not None and cost is not None:  # not the peer's proposal (enqueued)
                    self._tell(None, params, cost)
        self._independent_sampler.after_trial(study, trial, state, values)

    # -- helpers ---------------------------------------------------------------------------
    def _cost(
        self, study: Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None
    ) -> float | None:
        """The trial's value to minimise, ``None`` for a failed trial (a pruned trial counts
        with its last report, or as failed without one)."""
        value: float | None = None
        if state == TrialState.COMPLETE and values:
            value = float(values[0])
        elif state == TrialState.PRUNED and trial.intermediate_values:
            value = float(trial.intermediate_values[max(trial.intermediate_values)])
        if value is None or not math.isfinite(value):
            return None
        return value if study.direction == StudyDirection.MINIMIZE else -value

    def _trial_params(self, trial: FrozenTrial) -> dict[str, Any] | None:
        """The trial's values of the search space, if it has them all (in range)."""
        out = {}
        for p in self._params:
            if p.name not in trial.params or trial.distributions.get(p.name) != p.dist:
                return None
            out[p.name] = trial.params[p.name]
        return out

    def _sync(self, study: Study) -> None:
        """Tell the peer the completed trials it has not seen (added or run elsewhere)."""
        for t in study._storage.get_all_trials(study._study_id, deepcopy=False, states=(TrialState.COMPLETE,)):
            if t._trial_id in self._told or t._trial_id in self._asked:
                continue
            self._told.add(t._trial_id)
            params = self._trial_params(t)
            cost = self._cost(study, t, t.state, t.values)
            if params is not None and cost is not None:
                self._tell(None, params, cost)

    def _ask(self, pending: list[dict[str, Any]]) -> tuple[Any, dict[str, Any]]:
        """The peer's next proposal: a token for :meth:`_tell` and the Optuna params."""
        raise NotImplementedError

    def _tell(self, token: Any, params: dict[str, Any], cost: float | None) -> None:
        """Tell the peer the cost (``None``: failed) of ``params`` (``token``: from :meth:`_ask`,
        ``None`` for a configuration the peer did not propose)."""
        raise NotImplementedError

    def _decode(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        return {p.name: p.from_peer(raw.get(p.name)) for p in self._params}


def _dummy_target(config: Any, seed: int = 0) -> float:
    """SMAC's facade wants a target function; the ask/tell loop never calls it."""
    raise RuntimeError("SMACSampler: the target is evaluated by Optuna, not by SMAC")


class SMACSampler(_AskTellSampler):
    """SMAC3's random-forest Bayesian optimisation (``HyperparameterOptimizationFacade``)
    as an Optuna sampler, through SMAC's own ask/tell interface.

    The search space's Optuna distributions become a ConfigSpace (categoricals with their
    choices written as strings, int and float ranges with their log scale, stepped
    ranges as the index of their grid). The facade runs with its defaults (its Sobol
    initial design of ``min(10 x parameters, n_trials / 4)`` configurations, the random
    forest, log EI, interleaved random configurations) on ``Scenario(deterministic=True,
    n_trials=n_trials, seed=seed)``; each trial asks SMAC in ``sample_relative`` and is told
    in ``after_trial`` (a failed trial as ``CRASHED``). SMAC writes its run files into a
    temporary folder removed with the sampler. Single objective. A run repeats for a seed
    within a process, and across processes only under the same ``PYTHONHASHSEED``: SMAC's
    local search orders its start points through a set of configurations, which hash by
    their text.

    Args:
        search_space: The space (its :meth:`~lso_sampler.spaces.base.SearchSpace.distributions`)
            or a mapping of parameter names to Optuna distributions.
        seed: Seed of SMAC and of the independent sampler.
        n_trials: The scenario's trial budget (SMAC sizes its initial design from it).
        independent_sampler: Sampler for parameters outside ``search_space`` (default:
            ``RandomSampler(seed)``).

    Raises:
        ImportError: when ``smac`` is not installed (``pip install "lso-sampler[peers]"``).
        TypeError: for a search space that is neither a SearchSpace nor a mapping of
            distributions, or a bad seed.
        ValueError: for ``n_trials`` below 1.

    Example:
        >>> import optuna
        >>> from lso_sampler.spaces import NASBench201Space
        >>> space = NASBench201Space()
        >>> sampler = SMACSampler(space, seed=0)  # doctest: +SKIP
        >>> study = optuna.create_study(sampler=sampler, direction="maximize")  # doctest: +SKIP
        >>> study.optimize(lambda t: space.suggest(t).ops.count("nor_conv_3x3"), n_trials=5)  # doctest: +SKIP
    """

    def __init__(
        self,
        search_space: SearchSpace | Mapping[str, BaseDistribution],
        seed: int | None = None,
        *,
        n_trials: int = 100,
        independent_sampler: BaseSampler | None = None,
    ) -> None:
        check_peer("smac")
        super().__init__(search_space, seed, independent_sampler)
        if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
            raise ValueError(f"n_trials: must be an int >= 1, got {n_trials!r}")
        self._n_trials = int(n_trials)
        self._smac: Any = None
        self._trial_seed: int | None = None
        self._deferred: list[tuple[dict[str, Any], float | None]] = []

    def _facade(self) -> Any:
        if self._smac is None:
            from ConfigSpace import Categorical, ConfigurationSpace, Float, Integer
            from smac import HyperparameterOptimizationFacade, Scenario

            cs = ConfigurationSpace(seed=self._seed)
            for p in self._peer_params:
                if p.kind == "cat":
                    cs.add(Categorical(p.name, list(p.labels)))
                elif p.kind == "int":
                    cs.add(Integer(p.name, (int(p.low), int(p.high)), log=p.log))
                else:
                    cs.add(Float(p.name, (float(p.low), float(p.high)), log=p.log))
            folder = tempfile.mkdtemp(prefix="lso-smac-")
            weakref.finalize(self, shutil.rmtree, folder, True)
            scenario = Scenario(
                cs, deterministic=True, n_trials=self._n_trials, seed=self._seed, output_directory=folder
            )
            self._smac = HyperparameterOptimizationFacade(scenario, _dummy_target, overwrite=True, logging_level=40)
        return self._smac

    def _ask(self, pending: list[dict[str, Any]]) -> tuple[Any, dict[str, Any]]:
        info = self._facade().ask()
        self._trial_seed = info.seed
        deferred, self._deferred = self._deferred, []
        for params, cost in deferred:  # results of trials SMAC did not propose, now with its seed
            self._tell(None, params, cost)
        return info, self._decode(dict(info.config))

    def _tell(self, token: Any, params: dict[str, Any], cost: float | None) -> None:
        from ConfigSpace import Configuration
        from smac.runhistory.dataclasses import TrialInfo, TrialValue
        from smac.runhistory.enumerations import StatusType

        smac = self._facade()
        if token is None and self._trial_seed is None:
            # SMAC's intensifier wants the seed of its trials, known from its first ask on
            self._deferred.append((params, cost))
            return
        if token is None:
            values = {p.name: p.to_peer(params[p.name]) for p in self._peer_params}
            token = TrialInfo(Configuration(smac.scenario.configspace, values=values), seed=self._trial_seed)
        if cost is None:
            value = TrialValue(cost=float("inf"), status=StatusType.CRASHED)
        else:
            value = TrialValue(cost=cost)
        smac.tell(token, value, save=False)

    def __getstate__(self) -> dict[str, Any]:
        if self._smac is not None:
            raise TypeError(
                "SMACSampler cannot be pickled once it has asked SMAC: SMAC's optimiser lives in this process"
            )
        return super().__getstate__()


class HEBOSampler(_AskTellSampler):
    """HEBO (Cowen-Rivers et al., JAIR 2022; the NeurIPS 2020 BBO challenge winner) as an
    Optuna sampler, through its own ``suggest``/``observe`` interface.

    The search space's Optuna distributions become a HEBO ``DesignSpace`` (``cat`` with the
    choices written as strings, ``int``/``num`` ranges, ``pow_int``/``pow`` for log
    scales, stepped ranges as the index of their grid). HEBO runs with its defaults (the
    GP model, MACE acquisition optimised by NSGA-II, ``1 + parameters`` Sobol points
    first); the Sobol sequence is scrambled with ``seed`` and every ``suggest`` runs with
    numpy's, Python's and torch's global generators and its pymoo optimiser seeded from the
    sampler's own (the global ones restored afterwards), so a run is repeatable. With
    trials in flight, HEBO is asked for one more suggestion than there are and the first
    not in flight is taken (HEBO's batch mode). Failed trials are not observed. Single
    objective. HEBO's GP sometimes fails to fit on all-categorical spaces with few results
    (NAS-Bench-Graph: its categorical embeddings diverge and the kernel turns NaN); HEBO
    then scores candidates with random predictions. The sampler warns once and counts such
    suggestions in ``gp_failures`` (HEBO's own printing of its retries is kept off the
    console).

    Args:
        search_space: The space (its :meth:`~lso_sampler.spaces.base.SearchSpace.distributions`)
            or a mapping of parameter names to Optuna distributions.
        seed: Seed of HEBO and of the independent sampler.
        rand_sample: Sobol points before the model (``None``: HEBO's ``1 + parameters``).
        independent_sampler: Sampler for parameters outside ``search_space`` (default:
            ``RandomSampler(seed)``).

    Raises:
        ImportError: when HEBO is not installed (see :data:`HEBO_INSTALL`).
        TypeError: for a search space that is neither a SearchSpace nor a mapping of
            distributions, or a bad seed.
        ValueError: for ``rand_sample`` below 1.

    Example:
        >>> import optuna
        >>> from lso_sampler.spaces import NASBench201Space
        >>> space = NASBench201Space()
        >>> sampler = HEBOSampler(space, seed=0)  # doctest: +SKIP
        >>> study = optuna.create_study(sampler=sampler, direction="maximize")  # doctest: +SKIP
        >>> study.optimize(lambda t: space.suggest(t).ops.count("nor_conv_3x3"), n_trials=5)  # doctest: +SKIP
    """

    def __init__(
        self,
        search_space: SearchSpace | Mapping[str, BaseDistribution],
        seed: int | None = None,
        *,
        rand_sample: int | None = None,
        independent_sampler: BaseSampler | None = None,
    ) -> None:
        check_peer("hebo")
        super().__init__(search_space, seed, independent_sampler)
        if rand_sample is not None and (
            isinstance(rand_sample, bool) or not isinstance(rand_sample, (int, np.integer)) or rand_sample < 1
        ):
            raise ValueError(f"rand_sample: must be an int >= 1 or None, got {rand_sample!r}")
        self._rand_sample = None if rand_sample is None else int(rand_sample)
        self._hebo: Any = None
        #: Suggestions for which HEBO's GP failed to fit (HEBO then predicts at random).
        self.gp_failures = 0

    def _optimiser(self) -> Any:
        if self._hebo is None:
            from hebo.design_space.design_space import DesignSpace
            from hebo.optimizers.hebo import HEBO

            items: list[dict[str, Any]] = []
            for p in self._peer_params:
                if p.kind == "cat":
                    items.append({"name": p.name, "type": "cat", "categories": list(p.labels)})
                elif p.kind == "int":
                    kind = "pow_int" if p.log else "int"
                    items.append({"name": p.name, "type": kind, "lb": int(p.low), "ub": int(p.high)})
                else:
                    items.append({"name": p.name, "type": "pow" if p.log else "num", "lb": p.low, "ub": p.high})
            if not items:
                raise ValueError("search_space: every parameter is a constant; HEBO has nothing to search")
            self._hebo = HEBO(DesignSpace().parse(items), rand_sample=self._rand_sample, scramble_seed=self._seed)
        return self._hebo

    def _seeded(self, fn: Callable[[], Any]) -> Any:
        """``fn()`` with numpy's, Python's and torch's global generators seeded from this
        sampler's generator (HEBO draws from them), all restored afterwards, and every pymoo
        algorithm HEBO sets up in the call seeded from it too: pymoo 0.6.0, HEBO's pin, seeded
        itself from numpy's global generator, pymoo >= 0.6.1 draws a fresh OS seed unless
        given one, which would make each run differ."""
        import random
        from unittest import mock

        import torch

        seed = int(self._rng.integers(2**31))
        seeds = np.random.default_rng(seed)
        state, py_state = np.random.get_state(), random.getstate()
        patch: Any = contextlib.nullcontext()
        try:
            from pymoo.core.algorithm import Algorithm
        except ImportError:  # pragma: no cover - HEBO imports pymoo
            Algorithm = None
        if Algorithm is not None:
            original = Algorithm.setup

            def setup(algorithm: Any, *args: Any, **kwargs: Any) -> Any:
                if getattr(algorithm, "seed", None) is None:
                    algorithm.seed = int(seeds.integers(2**31))
                return original(algorithm, *args, **kwargs)

            patch = mock.patch.object(Algorithm, "setup", setup)
        with torch.random.fork_rng(devices=[]), patch:
            torch.default_generator.manual_seed(seed)
            np.random.seed(seed)
            random.seed(seed)
            try:
                return fn()
            finally:
                np.random.set_state(state)
                random.setstate(py_state)

    def _ask(self, pending: list[dict[str, Any]]) -> tuple[Any, dict[str, Any]]:
        hebo = self._optimiser()
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):  # HEBO prints its GP's jitter retries
            rec = self._seeded(lambda: hebo.suggest(n_suggestions=1 + len(pending)))
        if "too large" in printed.getvalue():
            self.gp_failures += 1
            if self.gp_failures == 1:
                warnings.warn(
                    "HEBOSampler: HEBO's GP failed to fit (its Cholesky factor stayed NaN at every jitter), "
                    "so this suggestion came from random predictions; gp_failures counts such suggestions",
                    RuntimeWarning,
                    stacklevel=2,
                )
        rows = [self._decode(row) for row in rec.to_dict("records")]
        for params in rows:
            if params not in pending:
                return None, params
        return None, rows[0]

    def _tell(self, token: Any, params: dict[str, Any], cost: float | None) -> None:
        if cost is None:
            return
        import pandas as pd

        hebo = self._optimiser()
        row = {p.name: p.to_peer(params[p.name]) for p in self._peer_params}
        hebo.observe(pd.DataFrame([row]), np.array([[cost]]))


# -- the factories compare builds the peers with ------------------------------------------
def botorch_sampler(space: SearchSpace, seed: int, constraints_func: Any = None) -> BaseSampler:
    """optuna-integration's ``BoTorchSampler(seed=seed)`` with its defaults (10 random
    trials, then a GP with qLogNEI / qLogEHVI), as its users run it; ``constraints_func``
    passed on. The space is suggested on its categorical encoding (BoTorch one-hot
    encodes the choices)."""
    check_peer("botorch")
    from optuna_integration import BoTorchSampler

    kwargs = {"constraints_func": constraints_func} if constraints_func is not None else {}
    return BoTorchSampler(seed=seed, **kwargs)


def smac_sampler(space: SearchSpace, seed: int, n_trials: int = 100) -> BaseSampler:
    """:class:`SMACSampler` on ``space`` with its defaults and ``n_trials`` (``compare``
    passes the run's budget, as a SMAC user sets the scenario's trials)."""
    return SMACSampler(space, seed=seed, n_trials=n_trials)


def hebo_sampler(space: SearchSpace, seed: int) -> BaseSampler:
    """:class:`HEBOSampler` on ``space`` with its defaults."""
    return HEBOSampler(space, seed=seed)


#: Peer name -> its factory ``factory(space, seed) -> optuna sampler`` (``compare``'s table).
PEER_FACTORIES: dict[str, Callable[..., BaseSampler]] = {
    "botorch": botorch_sampler,
    "smac": smac_sampler,
    "hebo": hebo_sampler,
}
