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
