"""BANANAS: valid new proposals on every space, mutations of the best cells, seeded
repeatability, learning a toy objective better than random search, and its runs as an
Optuna sampler and in ``compare``."""

from __future__ import annotations

import inspect
import math

import numpy as np
import optuna
import pytest

from lso_sampler.cell import Cell
from lso_sampler.compare import run_one
from lso_sampler.methods import get_method
from lso_sampler.spaces import NASBench201Space
from lso_sampler.strategies import BANANAS, Observation, neighbours
from lso_sampler.strategies.base import propose_round, random_unseen
from tests.conftest import SPACES

SPACE = NASBench201Space()
CHEAP = {"n_startup_trials": 4, "epochs": 2, "num_candidates": 20}
#: Ops of NAS-Bench-201 and what each is worth on the toy objective.
WORTH = {"none": 0.0, "skip_connect": 0.3, "nor_conv_1x1": 0.6, "nor_conv_3x3": 1.0, "avg_pool_3x3": 0.2}


def toy(cell: Cell) -> float:
    """A NAS-Bench-201 toy objective: op worth, weighted by the op's position (one optimum)."""
    ops = [o for o in cell.ops if o in WORTH]
    return sum(WORTH[o] * (1 + 0.5 * i) for i, o in enumerate(ops))


def _history(space, n: int, seed: int = 0, score=None) -> list[Observation]:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    out: dict[str, Observation] = {}
    while len(out) < n:
        cell = space.sample(rng)
        value = score(cell) if score else float(len(set(cell.ops))) + 0.1 * cell.num_edges
        out.setdefault(space.key(cell), Observation(cell, space.key(cell), (value,)))
    return list(out.values())


@pytest.mark.parametrize("space_id", list(SPACES))
def test_proposals_are_valid_new_and_come_from_the_model_on_every_space(space_id: str) -> None:
    space = SPACES[space_id]
    bananas = BANANAS(space, seed=0, **CHEAP)
    history = _history(space, 8)
    pending = [o.cell for o in _history(space, 3, seed=7) if o.key not in {h.key for h in history}]
    cells = bananas.propose(history, pending, 5)
    keys = [space.key(c) for c in cells]
    assert len(cells) == 5 and len(set(keys)) == 5
    assert all(space.is_valid(c) for c in cells)
    assert not set(keys) & ({o.key for o in history} | {space.key(c) for c in pending})
    assert bananas.last_origins == ["model"] * 5
    assert bananas.last_stats["steps"] == 2  # epochs x one batch of 8 cells


def test_candidates_are_one_edit_mutations_of_the_best_cells() -> None:
    history = _history(SPACE, 12, score=toy)
    bananas = BANANAS(SPACE, seed=1, num_parents=2, num_candidates=30, epochs=2, n_startup_trials=4)
    best = sorted(history, key=lambda o: -o.value)[:2]
    near = {SPACE.key(c) for o in best for c in neighbours(SPACE, o.cell)}
    taken = {o.key for o in history}
    candidates = bananas.candidates(history, taken)
    assert 0 < len(candidates) <= 30
    assert {SPACE.key(c) for c in candidates} <= near - taken
    first = {SPACE.key(c) for c in neighbours(SPACE, best[0].cell)} - taken
    assert {SPACE.key(c) for c in candidates[: len(first)]} == first  # the best cell's neighbours first
    cells = bananas.propose(history, [], 10)
    assert {SPACE.key(c) for c in cells} <= near
    model_cells, mean, std = bananas.last_predictions
    assert len(model_cells) == len(mean) == len(std) and (std >= 0).all()


def test_seeded_proposals_repeat_and_ucb_ranks_by_mean_plus_std() -> None:
    history = _history(SPACE, 12, score=toy)
    a = BANANAS(SPACE, seed=5, **CHEAP).propose(history, [], 6)
    b = BANANAS(SPACE, seed=5, **CHEAP).propose(history, [], 6)
    assert [SPACE.key(c) for c in a] == [SPACE.key(c) for c in b]
    ucb = BANANAS(SPACE, seed=5, acquisition="ucb", ucb_beta=1.0, **CHEAP)
    chosen = ucb.propose(history, [], 6)
    cells, mean, std = ucb.last_predictions
    order = np.argsort(-(mean + std), kind="stable")[:6]
    assert [SPACE.key(c) for c in chosen] == [SPACE.key(cells[int(i)]) for i in order]


