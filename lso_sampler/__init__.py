"""lso_sampler: generative latent-space optimisation for NAS in Optuna and Ray Tune.

Public names: the :class:`Cell`, the search spaces and the Optuna samplers, one per method
of :mod:`lso_sampler.methods` (benchmark readers live in :mod:`lso_sampler.benchmarks`, Ray
Tune searchers in :mod:`lso_sampler.ray_searchers`). Every name is imported on first use,
so ``import lso_sampler`` loads neither torch, Ray nor onnxruntime.

Example:
    >>> import lso_sampler
    >>> lso_sampler.RegularizedEvolutionSampler.__name__
    'RegularizedEvolutionSampler'
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> module that defines it.
_SPACES = (
    "DAGSpace",
    "DartsSpace",
    "ENASSpace",
    "NASBench101Space",
    "NASBench201Space",
    "NASBenchGraphSpace",
    "SearchSpace",
)
_SAMPLERS = (
    "AGNetSampler",
    "BANANASSampler",
    "ConvexLSOSampler",
    "GraphVAESampler",
    "LocalSearchSampler",
    "LSOSampler",
    "RandomSearchSampler",
    "RegularizedEvolutionSampler",
)
_LAZY: dict[str, str] = {
    "Cell": "lso_sampler.cell",
    **{name: "lso_sampler.spaces" for name in _SPACES},
    **{name: "lso_sampler.integrations.optuna" for name in _SAMPLERS},
}

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lso_sampler' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
