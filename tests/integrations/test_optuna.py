"""The Optuna adapter with the two NAS baselines and random search, on real storages."""

from __future__ import annotations

import datetime
import json
import math
import pickle
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.testing.pytest_samplers import (
    BasicSamplerTestCase,
    MultiObjectiveSamplerTestCase,
    RelativeSamplerTestCase,
    SingleOnlySamplerTestCase,
)
from optuna.trial import TrialState

from lso_sampler.integrations.optuna import (
    CELL_ATTR,
    LocalSearchSampler,
    LSOSampler,
    RandomSearchSampler,
    RegularizedEvolutionSampler,
)
from lso_sampler.spaces import (
    DAGSpace,
    DartsSpace,
    ENASSpace,
    NASBench101Space,
    NASBench201Space,
    NASBenchGraphSpace,
)
from lso_sampler.strategies import RegularizedEvolution
from tests.conftest import METHOD_NAMES, cheap_sampler

optuna.logging.set_verbosity(optuna.logging.WARNING)
SPACE = NASBench201Space()


def conv_count(trial: optuna.Trial) -> float:
    return float(SPACE.suggest(trial).ops.count("nor_conv_3x3"))


# -- Optuna's own sampler test kit -----------------------------------------------------------
class _CellRelativeKit(RelativeSamplerTestCase):
    """Optuna's RelativeSamplerTestCase as it is: its search spaces hold no cell (``x``, ``y``
    only), which the samplers hand to the independent sampler; the joint search of cell and
    such parameters is tested in test_joint_search.py."""


class TestEvolutionKit(BasicSamplerTestCase, MultiObjectiveSamplerTestCase, _CellRelativeKit):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: RegularizedEvolutionSampler(SPACE, population_size=10, sample_size=3, seed=0)


class TestLocalSearchKit(BasicSamplerTestCase, SingleOnlySamplerTestCase, _CellRelativeKit):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: LocalSearchSampler(SPACE, seed=0)


class TestRandomSearchKit(BasicSamplerTestCase, MultiObjectiveSamplerTestCase, _CellRelativeKit):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: RandomSearchSampler(SPACE, seed=0)


# The model-based samplers with the registry's cheap test settings. All three take several
# objectives (GraphVAE and ConvexLSO at most two): Optuna's MultiObjectiveSamplerTestCase uses
# two, so no kit test needs skipping for that.
class TestAGNetKit(BasicSamplerTestCase, MultiObjectiveSamplerTestCase, _CellRelativeKit):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: cheap_sampler("agnet", SPACE, seed=0)


class TestGraphVAEKit(BasicSamplerTestCase, MultiObjectiveSamplerTestCase, _CellRelativeKit):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: cheap_sampler("graph-vae", SPACE, seed=0)


class TestConvexLSOKit(BasicSamplerTestCase, MultiObjectiveSamplerTestCase, _CellRelativeKit):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: cheap_sampler("convex-lso", SPACE, seed=0)


# -- behaviour ------------------------------------------------------------------------------
SAMPLERS = {
    "evolution": lambda seed=0: RegularizedEvolutionSampler(SPACE, population_size=10, sample_size=3, seed=seed),
    "local-search": lambda seed=0: LocalSearchSampler(SPACE, seed=seed),
    "random-search": lambda seed=0: RandomSearchSampler(SPACE, seed=seed),
}


def keys_of(study: optuna.Study, states=(TrialState.COMPLETE,)) -> list[str]:
    return [SPACE.key(SPACE.from_params(t.params, strict=False)) for t in study.get_trials(states=states)]


@pytest.mark.parametrize("name", SAMPLERS)
def test_no_cell_twice_with_two_threads(name: str) -> None:
    study = optuna.create_study(direction="maximize", sampler=SAMPLERS[name]())
    study.optimize(conv_count, n_trials=60, n_jobs=2)
    keys = keys_of(study)
    assert len(keys) == 60 and len(set(keys)) == 60


@pytest.mark.parametrize("name", ["evolution", "local-search"])
def test_failures_and_nan_never_break_the_study(name: str) -> None:
    study = optuna.create_study(direction="maximize", sampler=SAMPLERS[name]())

    def objective(trial: optuna.Trial) -> float:
        value = conv_count(trial)
        if trial.number % 3 == 1:
            raise RuntimeError("training diverged")
        if trial.number % 3 == 2:
            return math.nan
        return value

    study.optimize(objective, n_trials=45, catch=(RuntimeError,))
    states = [t.state for t in study.trials]
    assert len(states) == 45
    # Optuna fails a trial that returns NaN, so only every third trial completes
    assert states.count(TrialState.COMPLETE) == 15
    assert states.count(TrialState.FAIL) == 30
    finite = [t for t in study.trials if t.state == TrialState.COMPLETE]
    assert len(set(keys_of(study))) == len(finite)


