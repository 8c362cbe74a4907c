"""``benchmarks/latent_predictiveness.py``: how well a graph VAE's latent space predicts values from few cells."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "latent_predictiveness.py"


def _run(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    args = ["--benchmark", "nasbench201:cifar10", "--seeds", "2", "--train", "8", "--train-large", "12"]
    args += ["--test", "40", "--data-dir", str(data_dir), "--strategies", "graph-vae"]
    return subprocess.run([sys.executable, str(SCRIPT), *args, *extra], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)  # fmt: skip


def _table(stdout: str) -> dict[str, str]:
    rows = [line.strip("|").split("|") for line in stdout.splitlines() if line.startswith("| ")]
    return {r[0].strip(): r[1].strip() for r in rows[1:]}


def test_scores_each_prediction_on_the_test_cells(data_dir: Path) -> None:
    done = _run(data_dir)
    assert done.returncode == 0, done.stderr
    table = _table(done.stdout)
    assert set(table) == {
        "ridge on z, 8 cells", "ridge on op counts, 8 cells", "ridge on z, 12 cells",
        "ridge on op counts, 12 cells", "graph-vae f, 8 cells", "graph-vae f on its 8 training cells",
        "op counts from z (linear R^2)",
    }  # fmt: skip
    for name, cell in table.items():
        if "R^2" in name:
            assert float(cell) <= 1.0
            continue
        mean, std = (float(x) for x in cell.split("±"))
        assert -1.0 <= mean <= 1.0 and 0.0 <= std <= 1.0
    # the shipped NAS-Bench-201 VAE's latent predicts CIFAR-10 accuracy from a dozen cells
    assert float(table["ridge on z, 12 cells"].split("±")[0]) > 0.2
    # a round fits the cells it was trained on better than it predicts unseen ones
    assert float(table["graph-vae f on its 8 training cells"].split("±")[0]) > 0.5


def test_reads_weights_from_a_pretraining_folder(data_dir: Path, tmp_path: Path) -> None:
    from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
    from lso_sampler.models.pretrain import vae_pretrained_name
    from lso_sampler.spaces import NASBench201Space

    space = NASBench201Space()
    config = GraphVAEConfig(encoder_readout="concat+sum").for_space(space)
    torch.manual_seed(0)
    name = vae_pretrained_name(space, config, 7)
    torch.save(GraphVAE(space, config).vae_state_dict(), tmp_path / name)
    entry = {"file": name, "kind": "gvae-dvae", "space": "nasbench201", "steps": 7, "encoder_readout": "concat+sum"}
    (tmp_path / "manifest.json").write_text(json.dumps({"weights": [entry]}))
    done = _run(data_dir, "--vae", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "'encoder_readout': 'concat+sum'} (7 steps)" in done.stdout
    # the folder's weights, not a fresh pretraining (which would have cached its file there)
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted([name, "manifest.json"])
    assert len(_table(done.stdout)) == 7
    # an entry whose steps do not name its file: refused, not pretrained anew into the folder
    (tmp_path / "manifest.json").write_text(json.dumps({"weights": [{**entry, "steps": 8}]}))
    done = _run(data_dir, "--vae", str(tmp_path))
    assert done.returncode != 0 and "--vae: " in done.stderr and "pretrain it with tools/pretrain_vae.py" in done.stderr
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted([name, "manifest.json"])
    (tmp_path / "manifest.json").unlink()
    done = _run(data_dir, "--vae", str(tmp_path))
    assert done.returncode != 0 and "--vae: " in done.stderr and "has no manifest.json" in done.stderr


def test_teacher_rows_and_the_teacher_map_strategies(data_dir: Path) -> None:
    done = _run(data_dir, "--teacher", "--strategies", "graph-vae-teacher,graph-vae-teacher-pcs")
    assert done.returncode == 0, done.stderr
    table = _table(done.stdout)
    for n in (8, 12):
        assert f"ridge on z mapped to the teacher's 10 PCs, {n} cells" in table
        assert f"ridge on the teacher's 10 PCs (no map), {n} cells" in table
    assert "graph-vae-teacher f, 8 cells" in table and "graph-vae-teacher-pcs f, 8 cells" in table
    # NAS-Bench-201's shipped VAE is the gated-sum teacher itself: the map recovers it whole
    assert float(table["the teacher's 10 PCs from z (the map's R^2)"]) >= 0.99
    done = _run(data_dir, "--strategies", "graph-vae,no-such")
    assert done.returncode != 0 and "--strategies: unknown ['no-such']" in done.stderr
