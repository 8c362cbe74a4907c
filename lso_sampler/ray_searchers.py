"""The Ray Tune searchers (kept at this path; they live in :mod:`lso_sampler.integrations.ray`).

Needs Ray Tune (``pip install "lso-sampler[ray]"``). ``EvolutionSearcher`` is the old name
of ``RegularizedEvolutionSearcher`` (a DeprecationWarning says so).
"""

from __future__ import annotations

from typing import Any

from lso_sampler.integrations import ray as _impl
from lso_sampler.integrations.ray import LSOSearcher, make_searcher, searcher_class

__all__ = ["LSOSearcher", "make_searcher", "searcher_class", *_impl.searcher_names()]

#: Empty: the classes' docstring examples run as doctests of :mod:`lso_sampler.integrations.ray`
#: (without this, ``__getattr__`` would hand doctest that module's ``__test__``: twice).
__test__: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    return getattr(_impl, name)