def _every_sampler() -> dict[str, Callable[[], LSOSampler]]:
    """Every registered method's sampler; the model-based ones small enough to fit in seconds."""
    return {name: (lambda name=name: cheap_sampler(name, SPACE, seed=0)) for name in METHOD_NAMES}


@pytest.mark.slow
@pytest.mark.parametrize("name", METHOD_NAMES)
def test_every_failure_mode_leaves_the_study_and_the_sampler_intact(name: str) -> None:
    sampler = _every_sampler()[name]()
    study = optuna.create_study(direction="maximize", sampler=sampler)

    def objective(trial: optuna.Trial) -> float | None:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)  # an ordinary parameter beside the cell
        value = conv_count(trial) + lr
        kind = trial.number % 6
        if kind == 0:
            raise RuntimeError("training diverged")
        if kind == 4:
            raise optuna.TrialPruned()
        return {1: math.nan, 2: math.inf, 3: None}.get(kind, value)

    study.optimize(objective, n_trials=24, catch=(RuntimeError,))
    states = [t.state for t in study.trials]
    assert len(states) == 24
    assert states.count(TrialState.PRUNED) == 4
    history, held = sampler.history(study)
    assert len(history) == 4 and all(math.isfinite(o.value) for o in history)
    # the inf trials, the pruned ones that reported nothing and the cells that failed twice
    # (max_failures=2): not for the model, and not to be proposed again
    failed_twice = [k for k, numbers in sampler.failed_cells(study).items() if len(numbers) >= 2]
    assert len(held) == 8 + len(failed_twice)
    keys = keys_of(study)
    assert len(set(keys)) == len(keys)  # no completed cell twice
    # an enqueued cell that is not one of the space's: a clear error, then the study goes on
    bad = {**SPACE.to_params(SPACE.sample(0)), "edge_0_1": "conv_7x7"}
    study.enqueue_trial(bad)
    with pytest.raises(ValueError, match="conv_7x7"):
        study.optimize(conv_count, n_trials=1)
    with pytest.warns(UserWarning, match="enqueued trial #25"):
        study.enqueue_trial(bad)
        study.optimize(conv_count, n_trials=2, catch=(ValueError,))
    assert len(study.trials) == 27 and study.trials[-1].state == TrialState.COMPLETE
    assert len(sampler.history(study)[0]) == 5


def test_an_enqueued_invalid_structure_is_named() -> None:
    space = NASBench101Space()
    study = optuna.create_study(sampler=RandomSearchSampler(space, seed=0))
    params = {k: (0 if k.startswith("edge") else v) for k, v in space.to_params(space.sample(0)).items()}
    study.enqueue_trial(params)
    with pytest.warns(UserWarning, match="not a valid cell of nasbench101 .*output node"):
        study.optimize(lambda t: float(space.suggest(t).num_edges), n_trials=1)


def test_pruned_trials_count_with_their_last_report_and_are_not_proposed_again() -> None:
    sampler = SAMPLERS["evolution"]()
    study = optuna.create_study(direction="minimize", sampler=sampler)

    def objective(trial: optuna.Trial) -> float:
        value = conv_count(trial)
        if trial.number % 2:
            trial.report(value + 100.0, 1)
            trial.report(value + 10.0, 2)  # the last report is the one that counts
            raise optuna.TrialPruned()
        if trial.number % 4 == 2:
            trial.report(math.nan, 1)  # nothing finite reported: held, not observed
            raise optuna.TrialPruned()
        return value

    study.optimize(objective, n_trials=20)
    history, pending = sampler.history(study)
    pruned = [t for t in study.trials if t.number % 2]
    assert len(history) == 5 + 10 and len(pending) == 5
    by_key = {o.key: o.value for o in history}
    for t in pruned:
        assert by_key[SPACE.key(SPACE.from_params(t.params))] == -(t.intermediate_values[2])
    keys = [SPACE.key(SPACE.from_params(t.params)) for t in study.trials]
    assert len(set(keys)) == len(keys)  # no pruned cell proposed again


