"""One pretraining path for every generative model: shipped weights are found under stable
names, first-use pretraining depends on the name's key alone and is cached."""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import torch

import lso_sampler
from lso_sampler.models import pretrain
from lso_sampler.models.agnet import AGNetConfig
from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.spaces import BUILTIN_SPACES, DAGSpace, NASBench201Space
from lso_sampler.strategies import AGNet, GraphVAESearch

ROOT = Path(__file__).resolve().parents[2]
AGNET_STEPS = inspect.signature(AGNet.__init__).parameters["pretrain_steps"].default

#: The (space, encoder) pairs with shipped graph-VAE weights: every built-in space with the
#: default encoder, NAS-Bench-201 with every encoder.
SHIPPED_VAES = [(name, "dvae") for name in BUILTIN_SPACES] + [
    ("nasbench201", "svge"),
    ("nasbench201", "gin"),
]


def _vae_name(space, config) -> str:
    steps, recipe = pretrain.default_vae_steps(space, config)
    return pretrain.weights_name(f"gvae-{config.encoder}", space, config.for_space(space).vae_dict(), steps, recipe)


def _shipped_files() -> set[str]:
    folder = resources.files("lso_sampler.models").joinpath("pretrained")
    return {p.name for p in folder.iterdir() if p.name.endswith(".pt")}


