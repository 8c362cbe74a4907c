"""Search strategies: ``propose(history, pending, n) -> cells``; no Optuna or Ray inside."""

from __future__ import annotations

from lso_sampler.strategies.agnet import AGNet
from lso_sampler.strategies.convex import ConvexLSO
from lso_sampler.strategies.base import (
    Observation,
    Strategy,
    constrained_ranks,
    neighbours,
    nondominated_ranks,
    random_unseen,
)
from lso_sampler.strategies.evolution import RegularizedEvolution
from lso_sampler.strategies.graph_vae import GraphVAESearch
from lso_sampler.strategies.local_search import LocalSearch
from lso_sampler.strategies.random_search import RandomSearch

__all__ = [
    "AGNet",
    "ConvexLSO",
    "GraphVAESearch",
    "LocalSearch",
    "Observation",
    "RandomSearch",
    "RegularizedEvolution",
    "Strategy",
    "constrained_ranks",
    "neighbours",
    "nondominated_ranks",
    "random_unseen",
]
