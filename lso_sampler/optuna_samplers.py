"""The Optuna samplers (kept at this path; they live in :mod:`lso_sampler.integrations.optuna`).

Example:
    >>> from lso_sampler.optuna_samplers import RegularizedEvolutionSampler
    >>> RegularizedEvolutionSampler.__module__
    'lso_sampler.integrations.optuna'
"""

from __future__ import annotations

from typing import Any

from lso_sampler.integrations import optuna as _impl
from lso_sampler.integrations.optuna import LSOSampler, make_sampler, sampler_class

__all__ = ["LSOSampler", "make_sampler", "sampler_class", *_impl.sampler_names()]

#: Empty: the classes' docstring examples run as doctests of :mod:`lso_sampler.integrations.optuna`
#: (without this, ``__getattr__`` would hand doctest that module's ``__test__``: twice).
__test__: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    return getattr(_impl, name)
