from __future__ import annotations

from lso_sampler.spaces import DAGSpace
from lso_sampler.strategies import Observation, RandomSearch


def test_distinct_unseen_cells_until_the_space_is_exhausted() -> None:
    space = DAGSpace(3, ["a", "b"])
    total = len(list(space.enumerate()))
    rs = RandomSearch(space, seed=0)
    history: list[Observation] = []
    while True:
        batch = rs.propose(history, [], 2)
        if not batch:
            break
        history += [Observation(c, space.key(c), (0.0,)) for c in batch]
    assert len(history) == total
    assert len({o.key for o in history}) == total
