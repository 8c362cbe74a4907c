"""The samplers at scale and under faults (issue 20, item 3): worker processes killed at chosen
moments, the sampler's cost as a study grows, and a two-node Ray cluster losing a node and its
driver.

Three parts, each chosen with ``--part`` (several with commas); each writes ``<part>.csv`` and
``<part>.md`` into ``--out``.

``--part optuna``: for each sampler x storage, the study is created once (README, "Quickstart",
the multi-process recipe; an absolute journal path), then ``--workers`` processes of this script
run ``study.optimize`` on it, every one with the same sampler and ``seed=0`` (the hard case: all
workers compute the same proposal rounds). A killer SIGKILLs a worker ``--kills`` times, at
random numbers of told trials, and restarts it with the trials it still owes. Each kill has a
point (``KILL_POINTS``): the worker stops there when a file tells it to and is killed there. The
first three kills fall inside ``study.ask()``, the objective and ``study.tell()``; with
``--kills 6`` each of the six points is hit once; further kills pick a point at random, or a
random moment. Then it counts trials lost (told by a worker, not COMPLETE with that value in the
storage), duplicate COMPLETE cells, orphans (RUNNING trials after every worker exited), FAIL
trials (orphans failed by the RDB heartbeat or by the sampler), what became of each killed
worker's trial (``optuna_kills.csv``), proposal rounds computed (``sampler.rounds_computed``
summed over worker processes, "n/a" where the sampler has no such attribute) against distinct
rounds (the study's ``lso_sampler:batch`` attribute; cheap rounds, such as random start-up or
evolution rounds, may be computed by several workers at once), the rounds that trained a model
(``sampler.trained_rounds``: how many were computed, and how many distinct round numbers: equal
when each was computed once), the time spent in the sampler's
``before_trial`` summed over workers, and the wall time against one worker doing the same number
of trials (no kills).
PostgreSQL runs on a server the script starts on 127.0.0.1 (``initdb``/``pg_ctl`` from
``/usr/lib/postgresql/*/bin``, as the ``postgres`` user when run as root) and removes at the end;
if it cannot be started, its rows say why. RDB storages get a heartbeat (``--heartbeat``,
``--grace``), journal files have none.

``--part growth``: per space (``--growth-spaces``: NAS-Bench-201, DARTS) and sampler
(``--growth-samplers``: regularised evolution, our random search, Optuna's ``RandomSampler`` as
the peer), one study of ``--growth-trials`` trials in one process: sampler time per trial
(``study.ask()`` + ``space.suggest(trial)``) and the part of it in the strategy's ``propose``,
the medians over trials 90-110 and over the last 10, and their ratios.

``--part ray``: ``ray start --head`` (1 CPU) and a second node (1 CPU) as subprocesses, a driver
process running ``tune.Tuner`` with a Ray searcher on NAS-Bench-201 cells (synthetic score, the
trainable sleeps ``--ray-sleep`` s), ``max_concurrent_trials=2``; (a) node 2's process group is
SIGKILLed mid-search; (b) the driver is SIGKILLed mid-search and a new one runs
``tune.Tuner.restore(path, trainable, resume_errored=True).fit()``. Reports trials lost, re-run
and repeated cells, and whether each search finished. The cluster is stopped by killing the
process groups this script started (not ``ray stop --force``, which kills every Ray process on
the machine, other users' too).

The objective of the Optuna parts is a NAS-Bench-201 CIFAR-10 lookup (validation accuracy) when
``--data-dir`` (or ``$LSO_SAMPLER_DATA``) holds ``nasbench201/``, else a synthetic score of the
cell; the tables say which.

Full size (the runs of benchmarks/README.md, "Scale and faults", used --trials 320 and 160; the
small run below takes about 15 min on 2 shared cores):

    OMP_NUM_THREADS=1 python benchmarks/scale.py --part optuna --workers 16 --trials 480 --kills 12 \\
        --samplers agnet,evolution --storages postgresql,sqlite,journal \\
        --data-dir ../shared/benchmarks --out benchmarks/results/scale
    OMP_NUM_THREADS=1 python benchmarks/scale.py --part growth --growth-trials 5000 \\
        --out benchmarks/results/scale
    OMP_NUM_THREADS=1 python benchmarks/scale.py --part ray --ray-trials 64 --ray-searcher agnet \\
        --out benchmarks/results/scale

Small size (the validation run):

    OMP_NUM_THREADS=1 python benchmarks/scale.py --part optuna --workers 4 --trials 40 --kills 6 \\
        --samplers agnet,evolution --storages postgresql,sqlite,journal \\
        --data-dir ../shared/benchmarks --out /tmp/scale_small
    OMP_NUM_THREADS=1 python benchmarks/scale.py --part growth --growth-trials 600 --out /tmp/scale_small
    OMP_NUM_THREADS=1 python benchmarks/scale.py --part ray --ray-trials 12 --out /tmp/scale_small
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import hashlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("RAY_AUTH_MODE", "disabled")

SCRIPT = Path(__file__).resolve()
#: The points a worker can be stopped (and killed) at, by phase.
KILL_POINTS: dict[str, tuple[str, ...]] = {
    # "ask:created": Optuna has created the trial (RUNNING), the sampler's before_trial has not
    # started; "ask:sampling": inside before_trial, right after the sampler's first write to
    # the trial (its owner record), before the proposal round and the reservation;
    # "ask:reserved": before_trial is done (the cell is recorded as the trial's), space.suggest
    # has not run yet
    "ask": ("ask:created", "ask:sampling", "ask:reserved"),
    "objective": ("objective",),
    # "tell:before-store": the sampler's after_trial ran, the value is not stored yet;
    # "tell:stored": the value is stored, the worker has not reported it yet
    "tell": ("tell:before-store", "tell:stored"),
}
SAMPLER_CLASSES = {"agnet": "AGNetSampler", "evolution": "RegularizedEvolutionSampler"}
SEARCHER_CLASSES = {"agnet": "AGNetSearcher", "evolution": "RegularizedEvolutionSearcher"}


# -- the objective ---------------------------------------------------------------------------
def synthetic_score(cell: Any, key: str) -> float:
    """A cheap deterministic score of a NAS-Bench-201 cell (conv3x3 good, "none" bad) with a
    small per-cell offset, so that different cells rarely tie."""
    ops = list(cell.ops)
    base = ops.count("nor_conv_3x3") - 0.5 * ops.count("none") + 0.1 * ops.count("nor_conv_1x1")
    return base + (int(hashlib.md5(key.encode()).hexdigest()[:6], 16) % 1000) / 1e4


def resolve_data_dir(data_dir: str | None) -> Path | None:
    """The benchmark data folder if it holds NAS-Bench-201, else None (synthetic objective)."""
    path = data_dir or os.environ.get("LSO_SAMPLER_DATA")
    if not path:
        return None
    root = Path(path).resolve()
    if not (root / "nasbench201").is_dir():
        raise SystemExit(f"--data-dir {path}: no nasbench201/ folder there")
    return root


def objective_name(data_dir: Path | None) -> str:
    return "nasbench201:cifar10 lookup" if data_dir else "synthetic score (no --data-dir)"


def make_scorer(data_dir: Path | None) -> tuple[Any, Callable[[Any], float]]:
    """The NAS-Bench-201 space and the objective of a cell."""
    from lso_sampler.spaces import NASBench201Space

    if data_dir is None:
        space = NASBench201Space()
        return space, lambda cell: synthetic_score(cell, space.key(cell))
    from lso_sampler.benchmarks import NASBench201

    bench = NASBench201("cifar10", data_dir=data_dir)
    return bench.space, lambda cell: bench.query(cell).search_value


def sampler_options(name: str, cheap: bool) -> dict[str, Any]:
    if not cheap:
        return {}
    from lso_sampler.methods import get_method

    return dict(get_method(name).test_options)


def make_sampler(name: str, space: Any, cheap: bool, seed: int = 0) -> Any:
    from lso_sampler import optuna_samplers

    cls = getattr(optuna_samplers, SAMPLER_CLASSES[name]) if name in SAMPLER_CLASSES else None
    if cls is None:
        cls = optuna_samplers.sampler_class(name)
    return cls(space, seed=seed, **sampler_options(name, cheap))


# -- storages --------------------------------------------------------------------------------
def open_storage(spec: dict[str, Any], heartbeat: bool) -> Any:
    """The Optuna storage of ``spec`` (``kind``: sqlite, postgresql or journal); RDB storages
    with the heartbeat of ``spec`` when ``heartbeat`` (the workers), without (the parent)."""
    import optuna

    if spec["kind"] == "journal":
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        return JournalStorage(JournalFileBackend(spec["path"]))
    kwargs: dict[str, Any] = {}
    if heartbeat and spec.get("heartbeat"):
        kwargs = {"heartbeat_interval": spec["heartbeat"], "grace_period": spec["grace"]}
    engine: dict[str, Any] = {}
    if spec["kind"] == "sqlite":  # SQLite's default 5 s lock wait is short for 16 writers
        engine = {"connect_args": {"timeout": 60}}
    return optuna.storages.RDBStorage(spec["url"], engine_kwargs=engine, **kwargs)


class PostgresServer:
    """A PostgreSQL server of our own on 127.0.0.1, in a temporary data folder."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self.port = 0
        self.bindir: Path | None = None
        self.prefix: list[str] = []
        self.started = False

    def _run(self, args: list[str], timeout: float = 120) -> None:
        out = subprocess.run(self.prefix + args, capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed ({out.returncode}): {(out.stderr or out.stdout)[-400:]}")

    def start(self) -> str:
        """Start the server; the SQLAlchemy URL of its database ``lso``."""
        import pwd

        dirs = sorted(
            glob.glob("/usr/lib/postgresql/*/bin"),
            key=lambda p: [int(x) for x in Path(p).parent.name.split(".") if x.isdigit()],
        )
        if dirs:
            self.bindir = Path(dirs[-1])
        elif shutil.which("initdb"):
            self.bindir = Path(shutil.which("initdb")).parent  # type: ignore[arg-type]
        else:
            raise RuntimeError("PostgreSQL is not installed (apt-get install -y postgresql)")
        try:
            import psycopg2  # noqa: F401
        except ImportError as exc:
            raise RuntimeError("psycopg2 is not installed (pip install psycopg2-binary)") from exc
        self.root = Path(tempfile.mkdtemp(prefix="lso-scale-pg-"))
        if os.geteuid() == 0:  # initdb refuses root
            try:
                user = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError("running as root and there is no `postgres` user to run the server") from exc
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        data = self.root / "data"
        self._run([str(self.bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"])
        self.port = free_port()
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300"
        self.started = True  # from here on, stop() stops it (a failed start may leave it running)
        self._run(
            [str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.root / "server.log"), "-w", "-t", "60"]
            + ["-o", opts, "start"]
        )
        self._run([str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "lso"])
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/lso"

    def stop(self) -> None:
        """Stop the server (immediate shutdown) and remove its folder."""
        if self.root is None:
            return
        data = self.root / "data"
        if self.started:
            try:
                self._run([str(self.bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], 60)
            except Exception:  # the server we started, by its pid
                with contextlib.suppress(Exception):
                    os.kill(int((data / "postmaster.pid").read_text().split()[0]), signal.SIGKILL)
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the Optuna worker -----------------------------------------------------------------------
def worker_main(cfg: dict[str, Any]) -> None:
    """One worker process: ``study.optimize(objective, n_trials=cfg["trials"])`` on the shared
    study, reporting to ``worker<slot>.jsonl`` and stopping at a kill point when the file
    ``hold<slot>`` names it (the parent then kills it)."""
    import optuna
    import torch

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    run = Path(cfg["run_dir"])
    slot, inc = cfg["slot"], cfg["incarnation"]
    log = open(run / f"worker{slot}.jsonl", "a", buffering=1)  # noqa: SIM115 (open until exit)

    def emit(**kw: Any) -> None:
        log.write(json.dumps({"slot": slot, "inc": inc, **kw}) + "\n")

    hold, held, phase = run / f"hold{slot}", run / f"held{slot}", run / f"phase{slot}"

    def point(name: str) -> None:
        with contextlib.suppress(OSError):
            phase.write_text(name)
        try:
            wanted = hold.read_text()
        except FileNotFoundError:
            return
        if wanted != name:
            return
        tmp = run / f"held{slot}.tmp"
        tmp.write_text(name)
        os.replace(tmp, held)
        while hold.exists():  # the parent kills us here, or gives up and removes the file
            time.sleep(0.005)

    space, score = make_scorer(Path(cfg["data_dir"]) if cfg["data_dir"] else None)
    sampler = make_sampler(cfg["sampler"], space, cfg["cheap"])
    sampler.orphan_timeout = cfg["orphan_timeout"]  # a trial killed before the sampler ran
    storage = open_storage(cfg["storage"], heartbeat=True)
    study = optuna.load_study(study_name=cfg["study"], storage=storage, sampler=sampler)
    mine: set[int] = set()  # trial ids this process asked
    in_before_trial: set[int] = set()  # trial ids in the sampler's before_trial, before its first write
    sampler_s = [0.0]

    def rounds() -> int | None:
        r = getattr(sampler, "rounds_computed", None)
        return int(r) if r is not None else None

    def trained() -> list[int] | None:
        t = getattr(sampler, "trained_rounds", None)
        return [int(x) for x in t] if t is not None else None

    before_trial, after_trial = sampler.before_trial, sampler.after_trial

    def wrapped_before_trial(study: optuna.Study, trial: Any) -> None:
        mine.add(trial._trial_id)
        emit(event="asked", number=trial.number)
        point("ask:created")
        t0 = time.perf_counter()
        in_before_trial.add(trial._trial_id)
        try:
            before_trial(study, trial)
        finally:
            in_before_trial.discard(trial._trial_id)
        sampler_s[0] += time.perf_counter() - t0
        emit(event="round", rounds=rounds(), trained=trained(), sampler_s=sampler_s[0])
        point("ask:reserved")

    def wrapped_after_trial(study: optuna.Study, trial: Any, state: Any, values: Any) -> None:
        after_trial(study, trial, state, values)
        if trial._trial_id in mine:
            point("tell:before-store")

    sampler.before_trial = wrapped_before_trial
    sampler.after_trial = wrapped_after_trial
    set_state = study._storage.set_trial_state_values

    def wrapped_set_state(trial_id: int, state: Any, values: Any = None) -> bool:
        out = set_state(trial_id, state, values)
        if trial_id in mine:
            point("tell:stored")
        return out

    study._storage.set_trial_state_values = wrapped_set_state
    set_attr = study._storage.set_trial_system_attr

    def wrapped_set_attr(trial_id: int, *args: Any, **kwargs: Any) -> None:
        set_attr(trial_id, *args, **kwargs)
        if trial_id in in_before_trial:
            in_before_trial.discard(trial_id)  # the first write only
            point("ask:sampling")

    study._storage.set_trial_system_attr = wrapped_set_attr

    def objective(trial: optuna.Trial) -> float:
        cell = space.suggest(trial)
        point("objective")
        value = score(cell)
        if cfg["trial_sleep"] > 0:
            time.sleep(cfg["trial_sleep"])
        trial.set_user_attr("cell_key", space.key(cell))
        return value

    def told(study: optuna.Study, trial: Any) -> None:
        emit(
            event="told",
            number=trial.number,
            state=trial.state.name,
            value=trial.value,
            rounds=rounds(),
            trained=trained(),
            sampler_s=sampler_s[0],
        )

    emit(event="ready", pid=os.getpid(), t=time.time())
    if cfg["wait_start"]:
        while not (run / "start").exists():
            time.sleep(0.01)
    study.optimize(objective, n_trials=cfg["trials"], callbacks=[told])
    emit(event="exit", rounds=rounds(), trained=trained(), sampler_s=sampler_s[0])
    log.close()


# -- the parent: workers, killer, measures -----------------------------------------------------
def kill_points(kills: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    """``kills`` (phase, point) pairs: one point of ask, the objective and one point of tell
    (in random order), then the other points of ask and tell (six in all reach every point),
    then random points or ``any`` (a random moment)."""
    ask = list(KILL_POINTS["ask"])
    tell = list(KILL_POINTS["tell"])
    rng.shuffle(ask)
    rng.shuffle(tell)
    first = [("ask", ask[0]), ("objective", "objective"), ("tell", tell[0])]
    rng.shuffle(first)  # type: ignore[arg-type]
    plan = first + [("ask", p) for p in ask[1:]] + [("tell", p) for p in tell[1:]]
    points = [(ph, p) for ph, ps in KILL_POINTS.items() for p in ps] + [("any", "any")]
    while len(plan) < kills:
        plan.append(points[int(rng.integers(len(points)))])
    return plan[:kills]


@dataclass
class Slot:
    index: int
    quota: int
    proc: subprocess.Popen | None = None
    incarnation: int = 0
    told: int = 0
    #: per incarnation: the last rounds_computed / sampler seconds it reported
    rounds: dict[int, int | None] = field(default_factory=dict)
    #: per incarnation: the numbers of the model-training rounds it computed (last report)
    trained: dict[int, list[int] | None] = field(default_factory=dict)
    sampler_s: dict[int, float] = field(default_factory=dict)
    asked: dict[int, set[int]] = field(default_factory=dict)
    reports: list[tuple[int, str, float | None]] = field(default_factory=list)
    ready: bool = False
    offset: int = 0
    errors: list[str] = field(default_factory=list)
    exited: bool = False
    #: per incarnation: when it was started, and seconds from then to ready (imports, data, study)
    spawned: dict[int, float] = field(default_factory=dict)
    startup: list[float] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.quota - self.told


class Case:
    """One sampler x storage x workers run: start the workers, kill and restart, measure."""

    def __init__(
        self,
        args: argparse.Namespace,
        run_dir: Path,
        sampler: str,
        spec: dict[str, Any],
        workers: int,
        kills: int,
        data_dir: Path | None,
        rng: np.random.Generator,
    ) -> None:
        self.args, self.run_dir, self.sampler, self.spec = args, run_dir, sampler, spec
        self.workers, self.kills, self.data_dir, self.rng = workers, kills, data_dir, rng
        quotas = [args.trials // workers + (1 if i < args.trials % workers else 0) for i in range(workers)]
        self.slots = [Slot(i, q) for i, q in enumerate(quotas)]
        self.kill_log: list[dict[str, Any]] = []
        self.env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}

    # workers
    def spawn(self, slot: Slot, trials: int, wait_start: bool) -> None:
        slot.incarnation += 1
        cfg = {
            "run_dir": str(self.run_dir),
            "slot": slot.index,
            "incarnation": slot.incarnation,
            "trials": trials,
            "sampler": self.sampler,
            "cheap": self.args.cheap,
            "storage": self.spec,
            "study": "scale",
            "data_dir": str(self.data_dir) if self.data_dir else None,
            "trial_sleep": self.args.trial_sleep,
            "orphan_timeout": self.args.orphan_timeout,
            "wait_start": wait_start,
        }
        err = open(self.run_dir / f"worker{slot.index}.{slot.incarnation}.err", "w")  # noqa: SIM115
        slot.proc = subprocess.Popen(
            [sys.executable, str(SCRIPT), "--worker", json.dumps(cfg)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=self.env,
            cwd=str(SCRIPT.parents[1]),
        )
        err.close()
        slot.exited = False
        slot.asked[slot.incarnation] = set()
        slot.spawned[slot.incarnation] = time.time()

    def poll_logs(self) -> None:
        for slot in self.slots:
            path = self.run_dir / f"worker{slot.index}.jsonl"
            if not path.exists():
                continue
            with open(path) as f:
                f.seek(slot.offset)
                data = f.read()
            end = data.rfind("\n")
            if end < 0:
                continue
            slot.offset += len(data[: end + 1].encode())
            for line in data[: end + 1].splitlines():
                ev = json.loads(line)
                inc = ev["inc"]
                if ev["event"] == "ready":
                    slot.ready = True
                    slot.startup.append(ev["t"] - slot.spawned.get(inc, ev["t"]))
                elif ev["event"] == "asked":
                    slot.asked.setdefault(inc, set()).add(ev["number"])
                elif ev["event"] in ("told", "exit", "round"):
                    slot.rounds[inc] = ev.get("rounds")
                    slot.trained[inc] = ev.get("trained")
                    slot.sampler_s[inc] = ev.get("sampler_s", 0.0)
                    if ev["event"] == "told":
                        slot.told += 1
                        slot.reports.append((ev["number"], ev["state"], ev["value"]))
                        slot.asked.get(inc, set()).discard(ev["number"])

    def total_told(self) -> int:
        return sum(s.told for s in self.slots)

    def check_exits(self) -> None:
        for slot in self.slots:
            if slot.proc is None or slot.exited:
                continue
            rc = slot.proc.poll()
            if rc is None:
                continue
            slot.exited = True
            if rc != 0:
                tail = (self.run_dir / f"worker{slot.index}.{slot.incarnation}.err").read_text()[-600:]
                last = [ln for ln in tail.strip().splitlines() if ln.strip()][-1:] or ["?"]
                slot.errors.append(f"exit {rc}: {last[0]}")

    def alive(self) -> list[Slot]:
        return [s for s in self.slots if s.proc is not None and s.proc.poll() is None]

    # the killer
    def kill(self, phase: str, where: str) -> bool:
        """Kill one worker at point ``where`` of ``phase`` (phase ``any``: at a random moment)
        and restart it; False (try later) when no worker owes two more trials right now."""
        candidates = [s for s in self.alive() if s.ready and s.remaining >= 2]
        if not candidates:
            return False
        self.rng.shuffle(candidates)  # type: ignore[arg-type]
        for slot in candidates[:3]:
            assert slot.proc is not None
            if phase == "any":
                time.sleep(float(self.rng.uniform(0.0, 0.3)))
                if slot.proc.poll() is not None:
                    continue
                try:
                    where = (self.run_dir / f"phase{slot.index}").read_text()
                except OSError:
                    where = "?"
                slot.proc.send_signal(signal.SIGKILL)
            else:
                hold, held = self.run_dir / f"hold{slot.index}", self.run_dir / f"held{slot.index}"
                tmp = self.run_dir / f"hold{slot.index}.tmp"
                tmp.write_text(where)
                os.replace(tmp, hold)
                deadline = time.monotonic() + self.args.hold_timeout
                while time.monotonic() < deadline and slot.proc.poll() is None:
                    if held.exists() and held.read_text() == where:
                        break
                    time.sleep(0.005)
                else:
                    hold.unlink(missing_ok=True)
                    continue
                slot.proc.send_signal(signal.SIGKILL)
            slot.proc.wait()
            for f in ("hold", "held"):
                (self.run_dir / f"{f}{slot.index}").unlink(missing_ok=True)
            slot.exited = True
            self.poll_logs()
            killed_inc = slot.incarnation
            orphans = sorted(slot.asked.get(killed_inc, set()))
            self.kill_log.append(
                {
                    "phase": phase,
                    "point": where,
                    "slot": slot.index,
                    "incarnation": killed_inc,
                    "told_before": self.total_told(),
                    "in_flight": orphans,
                    "t": time.perf_counter(),
                }
            )
            if self.args.fail_orphans:
                self.fail_trials(orphans)
            if slot.remaining > 0:
                self.spawn(slot, slot.remaining, wait_start=False)
            return True
        self.kill_log.append({"phase": phase, "point": f"{where}: not done, no worker reached it", "slot": -1})
        return True

    def fail_trials(self, numbers: list[int]) -> None:
        """README's recipe for a storage without heartbeat: fail the dead worker's trials."""
        import optuna
        from optuna.trial import TrialState

        study = optuna.load_study(
            study_name="scale",
            storage=open_storage(self.spec, heartbeat=False),
            sampler=optuna.samplers.RandomSampler(),
        )
        for n in numbers:
            with contextlib.suppress(Exception):
                study.tell(n, state=TrialState.FAIL, skip_if_finished=True)

    def run(self) -> dict[str, Any]:
        try:
            return self._run()
        finally:  # on an error or Ctrl-C too: no worker outlives the run
            for slot in self.alive():
                slot.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
                slot.proc.wait()  # type: ignore[union-attr]

    def _run(self) -> dict[str, Any]:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        storage = open_storage(self.spec, heartbeat=False)
        optuna.create_study(study_name="scale", storage=storage, direction="maximize")  # once, before the workers
        for slot in self.slots:
            if slot.quota > 0:
                self.spawn(slot, slot.quota, wait_start=True)
        deadline = time.monotonic() + self.args.case_timeout
        while not all(s.ready or s.proc is None or s.proc.poll() is not None for s in self.slots):
            self.poll_logs()
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        (self.run_dir / "start").touch()
        t0 = time.perf_counter()
        n = self.args.trials
        # kills fall between 10 % and 70 % of the trials told, and early enough in a short run that
        # each worker still owes about three trials (so one reaches the planned point)
        lo = max(1, int(0.1 * n))
        hi = max(lo, min(int(0.7 * n), n - 3 * self.workers))
        marks = sorted(int(m) for m in self.rng.integers(lo, hi + 1, size=self.kills))
        plan = list(zip(marks, kill_points(self.kills, self.rng)))
        timed_out = False
        while True:
            self.poll_logs()
            self.check_exits()
            if plan and self.total_told() >= plan[0][0] and self.kill(*plan[0][1]):
                plan.pop(0)
                continue
            if not self.alive():
                break
            if time.monotonic() > deadline:
                timed_out = True
                for s in self.alive():
                    s.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
                    s.proc.wait()  # type: ignore[union-attr]
                break
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        self.poll_logs()
        self.check_exits()
        for _, (phase, point) in plan:
            self.kill_log.append({"phase": phase, "point": f"{point}: not done, the run ended first", "slot": -1})
        return self.measure(wall, timed_out)

    def measure(self, wall: float, timed_out: bool) -> dict[str, Any]:
        import optuna
        from optuna.trial import TrialState

        from lso_sampler.integrations.optuna import BATCH_ATTR
        from lso_sampler.spaces import NASBench201Space

        space = NASBench201Space()
        study = optuna.load_study(study_name="scale", storage=open_storage(self.spec, heartbeat=False))
        trials = study.get_trials(deepcopy=False)
        by_number = {t.number: t for t in trials}
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        keys = Counter(space.key(space.from_params(t.params)) for t in complete)
        reports = [r for s in self.slots for r in s.reports if r[1] == "COMPLETE"]
        lost = 0
        for number, _, value in reports:
            t = by_number.get(number)
            if t is None or t.state != TrialState.COMPLETE or not math.isclose(t.value, value, rel_tol=1e-9):
                lost += 1
        rounds = [r for s in self.slots for r in s.rounds.values()]
        trained_lists = [t for s in self.slots for t in s.trained.values()]
        trained_all = [r for t in trained_lists if t for r in t]
        has_trained = bool(trained_lists) and all(t is not None for t in trained_lists)
        rounds_computed: int | str = "n/a" if not rounds or any(r is None for r in rounds) else sum(rounds)  # type: ignore[arg-type]
        batch = {
            k: v for k, v in study._storage.get_study_system_attrs(study._study_id).items() if k.startswith(BATCH_ATTR)
        }
        distinct = sum(int(v.get("round", 0)) + 1 for v in batch.values()) if batch else 0
        done = [k for k in self.kill_log if k["slot"] >= 0]
        for k in done:  # what became of the trial the killed worker had in flight
            k["final_state"] = ",".join(
                by_number[n].state.name if n in by_number else "missing" for n in k["in_flight"]
            )
        count = Counter(k["phase"] for k in done)
        errors = [e for s in self.slots for e in s.errors]
        startup = [x for s in self.slots for x in s.startup]
        return {
            "complete": len(complete),
            "reported": len(reports),
            "lost": lost,
            "duplicate_cells": sum(c - 1 for c in keys.values()),
            "orphans_running": sum(t.state == TrialState.RUNNING for t in trials),
            "failed": sum(t.state == TrialState.FAIL for t in trials),
            "kills_done": len(done),
            "kills_ask": count["ask"],
            "kills_objective": count["objective"],
            "kills_tell": count["tell"],
            "kills_random": count["any"],
            "kill_points": ";".join(f"{k['point']}" for k in self.kill_log),
            "worker_errors": len(errors),
            "rounds_computed": rounds_computed,
            "distinct_rounds": distinct,
            "model_rounds_trained": len(trained_all) if has_trained else "n/a",
            "model_rounds_distinct": len(set(trained_all)) if has_trained else "n/a",
            "rounds_per_round": (
                f"{rounds_computed / distinct:.2f}" if isinstance(rounds_computed, int) and distinct else "n/a"
            ),
            "sampler_s_total": round(sum(v for s in self.slots for v in s.sampler_s.values()), 2),
            "wall_s": round(wall, 2),
            "startup_s": round(float(np.median(startup)), 1) if startup else "n/a",
            "restarts": sum(s.incarnation - 1 for s in self.slots),
            "status": "timed out" if timed_out else ("worker errors: " + " | ".join(errors[:3]) if errors else "ok"),
        }


def storage_spec(kind: str, run_dir: Path, pg_url: str | None, args: argparse.Namespace, tag: str) -> dict[str, Any]:
    if kind == "journal":
        return {"kind": "journal", "path": str((run_dir / "journal.log").resolve())}  # absolute path
    if kind == "sqlite":
        return {
            "kind": "sqlite",
            "url": f"sqlite:///{(run_dir / 'study.db').resolve()}",
            "heartbeat": args.heartbeat,
            "grace": args.grace,
        }
    if kind == "postgresql":
        assert pg_url is not None
        return {"kind": "postgresql", "url": pg_url, "heartbeat": args.heartbeat, "grace": args.grace, "tag": tag}
    raise SystemExit(f"--storages: unknown storage {kind!r} (postgresql, sqlite, journal)")


def pg_database(pg_url: str, name: str) -> str:
    """A fresh database ``name`` on our server: the URL of it."""
    import psycopg2

    base = pg_url.rsplit("/", 1)[0]
    conn = psycopg2.connect(base.replace("postgresql+psycopg2://", "postgresql://") + "/lso")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return f"{base}/{name}"


def part_optuna(args: argparse.Namespace, out: Path, work: Path) -> list[dict[str, Any]]:
    data_dir = resolve_data_dir(args.data_dir)
    samplers = args.samplers.split(",")
    storages = args.storages.split(",")
    pg: PostgresServer | None = None
    pg_url: str | None = None
    pg_error = ""
    if "postgresql" in storages:
        pg = PostgresServer()
        try:
            pg_url = pg.start()
            print(f"postgresql: own server on 127.0.0.1:{pg.port}", flush=True)
        except Exception as exc:
            pg_error = f"PostgreSQL not started: {exc}"
            print(pg_error, flush=True)
            pg.stop()
            pg = None
    rows: list[dict[str, Any]] = []
    kills_rows: list[dict[str, Any]] = []
    try:
        for sampler in samplers:
            for kind in storages:
                base = {
                    "sampler": sampler + (" (cheap)" if args.cheap else ""),
                    "storage": kind,
                    "objective": objective_name(data_dir),
                    "trials": args.trials,
                }
                if kind == "postgresql" and pg_url is None:
                    rows.append({**base, "workers": args.workers, "kills": args.kills, "status": pg_error})
                    continue
                runs = [(args.workers, args.kills)] + ([(1, 0)] if args.baseline else [])
                walls: dict[int, float] = {}
                for workers, kills in runs:
                    tag = f"{sampler}-{kind}-w{workers}"
                    run_dir = work / tag
                    run_dir.mkdir(parents=True)
                    url = pg_database(pg_url, tag.replace("-", "_")) if kind == "postgresql" else None  # type: ignore[arg-type]
                    spec = storage_spec(kind, run_dir, url, args, tag)
                    rng = np.random.default_rng([args.seed, workers])
                    print(f"{tag}: {workers} workers x {args.trials} trials, {kills} kills ...", flush=True)
                    try:
                        case = Case(args, run_dir, sampler, spec, workers, kills, data_dir, rng)
                        res = case.run()
                        for k in case.kill_log:
                            kills_rows.append({"case": tag, **{x: y for x, y in k.items() if x != "t"}})
                    except Exception as exc:
                        traceback.print_exc()
                        res = {"status": f"error: {type(exc).__name__}: {exc}"}
                    walls[workers] = res.get("wall_s", float("nan"))
                    rows.append({**base, "workers": workers, "kills": kills, **res})
                    print(f"  {json.dumps(rows[-1])}", flush=True)
                one = walls.get(1)
                for r in rows:
                    if r["sampler"] == base["sampler"] and r["storage"] == kind:
                        r["wall_1worker_s"] = one if one is not None else "n/a"
                        r["wall_ratio"] = (
                            round(r["wall_s"] / one, 2) if one and isinstance(r.get("wall_s"), float) else "n/a"
                        )
    finally:
        if pg is not None:
            pg.stop()
    write_rows(out, "optuna", rows)
    write_rows(out, "optuna_kills", kills_rows)
    (out / "optuna.md").write_text(optuna_markdown(rows, args) + kills_markdown(kills_rows))
    return rows


OPTUNA_COLUMNS = [
    ("sampler", "sampler"),
    ("storage", "storage"),
    ("workers", "workers"),
    ("kills_done", "kills (ask/obj/tell/any)"),
    ("complete", "complete"),
    ("lost", "lost"),
    ("duplicate_cells", "dup. cells"),
    ("orphans_running", "orphans RUNNING"),
    ("failed", "FAIL"),
    ("rounds_computed", "rounds computed"),
    ("distinct_rounds", "distinct rounds"),
    ("model_rounds_trained", "model rounds trained"),
    ("model_rounds_distinct", "distinct model rounds"),
    ("sampler_s_total", "sampler s (sum)"),
    ("wall_s", "wall s"),
    ("wall_ratio", "x 1 worker"),
    ("startup_s", "worker start s"),
    ("status", "status"),
]


def optuna_markdown(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        "# Optuna workers killed mid-trial",
        "",
        f"Command: `{command_line()}`",
        "",
        f"Objective: {rows[0]['objective'] if rows else '?'}; {args.trials} trials split over the workers, "
        f"every worker with seed 0; RDB heartbeat {args.heartbeat} s, grace {args.grace} s; "
        f"the samplers' orphan_timeout {args.orphan_timeout:g} s; "
        f"orphans {'failed by the parent after each kill' if args.fail_orphans else 'left to the storage'}.",
        "",
        "| " + " | ".join(h for _, h in OPTUNA_COLUMNS) + " |",
        "|" + "---|" * len(OPTUNA_COLUMNS),
    ]
    for r in rows:
        cells = []
        for key, _ in OPTUNA_COLUMNS:
            if key == "kills_done" and "kills_done" in r:
                cells.append(
                    f"{r['kills_done']} ({r['kills_ask']}/{r['kills_objective']}/{r['kills_tell']}/{r['kills_random']})"
                )
            else:
                cells.append(str(r.get(key, "")))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def kills_markdown(kills: list[dict[str, Any]]) -> str:
    """How many kills hit each point, and what became of the killed trials, per storage."""
    done = [k for k in kills if k.get("slot", -1) >= 0]
    if not done:
        return ""
    table: dict[tuple[str, str], Counter] = {}
    for k in done:
        storage = k["case"].split("-")[-2]
        point = k["point"] if k["phase"] != "any" else f"any ({k['point']})"
        table.setdefault((point, storage), Counter())[k.get("final_state") or "none asked"] += 1
    lines = [
        "",
        "What became of the trial the killed worker had in flight, by kill point and storage (all samplers):",
        "",
        "| kill point | storage | kills | final state of the killed trial |",
        "|---|---|---|---|",
    ]
    for (point, storage), states in sorted(table.items()):
        desc = ", ".join(f"{s} {n}" for s, n in sorted(states.items()))
        lines.append(f"| {point} | {storage} | {sum(states.values())} | {desc} |")
    skipped = [k for k in kills if k.get("slot", -1) < 0]
    if skipped:
        lines += ["", "Kills not done: " + "; ".join(f"{k['case']}: {k['point']}" for k in skipped)]
    return "\n".join(lines) + "\n"


# -- overhead growth -------------------------------------------------------------------------
GROWTH_SAMPLERS = ("evolution", "random-search", "optuna-random")


def growth_space(name: str, data_dir: Path | None) -> tuple[Any, Callable[[Any], float], str]:
    """The space of the growth part, the objective of a cell and its description."""
    if name == "nasbench201":
        space, score = make_scorer(data_dir)
        return space, score, objective_name(data_dir)
    from lso_sampler.spaces import DartsSpace

    space = DartsSpace()
    # a deterministic pseudo-random score per cell (no benchmark data needed)
    return space, lambda cell: int(hashlib.md5(space.key(cell).encode()).hexdigest()[:8], 16) / 2**32, "hashed score"


def growth_run(name: str, space: Any, score: Callable[[Any], float], n: int, storage: Any) -> dict[str, Any]:
    """One study of ``n`` trials: per trial, the time of ``study.ask()`` + ``space.suggest``
    and, for our samplers, the part of it spent in the strategy's ``propose`` (the search
    itself), the rest being the adapter's bookkeeping and Optuna's."""
    import optuna

    if name == "optuna-random":
        sampler: Any = optuna.samplers.RandomSampler(seed=0)
    else:
        from lso_sampler.integrations.optuna import make_sampler as make_lso

        sampler = make_lso(name, space, seed=0)
    in_strategy = [0.0]
    strategy = getattr(sampler, "strategy", None)
    tries = [0]
    if strategy is not None:
        propose = strategy.propose

        def timed(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return propose(*a, **kw)
            finally:
                in_strategy[0] += time.perf_counter() - t0

        strategy.propose = timed
        if hasattr(strategy, "mutate"):
            mutate = strategy.mutate

            def counted(cell: Any) -> Any:
                tries[0] += 1
                return mutate(cell)

            strategy.mutate = counted
    study = optuna.create_study(direction="maximize", sampler=sampler, storage=storage)
    times, strat, muts = np.zeros(n), np.zeros(n), np.zeros(n)
    t_all = time.perf_counter()
    for i in range(n):
        in_strategy[0], tries[0] = 0.0, 0
        t0 = time.perf_counter()
        trial = study.ask()
        cell = space.suggest(trial)
        times[i] = time.perf_counter() - t0
        strat[i], muts[i] = in_strategy[0], tries[0]
        study.tell(trial, score(cell))
        if (i + 1) % 1000 == 0:
            print(
                f"growth {name}: {i + 1}/{n} trials, last 10 median {np.median(times[i - 9 : i + 1]) * 1e3:.2f} ms",
                flush=True,
            )
    early, late = slice(90, 110), slice(n - 10, n)

    def ms(a: np.ndarray, w: slice) -> float:
        return round(float(np.median(a[w])) * 1e3, 3)

    rest = times - strat
    return {
        "sampler": name,
        "trials": n,
        "total_ms_early": ms(times, early),
        "total_ms_late": ms(times, late),
        "total_ratio": round(ms(times, late) / ms(times, early), 2),
        "strategy_ms_early": ms(strat, early) if strategy is not None else "n/a",
        "strategy_ms_late": ms(strat, late) if strategy is not None else "n/a",
        "rest_ms_early": ms(rest, early),
        "rest_ms_late": ms(rest, late),
        "rest_ratio": round(ms(rest, late) / ms(rest, early), 2),
        "mutations_early": round(float(np.mean(muts[early])), 1) if hasattr(strategy, "mutate") else "n/a",
        "mutations_late": round(float(np.mean(muts[late])), 1) if hasattr(strategy, "mutate") else "n/a",
        "total_s": round(time.perf_counter() - t_all, 1),
        "_times": times,
        "_strategy": strat,
    }


def part_growth(args: argparse.Namespace, out: Path, work: Path) -> list[dict[str, Any]]:
    import optuna
    import torch

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    data_dir = resolve_data_dir(args.data_dir)
    n = args.growth_trials
    if n < 120:
        raise SystemExit("--growth-trials: at least 120 (the first window is trials 90-110)")
    samplers = [x for x in args.growth_samplers.split(",") if x]
    for x in samplers:
        if x not in GROWTH_SAMPLERS:
            raise SystemExit(f"--growth-samplers: unknown {x!r} (choose from {', '.join(GROWTH_SAMPLERS)})")
    rows: list[dict[str, Any]] = []
    per_trial: list[dict[str, Any]] = []
    where = "SQLite" if args.growth_storage == "sqlite" else "in-memory"
    for space_name in [x for x in args.growth_spaces.split(",") if x]:
        if space_name not in ("nasbench201", "darts"):
            raise SystemExit(f"--growth-spaces: unknown {space_name!r} (nasbench201, darts)")
        space, score, objective = growth_space(space_name, data_dir)
        for name in samplers:
            storage = None
            if args.growth_storage == "sqlite":
                db = work / f"growth-{space_name}-{name}.db"
                db.unlink(missing_ok=True)
                storage = f"sqlite:///{db.resolve()}"
            row = growth_run(name, space, score, n, storage)
            times, strat = row.pop("_times"), row.pop("_strategy")
            row = {"space": space_name, "objective": objective, "storage": where, **row}
            rows.append(row)
            per_trial += [
                {
                    "space": space_name,
                    "sampler": name,
                    "trial": i,
                    "sampler_ms": round(t * 1e3, 4),
                    "strategy_ms": round(st * 1e3, 4),
                }
                for i, (t, st) in enumerate(zip(times, strat))
            ]
            print(json.dumps(row), flush=True)
    write_rows(out, "growth_trials", per_trial)
    write_rows(out, "growth", rows)
    lines = [
        "# Sampler time per trial as the study grows",
        "",
        f"Command: `{command_line()}`",
        "",
        f"One process, {where} storage, seed 0. Per trial: the time of `study.ask()` + `space.suggest(trial)` "
        "(total); of it, the time in the strategy's `propose` (the search itself: for evolution, "
        "mutations until one gives a cell no trial holds); the rest is the adapter's bookkeeping "
        "(history, reservation) and Optuna's own. Medians over trials 90-110 (early) and over the "
        f"last 10 (late); mutations: mean per trial. `optuna-random` is Optuna's `RandomSampler` in the same loop.",
        "",
        "| space | sampler | trials | total ms early | total ms late | ratio | strategy ms early | "
        "strategy ms late | rest ms early | rest ms late | rest ratio | mutations early | mutations late |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['space']} | {r['sampler']} | {r['trials']} | {r['total_ms_early']} | {r['total_ms_late']} | "
            f"{r['total_ratio']} | {r['strategy_ms_early']} | {r['strategy_ms_late']} | {r['rest_ms_early']} | "
            f"{r['rest_ms_late']} | {r['rest_ratio']} | {r['mutations_early']} | {r['mutations_late']} |"
        )
    (out / "growth.md").write_text("\n".join(lines) + "\n")
    return rows


# -- Ray Tune ----------------------------------------------------------------------------------
def make_trainable(log_path: str, sleep: float) -> Callable[[dict[str, Any]], None]:
    """A trainable that sleeps, reports a synthetic score of the cell, and logs the report."""

    def scale_trial(config: dict[str, Any]) -> None:
        import json as _json
        import os as _os
        import time as _time

        import ray
        from ray import tune

        from lso_sampler.spaces import NASBench201Space

        space = NASBench201Space()
        cell = space.from_params(config, strict=False)
        key = space.key(cell)
        ctx = ray.get_runtime_context()
        trial_id = tune.get_context().get_trial_id()
        with open(log_path, "a") as f:
            f.write(
                _json.dumps(
                    {
                        "event": "start",
                        "trial_id": trial_id,
                        "key": key,
                        "pid": _os.getpid(),
                        "node": ctx.get_node_id(),
                        "t": _time.time(),
                    }
                )
                + "\n"
            )
        _time.sleep(sleep)
        value = synthetic_score(cell, key)
        tune.report({"score": value, "cell_key": key})
        with open(log_path, "a") as f:
            f.write(_json.dumps({"event": "reported", "trial_id": trial_id, "key": key, "score": value}) + "\n")

    return scale_trial


def ray_driver_main(cfg: dict[str, Any]) -> None:
    """One driver process: a new Tuner (or ``Tuner.restore``) on the running cluster; writes the
    trials of the result grid to ``cfg["result"]``."""
    import ray
    from ray import tune

    ray.init(address=cfg["address"], log_to_driver=False, configure_logging=False)
    deadline = time.monotonic() + 120
    while sum(n["Alive"] for n in ray.nodes()) < cfg["nodes"] and time.monotonic() < deadline:
        time.sleep(0.5)
    trainable = make_trainable(cfg["log"], cfg["sleep"])
    if cfg["restore"]:
        tuner = tune.Tuner.restore(cfg["path"], trainable, resume_errored=True)
    else:
        from lso_sampler import ray_searchers
        from lso_sampler.spaces import NASBench201Space

        space = NASBench201Space()
        cls = getattr(ray_searchers, SEARCHER_CLASSES[cfg["searcher"]])
        searcher = cls(space, metric="score", mode="max", seed=0, **sampler_options(cfg["searcher"], cfg["cheap"]))
        tuner = tune.Tuner(
            trainable,
            param_space=space.to_tune(),
            tune_config=tune.TuneConfig(search_alg=searcher, num_samples=cfg["trials"], max_concurrent_trials=2),
            run_config=tune.RunConfig(
                name="scale",
                storage_path=cfg["storage_path"],
                verbose=0,
                failure_config=tune.FailureConfig(max_failures=cfg["max_failures"]),
            ),
        )
    results = tuner.fit()
    trials = []
    for r in results:
        metrics = r.metrics or {}
        trials.append(
            {
                "trial_id": metrics.get("trial_id") or Path(r.path).name,
                "key": metrics.get("cell_key"),
                "score": metrics.get("score"),
                "error": repr(r.error)[:300] if r.error else None,
            }
        )
    Path(cfg["result"]).write_text(json.dumps({"trials": trials}))
    ray.shutdown()


class RayCluster:
    """A head node and a second node started with ``ray start --block`` in their own process
    groups (stopped by killing those groups)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.head: subprocess.Popen | None = None
        self.node2: subprocess.Popen | None = None
        self.env = {**os.environ, "RAY_AUTH_MODE": "disabled", "OMP_NUM_THREADS": "1", "RAY_USAGE_STATS_ENABLED": "0"}

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _start(self, args: list[str], name: str) -> subprocess.Popen:
        out = open(self.root / f"{name}.out", "w")  # noqa: SIM115
        ports = [
            "--dashboard-agent-listen-port",
            str(free_port()),
            "--dashboard-agent-grpc-port",
            str(free_port()),
            "--runtime-env-agent-port",
            str(free_port()),
            "--metrics-export-port",
            str(free_port()),
        ]
        proc = subprocess.Popen(
            [
                "ray",
                "start",
                *args,
                "--num-cpus",
                "1",
                "--node-ip-address",
                "127.0.0.1",
                "--disable-usage-stats",
                *ports,
                "--block",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=self.env,
            start_new_session=True,
        )
        out.close()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if "Ray runtime started" in (self.root / f"{name}.out").read_text():
                return proc
            if proc.poll() is not None:
                raise RuntimeError(
                    f"ray start ({name}) exited {proc.returncode}: {(self.root / f'{name}.out').read_text()[-500:]}"
                )
            time.sleep(0.5)
        raise RuntimeError(f"ray start ({name}) did not start within 180 s")

    def start_head(self) -> None:
        self.head = self._start(
            [
                "--head",
                "--port",
                str(self.port),
                "--temp-dir",
                str(self.root / "ray"),
                "--include-dashboard",
                "false",
                "--dashboard-port",
                str(free_port()),
            ],
            "head",
        )

    def start_node2(self) -> None:
        self.node2 = self._start(["--address", self.address], "node2")

    @staticmethod
    def _kill_group(proc: subprocess.Popen | None, sig: int, members: dict[int, str] | None = None) -> None:
        """Signal the node's process group, and with SIGKILL every process descended from it
        (Ray starts its workers in process groups of their own), or those of ``members``
        (found earlier) that still run."""
        if proc is None:
            return
        if members is None:
            members = _group_and_descendants(proc.pid) if sig == signal.SIGKILL else {}
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        for pid, start in members.items():
            if _start_time(pid) == start:  # the same process, not a new one with its pid
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)

    def kill_node2(self) -> None:
        self._kill_group(self.node2, signal.SIGKILL)
        if self.node2 is not None:
            self.node2.wait()
        self.node2 = None

    def stop(self) -> None:
        members = {p.pid: _group_and_descendants(p.pid) for p in (self.node2, self.head) if p is not None}
        for proc in (self.node2, self.head):
            self._kill_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in (self.node2, self.head):
            if proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        for proc in (self.node2, self.head):  # what is left of the groups and their children
            if proc is not None:
                self._kill_group(proc, signal.SIGKILL, members[proc.pid])
        self.head = self.node2 = None


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip().endswith("}")]


def ray_scenario(args: argparse.Namespace, cluster: RayCluster, work: Path, name: str) -> dict[str, Any]:
    """``node``: kill node 2 mid-search (when a trial has just started there); ``driver``: kill
    the driver once Tune has saved its experiment state, and restore in a new driver."""
    d = work / name
    d.mkdir()
    log = d / "trials.jsonl"
    cfg = {
        "address": cluster.address,
        "nodes": 2,
        "log": str(log),
        "sleep": args.ray_sleep,
        "restore": False,
        "searcher": args.ray_searcher,
        "cheap": args.cheap,
        "trials": args.ray_trials,
        "storage_path": str(d / "tune"),
        "max_failures": args.ray_max_failures,
        "path": str(d / "tune" / "scale"),
        "result": str(d / "result.json"),
    }
    env = {**cluster.env}

    def driver(c: dict[str, Any], tag: str) -> subprocess.Popen:
        err = open(d / f"driver_{tag}.out", "w")  # noqa: SIM115
        p = subprocess.Popen(
            [sys.executable, str(SCRIPT), "--ray-driver", json.dumps(c)],
            stdout=err,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            cwd=str(SCRIPT.parents[1]),
        )
        err.close()
        return p

    def reported() -> list[dict[str, Any]]:
        return [e for e in read_jsonl(log) if e["event"] == "reported"]

    row: dict[str, Any] = {
        "scenario": "node 2 killed" if name == "node" else "driver killed, Tuner.restore",
        "searcher": args.ray_searcher + (" (cheap)" if args.cheap else ""),
        "trials": args.ray_trials,
    }
    t0 = time.perf_counter()
    proc = driver(cfg, "first")
    trigger = max(1, args.ray_trials // (3 if name == "node" else 2))
    fault = "not done"
    deadline = time.monotonic() + args.ray_timeout
    triggered: float | None = None
    while proc.poll() is None and time.monotonic() < deadline:
        if len(reported()) >= trigger:
            triggered = triggered or time.monotonic()
            if name == "node":
                # wait (at most 30 s) until a trial has just started on node 2, then kill the node
                starts = {e["trial_id"]: e for e in read_jsonl(log) if e["event"] == "start"}
                done = {e["trial_id"] for e in reported()}
                fresh = [e for t, e in starts.items() if t not in done and time.time() - e["t"] < args.ray_sleep / 2]
                on2 = [e for e in fresh if cluster.node2 and _descends(e["pid"], cluster.node2.pid)]
                if on2 or time.monotonic() > triggered + 30:  # else kill it anyway
                    cluster.kill_node2()
                    fault = f"node 2 SIGKILLed after {len(reported())} reports" + (
                        f", trial {on2[0]['trial_id']} running there" if on2 else ", no trial seen running there"
                    )
                    break
            else:
                state = list((d / "tune" / "scale").glob("experiment_state*.json"))
                if state:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    fault = f"driver SIGKILLed after {len(reported())} reports"
                    break
        time.sleep(0.1)
    if name == "driver" and proc.poll() is not None and fault == "not done":
        fault = f"not done: the driver exited ({proc.returncode}) before the trigger"
    second = None
    if name == "driver" and fault.startswith("driver SIGKILLed"):
        time.sleep(2)
        second = driver({**cfg, "restore": True}, "restore")
        proc = second
    finished = False
    try:
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        finished = proc.returncode == 0 and Path(cfg["result"]).exists()
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    row["fault"] = fault
    row["finished"] = finished
    row["driver_rc"] = proc.returncode
    row["wall_s"] = round(time.perf_counter() - t0, 1)
    rep = reported()
    rep_ids = Counter(e["trial_id"] for e in rep)
    row["reports"] = len(rep)
    row["rerun_same_id"] = sum(c - 1 for c in rep_ids.values())  # a trial id reported twice
    if finished:
        result = json.loads(Path(cfg["result"]).read_text())["trials"]
        ok = [t for t in result if t["key"] is not None and t["error"] is None]
        row["trials_in_results"] = len(result)
        row["completed"] = len(ok)
        row["errored"] = sum(t["error"] is not None for t in result)
        final_ids, final_keys = {t["trial_id"] for t in ok}, {t["key"] for t in ok}
        missing = {e["trial_id"]: e["key"] for e in rep if e["trial_id"] not in final_ids}
        # reported by the trainable, not in the final results: its cell evaluated again under a
        # new trial id, or its result gone
        row["rerun_new_id"] = sum(k in final_keys for k in missing.values())
        row["lost"] = sum(k not in final_keys for k in missing.values())
        keys = Counter(t["key"] for t in ok)
        row["repeated_cells"] = sum(c - 1 for c in keys.values())
        row["errors"] = "; ".join(sorted({t["error"][:120] for t in result if t["error"]}))[:400]
    else:
        row["rerun_new_id"] = row["lost"] = row["repeated_cells"] = "n/a"
        tail = (d / ("driver_restore.out" if second else "driver_first.out")).read_text()[-800:]
        row["errors"] = " ".join(tail.split())[-400:]
    row["nodes_used"] = len({e["node"] for e in read_jsonl(log) if e["event"] == "start"})
    return row


def _start_time(pid: int) -> str | None:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[19]
    except OSError:
        return None


def _group_and_descendants(group: int) -> dict[int, str]:
    """The processes of process group ``group`` and all their descendants (from /proc), with
    their start times."""
    parent: dict[int, int] = {}
    pgid: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry.name)], pgid[int(entry.name)] = int(fields[1]), int(fields[2])
    found = {pid for pid, g in pgid.items() if g == group}
    grew = True
    while grew:
        new = {pid for pid, ppid in parent.items() if ppid in found and pid not in found}
        found |= new
        grew = bool(new)
    return {pid: start for pid in sorted(found) if (start := _start_time(pid)) is not None}


def _descends(pid: int, group: int) -> bool:
    """Whether process ``pid`` or one of its ancestors is in process group ``group`` (a Ray
    worker is a child of its node's raylet)."""
    for _ in range(8):
        try:
            if os.getpgid(pid) == group:
                return True
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (ProcessLookupError, OSError):
            return False
        pid = int(stat.rsplit(")", 1)[1].split()[1])  # the field after the state: ppid
        if pid <= 1:
            return False
    return False


def part_ray(args: argparse.Namespace, out: Path, work: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    root = Path(tempfile.mkdtemp(prefix="lso-ray-"))  # short: Ray's socket paths must fit 107 bytes
    cluster = RayCluster(root)
    try:
        try:
            cluster.start_head()
            cluster.start_node2()
        except Exception as exc:
            rows.append({"scenario": "cluster", "finished": False, "errors": f"cluster not started: {exc}"})
        else:
            print(f"ray: head at {cluster.address}, node 2 started", flush=True)
            for name in args.ray_scenarios.split(","):
                if name not in ("node", "driver"):
                    raise SystemExit(f"--ray-scenarios: unknown scenario {name!r} (node, driver)")
                if name == "driver" and cluster.node2 is None:
                    cluster.start_node2()  # two nodes again for the restore scenario
                try:
                    rows.append(ray_scenario(args, cluster, work, name))
                except Exception as exc:
                    traceback.print_exc()
                    rows.append({"scenario": name, "finished": False, "errors": f"{type(exc).__name__}: {exc}"})
                print(json.dumps(rows[-1]), flush=True)
    finally:
        cluster.stop()
        if args.keep:  # the cluster's logs beside the work folder's
            with contextlib.suppress(Exception):
                shutil.copytree(
                    root,
                    work / "ray_cluster",
                    ignore=shutil.ignore_patterns("sockets", "*.sock"),
                    symlinks=True,
                    dirs_exist_ok=True,
                )
        shutil.rmtree(root, ignore_errors=True)
    write_rows(out, "ray", rows)
    cols = [
        "scenario",
        "searcher",
        "trials",
        "fault",
        "finished",
        "completed",
        "errored",
        "lost",
        "rerun_same_id",
        "rerun_new_id",
        "repeated_cells",
        "nodes_used",
        "wall_s",
        "errors",
    ]
    lines = [
        "# Ray Tune on a two-node cluster under faults",
        "",
        f"Command: `{command_line()}`",
        "",
        f"Head and second node with 1 CPU each on 127.0.0.1, `max_concurrent_trials=2`, "
        f"`FailureConfig(max_failures={args.ray_max_failures})`, trials sleep "
        f"{args.ray_sleep} s and report a synthetic score of the NAS-Bench-201 cell. lost: reported by the "
        "trainable, neither it nor its cell among the completed trials of the final result grid; re-run, same id: "
        "a trial id reported twice; re-run, new id: a reported trial missing from the results whose cell is there "
        "under another id; repeated cells: the same cell in two completed trials of the results.",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
    ]
    for r in rows:
        lines.append("| " + " | ".join(" ".join(str(r.get(c, "")).split()).replace("|", "/") for c in cols) + " |")
    (out / "ray.md").write_text("\n".join(lines) + "\n")
    return rows


# -- output ------------------------------------------------------------------------------------
def command_line() -> str:
    return "python benchmarks/scale.py " + " ".join(sys.argv[1:])


def write_rows(out: Path, name: str, rows: list[dict[str, Any]]) -> None:
    import pandas as pd

    pd.DataFrame(rows).to_csv(out / f"{name}.csv", index=False)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--part", default="optuna", help="optuna, growth, ray, or several with commas (default optuna)")
    p.add_argument("--out", default="benchmarks/results/scale", help="folder for <part>.csv and <part>.md")
    p.add_argument(
        "--data-dir",
        default=None,
        help="folder with nasbench201/ (default $LSO_SAMPLER_DATA); without: a synthetic objective",
    )
    p.add_argument(
        "--cheap",
        action="store_true",
        help="the samplers' registered test settings (small AG-Net, population 10) instead of defaults",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the kill schedule (the samplers always use seed 0)")
    p.add_argument("--keep", action="store_true", help="keep the work folder (worker logs, stores) in --out/work")
    g = p.add_argument_group("optuna part")
    g.add_argument("--workers", type=int, default=16, help="worker processes (default 16)")
    g.add_argument("--trials", type=int, default=480, help="trials in all, split over the workers (default 480)")
    g.add_argument(
        "--kills",
        type=int,
        default=12,
        help="SIGKILLs per run; the first three inside ask, the objective and tell, six reach every kill point "
        "(default 12)",
    )
    g.add_argument("--samplers", default="agnet,evolution", help="agnet, evolution (default both)")
    g.add_argument("--storages", default="postgresql,sqlite,journal", help="postgresql, sqlite, journal")
    g.add_argument("--trial-sleep", type=float, default=0.0, help="seconds each objective call sleeps (default 0)")
    g.add_argument(
        "--orphan-timeout",
        type=float,
        default=10.0,
        help="the workers' sampler.orphan_timeout: a trial killed before the sampler's first write is failed "
        "once a worker has seen it unchanged this many seconds (default 10, as the heartbeat's grace; the "
        "sampler's own default is 600)",
    )
    g.add_argument("--heartbeat", type=int, default=2, help="RDB heartbeat interval in s (default 2; 0: none)")
    g.add_argument("--grace", type=int, default=10, help="RDB heartbeat grace period in s (default 10)")
    g.add_argument(
        "--fail-orphans",
        action="store_true",
        help="after each kill, fail the killed worker's trials (README's recipe for journal files)",
    )
    g.add_argument(
        "--no-baseline",
        dest="baseline",
        action="store_false",
        help="skip the 1-worker run (no kills) the wall time is compared with",
    )
    g.add_argument(
        "--hold-timeout",
        type=float,
        default=300,
        help="seconds to wait for a worker to reach a kill point before trying another",
    )
    g.add_argument("--case-timeout", type=float, default=6 * 3600, help="seconds per run before it is stopped")
    g = p.add_argument_group("growth part")
    g.add_argument("--growth-trials", type=int, default=5000, help="trials of the one study (default 5000)")
    g.add_argument("--growth-storage", choices=["memory", "sqlite"], default="memory")
    g.add_argument(
        "--growth-samplers",
        default=",".join(GROWTH_SAMPLERS),
        help=f"samplers of the growth part, with commas (default {','.join(GROWTH_SAMPLERS)})",
    )
    g.add_argument(
        "--growth-spaces", default="nasbench201,darts", help="nasbench201, darts, or both with a comma (default both)"
    )
    g = p.add_argument_group("ray part")
    g.add_argument("--ray-trials", type=int, default=64, help="num_samples of each search (default 64)")
    g.add_argument("--ray-searcher", choices=sorted(SEARCHER_CLASSES), default="agnet")
    g.add_argument("--ray-sleep", type=float, default=1.0, help="seconds each trial sleeps (default 1)")
    g.add_argument("--ray-scenarios", default="node,driver", help="node (kill node 2), driver (kill it, Tuner.restore)")
    g.add_argument(
        "--ray-max-failures", type=int, default=0, help="FailureConfig(max_failures=...) of the run (Tune's default 0)"
    )
    g.add_argument("--ray-timeout", type=float, default=1800, help="seconds per scenario before it is stopped")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--ray-driver", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker_main(json.loads(args.worker))
        return
    if args.ray_driver:
        ray_driver_main(json.loads(args.ray_driver))
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="lso-scale-"))

    def stop(signum: int, frame: Any) -> None:  # SIGTERM: clean up as on Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    parts = {"optuna": part_optuna, "growth": part_growth, "ray": part_ray}
    try:
        for part in args.part.split(","):
            if part not in parts:
                raise SystemExit(f"--part: unknown part {part!r} (optuna, growth, ray)")
            parts[part](args, out, work)
            print(f"wrote {out / (part + '.csv')}, {out / (part + '.md')}", flush=True)
    finally:
        if args.keep:
            shutil.copytree(work, out / "work", dirs_exist_ok=True, ignore_dangling_symlinks=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
