"""The method registry: what it holds, and that one entry gives a method its sampler,
searcher and ``compare`` name (checked with a toy strategy registered here)."""

from __future__ import annotations

import inspect
import pickle
from collections.abc import Iterator, Sequence

import optuna
import pytest

from lso_sampler.cell import Cell
from lso_sampler.integrations.optuna import LSOSampler, make_sampler, sampler_class
from lso_sampler.methods import METHODS, Method, get_method, register, unregister, variants
from lso_sampler.spaces import NASBench201Space, NASBenchGraphSpace
from lso_sampler.strategies.base import Observation, Strategy, random_unseen

SPACE = NASBench201Space()


class ToyStrategy(Strategy):
    """Random cells, ``step`` at a time (a method a contributor might add).

    Args:
        space: The search space.
        seed: Random seed.
        step: Cells per proposal.
    """

    name = "toy"

    def __init__(self, space, seed: int | None = None, *, step: int = 3) -> None:  # type: ignore[no-untyped-def]
        super().__init__(space, seed)
        if step < 1:
            raise ValueError(f"step: must be at least 1, got {step}")
        self.step = step
        self.batch_size = step

    def propose(self, history: Sequence[Observation], pending: Sequence[Cell], n: int) -> list[Cell]:
        taken = {o.key for o in history} | {self.space.key(c) for c in pending}
        return random_unseen(self.space, self.rng, taken, n)


@pytest.fixture
def toy() -> Iterator[Method]:
    method = register(
        Method(
            name="toy",
            strategy=ToyStrategy,
            sampler_name="ToySampler",
            searcher_name="ToySearcher",
            summary="Random cells, a toy method.",
            ablations={"toy-single": {"step": 1}},
            test_options={"step": 2},
        )
    )
    yield method
    unregister("toy")


def test_builtin_methods_and_their_capabilities_match_the_strategies() -> None:
    assert list(METHODS) == [
        "random-search", "evolution", "local-search", "agnet", "graph-vae", "convex-lso", "bananas"
    ]  # fmt: skip
    for method in METHODS.values():
        cls = method.strategy_class()
        assert issubclass(cls, Strategy)
        assert cls.supports_multi_objective == method.multi_objective, method.name
        assert cls.supports_constraints == method.constraints, method.name
        assert method.sampler_name.endswith("Sampler") and method.searcher_name.endswith("Searcher")
        assert method.sampler_name[: -len("Sampler")] == method.searcher_name[: -len("Searcher")]
    assert set(variants()) >= {"agnet-no-weighting", "agnet-no-backprop", "graph-vae-svge", "graph-vae-gin"}


def test_registering_twice_or_a_taken_class_name_is_refused(toy: Method) -> None:
    with pytest.raises(ValueError, match="registered already"):
        register(toy)
    clash = Method("toy2", ToyStrategy, "AGNetSampler", "Toy2Searcher", "clash")
    with pytest.raises(ValueError, match="class name 'AGNetSampler'"):
        register(clash)
    with pytest.raises(KeyError, match="unknown method 'nope'"):
        get_method("nope")


def test_a_registered_toy_method_gets_a_sampler_with_its_options_in_the_signature(toy: Method) -> None:
    import lso_sampler.integrations.optuna as integration

    cls = integration.ToySampler  # made on first use
    assert cls is sampler_class("toy") and issubclass(cls, LSOSampler)
    params = inspect.signature(cls).parameters
    assert list(params)[:3] == ["space", "seed", "step"]
    assert {"independent_sampler", "batch_size", "constraints_func"} <= set(params)
    assert "step: Cells per proposal." in cls.__doc__
    sampler = cls(SPACE, seed=0, step=2)
    assert sampler.strategy.step == 2
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(lambda t: SPACE.suggest(t).ops.count("nor_conv_3x3"), n_trials=6)
    assert len({SPACE.key(SPACE.from_params(t.params)) for t in study.trials}) == 6
    assert type(pickle.loads(pickle.dumps(sampler))) is cls
    assert make_sampler("toy-single", SPACE, seed=0).strategy.step == 1  # the ablation
    with pytest.raises(TypeError, match=r"ToySampler: got an unexpected keyword argument 'stpe'"):
        cls(SPACE, stpe=2)


@pytest.mark.slow
def test_a_registered_toy_method_gets_a_searcher(toy: Method) -> None:
    pytest.importorskip("ray.tune")
    from lso_sampler.integrations import ray as integration

    searcher = integration.ToySearcher(SPACE, metric="acc", mode="max", seed=0, step=2)
    assert list(inspect.signature(type(searcher)).parameters)[:3] == ["space", "metric", "mode"]
    for i in range(4):
        config = searcher.suggest(f"t{i}")
        searcher.on_trial_complete(f"t{i}", {"acc": float(i)})
    assert len(searcher.history) == 4 and config is not None


@pytest.mark.slow
def test_a_registered_toy_method_runs_in_compare(toy: Method, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from lso_sampler.compare import compare, sampler_names

    assert {"toy", "toy-single"} <= set(sampler_names())
    table = compare(
        "nasbench-graph:cora", samplers=["toy", "toy-single"], seeds=1, budget=5, out=tmp_path, progress=False
    )
    assert sorted(table["sampler"].unique()) == ["toy", "toy-single"]
    assert (table.groupby("sampler")["query"].max() == 5).all()
    assert "| toy |" in (tmp_path / "summary.md").read_text()


def test_mistyped_option_names_the_sampler() -> None:
    from lso_sampler import RegularizedEvolutionSampler

    with pytest.raises(
        TypeError, match="RegularizedEvolutionSampler: got an unexpected keyword argument 'populaton_size'"
    ):
        RegularizedEvolutionSampler(NASBenchGraphSpace(), populaton_size=10)
    sampler = RegularizedEvolutionSampler(NASBenchGraphSpace(), 10, 3, seed=0)  # P and S positional, as before
    assert (sampler.strategy.population_size, sampler.strategy.sample_size) == (10, 3)
