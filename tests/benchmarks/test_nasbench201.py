from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from lso_sampler.benchmarks import NASBench201


@pytest.mark.slow
def test_all_cells_reproduce_the_published_optimum(data_dir: Path) -> None:
    bench = NASBench201("cifar10", data_dir=data_dir)
    for cell in bench.space.enumerate():
        bench.query(cell)
    assert bench.num_queries == 15625
    best = max(bench.history, key=lambda r: r.search_value)
    assert round(best.search_value, 2) == 91.61
    assert round(best.reported_value, 2) == 94.37
    assert best.info["index"] == 6111
    opt = bench.optimum
    assert (round(opt.search_value, 2), round(opt.reported_value, 2)) == (91.61, 94.37)
    assert opt.best_reported_value == pytest.approx(opt.reported_value)
    assert bench.regret(best.reported_value) == 0.0


def test_rows_follow_the_official_index_order(data_dir: Path) -> None:
    bench = NASBench201("cifar10", data_dir=data_dir)
    with gzip.open(data_dir / "nasbench201/nb201_hp200.csv.gz", "rt") as f:
        header = f.readline().rstrip("\n").split(",")
        rows = [f.readline().rstrip("\n").split(",") for _ in range(30)]
    col = header.index("arch_str")
    for i, row in enumerate(rows):
        cell = bench.space.from_index(i)
        assert bench.space.to_arch_str(cell) == row[col]
        assert bench.query(cell).info["arch_str"] == row[col]


def test_query_accounting_counts_distinct_cells(data_dir: Path) -> None:
    bench = NASBench201("cifar10", data_dir=data_dir)
    a, b = bench.space.from_index(0), bench.space.from_index(1)
    first = bench.query(a)
    again = bench.query(a)
    bench.query(b)
    assert bench.num_queries == 2
    assert not first.cached and again.cached
    assert again.search_value == first.search_value
    bench.reset()
    assert bench.num_queries == 0


@pytest.mark.parametrize(("dataset", "best_test"), [("cifar100", 73.51), ("imagenet16", 47.31)])
def test_other_datasets_search_on_12_epochs(data_dir: Path, dataset: str, best_test: float) -> None:
    bench = NASBench201(dataset, data_dir=data_dir)
    assert round(bench.optimum.best_reported_value, 2) == best_test
    assert bench.optimum.search_value < 70  # a 12-epoch validation accuracy


def test_latency_columns(data_dir: Path) -> None:
    bench = NASBench201("cifar10", data_dir=data_dir, devices=["fpga", "raspi4"])
    rec = bench.query(bench.space.from_index(0))
    assert 1.0 < rec.info["latency_fpga_ms"] < 9.0
    assert rec.info["latency_raspi4_ms"] > 0
    assert bench.latency(bench.space.from_index(0), "fpga") == rec.info["latency_fpga_ms"]
    with pytest.raises(ValueError, match="device"):
        bench.latency(bench.space.from_index(0), "pixel3")
    with pytest.raises(ValueError, match="devices: unknown device 'tpu'"):
        NASBench201("cifar10", data_dir=data_dir, devices=["tpu"])


def test_bad_dataset_and_invalid_cell(data_dir: Path) -> None:
    from lso_sampler.benchmarks import InvalidCellError
    from lso_sampler.cell import Cell

    with pytest.raises(ValueError, match="dataset"):
        NASBench201("mnist", data_dir=data_dir)
    bench = NASBench201("cifar10", data_dir=data_dir)
    with pytest.raises(InvalidCellError, match="not a valid nasbench201 cell"):
        bench.query(Cell(["input", "output"], [[0, 1], [0, 0]]))


def test_latency_benchmark_cost_and_constrained_optimum(data_dir: Path) -> None:
    from lso_sampler.benchmarks import NASBench201Latency, get_benchmark

    bench = get_benchmark("nasbench201-latency:pixel3", data_dir=data_dir)
    assert isinstance(bench, NASBench201Latency) and bench.name == "nasbench201-latency:pixel3"
    assert bench.cost_name == "latency_ms"
    rec = bench.query(bench.space.from_index(1))
    assert bench.cost(rec) == pytest.approx(17.2381)  # row 1 of the HELP / HW-NAS-Bench table
    acc, lat = bench.all_points()
    assert acc.shape == lat.shape == (15625,)
    opt = bench.constrained_optimum(3.0)
    i = bench.space.index(opt.cell)
    assert lat[i] <= 3.0 and acc[i] == opt.search_value == acc[lat <= 3.0].max()
    assert opt.search_value < bench.optimum.search_value  # the limit binds
    with pytest.raises(ValueError, match="latency_limit: no cell.*smallest"):
        bench.constrained_optimum(1e-6)
    with pytest.raises(ValueError, match="device: unknown device 'tpu'"):
        NASBench201Latency("tpu", data_dir=data_dir)
