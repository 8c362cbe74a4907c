"""NAS-Bench-Graph from the tables shipped in the ``nas-bench-graph`` package."""

from __future__ import annotations

import math
import pickle
from functools import cached_property
from pathlib import Path
from typing import Any

from nas_bench_graph import readbench

from lso_sampler.benchmarks.base import Benchmark, Optimum, QueryResult, damaged_file
from lso_sampler.cell import Cell
from lso_sampler.spaces.nasbench_graph import NASBenchGraphSpace

__all__ = ["NASBenchGraph", "DATASETS"]

DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins")

_SOURCE = "the nas-bench-graph package (pip install --force-reinstall nas-bench-graph)"
#: The fields of a record this reader uses.
_FIELDS = ("valid_perf", "perf", "latency", "para")


def table_path(dataset: str) -> Path:
    """The file of ``dataset``'s table inside the ``nas-bench-graph`` package (what its
    ``light_read`` reads)."""
    return Path(readbench.__file__).resolve().parent / "light" / f"{dataset}.bench"


def read_table(path: Path) -> dict[Any, dict[str, Any]]:
    """The NAS-Bench-Graph table pickled in ``path``, checked: a dict of records, each with
    finite ``valid_perf``, ``perf``, ``latency`` and ``para``.

    Raises:
        BenchmarkDataError: naming the file, what is wrong (and the record) and where it
            comes from, if the file is missing, truncated, corrupt or holds bad records.
    """
    try:
        with open(path, "rb") as f:
            table = pickle.load(f)
    except FileNotFoundError:
        raise damaged_file(path, "it is missing from the installed package", _SOURCE) from None
    except Exception as err:  # EOFError, UnpicklingError, ... : whatever a damaged pickle raises
        raise damaged_file(
            path, f"it cannot be unpickled (truncated or corrupt? {type(err).__name__}: {err})", _SOURCE
        ) from None
    if not isinstance(table, dict) or not table:
        raise damaged_file(path, f"expected a non-empty dict of records, found {type(table).__name__}", _SOURCE)
    for key, rec in table.items():
        if not isinstance(rec, dict) or any(f not in rec for f in _FIELDS):
            raise damaged_file(path, f"record {key!r} lacks one of the fields {list(_FIELDS)}: {rec!r}", _SOURCE)
        for f in _FIELDS:
            try:
                ok = math.isfinite(float(rec[f]))
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise damaged_file(path, f"record {key!r}: {f} is {rec[f]!r}, not a finite number", _SOURCE)
    return table


class NASBenchGraph(Benchmark):
    """NAS-Bench-Graph (Qin et al., NeurIPS 2022 Datasets and Benchmarks) on one data set.

    Searches on ``valid_perf`` and reports ``perf`` (test), both in percent; ``info`` holds
    ``latency_s`` and ``params_m`` (millions). The data ships inside the ``nas-bench-graph``
    package, so no data directory is needed.

    Raises:
        BenchmarkDataError: if the package's table for ``dataset`` is damaged (cannot be
            unpickled, a record without a value or with a NaN one).

    Example:
        >>> bench = NASBenchGraph("cora")
        >>> cell = bench.space.sample(0)
        >>> 0 < bench.query(cell).search_value <= 100
        True
    """

    def __init__(self, dataset: str = "cora") -> None:
        super().__init__()
        if dataset not in DATASETS:
            raise ValueError(f"dataset: must be one of {list(DATASETS)}, got {dataset!r}")
        self.dataset = dataset
        self.name = f"nasbench-graph:{dataset}"
        self.space = NASBenchGraphSpace(dataset)
        self._path = table_path(dataset)
        self._table = read_table(self._path)

    @property
    def records(self) -> dict[int, dict[str, float]]:
        """The package's table: record key -> record."""
        return self._table

    def _lookup(self, cell: Cell, key: str) -> QueryResult:
        rec = self._table.get(self.space.record_key(cell))
        if rec is None:
            raise damaged_file(
                self._path,
                f"it has no record for the valid cell {key!r} (record key {self.space.record_key(cell)!r})",
                _SOURCE,
            )
        info = {"latency_s": float(rec["latency"]), "params_m": float(rec["para"])}
        return QueryResult(cell, key, 100.0 * float(rec["valid_perf"]), 100.0 * float(rec["perf"]), info)

    @cached_property
    def optimum(self) -> Optimum:  # type: ignore[override]
        best_key = max(self._table, key=lambda k: float(self._table[k]["valid_perf"]))
        cell = next(c for c in self.space.enumerate() if self.space.record_key(c) == best_key)
        rec = self._table[best_key]
        return Optimum(
            100.0 * float(rec["valid_perf"]),
            100.0 * float(rec["perf"]),
            cell,
            100.0 * max(float(r["perf"]) for r in self._table.values()),
        )
