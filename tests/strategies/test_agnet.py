from __future__ import annotations

import numpy as np
import pytest

from lso_sampler.spaces import NASBench201Space
from lso_sampler.strategies import AGNet, Observation

SPACE = NASBench201Space()
FAST = {"epochs": 3}  # shipped NB201 weights, short retraining


def score(cell) -> float:
    return float(cell.ops.count("nor_conv_3x3")) + 0.1 * cell.ops.count("skip_connect")


def history_of(cells) -> list[Observation]:
    return [Observation(c, SPACE.key(c), (score(c),)) for c in cells]


def test_initial_design_then_top_k_of_new_valid_cells() -> None:
    agnet = AGNet(SPACE, seed=0, **FAST)
    first = agnet.propose([], [], 16)
    assert len({SPACE.key(c) for c in first}) == 16
    history = history_of(first)
    pending = agnet.propose(history, [], 4)
    batch = agnet.propose(history, pending, 16)
    keys = {SPACE.key(c) for c in batch}
    assert len(keys) == 16 and all(SPACE.is_valid(c) for c in batch)
    assert not keys & {o.key for o in history} and not keys & {SPACE.key(c) for c in pending}
    assert agnet.last_stats["validity"] > 0.5 and agnet.last_stats["steps"] == 3 * 1


@pytest.mark.slow
def test_proposals_are_a_function_of_history_and_seed() -> None:
    history = history_of(AGNet(SPACE, seed=1, **FAST).propose([], [], 20))
    a = AGNet(SPACE, seed=5, **FAST)
    b = AGNet(SPACE, seed=5, **FAST)
    a.seed([5, 20]), b.seed([5, 20])
    assert a.propose(history, [], 8) == b.propose(history, [], 8)


@pytest.mark.slow
def test_search_improves_on_the_initial_design() -> None:
    agnet = AGNet(SPACE, seed=2, epochs=10)
    history = history_of(agnet.propose([], [], 16))
    start = max(o.value for o in history)
    for _ in range(3):
        history += history_of(agnet.propose(history, [], 16))
    assert max(o.value for o in history) > start
    top = sorted(history[16:], key=lambda o: -o.value)[:8]
    assert np.mean([o.value for o in top]) >= np.mean(sorted((o.value for o in history[:16]), reverse=True)[:8])


def test_ablation_switches_and_bad_arguments() -> None:
    history = history_of(AGNet(SPACE, seed=3, **FAST).propose([], [], 16))
    for kw in ({"weighted_retraining": False}, {"backprop_surrogate": False}):
        assert len(AGNet(SPACE, seed=3, **FAST, **kw).propose(history, [], 16)) == 16
    with pytest.raises(ValueError, match="alpha"):
        AGNet(SPACE, alpha=1.5)
    with pytest.raises(ValueError, match="weight_k"):
        AGNet(SPACE, weight_k=0)
    with pytest.raises(ValueError, match="infeasible_penalty"):
        AGNet(SPACE, infeasible_penalty=0.5)
    multi = [Observation(o.cell, o.key, (o.value, 1.0)) for o in history]
    agnet = AGNet(SPACE, seed=0, **FAST)
    assert len(agnet.propose(multi, [], 16)) == 16 and agnet.model.heads == 2


@pytest.mark.slow
def test_raised_temperature_keeps_candidates_coming_from_a_collapsed_generator() -> None:
    import torch

    from lso_sampler.strategies.agnet import _GRID

    agnet = AGNet(SPACE, seed=0, epochs=40, weight_k=1e-3)  # small k: the weight piles on the best
    model = agnet.fit(history_of(agnet.propose([], [], 16)))
    gen = torch.Generator().manual_seed(0)
    z = _GRID[torch.randint(len(_GRID), (3000, 32), generator=gen)]
    usual = {SPACE.key(c) for c in model.sample_cells(z, gen)}  # pretend all of these were queried
    assert len(usual) < 1000  # concentrated: 3,000 draws, few distinct cells
    agnet.temperature_step = 1.0  # the reference: sample at the generator's own temperature
    assert len(agnet.generate(model, usual, max_rounds=4)) < agnet.num_candidates
    agnet.temperature_step = 1.5
    found = agnet.generate(model, usual, max_rounds=4)
    assert len(found) == agnet.num_candidates and agnet.last_stats["temperature"] > 1.0
    assert not {SPACE.key(c) for c in found} & usual
    with pytest.raises(ValueError, match="temperature_step"):
        AGNet(SPACE, temperature_step=0.5)
    with pytest.raises(ValueError, match="temperature"):
        model.sample_cells(z[:2], gen, temperature=0.0)


