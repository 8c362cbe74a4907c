"""Several worker processes on one storage: orphans of a killed ask, clashes, one round each."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState

from lso_sampler.integrations.optuna import CELL_ATTR, ORPHAN_ATTR, OWNER_ATTR, RandomSearchSampler
from lso_sampler.spaces import NASBench201Space

SPACE = NASBench201Space()
ROOT = Path(__file__).resolve().parents[2]

#: A worker: argv = storage url, sampler ("agnet" | "evolution" | "hang"), trials, report file.
WORKER = textwrap.dedent(
    """
    import json, sys, time, warnings, optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from lso_sampler.integrations.optuna import RandomSearchSampler, sampler_class
    from lso_sampler.spaces import NASBench201Space
    from tests.conftest import cheap_options
    warnings.simplefilter("ignore")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    space = NASBench201Space()
    url, kind, n, report = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    storage = JournalStorage(JournalFileBackend(url[8:])) if url.startswith("journal:") else url
    if kind == "hang":  # reserves a cell, then hangs inside study.ask(): killed there
        class Hanging(RandomSearchSampler):
            def _record_architecture(self, study, trial, cell):
                super()._record_architecture(study, trial, cell)
                open(report, "w").write(str(trial.number))
                time.sleep(600)
        sampler = Hanging(space, seed=0)
    elif kind == "agnet":
        options = {**cheap_options("agnet"), "n_startup_trials": 8, "batch_size": 8}
        sampler = sampler_class("agnet")(space, seed=0, **options)
    else:
        sampler = sampler_class("evolution")(space, seed=0, population_size=10, sample_size=3, batch_size=8)
    study = optuna.load_study(study_name="shared", storage=storage, sampler=sampler)

    def objective(trial):
        cell = space.suggest(trial)
        time.sleep(0.05)
        return float(cell.ops.count("nor_conv_3x3") + 0.1 * cell.ops.count("skip_connect"))

    study.optimize(objective, n_trials=n)
    with open(report, "w") as f:
        json.dump({"rounds": sampler.rounds_computed, "trained": sampler.trained_rounds,
                   "retries": sampler.reservation_retries}, f)
    """
)


def _study(backend: str, tmp_path: Path) -> tuple[str, object]:
    if backend == "journal":
        path = tmp_path / "journal.log"
        storage: object = JournalStorage(JournalFileBackend(str(path)))
        url = f"journal:{path}"
    else:
        url = f"sqlite:///{tmp_path / 'study.db'}"
        storage = url
    optuna.create_study(study_name="shared", storage=storage, direction="maximize")  # once, before the workers
    return url, storage


def _start(script: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, str(script), *args], cwd=ROOT, env=env)


def _keys(study: optuna.Study) -> list[str]:
    return [SPACE.key(SPACE.from_params(t.params)) for t in study.get_trials(states=(TrialState.COMPLETE,))]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "journal"])
def test_a_worker_killed_inside_ask_leaves_no_orphan(backend: str, tmp_path: Path) -> None:
    url, storage = _study(backend, tmp_path)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    flag = tmp_path / "hung"
    victim = _start(script, url, "hang", "1", str(flag))
    deadline = time.time() + 120
    while not flag.exists() and time.time() < deadline and victim.poll() is None:
        time.sleep(0.1)
    assert flag.exists(), "the worker never reached the point to be killed"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    study = optuna.load_study(study_name="shared", storage=storage)
    (orphan,) = study.trials
    assert orphan.state == TrialState.RUNNING and orphan.system_attrs[OWNER_ATTR]["phase"] == "ask"
    held = SPACE.key(SPACE.from_params(orphan.system_attrs[CELL_ATTR], "categorical"))
    sampler = RandomSearchSampler(SPACE, seed=0)
    study = optuna.load_study(study_name="shared", storage=storage, sampler=sampler)
    _, pending = sampler.history(study)  # the next worker's first look fails the orphan
    assert held not in {SPACE.key(c) for c in pending}
    frozen = study.trials[0]
    assert frozen.state == TrialState.FAIL and frozen.system_attrs[ORPHAN_ATTR] is True
    assert sampler.failed_cells(study) == {}  # the cell did not fail: it is free again
    study.optimize(lambda t: float(SPACE.suggest(t).num_edges), n_trials=5)
    assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 5
    assert not study.get_trials(states=(TrialState.RUNNING,))


def test_a_trial_asked_in_a_process_that_ended_is_not_an_orphan(tmp_path: Path) -> None:
    """Ask in one process, tell in another (Optuna's ask-and-tell): the asking process has
    exited but its ask finished, so the trial is left for its teller."""
    url = f"sqlite:///{tmp_path / 'study.db'}"
    optuna.create_study(study_name="shared", storage=url, direction="maximize")
    code = (
        "import optuna, warnings; warnings.simplefilter('ignore');"
        "from lso_sampler.integrations.optuna import RandomSearchSampler;"
        "from lso_sampler.spaces import NASBench201Space; s = NASBench201Space();"
        f"st = optuna.load_study(study_name='shared', storage='{url}', sampler=RandomSearchSampler(s, seed=0));"
        "t = st.ask(); s.suggest(t)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    sampler = RandomSearchSampler(SPACE, seed=1)
    study = optuna.load_study(study_name="shared", storage=url, sampler=sampler)
    assert study.trials[0].system_attrs[OWNER_ATTR]["phase"] == "done"
    sampler.history(study)
    assert study.trials[0].state == TrialState.RUNNING
    study.tell(0, 1.0)
    assert study.trials[0].state == TrialState.COMPLETE


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "backend"), [("agnet", "journal"), ("evolution", "sqlite")])
def test_four_workers_same_seed_one_computation_per_round(kind: str, backend: str, tmp_path: Path) -> None:
    """Four processes with the same seed: no cell twice, each round that trains a model
    computed by one of them (a claim; evolution's cheap rounds may be computed twice), and
    few repeated reservations (the clashing workers part ways)."""
    url, storage = _study(backend, tmp_path)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    reports = [tmp_path / f"report-{i}.json" for i in range(4)]
    procs = [_start(script, url, kind, "12", str(r)) for r in reports]
    assert [p.wait(timeout=600) for p in procs] == [0] * 4
    study = optuna.load_study(study_name="shared", storage=storage)
    keys = _keys(study)
    assert len(keys) == 48 and len(set(keys)) == 48
    stats = [json.loads(r.read_text()) for r in reports]
    attrs = study._storage.get_study_system_attrs(study._study_id)
    (batch,) = [v for k, v in attrs.items() if k.startswith("lso_sampler:batch")]
    trained = [r for s in stats for r in s["trained"]]
    assert len(trained) == len(set(trained))  # no model round computed twice
    if kind == "agnet":
        assert trained and max(trained) == batch["round"]  # the model rounds reached the last one
    assert sum(s["retries"] for s in stats) <= 48  # at most one repeat per trial on average


def _bare_trial(study: optuna.Study, **attrs: object) -> int:
    """A RUNNING trial as Optuna creates it, before any sampler call, with ``attrs`` set."""
    trial_id = study._storage.create_new_trial(study._study_id)
    for key, value in attrs.items():
        study._storage.set_trial_system_attr(trial_id, key, value)
    return study._storage.get_trial(trial_id).number


def test_a_trial_whose_process_died_before_the_sampler_ran_is_failed_after_orphan_timeout() -> None:
    """Killed between Optuna creating the trial and the sampler's first write: no owner
    record to check, so the trial's age decides; a trial with parameters is never taken."""
    sampler = RandomSearchSampler(SPACE, seed=0)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    bare = _bare_trial(study)
    other = _bare_trial(study)
    study._storage.set_trial_param(
        study.trials[other]._trial_id, "x", 0.5, optuna.distributions.FloatDistribution(0, 1)
    )
    sampler.history(study)
    assert study.trials[bare].state == TrialState.RUNNING  # younger than orphan_timeout (600 s)
    sampler.orphan_timeout = 0.2
    time.sleep(0.3)
    sampler.history(study)
    assert study.trials[bare].state == TrialState.FAIL and study.trials[bare].system_attrs[ORPHAN_ATTR]
    assert study.trials[other].state == TrialState.RUNNING  # it has a parameter: someone runs it


def test_an_ask_on_another_host_is_an_orphan_only_when_it_stops_beating() -> None:
    """Another host's process cannot be checked: its trial is an orphan once its beat has
    not changed for orphan_timeout seconds of this process's clock (whatever the clocks
    of the hosts say)."""
    sampler = RandomSearchSampler(SPACE, seed=0)
    sampler.orphan_timeout = 0.3
    study = optuna.create_study(direction="maximize", sampler=sampler)
    elsewhere = {"host": "another-host.invalid", "pid": 1, "start": 1, "phase": "ask"}
    fresh = _bare_trial(study, **{OWNER_ATTR: {**elsewhere, "beat": 5.0}})
    silent = _bare_trial(study, **{OWNER_ATTR: {**elsewhere, "beat": time.time() + 9999}})  # a clock ahead
    finished = _bare_trial(study, **{OWNER_ATTR: {**elsewhere, "phase": "done", "beat": 5.0}})
    me = {"host": __import__("socket").gethostname(), "pid": os.getpid(), "phase": "ask", "beat": 5.0}
    local = _bare_trial(study, **{OWNER_ATTR: me})  # this live process: checked by pid, not by time
    sampler.history(study)  # the first look: nothing is old yet
    assert all(t.state == TrialState.RUNNING for t in study.trials)
    time.sleep(0.2)
    study._storage.set_trial_system_attr(study.trials[fresh]._trial_id, OWNER_ATTR, {**elsewhere, "beat": 6.0})
    sampler.history(study)  # fresh beat: its clock starts again
    time.sleep(0.2)
    sampler.history(study)
    states = {n: study.trials[n].state for n in (fresh, silent, finished, local)}
    assert states == {
        fresh: TrialState.RUNNING,
        silent: TrialState.FAIL,
        finished: TrialState.RUNNING,
        local: TrialState.RUNNING,
    }


def test_a_worker_waiting_for_a_round_says_it_is_alive() -> None:
    """While another worker computes the round, the waiting trial's owner record gets a
    fresh beat, so that workers on other hosts do not take it for an orphan."""
    import threading

    from lso_sampler.integrations.optuna import BATCH_ATTR, LEASE_ATTR

    sampler = RandomSearchSampler(SPACE, seed=0)
    sampler.orphan_timeout = 0.4
    study = optuna.create_study(direction="maximize", sampler=sampler)
    holder = _bare_trial(study, **{OWNER_ATTR: {"host": "another-host.invalid", "pid": 1, "phase": "ask"}})
    study._storage.set_trial_system_attr(
        study.trials[holder]._trial_id,
        f"{LEASE_ATTR}:{sampler.strategy.name}",
        {"round": 3, "time": time.time(), "owner": {"host": "another-host.invalid", "pid": 1}},
    )
    waiter = _bare_trial(study, **{OWNER_ATTR: {**_me(), "phase": "ask", "beat": 0.0}})
    frozen = study.trials[waiter]

    def wait() -> None:
        with sampler._beating(study, frozen):  # as before_trial runs the reservation
            sampler._wait_for_round(study, frozen, 3)

    thread = threading.Thread(target=wait)
    thread.start()
    time.sleep(0.5)
    beat = study._storage.get_trial_system_attrs(frozen._trial_id)[OWNER_ATTR]["beat"]
    study._storage.set_study_system_attr(study._study_id, f"{BATCH_ATTR}:{sampler.strategy.name}", {"round": 3})
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert time.time() - beat < 1.0


def _me() -> dict[str, object]:
    from lso_sampler.integrations.optuna import _identity

    return _identity()


def test_a_claim_that_lands_late_does_not_take_a_round_already_won() -> None:
    """Worker B took its claim's time before worker A but wrote it after A had won the
    round: B sees A's won mark and waits instead of computing the round a second time."""
    from lso_sampler.integrations.optuna import LEASE_ATTR

    sampler = RandomSearchSampler(SPACE, seed=0)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    numbers = [_bare_trial(study, **{OWNER_ATTR: {**_me(), "phase": "ask"}}) for _ in range(2)]
    a, b = (study.trials[n] for n in numbers)
    key = f"{LEASE_ATTR}:{sampler.strategy.name}"
    assert sampler._take_lease(study, a, 5)
    won = study._storage.get_trial_system_attrs(a._trial_id)[key]
    assert won["won"] is True
    early = {"round": 5, "time": won["time"] - 10.0, "owner": _me()}
    study._storage.set_trial_system_attr(b._trial_id, key, early)  # B's claim, timed before A's
    assert not sampler._take_lease(study, b, 5)
    assert study._storage.get_trial_system_attrs(b._trial_id)[key]["time"] == early["time"]  # kept its place
    sampler._release_lease(study, a, 5)  # A is gone without storing: B, first in line, computes
    assert sampler._take_lease(study, b, 5)


def test_an_enqueued_trial_finishes_its_ask_in_before_trial() -> None:
    """An enqueued cell reserves nothing, and its first suggest may come much later: its ask
    is done when before_trial returns, so no worker takes it for an orphan."""
    sampler = RandomSearchSampler(SPACE, seed=0)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.enqueue_trial(SPACE.to_params(SPACE.sample(0)))
    trial = study.ask()
    assert study._storage.get_trial_system_attrs(trial._trial_id)[OWNER_ATTR]["phase"] == "done"


def test_a_worker_that_takes_a_cell_instead_of_computing_drops_its_claim() -> None:
    """A worker that claimed a round but then found a free cell (the holder's round was
    stored, or a cell came free) leaves no live claim behind for others to wait on."""
    from lso_sampler.integrations.optuna import LEASE_ATTR

    sampler = RandomSearchSampler(SPACE, seed=0)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    number = _bare_trial(study)
    frozen = study.trials[number]
    key = f"{LEASE_ATTR}:{sampler.strategy.name}"
    study._storage.set_trial_system_attr(frozen._trial_id, key, {"round": 4, "time": time.time(), "owner": _me()})
    sampler._claims[frozen._trial_id] = 4  # as _take_lease leaves it for a worker that waited
    sampler.before_trial(study, frozen)
    assert study._storage.get_trial_system_attrs(frozen._trial_id)[key] == {"round": 4, "done": True}
    assert frozen._trial_id not in sampler._claims
