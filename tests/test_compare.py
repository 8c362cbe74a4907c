from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from lso_sampler.benchmarks import NASBenchGraph
from lso_sampler.compare import RunResult, anytime_curves, compare, run_one, summarize
from lso_sampler.spaces import NASBenchGraphSpace
from lso_sampler.strategies import AGNet


def test_compare_writes_the_three_files(tmp_path: Path) -> None:
    table = compare(samplers=["random", "evolution"], seeds=2, budget=20, out=tmp_path, progress=False)
    assert {p.name for p in tmp_path.iterdir()} >= {"queries.csv", "summary.md", "curves.png"}
    csv = pd.read_csv(tmp_path / "queries.csv")
    assert list(csv.columns) == [
        "sampler", "seed", "query", "trial", "cell_key", "search_value", "reported_value", "sampler_seconds",
        "origin",
    ]  # fmt: skip
    assert len(csv) == len(table) == 2 * 2 * 20
    for _, run in csv.groupby(["sampler", "seed"]):
        assert list(run["query"]) == list(range(1, 21))
        assert run["cell_key"].is_unique
    summary = (tmp_path / "summary.md").read_text()
    assert "| random |" in summary and "| evolution |" in summary and "q=16" in summary
    assert (tmp_path / "curves.png").stat().st_size > 10_000


@pytest.mark.slow
def test_parallel_jobs_give_the_same_queries(tmp_path: Path) -> None:
    a = compare(samplers=["tpe", "local-search"], seeds=2, budget=15, out=tmp_path / "a", progress=False)
    b = compare(samplers=["tpe", "local-search"], seeds=2, budget=15, out=tmp_path / "b", jobs=2, progress=False)
    cols = ["sampler", "seed", "query", "cell_key", "search_value", "reported_value"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    # runs in processes of their own report their peak memory; in-process runs cannot
    cost_a = [line for line in (tmp_path / "a/summary.md").read_text().splitlines() if line.startswith("| tpe |")][-1]
    cost_b = [line for line in (tmp_path / "b/summary.md").read_text().splitlines() if line.startswith("| tpe |")][-1]
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


@pytest.mark.slow
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
    text = summarize(frame, runs, bench, 16, "cmd", lead="reported")
    row_a = next(line for line in text.splitlines() if line.startswith("| a |"))
    assert "| 1/2 |" in row_a and "| 1 |" in row_a  # optimum in one seed, one capped run
    assert f"{(opt.reported_value + 5.0) / 2:.2f}" in row_a
    assert not math.isnan(float(row_a.split("|")[2].split("±")[0]))
    # NAS-Bench-Graph leads with the search value by default: the best search value first
    text = summarize(frame, runs, bench, 16, "cmd")
    row_a = next(line for line in text.splitlines() if line.startswith("| a |"))
    assert f"{(opt.search_value + 10.0) / 2:.2f}" in row_a and "| 1/2 |" in row_a
    assert text.index("Best search value") < text.index("Reported (test) value")


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


@pytest.mark.slow
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


@pytest.mark.slow
def test_constrained_runs_only_count_feasible_cells(data_dir: Path) -> None:
    run = run_one("nasbench201-latency:raspi4", "agnet:constrained", 0, 20, str(data_dir), latency_limit=8.0)
    assert len(run.rows) == 20 and all("cost" in r for r in run.rows)
    assert all(r["feasible"] == (r["cost"] <= 8.0) for r in run.rows)


def test_in_flight_runs_keep_k_trials_open_and_say_where_cells_came_from(tmp_path: Path) -> None:
    from lso_sampler.compare import compare

    table = compare(
        "nasbench-graph:cora", samplers=["random-search", "tpe"], seeds=1, budget=12, out=tmp_path,
        progress=False, in_flight=3,
    )
    assert set(table.loc[table["sampler"] == "random-search", "origin"]) == {"random"}
    assert set(table.loc[table["sampler"] == "tpe", "origin"]) == {"sampler"}
    assert (table.groupby("sampler")["query"].max() == 12).all()
    summary = (tmp_path / "summary.md").read_text()
    assert "--in-flight 3" in summary and "| random-search | none |" in summary
    with pytest.raises(ValueError, match="in_flight: must be an int of at least 1"):
        compare("nasbench-graph:cora", samplers=["tpe"], seeds=1, budget=5, out=tmp_path, in_flight=0)


@pytest.mark.slow
def test_agnet_with_four_in_flight_starts_its_model_after_n_startup_trials_results() -> None:
    run = run_one("nasbench-graph:cora", "agnet", seed=0, budget=24, in_flight=4)
    origins = [row["origin"] for row in run.rows]
    first = origins.index("model")  # 0-based, as trial numbers
    startup = AGNet(NASBenchGraphSpace()).n_startup_trials  # the harness's agnet: the defaults
    assert startup <= first <= startup + 4 + 1
    assert set(origins[:first]) == {"initial"}


# -- plug-in samplers --------------------------------------------------------------------------
PLUGINS = "tests.compare.plugin_samplers"


def test_plugin_specs_are_told_from_name_setting_specs() -> None:
    from lso_sampler.compare import is_plugin_spec, load_plugin

    for spec in ("agnet:joint", "tpe:constrained", "random:sideways", "tpe", "nope:joint"):
        assert not is_plugin_spec(spec), spec
    for spec in (f"{PLUGINS}:tpe_plugin", f"mine={PLUGINS}:tpe_plugin", "mymod:make"):
        assert is_plugin_spec(spec), spec
    name, entry = load_plugin(f"{PLUGINS}:integer_random")
    assert name == "integer_random" and entry.encoding == "integer"
    name, entry = load_plugin(f"mine={PLUGINS}:tpe_plugin")
    assert name == "mine" and entry.encoding == "categorical" and callable(entry.factory)
    with pytest.raises(ValueError, match=r"plug-in 'no_such_mod\.x:f': cannot import module 'no_such_mod\.x'"):
        load_plugin("no_such_mod.x:f")
    with pytest.raises(ValueError, match="has no attribute 'nothing'"):
        load_plugin(f"{PLUGINS}:nothing")
    with pytest.raises(ValueError, match="42 is not callable"):
        load_plugin(f"{PLUGINS}:NOT_CALLABLE")
    with pytest.raises(ValueError, match="is a built-in sampler's"):
        load_plugin(f"tpe={PLUGINS}:tpe_plugin")


def test_plugins_run_beside_the_built_in_samplers(tmp_path: Path) -> None:
    from tests.compare.plugin_samplers import tpe_plugin

    table = compare(
        samplers=["tpe", f"{PLUGINS}:integer_random"], extra_samplers={"mine": tpe_plugin},
        seeds=1, budget=8, out=tmp_path, progress=False,
    )  # fmt: skip
    assert list(dict.fromkeys(table["sampler"])) == ["tpe", "integer_random", "mine"]
    # the plug-in wraps Optuna's TPE with the same seed: the same cells as tpe
    keys = table.groupby("sampler")["cell_key"].apply(list)
    assert keys["mine"] == keys["tpe"]
    assert "| mine |" in (tmp_path / "summary.md").read_text()
    with pytest.raises(ValueError, match="module-level function"):
        compare(samplers=["tpe"], extra_samplers={"lam": lambda space, seed: None}, jobs=2, out=tmp_path)
    with pytest.raises(ValueError, match="not callable"):
        compare(samplers=["tpe"], extra_samplers={"x": 3}, out=tmp_path)  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="each sampler once"):
        compare(samplers=[f"tpe2={PLUGINS}:tpe_plugin"], extra_samplers={"tpe2": tpe_plugin}, out=tmp_path)


