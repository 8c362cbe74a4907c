"""Ray Tune searchers: the Searcher protocol without a runtime, then real Tune runs."""

from __future__ import annotations

import math
import os
import signal
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ray.tune")

from ray import tune  # noqa: E402
from ray.tune.search import ConcurrencyLimiter, Searcher  # noqa: E402

from lso_sampler.integrations.ray import (  # noqa: E402
    LSOSearcher,
    RegularizedEvolutionSearcher,
)
from lso_sampler.spaces import NASBench201Space, NASBenchGraphSpace  # noqa: E402
from lso_sampler.strategies import RandomSearch  # noqa: E402
from tests.conftest import METHOD_NAMES, cheap_searcher  # noqa: E402

SPACE = NASBench201Space()


def score(cell) -> float:
    """A toy accuracy: 3x3 convolutions help, 'none' edges hurt."""
    return cell.ops.count("nor_conv_3x3") - 0.5 * cell.ops.count("none") + 0.1 * cell.ops.count("nor_conv_1x1")


def _cheap(name: str, **kw):
    """Each searcher with its registered test settings, so model-based rounds run in seconds."""
    if name == "evolution":
        kw = {"population_size": 8, "sample_size": 3, **kw}
    return cheap_searcher(name, SPACE, **kw)


SEARCHERS = list(METHOD_NAMES)


def _drive(searcher: Searcher, n: int, prefix: str = "t", concurrent: int = 1) -> list[dict]:
    """Suggest and complete ``n`` trials, ``concurrent`` at a time, with the toy score."""
    configs, running = [], []
    i = 0
    while len(configs) < n:
        while len(running) < concurrent and len(configs) + len(running) < n:
            tid = f"{prefix}{i}"
            i += 1
            config = searcher.suggest(tid)
            assert isinstance(config, dict)
            running.append((tid, config))
        tid, config = running.pop(0)
        searcher.on_trial_complete(tid, {"acc": score(SPACE.from_params(config))})
        configs.append(config)
    return configs


def test_without_ray_the_error_names_the_extra() -> None:
    import subprocess
    import sys

    code = "import sys; sys.modules['ray'] = None; import lso_sampler.ray_searchers"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert 'pip install "lso-sampler[ray]"' in proc.stderr


# -- the protocol, no runtime ------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("name", SEARCHERS)
def test_no_cell_twice_and_every_result_kept(name: str) -> None:
    searcher = _cheap(name, metric="acc", mode="max", seed=0)
    configs = _drive(searcher, 24, concurrent=3)
    keys = {SPACE.key(SPACE.from_params(c)) for c in configs}
    assert len(keys) == 24
    assert len(searcher.history) == 24
    assert not searcher.failures


@pytest.mark.parametrize("name", SEARCHERS)
def test_save_and_restore_continue_exactly(name: str, tmp_path: Path) -> None:
    a = _cheap(name, metric="acc", mode="max", seed=3)
    _drive(a, 10)
    pending = a.suggest("pending-1")  # one trial in flight at the checkpoint
    a.save(str(tmp_path / "state.pkl"))
    b = _cheap(name, seed=99)  # another seed and no metric: all of it comes from the file
    b.restore(str(tmp_path / "state.pkl"))
    for s in (a, b):
        s.on_trial_complete("pending-1", {"acc": score(SPACE.from_params(pending))})
    assert _drive(a, 8, prefix="u") == _drive(b, 8, prefix="u")
    assert [o.key for o in a.history] == [o.key for o in b.history]
    assert len(b.history) == 19


