"""What the Optuna and Ray adapters share (``integrations/_common.py``): Optuna's name for the
start-up count, ``n_startup_trials`` (``num_init`` still works, deprecated), Optuna's
``ExperimentalWarning`` on the preview classes, and the generated classes' docstring
examples, which run as doctests."""

from __future__ import annotations

import doctest
import importlib
import inspect
import warnings

import pytest
from optuna.exceptions import ExperimentalWarning

from lso_sampler.integrations._common import GeneratedDocs
from lso_sampler.integrations.optuna import LSOSampler, sampler_class
from lso_sampler.methods import METHODS, get_method
from lso_sampler.spaces import NASBench201Space
from lso_sampler.strategies import RandomSearch

SPACE = NASBench201Space()
#: The methods whose strategy has a start-up count.
STARTUP = ["agnet", "graph-vae", "convex-lso", "local-search"]


def _searcher_class(name: str) -> type:
    pytest.importorskip("ray.tune")
    from lso_sampler.integrations.ray import searcher_class

    return searcher_class(name)


def _quiet(cls: type, *args, **kwargs):
    """``cls(*args, **kwargs)`` without the preview classes' ExperimentalWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        return cls(*args, **kwargs)


# -- n_startup_trials -----------------------------------------------------------------------
@pytest.mark.parametrize("name", STARTUP)
def test_every_signature_shows_n_startup_trials_not_num_init(name: str) -> None:
    classes = [get_method(name).strategy_class(), sampler_class(name), _searcher_class(name)]
    for cls in classes:
        params = inspect.signature(cls).parameters
        assert "n_startup_trials" in params and "num_init" not in params, cls.__name__
        assert "n_startup_trials:" in inspect.getdoc(cls), cls.__name__
    assert "n_startup_trials" in get_method(name).test_options or name == "local-search"


@pytest.mark.parametrize("name", STARTUP)
@pytest.mark.parametrize("kind", ["strategy", "sampler", "searcher"])
def test_num_init_still_works_with_a_future_warning(name: str, kind: str) -> None:
    cls = {
        "strategy": get_method(name).strategy_class,
        "sampler": lambda: sampler_class(name),
        "searcher": lambda: _searcher_class(name),
    }[kind]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        with pytest.warns(FutureWarning, match=r"num_init is deprecated.*use n_startup_trials") as caught:
            obj = cls(SPACE, seed=0, num_init=3)
    (w,) = [w for w in caught if w.category is FutureWarning]
    assert w.filename == __file__  # points at the caller's line
    assert str(w.message).startswith(f"{cls.__name__}: ")
    strategy = obj if kind == "strategy" else obj.strategy
    assert strategy.n_startup_trials == 3
    with pytest.warns(FutureWarning, match="use n_startup_trials"):
        assert strategy.num_init == 3


@pytest.mark.parametrize("name", STARTUP)
def test_both_names_is_a_value_error(name: str) -> None:
    for cls in (get_method(name).strategy_class(), sampler_class(name), _searcher_class(name)):
        expected = rf"^{cls.__name__}: num_init is the deprecated name of n_startup_trials; give n_startup_trials only"
        with pytest.raises(ValueError, match=expected):
            _quiet(cls, SPACE, seed=0, n_startup_trials=5, num_init=3)


def test_local_search_takes_n_startup_trials_positionally_too() -> None:
    cls = sampler_class("local-search")
    assert cls(SPACE, 3, seed=0).strategy.n_startup_trials == 3
    with pytest.raises(ValueError, match="give n_startup_trials only"):
        cls(SPACE, 3, seed=0, num_init=2)
    with pytest.raises(TypeError, match="n_startup_trials: must be an int >= 1"):
        cls(SPACE, n_startup_trials=1.5)


@pytest.mark.parametrize("name", ["agnet", "graph-vae", "convex-lso"])
def test_the_random_start_is_n_startup_trials_long(name: str) -> None:
    strategy = _quiet(sampler_class(name), SPACE, seed=0, n_startup_trials=3).strategy
    assert strategy.round_size([], [], 16) == 3  # the initial design: 3 random cells, then the model
    cells = strategy.propose([], [], 3)
    assert len(cells) == 3 and strategy.last_origins == ["initial"] * 3


# -- ExperimentalWarning -----------------------------------------------------------------------
@pytest.mark.parametrize("name", list(METHODS))
def test_preview_samplers_warn_as_optunas_experimental_classes(name: str) -> None:
    cls = sampler_class(name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cls(SPACE, seed=0)
    experimental = [w for w in caught if issubclass(w.category, ExperimentalWarning)]
    if get_method(name).preview:
        (w,) = experimental
        assert str(w.message).startswith(f"{cls.__name__} is experimental")
        assert w.filename == __file__  # the user's line, not the package's
        assert "ExperimentalWarning" in inspect.getdoc(cls)
    else:
        assert experimental == []
        assert "ExperimentalWarning" not in inspect.getdoc(cls)


def test_graph_vae_and_convex_lso_are_the_preview_methods() -> None:
    assert [m.name for m in METHODS.values() if m.preview] == ["graph-vae", "convex-lso"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LSOSampler(SPACE, RandomSearch(SPACE), seed=0)  # the adapter itself is not a preview
    assert not [w for w in caught if issubclass(w.category, ExperimentalWarning)]


@pytest.mark.parametrize("name", list(METHODS))
def test_every_searcher_warns_once(name: str) -> None:
    cls = _searcher_class(name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cls(SPACE, metric="acc", mode="max", seed=0)
    (w,) = [w for w in caught if issubclass(w.category, ExperimentalWarning)]
    assert str(w.message).startswith(f"{cls.__name__} is experimental") and w.filename == __file__
    assert "ExperimentalWarning" in inspect.getdoc(cls)


def test_the_searcher_adapter_itself_warns() -> None:
    pytest.importorskip("ray.tune")
    from lso_sampler.integrations.ray import LSOSearcher

    with pytest.warns(ExperimentalWarning, match="^LSOSearcher is experimental") as caught:
        LSOSearcher(SPACE, RandomSearch(SPACE))
    assert caught[0].filename == __file__


# -- docstring examples ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "module, old",
    [
        ("lso_sampler.integrations.optuna", "lso_sampler.optuna_samplers"),
        ("lso_sampler.integrations.ray", "lso_sampler.ray_searchers"),
    ],
)
def test_generated_classes_docstring_examples_are_collected_once(module: str, old: str) -> None:
    if module.endswith("ray"):
        pytest.importorskip("ray.tune")
    mod = importlib.import_module(module)
    assert isinstance(mod.__test__, GeneratedDocs)
    found = {t.name.rsplit(".", 1)[1]: t for t in doctest.DocTestFinder().find(mod) if ".__test__." in t.name}
    assert set(found) == set(mod._SPEC.class_names())
    for name, test in found.items():
        method = getattr(mod, name).method
        source = "".join(e.source for e in test.examples)
        assert "SKIP" not in source and f"{name}(space, " in source and "seed=0" in source
        for option, value in method.test_options.items():  # the cheap settings, so it runs quickly
            assert f"{option}={value!r}" in source
    # the old module paths hand their classes through but run no example twice
    assert not [t for t in doctest.DocTestFinder().find(importlib.import_module(old)) if ".__test__." in t.name]
