"""One pretraining path for every generative model: shipped weights are found under stable
names, first-use pretraining depends on the name's key alone and is cached."""

from __future__ import annotations

import inspect
from importlib import resources

import pytest
import torch

import lso_sampler
from lso_sampler.models import pretrain
from lso_sampler.models.agnet import AGNetConfig
from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.spaces import BUILTIN_SPACES, DAGSpace, NASBench201Space
from lso_sampler.strategies import AGNet, GraphVAESearch

AGNET_STEPS = inspect.signature(AGNet.__init__).parameters["pretrain_steps"].default
VAE_STEPS = inspect.signature(GraphVAESearch.__init__).parameters["pretrain_steps"].default

#: The (space, encoder) pairs with shipped graph-VAE weights.
SHIPPED_VAES = [
    ("nasbench201", "dvae"),
    ("nasbench201", "svge"),
    ("nasbench201", "gin"),
    ("nasbench-graph", "dvae"),
    ("enas", "dvae"),
    ("darts", "dvae"),
]


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
    state = pretrain.load_or_pretrain_vae(space, config, VAE_STEPS)
    missing, unexpected = GraphVAE(space, config).load_state_dict(state, strict=False)
    assert not unexpected and all(k.startswith(("perf.", "comp.")) for k in missing)
    # the search strategies' own path: the same weights, no pretraining
    model = GraphVAESearch(space, encoder=encoder).fresh_model()
    assert all(torch.equal(model.state_dict()[k], v) for k, v in state.items())


def test_every_shipped_file_is_a_default_model() -> None:
    expected = {pretrain.pretrained_name(cls(), AGNetConfig(), AGNET_STEPS) for cls in BUILTIN_SPACES.values()}
    expected |= {
        pretrain.vae_pretrained_name(BUILTIN_SPACES[s](), GraphVAEConfig(encoder=e), VAE_STEPS) for s, e in SHIPPED_VAES
    }
    assert _shipped_files() == expected  # no weights left behind under a stale name


def test_names_depend_on_the_key_not_the_package_version(monkeypatch) -> None:
    space = NASBench201Space()
    before = (
        pretrain.pretrained_name(space, AGNetConfig(), AGNET_STEPS),
        pretrain.vae_pretrained_name(space, GraphVAEConfig(), VAE_STEPS),
    )
    monkeypatch.setattr(lso_sampler, "__version__", "999.0")
    after = (
        pretrain.pretrained_name(space, AGNetConfig(), AGNET_STEPS),
        pretrain.vae_pretrained_name(space, GraphVAEConfig(), VAE_STEPS),
    )
    assert before == after
    assert before[0].startswith("agnet-nasbench201-") and before[1].startswith("gvae-dvae-nasbench201-")
    assert pretrain.pretrained_name(space, AGNetConfig(), AGNET_STEPS + 1) != before[0]
    assert pretrain.vae_pretrained_name(space, GraphVAEConfig(encoder="gin"), VAE_STEPS) != before[1]


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
