"""Readers for tabular and surrogate NAS benchmarks, with query accounting."""

from __future__ import annotations

import os
from typing import Any

from lso_sampler.benchmarks.base import (
    DATA_ENV,
    Benchmark,
    BenchmarkDataError,
    InvalidCellError,
    Optimum,
    QueryResult,
    resolve_data_dir,
)
from lso_sampler.benchmarks.enas import ENASDataset
from lso_sampler.benchmarks.nasbench201 import LATENCY_DEVICES, NASBench201, NASBench201Latency
from lso_sampler.benchmarks.nasbench301 import NASBench301
from lso_sampler.benchmarks.nasbench_graph import DATASETS as NASBENCH_GRAPH_DATASETS
from lso_sampler.benchmarks.nasbench_graph import NASBenchGraph

__all__ = [
    "BENCHMARK_NAMES",
    "DATA_ENV",
    "Benchmark",
    "BenchmarkDataError",
    "ENASDataset",
    "InvalidCellError",
    "LATENCY_DEVICES",
    "NASBench201",
    "NASBench201Latency",
    "NASBench301",
    "NASBenchGraph",
    "Optimum",
    "QueryResult",
    "get_benchmark",
    "resolve_data_dir",
]

BENCHMARK_NAMES = (
    *(f"nasbench-graph:{d}" for d in NASBENCH_GRAPH_DATASETS),
    "nasbench201:cifar10",
    "nasbench201:cifar100",
    "nasbench201:imagenet16",
    *(f"nasbench201-latency:{d}" for d in LATENCY_DEVICES),
    "nasbench301",
)


def get_benchmark(name: str, data_dir: str | os.PathLike[str] | None = None, **kwargs: Any) -> Benchmark:
    """A benchmark by its CLI name, e.g. ``"nasbench-graph:cora"`` or ``"nasbench201:cifar10"``.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    family, _, dataset = name.partition(":")
    if family == "nasbench-graph":
        return NASBenchGraph(dataset or "cora", **kwargs)
    if family == "nasbench201":
        return NASBench201(dataset or "cifar10", data_dir=data_dir, **kwargs)
    if family == "nasbench201-latency":
        return NASBench201Latency(dataset or "pixel3", data_dir=data_dir, **kwargs)
    if family == "nasbench301" and not dataset:
        return NASBench301(data_dir=data_dir, **kwargs)
    raise ValueError(f"benchmark: unknown name {name!r}; choose one of {list(BENCHMARK_NAMES)}")
