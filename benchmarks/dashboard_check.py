"""Check that optuna-dashboard serves the ``architecture`` user attribute of each trial.

Runs a small NAS-Bench-201 study with :class:`~lso_sampler.RegularizedEvolutionSampler` on
a temporary SQLite storage, starts ``optuna-dashboard sqlite:///...`` on 127.0.0.1 on a
free port, reads the study's trials from the dashboard's JSON API
(``/api/studies`` and ``/api/studies/<id>``) and asserts that every trial's user
attribute ``architecture`` is served and equals ``space.describe(cell)`` of its
parameters; the dashboard is stopped afterwards.

optuna-dashboard is not a dependency of lso-sampler; install it to run this check::

    pip install optuna-dashboard
    python benchmarks/dashboard_check.py          # prints "ok: ..." or fails

Example:
    $ python benchmarks/dashboard_check.py --trials 8
    ok: optuna-dashboard 0.21.0 serves the architecture of all 8 trials, e.g. |...|
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import optuna

from lso_sampler import RegularizedEvolutionSampler
from lso_sampler.spaces import NASBench201Space


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(url: str, timeout: float = 60.0) -> Any:
    """GET ``url`` as JSON, retrying while the server starts (up to ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return json.loads(resp.read().decode())
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def check(n_trials: int = 8, timeout: float = 60.0) -> str:
    """Run the study, serve it with optuna-dashboard and check the served attribute.

    Args:
        n_trials: Trials of the study.
        timeout: Seconds to wait for the dashboard to answer.

    Returns:
        A one-line summary.

    Raises:
        RuntimeError: when the ``optuna-dashboard`` command is not installed.
        AssertionError: when a trial's architecture is missing or differs.
    """
    exe = shutil.which("optuna-dashboard")
    if exe is None:
        raise RuntimeError("optuna-dashboard is not installed: pip install optuna-dashboard")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = NASBench201Space()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'study.db'}"
        study = optuna.create_study(
            storage=url, study_name="dashboard-check", direction="maximize",
            sampler=RegularizedEvolutionSampler(space, seed=0),
        )
        study.optimize(lambda t: float(sum("conv" in op for op in space.suggest(t).ops)), n_trials=n_trials)
        expected = {t.number: space.describe(space.from_params(t.params)) for t in study.trials}

        port = free_port()
        proc = subprocess.Popen(
            [exe, url, "--host", "127.0.0.1", "--port", str(port), "--quiet"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            listing = get_json(f"{base}/api/studies", timeout)
            studies = listing.get("studies", listing.get("study_summaries", []))  # the key's name varies
            (sid,) = [s["study_id"] for s in studies if s["study_name"] == "dashboard-check"]
            trials = get_json(f"{base}/api/studies/{sid}", timeout)["trials"]
            served = {
                t["number"]: {a["key"]: a["value"] for a in t["user_attrs"]}.get("architecture") for t in trials
            }
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert served == expected, f"served {served}, expected {expected}"
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    return f"ok: optuna-dashboard {version} serves the architecture of all {len(served)} trials, e.g. {served[0]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8, help="trials of the study (default 8)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the dashboard")
    args = parser.parse_args(argv)
    print(check(args.trials, args.timeout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
