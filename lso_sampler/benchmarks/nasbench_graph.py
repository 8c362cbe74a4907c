"""NAS-Bench-Graph from the tables shipped in the ``nas-bench-graph`` package."""

from __future__ import annotations

from functools import cached_property

from nas_bench_graph import light_read

from lso_sampler.benchmarks.base import Benchmark, Optimum, QueryResult
from lso_sampler.cell import Cell
from lso_sampler.spaces.nasbench_graph import NASBenchGraphSpace

__all__ = ["NASBenchGraph", "DATASETS"]

DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins")


class NASBenchGraph(Benchmark):
    """NAS-Bench-Graph (Qin et al., NeurIPS 2022 Datasets and Benchmarks) on one data set.

    Searches on ``valid_perf`` and reports ``perf`` (test), both in percent; ``info`` holds
    ``latency_s`` and ``params_m`` (millions). The data ships inside the ``nas-bench-graph``
    package, so no data directory is needed.

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
        self._table = light_read(dataset)

    @property
    def records(self) -> dict[int, dict[str, float]]:
        """The package's table: record key -> record."""
        return self._table

    def _lookup(self, cell: Cell, key: str) -> QueryResult:
        rec = self._table[self.space.record_key(cell)]
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
