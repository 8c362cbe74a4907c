"""The Ray Tune searchers keep Ray's and the Optuna side's conventions: trials Tune stops
early (ASHA) and ``add_evaluated_point(pruned=True)`` count as the Optuna samplers count
pruned trials; ``metric=[...]`` with ``mode=[...]`` is a multi-objective search where the
method handles several objectives; ``set_search_properties`` returns False when it cannot
apply what ``TuneConfig`` gives."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import optuna
import pytest
from optuna.exceptions import ExperimentalWarning
from optuna.trial import TrialState

pytest.importorskip("ray.tune")

from ray import tune  # noqa: E402
from ray.tune.search import ConcurrencyLimiter, Searcher  # noqa: E402

from lso_sampler.cell import Cell  # noqa: E402
from lso_sampler.integrations.optuna import RandomSearchSampler  # noqa: E402
from lso_sampler.integrations.ray import searcher_class  # noqa: E402
from lso_sampler.spaces import DAGSpace, NASBench201Space  # noqa: E402
from tests.conftest import cheap_options  # noqa: E402

SPACE = NASBench201Space()
SMALL = DAGSpace(3, ["a", "b"])  # five distinct cells: "never proposed again" is checkable
MODEL_BASED = ("agnet", "graph-vae", "convex-lso")  # a model round takes seconds: marked slow

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
optuna.logging.set_verbosity(optuna.logging.WARNING)


def score(cell: Cell) -> float:
    """A toy accuracy: 3x3 convolutions help, 'none' edges hurt."""
    return cell.ops.count("nor_conv_3x3") - 0.5 * cell.ops.count("none") + 0.1 * cell.ops.count("nor_conv_1x1")


def make(name: str = "random-search", space=SPACE, **kw):
    return searcher_class(name)(space, **{**cheap_options(name), "seed": 0, **kw})


def _key(searcher, trial_id: str) -> str:
    return searcher.space.key(searcher.space.from_params(searcher.get_state()["pending"][trial_id]))


# -- early-stopped trials ----------------------------------------------------------------------
def test_a_trial_tune_stops_counts_with_its_last_report() -> None:
    s = make(metric="acc", mode="max")
    s.suggest("asha")
    s.on_trial_result("asha", {"acc": 0.3, "training_iteration": 1})
    # ASHA's STOP: Tune passes the stopping result to on_trial_complete only
    s.on_trial_complete("asha", {"acc": 0.4, "training_iteration": 2, "done": True})
    s.suggest("full")
    for i in (1, 2, 3):
        s.on_trial_result("full", {"acc": 0.5 + i / 10, "training_iteration": i})
    s.on_trial_complete("full", {"acc": 0.8, "training_iteration": 3, "done": True})
    assert s.pruned == ["asha"]
    assert [o.value for o in s.history] == [0.4, 0.8]
    assert not s.failures


def test_a_stopped_trial_without_a_finite_report_is_held_back_and_never_proposed_again() -> None:
    s = make(space=SMALL, metric="acc", mode="max")
    s.suggest("stopped")
    held = _key(s, "stopped")
    s.on_trial_complete("stopped", {"acc": float("nan"), "training_iteration": 1, "done": True})
    assert s.pruned == ["stopped"] and s.history == [] and s.failures == []
    keys = []
    for i in range(4):
        s.suggest(f"t{i}")
        keys.append(_key(s, f"t{i}"))
        s.on_trial_complete(f"t{i}", {"acc": float(i)})
    assert held not in keys and len(set(keys)) == 4
    assert s.suggest("none-left") == Searcher.FINISHED  # the held cell is not handed out again


def test_a_paused_trial_stopped_without_a_result_counts_with_its_last_report() -> None:
    s = make(metric="loss", mode="min")
    s.suggest("paused")
    s.on_trial_result("paused", {"loss": 0.9, "training_iteration": 1})
    s.on_trial_result("paused", {"loss": 0.7, "training_iteration": 2})
    s.on_trial_complete("paused")  # Tune's stop_trial on a PAUSED trial passes no result
    assert s.pruned == ["paused"] and [o.value for o in s.history] == [-0.7]


def test_a_trial_that_never_reported_is_a_failure_as_before() -> None:
    s = make(metric="acc", mode="max")
    s.suggest("never")
    s.on_trial_complete("never")
    assert s.pruned == [] and s.history == []
    assert s.failures[0]["reason"] == "the result has no 'acc'"


def test_pruned_evaluated_points_count_as_the_optuna_sampler_counts_pruned_trials() -> None:
    cells = [SPACE.sample(i) for i in range(4)]
    # the Optuna side: a pruned trial counts with its last report (as TPE uses it)
    sampler = RandomSearchSampler(SPACE, seed=0)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    for cell, reports in zip(cells, ([0.2, 0.5], [0.3])):
        study.enqueue_trial(SPACE.to_params(cell))
        trial = study.ask()
        SPACE.suggest(trial)
        for step, v in enumerate(reports):
            trial.report(v, step)
        study.tell(trial, state=TrialState.PRUNED)
    optuna_side = [o.value for o in sampler.history(study)[0]]
    # the Ray side, both ways Ray reports a pruned trial
    s = make(metric="acc", mode="max")
    s.add_evaluated_point(SPACE.to_params(cells[0]), 0.1, pruned=True, intermediate_values=[0.2, 0.5])
    s.add_evaluated_point(SPACE.to_params(cells[1]), 0.3, pruned=True)  # add_evaluated_trials: no intermediates
    assert [o.value for o in s.history] == optuna_side == [0.5, 0.3]
    assert len(s.pruned) == 2
    s.add_evaluated_point(SPACE.to_params(cells[2]), float("nan"), pruned=True)  # held back
    s.add_evaluated_point(SPACE.to_params(cells[3]), 1.0, error=True)  # a failure
    assert len(s.history) == 2 and len(s.pruned) == 3 and len(s.failures) == 1
    nxt = SPACE.key(SPACE.from_params(s.suggest("next")))
    assert nxt not in {SPACE.key(c) for c in cells[:3]}


def test_stopped_trials_survive_save_and_restore(tmp_path: Path) -> None:
    s = make(space=SMALL, metric="acc", mode="max")
    s.suggest("a")
    s.on_trial_result("a", {"acc": 1.0, "training_iteration": 1})
    s.suggest("b")
    s.on_trial_complete("b", {"acc": None, "training_iteration": 1, "done": True})  # held back
    s.save(str(tmp_path / "state.pkl"))
    t = make(space=SMALL)
    t.restore(str(tmp_path / "state.pkl"))
    assert t.pruned == ["b"] and t.history == []
    t.on_trial_complete("a", {"acc": 2.0, "training_iteration": 2, "done": True})  # its report came back too
    assert t.pruned == ["b", "a"] and [o.value for o in t.history] == [2.0]


# -- several objectives --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    ["random-search", "evolution", *(pytest.param(n, marks=pytest.mark.slow) for n in MODEL_BASED)],
)
def test_several_metrics_make_a_multi_objective_search(name: str) -> None:
    s = make(name, metric=["acc", "latency"], mode=["max", "min"])
    n = cheap_options(name).get("n_startup_trials", 4) + 1  # model-based: one model round
    keys = set()
    for i in range(n):
        config = s.suggest(f"t{i}")
        cell = SPACE.from_params(config)
        keys.add(SPACE.key(cell))
        s.on_trial_complete(f"t{i}", {"acc": score(cell), "latency": float(cell.num_edges)})
    assert len(keys) == n and not s.failures
    assert all(o.values == (score(o.cell), -float(o.cell.num_edges)) for o in s.history)
    s.suggest("bad")
    s.on_trial_complete("bad", {"acc": 1.0})  # one metric missing: a failure naming it
    assert s.failures[0]["reason"] == "the result has no 'latency'"


def test_several_metrics_for_a_single_objective_method_name_the_parameter_and_what_to_use() -> None:
    cls = searcher_class("local-search")
    with pytest.raises(ValueError) as err:
        cls(SPACE, metric=["acc", "latency"], mode=["max", "min"])
    msg = str(err.value)
    assert msg.startswith("LocalSearchSearcher: metric: 2 metrics")
    assert "handles one objective" in msg and "AGNetSearcher" in msg and "RegularizedEvolutionSearcher" in msg
    with pytest.raises(ValueError, match=r"^GraphVAESearcher: metric: graph-vae handles at most 2 objectives, got 3"):
        make("graph-vae", metric=["a", "b", "c"], mode=["max", "max", "min"])
    s = cls(SPACE)  # given later, through TuneConfig: the same message
    with pytest.raises(ValueError, match="LocalSearchSearcher: metric: 2 metrics"):
        s.set_search_properties(["acc", "latency"], ["max", "min"], {})


@pytest.mark.parametrize(
    "metric, mode, match",
    [
        (["acc", "lat"], "max", r"mode: metric=\['acc', 'lat'\] takes a list of 2 modes"),
        (["acc", "lat"], ["max"], r"mode: metric=\['acc', 'lat'\] takes a list of 2 modes"),
        ("acc", ["max", "min"], r"mode: a list of modes takes a list of metrics"),
        (["acc", "lat"], ["max", "maximize"], r"mode: must be 'max' or 'min'"),
        (["acc", "acc"], ["max", "min"], r"metric: expected one result key \(a str\), or a list of distinct keys"),
        (3, "max", r"metric: expected one result key"),
    ],
)
def test_bad_metric_and_mode_combinations_name_the_parameter(metric, mode, match) -> None:
    with pytest.raises(ValueError, match=rf"^RegularizedEvolutionSearcher: {match}"):
        make("evolution", metric=metric, mode=mode)


def test_evaluated_rewards_with_several_metrics() -> None:
    cells = [SPACE.sample(i) for i in range(2)]
    s = make("evolution", metric=["acc", "lat"], mode=["max", "min"], points_to_evaluate=cells,
             evaluated_rewards=[(1.0, 2.0), (3.0, 4.0)])  # fmt: skip
    assert [o.values for o in s.history] == [(1.0, -2.0), (3.0, -4.0)]
    with pytest.raises(ValueError, match=r"evaluated_rewards\[0\]: 1.0 is not one finite number per metric"):
        make("evolution", metric=["acc", "lat"], mode=["max", "min"], points_to_evaluate=cells[:1],
             evaluated_rewards=[1.0])  # fmt: skip


# -- set_search_properties --------------------------------------------------------------------
def test_set_search_properties_true_when_applied_false_when_not() -> None:
    fresh = make()
    assert fresh.set_search_properties("acc", "max", SPACE.to_tune()) is True  # applied
    assert (fresh.metric, fresh.mode) == ("acc", "max")
    assert fresh.set_search_properties(None, None, SPACE.to_tune()) is True  # nothing new
    assert fresh.set_search_properties("acc", "max", {}) is True  # the same: in effect
    with pytest.warns(UserWarning, match=r"TuneConfig's metric='loss' \(it was built with metric='acc'\)"):
        assert fresh.set_search_properties("loss", None, {}) is False
    with pytest.warns(UserWarning, match=r"mode='min' \(it was built with mode='max'\) not applied"):
        assert fresh.set_search_properties(None, "min", {}) is False
    assert (fresh.metric, fresh.mode) == ("acc", "max")  # kept its own
    several = make("evolution")
    assert several.set_search_properties(["acc", "lat"], ["max", "min"], {}) is True
    assert several.metric == ["acc", "lat"]
    with pytest.raises(ValueError, match="mode: must be 'max' or 'min'"):  # invalid, not a clash
        make().set_search_properties("acc", "maximize", {})
    # Tune's ConcurrencyLimiter hands the answer through
    limited = ConcurrencyLimiter(make(metric="acc", mode="max"), max_concurrent=2)
    with pytest.warns(UserWarning, match="not applied"):
        assert limited.set_search_properties("loss", "max", {}) is False
    assert limited.set_search_properties("acc", None, {}) is True


# -- real Tune runs -----------------------------------------------------------------------------
EPOCHS = 4


def _epochs(config: dict) -> None:
    """Reports ``acc`` after each of 4 epochs: the cell's toy score, rising with training."""
    cell = SPACE.from_params(config, strict=False)
    for epoch in range(1, EPOCHS + 1):
        tune.report({"acc": score(cell) + 0.1 * epoch, "params": float(cell.num_edges)})


