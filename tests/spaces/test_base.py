"""The interface every space shares, checked on every space."""

from __future__ import annotations

import numpy as np
import optuna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optuna.distributions import CategoricalDistribution, IntDistribution

from lso_sampler.cell import Cell
from lso_sampler.spaces import (
    DAGSpace,
    DartsSpace,
    ENASSpace,
    NASBench101Space,
    NASBench201Space,
    NASBenchGraphSpace,
    SearchSpace,
)

SPACES = [
    NASBench201Space(),
    NASBench101Space(),
    DartsSpace(),
    ENASSpace(),
    NASBenchGraphSpace(),
    NASBenchGraphSpace("proteins"),
    DAGSpace(6, ["conv", "pool", "fc"], max_edges=8),
]
IDS = [repr(s) for s in SPACES]


@pytest.mark.parametrize("space", SPACES, ids=IDS)
@pytest.mark.parametrize("encoding", ["categorical", "integer"])
def test_round_trip_1000_random_cells(space: SearchSpace, encoding: str) -> None:
    rng = np.random.default_rng(123)
    for _ in range(1000):
        cell = space.sample(rng)
        assert space.is_valid(cell), space.is_valid(cell).reason
        params = space.to_params(cell, encoding)
        assert set(params) == set(space.param_names)
        assert space.from_params(params, encoding) == cell


@pytest.mark.parametrize("space", SPACES, ids=IDS)
def test_distributions_match_the_encodings(space: SearchSpace) -> None:
    cat = space.distributions("categorical")
    ints = space.distributions("integer")
    assert list(cat) == list(ints) == list(space.param_names)
    for name in cat:
        assert isinstance(cat[name], CategoricalDistribution)
        assert isinstance(ints[name], IntDistribution)
        assert ints[name].low == 0 and ints[name].high == len(cat[name].choices) - 1
    cell = space.sample(0)
    for enc, dists in (("categorical", cat), ("integer", ints)):
        for name, value in space.to_params(cell, enc).items():
            assert dists[name]._contains(dists[name].to_internal_repr(value))


@pytest.mark.parametrize("space", SPACES, ids=IDS)
@pytest.mark.parametrize("encoding", ["categorical", "integer"])
def test_suggest_in_a_real_study(space: SearchSpace, encoding: str, tmp_path) -> None:
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=0))
    cells: list[Cell] = []

    def objective(trial: optuna.Trial) -> float:
        cell = space.suggest(trial, encoding)
        cells.append(cell)
        return float(cell.num_edges)

    study.optimize(objective, n_trials=5)
    for trial, cell in zip(study.trials, cells):
        assert trial.distributions == space.distributions(encoding)
        assert space.from_params(trial.params, encoding) == cell


@pytest.mark.parametrize("space", SPACES, ids=IDS)
def test_tensors_round_trip(space: SearchSpace) -> None:
    rng = np.random.default_rng(5)
    cells = [space.sample(rng) for _ in range(20)]
    x, adj, mask = space.to_tensors(cells)
    assert x.shape == (20, space.max_nodes, len(space.node_types))
    assert adj.shape == (20, space.max_nodes, space.max_nodes)
    assert mask.shape == (20, space.max_nodes)
    assert (x.sum(-1) == mask.float()).all()
    assert (adj.tril() == 0).all()
    assert space.from_tensors(x, adj, mask) == cells


@pytest.mark.parametrize("space", SPACES, ids=IDS)
def test_bad_params_name_the_parameter(space: SearchSpace) -> None:
    params = space.to_params(space.sample(0))
    first = next(iter(params))
    missing = dict(params)
    del missing[first]
    with pytest.raises(ValueError, match=f"missing parameter '{first}'"):
        space.from_params(missing)
    with pytest.raises(ValueError, match="unknown parameter 'learning_rate'"):
        space.from_params({**params, "learning_rate": 0.1})
    assert space.from_params({**params, "learning_rate": 0.1}, strict=False) == space.from_params(params)
    with pytest.raises(ValueError, match=rf"params\['{first}'\].*not allowed"):
        space.from_params({**params, first: "no-such-op"})
    ints = space.to_params(space.sample(0), "integer")
    with pytest.raises(ValueError, match=rf"params\['{first}'\].*out of range"):
        space.from_params({**ints, first: 99}, "integer")
    with pytest.raises(ValueError, match="encoding"):
        space.distributions("onehot")


@pytest.mark.parametrize("space", SPACES, ids=IDS)
def test_foreign_cells_are_invalid_with_a_reason(space: SearchSpace) -> None:
    foreign = Cell(["input", "mystery-op", "output"], [[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    validity = space.is_valid(foreign)
    assert not validity
    assert validity.reason
    with pytest.raises(ValueError, match="cell"):
        space.to_params(foreign)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(SPACES), st.integers(0, 2**32 - 1), st.sampled_from(["categorical", "integer"]))
def test_params_cell_params_property(space: SearchSpace, seed: int, encoding: str) -> None:
    # params -> cell -> params is the identity on params that name a valid cell.
    rng = np.random.default_rng(seed)
    params = {
        v.name: (
            int(rng.integers(len(v.choices))) if encoding == "integer" else v.choices[int(rng.integers(len(v.choices)))]
        )
        for v in space.variables()
    }
    cell = space.from_params(params, encoding)
    again = space.to_params(cell, encoding)
    if isinstance(space, DAGSpace):
        assert space.from_params(again, encoding) == cell
    else:
        assert again == params
