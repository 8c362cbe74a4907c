"""Search strategies: ``propose(history, pending, n) -> cells``; no Optuna or Ray inside.

Names are imported on first use, so the strategies that need no model load no torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "AGNet": "lso_sampler.strategies.agnet",
    "BANANAS": "lso_sampler.strategies.bananas",
    "ConvexLSO": "lso_sampler.strategies.convex",
    "GraphVAESearch": "lso_sampler.strategies.graph_vae",
    "Hyperparameter": "lso_sampler.strategies.hyperparameters",
    "HyperparameterSpace": "lso_sampler.strategies.hyperparameters",
    "LocalSearch": "lso_sampler.strategies.local_search",
    "RandomSearch": "lso_sampler.strategies.random_search",
    "RegularizedEvolution": "lso_sampler.strategies.evolution",
    **{
        name: "lso_sampler.strategies.base"
        for name in (
            "ModelBasedStrategy",
            "Observation",
            "Strategy",
            "constrained_ranks",
            "neighbours",
            "nondominated_ranks",
            "random_unseen",
        )
    },
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lso_sampler.strategies' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
