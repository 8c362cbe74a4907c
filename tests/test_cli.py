from __future__ import annotations

import subprocess
import sys

import pytest

from lso_sampler.cli import main


def test_list(capsys) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "nasbench-graph:cora" in out and "nasbench201:cifar10" in out
    for name in ("random", "tpe", "cmaes", "gp", "evolution", "local-search"):
        assert f"  {name}\n" in out


@pytest.mark.slow
def test_search_on_the_embedded_benchmark(capsys) -> None:
    assert main(["search", "--budget", "30", "--sampler", "random", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "queries 30 (distinct cells)" in out
    assert "best cell Cell(" in out


def test_search_is_repeatable_with_a_seed(capsys) -> None:
    main(["search", "--budget", "25", "--sampler", "tpe", "--seed", "7"])
    first = capsys.readouterr().out.splitlines()
    main(["search", "--budget", "25", "--sampler", "tpe", "--seed", "7"])
    second = capsys.readouterr().out.splitlines()
    drop_time = lambda lines: [line.split(" in ")[0] if line.startswith("queries") else line for line in lines]  # noqa: E731
    assert drop_time(first) == drop_time(second)


def test_errors_are_clear(capsys, monkeypatch) -> None:
    monkeypatch.delenv("LSO_SAMPLER_DATA", raising=False)
    assert main(["search", "--benchmark", "nasbench201:cifar10", "--budget", "5"]) == 2
    assert "LSO_SAMPLER_DATA" in capsys.readouterr().err
    assert main(["search", "--benchmark", "nope", "--budget", "5"]) == 2
    assert "unknown name 'nope'" in capsys.readouterr().err


def test_an_out_that_is_a_file_is_refused_before_any_run(tmp_path, capsys) -> None:
    file = tmp_path / "results.txt"
    file.write_text("keep me")
    for out in (file, file / "sub"):
        argv = ["compare", "--samplers", "random", "--seeds", "1", "--budget", "2", "--quiet", "--out", str(out)]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"out: '{file}' is a file, not a folder" in err and "Traceback" not in err
    assert file.read_text() == "keep me"


def test_console_script_runs() -> None:
    proc = subprocess.run([sys.executable, "-m", "lso_sampler.cli", "list"], capture_output=True, text=True)
    assert proc.returncode == 0 and "nasbench301" in proc.stdout


@pytest.mark.slow
def test_compare_command(tmp_path, capsys) -> None:
    out = tmp_path / "cmp"
    rc = main(["compare", "--samplers", "random,local-search", "--seeds", "2", "--budget", "16",
               "--out", str(out), "--quiet"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "| local-search |" in text and "Command: `lso-sampler compare --samplers" in text
    assert (out / "curves.png").exists()
    # --resume reads the four saved runs back: the same table, no run made again
    saved = {p: p.stat().st_mtime_ns for p in (out / "runs").glob("*.json")}
    assert len(saved) == 4
    rc = main(["compare", "--samplers", "random,local-search", "--seeds", "2", "--budget", "16",
               "--out", str(out), "--quiet", "--resume"])
    assert rc == 0 and "| local-search |" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in (out / "runs").glob("*.json")} == saved
    assert main(["compare", "--samplers", "random,nope", "--out", str(out)]) == 2
    assert "unknown sampler 'nope'" in capsys.readouterr().err


@pytest.mark.slow
def test_readme_main_job_compare_with_no_arguments(tmp_path, monkeypatch, capsys) -> None:
    """`lso-sampler compare` with no arguments: the README's main job (the LSO samplers beside
    TPE and random, led by the best search value)."""
    monkeypatch.chdir(tmp_path)
    assert main(["compare"]) == 0
    out = tmp_path / "lso-compare"
    assert {p.name for p in out.iterdir()} >= {"queries.csv", "summary.md", "curves.png"}
    text = (out / "summary.md").read_text()
    assert "nasbench-graph:cora: 6 samplers x 5 seeds, budget 40 queries" in text
    for name in ("random", "tpe", "agnet", "graph-vae", "convex-lso", "evolution"):
        assert f"| {name} |" in text
    assert text.index("Best search value") < text.index("Reported (test) value")


def test_compare_command_with_a_latency_limit(tmp_path, capsys, monkeypatch) -> None:
    import os

    if not os.environ.get("LSO_SAMPLER_DATA"):
        pytest.skip("needs LSO_SAMPLER_DATA")
    out = tmp_path / "hw"
    rc = main(["compare", "--benchmark", "nasbench201-latency:eyeriss", "--latency-limit", "4",
               "--samplers", "random,nsga2:joint", "--seeds", "1", "--budget", "12", "--out", str(out), "--quiet"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "| nsga2:joint |" in text and "pareto.png" in text
    assert main(["compare", "--samplers", "random:sideways", "--out", str(out)]) == 2
    assert "unknown setting 'sideways'" in capsys.readouterr().err


PLUGINS = "tests.compare.plugin_samplers"


def test_compare_command_plugin_errors_name_the_spec(tmp_path, capsys) -> None:
    out = str(tmp_path / "p")
    assert main(["compare", "--samplers", "random,no_such_mod.x:make", "--out", out]) == 2
    assert "plug-in 'no_such_mod.x:make': cannot import module 'no_such_mod.x'" in capsys.readouterr().err
    assert main(["compare", "--samplers", f"bad={PLUGINS}:NOT_CALLABLE", "--out", out]) == 2
    assert f"plug-in 'bad={PLUGINS}:NOT_CALLABLE': 42 is not callable" in capsys.readouterr().err
    assert main(["compare", "--samplers", "agnet:sideways", "--out", out]) == 2
    assert "unknown setting 'sideways'" in capsys.readouterr().err


def test_compare_command_runs_a_plugin(tmp_path, capsys) -> None:
    out = tmp_path / "p"
    rc = main(["compare", "--samplers", f"random,mine={PLUGINS}:tpe_plugin,{PLUGINS}:integer_random",
               "--seeds", "1", "--budget", "6", "--out", str(out), "--quiet", "--lead", "reported"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "| mine |" in text and "| integer_random |" in text
    assert text.index("Reported value of the best-by-search cell") < text.index("Best search value")


@pytest.mark.slow
def test_compare_command_over_two_benchmarks_writes_a_leaderboard(tmp_path, capsys) -> None:
    import pandas as pd

    out = tmp_path / "lb"
    rc = main(["compare", "--benchmark", "nasbench-graph:cora,nasbench-graph:citeseer", "--samplers", "random,tpe",
               "--seeds", "2", "--budget", "8", "--out", str(out), "--quiet"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "# Leaderboard: 2 samplers x 2 benchmarks" in text and "win vs tpe" in text
    for sub in ("nasbench-graph-cora", "nasbench-graph-citeseer"):
        assert {p.name for p in (out / sub).iterdir()} >= {"queries.csv", "summary.md", "curves.png"}
    assert (out / "leaderboard.md").exists()
    board = pd.read_csv(out / "leaderboard.csv").set_index(["budget", "sampler"])
    # recompute the mean rank and the win rate at q=8 from the two queries.csv files
    ranks, wins = [], []
    for sub in ("nasbench-graph-cora", "nasbench-graph-citeseer"):
        q = pd.read_csv(out / sub / "queries.csv")
        best = q[q["query"] <= 8].groupby(["sampler", "seed"])["search_value"].max().unstack()
        ranks.append(best.mean(axis=1).rank(ascending=False))
        wins += [1.0 if r > t else 0.5 if r == t else 0.0 for r, t in zip(best.loc["random"], best.loc["tpe"])]
    expected = (ranks[0] + ranks[1]) / 2
    assert board.loc[(8, "random"), "mean_rank"] == pytest.approx(expected["random"])
    assert board.loc[(8, "tpe"), "mean_rank"] == pytest.approx(expected["tpe"])
    assert board.loc[(8, "random"), "win_rate"] == pytest.approx(sum(wins) / len(wins))