def test_minimize_is_oriented_for_the_strategy() -> None:
    sampler = SAMPLERS["evolution"]()
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.optimize(conv_count, n_trials=5)
    history, _ = sampler.history(study)
    assert [o.value for o in history] == [-t.value for t in study.trials]


def test_other_parameters_go_to_the_independent_sampler(caplog) -> None:
    study = optuna.create_study(direction="maximize", sampler=SAMPLERS["evolution"]())

    def objective(trial: optuna.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        return conv_count(trial) + lr

    optuna.logging.enable_propagation()
    try:
        with caplog.at_level("WARNING"):
            study.optimize(objective, n_trials=5)
    finally:
        optuna.logging.disable_propagation()
    assert all(1e-4 <= t.params["lr"] <= 1e-1 for t in study.trials)
    warned = [r for r in caplog.records if "'lr'" in r.getMessage()]
    assert len(warned) == 1 and "RandomSampler" in warned[0].getMessage()


def test_warm_start_with_add_and_enqueue() -> None:
    sampler = SAMPLERS["local-search"]()
    study = optuna.create_study(direction="maximize", sampler=sampler)
    best = SPACE.cell_from_ops(["nor_conv_3x3"] * 5 + ["none"])
    study.add_trial(
        optuna.trial.create_trial(params=SPACE.to_params(best), distributions=SPACE.distributions(), value=5.0)
    )
    enq = SPACE.cell_from_ops(["none"] * 6)
    study.enqueue_trial(SPACE.to_params(enq))
    study.optimize(conv_count, n_trials=26)
    assert SPACE.from_params(study.trials[1].params) == enq
    assert CELL_ATTR not in study.trials[1].system_attrs  # the enqueued cell reserved nothing
    # local search climbs from the warm-start cell: its neighbour with six convs is found
    assert study.best_value == 6.0
    assert len(set(keys_of(study))) == 27


def test_pickle_round_trip_continues_the_study() -> None:
    sampler = SAMPLERS["evolution"]()
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(conv_count, n_trials=12)
    study.sampler = pickle.loads(pickle.dumps(sampler))
    study.optimize(conv_count, n_trials=12)
    assert len(set(keys_of(study))) == 24


def _run(storage, sampler, n: int) -> list[str]:
    study = optuna.load_study(study_name="s", storage=storage, sampler=sampler)
    study.optimize(conv_count, n_trials=n)
    return keys_of(study)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["evolution", "local-search"])
def test_fresh_sampler_reaches_the_same_state_from_stored_trials(name: str, tmp_path: Path) -> None:
    db1 = tmp_path / "a.db"
    optuna.create_study(study_name="s", storage=f"sqlite:///{db1}", direction="maximize")
    _run(f"sqlite:///{db1}", SAMPLERS[name](), 15)
    db2 = tmp_path / "b.db"
    shutil.copy(db1, db2)
    # the same sampler object goes on in one copy, a brand-new one (same seed) in the other
    first = SAMPLERS[name]()
    _run(f"sqlite:///{db1}", first, 1)  # warm its in-memory caches
    a = _run(f"sqlite:///{db1}", first, 14)
    b = _run(f"sqlite:///{db2}", SAMPLERS[name](), 15)
    assert a == b


def test_reseed_rng_changes_the_proposals() -> None:
    s1, s2 = SAMPLERS["random-search"](), SAMPLERS["random-search"]()
    s2.reseed_rng()
    k1, k2 = [], []
    for s, keys in ((s1, k1), (s2, k2)):
        study = optuna.create_study(sampler=s)
        study.optimize(conv_count, n_trials=5)
        keys += keys_of(study)
    assert k1 != k2


def test_seed_makes_a_run_repeatable() -> None:
    runs = []
    for _ in range(2):
        study = optuna.create_study(direction="maximize", sampler=SAMPLERS["evolution"](seed=3))
        study.optimize(conv_count, n_trials=25)
        runs.append(keys_of(study))
    assert runs[0] == runs[1]


def test_multi_objective() -> None:
    study = optuna.create_study(directions=["maximize", "minimize"], sampler=SAMPLERS["random-search"]())
    study.optimize(lambda t: (conv_count(t), float(SPACE.suggest(t).ops.count("none"))), n_trials=10)
    assert len(set(keys_of(study))) == 10
    ls = optuna.create_study(directions=["maximize", "minimize"], sampler=SAMPLERS["local-search"]())
    with pytest.raises(ValueError, match="single-objective studies only.*2 objectives"):
        ls.optimize(lambda t: (conv_count(t), 0.0), n_trials=1)


