"""Shared fixtures: the external benchmark data directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lso_sampler.benchmarks.base import DATA_ENV


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
