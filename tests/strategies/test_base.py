from __future__ import annotations

import math

import numpy as np
import pytest

from lso_sampler.spaces import NASBench201Space
from lso_sampler.strategies import LocalSearch, Observation, constrained_ranks, nondominated_ranks
from lso_sampler.strategies.base import constrained_order, history_arrays

SPACE = NASBench201Space()


def _obs(i: int, values: tuple[float, ...], constraints: tuple[float, ...] = ()) -> Observation:
    cell = SPACE.from_index(i)
    return Observation(cell, SPACE.key(cell), values, constraints)


def test_violation_feasibility_and_score() -> None:
    ok = _obs(0, (1.0,), (-0.5, 0.0))
    bad = _obs(1, (9.0,), (0.25, 0.5, -3.0))
    unknown = _obs(2, (9.0,), (math.inf,))
    assert ok.feasible and ok.violation == 0.0
    assert not bad.feasible and bad.violation == pytest.approx(0.75)
    assert not unknown.feasible
    assert ok.score > bad.score > unknown.score  # any feasible beats all infeasible
    assert _obs(3, (2.0,)).feasible  # no constraints: feasible


def test_nondominated_fronts_of_a_known_set() -> None:
    values = np.array([[3, 1], [2, 2], [1, 3], [1, 1], [2, 1], [0, 0]], dtype=float)
    assert nondominated_ranks(values).tolist() == [0, 0, 0, 2, 1, 3]


def test_infeasible_points_come_after_every_feasible_one_by_violation() -> None:
    values = np.array([[9, 9], [1, 1], [8, 8], [0, 0]], dtype=float)
    violation = np.array([0.5, 0.0, 0.1, 0.0])
    fronts = nondominated_ranks(values, violation)
    assert fronts.tolist() == [3, 0, 2, 1]
    ranks = constrained_ranks(values, violation)
    assert ranks.tolist() == [3, 0, 2, 1]


def test_single_objective_ranks_follow_values_then_history_order() -> None:
    ranks = constrained_ranks(np.array([[1.0], [3.0], [3.0], [2.0]]))
    assert ranks.tolist() == [3, 0, 1, 2]


def test_within_a_front_the_sum_of_ranks_decides() -> None:
    # the first three are non-dominated; the middle one is second on both objectives
    values = np.array([[3.0, 0.0], [2.0, 2.0], [0.0, 3.0], [1.0, 1.0]])
    assert constrained_ranks(values).tolist() == [1, 0, 2, 3]


def test_history_arrays_refuse_mixed_lengths() -> None:
    history = [_obs(0, (1.0, 2.0)), _obs(1, (1.0,))]
    with pytest.raises(ValueError, match="disagree on the number of objectives"):
        history_arrays(history)
    values, constraints, violation = history_arrays([_obs(0, (1.0, 2.0), (0.5,)), _obs(1, (2.0, 1.0), (-1.0,))])
    assert values.shape == (2, 2) and constraints.shape == (2, 1) and violation.tolist() == [0.5, 0.0]
    assert constrained_order([_obs(0, (1.0,), (0.5,)), _obs(1, (0.0,), (-1.0,))]).tolist() == [1, 0]


def test_single_objective_strategies_refuse_several_objectives() -> None:
    history = [_obs(i, (float(i), -float(i))) for i in range(3)]
    with pytest.raises(ValueError, match="LocalSearch handles single-objective studies only.*2 objectives"):
        LocalSearch(SPACE, seed=0).propose(history, [], 1)
