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


# -- two objectives: accuracy and latency ------------------------------------------------------
def test_hypervolume_and_front_of_known_points() -> None:
    import numpy as np

    from lso_sampler.compare import hypervolume_2d, pareto_front

    acc = np.array([0.5, 0.8, 0.4, 0.9])
    cost = np.array([0.2, 0.6, 0.5, 1.2])  # the last is past the reference point
    # boxes from (0, 1): [0.2, 0.6) x 0.5 + [0.6, 1) x 0.8
    assert hypervolume_2d(acc, cost) == pytest.approx(0.4 * 0.5 + 0.4 * 0.8)
    assert pareto_front(acc, cost).tolist() == [0, 1, 3]
    assert hypervolume_2d(np.array([]), np.array([])) == 0.0


def test_latency_benchmark_compare_reports_the_two_objective_section(data_dir: Path, tmp_path: Path) -> None:
    samplers = ["random", "tpe", "tpe:joint", "nsga2:joint", "evolution:joint"]
    table = compare(
        benchmark="nasbench201-latency:pixel3", samplers=samplers, seeds=2, budget=24,
        out=tmp_path, progress=False, latency_limit=4.0, data_dir=data_dir,
    )  # fmt: skip
    assert {"cost", "feasible"} <= set(table.columns)
    assert (table["feasible"] == (table["cost"] <= 4.0)).all()
    assert {p.name for p in tmp_path.iterdir()} >= {"queries.csv", "summary.md", "curves.png", "pareto.png"}
    summary = (tmp_path / "summary.md").read_text()
    assert "## Accuracy and latency_ms (latency <= 4 ms)" in summary
    assert "--latency-limit 4" in summary
    for s in samplers:
        assert f"| {s} |" in summary
    # the same seed's random run queries the same cells in both settings: one row, one front
    rows = [line for line in summary.splitlines() if line.startswith("| random |")]
    hv = float(rows[-1].split("|")[2])
    assert 0.0 <= hv <= 100.0
    # feasibility in the summary is the share of queried cells within the limit
    feas = table.groupby(["sampler", "seed"])["feasible"].mean().groupby("sampler").mean()
    assert f"| {feas['tpe']:.2f} |" in [line for line in summary.splitlines() if line.startswith("| tpe |")][-1]


def test_latency_settings_are_checked(data_dir: Path, tmp_path: Path) -> None:
    kw = {"out": tmp_path, "progress": False, "data_dir": data_dir, "seeds": 1, "budget": 4}
    with pytest.raises(ValueError, match="cmaes handles one objective only; run it as cmaes:constrained"):
        compare(benchmark="nasbench201-latency:fpga", samplers=["cmaes"], **kw)
    with pytest.raises(ValueError, match="cmaes takes no constraints"):
        compare(benchmark="nasbench201-latency:fpga", samplers=["cmaes:constrained"], latency_limit=3.0, **kw)
    with pytest.raises(ValueError, match="has no second objective"):
        compare(benchmark="nasbench201:cifar10", samplers=["tpe:joint"], **kw)
    with pytest.raises(ValueError, match="latency_limit: nasbench201:cifar10 has no latency"):
        compare(benchmark="nasbench201:cifar10", samplers=["tpe"], latency_limit=3.0, **kw)
    with pytest.raises(ValueError, match="latency_limit: no cell"):
        compare(benchmark="nasbench201-latency:fpga", samplers=["tpe"], latency_limit=0.001, **kw)
    with pytest.raises(ValueError, match="unknown setting 'both'"):
        compare(benchmark="nasbench201-latency:fpga", samplers=["tpe:both"], **kw)
    with pytest.raises(ValueError, match="setting: must be one of"):
        compare(benchmark="nasbench201-latency:fpga", samplers=["tpe"], setting="both", **kw)


def test_constrained_runs_only_count_feasible_cells(data_dir: Path) -> None:
    run = run_one("nasbench201-latency:raspi4", "agnet:constrained", 0, 20, str(data_dir), latency_limit=8.0)
    assert len(run.rows) == 20 and all("cost" in r for r in run.rows)
    assert all(r["feasible"] == (r["cost"] <= 8.0) for r in run.rows)
