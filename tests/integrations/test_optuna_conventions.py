"""The Optuna adapter follows Optuna's conventions: the architecture of each trial as a
user attribute, ``before_trial``/``after_trial`` forwarded to the independent sampler."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import optuna
import pytest
from optuna.samplers import RandomSampler
from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState

from lso_sampler.cell import Cell
from lso_sampler.integrations.optuna import ARCH_ATTR, LSOSampler, RandomSearchSampler, RegularizedEvolutionSampler
from lso_sampler.spaces import (
    DAGSpace,
    DartsSpace,
    ENASSpace,
    NASBench101Space,
    NASBench201Space,
    NASBenchGraphSpace,
    SearchSpace,
)
from lso_sampler.strategies import RandomSearch

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _objective(space: SearchSpace):
    def objective(trial: optuna.Trial) -> float:
        return float(space.suggest(trial).num_edges)

    return objective


def _check_architectures(study: optuna.Study, space: SearchSpace) -> None:
    done = study.get_trials(states=(TrialState.COMPLETE,))
    assert done
    for t in done:
        cell = space.from_params(t.params, space.encoding, strict=False)
        assert t.user_attrs[ARCH_ATTR] == space.describe(cell)
    df = study.trials_dataframe()
    assert list(df["user_attrs_architecture"]) == [t.user_attrs[ARCH_ATTR] for t in study.trials]


@pytest.mark.parametrize(
    "space",
    [
        NASBench201Space(),
        NASBench201Space(encoding="integer"),
        DartsSpace(),
        ENASSpace(),
        NASBench101Space(),
        NASBenchGraphSpace(),
        DAGSpace(4, ["conv", "pool"]),
    ],
    ids=lambda s: f"{s.name}-{s.encoding}",
)
def test_each_trial_stores_its_architecture(space: SearchSpace) -> None:
    study = optuna.create_study(direction="maximize", sampler=RandomSearchSampler(space, seed=0))
    study.optimize(_objective(space), n_trials=6)
    _check_architectures(study, space)


def test_architecture_with_a_strategy_a_sqlite_storage_and_enqueued_trials(tmp_path) -> None:
    space = NASBench201Space()
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    study = optuna.create_study(
        storage=storage, direction="maximize", sampler=RegularizedEvolutionSampler(space, seed=0)
    )
    enqueued = space.from_arch_str("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    study.enqueue_trial(space.to_params(enqueued))
    study.enqueue_trial({"edge_0_1": "none"})  # a partial cell: the rest is sampled independently
    study.optimize(_objective(space), n_trials=12)
    loaded = optuna.load_study(study_name=study.study_name, storage=storage)
    assert loaded.trials[0].user_attrs[ARCH_ATTR] == space.describe(enqueued)
    assert ARCH_ATTR not in loaded.trials[1].user_attrs  # its cell was not known before the trial
    full = [t for t in loaded.trials if t.number != 1]
    for t in full:
        assert t.user_attrs[ARCH_ATTR] == space.to_arch_str(space.from_params(t.params))
    # the attribute is there while the trial runs, before the objective returns
    seen: list[str] = []

    def objective(trial: optuna.Trial) -> float:
        seen.append(loaded._storage.get_trial(trial._trial_id).user_attrs[ARCH_ATTR])
        return _objective(space)(trial)

    study.optimize(objective, n_trials=2)
    assert seen == [t.user_attrs[ARCH_ATTR] for t in study.trials[-2:]]


def test_a_describe_that_fails_falls_back_to_the_generic_form() -> None:
    class Broken(DAGSpace):
        def describe(self, cell: Cell) -> str:
            raise RuntimeError("no notation")

    space = Broken(3, ["conv"])
    study = optuna.create_study(sampler=RandomSearchSampler(space, seed=0))
    study.optimize(_objective(space), n_trials=2)
    for t in study.trials:
        assert t.user_attrs[ARCH_ATTR] == SearchSpace.describe(space, space.from_params(t.params))
        assert t.user_attrs[ARCH_ATTR].startswith("0:input -> ")


class RecordingSampler(RandomSampler):
    """A RandomSampler that records the hooks it is called with."""

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(seed=seed)
        self.calls: list[tuple[str, int, Any]] = []

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self.calls.append(("before", trial.number, None))
        super().before_trial(study, trial)

    def after_trial(
        self, study: Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None
    ) -> None:
        self.calls.append(("after", trial.number, state))
        super().after_trial(study, trial, state, values)


def test_before_and_after_trial_are_forwarded_to_the_independent_sampler() -> None:
    space = NASBench201Space()
    recorder = RecordingSampler(seed=0)
    sampler = LSOSampler(space, RandomSearch(space), seed=0, independent_sampler=recorder)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.enqueue_trial(space.to_params(space.from_index(0)))

    def objective(trial: optuna.Trial) -> float:
        cell = space.suggest(trial)
        if trial.number == 2:
            raise optuna.TrialPruned()
        return cell.num_edges + trial.suggest_float("lr", 0.0, 1.0)

    study.optimize(objective, n_trials=4)
    expected: list[tuple[str, int, Any]] = []
    for t in study.trials:
        expected += [("before", t.number, None), ("after", t.number, t.state)]
    assert recorder.calls == expected
    assert [t.state for t in study.trials].count(TrialState.PRUNED) == 1


@pytest.mark.slow
def test_optuna_dashboard_serves_the_architecture() -> None:
    """``benchmarks/dashboard_check.py`` (runs only where optuna-dashboard is installed)."""
    import importlib.util
    import shutil
    from pathlib import Path

    if shutil.which("optuna-dashboard") is None:
        pytest.skip("optuna-dashboard is not installed (not a dependency): pip install optuna-dashboard")
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "dashboard_check.py"
    spec = importlib.util.spec_from_file_location("dashboard_check", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    assert module.check(n_trials=5).startswith("ok: ")
