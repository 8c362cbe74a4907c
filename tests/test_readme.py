"""The README's quickstart runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_quickstart_runs(capsys) -> None:
    text = README.read_text()
    section = text.split("## Quickstart", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len([line for line in code.splitlines() if line.strip()]) <= 12
    exec(compile(code, "README-quickstart", "exec"), {})
    out = capsys.readouterr().out
    assert "Cell(" in out


def test_test_command_is_marked_for_ci() -> None:
    lines = README.read_text().splitlines()
    i = lines.index("<!-- test-command -->")
    assert lines[i + 1] == "```bash" and "pytest" in lines[i + 2]


@pytest.mark.slow
def test_agnet_example_runs(capsys, data_dir, monkeypatch) -> None:
    monkeypatch.setenv("LSO_SAMPLER_DATA", str(data_dir))
    section = README.read_text().split("## AG-Net on NAS-Bench-201", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "AGNetSampler(space" in code
    exec(compile(code, "README-agnet", "exec"), {})
    arch_str, test_acc = capsys.readouterr().out.split()
    assert arch_str.startswith("|") and 10.0 < float(test_acc) <= 94.3734  # the best test accuracy: 94.37333


@pytest.mark.slow
def test_hardware_example_runs(data_dir, monkeypatch) -> None:
    """The multi-objective example of "Several objectives and hardware limits" as written."""
    monkeypatch.setenv("LSO_SAMPLER_DATA", str(data_dir))
    section = README.read_text().split("## Several objectives and hardware limits", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "constraints_func=within_4ms" in code
    scope: dict = {}
    exec(compile(code, "README-hardware", "exec"), scope)
    study = scope["study"]
    assert len(study.trials) == 64
    assert all(t.system_attrs["constraints"] is not None for t in study.trials)
    # the front holds feasible cells only when any was found (Optuna's constrained front)
    assert all(t.user_attrs["latency"] <= 4.0 for t in study.best_trials)


@pytest.mark.slow
def test_own_data_example_runs(capsys) -> None:
    """The example of "Search on your own data" as written."""
    section = README.read_text().split("## Search on your own data", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "PartialTraining(space" in code and "MedianPruner" in code
    scope: dict = {}
    exec(compile(code, "README-own-data", "exec"), scope)
    arch_str, test_acc = capsys.readouterr().out.split()
    assert arch_str.startswith("|") and 0.5 < float(test_acc) <= 1.0
    assert len(scope["study"].trials) == 20
