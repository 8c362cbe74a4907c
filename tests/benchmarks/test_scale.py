"""``benchmarks/scale.py``: the Optuna part runs worker processes, kills one inside ``study.ask()``,
the objective or ``study.tell()`` and restarts it, and its CSV counts no trial lost and no cell
twice."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "scale.py"

COLUMNS = {
    "sampler", "storage", "objective", "trials", "workers", "kills", "complete", "reported", "lost",
    "duplicate_cells", "orphans_running", "failed", "kills_done", "kills_ask", "kills_objective", "kills_tell",
    "kills_random", "kill_points", "worker_errors", "rounds_computed", "distinct_rounds", "rounds_per_round",
    "sampler_s_total", "wall_s", "startup_s", "restarts", "status", "wall_1worker_s", "wall_ratio",
    "model_rounds_trained", "model_rounds_distinct",
}  # fmt: skip


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scale_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr] (its dataclasses look their module up)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_help_names_the_parts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        load_script().parse_args(["--help"])
    text = capsys.readouterr().out
    for flag in ("--part", "--workers", "--trials", "--kills", "--storages", "--growth-trials", "--ray-trials"):
        assert flag in text


@pytest.mark.slow
def test_two_workers_one_kill_lose_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--part", "optuna", "--workers", "2", "--trials", "10", "--kills", "1", "--samplers", "evolution"]
    load_script().main([*args, "--storages", "sqlite,journal", "--no-baseline", "--out", str(out)])
    rows = pd.read_csv(out / "optuna.csv")
    assert COLUMNS <= set(rows.columns)
    assert list(rows.storage) == ["sqlite", "journal"]
    assert (rows.status == "ok").all(), rows.status.tolist()
    assert (rows.kills_done == 1).all()  # inside ask, the objective or tell
    assert (rows.kills_ask + rows.kills_objective + rows.kills_tell == 1).all()
    assert (rows.restarts == 1).all()
    assert (rows.lost == 0).all()
    assert (rows.duplicate_cells == 0).all()
    assert (rows.complete >= 10).all() and (rows.reported == 10).all()
    # the killed trial is left RUNNING, failed (heartbeat, sampler) or COMPLETE (killed after storing)
    assert (rows.orphans_running + rows.failed + rows.complete == 11).all()
    assert (out / "optuna.md").read_text().startswith("# Optuna workers killed mid-trial")


def test_six_kills_reach_every_kill_point() -> None:
    import numpy as np

    module = load_script()
    for seed in range(5):
        plan = module.kill_points(6, np.random.default_rng(seed))
        assert {phase for phase, _ in plan[:3]} == {"ask", "objective", "tell"}
        assert sorted(point for _, point in plan) == sorted(p for ps in module.KILL_POINTS.values() for p in ps)


def test_growth_part_splits_the_strategy_from_the_rest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--part", "growth", "--growth-trials", "120", "--growth-spaces", "nasbench201,darts"]
    load_script().main([*args, "--out", str(out)])
    rows = pd.read_csv(out / "growth.csv")
    assert list(zip(rows.space, rows.sampler)) == [
        (space, sampler)
        for space in ("nasbench201", "darts")
        for sampler in ("evolution", "random-search", "optuna-random")
    ]
    ours = rows[rows.sampler != "optuna-random"]
    assert (ours.strategy_ms_early.astype(float) <= ours.total_ms_early).all()
    assert (rows.rest_ms_late > 0).all()
    trials = pd.read_csv(out / "growth_trials.csv")
    assert len(trials) == 6 * 120
    assert "| darts | evolution | 120 |" in (out / "growth.md").read_text()
