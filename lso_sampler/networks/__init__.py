"""Evaluation networks: the torch modules a cell builds (``space.to_module(cell, ...)``).

The spaces reach these classes by name through :func:`lso_sampler.spaces.base.network_class`
(they do not import this package: the networks import the spaces' constants), and this
package imports its modules only when a class is first asked for, so torch and
torch-geometric load only when a network is built.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Class name -> module (under ``lso_sampler.networks``) that defines it.
NETWORKS: dict[str, str] = {
    "NB201Network": "nb201_net",
    "NB101Network": "nb101_net",
    "DartsNetwork": "darts_net",
    "ENASNetwork": "enas_net",
    "NBGraphNetwork": "graph_net",
}

__all__ = sorted(NETWORKS)


def __getattr__(name: str) -> Any:
    module = NETWORKS.get(name)
    if module is None:
        raise AttributeError(f"module 'lso_sampler.networks' has no attribute {name!r}")
    return getattr(importlib.import_module(f"lso_sampler.networks.{module}"), name)