def test_bad_construction() -> None:
    with pytest.raises(TypeError, match="space"):
        LSOSampler("nb201", RegularizedEvolution(SPACE))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="another search space"):
        LSOSampler(NASBenchGraphSpace(), RegularizedEvolution(SPACE))
    with pytest.raises(ValueError, match="sample_size"):
        RegularizedEvolutionSampler(SPACE, population_size=5, sample_size=6)


@pytest.mark.slow
def test_small_space_is_exhausted_without_repeats() -> None:
    from lso_sampler.spaces import DAGSpace

    space = DAGSpace(3, ["a", "b"])
    cells = list(space.enumerate())
    study = optuna.create_study(sampler=RandomSearchSampler(space, seed=0))
    study.optimize(lambda t: float(space.suggest(t).num_edges), n_trials=len(cells))
    keys = {space.key(space.from_params(t.params)) for t in study.trials}
    assert keys == {space.key(c) for c in cells}
    with pytest.warns(UserWarning, match="every valid cell"):
        study.optimize(lambda t: float(space.suggest(t).num_edges), n_trials=1)


WORKER = textwrap.dedent(
    """
    import os, sys, time, optuna
    from optuna.storages import JournalStorage, RDBStorage
    from optuna.storages.journal import JournalFileBackend
    from lso_sampler.optuna_samplers import {cls}
    from lso_sampler.spaces import NASBench201Space
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = NASBench201Space()
    url, seed, n_trials = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    hang_file = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
    record = sys.argv[5] if len(sys.argv) > 5 else None
    if url.startswith("journal:"):
        storage = JournalStorage(JournalFileBackend(url[8:]))
    else:  # heartbeat: a trial whose process dies is failed by the next worker
        storage = RDBStorage(url, heartbeat_interval=1, grace_period=3)
    cls = {cls}
    if record:  # log, per history read, when it began and which completed cells it saw
        import datetime, json

        class Recording(cls):
            def history(self, study, exclude=None):
                start = datetime.datetime.now()
                observations, pending = super().history(study, exclude)
                with open(record, "a") as f:
                    f.write(json.dumps({{"start": start.isoformat(), "keys": [o.key for o in observations]}}) + "\\n")
                return observations, pending

        cls = Recording
    sampler = cls(space, seed=seed)
    study = optuna.load_study(study_name="shared", storage=storage, sampler=sampler)

    def objective(trial):
        cell = space.suggest(trial)
        if hang_file and len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))) >= 5:
            open(hang_file, "w").write(str(trial.number))
            time.sleep(600)  # killed here, mid-trial
        return float(cell.ops.count("nor_conv_3x3"))

    callbacks = []
    if record:  # log, per finished trial, a time after its tell() returned (its write is in the storage)

        def told(study, frozen):
            if frozen.state == optuna.trial.TrialState.COMPLETE:
                key = space.key(space.from_params(frozen.params))
                with open(record, "a") as f:
                    f.write(json.dumps({{"told": datetime.datetime.now().isoformat(), "key": key}}) + "\\n")

        callbacks.append(told)
    study.optimize(objective, n_trials=n_trials, callbacks=callbacks)
    """
)


