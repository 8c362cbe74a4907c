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


@pytest.mark.slow
def test_ray_tune_nas(tmp_path: Path) -> None:
    pytest.importorskip("ray.tune")
    out = _run("ray_tune_nas.py", "--samples", "8", "--n-startup-trials", "4", "--storage", str(tmp_path))
    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    assert lines["trials"] == "8" and lines["errors"] == "0" and lines["distinct_cells"] == "8"
    assert 0 < float(lines["best_valid_acc"]) <= 100
    assert (tmp_path / "agnet-nasbench-graph").is_dir()


def _runs(out: str) -> dict[str, tuple[float, float, int]]:
    """sampler -> (best valid, its test, pruned) from an example's per-run lines."""
    runs = {}
    for line in out.splitlines():
        if " seed 0: best valid " in line:
            parts = line.split()
            runs[parts[0]] = (float(parts[5]), float(parts[7]), int(parts[9].split("/")[0]))
    return runs


@pytest.mark.slow
def test_search_on_your_data() -> None:
    pytest.importorskip("sklearn")
    out = _run("search_on_your_data.py", "--trials", "20", "--seeds", "1", "--epochs", "2", "--samplers", "agnet,tpe")
    runs = _runs(out)
    assert set(runs) == {"agnet", "tpe"}  # 20 trials: AG-Net's 10 random cells, then model rounds
    for valid, test, pruned in runs.values():
        assert 0.5 < valid <= 1.0 and 0.5 < test <= 1.0  # digits: any working cell beats chance (0.1)
        assert 0 <= pruned < 20
    assert "Comparison" in out
    from lso_sampler import NASBench201Space

    best = out.split("Best cell overall: ")[1].split()[0]
    assert NASBench201Space().from_arch_str(best)  # a real cell of the space


@pytest.mark.slow
def test_graph_nas() -> None:
    out = _run("graph_nas.py", "--trials", "20", "--seeds", "1", "--epochs", "10", "--samplers", "agnet,tpe")
    runs = _runs(out)
    assert set(runs) == {"agnet", "tpe"}
    for valid, test, _ in runs.values():
        assert 0.2 < valid <= 1.0 and 0.2 < test <= 1.0  # 5 classes: chance is 0.2
    assert "contextual SBM graph: 1000 nodes" in out and "Best cell overall: link " in out
