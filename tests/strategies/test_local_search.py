from __future__ import annotations

import pytest

from lso_sampler.spaces import NASBench201Space
from lso_sampler.strategies import LocalSearch, Observation, neighbours

SPACE = NASBench201Space()


def run(ls: LocalSearch, score, n: int) -> list[Observation]:
    history: list[Observation] = []
    for _ in range(n):
        (cell,) = ls.propose(history, [], 1)
        history.append(Observation(cell, SPACE.key(cell), (score(cell),)))
    return history


def test_climbs_a_unimodal_objective_to_the_top() -> None:
    score = lambda c: float(c.ops.count("nor_conv_3x3"))  # noqa: E731
    history = run(LocalSearch(SPACE, seed=0), score, 1 + 24 * 6)
    assert max(o.value for o in history) == 6.0
    assert len({o.key for o in history}) == len(history)


def test_whole_neighbourhood_then_move_to_the_best() -> None:
    score = lambda c: float(c.ops.count("nor_conv_3x3")) + 0.1 * c.ops.count("skip_connect")  # noqa: E731
    ls = LocalSearch(SPACE, seed=1)
    history = run(ls, score, 1 + 24)
    start = history[0]
    nbr_keys = {SPACE.key(c) for c in neighbours(SPACE, start.cell)}
    assert {o.key for o in history[1:]} == nbr_keys  # the full neighbourhood, once each
    best = max(history[1:], key=lambda o: o.value)
    centre = ls.current(history)
    if best.value > start.value:
        assert centre is not None and centre.key in nbr_keys and centre.value == best.value
    else:
        assert centre is None


def test_restarts_at_a_local_optimum() -> None:
    peak = SPACE.cell_from_ops(["avg_pool_3x3"] * 6)
    score = lambda c: 1.0 if c == peak else 0.0  # noqa: E731
    ls = LocalSearch(SPACE, seed=0)
    history = [Observation(peak, SPACE.key(peak), (1.0,))]
    for cell in neighbours(SPACE, peak):
        history.append(Observation(cell, SPACE.key(cell), (score(cell),)))
    assert ls.current(history) is None  # the peak's neighbourhood is done: restart
    (fresh,) = ls.propose(history, [], 1)
    assert SPACE.key(fresh) not in {o.key for o in history}


def test_state_is_replayed_from_history_alone() -> None:
    score = lambda c: float(c.ops.count("nor_conv_1x1"))  # noqa: E731
    history = run(LocalSearch(SPACE, seed=4), score, 40)
    a, b = LocalSearch(SPACE, seed=9), LocalSearch(SPACE, seed=9)
    assert a.current(history) == b.current(history)
    assert a.propose(history, [], 3) == b.propose(history, [], 3)
    with pytest.raises(ValueError, match="n_startup_trials"):
        LocalSearch(SPACE, n_startup_trials=0)


def test_a_feasible_cell_beats_a_better_infeasible_one() -> None:
    space = NASBench201Space()
    ls = LocalSearch(space, n_startup_trials=2, seed=0)
    a, b = space.from_index(5), space.from_index(7000)
    history = [
        Observation(a, space.key(a), (10.0,), (-1.0,)),
        Observation(b, space.key(b), (90.0,), (2.0,)),  # better, but infeasible
    ]
    assert ls.current(history).key == space.key(a)
