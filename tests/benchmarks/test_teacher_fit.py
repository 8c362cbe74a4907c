"""``benchmarks/teacher_fit.py``: how closely a graph VAE's teacher map gives the teacher's latent."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import torch

from tests.benchmarks import ROOT, run_script

sys.path.insert(0, str(ROOT))

from benchmarks.teacher_fit import load  # noqa: E402
from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig  # noqa: E402
from lso_sampler.spaces import DartsSpace  # noqa: E402


def test_the_shipped_darts_map_gives_the_teachers_latent_on_unseen_cells() -> None:
    done = run_script("teacher_fit.py", "darts", "--cells", "100", "--show", "3")
    assert done.returncode == 0, done.stderr
    total = float(re.search(r"R\^2 ([0-9.]+) over all components", done.stdout).group(1))
    assert 0.9 < total <= 1.0  # pretrained for it; an untrained map gives about 0
    per = done.stdout.splitlines()[1].split(":")[1].split()
    assert len(per) == 3


def test_a_checkpoint_loads_at_its_step_and_a_space_without_a_map_is_refused(tmp_path) -> None:
    space = DartsSpace()
    config = GraphVAEConfig(hidden_dim=8, latent_dim=4, teacher_pcs=4).for_space(space)
    model = GraphVAE(space, config)
    options = {k: getattr(config, k) for k in ("encoder", "latent_dim", "hidden_dim", "teacher_pcs", "teacher_whiten")}
    state = {"item": "dvae:darts", "config": options, "state": {"step": 7, "model": model.state_dict()}}
    torch.save(state, tmp_path / "ckpt.pt")
    name, loaded, label = load(tmp_path / "ckpt.pt")
    assert name == "darts" and label == "7 steps" and loaded.teacher is not None
    assert torch.equal(loaded.teacher.weight, model.teacher.weight)
    with pytest.raises(SystemExit, match="no teacher map"):
        load(Path("nasbench201"))
