"""The training skeleton the model-based strategies share (ModelBasedStrategy): explicit
options, the training batch, the default epochs, seeding that leaves the caller's torch
random state alone."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import torch

from lso_sampler.spaces import DartsSpace, NASBench201Space, NASBenchGraphSpace
from lso_sampler.strategies import BANANAS, AGNet, ConvexLSO, GraphVAESearch, Observation
from lso_sampler.strategies.base import propose_round

SPACE = NASBench201Space()
CLASSES = [AGNet, GraphVAESearch, ConvexLSO]
#: One short training per class (shipped NB201 weights).
CHEAP = {
    AGNet: {"epochs": 1, "num_candidates": 10},
    GraphVAESearch: {"epochs": 1, "num_prior": 2, "num_best": 2, "steps": 1},
    ConvexLSO: {"epochs": 1, "num_best": 2, "steps": 1, "num_unlabeled": 4},
}


def _history(n: int) -> list[Observation]:
    rng = np.random.default_rng(0)
    out: dict[str, Observation] = {}
    while len(out) < n:
        cell = SPACE.sample(rng)
        out.setdefault(SPACE.key(cell), Observation(cell, SPACE.key(cell), (float(cell.ops.count("nor_conv_3x3")),)))
    return list(out.values())


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_constructors_list_every_option(cls) -> None:
    params = inspect.signature(cls.__init__).parameters
    kinds = {p.kind for p in params.values()}
    assert inspect.Parameter.VAR_KEYWORD not in kinds and inspect.Parameter.VAR_POSITIONAL not in kinds
    assert {"epochs", "train_batch_size", "lr", "n_startup_trials"} <= set(params)
    assert "batch_size" not in params  # cells per round are the adapters' batch_size


def test_convex_lso_takes_every_graph_vae_option_with_its_own_defaults() -> None:
    vae = inspect.signature(GraphVAESearch.__init__).parameters
    convex = inspect.signature(ConvexLSO.__init__).parameters
    assert set(vae) <= set(convex)
    changed = {n for n in vae if convex[n].default != vae[n].default}
    assert changed == {"num_prior", "step_size", "stall_patience"}  # stall handling: off for CR-LSO
    search = ConvexLSO(SPACE, encoder="svge", train_batch_size=8, num_prior=3)
    assert (search.config.encoder, search.train_batch_size, search.num_prior, search.step_size) == ("svge", 8, 3, 0.25)
    assert search.config.predictor == "icnn"


@pytest.mark.slow
@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_train_batch_size_sets_the_training_steps_not_the_round_size(cls) -> None:
    search = cls(SPACE, seed=0, train_batch_size=8, **CHEAP[cls])
    assert search.train_batch_size == 8 and search.batch_size == cls.batch_size == 16
    history = _history(20)
    search.fit(history)
    assert search.last_stats["steps"] == search.train_steps(20) == math.ceil(20 / 8)
    assert {"loss", "reconstruction"} <= set(search.last_stats)
    with pytest.raises(TypeError, match="batch_size"):
        cls(SPACE, batch_size=8)


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"train_batch_size": 0}, "train_batch_size"),
        ({"lr": 0.0}, "lr"),
        ({"epochs": -1}, "epochs"),
        ({"n_startup_trials": 0}, "n_startup_trials"),
    ],
)
@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_bad_training_options_name_the_parameter(cls, options, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}:"):
        cls(SPACE, **options)


def test_default_epochs_depend_on_the_space_size() -> None:
    assert AGNet(SPACE).epochs == GraphVAESearch(SPACE).epochs == 30  # 15,625 cells
    for space in (NASBenchGraphSpace(), DartsSpace()):
        assert AGNet(space).epochs == GraphVAESearch(space).epochs == ConvexLSO(space).epochs == 15
    assert AGNet(SPACE, epochs=4).epochs == 4


@pytest.mark.slow
@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_fitting_leaves_the_global_torch_random_state_alone(cls) -> None:
    history = _history(8)
    weights = []
    for global_seed in (0, 1):
        torch.manual_seed(global_seed)
        before = torch.get_rng_state()
        search = cls(SPACE, seed=5, **CHEAP[cls])
        search.fit(history)
        assert torch.equal(torch.get_rng_state(), before)
        weights.append(search.model.state_dict())
    # the model is a function of the strategy's seed and the history, not of the caller's state
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_round_growth_refits_often_while_results_are_few(cls) -> None:
    fixed = cls(SPACE, 0, n_startup_trials=10, round_growth=None)  # full rounds (AG-Net grows by default)
    growing = cls(SPACE, 0, n_startup_trials=10, round_growth=0.25, **CHEAP[cls])
    sizes = {k: growing.round_size(_history(k), [], 16) for k in (0, 6, 10, 20, 32, 48, 64, 100)}
    # the initial design as before; then a quarter of the results, at least 4, at most 16
    assert sizes == {0: 10, 6: 4, 10: 4, 20: 5, 32: 8, 48: 12, 64: 16, 100: 16}
    assert fixed.round_size(_history(20), [], 16) == 16
    assert growing.round_size(_history(20), [], 3) == 3  # never more than the sampler's round
    # with 8 trials in flight the round holds one cell more than them (workers share it)
    pending = [o.cell for o in _history(28)[20:]]
    assert growing.round_size(_history(20), pending, 16) == 9
    # the adapters' rounds (propose_round) are that long, after a model fit
    batch = propose_round(growing, _history(20), [], set(), 16, seed=0, rnd=0)
    assert len(batch) == 5 and growing.round_origins[0] == "model"


@pytest.mark.parametrize(
    ("value", "error"), [(0, ValueError), (-0.5, ValueError), (float("nan"), ValueError), ("0.25", TypeError)]
)
def test_round_growth_is_checked(value, error) -> None:
    with pytest.raises(error, match="round_growth"):
        AGNet(SPACE, round_growth=value)


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        ("gpu", ValueError, r"device: 'gpu' is not a torch device; use 'cpu', 'cuda'"),
        ("meta", ValueError, r"device: 'meta' is not supported"),
        (0, TypeError, r"device: must be a device name such as 'cpu' or 'cuda', got 0"),
        (None, TypeError, r"device: must be a device name"),
    ],
)
def test_device_is_checked(value, error, match: str) -> None:
    with pytest.raises(error, match=match):
        AGNet(SPACE, device=value)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
@pytest.mark.parametrize("cls", [*CLASSES, BANANAS], ids=lambda c: c.__name__)
def test_a_gpu_this_machine_lacks_is_refused_naming_the_fix(cls) -> None:
    with pytest.raises(ValueError, match=r"device: 'cuda', but torch finds no CUDA GPU here; leave device='cpu'"):
        cls(SPACE, device="cuda")


def test_device_cpu_is_the_default_and_accepts_a_torch_device() -> None:
    assert AGNet(SPACE).device == "cpu"
    assert GraphVAESearch(SPACE, device=torch.device("cpu")).device == "cpu"


@pytest.mark.parametrize("cls", [*CLASSES, BANANAS], ids=lambda c: c.__name__)
def test_the_training_step_runs_wherever_model_and_data_are(cls) -> None:
    """A step on the ``meta`` device (shapes only, no values): torch refuses any operator
    that mixes it with a CPU tensor, as it would mix a GPU's with a CPU's, so this fails
    if a loss creates a tensor on the CPU or reads data left there."""
    search = cls(SPACE, seed=0, **CHEAP.get(cls, {"epochs": 1}))
    gen = torch.Generator().manual_seed(0)
    model, data = search._prepare(_history(12), gen)
    model.to("meta")
    data = search.data_to(data, "meta")
    assert all(data[k].device.type == "cpu" for k in search.host_data)  # AG-Net's sampling weights
    loss, parts = search._training_loss(model, data, gen)
    loss.backward()
    assert loss.device.type == "meta" and all(v.device.type == "meta" for v in parts.values())
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(g.device.type == "meta" for g in grads)
