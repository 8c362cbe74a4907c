"""The examples run as documented (with tiny budgets), each in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(script: str, *args: str, timeout: int = 600) -> str:
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_ray_tune_nas(tmp_path: Path) -> None:
    pytest.importorskip("ray.tune")
    out = _run("ray_tune_nas.py", "--samples", "8", "--num-init", "4", "--storage", str(tmp_path))
    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    assert lines["trials"] == "8" and lines["errors"] == "0" and lines["distinct_cells"] == "8"
    assert 0 < float(lines["best_valid_acc"]) <= 100
    assert (tmp_path / "agnet-nasbench-graph").is_dir()
