"""``benchmarks/vae_memorise.py``: a space's graph VAE trained on a few fixed cells."""

from __future__ import annotations

from tests.benchmarks import run_script


def test_learns_a_few_nasbench201_cells() -> None:
    done = run_script("vae_memorise.py", "--space", "nasbench201", "--cells", "8", "--steps", "300", "--every", "150")
    assert done.returncode == 0, done.stderr
    rows = [line.strip("|").split("|") for line in done.stdout.splitlines() if line[:3] in ("| 1", "| 3")]
    assert [int(r[0]) for r in rows] == [150, 300]
    right, exact = float(rows[-1][2]), float(rows[-1][3])
    assert right > 0.9 and exact >= 0.75  # 8 cells are learnt within 300 steps


def test_unknown_space_is_refused() -> None:
    done = run_script("vae_memorise.py", "--space", "nasbench1000")
    assert done.returncode == 2 and "--space" in done.stderr
