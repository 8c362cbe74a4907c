"""lso_sampler: generative latent-space optimisation for NAS in Optuna and Ray Tune.

Public names: the :class:`Cell`, the search spaces and the Optuna samplers (benchmark readers
live in :mod:`lso_sampler.benchmarks`). Ray is never imported here.
"""

from __future__ import annotations

from lso_sampler.cell import Cell
from lso_sampler.optuna_samplers import (
    AGNetSampler,
    ConvexLSOSampler,
    GraphVAESampler,
    LocalSearchSampler,
    LSOSampler,
    RandomSearchSampler,
    RegularizedEvolutionSampler,
)
from lso_sampler.spaces import (
    DAGSpace,
    DartsSpace,
    ENASSpace,
    NASBench101Space,
    NASBench201Space,
    NASBenchGraphSpace,
    SearchSpace,
)

__version__ = "0.1.0"

__all__ = [
    "AGNetSampler",
    "Cell",
    "ConvexLSOSampler",
    "DAGSpace",
    "DartsSpace",
    "ENASSpace",
    "GraphVAESampler",
    "LSOSampler",
    "LocalSearchSampler",
    "NASBench101Space",
    "NASBench201Space",
    "NASBenchGraphSpace",
    "RandomSearchSampler",
    "RegularizedEvolutionSampler",
    "SearchSpace",
    "__version__",
]
