"""Fixtures the integration tests share."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="module")
def ray_runtime():
    """A real local Ray runtime (2 CPUs, no dashboard) for one test module."""
    import ray

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()
