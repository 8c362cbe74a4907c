"""Joint search of the cell and the parameters beside it (learning rate, width, epochs)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from lso_sampler.integrations.optuna import HPARAMS_ATTR, ORIGIN_ATTR, sampler_class
from lso_sampler.spaces import NASBench201Space
from tests.conftest import cheap_options, cheap_sampler

optuna.logging.set_verbosity(optuna.logging.WARNING)
SPACE = NASBench201Space()
LSO = ("agnet", "graph-vae", "convex-lso")


def objective(trial: optuna.Trial) -> float:
    """Cell, a log-scaled float, a stepped int and a categorical; the epochs matter most."""
    cell = SPACE.suggest(trial)
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    width = trial.suggest_int("width", 8, 64, step=8)
    epochs = trial.suggest_categorical("epochs", [12, 200])
    return (
        0.1 * cell.ops.count("nor_conv_3x3")
        + (2.0 if epochs == 200 else 0.0)
        - 0.5 * abs(math.log10(lr) + 2)
        + width / 640
    )


def run(sampler: optuna.samplers.BaseSampler, n: int) -> optuna.Study:
    study = optuna.create_study(direction="maximize", sampler=sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=n)
    return study


@pytest.mark.parametrize("name", LSO)
def test_model_chooses_the_hyperparameters_with_the_cell(name: str) -> None:
    # cheap models, trained long enough for the predictors to see the epochs' effect (the
    # graph VAEs with their default ascent, so that it finds new cells)
    if name == "agnet":
        sampler = cheap_sampler(name, SPACE, seed=0, n_startup_trials=8, batch_size=4, epochs=20)
    else:
        extra = {"num_unlabeled": 16} if name == "convex-lso" else {}
        sampler = sampler_class(name)(SPACE, seed=0, n_startup_trials=8, batch_size=4, epochs=20, **extra)
    study = run(sampler, 20)
    sampler = study.sampler
    assert set(sampler.infer_relative_search_space(study, study.trials[-1])) == {
        *SPACE.param_names,
        "lr",
        "width",
        "epochs",
    }
    model = [t for t in study.trials if t.system_attrs.get(ORIGIN_ATTR) == "model"]
    assert model, "no model-chosen trial"
    for t in model:  # the values the round chose with the cell are the trial's
        chosen = t.system_attrs[HPARAMS_ATTR]
        assert chosen == {k: t.params[k] for k in ("epochs", "lr", "width")}
        assert isinstance(t.params["width"], int) and t.params["width"] % 8 == 0
        assert 1e-4 <= t.params["lr"] <= 1e-1
    # the predictors learned that 200 epochs pay: most of the last model-chosen trials use
    # them (at random, 6 or more of 8 has a chance of 14 %)
    assert len(model) >= 8
    assert sum(t.params["epochs"] == 200 for t in model[-8:]) >= 6


def test_joint_search_beats_random_hyperparameters() -> None:
    """AG-Net with the hyperparameters modelled against the same sampler with them drawn
    at random (``search_hyperparameters=False``), over three seeds."""

    def best_after(seed: int, joint: bool) -> float:
        s = cheap_sampler("agnet", SPACE, seed=seed, n_startup_trials=8, batch_size=4, search_hyperparameters=joint)
        study = run(s, 20)
        return max(t.value for t in study.trials[8:])

    joint = np.mean([best_after(s, True) for s in range(3)])
    independent = np.mean([best_after(s, False) for s in range(3)])
    assert joint > independent


def test_search_hyperparameters_false_leaves_them_to_the_independent_sampler() -> None:
    study = run(cheap_sampler("agnet", SPACE, seed=0, n_startup_trials=4, search_hyperparameters=False), 6)
    assert set(study.sampler.infer_relative_search_space(study, study.trials[-1])) == set(SPACE.param_names)
    assert all(HPARAMS_ATTR not in t.system_attrs for t in study.trials)


def test_search_hyperparameters_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="search_hyperparameters"):
        sampler_class("agnet")(SPACE, search_hyperparameters="yes", **cheap_options("agnet"))


def test_methods_without_joint_search_keep_the_independent_sampler() -> None:
    study = run(cheap_sampler("evolution", SPACE, seed=0), 12)
    assert set(study.sampler.infer_relative_search_space(study, study.trials[-1])) == set(SPACE.param_names)
    assert {t.state for t in study.trials} == {TrialState.COMPLETE}


def test_a_parameter_whose_distribution_changes_is_left_out() -> None:
    sampler = cheap_sampler("agnet", SPACE, seed=0, n_startup_trials=4, batch_size=4)
    study = optuna.create_study(direction="maximize", sampler=sampler)

    def changing(trial: optuna.Trial) -> float:
        cell = SPACE.suggest(trial)
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_float("y", 0, 1 + trial.number)  # a new range every trial
        return cell.num_edges + x + y

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(changing, n_trials=10)
    space = study.sampler.infer_relative_search_space(study, study.trials[-1])
    assert "x" in space and "y" not in space
    assert len(study.trials) == 10


def test_mixed_study_resumes_in_a_new_sampler(tmp_path) -> None:
    """Rounds with their hyperparameters live in the storage: a fresh sampler on the same
    storage continues them."""
    storage = f"sqlite:///{tmp_path / 'joint.db'}"
    opts = {"seed": 0, "n_startup_trials": 4, "batch_size": 8}
    study = optuna.create_study(direction="maximize", storage=storage, sampler=cheap_sampler("agnet", SPACE, **opts))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=6)
    fresh = cheap_sampler("agnet", SPACE, **opts)
    again = optuna.load_study(study_name=study.study_name, storage=storage, sampler=fresh)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again.optimize(objective, n_trials=2)
    for t in again.trials[6:]:
        chosen = t.system_attrs[HPARAMS_ATTR]
        assert chosen == {k: t.params[k] for k in ("epochs", "lr", "width")}


# -- Ray Tune searchers ----------------------------------------------------------------------
def _tune_space() -> dict:
    from ray import tune

    return {
        **SPACE.to_tune(),
        "lr": tune.loguniform(1e-4, 1e-1),
        "width": tune.qrandint(8, 64, 8),
        "epochs": tune.choice([12, 200]),
        "batch": 128,  # a fixed value stays Tune's
    }


def _value(config: dict) -> float:
    cell = SPACE.from_params(config, strict=False)
    return (
        0.1 * cell.ops.count("nor_conv_3x3")
        + (2.0 if config["epochs"] == 200 else 0.0)
        - 0.5 * abs(math.log10(config["lr"]) + 2)
        + config["width"] / 640
    )


def test_ray_hyperparameter_domains_convert() -> None:
    pytest.importorskip("ray.tune")
    from ray import tune

    from lso_sampler.integrations.ray import hyperparameter

    assert hyperparameter("a", tune.randint(1, 5)).high == 4  # Tune excludes randint's upper bound
    assert hyperparameter("b", tune.qrandint(8, 64, 8)).high == 64  # and includes qrandint's
    lr = hyperparameter("lr", tune.loguniform(1e-4, 1e-1))
    assert lr.log and lr.kind == "float"
    assert hyperparameter("c", tune.choice(["x", None])).choices == ("x", None)
    with pytest.raises(ValueError, match=r"param_space\['d'\]"):
        hyperparameter("d", tune.randn(0, 1))


@pytest.mark.parametrize("name", ["agnet", "evolution"])
def test_ray_searcher_searches_param_space_domains(name: str, tmp_path) -> None:
    """An LSO searcher models the domains beside the cell; evolution draws them at random.
    The values survive save/restore."""
    pytest.importorskip("ray.tune")
    from tests.conftest import cheap_searcher

    extra = {"n_startup_trials": 8, "batch_size": 4, "epochs": 20} if name == "agnet" else {}
    searcher = cheap_searcher(name, SPACE, metric="acc", mode="max", seed=0, **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert searcher.set_search_properties(None, None, _tune_space())
        configs = []
        for i in range(20):
            config = searcher.suggest(f"t{i}")
            configs.append(config)
            searcher.on_trial_complete(f"t{i}", {"acc": _value(config)})
    assert searcher.hyperparameters.names == ["epochs", "lr", "width"]
    for c in configs:
        assert set(c) == {*SPACE.param_names, "epochs", "lr", "width"}
        assert 1e-4 <= c["lr"] <= 1e-1 and c["width"] % 8 == 0 and 8 <= c["width"] <= 64
    assert [o.hyperparameters["epochs"] for o in searcher.history] == [c["epochs"] for c in configs]
    if name == "agnet":
        model = [c for t, c in zip(range(20), configs) if searcher.origins[f"t{t}"] == "model"]
        assert len(model) >= 8 and sum(c["epochs"] == 200 for c in model[-8:]) >= 6
    searcher.save(str(tmp_path / "s.pkl"))
    again = cheap_searcher(name, SPACE, metric="acc", mode="max", seed=0, **extra)
    again.restore(str(tmp_path / "s.pkl"))
    assert again.hyperparameters == searcher.hyperparameters
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert searcher.suggest("next") == again.suggest("next")


@pytest.mark.slow
def test_tuner_with_cell_and_hyperparameters(ray_runtime, tmp_path) -> None:
    """A real Tune run: param_space with the cell, search domains and a fixed value."""
    from ray import tune

    from tests.conftest import cheap_searcher

    def trainable(config: dict) -> None:
        tune.report({"acc": _value(config)})

    searcher = cheap_searcher("agnet", SPACE, seed=0, n_startup_trials=4, batch_size=4)
    tuner = tune.Tuner(
        trainable,
        param_space=_tune_space(),
        tune_config=tune.TuneConfig(
            search_alg=searcher, metric="acc", mode="max", num_samples=8, reuse_actors=True, max_concurrent_trials=2
        ),
        run_config=tune.RunConfig(name="joint", storage_path=str(tmp_path), verbose=0, log_to_file=False),
    )
    results = tuner.fit()
    assert len(results) == 8 and not results.errors
    for r in results:
        assert r.config["batch"] == 128 and 1e-4 <= r.config["lr"] <= 1e-1 and r.config["epochs"] in (12, 200)


def test_ray_points_to_evaluate_keep_their_hyperparameters() -> None:
    pytest.importorskip("ray.tune")
    from tests.conftest import cheap_searcher

    point = {**SPACE.to_params(SPACE.sample(0)), "lr": 0.003, "epochs": 200}
    searcher = cheap_searcher("agnet", SPACE, metric="acc", mode="max", seed=0, points_to_evaluate=[point])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        searcher.set_search_properties(None, None, _tune_space())
        config = searcher.suggest("t0")
    assert config["lr"] == 0.003 and config["epochs"] == 200  # the point's own values
    assert 8 <= config["width"] <= 64  # the one it left out is drawn
    searcher.on_trial_complete("t0", {"acc": 1.0})
    assert searcher.history[0].hyperparameters["lr"] == 0.003
