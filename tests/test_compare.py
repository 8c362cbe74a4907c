from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from lso_sampler.benchmarks import NASBenchGraph
from lso_sampler.compare import RunResult, anytime_curves, compare, run_one, summarize


def test_compare_writes_the_three_files(tmp_path: Path) -> None:
    table = compare(samplers=["random", "evolution"], seeds=2, budget=20, out=tmp_path, progress=False)
    assert {p.name for p in tmp_path.iterdir()} >= {"queries.csv", "summary.md", "curves.png"}
    csv = pd.read_csv(tmp_path / "queries.csv")
    assert list(csv.columns) == [
        "sampler", "seed", "query", "trial", "cell_key", "search_value", "reported_value", "sampler_seconds",
    ]  # fmt: skip
    assert len(csv) == len(table) == 2 * 2 * 20
    for _, run in csv.groupby(["sampler", "seed"]):
        assert list(run["query"]) == list(range(1, 21))
        assert run["cell_key"].is_unique
    summary = (tmp_path / "summary.md").read_text()
    assert "| random |" in summary and "| evolution |" in summary and "q=16" in summary
    assert (tmp_path / "curves.png").stat().st_size > 10_000


def test_parallel_jobs_give_the_same_queries(tmp_path: Path) -> None:
    a = compare(samplers=["tpe", "local-search"], seeds=2, budget=15, out=tmp_path / "a", progress=False)
    b = compare(samplers=["tpe", "local-search"], seeds=2, budget=15, out=tmp_path / "b", jobs=2, progress=False)
    cols = ["sampler", "seed", "query", "cell_key", "search_value", "reported_value"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    # runs in processes of their own report their peak memory; in-process runs cannot
    cost_a = [line for line in (tmp_path / "a/summary.md").read_text().splitlines() if line.startswith("| tpe |")][1]
    cost_b = [line for line in (tmp_path / "b/summary.md").read_text().splitlines() if line.startswith("| tpe |")][1]
    assert cost_a.endswith("| not measured |")
    peak = float(cost_b.split("|")[-2].split("[")[0])
    assert 50 < peak < 5000  # MB: a Python process with optuna and numpy loaded


def test_run_records_total_and_slowest_sampler_time() -> None:
    run = run_one("nasbench-graph:cora", "cmaes", seed=0, budget=40)
    per_query = sum(r["sampler_seconds"] for r in run.rows)
    # repeats cost sampler time too, so the total covers at least the queries' own time
    assert run.sampler_seconds >= per_query - 1e-9
    assert max(r["sampler_seconds"] for r in run.rows) <= run.slowest_suggestion <= run.sampler_seconds
    assert run.peak_rss_mb is None  # not its own process


def test_repeats_cost_trials_not_queries() -> None:
    run = run_one("nasbench-graph:cora", "cmaes", seed=0, budget=40)
    assert len(run.rows) == 40 and run.trials >= 40
    assert len({r["cell_key"] for r in run.rows}) == 40
    capped = run_one("nasbench-graph:cora", "cmaes", seed=0, budget=200, trial_cap_factor=1)
    assert capped.trials == 200
    assert capped.capped == (len(capped.rows) < 200)


def test_anytime_curve_reports_the_best_by_search_cell() -> None:
    frame = pd.DataFrame(
        {
            "sampler": ["s"] * 3,
            "seed": [0] * 3,
            "query": [1, 2, 3],
            "search_value": [50.0, 60.0, 55.0],
            "reported_value": [70.0, 65.0, 90.0],
        }
    )
    curve = anytime_curves(frame, budget=5)["s"][0]
    # the 3rd cell has the best reported value but not the best search value;
    # the run ended after 3 queries, so the last value is carried forward
    assert list(curve) == [70.0, 65.0, 65.0, 65.0, 65.0]


def test_summary_counts_optimum_and_caps() -> None:
    bench = NASBenchGraph("cora")
    opt = bench.optimum
    frame = pd.DataFrame(
        {
            "sampler": ["a", "a", "b"],
            "seed": [0, 1, 0],
            "query": [1, 1, 1],
            "search_value": [opt.search_value, 10.0, 10.0],
            "reported_value": [opt.reported_value, 5.0, 5.0],
            "sampler_seconds": [0.1, 0.1, 0.2],
        }
    )
    runs = [RunResult("a", 0, trials=1), RunResult("a", 1, trials=3, capped=True), RunResult("b", 0, trials=1)]
    text = summarize(frame, runs, bench, 16, "cmd")
    row_a = next(line for line in text.splitlines() if line.startswith("| a |"))
    assert "| 1/2 |" in row_a and "| 1 |" in row_a  # optimum in one seed, one capped run
    assert f"{(opt.reported_value + 5.0) / 2:.2f}" in row_a
    assert not math.isnan(float(row_a.split("|")[2].split("±")[0]))


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown sampler 'hyperband'"):
        compare(samplers=["hyperband"], out=tmp_path, progress=False)
    with pytest.raises(ValueError, match="budget"):
        compare(samplers=["random"], budget=0, out=tmp_path, progress=False)
    with pytest.raises(ValueError, match="unknown name"):
        compare(benchmark="nasbench-graph-x", samplers=["random"], out=tmp_path, progress=False)