def test_a_checkpoint_whose_model_no_longer_fits_restores_and_continues_exactly(tmp_path: Path) -> None:
    """A checkpoint saved before the model changed shape (the graph VAE's encoder gained node
    indices on NAS-Bench-Graph): the saved model is dropped with a warning, nothing the
    search recorded is, and the search goes on as the original does."""
    import pickle

    a = _cheap("graph-vae", metric="acc", mode="max", seed=3)
    _drive(a, 10)
    state = a.get_state()
    model = dict(state["strategy"]["model"])
    del model[next(k for k in model if k.startswith("encoder."))]
    (tmp_path / "old.pkl").write_bytes(pickle.dumps({**state, "strategy": {**state["strategy"], "model": model}}))
    b = _cheap("graph-vae", seed=99)
    with pytest.warns(UserWarning, match="state: the saved GraphVAESearch model does not fit"):
        b.restore(str(tmp_path / "old.pkl"))
    assert [o.key for o in b.history] == [o.key for o in a.history]
    assert _drive(a, 8, prefix="u") == _drive(b, 8, prefix="u")


def test_same_seed_same_search_in_one_process() -> None:
    runs = [_drive(_cheap("agnet", metric="acc", mode="max", seed=5), 12) for _ in range(2)]
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    "result, reason",
    [
        (None, "no 'acc'"),
        ({"other": 1.0}, "no 'acc'"),
        ({"acc": float("nan")}, "not a finite"),
        ({"acc": float("inf")}, "not a finite"),
        ({"acc": None}, "not a finite"),
        ({"acc": "high"}, "not a finite"),
    ],
)
def test_bad_results_are_recorded_not_fatal(result, reason) -> None:
    searcher = RegularizedEvolutionSearcher(SPACE, metric="acc", mode="max", seed=0)
    config = searcher.suggest("bad")
    searcher.on_trial_complete("bad", result)
    assert searcher.history == []
    (failure,) = searcher.failures
    assert reason in failure["reason"] and failure["params"] == config
    _drive(searcher, 5)  # the search goes on
    assert len(searcher.history) == 5


def test_errored_trial_is_recorded() -> None:
    searcher = RegularizedEvolutionSearcher(SPACE, metric="acc", mode="max", seed=0)
    searcher.suggest("err")
    searcher.on_trial_complete("err", None, error=True)
    assert searcher.failures[0]["reason"] == "the trial raised an error"


def test_min_mode_orients_values() -> None:
    searcher = RegularizedEvolutionSearcher(SPACE, metric="loss", mode="min", seed=0)
    searcher.suggest("a")
    searcher.on_trial_complete("a", {"loss": 0.25})
    assert searcher.history[0].value == -0.25


def test_points_to_evaluate_run_first_and_rewards_join_the_history() -> None:
    rng = np.random.default_rng(0)
    cells = [SPACE.sample(rng) for _ in range(3)]
    first = RandomSearch(SPACE)
    searcher = LSOSearcher(SPACE, first, metric="acc", mode="max", seed=0, points_to_evaluate=cells[:2])
    assert [searcher.suggest(f"p{i}") for i in range(2)] == [SPACE.to_params(c) for c in cells[:2]]
    known = RegularizedEvolutionSearcher(
        SPACE,
        metric="acc",
        mode="max",
        points_to_evaluate=[SPACE.to_params(c) for c in cells],
        evaluated_rewards=[1, 2, 3],
    )
    assert [o.value for o in known.history] == [1, 2, 3]
    nxt = SPACE.key(SPACE.from_params(known.suggest("n")))
    assert nxt not in {SPACE.key(c) for c in cells}


def test_bad_input_names_the_parameter() -> None:
    with pytest.raises(ValueError, match="mode"):
        RegularizedEvolutionSearcher(SPACE, metric="acc", mode="maximize")
    with pytest.raises(ValueError, match="evaluated_rewards"):
        RegularizedEvolutionSearcher(SPACE, points_to_evaluate=[SPACE.sample(0)], evaluated_rewards=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"points_to_evaluate\[0\].*edge_0_1"):
        RegularizedEvolutionSearcher(SPACE, points_to_evaluate=[{"edge_0_1": "conv_5x5"}])
    with pytest.raises(RuntimeError, match="metric and mode"):
        RegularizedEvolutionSearcher(SPACE).suggest("x")
    searcher = RegularizedEvolutionSearcher(SPACE, metric="acc", mode="max")
    with pytest.warns(UserWarning, match=r"mode='min' \(it was built with mode='max'\) not applied"):
        assert searcher.set_search_properties("acc", "min", {}) is False  # Ray's convention: cannot apply
    with pytest.raises(ValueError, match=r"param_space\['lr'\].*loguniform"):  # a domain it cannot search
        searcher.set_search_properties(None, None, {**SPACE.to_tune(), "lr": tune.randn(0, 1)})
    assert searcher.set_search_properties(None, None, {**SPACE.to_tune(), "lr": 0.01})


