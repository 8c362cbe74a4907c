"""The general HPO peers of ``compare`` (BoTorch, SMAC3, HEBO): their names in the table,
the clear error when their package is missing, the adapters' translation of Optuna
distributions, and short runs through ``compare`` (skipped without the ``peers`` extra)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import optuna
import pandas as pd
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from lso_sampler.cli import main
from lso_sampler.compare import compare, run_one, sampler_names, sampler_table
from lso_sampler.compare.peers import PEER_PACKAGES, _Param, check_peer
from lso_sampler.spaces import NASBench201Space

PEER_NAMES = ("botorch", "smac", "hebo")
_WHY = 'the "peers" extra is not installed: pip install "lso-sampler[peers]"'
_WHY_HEBO = "HEBO is not installed (README, Peers: pip install --no-deps HEBO==0.3.6 && pip install pymoo disjoint-set)"

#: A mixed space: a categorical, a log-scaled int, a float, a stepped float and a constant.
MIXED = {
    "op": CategoricalDistribution(["conv", "pool", 3]),
    "width": IntDistribution(8, 256, log=True),
    "lr": FloatDistribution(1e-4, 1e-1, log=True),
    "drop": FloatDistribution(0.0, 0.5, step=0.1),
    "depth": IntDistribution(2, 2),
}


def _objective(trial: optuna.Trial) -> float:
    op = trial.suggest_categorical("op", ["conv", "pool", 3])
    width = trial.suggest_int("width", 8, 256, log=True)
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    drop = trial.suggest_float("drop", 0.0, 0.5, step=0.1)
    depth = trial.suggest_int("depth", 2, 2)
    return (op == "conv") + math.log(width) - abs(math.log10(lr) + 2) - drop + depth


def _check_run(table: pd.DataFrame, name: str, budget: int) -> None:
    run = table[table["sampler"] == name]
    assert list(run["query"]) == list(range(1, budget + 1))
    assert run["cell_key"].is_unique
    assert run["search_value"].map(math.isfinite).all()
    assert set(run["origin"]) == {"sampler"}


# -- the table and the missing-package error ------------------------------------------------
def test_peers_follow_optunas_samplers_with_their_capabilities() -> None:
    names = sampler_names()
    assert names[:9] == ("random", "tpe", "cmaes", "gp", "gp-categorical", "nsga2", *PEER_NAMES)
    table = sampler_table()
    assert (table["botorch"].multi_objective, table["botorch"].constraints) == (True, True)
    for name in ("smac", "hebo"):
        assert (table[name].multi_objective, table[name].constraints) == (False, False)
    assert all(table[n].encoding == "categorical" and table[n].method is None for n in PEER_NAMES)
    assert sorted(PEER_PACKAGES) == sorted(PEER_NAMES)


def test_a_missing_peer_package_is_named_before_any_run(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "smac", None)  # "import smac" now raises ImportError
    with pytest.raises(
        ImportError, match=r"'smac' needs the 'smac' package, which is not installed.*lso-sampler\[peers\]"
    ):
        check_peer("smac")
    out = tmp_path / "out"
    with pytest.raises(ImportError, match=r"needs the 'smac' package"):
        compare(samplers=["random", "smac"], seeds=1, budget=3, out=out, progress=False)
    assert not out.exists()  # refused before the random run
    assert main(["compare", "--samplers", "random,smac", "--budget", "3", "--out", str(out)]) == 2
    assert "needs the 'smac' package" in capsys.readouterr().err
    with pytest.raises(KeyError, match="not a peer"):
        check_peer("tpe")


def test_a_missing_hebo_says_how_to_install_it_beside_numpy_2(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "hebo", None)
    with pytest.raises(ImportError, match=r"pins numpy<1\.25.*pip install --no-deps HEBO==0\.3\.6"):
        check_peer("hebo")


def test_optuna_distributions_round_trip_through_the_peer_encoding() -> None:
    params = {n: _Param.of(n, d) for n, d in MIXED.items()}
    assert params["op"].labels == ("conv", "pool", "3") and params["op"].kind == "cat"
    assert (params["width"].kind, params["width"].log) == ("int", True)
    assert (params["drop"].kind, params["drop"].low, params["drop"].high) == ("int", 0, 5)  # the grid index
    assert params["depth"].kind == "const" and params["depth"].from_peer(None) == 2
    for value in ("conv", "pool", 3):
        assert params["op"].from_peer(params["op"].to_peer(value)) == value
    assert params["op"].from_peer("3") == 3  # the choice itself, not its label
    assert params["drop"].from_peer(params["drop"].to_peer(0.3)) == pytest.approx(0.3)
    assert params["width"].from_peer(300) == 256  # clipped into the range
    twins = _Param.of("x", CategoricalDistribution([1, "1"]))
    assert twins.labels == ("0:1", "1:1") and twins.from_peer("1:1") == "1"
    with pytest.raises(TypeError, match=r"search_space\['x'\]"):
        _Param.of("x", object())  # type: ignore[arg-type]


# -- BoTorch --------------------------------------------------------------------------------
def test_botorch_runs_in_compare() -> None:
    pytest.importorskip("optuna_integration", reason=_WHY)
    pytest.importorskip("botorch", reason=_WHY)
    run = run_one("nasbench-graph:cora", "botorch", seed=0, budget=11, threads=1)  # 10 random, then the GP
    _check_run(pd.DataFrame(run.rows), "botorch", 11)
    assert run.slowest_suggestion > 0.05  # the GP's fit and acquisition, not a random draw


# -- SMAC3 ----------------------------------------------------------------------------------
def test_smac_runs_in_compare_past_its_initial_design(tmp_path: Path) -> None:
    pytest.importorskip("smac", reason=_WHY)
    budget = 10  # the scenario gets n_trials=10: an initial design of min(10 x 5 parameters, 10 / 4) = 2
    table = compare("nasbench-graph:cora", samplers=["smac"], seeds=1, budget=budget, out=tmp_path, progress=False)
    _check_run(table, "smac", budget)
    assert "| smac |" in (tmp_path / "summary.md").read_text()


def test_smac_is_given_the_runs_budget_as_its_trials() -> None:
    pytest.importorskip("smac", reason=_WHY)
    from lso_sampler.compare.registry import make_sampler

    sampler, _ = make_sampler("smac", NASBench201Space(), 0, budget=192)
    assert sampler._n_trials == 192
    sampler, _ = make_sampler("smac", NASBench201Space(), 0)
    assert sampler._n_trials == 100  # SMACSampler's own default outside a run


def test_a_peer_with_a_budget_option_is_built_with_the_budget() -> None:
    from lso_sampler.compare.registry import SamplerEntry

    seen: list[dict] = []

    def factory(space, seed, **kwargs):
        seen.append(kwargs)
        return optuna.samplers.RandomSampler(seed=seed)

    entry = SamplerEntry("mine", "categorical", factory=factory, budget_option="n_trials")
    entry.build(NASBench201Space(), 0, budget=48)
    entry.build(NASBench201Space(), 0)
    plain = SamplerEntry("plain", "categorical", factory=factory)
    plain.build(NASBench201Space(), 0, budget=48)
    assert seen == [{"n_trials": 48}, {}, {}]


def test_smac_sampler_on_a_mixed_space_is_told_every_trial() -> None:
    pytest.importorskip("smac", reason=_WHY)
    from lso_sampler.compare.peers import SMACSampler

    sampler = SMACSampler(MIXED, seed=0, n_trials=12)
    study = optuna.create_study(sampler=sampler, direction="maximize")
    study.enqueue_trial({"op": "pool", "width": 8, "lr": 0.01, "drop": 0.0, "depth": 2})  # not SMAC's own
    study.optimize(_objective, n_trials=6)
    for t in study.trials:
        assert t.params["op"] in ("conv", "pool", 3) and 8 <= t.params["width"] <= 256
        assert round(t.params["drop"] * 10) == pytest.approx(t.params["drop"] * 10) and t.params["depth"] == 2
    assert len(sampler._facade().runhistory) == 6  # the enqueued trial too
    with pytest.raises(ValueError, match="single-objective"):
        optuna.create_study(sampler=SMACSampler(MIXED, seed=0), directions=["maximize", "minimize"]).optimize(
            lambda t: (_objective(t), 0.0), n_trials=1
        )


# -- HEBO -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_hebo_runs_in_compare_with_one_model_suggestion() -> None:
    pytest.importorskip("hebo", reason=_WHY_HEBO)
    # 1 + 5 parameters Sobol points, then one GP + MACE suggestion (~6 s on one core)
    run = run_one("nasbench-graph:cora", "hebo", seed=0, budget=7, threads=1)
    assert len(run.rows) == 7 and len({r["cell_key"] for r in run.rows}) == 7


def test_hebo_sampler_on_a_mixed_space_observes_every_trial() -> None:
    pytest.importorskip("hebo", reason=_WHY_HEBO)
    from lso_sampler.compare.peers import HEBOSampler

    sampler = HEBOSampler(MIXED, seed=0, rand_sample=8)
    study = optuna.create_study(sampler=sampler, direction="maximize")
    study.optimize(_objective, n_trials=5)
    assert len(sampler._optimiser().X) == 5
    assert all(8 <= t.params["width"] <= 256 and 1e-4 <= t.params["lr"] <= 0.1 for t in study.trials)
    again = HEBOSampler(MIXED, seed=0, rand_sample=8)
    study2 = optuna.create_study(sampler=again, direction="maximize")
    study2.optimize(_objective, n_trials=5)
    assert [t.params for t in study2.trials] == [t.params for t in study.trials]
    with pytest.raises(ValueError, match="rand_sample: must be an int >= 1"):
        HEBOSampler(MIXED, rand_sample=0)
    with pytest.raises(TypeError, match="search_space: expected a SearchSpace or a non-empty mapping"):
        HEBOSampler({}, seed=0)


@pytest.mark.slow
@pytest.mark.parametrize("name", PEER_NAMES)
def test_peers_are_repeatable_by_seed(name: str) -> None:
    pytest.importorskip({"botorch": "optuna_integration", "smac": "smac", "hebo": "hebo"}[name])
    budget = {"botorch": 12, "smac": 10, "hebo": 8}[name]  # each past its initial design
    a = run_one("nasbench-graph:cora", name, seed=1, budget=budget, threads=1)
    b = run_one("nasbench-graph:cora", name, seed=1, budget=budget, threads=1)
    assert [r["cell_key"] for r in a.rows] == [r["cell_key"] for r in b.rows]


@pytest.mark.slow
@pytest.mark.parametrize("name", ("smac", "hebo"))
def test_ask_tell_peers_keep_trials_in_flight_apart(name: str) -> None:
    pytest.importorskip(name)
    run = run_one("nasbench-graph:cora", name, seed=0, budget=9, in_flight=3, threads=1)
    assert len(run.rows) == 9


def test_the_peers_run_on_nasbench201_distributions() -> None:
    pytest.importorskip("smac", reason=_WHY)
    from lso_sampler.compare.peers import SMACSampler

    space = NASBench201Space()
    study = optuna.create_study(sampler=SMACSampler(space, seed=3), direction="maximize")
    study.optimize(lambda t: space.suggest(t).ops.count("nor_conv_3x3"), n_trials=4)
    assert all(space.is_valid(space.from_params(t.params)) for t in study.trials)
