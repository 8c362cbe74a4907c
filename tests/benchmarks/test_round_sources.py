"""``benchmarks/round_sources.py``: where the graph VAE's and CR-LSO's proposed cells come from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "round_sources.py"


def _rows(data_dir: Path, *extra: str) -> list[list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    args = ["--benchmark", "nasbench201:cifar10", "--seeds", "1", "--budget", "24", "--data-dir", str(data_dir)]
    done = subprocess.run([sys.executable, str(SCRIPT), *args, *extra], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [line.strip().strip("|").split("|") for line in done.stdout.splitlines() if line.startswith("| graph-vae |")
            or line.startswith("| convex-lso |")]  # fmt: skip


def test_counts_each_rounds_decodes_and_neighbours(data_dir: Path) -> None:
    rows = _rows(data_dir)
    assert [r[0].strip() for r in rows] == ["graph-vae", "convex-lso"]
    for r in rows:
        after, decodes, neighbours = int(r[1]), int(r[2]), int(r[5])
        # one model round after the 16 random cells, of which the first 8 were queried
        assert after == 16 and decodes + neighbours == 8
        # the means of all the round's decodes and neighbours, looked up for every candidate
        assert all(40.0 < float(r[i]) < 92.0 for i in (4, 7))
        assert all(-1.0 <= float(r[i]) <= 1.0 for i in (8, 9))  # the model's rank correlations
        assert 80.0 < float(r[10]) < 92.0  # best validation accuracy by 32 (here by 24)
    # with --heads: CR-LSO alone, the same search (the MLP heads only watch), and how they rank
    heads = _rows(data_dir, "--heads")
    assert len(heads) == 1 and [c.strip() for c in heads[0][:11]] == [c.strip() for c in rows[1]]
    assert all(-1.0 <= float(heads[0][i]) <= 1.0 for i in (11, 12))
    # the mean value of the round's best candidates by the ICNN and by the heads
    assert all(40.0 < float(heads[0][i]) < 92.0 for i in (13, 14, 15, 16))
    assert float(heads[0][15]) >= float(heads[0][13]) and float(heads[0][16]) >= float(heads[0][14])  # best >= mean
