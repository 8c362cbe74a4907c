"""``benchmarks/one_run.py``: one harness run for one seed, by name or plug-in spec, reports the
best cell that run found."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lso_sampler.compare.running import run_one

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "one_run.py"


def _run(data_dir: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--data-dir", str(data_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_named_sampler_reports_the_harness_run(data_dir: Path) -> None:
    out = _run(data_dir, "random", "--seed", "3", "--budget", "12")
    best = run_one("nasbench201:cifar10", "random", 3, 12, data_dir=str(data_dir)).rows
    top = max(r["search_value"] for r in best)
    first = min(r["query"] for r in best if r["search_value"] == top)
    m = re.search(r"random seed 3, 12 queries, 1 in flight: best search value ([\d.]+) .* first at query (\d+);", out)
    assert m is not None, out
    assert abs(float(m.group(1)) - top) < 1e-3 and int(m.group(2)) == first


@pytest.mark.slow
def test_plugin_spec_with_trials_in_flight(data_dir: Path) -> None:
    out = _run(data_dir, "agnet-stall=benchmarks.levers:agnet_stall", "--seed", "0", "--budget", "14",
               "--in-flight", "2")  # fmt: skip
    assert out.startswith("agnet-stall seed 0, 14 queries, 2 in flight: best search value ")
