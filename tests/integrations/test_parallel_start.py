"""With K trials in flight a model-based sampler starts its model as soon as ``n_startup_trials``
results are in: the first model-chosen trial is at most ``n_startup_trials + K + 1`` (Optuna ask/tell,
Optuna ``n_jobs`` threads, several processes on one storage, and Ray Tune)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections import deque
from pathlib import Path

import optuna
import pytest

from lso_sampler.integrations.optuna import ORIGIN_ATTR
from lso_sampler.spaces import NASBench201Space
from tests.conftest import cheap_sampler, cheap_searcher

SPACE = NASBench201Space()
NUM_INIT = 4  # the registered test setting of the model-based methods


def score(cell) -> float:  # type: ignore[no-untyped-def]
    return cell.ops.count("nor_conv_3x3") - 0.5 * cell.ops.count("none") + 0.1 * cell.ops.count("nor_conv_1x1")


def _first_model_trial(study: optuna.Study) -> int:
    storage = study._storage
    numbers = sorted(
        t.number for t in study.get_trials(deepcopy=False)
        if storage.get_trial_system_attrs(t._trial_id).get(ORIGIN_ATTR) == "model"
    )
    assert numbers, "no trial was chosen by the model"
    return numbers[0]


@pytest.mark.parametrize("method", ["agnet", "graph-vae"])
@pytest.mark.parametrize("k", [1, 2, 4, 8])
def test_ask_tell_with_k_in_flight(method: str, k: int) -> None:
    study = optuna.create_study(direction="maximize", sampler=cheap_sampler(method, SPACE, seed=0))
    inflight: deque = deque()
    for _ in range(NUM_INIT + k + 4):
        trial = study.ask()
        inflight.append((trial, SPACE.suggest(trial)))
        if len(inflight) >= k:
            t, cell = inflight.popleft()
            study.tell(t, score(cell))
    first = _first_model_trial(study)
    assert first <= NUM_INIT + k + 1
    # sequentially, the model takes over right after the initial design
    if k == 1:
        assert first == NUM_INIT


@pytest.mark.parametrize("k", [2, 4])
def test_optuna_n_jobs_threads(k: int) -> None:
    study = optuna.create_study(direction="maximize", sampler=cheap_sampler("agnet", SPACE, seed=0))

    def objective(trial: optuna.Trial) -> float:
        cell = SPACE.suggest(trial)
        time.sleep(0.05)
        return score(cell)

    study.optimize(objective, n_trials=NUM_INIT + k + 6, n_jobs=k)
    assert _first_model_trial(study) <= NUM_INIT + k + 1


@pytest.mark.slow
def test_several_processes_on_one_storage(tmp_path: Path) -> None:
    k = 4
    path = tmp_path / "journal.log"
    script = textwrap.dedent(
        f"""
        import sys, time, optuna
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend
        from lso_sampler.spaces import NASBench201Space
        from tests.conftest import cheap_sampler
        from tests.integrations.test_parallel_start import score
        space = NASBench201Space()
        storage = JournalStorage(JournalFileBackend({str(path)!r}))
        study = optuna.load_study(study_name="s", storage=storage, sampler=cheap_sampler("agnet", space, seed=0))
        def objective(trial):
            cell = space.suggest(trial)
            time.sleep(0.2)
            return score(cell)
        study.optimize(objective, n_trials=5)
        """
    )
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(path)))
    study = optuna.create_study(study_name="s", storage=storage, direction="maximize")
    root = Path(__file__).resolve().parents[2]
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=root) for _ in range(k)]
    assert all(p.wait(timeout=600) == 0 for p in procs)
    study = optuna.load_study(study_name="s", storage=storage)
    assert len(study.trials) == 5 * k
    assert _first_model_trial(study) <= NUM_INIT + k + 1


@pytest.mark.parametrize("k", [1, 2, 4, 8])
def test_ray_searcher_with_k_in_flight(k: int) -> None:
    pytest.importorskip("ray.tune")
    searcher = cheap_searcher("agnet", SPACE, metric="acc", mode="max", seed=0)
    running: deque = deque()
    order = []
    for i in range(NUM_INIT + k + 4):
        config = searcher.suggest(f"t{i}")
        order.append(f"t{i}")
        running.append((f"t{i}", config))
        if len(running) >= k:
            tid, config = running.popleft()
            searcher.on_trial_complete(tid, {"acc": score(SPACE.from_params(config))})
    origins = searcher.origins
    first = next(i for i, tid in enumerate(order) if origins[tid] == "model")
    assert first <= NUM_INIT + k + 1
    assert all(origins[tid] == "initial" for tid in order[:first])


@pytest.mark.slow
def test_ray_tune_with_two_workers(tmp_path: Path) -> None:
    pytest.importorskip("ray.tune")
    import os

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    import ray
    from ray import tune

    k = 2
    searcher = cheap_searcher("agnet", SPACE, metric="acc", mode="max", seed=0)

    def trainable(config: dict) -> None:
        tune.report({"acc": score(SPACE.from_params(config, strict=False))})

    ray.init(num_cpus=k, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        tuner = tune.Tuner(
            trainable,
            param_space=SPACE.to_tune(),
            tune_config=tune.TuneConfig(
                search_alg=searcher, num_samples=NUM_INIT + k + 4, max_concurrent_trials=k, reuse_actors=True
            ),
            run_config=tune.RunConfig(name="start", storage_path=str(tmp_path), verbose=0),
        )
        tuner.fit()
    finally:
        ray.shutdown()
    # Tune names trials in order of suggestion; the searcher recorded each trial's origin
    origins = list(searcher.origins.values())
    first = origins.index("model")
    assert first <= NUM_INIT + k + 1