def _shared_study(backend: str, tmp_path: Path) -> tuple[str, object]:
    if backend == "journal":
        path = tmp_path / "journal.log"
        storage = JournalStorage(JournalFileBackend(str(path)))
        url = f"journal:{path}"
    else:
        url = f"sqlite:///{tmp_path / 'study.db'}"
        storage = optuna.storages.RDBStorage(url, heartbeat_interval=1, grace_period=3)
    optuna.create_study(study_name="shared", storage=storage, direction="maximize")
    return url, storage


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
@pytest.mark.parametrize("backend", ["journal", "sqlite"])
@pytest.mark.parametrize("cls", ["RegularizedEvolutionSampler", "LocalSearchSampler"])
def test_four_processes_share_one_study(backend: str, cls: str, tmp_path: Path) -> None:
    url, storage = _shared_study(backend, tmp_path)
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(cls=cls))
    # the same seed in every worker: only the shared storage keeps them from repeating
    logs = [tmp_path / f"history-{i}.jsonl" for i in range(4)]
    procs = [subprocess.Popen([sys.executable, str(script), url, "0", "30", "", str(log)]) for log in logs]
    assert [p.wait(timeout=600) for p in procs] == [0] * 4
    study = optuna.load_study(study_name="shared", storage=storage)
    keys = keys_of(study)
    assert len(keys) == 120
    assert len(set(keys)) == 120, "a cell was proposed twice"
    # every worker's strategy saw every trial whose tell() had returned (in any worker) before it read
    # the study. (Optuna's datetime_complete is taken before the storage write, which can wait on the
    # journal's file lock for seconds under load: the workers log when tell() returned instead.)
    entries = [json.loads(line) for log in logs for line in log.read_text().splitlines()]
    done = [(datetime.datetime.fromisoformat(e["told"]), e["key"]) for e in entries if "told" in e]
    assert sorted(k for _, k in done) == sorted(keys)
    reads = 0
    for entry in entries:
        if "start" in entry:
            start, seen = datetime.datetime.fromisoformat(entry["start"]), set(entry["keys"])
            assert {k for when, k in done if when < start} <= seen
            reads += 1
    assert reads >= 120


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
@pytest.mark.parametrize("backend", ["sqlite", "journal"])
def test_a_worker_killed_mid_trial_loses_nothing(backend: str, tmp_path: Path) -> None:
    import os
    import signal
    import time

    url, storage = _shared_study(backend, tmp_path)
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(cls="RegularizedEvolutionSampler"))
    hang = tmp_path / "hanging"
    victim = subprocess.Popen([sys.executable, str(script), url, "0", "50", str(hang)])
    deadline = time.time() + 300
    while not hang.exists() and time.time() < deadline and victim.poll() is None:
        time.sleep(0.2)
    assert hang.exists(), "the worker never reached the trial to be killed"
    time.sleep(0.5)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    killed = int(hang.read_text())
    study = optuna.load_study(study_name="shared", storage=storage)
    before = keys_of(study)
    assert study.trials[killed].state == TrialState.RUNNING  # orphaned
    if backend == "journal":
        # no heartbeat in journal storages: the documented recovery is to fail it by hand
        study.tell(killed, state=TrialState.FAIL)
    else:
        time.sleep(4)  # past the grace period: the next worker's optimize fails it
    restarted = subprocess.run([sys.executable, str(script), url, "0", "20"], timeout=300)
    assert restarted.returncode == 0
    study = optuna.load_study(study_name="shared", storage=storage)
    assert study.trials[killed].state == TrialState.FAIL
    after = keys_of(study)
    assert after[: len(before)] == before and len(after) == len(before) + 20  # nothing lost
    assert len(set(after)) == len(after)  # and nothing repeated
    assert not study.get_trials(states=(TrialState.RUNNING,))


def test_a_batch_is_handed_out_one_cell_per_trial_and_survives_a_fresh_sampler(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'batch.db'}"
    optuna.create_study(study_name="s", storage=url, direction="maximize")
    make = lambda: LSOSampler(SPACE, RegularizedEvolution(SPACE, 6, 2, seed=0), seed=5, batch_size=4)  # noqa: E731
    sampler = make()
    study = optuna.load_study(study_name="s", storage=url, sampler=sampler)
    study.optimize(conv_count, n_trials=10)
    stored = study._storage.get_study_system_attrs(study._study_id)[f"lso_sampler:batch:{sampler.strategy.name}"]
    assert stored["round"] == 2 and len(stored["cells"]) == 4  # rounds 0, 1, 2 of 4 cells
    batch = [SPACE.key(SPACE.from_params(p)) for p in stored["cells"]]
    assert keys_of(study)[8:] == batch[:2]  # trials 8, 9 took the first two cells of round 2
    # a brand-new sampler (another process, say) hands out the rest of that batch first
    fresh = optuna.load_study(study_name="s", storage=url, sampler=make())
    fresh.optimize(conv_count, n_trials=2)
    assert keys_of(fresh)[10:] == batch[2:]


@pytest.mark.slow
def test_agnet_sampler_resumes_in_a_fresh_sampler_with_the_same_proposals(tmp_path: Path, monkeypatch) -> None:
    from lso_sampler.optuna_samplers import AGNetSampler

    make = lambda: AGNetSampler(SPACE, seed=0, epochs=2)  # noqa: E731
    db1 = tmp_path / "a.db"
    optuna.create_study(study_name="s", storage=f"sqlite:///{db1}", direction="maximize")
    _run(f"sqlite:///{db1}", make(), 20)  # 10 random + AG-Net rounds of 4, 4 and 2 of 5
    db2 = tmp_path / "b.db"
    shutil.copy(db1, db2)
    a = _run(f"sqlite:///{db1}", make(), 20)  # an uninterrupted continuation...
    b = _run(f"sqlite:///{db2}", make(), 20)  # ...and one in a brand-new sampler: the same cells
    assert a == b and len(set(a)) == 40


