"""``benchmarks/vae_restart_probe.py``: pretraining gone on from a checkpoint with the
learning rate started again, and the ``lr_schedule`` of the pretraining loop it uses."""

from __future__ import annotations

import torch

from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.models.pretrain import RECIPES, pretrain_vae
from lso_sampler.spaces import NASBench201Space
from tests.benchmarks import run_script


def _tiny() -> GraphVAE:
    torch.manual_seed(0)
    space = NASBench201Space()
    return GraphVAE(space, GraphVAEConfig(hidden_dim=8, latent_dim=4).for_space(space))


def test_a_schedule_sets_the_learning_rate_of_every_step() -> None:
    halving, scheduled, frozen = _tiny(), _tiny(), _tiny()
    before = {k: v.clone() for k, v in frozen.vae_state_dict().items()}
    pretrain_vae(halving, steps=3, batch_size=4, lr=1e-3, halve_every=2)
    pretrain_vae(scheduled, steps=3, batch_size=4, lr_schedule=lambda step: 1e-3 * 0.5 ** (step // 2))
    pretrain_vae(frozen, steps=3, batch_size=4, lr_schedule=lambda step: 0.0)
    for key, value in halving.vae_state_dict().items():
        assert torch.equal(value, scheduled.vae_state_dict()[key]), key
    assert all(torch.equal(v, before[k]) for k, v in frozen.vae_state_dict().items())
    assert any(not torch.equal(v, before[k]) for k, v in halving.vae_state_dict().items())


def test_the_probe_goes_on_from_a_checkpoint_at_the_restarted_rate(tmp_path) -> None:
    model = _tiny()
    states: list[dict] = []
    pretrain_vae(model, steps=2, batch_size=4, snapshot=states.append, snapshot_every=2)
    saved = {"item": "dvae:nasbench201", "recipe": RECIPES["gvae"], "config": model.config.vae_dict()}
    torch.save({**saved, "state": states[-1], "curve": [], "train_seconds": 0.0}, tmp_path / "ckpt.pt")
    args = ("--lr", "1e-3", "--halve-every", "1", "--max-steps", "4", "--eval-every", "1")
    done = run_script("vae_restart_probe.py", str(tmp_path / "ckpt.pt"), *args, "--out", str(tmp_path / "w"))
    assert done.returncode == 0, done.stderr
    assert "from step 2, learning rate 0.001 halved every 1" in done.stdout
    assert "step 3: lr 0.001, validation reconstruction" in done.stdout
    assert "step 4: lr 0.0005, validation reconstruction" in done.stdout
    assert "stopped at step 4: test reconstruction" in done.stdout
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == ["step3.pt", "step4.pt"]
    refused = run_script("vae_restart_probe.py", str(tmp_path / "ckpt.pt"), "--lr", "1e-3", "--halve-every", "1",
                         "--max-steps", "2")  # fmt: skip
    assert refused.returncode != 0 and "the checkpoint is at step 2" in refused.stderr