def test_local_candidates_join_the_generated_cells() -> None:
    """With one generated candidate per round, ``local_candidates=1`` fills the round from
    the best cell's one-edit neighbours, ranked by the surrogate; without them the round is
    the one generated cell and a random top-up."""
    from lso_sampler.strategies.base import neighbours

    history = history_of(AGNet(SPACE, seed=4, **FAST).propose([], [], 20))
    best = max(history, key=lambda o: o.value)
    near = {SPACE.key(c) for c in neighbours(SPACE, best.cell)}
    with_local = AGNet(SPACE, seed=0, num_candidates=1, local_candidates=1, **FAST)
    cells = with_local.propose(history, [], 8)
    assert with_local.last_origins == ["model"] * 8
    assert len({SPACE.key(c) for c in cells} & near) >= 7
    without = AGNet(SPACE, seed=0, num_candidates=1, local_candidates=0, **FAST)
    without.propose(history, [], 8)
    assert without.last_origins.count("random-top-up") == 7


@pytest.mark.parametrize("bad", [-1, 1.5, "4"])
def test_local_candidates_is_checked(bad) -> None:
    with pytest.raises((TypeError, ValueError), match="local_candidates"):
        AGNet(SPACE, seed=0, local_candidates=bad)


def _stalled_history(patience: int) -> tuple[list[Observation], Observation]:
    """Random cells whose fourth is the best, followed by ``patience`` + 8 worse results."""
    cells = AGNet(SPACE, seed=5).propose([], [], patience + 12)
    rng = np.random.default_rng(0)
    history = [Observation(c, SPACE.key(c), (float(v),)) for c, v in zip(cells, rng.normal(size=len(cells)))]
    history[3] = Observation(history[3].cell, history[3].key, (10.0,))
    return history, history[3]


def test_a_stall_first_takes_the_incumbents_untried_neighbours() -> None:
    """After ``stall_patience`` results without a new best, a round is made of the
    incumbent's one-edit neighbours not yet evaluated or pending; before it, or with
    ``stall_patience=None``, it is AG-Net's usual round."""
    from lso_sampler.strategies.base import neighbours

    history, incumbent = _stalled_history(8)
    near = {SPACE.key(c) for c in neighbours(SPACE, incumbent.cell)}
    pending = [c for c in neighbours(SPACE, incumbent.cell) if SPACE.key(c) not in {o.key for o in history}][:2]
    agnet = AGNet(SPACE, seed=0, stall_patience=8, **FAST)
    cells = agnet.propose(history, pending, 6)
    keys = {SPACE.key(c) for c in cells}
    assert len(keys) == 6 and keys <= near
    assert not keys & {SPACE.key(c) for c in pending} and not keys & {o.key for o in history}
    for off in (AGNet(SPACE, seed=0, stall_patience=None, **FAST), AGNet(SPACE, seed=0, stall_patience=100, **FAST)):
        assert len({SPACE.key(c) for c in off.propose(history, pending, 6)} & near) < 6


def test_a_verified_local_optimum_restarts_away_from_it() -> None:
    """Once every neighbour of the stalled incumbent is evaluated (none better), the fits
    rank the cells within ``restart_radius`` edits of it after all the others and the
    rounds leave the incumbents' neighbours out of the candidates."""
    from lso_sampler.strategies.base import edit_distance, neighbours

    history, incumbent = _stalled_history(8)
    seen = {o.key for o in history}
    rest = [c for c in neighbours(SPACE, incumbent.cell) if SPACE.key(c) not in seen]
    history += [Observation(c, SPACE.key(c), (-5.0,)) for c in rest]
    agnet, plain = AGNet(SPACE, seed=0, stall_patience=8, **FAST), AGNet(SPACE, seed=0, stall_patience=None, **FAST)
    _, ranks = agnet._targets(history)
    _, base = plain._targets(history)
    near = np.array([edit_distance(SPACE, o.cell, incumbent.cell) <= agnet.restart_radius for o in history])
    assert near.sum() >= 25 and (~near).any()  # the incumbent and its 24 neighbours
    assert (ranks[near] >= len(history)).all() and np.array_equal(ranks[~near], base[~near])
    model = agnet._fresh_model()
    taken = {o.key for o in history}
    with_local = plain._candidates(model, history, set(taken), 4)
    restarted = agnet._candidates(model, history, set(taken), 4)
    assert len(restarted) <= agnet.num_candidates < len(with_local)


def test_stall_handling_is_off_with_several_objectives_constraints_or_a_new_best() -> None:
    history, _ = _stalled_history(8)
    agnet = AGNet(SPACE, seed=0, stall_patience=8)
    assert agnet._stalled_incumbent(history) is not None
    assert agnet._stalled_incumbent(history[:11]) is None  # 7 results after the best
    two = [Observation(o.cell, o.key, (o.value, -o.value)) for o in history]
    assert agnet._stalled_incumbent(two) is None
    constrained = [Observation(o.cell, o.key, o.values, (0.0,)) for o in history]
    assert agnet._stalled_incumbent(constrained) is None