def test_restore_into_another_space_is_refused(tmp_path: Path) -> None:
    a = RegularizedEvolutionSearcher(SPACE, metric="acc", mode="max", seed=0)
    _drive(a, 2)
    a.save(str(tmp_path / "s.pkl"))
    with pytest.raises(ValueError, match="another search space"):
        RegularizedEvolutionSearcher(NASBenchGraphSpace()).restore(str(tmp_path / "s.pkl"))


def test_max_concurrency_holds_back_suggestions() -> None:
    searcher = RegularizedEvolutionSearcher(SPACE, metric="acc", mode="max", seed=0)
    assert searcher.set_max_concurrency(2)
    assert isinstance(searcher.suggest("a"), dict) and isinstance(searcher.suggest("b"), dict)
    assert searcher.suggest("c") is None
    searcher.on_trial_complete("a", {"acc": 1.0})
    assert isinstance(searcher.suggest("c"), dict)


def test_to_tune_covers_the_space() -> None:
    param_space = SPACE.to_tune()
    assert list(param_space) == list(SPACE.param_names)
    assert param_space["edge_0_1"].categories == list(SPACE.variables()[0].choices)
    assert set(SPACE.to_tune("integer")["edge_0_1"].sample() for _ in range(50)) <= set(range(5))


# -- a real local Ray runtime (the ray_runtime fixture: tests/integrations/conftest.py) ------------
def _trainable(config: dict) -> None:
    cell = SPACE.from_params(config, strict=False)
    if config.get("fail_on") == SPACE.key(cell):
        raise RuntimeError("this cell's training crashed")
    tune.report({"acc": score(cell)})


class _StopAfter(tune.Callback):
    """Interrupts the run (raises) after ``n`` completed trials while ``flag`` exists."""

    def __init__(self, n: int, flag: str) -> None:
        self.n, self.flag, self.done = n, flag, 0

    def on_trial_complete(self, iteration, trials, trial, **info) -> None:
        self.done += 1
        if self.done >= self.n and os.path.exists(self.flag):
            os.remove(self.flag)
            os.kill(os.getpid(), signal.SIGINT)  # a user's Ctrl-C: Tune saves its state and stops


def _tuner(searcher, tmp_path: Path, num_samples: int, name: str, callbacks=(), param_space=None, **tune_kw):
    return tune.Tuner(
        _trainable,
        param_space=SPACE.to_tune() if param_space is None else param_space,
        tune_config=tune.TuneConfig(search_alg=searcher, num_samples=num_samples, reuse_actors=True, **tune_kw),
        run_config=tune.RunConfig(
            name=name, storage_path=str(tmp_path), verbose=0, callbacks=list(callbacks), log_to_file=False
        ),
    )


def _keys(results) -> list[str]:
    return [SPACE.key(SPACE.from_params(r.config, strict=False)) for r in results]


@pytest.mark.slow
def test_tune_two_concurrent_trials(ray_runtime, tmp_path: Path) -> None:
    searcher = _cheap("agnet", metric="acc", mode="max", seed=0)
    results = _tuner(searcher, tmp_path, 12, "concurrent", max_concurrent_trials=2).fit()
    assert len(results) == 12 and not results.errors
    assert len(set(_keys(results))) == 12
    assert results.get_best_result("acc", "max").metrics["acc"] == max(r.metrics["acc"] for r in results)