@pytest.fixture
def no_pretraining(tmp_path, monkeypatch):
    """An empty user cache, and pretraining that fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("pretrained instead of loading shipped weights")

    monkeypatch.setenv("LSO_SAMPLER_CACHE", str(tmp_path))
    monkeypatch.setattr(pretrain, "pretrain_generator", refuse)
    monkeypatch.setattr(pretrain, "pretrain_vae", refuse)
    yield tmp_path
    assert not any(tmp_path.iterdir())  # nothing written to the cache


@pytest.mark.parametrize("space_name", list(BUILTIN_SPACES))
def test_default_agnet_generators_are_shipped(space_name: str, no_pretraining) -> None:
    space = BUILTIN_SPACES[space_name]()
    model = pretrain.load_or_pretrain(space, AGNetConfig(), AGNET_STEPS)
    assert not model.training
    assert pretrain.pretrained_name(space, AGNetConfig(), AGNET_STEPS) in _shipped_files()


@pytest.mark.parametrize(("space_name", "encoder"), SHIPPED_VAES)
def test_default_graph_vaes_are_shipped(space_name: str, encoder: str, no_pretraining) -> None:
    space = BUILTIN_SPACES[space_name]()
    config = GraphVAEConfig(encoder=encoder)
    assert inspect.signature(GraphVAESearch.__init__).parameters["pretrain_steps"].default is None
    entry = pretrain.shipped_entry(f"gvae-{encoder}", space, config.for_space(space).vae_dict())
    assert entry is not None and entry["file"] == _vae_name(space, config)
    state = pretrain.load_or_pretrain_vae(space, config)
    missing, unexpected = GraphVAE(space, config).load_state_dict(state, strict=False)
    assert not unexpected and all(k.startswith(("perf.", "comp.")) for k in missing)
    # the search strategies' own path: the same weights, no pretraining
    model = GraphVAESearch(space, encoder=encoder).fresh_model()
    assert all(torch.equal(model.state_dict()[k], v) for k, v in state.items())


def test_every_shipped_file_is_a_default_model() -> None:
    expected = {pretrain.pretrained_name(cls(), AGNetConfig(), AGNET_STEPS) for cls in BUILTIN_SPACES.values()}
    expected |= {
        _vae_name(space, config)
        for space, config in ((BUILTIN_SPACES[s](), GraphVAEConfig(encoder=e)) for s, e in SHIPPED_VAES)
    }
    # a space whose VAE learns a map onto the teacher's latent also ships the teacher
    expected |= {_vae_name(cls(), pretrain.TEACHER_CONFIG) for cls in BUILTIN_SPACES.values() if cls.vae_teacher_pcs}
    # shipped beside the default: DARTS's VAE with a 64-dim latent (99.4 %, not yet the default)
    expected |= {_vae_name(BUILTIN_SPACES["darts"](), GraphVAEConfig(latent_dim=64))}
    assert _shipped_files() == expected  # no weights left behind under a stale name


def test_names_depend_on_the_key_not_the_package_version(monkeypatch) -> None:
    space = NASBench201Space()
    before = (
        pretrain.pretrained_name(space, AGNetConfig(), AGNET_STEPS),
        pretrain.vae_pretrained_name(space, GraphVAEConfig(), pretrain.DEFAULT_VAE_STEPS),
    )
    monkeypatch.setattr(lso_sampler, "__version__", "999.0")
    after = (
        pretrain.pretrained_name(space, AGNetConfig(), AGNET_STEPS),
        pretrain.vae_pretrained_name(space, GraphVAEConfig(), pretrain.DEFAULT_VAE_STEPS),
    )
    assert before == after
    assert before[0].startswith("agnet-nasbench201-") and before[1].startswith("gvae-dvae-nasbench201-")
    assert pretrain.pretrained_name(space, AGNetConfig(), AGNET_STEPS + 1) != before[0]
    assert pretrain.vae_pretrained_name(space, GraphVAEConfig(encoder="gin"), pretrain.DEFAULT_VAE_STEPS) != before[1]


def test_first_use_pretraining_depends_on_the_key_alone_and_is_cached(tmp_path, monkeypatch) -> None:
    space = DAGSpace(4, ["conv", "pool"], max_edges=5)
    config = GraphVAEConfig(hidden_dim=16, latent_dim=4)
    states = []
    for global_seed in (0, 1):
        cache = tmp_path / str(global_seed)
        monkeypatch.setenv("LSO_SAMPLER_CACHE", str(cache))
        torch.manual_seed(global_seed)
        before = torch.get_rng_state()
        states.append(pretrain.load_or_pretrain_vae(space, config, steps=5))
        assert torch.equal(torch.get_rng_state(), before)  # the caller's random state is left alone
        assert [p.name for p in cache.iterdir()] == [pretrain.vae_pretrained_name(space, config, 5)]
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])
    monkeypatch.setattr(pretrain, "pretrain_vae", lambda *a, **k: pytest.fail("pretrained again"))
    again = pretrain.load_or_pretrain_vae(space, config, steps=5)  # from the cache
    assert all(torch.equal(states[1][k], again[k]) for k in again)


def test_vae_pretraining_never_draws_the_held_out_cells() -> None:
    space = NASBench201Space()
    held = {space.key(c) for c in pretrain.holdout_cells(space)}
    assert len(held) == pretrain.HOLDOUT_SIZE
    seen: set[str] = set()
    model = GraphVAE(space, GraphVAEConfig(hidden_dim=8, latent_dim=4))
    pretrain.pretrain_vae(model, steps=30, seen=seen)
    assert len(seen) > 1000 and not seen & held


def test_a_small_space_holds_out_a_tenth_of_its_cells() -> None:
    space = DAGSpace(4, ["a", "b"])  # 43 distinct cells
    held = pretrain.holdout_cells(space)
    distinct = {space.key(space.sample(np.random.default_rng(s))) for s in range(3000)}
    assert len(distinct) == 43 and len(held) == 43 // 3
    assert len(pretrain.holdout_cells(NASBench201Space())) == pretrain.HOLDOUT_SIZE  # 15,625 cells
    stops = []
    pretrain.pretrain_vae(GraphVAE(space, GraphVAEConfig(hidden_dim=8, latent_dim=4)), steps=4, callback=stops.append)
    assert stops == [1, 2, 3, 4]


def test_vae_pretraining_resumed_from_a_snapshot_ends_as_a_run_that_never_stopped() -> None:
    space = NASBench201Space()
    config = GraphVAEConfig(hidden_dim=8, latent_dim=4)

    def fresh() -> GraphVAE:
        torch.manual_seed(0)
        return GraphVAE(space, config)

    whole = fresh()
    whole_losses = pretrain.pretrain_vae(whole, steps=6, batch_size=8, halve_every=2)
    snapshots: list[dict] = []
    stopped = fresh()
    pretrain.pretrain_vae(
        stopped,
        steps=6,
        batch_size=8,
        halve_every=2,
        snapshot=snapshots.append,
        snapshot_every=3,
        callback=lambda step: step == 4,
    )
    assert [s["step"] for s in snapshots] == [3]
    resumed = fresh()  # a new process: fresh weights, then the snapshot
    seen: set[str] = set()
    losses = pretrain.pretrain_vae(resumed, steps=6, batch_size=8, halve_every=2, resume=snapshots[0], seen=seen)
    assert losses == whole_losses
    assert all(torch.equal(v, whole.state_dict()[k]) for k, v in resumed.state_dict().items())
    assert 0 < len(seen) <= 3 * 8  # the cells drawn after the resume
    # a snapshot is a copy: training on does not change it
    assert not all(torch.equal(v, snapshots[0]["model"][k]) for k, v in stopped.state_dict().items())


def _measured_entries() -> list[dict]:
    return [e for e in pretrain._manifest() if e["kind"].startswith("gvae-") and "reconstruction" in e]


@pytest.mark.slow
@pytest.mark.parametrize("entry", _measured_entries(), ids=lambda e: e["file"].removesuffix(".pt"))
def test_shipped_vaes_reconstruct_held_out_cells_as_the_manifest_says(entry: dict, no_pretraining) -> None:
    space = BUILTIN_SPACES[entry["space"]]()
    config = GraphVAEConfig(encoder=entry["kind"].removeprefix("gvae-"), **pretrain.entry_options(entry))
    model = GraphVAE(space, config)
    model.load_state_dict(pretrain.load_or_pretrain_vae(space, config), strict=False)
    model.eval()
    test = pretrain.holdout_cells(space)[pretrain.VALIDATION_SIZE :]
    with torch.no_grad():
        decoded = model.decode(model.encode_cells(test)[0])
    accuracy = sum(space.key(a) == space.key(b) for a, b in zip(test, decoded)) / len(test)
    assert accuracy == pytest.approx(entry["reconstruction"], abs=0.005)


def test_the_tool_ships_what_the_library_would_pretrain(tmp_path, monkeypatch) -> None:
    """tools/pretrain_vae.py (which makes the shipped weights) and load_or_pretrain_vae (a
    user's first-use pretraining) give the same weights for the same steps."""
    spec = importlib.util.spec_from_file_location("pretrain_vae_tool", ROOT / "tools" / "pretrain_vae.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / "out"
    args = argparse.Namespace(
        max_steps=3, max_minutes=1e9, eval_every=2, target=2.0, prior=20, out=out, checkpoint=None, options={}
    )
    tool.train("dvae:nasbench-graph", args)
    entry = json.loads((out / pretrain.MANIFEST).read_text())["weights"][0]
    assert entry["steps"] == 3 and [step for step, _, _ in entry["validation_curve"]] == [2]
    shipped = torch.load(out / entry["file"], weights_only=True)
    monkeypatch.setenv("LSO_SAMPLER_CACHE", str(tmp_path / "cache"))
    space = BUILTIN_SPACES["nasbench-graph"]()
    mine = pretrain.load_or_pretrain_vae(space, GraphVAEConfig(), steps=3)
    assert (tmp_path / "cache" / entry["file"]).is_file()  # the same name
    assert shipped.keys() == mine.keys() and all(torch.equal(shipped[k], mine[k]) for k in mine)


def test_the_tool_goes_on_from_a_checkpoint_to_the_weights_of_one_run(tmp_path, monkeypatch) -> None:
    """A run in two pieces (``--checkpoint``) ships the weights of one uninterrupted run and
    replaces the first piece's weights in the manifest and on disk."""
    spec = importlib.util.spec_from_file_location("pretrain_vae_tool", ROOT / "tools" / "pretrain_vae.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out, checkpoint = tmp_path / "out", tmp_path / "ck" / "dvae-graph.ckpt"
    args = argparse.Namespace(
        max_steps=4, max_minutes=0.0, eval_every=2, target=2.0, prior=20, out=out, checkpoint=checkpoint, options={}
    )
    tool.train("dvae:nasbench-graph", args)  # stops at the first evaluation: step 2
    first = json.loads((out / pretrain.MANIFEST).read_text())["weights"][0]
    assert first["steps"] == 2 and checkpoint.is_file() and (out / first["file"]).is_file()
    with pytest.raises(SystemExit, match="--checkpoint"):  # another model's checkpoint
        tool.train("svge:nasbench-graph", args)
    args.max_minutes = 1e9
    tool.train("dvae:nasbench-graph", args)
    (entry,) = json.loads((out / pretrain.MANIFEST).read_text())["weights"]
    assert entry["steps"] == 4 and [step for step, _, _ in entry["validation_curve"]] == [2, 4]
    assert not (out / first["file"]).exists() and sorted(p.name for p in out.glob("*.pt")) == [entry["file"]]
    shipped = torch.load(out / entry["file"], weights_only=True)
    monkeypatch.setenv("LSO_SAMPLER_CACHE", str(tmp_path / "cache"))
    mine = pretrain.load_or_pretrain_vae(BUILTIN_SPACES["nasbench-graph"](), GraphVAEConfig(), steps=4)
    assert all(torch.equal(shipped[k], mine[k]) for k in mine)
    seen, _ = tool.replay_keys(BUILTIN_SPACES["nasbench-graph"](), 4, pretrain.RECIPES["gvae"])
    assert entry["distinct_cells_trained_on"] == len(seen)


def test_the_tool_pretrains_a_model_option_the_space_does_not_default_to(tmp_path, monkeypatch) -> None:
    """``--set`` overrides the space's model options: the weights are those the library
    pretrains for that config, under its name, and the manifest records the options."""
    spec = importlib.util.spec_from_file_location("pretrain_vae_tool", ROOT / "tools" / "pretrain_vae.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    options = tool.parse_options(["encoder_readout=concat", "decoder_positions=true", "encoder_positions=True"])
    assert options == {"encoder_readout": "concat", "decoder_positions": True, "encoder_positions": True}
    for wrong in (["readout=concat"], ["decoder_positions=yes"], ["encoder_readout=mean"], ["decoder_positions"]):
        with pytest.raises(ValueError, match="--set"):
            tool.parse_options(wrong)
    out = tmp_path / "out"
    args = argparse.Namespace(
        max_steps=2, max_minutes=1e9, eval_every=2, target=2.0, prior=20, out=out, checkpoint=None, options=options
    )
    tool.train("dvae:nasbench201", args)
    (entry,) = json.loads((out / pretrain.MANIFEST).read_text())["weights"]
    assert {k: entry[k] for k in options} == options
    config = GraphVAEConfig(**options)
    space = BUILTIN_SPACES["nasbench201"]()
    assert entry["file"] == pretrain.vae_pretrained_name(space, config, 2)
    assert entry["file"] != pretrain.vae_pretrained_name(space, GraphVAEConfig(), 2)
    assert "concatenation readout" in tool.table(out) and "decoder index logits" in tool.table(out)
    shipped = torch.load(out / entry["file"], weights_only=True)
    monkeypatch.setenv("LSO_SAMPLER_CACHE", str(tmp_path / "cache"))
    mine = pretrain.load_or_pretrain_vae(space, config, steps=2)
    assert shipped.keys() == mine.keys() and all(torch.equal(shipped[k], mine[k]) for k in mine)
    assert any(k.startswith("decoder.pos_type") for k in mine) and "encoder.readout.gate.weight" not in mine
    # the readout that adds the gated sum to the concatenation is named apart in the table
    assert tool.parse_options(["encoder_readout=concat+sum"]) == {"encoder_readout": "concat+sum"}
    manifest = json.loads((out / pretrain.MANIFEST).read_text())
    manifest["weights"][0]["encoder_readout"] = "concat+sum"
    (out / pretrain.MANIFEST).write_text(json.dumps(manifest))
    assert "concatenation + sum readout" in tool.table(out)


def test_pretraining_with_teacher_pcs_teaches_the_map_the_teachers_components() -> None:
    """The teacher loss: the map of the posterior means learns the gated-sum teacher's top
    components of each cell (on NAS-Bench-201 the teacher is the shipped default VAE)."""
    space = NASBench201Space()
    encode, targets = pretrain.teacher_encoder(space, pcs=4)
    assert targets.shape == (pretrain.TEACHER_CELLS, 4)
    torch.testing.assert_close(targets.std(0), torch.ones(4, dtype=targets.dtype))  # scaled components
    cells = pretrain.teacher_cells(space)[:300]
    torch.testing.assert_close(encode(cells), targets[:300])
    torch.manual_seed(0)
    model = GraphVAE(space, GraphVAEConfig(latent_dim=8, hidden_dim=16, teacher_pcs=4))

    def error() -> float:
        with torch.no_grad():
            return float((model.teacher(model.encode_cells(cells)[0]) - targets[:300].float()).pow(2).sum(1).mean())

    before = error()
    losses = pretrain.pretrain_vae(model, steps=150, batch_size=32, lr=5e-3)
    assert error() < 0.5 * before and np.isfinite(losses).all()
    # without the option the loss is reconstruction + KL alone, as before it existed
    torch.manual_seed(0)
    plain = GraphVAE(space, GraphVAEConfig(latent_dim=8, hidden_dim=16, teacher_pcs=0))
    x = plain.tensors(cells[:16])
    torch.manual_seed(1)
    rec, kl, z = plain.vae_loss(*x)
    torch.manual_seed(1)
    rec2, kl2, z2, mu = plain.vae_terms(*x)
    assert torch.equal(rec, rec2) and torch.equal(kl, kl2) and torch.equal(z, z2)
    torch.testing.assert_close(mu, plain.encode_cells(cells[:16])[0])


def test_teacher_whiten_false_keeps_each_component_at_its_own_scale() -> None:
    """Unscaled, the teacher's components are its centred latent rotated onto its principal
    axes: all of them keep every squared distance of the whole latent; the first few keep
    their own, decreasing variances. Pretraining then teaches the map those numbers."""
    space = NASBench201Space()
    whole = pretrain.teacher_encoder(space)[1]
    encode, rotated = pretrain.teacher_encoder(space, pcs=whole.shape[1], whiten=False)
    torch.testing.assert_close(rotated.pow(2).sum(1), whole.pow(2).sum(1))
    torch.testing.assert_close(
        torch.cdist(rotated[:50], rotated[:50]), torch.cdist(whole[:50], whole[:50]), atol=1e-6, rtol=1e-6
    )
    top = pretrain.teacher_encoder(space, pcs=4, whiten=False)[1]
    torch.testing.assert_close(top, rotated[:, :4])
    variances = top.var(0)
    assert bool((variances[:-1] >= variances[1:]).all()) and not torch.allclose(
        variances, torch.ones(4, dtype=top.dtype)
    )
    cells = pretrain.teacher_cells(space)[:300]
    torch.manual_seed(0)
    model = GraphVAE(space, GraphVAEConfig(latent_dim=8, hidden_dim=16, teacher_pcs=4, teacher_whiten=False))

    def error(target: torch.Tensor) -> float:
        with torch.no_grad():
            return float((model.teacher(model.encode_cells(cells)[0]) - target[:300].float()).pow(2).sum(1).mean())

    before = error(top)
    pretrain.pretrain_vae(model, steps=150, batch_size=32, lr=5e-3)
    assert error(top) < 0.5 * before
    assert error(top) < error(pretrain.teacher_encoder(space, pcs=4)[1])  # it learnt the unscaled ones


def test_the_tool_pretrains_a_teacher_map_beside_the_default_entry(tmp_path, monkeypatch) -> None:
    """``--set teacher_pcs=K``: the library's weights for that config, the map among them,
    and a manifest entry of its own beside the space's default one."""
    spec = importlib.util.spec_from_file_location("pretrain_vae_tool", ROOT / "tools" / "pretrain_vae.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.parse_options(["teacher_pcs=4"]) == {"teacher_pcs": 4}
    assert tool.parse_options(["teacher_pcs=4", "teacher_whiten=false"]) == {"teacher_pcs": 4, "teacher_whiten": False}
    for wrong in (["teacher_pcs=four"], ["teacher_pcs=-1"], ["teacher_pcs=64"]):
        with pytest.raises(ValueError, match="--set"):
            tool.parse_options(wrong)
    out = tmp_path / "out"
    args = argparse.Namespace(
        max_steps=2, max_minutes=1e9, eval_every=2, target=2.0, prior=20, out=out, checkpoint=None, options={}
    )
    tool.train("dvae:nasbench201", args)
    args.options = {"teacher_pcs": 4}
    tool.train("dvae:nasbench201", args)
    entries = json.loads((out / pretrain.MANIFEST).read_text())["weights"]
    plain, taught = sorted(entries, key=lambda e: "teacher_pcs" in e)
    assert "teacher_pcs" not in plain and taught["teacher_pcs"] == 4 and plain["file"] != taught["file"]
    assert (out / plain["file"]).is_file() and (out / taught["file"]).is_file()
    assert "teacher map (4 PCs)" in tool.table(out)
    space = BUILTIN_SPACES["nasbench201"]()
    assert taught["file"] == pretrain.vae_pretrained_name(space, GraphVAEConfig(teacher_pcs=4), 2)
    shipped = torch.load(out / taught["file"], weights_only=True)
    monkeypatch.setenv("LSO_SAMPLER_CACHE", str(tmp_path / "cache"))
    mine = pretrain.load_or_pretrain_vae(space, GraphVAEConfig(teacher_pcs=4), steps=2)
    assert "teacher.weight" in mine and all(torch.equal(shipped[k], mine[k]) for k in mine)
    # a second run of the same options replaces its own entry and file only
    tool.train("dvae:nasbench201", argparse.Namespace(**{**vars(args), "max_steps": 3}))
    entries = json.loads((out / pretrain.MANIFEST).read_text())["weights"]
    assert sorted(e.get("teacher_pcs", 0) for e in entries) == [0, 4] and (out / plain["file"]).is_file()
    assert not (out / taught["file"]).exists()


def test_the_tool_records_widths_other_than_the_defaults(tmp_path) -> None:
    """``--set hidden_dim=N`` / ``latent_dim=N``: whole numbers; the manifest entry records a
    width only when it is not the default (64, 32), and a recorded width comes back as a
    model option."""
    spec = importlib.util.spec_from_file_location("pretrain_vae_tool", ROOT / "tools" / "pretrain_vae.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.parse_options(["hidden_dim=128", "teacher_pcs=4"]) == {"hidden_dim": 128, "teacher_pcs": 4}
    assert tool.parse_options(["latent_dim=64"]) == {"latent_dim": 64}
    for wrong in (["hidden_dim=wide"], ["hidden_dim=0"], ["hidden_dim=-8"], ["latent_dim=16", "teacher_pcs=32"]):
        with pytest.raises(ValueError, match="--set"):
            tool.parse_options(wrong)
    space = BUILTIN_SPACES["darts"]()
    wide = tool.model_options(GraphVAEConfig(hidden_dim=128).for_space(space))
    assert wide["hidden_dim"] == 128 and wide["teacher_pcs"] == 32
    assert not {"hidden_dim", "latent_dim"} & set(tool.model_options(GraphVAEConfig().for_space(space)))
    assert pretrain.entry_options(wide)["hidden_dim"] == 128 and "hidden_dim" not in pretrain.entry_options({})
    deep = tool.model_options(GraphVAEConfig(latent_dim=64).for_space(space))
    assert deep["latent_dim"] == 64 and pretrain.entry_options(deep)["latent_dim"] == 64
    assert tool.WIDTH_LABELS["latent_dim"].format(64) == ", 64-dim latent"
    assert tool.model_options(GraphVAEConfig(hidden_dim=2048).for_space(space))["hidden_dim"] == 2048
    name = pretrain.vae_pretrained_name(space, GraphVAEConfig(encoder="dvae", **pretrain.entry_options(wide)), 5)
    assert name == pretrain.vae_pretrained_name(space, GraphVAEConfig(hidden_dim=128), 5)
    assert name != pretrain.vae_pretrained_name(space, GraphVAEConfig(), 5)
    # a wider run's entry stands beside the default one, its width named in the table
    out = tmp_path / "out"
    args = argparse.Namespace(
        max_steps=2, max_minutes=1e9, eval_every=2, target=2.0, prior=20, out=out, checkpoint=None, options={}
    )
    tool.train("dvae:nasbench201", args)
    tool.train("dvae:nasbench201", argparse.Namespace(**{**vars(args), "options": {"hidden_dim": 16}}))
    entries = json.loads((out / pretrain.MANIFEST).read_text())["weights"]
    assert sorted(e.get("hidden_dim", 64) for e in entries) == [16, 64]
    assert all((out / e["file"]).is_file() for e in entries) and "dvae, 16-wide states |" in tool.table(out)


def test_a_search_keeps_the_pretrained_teacher_map_fixed(tmp_path, monkeypatch) -> None:
    """The graph VAE's rounds fine-tune the VAE and fit the predictors on the map's output;
    the map itself stays as pretrained."""
    from lso_sampler.strategies.base import Observation
    from tests.conftest import cheap_options

    monkeypatch.setenv("LSO_SAMPLER_CACHE", str(tmp_path))
    space = NASBench201Space()
    config = GraphVAEConfig(latent_dim=8, hidden_dim=16, teacher_pcs=4)
    options = {**cheap_options("graph-vae"), "epochs": 5}
    strategy = GraphVAESearch(space, seed=1, config=config, pretrain_steps=3, **options)
    cells = {space.key(c): c for c in (space.sample(i) for i in range(40))}
    history = [Observation(c, k, (float(i % 5),)) for i, (k, c) in enumerate(list(cells.items())[:12])]
    model = strategy.fit(history)
    pretrained = pretrain.load_or_pretrain_vae(space, config, steps=3)
    assert torch.equal(model.teacher.weight, pretrained["teacher.weight"]) and not model.teacher.weight.requires_grad
    assert not torch.equal(model.encoder.state_dict()[next(iter(model.encoder.state_dict()))],
                           pretrained[f"encoder.{next(iter(model.encoder.state_dict()))}"])  # fmt: skip
    assert len(strategy.propose(history, [], 3)) == 3
