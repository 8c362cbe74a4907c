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


def test_console_script_runs() -> None:
    proc = subprocess.run([sys.executable, "-m", "lso_sampler.cli", "list"], capture_output=True, text=True)
    assert proc.returncode == 0 and "nasbench301" in proc.stdout


def test_compare_command(tmp_path, capsys) -> None:
    out = tmp_path / "cmp"
    rc = main(["compare", "--samplers", "random,local-search", "--seeds", "2", "--budget", "16",
               "--out", str(out), "--quiet"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "| local-search |" in text and "Command: `lso-sampler compare --samplers" in text
    assert (out / "curves.png").exists()
    assert main(["compare", "--samplers", "random,nope", "--out", str(out)]) == 2
    assert "unknown sampler 'nope'" in capsys.readouterr().err


def test_readme_main_job_compare_with_no_arguments(tmp_path, monkeypatch, capsys) -> None:
    """`lso-sampler compare` with no arguments: the README's main job."""
    monkeypatch.chdir(tmp_path)
    assert main(["compare"]) == 0
    out = tmp_path / "lso-compare"
    assert {p.name for p in out.iterdir()} >= {"queries.csv", "summary.md", "curves.png"}
    text = (out / "summary.md").read_text()
    assert "nasbench-graph:cora: 5 samplers x 10 seeds, budget 100 queries" in text


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