@pytest.mark.slow
def test_tune_concurrency_limiter_and_a_trial_that_raises(ray_runtime, tmp_path: Path) -> None:
    def make() -> RegularizedEvolutionSearcher:
        return RegularizedEvolutionSearcher(SPACE, metric="acc", mode="max", seed=0, population_size=4, sample_size=2)

    twin = make()  # same seed: its first cell is the searcher's first, which will crash
    bad = SPACE.key(SPACE.from_params(twin.suggest("first")))
    searcher = make()
    tuner = tune.Tuner(
        _trainable,
        param_space={**SPACE.to_tune(), "fail_on": bad},
        tune_config=tune.TuneConfig(
            search_alg=ConcurrencyLimiter(searcher, max_concurrent=2), num_samples=8, reuse_actors=True
        ),
        run_config=tune.RunConfig(name="limited", storage_path=str(tmp_path), verbose=0, log_to_file=False),
    )
    results = tuner.fit()
    assert len(results) == 8 and len(results.errors) == 1
    assert len(set(_keys(results))) == 8
    assert bad in _keys(results)


@pytest.mark.slow
def test_tuner_restore_loses_nothing_and_repeats_nothing(ray_runtime, tmp_path: Path) -> None:
    flag = tmp_path / "interrupt"
    flag.touch()
    searcher = RegularizedEvolutionSearcher(SPACE, metric="acc", mode="max", seed=0, population_size=6, sample_size=2)
    tuner = _tuner(searcher, tmp_path, 16, "restore", callbacks=[_StopAfter(6, str(flag))], max_concurrent_trials=2)
    try:
        tuner.fit()
    except BaseException:  # noqa: BLE001 - the interrupted run
        pass
    path = tmp_path / "restore"
    assert tune.Tuner.can_restore(str(path))
    assert not flag.exists()  # the callback did stop the run
    halfway = tune.Tuner.restore(str(path), trainable=_trainable).get_results()
    assert 6 <= sum(1 for r in halfway if r.metrics and "acc" in r.metrics) < 16  # really stopped early
    restored = tune.Tuner.restore(str(path), trainable=_trainable, resume_errored=True)
    results = restored.fit()
    keys = _keys(results)
    done = [r for r in results if r.metrics and "acc" in r.metrics]
    assert len(done) == 16 and len(set(keys)) == len(keys) == 16
    check = RegularizedEvolutionSearcher(SPACE)
    check.restore_from_dir(str(path))
    assert sorted(o.key for o in check.history) == sorted(keys)
    assert all(math.isfinite(o.value) for o in check.history)


@pytest.mark.slow
def test_optuna_search_with_an_lso_sampler(ray_runtime, tmp_path: Path) -> None:
    from ray.tune.search.optuna import OptunaSearch

    from lso_sampler.optuna_samplers import AGNetSampler

    sampler = AGNetSampler(SPACE, seed=0, n_startup_trials=4, epochs=2, num_candidates=20)
    searcher = OptunaSearch(space=SPACE.distributions(), sampler=sampler, metric="acc", mode="max", seed=0)
    # OptunaSearch holds the space itself: no param_space for Tune
    results = _tuner(searcher, tmp_path, 8, "optuna", param_space={}, max_concurrent_trials=2).fit()
    assert len(results) == 8 and not results.errors
    assert len(set(_keys(results))) == 8


def test_every_method_has_a_searcher_and_old_names_still_import() -> None:
    from lso_sampler.integrations.ray import searcher_class
    from lso_sampler.methods import METHODS

    for method in METHODS.values():
        assert issubclass(searcher_class(method), LSOSearcher)
    import lso_sampler.ray_searchers as old

    with pytest.warns(DeprecationWarning, match="use RegularizedEvolutionSearcher"):
        cls = old.EvolutionSearcher
    assert cls is RegularizedEvolutionSearcher
    assert old.LocalSearchSearcher is searcher_class("local-search")
