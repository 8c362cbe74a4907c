"""Random search over distinct valid cells."""

from __future__ import annotations

from collections.abc import Sequence

from lso_sampler.cell import Cell
from lso_sampler.strategies.base import Observation, Strategy, random_unseen

__all__ = ["RandomSearch"]


class RandomSearch(Strategy):
    """Uniformly random valid cells, never one already queried or pending.

    Unlike Optuna's ``RandomSampler`` it never spends a query on a repeat. Handles any
    number of objectives (it ignores them).

    Example:
        >>> from lso_sampler.spaces import NASBench201Space
        >>> strategy = RandomSearch(NASBench201Space(), seed=0)
        >>> len(strategy.propose([], [], 4))
        4
    """

    supports_multi_objective = True
    supports_constraints = True  # random search ignores values and constraints alike
    name = "random-search"

    def propose(self, history: Sequence[Observation], pending: Sequence[Cell], n: int) -> list[Cell]:
        # the adapters' busy keys as they are (random_unseen only reads them), else computed
        hint = getattr(self, "_busy_hint", None)
        exclude = hint if hint is not None else self.taken(history, pending)
        cells = random_unseen(self.space, self.rng, exclude, n)
        self.last_origins = ["random"] * len(cells)
        return cells
