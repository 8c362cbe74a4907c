"""Search spaces: each maps trial parameters to a :class:`~lso_sampler.cell.Cell` and back."""

from __future__ import annotations

from lso_sampler.spaces.base import ENCODINGS, DecodeStep, GraphTensors, SearchSpace, Validity, Variable
from lso_sampler.spaces.dag import DAGSpace
from lso_sampler.spaces.darts import DartsSpace
from lso_sampler.spaces.enas import ENASSpace
from lso_sampler.spaces.nasbench101 import NASBench101Space
from lso_sampler.spaces.nasbench201 import NASBench201Space
from lso_sampler.spaces.nasbench_graph import NASBenchGraphSpace

#: The benchmark spaces that need no arguments, by their ``name`` (``DAGSpace`` takes yours).
BUILTIN_SPACES: dict[str, type[SearchSpace]] = {
    cls.name: cls for cls in (NASBench201Space, NASBench101Space, NASBenchGraphSpace, ENASSpace, DartsSpace)
}

__all__ = [
    "BUILTIN_SPACES",
    "ENCODINGS",
    "DAGSpace",
    "DartsSpace",
    "DecodeStep",
    "ENASSpace",
    "GraphTensors",
    "NASBench101Space",
    "NASBench201Space",
    "NASBenchGraphSpace",
    "SearchSpace",
    "Validity",
    "Variable",
]
