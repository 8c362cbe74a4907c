"""``benchmarks/vae_teacher_probe.py``: pretraining with the teacher loss writes loadable folders, repeatably."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "vae_teacher_probe.py"


def _run(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    args = ["--space", "nasbench201", "--set", "encoder_readout=concat", "--steps", "6", "--every", "3"]
    args += ["--batch-size", "16", "--lr", "0.01", "--out", str(out), *extra]
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)  # fmt: skip


@pytest.mark.slow
def test_writes_a_folder_per_checkpoint_that_latent_predictiveness_loads(tmp_path: Path) -> None:
    from benchmarks.latent_predictiveness import vae_options
    from lso_sampler.spaces import NASBench201Space

    done = _run(tmp_path / "a")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [row["step"] for row in lines] == [3, 6]
    assert all(row["teacher"] > 0 and row["rec"] > 0 and 0 <= row["exact"] <= 1 for row in lines)
    cache = os.environ.get("LSO_SAMPLER_CACHE")
    try:
        encoder, options, steps = vae_options(tmp_path / "a" / "s6", NASBench201Space())
    finally:  # vae_options points the weight cache at the folder
        if cache is None:
            os.environ.pop("LSO_SAMPLER_CACHE", None)
        else:
            os.environ["LSO_SAMPLER_CACHE"] = cache
    assert (encoder, steps, options["encoder_readout"]) == ("dvae", 6, "concat")
    # the same arguments give the same weights; another teacher weight other weights
    again = _run(tmp_path / "b")
    other = _run(tmp_path / "c", "--lam", "0")
    assert again.returncode == 0 and other.returncode == 0, again.stderr + other.stderr
    (name,) = [p.name for p in (tmp_path / "a" / "s6").glob("*.pt")]
    a, b, c = (torch.load(tmp_path / d / "s6" / name, weights_only=True) for d in "abc")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_refuses_an_unknown_option(tmp_path: Path) -> None:
    done = _run(tmp_path, "--set", "beta=1")
    assert done.returncode != 0 and "--set: 'beta' is not one of" in done.stderr


@pytest.mark.slow
def test_a_run_in_pieces_ends_as_one_and_a_folder_starts_another(tmp_path: Path) -> None:
    whole = _run(tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr
    state = tmp_path / "state.pt"
    first = _run(tmp_path / "pieces", "--checkpoint", str(state), "--steps", "3")  # the last --steps wins
    assert first.returncode == 0 and state.is_file() and not (tmp_path / "pieces" / "s6").exists(), first.stderr
    second = _run(tmp_path / "pieces", "--checkpoint", str(state))  # steps 4-6
    assert second.returncode == 0 and "resuming from step 3" in second.stdout, second.stderr
    assert [json.loads(line)["step"] for line in second.stdout.splitlines() if line.startswith("{")] == [6]
    (name,) = [p.name for p in (tmp_path / "whole" / "s6").glob("*.pt")]
    a, b = (torch.load(tmp_path / d / "s6" / name, weights_only=True) for d in ("whole", "pieces"))
    assert all(torch.equal(a[k], b[k]) for k in a)
    # other arguments than the checkpoint's are refused
    other = _run(tmp_path / "pieces", "--checkpoint", str(state), "--lam", "2")
    assert other.returncode != 0 and "--checkpoint:" in other.stderr
    # a folder goes on at its step, with the options of its manifest
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    args = ["--space", "nasbench201", "--init", str(tmp_path / "whole" / "s3"), "--steps", "3", "--every", "3"]
    more = subprocess.run([sys.executable, str(SCRIPT), *args, "--batch-size", "16", "--out", str(tmp_path / "more")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert more.returncode == 0, more.stderr
    assert [json.loads(line)["step"] for line in more.stdout.splitlines() if line.startswith("{")] == [6]
    manifest = json.loads((tmp_path / "more" / "s6" / "manifest.json").read_text())
    assert manifest["weights"][0]["encoder_readout"] == "concat"
    refused = subprocess.run([sys.executable, str(SCRIPT), "--space", "darts", "--init", str(tmp_path / "whole" / "s3"),
                              "--out", str(tmp_path / "x")], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=600)  # fmt: skip
    assert refused.returncode != 0 and "--init:" in refused.stderr