@pytest.mark.slow
def test_plugins_run_in_worker_processes(tmp_path: Path) -> None:
    from tests.compare.plugin_samplers import tpe_plugin

    kw = {"seeds": 1, "budget": 6, "progress": False}
    a = compare(samplers=[f"{PLUGINS}:integer_random"], extra_samplers={"mine": tpe_plugin}, out=tmp_path / "a", **kw)
    b = compare(
        samplers=[f"{PLUGINS}:integer_random"], extra_samplers={"mine": tpe_plugin}, out=tmp_path / "b", jobs=2, **kw
    )
    cols = ["sampler", "seed", "query", "cell_key", "search_value"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


# -- lead value ---------------------------------------------------------------------------------
def test_default_lead_per_benchmark() -> None:
    from types import SimpleNamespace

    from lso_sampler.compare import default_lead

    assert default_lead(NASBenchGraph("cora")) == "search"
    assert default_lead(SimpleNamespace(name="nasbench201:cifar10")) == "reported"  # type: ignore[arg-type]
    assert default_lead(SimpleNamespace(name="nasbench201:cifar10", lead="search")) == "search"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lead: must be one of"):
        compare(samplers=["tpe"], lead="test", out="unused")


# -- leaderboard --------------------------------------------------------------------------------
def _synthetic_queries() -> pd.DataFrame:
    """Two benchmarks x two samplers x two seeds x two queries (search values only)."""
    runs = {
        ("A", "tpe", 0): [1, 5], ("A", "tpe", 1): [2, 3], ("A", "x", 0): [4, 6], ("A", "x", 1): [3, 3],
        ("B", "tpe", 0): [10, 10], ("B", "tpe", 1): [8, 9], ("B", "x", 0): [7, 9], ("B", "x", 1): [9, 9],
    }  # fmt: skip
    rows = [
        {"benchmark": b, "sampler": s, "seed": seed, "query": i + 1, "search_value": float(v)}
        for (b, s, seed), vals in runs.items()
        for i, v in enumerate(vals)
    ]
    return pd.DataFrame(rows)


def test_leaderboard_figures_by_hand() -> None:
    from lso_sampler.compare.leaderboard import (
        best_found,
        leaderboard,
        mean_ranks,
        normalised_regrets,
        regret_bounds,
        win_rates,
    )

    queries = _synthetic_queries()
    best = best_found(queries, [1, 2])
    # A's optimum is given (10); B's is the best value queried (10). worst: lowest value queried.
    bounds = regret_bounds(queries, {"A": 10.0})
    assert bounds == {"A": (10.0, 1.0), "B": (10.0, 7.0)}
    # q=1: A means tpe 1.5, x 3.5 -> x 1st; B means tpe 9, x 8 -> tpe 1st: both 1.5
    assert mean_ranks(best, 1).to_dict() == {"tpe": 1.5, "x": 1.5}
    # q=1 regrets: A (span 9) tpe (9/9 + 8/9)/2 = 17/18, x (6/9 + 7/9)/2 = 13/18;
    #              B (span 3) tpe (0 + 2/3)/2 = 1/3,    x (3/3 + 1/3)/2 = 2/3
    reg1 = normalised_regrets(best, 1, bounds)
    assert reg1["tpe"] == pytest.approx((17 / 18 + 1 / 3) / 2)
    assert reg1["x"] == pytest.approx((13 / 18 + 2 / 3) / 2)
    # q=2 regrets: A tpe (5/9 + 7/9)/2 = 2/3, x (4/9 + 7/9)/2 = 11/18; B tpe (0 + 1/3)/2, x 1/3
    reg2 = normalised_regrets(best, 2, bounds)
    assert reg2["tpe"] == pytest.approx((2 / 3 + 1 / 6) / 2)
    assert reg2["x"] == pytest.approx((11 / 18 + 1 / 3) / 2)
    # win rate of x vs tpe, q=1: A 4>1, 3>2; B 7<10, 9>8 -> 3/4; q=2: 6>5, 3=3, 9<10, 9=9 -> 2/4
    assert win_rates(best, 1)["x"] == 0.75 and win_rates(best, 2)["x"] == 0.5
    assert win_rates(best, 1)["tpe"] == 0.5

    table = leaderboard(queries, [1, 2], {"A": 10.0})
    row = table.set_index(["budget", "sampler"])
    assert row.loc[(1, "x"), "regret"] == pytest.approx(reg1["x"])
    assert row.loc[(2, "tpe"), "mean_rank"] == 1.5 and row.loc[(1, "x"), "win_rate"] == 0.75
    for col in ("mean_rank", "regret", "win_rate"):
        assert (table[f"{col}_lo"] <= table[col] + 1e-12).all() and (table[col] <= table[f"{col}_hi"] + 1e-12).all()
    pd.testing.assert_frame_equal(table, leaderboard(queries, [1, 2], {"A": 10.0}))  # fixed bootstrap seed
    # no baseline among the samplers: no win rates
    assert leaderboard(queries[queries["sampler"] == "x"], [2])["win_rate"].isna().all()


def test_leaderboard_marks_differences_beyond_the_noise() -> None:
    from lso_sampler.compare.leaderboard import leaderboard, leaderboard_markdown

    rows = []
    for bench in ("A", "B"):
        for seed in range(6):
            for sampler, value in (("tpe", 9.0 + 0.1 * seed), ("good", 9.05 + 0.1 * seed), ("bad", 1.0 + seed % 2)):
                rows.append({"benchmark": bench, "sampler": sampler, "seed": seed, "query": 1, "search_value": value})
    table = leaderboard(pd.DataFrame(rows), [1], {"A": 10.0, "B": 10.0}).set_index("sampler")
    assert table.loc["good", "is_best_regret"] and table.loc["good", "win_rate"] == 1.0
    assert table.loc["bad", "regret_beyond_noise"] and table.loc["bad", "regret_diff_lo"] > 0
    # good beats tpe on every seed by 0.05: a paired difference, beyond the noise too
    assert table.loc["tpe", "regret_beyond_noise"]
    text = leaderboard_markdown(table.reset_index(), ["A", "B"], "cmd")
    assert "| good | 1.00 [1.00, 1.00] **best** |" in text and "(baseline)" in text


def test_gp_runs_on_either_encoding() -> None:
    import optuna

    from lso_sampler.compare import make_sampler
    from lso_sampler.spaces import NASBench201Space

    for name, encoding in (("gp", "integer"), ("gp-categorical", "categorical")):
        sampler, space = make_sampler(name, NASBench201Space(), 0)
        assert isinstance(sampler, optuna.samplers.GPSampler) and space.encoding == encoding


def _saved(out: Path) -> set[str]:
    return {p.name for p in (out / "runs").glob("*.json")}


def test_a_run_that_crashes_leaves_the_finished_runs_saved(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="seed 1 fails"):
        compare(samplers=["random", f"boom={PLUGINS}:fails_on_seed_one"], seeds=2, budget=6, out=tmp_path,
                progress=False)  # fmt: skip
    assert _saved(tmp_path) == {"random__seed0.json", "random__seed1.json", "boom__seed0.json"}
    assert not (tmp_path / "queries.csv").exists()
    # resuming reads the three back and makes only the failing run again (which fails again)
    with pytest.raises(RuntimeError, match="seed 1 fails"):
        compare(samplers=["random", f"boom={PLUGINS}:fails_on_seed_one"], seeds=2, budget=6, out=tmp_path,
                progress=False, resume=True)  # fmt: skip


def test_resume_reads_the_saved_runs_back_and_makes_the_missing_ones(tmp_path: Path) -> None:
    kw = {"samplers": ["random", "evolution"], "seeds": 2, "budget": 10, "out": tmp_path, "progress": False}
    first = compare(**kw)
    assert _saved(tmp_path) == {f"{s}__seed{k}.json" for s in ("random", "evolution") for k in (0, 1)}
    # mark one saved run, so that reading it back (not running it again) shows; drop another
    marked = tmp_path / "runs" / "random__seed1.json"
    record = json.loads(marked.read_text())
    record["result"]["rows"][0]["sampler_seconds"] = 123.0
    marked.write_text(json.dumps(record))
    (tmp_path / "runs" / "evolution__seed0.json").unlink()
    (tmp_path / "queries.csv").unlink()
    again = compare(**kw, resume=True)
    cols = ["sampler", "seed", "query", "cell_key", "search_value", "reported_value", "origin"]
    pd.testing.assert_frame_equal(first[cols], again[cols])  # the same runs, in the same order
    seconds = again.set_index(["sampler", "seed", "query"])["sampler_seconds"]
    assert seconds[("random", 1, 1)] == 123.0  # read back
    assert seconds[("random", 0, 1)] != 123.0
    assert "evolution__seed0.json" in _saved(tmp_path)  # made again and saved
    assert "--resume" in (tmp_path / "summary.md").read_text()
    # a saved run of other settings is refused, naming what differs
    with pytest.raises(ValueError, match=r"budget=10 there, 12 here.*--out"):
        compare(**{**kw, "budget": 12}, resume=True)
    # without resume the saved runs go first: only this call's runs are left
    compare(**{**kw, "seeds": 1})
    assert _saved(tmp_path) == {"random__seed0.json", "evolution__seed0.json"}


def test_saved_runs_are_named_by_sampler_and_seed() -> None:
    from lso_sampler.compare import _run_file

    assert _run_file("agnet:joint", 3) == "agnet_joint__seed3.json"
    assert _run_file("mine", 0) == "mine__seed0.json"


@pytest.mark.slow
def test_a_crash_in_a_worker_process_keeps_the_runs_that_ended(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="seed 1 fails"):
        compare(samplers=[f"boom={PLUGINS}:fails_on_seed_one", "random"], seeds=2, budget=6, out=tmp_path,
                jobs=2, progress=False)  # fmt: skip
    saved = _saved(tmp_path)
    assert "boom__seed0.json" in saved and "boom__seed1.json" not in saved


def test_every_benchmark_saved_runs_are_checked_before_the_first_run(tmp_path: Path) -> None:
    kw = {"benchmark": "nasbench-graph:cora,nasbench-graph:citeseer", "samplers": ["random"], "seeds": 1,
          "budget": 5, "out": tmp_path, "progress": False}  # fmt: skip
    compare(**kw)
    cora, citeseer = tmp_path / "nasbench-graph-cora" / "runs", tmp_path / "nasbench-graph-citeseer" / "runs"
    record = json.loads((citeseer / "random__seed0.json").read_text())
    record["settings"]["budget"] = 6
    (citeseer / "random__seed0.json").write_text(json.dumps(record))
    (cora / "random__seed0.json").unlink()
    with pytest.raises(ValueError, match="budget=6 there, 5 here"):
        compare(**kw, resume=True)
    assert not (cora / "random__seed0.json").exists()  # refused before cora's run was made again
    (citeseer / "random__seed0.json").write_text("{not json")
    with pytest.raises(ValueError, match="is not a saved run"):
        compare(**kw, resume=True)


def test_samplers_that_would_share_a_saved_run_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="same file; rename one"):
        compare(samplers=[f"my_x={PLUGINS}:tpe_plugin", f"MY_X={PLUGINS}:tpe_plugin"], out=tmp_path, progress=False)
