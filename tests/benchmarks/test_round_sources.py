"""``benchmarks/round_sources.py``: where the graph VAE's and CR-LSO's proposed cells come from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "round_sources.py"


def test_counts_each_rounds_decodes_and_neighbours(data_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    args = ["--benchmark", "nasbench201:cifar10", "--seeds", "1", "--budget", "24", "--data-dir", str(data_dir)]
    done = subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = [line.strip("|").split("|") for line in done.stdout.splitlines() if line.startswith("| graph-vae |")
            or line.startswith("| convex-lso |")]  # fmt: skip
    assert [r[0].strip() for r in rows] == ["graph-vae", "convex-lso"]
    for r in rows:
        after, decodes, neighbours = int(r[1]), int(r[2]), int(r[4])
        # one model round after the 16 random cells, of which the first 8 were queried
        assert after == 16 and decodes + neighbours == 8
        assert 80.0 < float(r[6]) < 92.0  # best validation accuracy by 32 (here by 24)
