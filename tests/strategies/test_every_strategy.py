"""The test case every registered strategy runs: valid unseen cells, seeded repeatability,
a state round trip. New methods join through the registry (tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from lso_sampler.methods import get_method
from lso_sampler.strategies.base import Observation
from tests.conftest import METHOD_NAMES, SPACES, cheap_strategy

#: Model-based methods run on spaces with shipped pretrained weights (others would pretrain).
_MODEL_SPACES = ("nasbench201", "nasbench-graph")
CASES = [
    (m, s)
    for m in METHOD_NAMES
    for s in SPACES
    if not get_method(m).model_based or s in _MODEL_SPACES
]


def _history(space: Any, n: int, seed: int = 0) -> list[Observation]:
    """``n`` distinct random cells with a value that depends on the cell."""
    rng = np.random.default_rng(seed)
    out: dict[str, Observation] = {}
    while len(out) < n:
        cell = space.sample(rng)
        key = space.key(cell)
        value = float(len(set(cell.ops))) + 0.1 * cell.num_edges + 0.01 * len(out)
        out.setdefault(key, Observation(cell, key, (value,)))
    return list(out.values())


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if hasattr(a, "detach"):
        import torch

        return torch.equal(a, b)
    return bool(np.all(a == b))


@pytest.mark.parametrize(("method", "space_id"), CASES)
def test_proposes_valid_unseen_cells_repeatably(method: str, space_id: str) -> None:
    space = SPACES[space_id]
    strategy = cheap_strategy(method, space, seed=3)
    n_startup_trials = getattr(strategy, "n_startup_trials", 4)
    history = _history(space, max(n_startup_trials, 6) + 2)
    pending = [o.cell for o in _history(space, 2, seed=99) if o.key not in {h.key for h in history}]
    cells = strategy.propose(history, pending, 4)
    keys = [space.key(c) for c in cells]
    assert 1 <= len(cells) <= 4
    assert all(space.is_valid(c) for c in cells)
    assert len(set(keys)) == len(keys)
    taken = {o.key for o in history} | {space.key(c) for c in pending}
    assert not set(keys) & taken
    again = cheap_strategy(method, space, seed=3).propose(history, pending, 4)
    assert [space.key(c) for c in again] == keys


@pytest.mark.parametrize(("method", "space_id"), CASES)
def test_state_round_trip(method: str, space_id: str) -> None:
    space = SPACES[space_id]
    strategy = cheap_strategy(method, space, seed=1)
    history = _history(space, max(getattr(strategy, "n_startup_trials", 4), 6) + 2)
    strategy.propose(history, [], 2)
    state = strategy.state_dict()
    fresh = cheap_strategy(method, space, seed=1)
    fresh.load_state_dict(state)
    assert _same(fresh.state_dict(), state)


MODEL_CASES = [(m, s) for m, s in CASES if get_method(m).model_based]


@pytest.mark.parametrize(("method", "space_id"), MODEL_CASES)
def test_a_saved_model_that_no_longer_fits_is_dropped_and_the_search_goes_on(method: str, space_id: str) -> None:
    """A state saved by an older version whose model had other weights (e.g. the graph
    VAE's encoder before it gained node indices) restores: the model is dropped with a
    warning, and the next proposals are those the original search makes."""
    space = SPACES[space_id]
    strategy = cheap_strategy(method, space, seed=1)
    history = _history(space, max(getattr(strategy, "n_startup_trials", 4), 6) + 2)
    strategy.propose(history, [], 2)
    state = strategy.state_dict()
    model_state = dict(state["model"])
    dropped = next(iter(model_state))
    del model_state[dropped]
    model_state["no_longer_there.weight"] = model_state[next(iter(model_state))]
    fresh = cheap_strategy(method, space, seed=1)
    fresh.rng.bit_generator.state = strategy.rng.bit_generator.state
    with pytest.warns(UserWarning, match=r"state: the saved .* model does not fit .*" + dropped.split(".")[0]):
        fresh.load_state_dict({**state, "model": model_state})
    assert fresh.model is None
    more = _history(space, len(history) + 3, seed=5)
    expected = [space.key(c) for c in strategy.propose(more, [], 2)]
    assert [space.key(c) for c in fresh.propose(more, [], 2)] == expected
