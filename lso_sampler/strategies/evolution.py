"""Regularised (aging) evolution, Real et al. 2019."""

from __future__ import annotations

from collections.abc import Sequence

from lso_sampler._checks import check_int
from lso_sampler.cell import Cell
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies.base import Observation, Strategy, constrained_order, random_unseen

__all__ = ["RegularizedEvolution"]


class RegularizedEvolution(Strategy):
    """Regularised evolution (Real, Aggarwal, Huang & Le, AAAI 2019).

    The population is the ``population_size`` most recently evaluated cells (the oldest
    is removed, "aging"); until it is full, cells are drawn at random. Each child: draw
    ``sample_size`` cells from the population at random, take the best as parent and
    change one of its parameters to another value. Children are valid and neither queried
    nor pending; when ``max_mutation_tries`` mutations all fail, a random unseen cell is
    used instead. Defaults P = 100, S = 25 are the paper's.

    With constraints, the tournament prefers feasible cells (infeasible ones by smaller
    violation); with several objectives it picks by constrained non-dominated sorting of
    the population (front first, then the sum of per-objective ranks), as NSGA-II ranks.

    Args:
        space: The search space.
        population_size: P.
        sample_size: S, the tournament size (``<= population_size``).
        seed: Random seed.
        max_mutation_tries: Mutations tried per child before falling back to random (>= 1).

    Raises:
        TypeError: if an option is not an int (e.g. ``population_size=4.5``, ``sample_size="3"``).
        ValueError: if an option is out of range (e.g. ``max_mutation_tries=0``).

    Example:
        >>> from lso_sampler.spaces import NASBench201Space
        >>> evo = RegularizedEvolution(NASBench201Space(), population_size=10, sample_size=3, seed=0)
        >>> len(evo.propose([], [], 1))
        1
    """

    name = "evolution"
    supports_multi_objective = True
    supports_constraints = True

    def __init__(
        self,
        space: SearchSpace,
        population_size: int = 100,
        sample_size: int = 25,
        seed: int | None = None,
        max_mutation_tries: int = 100,
    ) -> None:
        super().__init__(space, seed)
        population_size = check_int("population_size", population_size, 2)
        sample_size = check_int(
            "sample_size", sample_size, 1, population_size, high_text=f"population_size ({population_size})"
        )
        max_mutation_tries = check_int("max_mutation_tries", max_mutation_tries, 1)
        self.population_size = population_size
        self.sample_size = sample_size
        self.max_mutation_tries = max_mutation_tries

    def mutate(self, cell: Cell) -> Cell:
        """Change one parameter of ``cell`` to a different value (may be invalid); among
        the parameters with more than one choice (``cell`` itself when there is none)."""
        params = self.space.to_params(cell, "categorical")
        variables = [v for v in self.space.variables() if len(v.choices) > 1]
        if not variables:
            return cell
        var = variables[int(self.rng.integers(len(variables)))]
        others = [c for c in var.choices if c != params[var.name]]
        params[var.name] = others[int(self.rng.integers(len(others)))]
        return self.space.from_params(params, "categorical")

    def propose(self, history: Sequence[Observation], pending: Sequence[Cell], n: int) -> list[Cell]:
        taken = self.taken(history, pending)
        if len(history) < self.population_size:
            return random_unseen(self.space, self.rng, taken, n)
        population = list(history[-self.population_size :])
        ranks = constrained_order(population)
        out: list[Cell] = []
        for _ in range(n):
            child = None
            for _ in range(self.max_mutation_tries):
                idx = self.rng.choice(len(population), size=self.sample_size, replace=False)
                parent = population[int(min(idx, key=lambda i: ranks[int(i)]))]
                candidate = self.mutate(parent.cell)
                k = self.space.key(candidate)
                if k not in taken and self.space.is_valid(candidate):
                    child = candidate
                    break
            if child is None:
                extra = random_unseen(self.space, self.rng, taken, 1)
                if not extra:
                    break
                child = extra[0]
            taken.add(self.space.key(child))
            out.append(child)
        return out
