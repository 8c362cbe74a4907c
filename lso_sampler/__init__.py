"""lso_sampler: generative latent-space optimisation for NAS in Optuna and Ray Tune.

Public names: the :class:`Cell`, the search spaces and the benchmark readers. Ray is never
imported here.
"""

from __future__ import annotations

from lso_sampler.cell import Cell
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
    "Cell",
    "DAGSpace",
    "DartsSpace",
    "ENASSpace",
    "NASBench101Space",
    "NASBench201Space",
    "NASBenchGraphSpace",
    "SearchSpace",
    "__version__",
]