def test_agnet_sampler_as_in_the_readme(tmp_path: Path, monkeypatch) -> None:
    from lso_sampler import AGNetSampler

    study = optuna.create_study(direction="maximize", sampler=AGNetSampler(SPACE, seed=0, epochs=2))
    study.optimize(conv_count, n_trials=24)
    assert len(set(keys_of(study))) == 24


@pytest.mark.parametrize(
    "space",
    [NASBench101Space(), DartsSpace(), ENASSpace(), NASBenchGraphSpace(), DAGSpace(5, ["a", "b"], max_edges=6)],
    ids=lambda s: s.name,
)
def test_agnet_sampler_searches_every_space(space, tmp_path: Path, monkeypatch) -> None:
    from lso_sampler import AGNetSampler

    monkeypatch.setenv("LSO_SAMPLER_CACHE", str(tmp_path))  # DAGSpace: pretrained here, on first use
    steps = 60 if isinstance(space, DAGSpace) else 2000  # 2000: the shipped weights
    sampler = AGNetSampler(space, seed=0, n_startup_trials=4, epochs=1, num_candidates=20, pretrain_steps=steps)

    def objective(trial: optuna.Trial) -> float:
        cell = space.suggest(trial)
        assert space.is_valid(cell)
        return float(sum(op == space.node_types[-2] for op in cell.ops)) + 0.01 * len(cell.edges)

    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=12)  # 4 random, then AG-Net's first batch
    keys = [space.key(space.from_params(t.params)) for t in study.trials]
    assert len(set(keys)) == 12


@pytest.mark.parametrize(
    ("name", "space"),
    [
        ("GraphVAESampler", s)
        for s in (NASBench201Space(), NASBench101Space(), DartsSpace(), ENASSpace(), NASBenchGraphSpace())
    ]
    + [("ConvexLSOSampler", NASBench201Space()), ("ConvexLSOSampler", DAGSpace(5, ["a", "b"], max_edges=6))],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
@pytest.mark.slow
def test_graph_vae_samplers_search_every_space(name: str, space, tmp_path: Path, monkeypatch) -> None:
    import lso_sampler

    monkeypatch.setenv("LSO_SAMPLER_CACHE", str(tmp_path))  # a short pretraining, cached here
    options = dict(n_startup_trials=4, epochs=2, steps=2, num_best=4, pretrain_steps=20, batch_size=4)
    if name == "ConvexLSOSampler":
        options["num_unlabeled"] = 8
    else:
        options["num_prior"] = 8
    sampler = getattr(lso_sampler, name)(space, seed=0, **options)

    def objective(trial: optuna.Trial) -> float:
        cell = space.suggest(trial)
        assert space.is_valid(cell)
        return float(sum(op == space.node_types[-2] for op in cell.ops)) + 0.01 * len(cell.edges)

    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=12)  # 4 random, then two batches of 4 from the VAE
    keys = [space.key(space.from_params(t.params)) for t in study.trials]
    assert len(set(keys)) == 12
    assert sampler.strategy.model is not None  # the VAE really ran


@pytest.mark.slow
def test_graph_vae_sampler_resumes_in_a_fresh_sampler_with_the_same_proposals(tmp_path: Path) -> None:
    from lso_sampler import GraphVAESampler

    make = lambda: GraphVAESampler(SPACE, seed=0, epochs=1, steps=2, num_prior=16)  # noqa: E731
    db1 = tmp_path / "a.db"
    optuna.create_study(study_name="s", storage=f"sqlite:///{db1}", direction="maximize")
    _run(f"sqlite:///{db1}", make(), 20)
    db2 = tmp_path / "b.db"
    shutil.copy(db1, db2)
    a = _run(f"sqlite:///{db1}", make(), 20)
    b = _run(f"sqlite:///{db2}", make(), 20)
    assert a == b and len(set(a)) == 40


# -- several objectives and constraints (AG-Net section 4.3, NGAE eq. 7) ----------------------
def _ops(trial: optuna.Trial) -> list[str]:
    return list(SPACE.suggest(trial).ops)