def _run(searcher, tmp_path: Path, name: str, num_samples: int, **tune_kw):
    return tune.Tuner(
        _epochs,
        param_space=SPACE.to_tune(),
        tune_config=tune.TuneConfig(search_alg=searcher, num_samples=num_samples, reuse_actors=True, **tune_kw),
        run_config=tune.RunConfig(name=name, storage_path=str(tmp_path), verbose=0, log_to_file=False),
    ).fit()


def _final_searcher(path: Path, name: str = "random-search"):
    """The searcher of method ``name`` as Tune saved it at the end of the run."""
    s = make(name)
    s.restore_from_dir(str(path))
    return s


@pytest.mark.slow
def test_tune_with_asha_early_stopped_trials_count_with_their_last_report(ray_runtime, tmp_path: Path) -> None:
    from ray.tune.schedulers import ASHAScheduler

    best = SPACE.from_params({n: "nor_conv_3x3" for n in SPACE.param_names})  # first: ASHA keeps it
    worse = [SPACE.sample(i) for i in range(3)]  # then cells below its rung values: ASHA stops them
    assert all(score(c) < score(best) - 1 for c in worse)
    searcher = make(metric="acc", mode="max", points_to_evaluate=[best, *worse])
    asha = ASHAScheduler(metric="acc", mode="max", max_t=EPOCHS, grace_period=1, reduction_factor=2)
    results = _run(searcher, tmp_path, "asha", 6, scheduler=asha, max_concurrent_trials=1)
    assert len(results) == 6 and not results.errors
    saved = _final_searcher(tmp_path / "asha")
    history = {o.key: o.value for o in saved.history}
    assert len(history) == 6  # every trial counts, no cell twice
    early = [r for r in results if r.metrics["training_iteration"] < EPOCHS]
    assert {SPACE.key(c) for c in worse} <= {SPACE.key(SPACE.from_params(r.config, strict=False)) for r in early}
    for r in results:
        key = SPACE.key(SPACE.from_params(r.config, strict=False))
        assert history[key] == r.metrics["acc"]  # its last report, as a pruned Optuna trial counts
    assert {r.metrics["trial_id"] for r in early} <= set(saved.pruned)


@pytest.mark.slow
def test_tune_multi_objective_search(ray_runtime, tmp_path: Path) -> None:
    searcher = make("evolution", metric=["acc", "params"], mode=["max", "min"])
    results = _run(searcher, tmp_path, "mo", 6, max_concurrent_trials=2)
    assert len(results) == 6 and not results.errors
    saved = _final_searcher(tmp_path / "mo", "evolution")
    assert len(saved.history) == 6 and all(len(o.values) == 2 for o in saved.history)
    assert all(math.isfinite(v) for o in saved.history for v in o.values)


@pytest.mark.slow
def test_tune_raises_when_the_searcher_cannot_take_tuneconfigs_metric(ray_runtime, tmp_path: Path) -> None:
    searcher = make(metric="acc", mode="max")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        with pytest.warns(UserWarning, match="not applied"), pytest.raises(ValueError, match="param_space"):
            _run(searcher, tmp_path, "clash", 2, metric="loss", mode="max")
