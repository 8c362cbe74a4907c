"""The common benchmark interface, query accounting and the data directory."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lso_sampler.cell import Cell
from lso_sampler.spaces.base import SearchSpace

__all__ = [
    "DATA_ENV",
    "Benchmark",
    "BenchmarkDataError",
    "InvalidCellError",
    "Optimum",
    "QueryResult",
    "damaged_file",
    "data_file",
    "resolve_data_dir",
]

#: Environment variable naming the directory that holds the benchmark data.
DATA_ENV = "LSO_SAMPLER_DATA"


class BenchmarkDataError(FileNotFoundError):
    """A benchmark data file is missing or damaged (truncated, corrupt, a column or record
    missing, NaN values); the message names the file, what is wrong and where it comes from."""


class InvalidCellError(ValueError):
    """The cell is not a valid member of the benchmark's space (the message says why)."""


def resolve_data_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    """The benchmark data directory: ``data_dir`` if given, else ``$LSO_SAMPLER_DATA``."""
    if data_dir is None:
        env = os.environ.get(DATA_ENV)
        if not env:
            raise BenchmarkDataError(
                f"data_dir: no benchmark data directory given; pass data_dir=... (--data-dir on the "
                f"command line) or set "
                f"{DATA_ENV} to the folder that holds nasbench201/, nasbench201_latency/, "
                "enas_dvae/ and yahpo_data/"
            )
        data_dir = env
    path = Path(data_dir).expanduser()
    if not path.is_dir():
        raise BenchmarkDataError(f"data_dir: {str(path)!r} is not a directory")
    return path


def data_file(data_dir: Path, relative: str, source: str) -> Path:
    """``data_dir / relative``, or a :class:`BenchmarkDataError` naming it and its source."""
    path = data_dir / relative
    if not path.is_file():
        raise BenchmarkDataError(
            f"missing benchmark file {str(path)!r} (expected as {relative!r} under the data "
            f"directory). It comes from {source}."
        )
    return path


def damaged_file(path: str | os.PathLike[str], problem: str, source: str) -> BenchmarkDataError:
    """The :class:`BenchmarkDataError` for a damaged data file (to raise).

    Args:
        path: The file.
        problem: What is wrong with it, e.g. ``"cannot be read (EOFError: ...)"``.
        source: Where a good copy comes from.
    """
    return BenchmarkDataError(
        f"damaged benchmark file {str(path)!r}: {problem}. Replace it with a fresh copy; it comes from {source}."
    )


@dataclass(frozen=True)
class QueryResult:
    """What a benchmark knows about one cell.

    Attributes:
        cell: The queried cell.
        key: Its canonical key in the benchmark's space.
        search_value: The value a search method sees (to maximise), e.g. validation accuracy.
        reported_value: The value to report, e.g. test accuracy.
        info: Everything else the benchmark has: cost in seconds, latency, parameters, ...
        cached: ``True`` when the cell was queried before (the query did not count).
    """

    cell: Cell
    key: str
    search_value: float
    reported_value: float
    info: dict[str, Any] = field(default_factory=dict)
    cached: bool = False


@dataclass(frozen=True)
class Optimum:
    """The best cell of a benchmark by search value, and the best reported value overall."""

    search_value: float
    reported_value: float
    cell: Cell
    best_reported_value: float


class Benchmark(ABC):
    """A tabular or surrogate NAS benchmark with query accounting.

    A query is a distinct cell by canonical key (:meth:`SearchSpace.key`): repeats are
    answered from the cache and do not count in :attr:`num_queries`. Values are maximised.
    """

    #: Name as used by the CLI (``family:dataset``).
    name: str = "benchmark"
    space: SearchSpace
    #: Name of a second objective to minimise (e.g. ``"latency_ms"``), ``None`` if there is none.
    cost_name: str | None = None

    def __init__(self) -> None:
        self._cache: dict[str, QueryResult] = {}
        self.history: list[QueryResult] = []

    @abstractmethod
    def _lookup(self, cell: Cell, key: str) -> QueryResult:
        """Look ``cell`` up in the data (no accounting)."""

    def query(self, cell: Cell) -> QueryResult:
        """The benchmark's record for ``cell``; counts a query unless the cell was seen.

        Raises:
            InvalidCellError: if ``cell`` is not valid in the benchmark's space.
        """
        validity = self.space.is_valid(cell)
        if not validity:
            raise InvalidCellError(f"cell: not a valid {self.space.name} cell: {validity.reason}")
        key = self.space.key(cell)
        hit = self._cache.get(key)
        if hit is not None:
            return replace(hit, cell=cell, cached=True)
        result = self._lookup(cell, key)
        self._cache[key] = result
        self.history.append(result)
        return result

    @property
    def num_queries(self) -> int:
        """Distinct cells queried so far."""
        return len(self._cache)

    def reset(self) -> None:
        """Forget the query history (the data stays loaded)."""
        self._cache.clear()
        self.history.clear()

    @property
    def optimum(self) -> Optimum:
        """Best search value and the reported value of that cell.

        Raises:
            NotImplementedError: for surrogate benchmarks whose optimum is unknown.
        """
        raise NotImplementedError(f"{self.name}: the optimum is not known for this benchmark")

    def cost(self, result: QueryResult) -> float:
        """The second objective of a queried cell (to minimise), for benchmarks with a
        :attr:`cost_name`."""
        raise NotImplementedError(f"{self.name}: has no second objective")

    def all_points(self) -> tuple[Any, Any]:
        """Search values and costs of every cell of a tabular benchmark with a cost (numpy
        arrays, for the true Pareto front and constrained optima)."""
        raise NotImplementedError(f"{self.name}: the whole table is not available")

    def constrained_optimum(self, limit: float) -> Optimum:
        """The best cell by search value among those with cost ``<= limit`` (tabular
        benchmarks with a cost)."""
        raise NotImplementedError(f"{self.name}: the constrained optimum is not known")

    def regret(self, reported_value: float) -> float:
        """``best reported value - reported_value`` (0 at the optimum)."""
        return self.optimum.best_reported_value - reported_value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"
