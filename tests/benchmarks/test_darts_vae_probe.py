"""``benchmarks/darts_vae_probe.py``: the DARTS VAE's per-part decoding accuracy, with model variants."""

from __future__ import annotations

import json
import sys

import torch

from tests.benchmarks import ROOT, run_script

sys.path.insert(0, str(ROOT))

from benchmarks.darts_vae_probe import VARIANTS, build, measure  # noqa: E402


def test_unknown_variant_is_refused() -> None:
    done = run_script("darts_vae_probe.py", "--variants", "encoder-positions,wider")
    assert done.returncode == 2 and "--variants: unknown ['wider']" in done.stderr


def test_prints_one_measure_per_interval() -> None:
    done = run_script("darts_vae_probe.py", "--steps", "2", "--every", "1", "--variants", "source-latent")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["step"] for r in rows] == [1, 2]
    for r in rows:
        assert 0.0 <= r["normal"] <= 1.0 and 0.0 <= r["reduce"] <= 1.0 and r["exact"] == 0.0


def test_each_variant_changes_the_model() -> None:
    shipped = build(set(), 16, 8)
    cells = [shipped.space.sample(i) for i in range(4)]
    tensors = shipped.tensors(cells)
    torch.manual_seed(1)
    base = shipped.vae_loss(*tensors, sample=False)[0]
    for variant in VARIANTS:
        model = build({variant}, 16, 8)
        torch.manual_seed(1)
        loss = model.vae_loss(*tensors, sample=False)[0]
        assert torch.isfinite(loss).all()
        assert not torch.allclose(loss, base), variant  # same weights, other computation
        assert set(measure(model, cells[:2])) == {"normal", "reduce", "exact"}


def test_each_half_trains_its_own_half_with_the_mlp_as_the_other() -> None:
    from benchmarks.darts_vae_probe import Halves, train_half

    for half, kept, left in (("encoder", "encoder.", "decoder."), ("decoder", "decoder.", "encoder.")):
        model = build({"concat-readout", "index-logits"}, 16, 8)
        before = {k: v.clone() for k, v in model.state_dict().items()}
        halves = Halves(model, half)
        measured: list[int] = []
        train_half(halves, 2, measured.append)
        after = model.state_dict()
        assert measured == [1, 2]
        assert any(not torch.equal(before[k], after[k]) for k in after if k.startswith(kept)), half
        assert all(torch.equal(before[k], after[k]) for k in after if k.startswith(left)), half
        cells = [model.space.sample(i) for i in range(3)]
        row = measure(model, cells, halves)
        assert set(row) == {"normal", "reduce", "exact"} and 0.0 <= row["normal"] <= 1.0


def test_half_runs_from_the_command_line() -> None:
    done = run_script(
        "darts_vae_probe.py", "--steps", "1", "--every", "1", "--half", "decoder", "--variants", "index-logits"
    )
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["step"] for line in done.stdout.splitlines()] == [1]
