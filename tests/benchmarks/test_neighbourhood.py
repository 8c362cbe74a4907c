"""``benchmarks/neighbourhood.py --escape``: the better cells around a run's best, by edit distance."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

from lso_sampler.benchmarks.nasbench201 import NASBench201
from lso_sampler.spaces import NASBench201Space

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "neighbourhood.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def _queries(path: Path, bench: NASBench201, cells: list) -> Path:  # type: ignore[type-arg]
    space = bench.space
    rows = []
    for i, cell in enumerate(cells):
        r = bench.query(cell)
        rows.append({"sampler": "s", "seed": 0, "query": i + 1, "cell_key": space.key(cell),
                     "search_value": r.search_value})  # fmt: skip
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_escape_needs_the_data(tmp_path: Path) -> None:
    done = _run(str(tmp_path / "queries.csv"), "--escape", "s:0")
    assert done.returncode == 2 and "--escape: give --data-dir" in done.stderr


def test_escape_counts_the_better_cells_by_distance(data_dir: Path, tmp_path: Path) -> None:
    bench = NASBench201("cifar10", data_dir=str(data_dir))
    space = NASBench201Space()
    cells = [space.sample(i) for i in range(5)]
    best = max(cells, key=lambda c: bench.query(c).search_value)
    top = bench.query(best).search_value
    here = space.to_params(best, "categorical")
    want: dict[int, int] = {}
    for cell in space.enumerate():
        if bench.query(cell).search_value > top:
            p = space.to_params(cell, "categorical")
            d = sum(p[k] != here[k] for k in p)
            want[d] = want.get(d, 0) + 1
    done = _run(str(_queries(tmp_path / "q.csv", bench, cells)), "--escape", "s:0", "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    m = re.search(r"s:0: best [\d.]+ at query \d+; (\d+) cells are better, by edit distance: (.*)", done.stdout)
    assert m is not None, done.stdout
    assert int(m.group(1)) == sum(want.values())
    assert m.group(2).strip() == ", ".join(f"{d}: {n}" for d, n in sorted(want.items()))