def _fast(name: str, seed: int = 0, epochs: int = 10, **kw):
    from lso_sampler import optuna_samplers as S

    if name == "agnet":
        return S.AGNetSampler(SPACE, seed=seed, epochs=epochs, **kw)
    if name == "graph-vae":
        return S.GraphVAESampler(SPACE, seed=seed, epochs=epochs, **kw)
    if name == "convex-lso":
        return S.ConvexLSOSampler(SPACE, seed=seed, epochs=10, num_unlabeled=32, **kw)
    return {"evolution": lambda: S.RegularizedEvolutionSampler(SPACE, 16, 4, seed=seed, **kw)}[name]()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["agnet", "graph-vae"])
def test_constrained_search_finds_the_feasible_region_random_rarely_hits(name: str, tmp_path: Path) -> None:
    # feasible: at least four 3x3 convolutions (1.7 % of random cells); the objective (skip
    # connections) pulls the other way. Stored and read back through a real SQLite storage.
    def objective(trial: optuna.Trial) -> float:
        ops = _ops(trial)
        trial.set_user_attr("conv", ops.count("nor_conv_3x3"))
        return float(ops.count("skip_connect"))

    constraints = lambda t: (4.0 - t.user_attrs["conv"],)  # noqa: E731
    sampler = _fast(name, epochs=30, constraints_func=constraints)
    study = optuna.create_study(direction="maximize", storage=f"sqlite:///{tmp_path / 'c.db'}", sampler=sampler)
    study.optimize(objective, n_trials=64)
    stored = [t.system_attrs["constraints"] for t in study.trials]
    assert all(isinstance(c, (list, tuple)) and len(c) == 1 for c in stored)
    later = study.trials[32:]  # the second and third model-based rounds
    convs = [t.user_attrs["conv"] for t in later]
    # random search: 1.2 convolutions per cell (the largest mean of 32 in 100,000 random
    # batches: 2.0) and 1.7 % feasible. AG-Net with local_candidates=0, seeds 0-3: means
    # 2.8-3.4, 16-44 % feasible (the current default passes at seed 0 too).
    assert sum(convs) / len(convs) >= 2.5, convs
    assert sum(c >= 4 for c in convs) >= 3, convs  # random: 3 of 32 in 1.6 % of batches
    assert len(set(keys_of(study))) == 64


@pytest.mark.slow
@pytest.mark.parametrize("name", ["agnet", "graph-vae", "convex-lso", "evolution"])
def test_two_objective_studies_run_and_spread_along_the_front(name: str) -> None:
    def objective(trial: optuna.Trial) -> tuple[float, float]:
        ops = _ops(trial)
        return float(ops.count("nor_conv_3x3")), float(ops.count("skip_connect") + ops.count("nor_conv_1x1"))

    study = optuna.create_study(directions=["maximize", "minimize"], sampler=_fast(name, epochs=30))
    study.optimize(objective, n_trials=48)
    assert len(set(keys_of(study))) == 48
    assert study.best_trials

    def mean_gap(trials) -> float:  # (3x3 convolutions) - (the rest): larger is nearer the front
        return sum(t.values[0] - t.values[1] for t in trials) / len(trials)

    # the second model-based round sits nearer the front than the random initial design
    assert mean_gap(study.trials[32:]) > mean_gap(study.trials[:16])


def test_agnet_weights_and_heads_under_constraints() -> None:
    from lso_sampler.models.agnet import weights_from_ranks
    from lso_sampler.strategies import AGNet, Observation

    cells = [SPACE.from_index(i) for i in range(0, 15625, 977)]
    history = [
        Observation(c, SPACE.key(c), (float(i), -float(i % 3)), (1.0 if i % 2 else -1.0,)) for i, c in enumerate(cells)
    ]
    agnet = AGNet(SPACE, seed=0, epochs=2)
    y, ranks = agnet._targets(history)
    assert y.shape == (len(history), 3) and agnet.heads == 3  # two objectives, one constraint
    w = weights_from_ranks(ranks, agnet.weight_k)
    feasible = [i for i, o in enumerate(history) if o.feasible]
    infeasible = [i for i, o in enumerate(history) if not o.feasible]
    assert max(w[infeasible]) < min(w[feasible]) / 100
    proposed = agnet.propose(history, [], 8)
    assert len({SPACE.key(c) for c in proposed} - {o.key for o in history}) == 8
    state = agnet.state_dict()
    other = AGNet(SPACE, seed=0, epochs=2)
    other.load_state_dict(state)
    assert other.model.heads == 3


