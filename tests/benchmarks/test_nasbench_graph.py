from __future__ import annotations

import pytest
from nas_bench_graph import light_read

from lso_sampler.benchmarks import InvalidCellError, NASBenchGraph


@pytest.mark.slow
def test_every_record_is_reachable_and_matches_the_package() -> None:
    bench = NASBenchGraph("cora")
    table = light_read("cora")
    for cell in bench.space.enumerate():
        rec = bench.query(cell)
        raw = table[bench.space.record_key(cell)]
        assert rec.search_value == pytest.approx(100 * raw["valid_perf"])
        assert rec.reported_value == pytest.approx(100 * raw["perf"])
    assert bench.num_queries == len(table) == 26206


@pytest.mark.slow
def test_optimum_is_the_best_validation_record() -> None:
    bench = NASBenchGraph("citeseer")
    table = light_read("citeseer")
    best = max(table.values(), key=lambda r: r["valid_perf"])
    opt = bench.optimum
    assert opt.search_value == pytest.approx(100 * best["valid_perf"])
    assert opt.reported_value == pytest.approx(100 * best["perf"])
    assert bench.query(opt.cell).search_value == pytest.approx(opt.search_value)


@pytest.mark.parametrize("dataset", ["pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins"])
def test_all_datasets_load(dataset: str) -> None:
    bench = NASBenchGraph(dataset)
    rec = bench.query(bench.space.sample(1))
    assert 0 < rec.search_value <= 100
    assert rec.info["params_m"] > 0


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="dataset"):
        NASBenchGraph("imagenet")
    bench = NASBenchGraph("cora")
    skip = bench.space.from_params({"link": "0000", "op_1": "skip", "op_2": "skip", "op_3": "skip", "op_4": "skip"})
    with pytest.raises(InvalidCellError, match="skip"):
        bench.query(skip)
