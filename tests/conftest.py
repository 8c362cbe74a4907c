"""Shared fixtures and kits: the external benchmark data directory, every built-in space,
and every registered method with settings cheap enough for unit tests (read from
:mod:`lso_sampler.methods`, so a new method is tested by the shared kits without edits here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Tests run in several processes (pytest-xdist): one torch thread each, or the processes'
    # thread pools oversubscribe the cores and every test runs slower. Set before torch loads.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")

from lso_sampler.benchmarks.base import DATA_ENV
from lso_sampler.methods import get_method, method_names
from lso_sampler.spaces import (
    DAGSpace,
    DartsSpace,
    ENASSpace,
    NASBench101Space,
    NASBench201Space,
    NASBenchGraphSpace,
    SearchSpace,
)

#: One instance of every built-in space, and a small DAGSpace of one's own, by id.
SPACES: dict[str, SearchSpace] = {
    "nasbench201": NASBench201Space(),
    "nasbench101": NASBench101Space(),
    "darts": DartsSpace(),
    "enas": ENASSpace(),
    "nasbench-graph": NASBenchGraphSpace(),
    "dag5": DAGSpace(5, ["conv", "pool", "skip"]),
}
#: The registered methods (in registration order).
METHOD_NAMES: tuple[str, ...] = method_names()


def cheap_options(name: str) -> dict[str, Any]:
    """The method's registered test settings (small models, short training)."""
    return dict(get_method(name).test_options)


def cheap_strategy(name: str, space: SearchSpace, seed: int | None = 0, **options: Any) -> Any:
    """The strategy of method ``name`` with its cheap test settings (``options`` win)."""
    cls = get_method(name).strategy_class()
    return cls(space, seed=seed, **{**cheap_options(name), **options})


def cheap_sampler(name: str, space: SearchSpace, **options: Any) -> Any:
    """The Optuna sampler of method ``name`` with its cheap test settings."""
    from lso_sampler.integrations.optuna import sampler_class

    return sampler_class(name)(space, **{**cheap_options(name), **options})


def cheap_searcher(name: str, space: SearchSpace, **options: Any) -> Any:
    """The Ray Tune searcher of method ``name`` with its cheap test settings."""
    from lso_sampler.integrations.ray import searcher_class

    return searcher_class(name)(space, **{**cheap_options(name), **options})


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``$LSO_SAMPLER_DATA``. Skips when it is missing, but fails under ``CI=true``."""
    env = os.environ.get(DATA_ENV)
    path = Path(env) if env else None
    if path is None or not (path / "nasbench201").is_dir():
        msg = f"benchmark data not found: set {DATA_ENV} to ../shared/benchmarks (got {env!r})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return path