def test_graph_vae_refuses_what_it_cannot_do() -> None:
    from lso_sampler.optuna_samplers import GraphVAESampler

    sampler = GraphVAESampler(SPACE, seed=0, epochs=1, n_startup_trials=2, batch_size=1)
    three = optuna.create_study(directions=["maximize"] * 3, sampler=sampler)
    with pytest.raises(ValueError, match="one or two objectives.*has 3"):
        three.optimize(lambda t: (conv_count(t), 0.0, 1.0), n_trials=4, catch=())
    sampler = GraphVAESampler(
        SPACE, seed=0, epochs=1, n_startup_trials=2, batch_size=1, complexity=lambda c: c.num_edges
    )
    two = optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)
    with pytest.raises(ValueError, match="complexity: in a two-objective study"):
        two.optimize(lambda t: (conv_count(t), 0.0), n_trials=4)


def test_constraint_options_are_checked_and_a_failing_constraint_is_infeasible() -> None:
    class Plain(RegularizedEvolution):
        supports_constraints = False

    with pytest.raises(ValueError, match="LSOSampler: constraints_func is not supported: Plain does not"):
        LSOSampler(SPACE, Plain(SPACE), constraints_func=lambda t: (0.0,))
    with pytest.raises(TypeError, match="RegularizedEvolutionSampler: constraints_func must be a callable"):
        RegularizedEvolutionSampler(SPACE, constraints_func=1.0)  # type: ignore[arg-type]

    def broken(trial):
        if trial.number % 2:
            raise RuntimeError("no latency for this one")
        return (-1.0,)

    sampler = RegularizedEvolutionSampler(SPACE, 4, 2, seed=0, constraints_func=broken)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    with pytest.warns(UserWarning, match="constraints_func failed on trial #1.*infeasible"):
        study.optimize(conv_count, n_trials=10)
    assert len(set(keys_of(study))) == 10
    history, _ = sampler.history(study)
    assert [o.feasible for o in history] == [n % 2 == 0 for n in range(10)]


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_a_cell_that_always_fails_is_not_proposed_again(name: str) -> None:
    sampler = cheap_sampler(name, SPACE, seed=0)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    bad: list[str] = []

    def objective(trial: optuna.Trial) -> float:
        cell = SPACE.suggest(trial)
        key = SPACE.key(cell)
        if not bad:
            bad.append(key)  # the first cell fails, whenever it is run
        if key == bad[0]:
            raise RuntimeError("this architecture does not train")
        return conv_count_of(cell)

    study.optimize(objective, n_trials=20, catch=(RuntimeError,))
    failed = [t for t in study.trials if t.state == TrialState.FAIL]
    assert len(failed) == 2  # max_failures=2: one retry, then never again
    assert sampler.failed_cells(study) == {bad[0]: [t.number for t in failed]}
    assert len(set(keys_of(study))) == 18  # every completed trial a new cell


def conv_count_of(cell) -> float:  # type: ignore[no-untyped-def]
    return float(cell.ops.count("nor_conv_3x3"))


def test_max_failures_is_checked_and_one_means_no_retry() -> None:
    with pytest.raises(ValueError, match="RandomSearchSampler: max_failures must be an int of at least 1"):
        RandomSearchSampler(SPACE, max_failures=0)
    sampler = RandomSearchSampler(SPACE, seed=0, max_failures=1)
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: math.nan if SPACE.suggest(t) is not None else 0.0, n_trials=5)
    assert len(set(keys_of(study, states=(TrialState.FAIL,)))) == 5  # a NaN fails the trial too: no cell twice


def test_an_exhausted_space_repeats_cells_quickly_with_one_warning() -> None:
    import time

    space = DAGSpace(3, ["a"])
    sampler = RandomSearchSampler(space, seed=0)
    study = optuna.create_study(sampler=sampler)
    start = time.perf_counter()
    with pytest.warns(UserWarning, match="every valid cell of .* has been queried") as record:
        study.optimize(lambda t: float(space.suggest(t).num_edges), n_trials=12)
    assert time.perf_counter() - start < 10.0  # was 35-45 s per trial
    assert sum("every valid cell" in str(w.message) for w in record) == 1
    assert len(study.trials) == 12