def test_learns_the_toy_objective_better_than_random_search() -> None:
    budget, seeds = 30, range(4)
    ours, theirs = [], []
    for seed in seeds:
        bananas = BANANAS(SPACE, seed=seed)  # the paper's settings: 10 random cells, rounds of 10
        history: list[Observation] = []
        rnd = 0
        while len(history) < budget:
            batch = propose_round(bananas, history, [], {o.key for o in history}, 10, seed, rnd)
            history += [Observation(c, SPACE.key(c), (toy(c),)) for c in batch[: budget - len(history)]]
            rnd += 1
        assert len({o.key for o in history}) == budget
        ours.append(max(o.value for o in history))
        theirs.append(max(toy(c) for c in random_unseen(SPACE, np.random.default_rng(seed), set(), budget)))
    assert np.mean(ours) > np.mean(theirs) + 1.0, (ours, theirs)  # measured: 12.0 against 9.4 (optimum 13.5)
    assert sum(o > t for o, t in zip(ours, theirs)) >= 3


def test_bad_options_are_refused_naming_them() -> None:
    with pytest.raises(ValueError, match=r"acquisition: must be one of \['its', 'ucb'\], got 'ei'"):
        BANANAS(SPACE, acquisition="ei")
    with pytest.raises(TypeError, match=r"num_candidates: must be an int >= 1, got 2\.5"):
        BANANAS(SPACE, num_candidates=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"ensemble_size: must be an int >= 1, got 0"):
        BANANAS(SPACE, ensemble_size=0)
    with pytest.raises(ValueError, match=r"ucb_beta: must be a finite number >= 0\.0, got nan"):
        BANANAS(SPACE, ucb_beta=math.nan)
    with pytest.raises(ValueError, match=r"encoding: must be one of \['auto', 'exact', 'hashed'\]"):
        BANANAS(SPACE, path_encoding="adjacency")
    with pytest.raises(ValueError, match=r"lr: must be a finite number > 0"):
        BANANAS(SPACE, lr=0)
    with pytest.raises(ValueError, match="handles single-objective studies only"):
        BANANAS(SPACE, seed=0, **CHEAP).propose(
            [Observation(o.cell, o.key, (o.value, 1.0)) for o in _history(SPACE, 6)], [], 2
        )


def test_defaults_are_the_reference_settings() -> None:
    bananas = BANANAS(SPACE)
    params = inspect.signature(BANANAS.__init__).parameters
    assert {"epochs", "train_batch_size", "lr", "n_startup_trials"} <= set(params)
    assert (bananas.n_startup_trials, bananas.batch_size, bananas.ensemble_size) == (10, 10, 5)
    assert (bananas.layers, bananas.hidden_dim, bananas.lr, bananas.epochs) == (10, 20, 0.01, 150)
    assert (bananas.num_candidates, bananas.train_batch_size, bananas.acquisition) == (100, 32, "its")
    method = get_method("bananas")
    assert (method.sampler_name, method.model_based, method.multi_objective) == ("BANANASSampler", True, False)


def test_the_optuna_sampler_searches_and_round_trips_its_state() -> None:
    from lso_sampler import BANANASSampler

    sampler = BANANASSampler(SPACE, seed=0, **CHEAP)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(lambda t: toy(SPACE.suggest(t)), n_trials=10)
    keys = {SPACE.key(SPACE.from_params(t.params)) for t in study.trials}
    assert len(keys) == 10
    origins = [t.system_attrs.get("lso_sampler:origin") for t in study.trials]
    assert origins[:4] == ["initial"] * 4 and "model" in origins[4:]
    state = sampler.strategy.state_dict()
    fresh = BANANAS(SPACE, seed=0, **CHEAP)
    fresh.load_state_dict(state)
    assert fresh.value_scale == sampler.strategy.value_scale
    assert fresh.model is not None and fresh.model.members == 5


def test_bananas_runs_in_compare() -> None:
    run = run_one("nasbench-graph:cora", "bananas", seed=0, budget=14, threads=1)  # 10 random, then a round
    assert len(run.rows) == 14 and len({r["cell_key"] for r in run.rows}) == 14
    assert [r["origin"] for r in run.rows] == ["initial"] * 10 + ["model"] * 4
