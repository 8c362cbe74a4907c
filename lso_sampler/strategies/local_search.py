"""Local search (hill climbing over one-edit neighbours with random restarts)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from lso_sampler._checks import check_int, renamed
from lso_sampler.cell import Cell
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies.base import Observation, Strategy, neighbours, random_unseen

__all__ = ["LocalSearch"]


class LocalSearch(Strategy):
    """Local search as in White, Nolen & Savani ("Local search is state of the art for NAS
    benchmarks", UAI 2021): from a random cell, evaluate its whole one-edit neighbourhood,
    move to the best neighbour if it improves, otherwise the cell is a local optimum and
    the search restarts from a new random cell.

    The state (current cell, restarts) is replayed from the history on every call, so a
    fresh process with the same history continues the same climb. Neighbours are the
    valid cells one parameter edit away; each is evaluated once. With constraints, a
    feasible cell beats every infeasible one (those compare by violation). Single-objective
    only: a multi-objective history is refused with a ValueError.

    Args:
        space: The search space.
        n_startup_trials: Random cells evaluated before the first climb starts from the
            best of them (the paper's Algorithm 1 uses 1; Optuna's name for the start-up
            count, formerly ``num_init``, which still works with a FutureWarning).
        seed: Random seed.

    Raises:
        TypeError: if ``n_startup_trials`` is not an int.
        ValueError: if ``n_startup_trials`` is below 1, or given under both its names.

    Example:
        >>> from lso_sampler.spaces import NASBench201Space
        >>> ls = LocalSearch(NASBench201Space(), seed=0)
        >>> len(ls.propose([], [], 1))
        1
    """

    name = "local-search"
    supports_constraints = True

    @renamed(num_init="n_startup_trials")
    def __init__(self, space: SearchSpace, n_startup_trials: int = 1, seed: int | None = None) -> None:
        super().__init__(space, seed)
        n_startup_trials = check_int("n_startup_trials", n_startup_trials, 1)
        self.n_startup_trials = n_startup_trials
        self._nbr_cache: dict[str, tuple[list[Cell], list[str]]] = {}

    @property
    def num_init(self) -> int:
        """Deprecated name of :attr:`n_startup_trials` (a FutureWarning says so)."""
        warnings.warn("num_init is deprecated; use n_startup_trials", FutureWarning, stacklevel=2)
        return self.n_startup_trials

    def _neighbours(self, cell: Cell, key: str) -> tuple[list[Cell], list[str]]:
        """The one-edit neighbours of a cell and their keys (cached by the cell's key)."""
        if key not in self._nbr_cache:
            cells = neighbours(self.space, cell)
            self._nbr_cache[key] = (cells, [self.space.key(c) for c in cells])
        return self._nbr_cache[key]

    def current(self, history: Sequence[Observation]) -> Observation | None:
        """The cell the climb stands on after ``history`` (``None``: a restart is due)."""
        known: dict[str, Observation] = {}
        centre: Observation | None = None
        init_left, init_best = self.n_startup_trials, None
        for obs in history:
            known.setdefault(obs.key, obs)
            if centre is None:
                if init_best is None or obs.score > init_best.score:
                    init_best = obs
                init_left -= 1
                if init_left > 0:
                    continue
                centre, init_best = init_best, None
            # climb while the centre's whole neighbourhood is known
            while centre is not None:
                _, keys = self._neighbours(centre.cell, centre.key)
                if not all(k in known for k in keys):
                    break
                best = max((known[k] for k in keys), key=lambda o: o.score, default=None)
                if best is not None and best.score > centre.score:
                    centre = best
                else:
                    centre, init_left = None, 1  # local optimum: restart from a random cell
        return centre

    def propose(self, history: Sequence[Observation], pending: Sequence[Cell], n: int) -> list[Cell]:
        self.check_objectives(history)
        taken = self.taken(history, pending)
        centre = self.current(history)
        out: list[Cell] = []
        if centre is not None:
            cells, keys = self._neighbours(centre.cell, centre.key)
            fresh = [(c, k) for c, k in zip(cells, keys) if k not in taken]
            for i in self.rng.permutation(len(fresh))[:n]:
                cell, k = fresh[int(i)]
                taken.add(k)
                out.append(cell)
        if len(out) < n:
            out += random_unseen(self.space, self.rng, taken, n - len(out))
        return out
