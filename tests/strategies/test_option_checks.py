"""Hostile strategy options are refused at construction, naming the option and the fix."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest

from lso_sampler._checks import check_bool, check_float, check_int
from lso_sampler.spaces import NASBench201Space
from lso_sampler.strategies import AGNet, ConvexLSO, GraphVAESearch, LocalSearch, RegularizedEvolution

SPACE = NASBench201Space()
NAN, INF = math.nan, math.inf

CASES = [
    # (strategy, options, exception, message)
    (RegularizedEvolution, {"population_size": 4.5}, TypeError, r"population_size: must be an int >= 2, got 4\.5"),
    (RegularizedEvolution, {"population_size": True}, TypeError, r"population_size: must be an int >= 2, got True"),
    (RegularizedEvolution, {"population_size": 1}, ValueError, r"population_size: must be an int >= 2, got 1"),
    (
        RegularizedEvolution,
        {"sample_size": "3"},
        TypeError,
        r"sample_size: must be an int in 1\.\.population_size \(100\), got '3' \(str\)",
    ),  # noqa: E501
    (RegularizedEvolution, {"sample_size": 101}, ValueError, r"sample_size: must be an int in 1\.\.population_size"),
    (RegularizedEvolution, {"max_mutation_tries": 0}, ValueError, r"max_mutation_tries: must be an int >= 1, got 0"),
    (RegularizedEvolution, {"max_mutation_tries": 2.0}, TypeError, r"max_mutation_tries: must be an int"),
    (LocalSearch, {"n_startup_trials": 1.5}, TypeError, r"n_startup_trials: must be an int >= 1, got 1\.5"),
    (LocalSearch, {"n_startup_trials": "2"}, TypeError, r"n_startup_trials: must be an int >= 1, got '2' \(str\)"),
    (AGNet, {"weight_k": NAN}, ValueError, r"weight_k: must be a finite number > 0\.0, got nan"),
    (AGNet, {"alpha": NAN}, ValueError, r"alpha: must be a finite number in \[0\.0, 1\.0\], got nan"),
    (AGNet, {"alpha": "0.5"}, TypeError, r"alpha: must be a finite number in \[0\.0, 1\.0\], got '0\.5' \(str\)"),
    (AGNet, {"lr": NAN}, ValueError, r"lr: must be a finite number > 0, got nan"),
    (AGNet, {"lr": INF}, ValueError, r"lr: must be a finite number > 0, got inf"),
    (AGNet, {"lr": "1e-3"}, TypeError, r"lr: must be a finite number > 0"),
    (AGNet, {"num_candidates": 2.5}, TypeError, r"num_candidates: must be an int >= 1, got 2\.5"),
    (AGNet, {"epochs": -1}, ValueError, r"epochs: must be an int >= 0, got -1"),
    (AGNet, {"epochs": 2.5}, TypeError, r"epochs: must be an int >= 0, got 2\.5"),
    (AGNet, {"n_startup_trials": True}, TypeError, r"n_startup_trials: must be an int >= 1, got True"),
    (AGNet, {"train_batch_size": np.float64(8)}, TypeError, r"train_batch_size: must be an int >= 1"),
    (AGNet, {"pretrain_steps": -1}, ValueError, r"pretrain_steps: must be an int >= 0, got -1"),
    (AGNet, {"pretrain_steps": 20.0}, TypeError, r"pretrain_steps: must be an int >= 0, got 20\.0"),
    (AGNet, {"temperature_step": NAN}, ValueError, r"temperature_step: must be a finite number >= 1\.0, got nan"),
    (AGNet, {"infeasible_penalty": INF}, ValueError, r"infeasible_penalty: must be a finite number >= 1\.0"),
    (AGNet, {"weighted_retraining": "False"}, TypeError, r"weighted_retraining: must be True or False, got 'False'"),
    (AGNet, {"config": {"hidden": 8}}, TypeError, r"config: must be an AGNetConfig or None, got dict"),
    (AGNet, {"stall_patience": 0}, ValueError, r"stall_patience: must be an int >= 1, got 0"),
    (AGNet, {"stall_patience": 32.0}, TypeError, r"stall_patience: must be an int >= 1, got 32\.0"),
    (GraphVAESearch, {"stall_patience": 0}, ValueError, r"stall_patience: must be an int >= 1, got 0"),
    (ConvexLSO, {"stall_patience": "16"}, TypeError, r"stall_patience: must be an int >= 1, got '16'"),
    (GraphVAESearch, {"step_size": INF}, ValueError, r"step_size: must be a finite number > 0\.0, got inf"),
    (GraphVAESearch, {"step_size": NAN}, ValueError, r"step_size: must be a finite number > 0\.0, got nan"),
    (GraphVAESearch, {"complexity_weight": NAN}, ValueError, r"complexity_weight: must be a finite number >= 0\.0"),
    (GraphVAESearch, {"predictor_weight": NAN}, ValueError, r"predictor_weight: must be a finite number >= 0\.0"),
    (GraphVAESearch, {"num_prior": 1.5}, TypeError, r"num_prior: must be an int >= 0, got 1\.5"),
    (GraphVAESearch, {"steps": False}, TypeError, r"steps: must be an int >= 0, got False"),
    (GraphVAESearch, {"pretrain_steps": -1}, ValueError, r"pretrain_steps: must be an int >= 0, got -1"),
    (GraphVAESearch, {"lr": NAN}, ValueError, r"lr: must be a finite number > 0, got nan"),
    (GraphVAESearch, {"config": "small"}, TypeError, r"config: must be a GraphVAEConfig or None, got str"),
    (ConvexLSO, {"noise": NAN}, ValueError, r"noise: must be a finite number >= 0\.0, got nan"),
    (ConvexLSO, {"num_perturb": 2.5}, TypeError, r"num_perturb: must be an int >= 1, got 2\.5"),
    (ConvexLSO, {"num_unlabeled": -1}, ValueError, r"num_unlabeled: must be an int >= 0, got -1"),
    (ConvexLSO, {"step_size": INF}, ValueError, r"step_size: must be a finite number > 0\.0, got inf"),
    (ConvexLSO, {"pretrain_steps": -1}, ValueError, r"pretrain_steps: must be an int >= 0, got -1"),
    (ConvexLSO, {"device": "cuda:x"}, ValueError, r"device: 'cuda:x' is not a torch device"),
    (GraphVAESearch, {"device": 1}, TypeError, r"device: must be a device name such as 'cpu' or 'cuda', got 1"),
]


@pytest.mark.parametrize(("cls", "options", "exc", "match"), CASES, ids=lambda x: getattr(x, "__name__", str(x)))
def test_bad_option_is_refused_at_construction(cls, options, exc, match) -> None:
    with pytest.raises(exc, match=match):
        cls(SPACE, seed=0, **options)


@pytest.mark.parametrize("cls", [RegularizedEvolution, LocalSearch, AGNet, GraphVAESearch, ConvexLSO])
def test_defaults_and_valid_values_are_kept(cls) -> None:
    cls(SPACE, seed=0)  # the defaults pass
    evo = RegularizedEvolution(SPACE, population_size=np.int64(10), sample_size=3, seed=0)
    assert type(evo.population_size) is int and evo.population_size == 10
    agnet = AGNet(SPACE, alpha=1, lr=np.float32(0.5), epochs=0, pretrain_steps=0, weighted_retraining=np.bool_(False))
    assert agnet.alpha == 1 and agnet.epochs == 0 and agnet.pretrain_steps == 0
    assert agnet.weighted_retraining is False


def test_the_sampler_names_itself_in_front_of_the_strategy_message() -> None:
    from lso_sampler.optuna_samplers import AGNetSampler, RegularizedEvolutionSampler

    with pytest.raises(
        TypeError, match=r"^RegularizedEvolutionSampler: population_size: must be an int >= 2, got 4\.5$"
    ):
        RegularizedEvolutionSampler(SPACE, population_size=4.5)
    with pytest.raises(ValueError, match=r"^AGNetSampler: pretrain_steps: must be an int >= 0, got -1$"):
        AGNetSampler(SPACE, pretrain_steps=-1)
    with pytest.raises(ValueError, match=r"^AGNetSampler: lr: must be a finite number > 0, got nan$"):
        AGNetSampler(SPACE, lr=NAN)


@pytest.mark.parametrize("name", ["GraphVAESampler", "ConvexLSOSampler"])
def test_three_objectives_are_refused_at_the_first_trial(name: str) -> None:
    import lso_sampler.optuna_samplers as samplers

    sampler = getattr(samplers, name)(SPACE, seed=0, epochs=1, n_startup_trials=2, batch_size=1)
    study = optuna.create_study(directions=["maximize"] * 3, sampler=sampler)
    with pytest.raises(
        ValueError, match=rf"{name} \(.*\) handles one or two objectives.*has 3.*AGNetSampler or NSGAIISampler"
    ):
        study.optimize(lambda t: (0.0, 0.0, 1.0), n_trials=1, catch=())
    assert not [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]


def test_two_objectives_still_start() -> None:
    from lso_sampler.optuna_samplers import GraphVAESampler

    study = optuna.create_study(
        directions=["maximize", "minimize"], sampler=GraphVAESampler(SPACE, seed=0, n_startup_trials=4, batch_size=1)
    )
    study.optimize(lambda t: (float(SPACE.suggest(t).ops.count("none")), 0.0), n_trials=2)
    assert len(study.trials) == 2


def test_check_helpers() -> None:
    assert check_int("n", np.int32(3), 1) == 3
    assert check_float("x", 0.5, 0, 1) == 0.5
    assert check_float("x", INF, 0, finite=False) == INF
    assert check_bool("b", np.bool_(True)) is True
    with pytest.raises(ValueError, match=r"x: must be a number in \(0, 1\), got 1"):
        check_float("x", 1, 0, 1, low_open=True, high_open=True, finite=False)
    with pytest.raises(TypeError, match="n: must be an int, got None"):
        check_int("n", None)
    with pytest.raises(TypeError, match="b: must be True or False, got 1"):
        check_bool("b", 1)


def test_the_ray_searcher_names_itself_too() -> None:
    pytest.importorskip("ray")
    from lso_sampler.ray_searchers import RegularizedEvolutionSearcher

    message = (
        r"^RegularizedEvolutionSearcher: sample_size: must be an int in 1\.\.population_size \(100\), got '3' \(str\)$"
    )
    with pytest.raises(TypeError, match=message):
        RegularizedEvolutionSearcher(SPACE, metric="acc", mode="max", sample_size="3")
