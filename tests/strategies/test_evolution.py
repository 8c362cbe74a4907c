from __future__ import annotations

import numpy as np
import pytest

from lso_sampler.spaces import NASBench101Space, NASBench201Space
from lso_sampler.strategies import Observation, RegularizedEvolution, neighbours


def observe(space, cells, score):
    return [Observation(c, space.key(c), (score(c),)) for c in cells]


def test_random_until_the_population_is_full_then_one_edit_children() -> None:
    space = NASBench201Space()
    evo = RegularizedEvolution(space, population_size=10, sample_size=3, seed=0)
    score = lambda c: float(c.ops.count("nor_conv_3x3"))  # noqa: E731
    history = observe(space, evo.propose([], [], 10), score)
    assert len({o.key for o in history}) == 10
    for _ in range(30):
        (child,) = evo.propose(history, [], 1)
        assert space.is_valid(child)
        assert space.key(child) not in {o.key for o in history}
        population = history[-10:]
        parents = [o for o in population if space.key(child) in {space.key(n) for n in neighbours(space, o.cell)}]
        assert parents, "a child must be one edit away from a member of the current population"
        history += observe(space, [child], score)


def test_aging_only_the_last_p_cells_are_parents() -> None:
    space = NASBench201Space()
    evo = RegularizedEvolution(space, population_size=5, sample_size=5, seed=1)
    best = space.cell_from_ops(["nor_conv_3x3"] * 6)
    rng = np.random.default_rng(0)
    others = [space.sample(rng) for _ in range(5)]
    # the best cell is the oldest: with S = P the tournament picks the best of the last 5
    history = [Observation(best, space.key(best), (100.0,))] + [
        Observation(c, space.key(c), (float(i),)) for i, c in enumerate(others)
    ]
    (child,) = evo.propose(history, [], 1)
    assert space.key(child) in {space.key(n) for n in neighbours(space, others[-1])}


def test_pending_and_invalid_cells_are_never_proposed() -> None:
    space = NASBench101Space()
    evo = RegularizedEvolution(space, population_size=5, sample_size=2, seed=2)
    rng = np.random.default_rng(3)
    cells = []
    while len(cells) < 5:
        c = space.sample(rng)
        if space.key(c) not in {space.key(x) for x in cells}:
            cells.append(c)
    history = observe(space, cells, lambda c: float(c.num_edges))
    pending = evo.propose(history, [], 8)
    more = evo.propose(history, pending, 8)
    keys = {space.key(c) for c in more}
    assert not keys & {space.key(c) for c in pending}
    assert not keys & {o.key for o in history}
    assert all(space.is_valid(c) for c in more)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="population_size"):
        RegularizedEvolution(NASBench201Space(), population_size=1)
    with pytest.raises(ValueError, match="sample_size"):
        RegularizedEvolution(NASBench201Space(), population_size=4, sample_size=0)


def test_tournament_prefers_feasible_and_non_dominated_parents() -> None:
    space = NASBench201Space()
    evo = RegularizedEvolution(space, population_size=4, sample_size=4, seed=0)
    cells = [space.from_index(i) for i in (10, 200, 3000, 9000)]
    # cell 0 has the best accuracy but breaks the constraint; cell 2 is the best feasible one
    values = [(99.0, -1.0), (50.0, -5.0), (90.0, -2.0), (10.0, -9.0)]
    constraints = [(1.0,), (-1.0,), (-1.0,), (-1.0,)]
    history = [Observation(c, space.key(c), v, k) for c, v, k in zip(cells, values, constraints)]
    parent_key = space.key(cells[2])
    children = evo.propose(history, [], 8)
    # the whole population is in every tournament: every child is one edit from cell 2
    nbr_keys = {space.key(c) for c in neighbours(space, cells[2])}
    assert all(space.key(c) in nbr_keys for c in children) and parent_key not in {space.key(c) for c in children}


def test_a_parameter_with_one_choice_is_never_mutated() -> None:
    import optuna

    from lso_sampler.integrations.optuna import sampler_class
    from lso_sampler.spaces import DAGSpace

    space = DAGSpace(5, ["conv"])  # every op parameter has one choice
    sampler = sampler_class("evolution")(space, population_size=4, sample_size=2, seed=0)
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: float(space.suggest(t).num_edges), n_trials=12)  # crashed once the population was full
    assert len(study.trials) == 12
