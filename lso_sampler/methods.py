"""The method registry: every search method of the package, in one place.

Each :class:`Method` names a strategy (by import path, so reading the registry imports no
torch), its capabilities, its ablation variants and cheap settings for tests. The Optuna
samplers and Ray Tune searchers (:mod:`lso_sampler.integrations`), ``lso-sampler compare``,
the benchmark scripts and the tests all read it: adding a method is its model, its
strategy, one :func:`register` call and its tests.

Example:
    >>> from lso_sampler.methods import get_method, method_names
    >>> get_method("agnet").sampler_name
    'AGNetSampler'
    >>> "evolution" in method_names()
    True
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["METHODS", "Method", "Variant", "get_method", "method_names", "register", "unregister", "variants"]


@dataclass(frozen=True)
class Method:
    """One search method.

    Attributes:
        name: Short name (``compare``'s sampler name, e.g. ``"agnet"``).
        strategy: The strategy class, or its import path ``"package.module:Class"`` (loaded
            on first use, so the registry stays free of torch).
        sampler_name: Name of the generated Optuna sampler class (``"AGNetSampler"``).
        searcher_name: Name of the generated Ray Tune searcher class (``"AGNetSearcher"``).
        summary: One line on what the method does (first line of the adapters' docstrings).
        multi_objective: Whether the method handles several objectives.
        constraints: Whether it takes constraint values into account.
        model_based: Whether it trains a torch model (needs torch at proposal time).
        preview: Whether the method's sampler is still experimental: building it emits
            Optuna's ``optuna.exceptions.ExperimentalWarning``, as Optuna's experimental
            classes do (every Ray Tune searcher does, the Ray integration being a preview).
        ablations: Variant name -> strategy options, run by ``compare`` as named samplers.
        test_options: Strategy options that make the method cheap enough for unit tests.
        aliases: Earlier class names of the adapters, importable with a DeprecationWarning.
    """

    name: str
    strategy: str | type
    sampler_name: str
    searcher_name: str
    summary: str
    multi_objective: bool = False
    constraints: bool = False
    model_based: bool = False
    preview: bool = False
    ablations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    test_options: Mapping[str, Any] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)

    def strategy_class(self) -> type:
        """The strategy class (imported on first call when given as a path)."""
        if isinstance(self.strategy, type):
            return self.strategy
        module, _, attr = self.strategy.partition(":")
        return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class Variant:
    """A runnable name: a method with fixed strategy options (an ablation) or without."""

    name: str
    method: Method
    options: Mapping[str, Any]


_REGISTRY: dict[str, Method] = {}
#: Read-only view of the registry: name -> :class:`Method`, in registration order.
METHODS: Mapping[str, Method] = MappingProxyType(_REGISTRY)


def register(method: Method, *, replace: bool = False) -> Method:
    """Add ``method`` to the registry (and so to the adapters and ``compare``).

    Raises:
        ValueError: if the name, a variant name or an adapter class name is taken (pass
            ``replace=True`` to replace a method of the same name).
    """
    if not isinstance(method, Method):
        raise TypeError(f"method: expected a Method, got {type(method).__name__}")
    if method.name in _REGISTRY and not replace:
        raise ValueError(f"method: {method.name!r} is registered already (pass replace=True to replace it)")
    taken = {v for m in _REGISTRY.values() if m.name != method.name for v in (m.name, *m.ablations)}
    classes = {
        c for m in _REGISTRY.values() if m.name != method.name for c in (m.sampler_name, m.searcher_name, *m.aliases)
    }
    for name in (method.name, *method.ablations):
        if name in taken:
            raise ValueError(f"method: the name {name!r} of {method.name!r} is used by another method")
    for cls in (method.sampler_name, method.searcher_name, *method.aliases):
        if cls in classes:
            raise ValueError(f"method: the class name {cls!r} of {method.name!r} is used by another method")
    _REGISTRY[method.name] = method
    return method


def unregister(name: str) -> None:
    """Remove a method (a test's toy method, say); unknown names are ignored."""
    _REGISTRY.pop(name, None)


def get_method(name: str) -> Method:
    """The method called ``name``.

    Raises:
        KeyError: naming the registered methods.
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown method {name!r}; registered: {list(_REGISTRY)}") from None


def method_names() -> tuple[str, ...]:
    """The registered methods' names, in registration order."""
    return tuple(_REGISTRY)


def variants() -> dict[str, Variant]:
    """Every runnable name: each method, then its ablations, in registration order."""
    out: dict[str, Variant] = {}
    for m in _REGISTRY.values():
        out[m.name] = Variant(m.name, m, {})
        for name, options in m.ablations.items():
            out[name] = Variant(name, m, dict(options))
    return out


# -- the built-in methods --------------------------------------------------------------------
register(
    Method(
        name="random-search",
        strategy="lso_sampler.strategies.random_search:RandomSearch",
        sampler_name="RandomSearchSampler",
        searcher_name="RandomSearchSearcher",
        summary="Random search over distinct valid cells (never a repeat; any number of objectives).",
        multi_objective=True,
        constraints=True,
    )
)
register(
    Method(
        name="evolution",
        strategy="lso_sampler.strategies.evolution:RegularizedEvolution",
        sampler_name="RegularizedEvolutionSampler",
        searcher_name="RegularizedEvolutionSearcher",
        summary="Regularised evolution (Real et al. 2019); several objectives by a non-dominated tournament.",
        multi_objective=True,
        constraints=True,
        test_options={"population_size": 10, "sample_size": 3},
        aliases={"EvolutionSearcher": "RegularizedEvolutionSearcher"},
    )
)
register(
    Method(
        name="local-search",
        strategy="lso_sampler.strategies.local_search:LocalSearch",
        sampler_name="LocalSearchSampler",
        searcher_name="LocalSearchSearcher",
        summary="Local search with random restarts (White et al. 2021).",
        multi_objective=False,
        constraints=True,
    )
)
register(
    Method(
        name="agnet",
        strategy="lso_sampler.strategies.agnet:AGNet",
        sampler_name="AGNetSampler",
        searcher_name="AGNetSearcher",
        summary="AG-Net generative latent space optimisation (Lukasik et al., ECCV 2022).",
        multi_objective=True,
        constraints=True,
        model_based=True,
        ablations={
            "agnet-no-weighting": {"weighted_retraining": False},  # the paper's Table 6
            "agnet-no-backprop": {"backprop_surrogate": False},
        },
        test_options={"n_startup_trials": 4, "epochs": 2, "num_candidates": 20},
    )
)
register(
    Method(
        name="graph-vae",
        strategy="lso_sampler.strategies.graph_vae:GraphVAESearch",
        sampler_name="GraphVAESampler",
        searcher_name="GraphVAESearcher",
        summary="Graph VAE + gradient ascent in latent space (NGAE; D-VAE / SVGe / GIN encoders).",
        multi_objective=True,
        constraints=True,
        model_based=True,
        preview=True,  # README: "Graph VAE and CR-LSO (preview)"
        ablations={"graph-vae-svge": {"encoder": "svge"}, "graph-vae-gin": {"encoder": "gin"}},
        test_options={"n_startup_trials": 4, "epochs": 2, "num_prior": 4, "num_best": 2, "steps": 2},
    )
)
register(
    Method(
        name="convex-lso",
        strategy="lso_sampler.strategies.convex:ConvexLSO",
        sampler_name="ConvexLSOSampler",
        searcher_name="ConvexLSOSearcher",
        summary="CR-LSO: the graph VAE with an input-convex predictor, trained semi-supervised.",
        multi_objective=True,
        constraints=True,
        model_based=True,
        preview=True,
        test_options={"n_startup_trials": 4, "epochs": 2, "num_best": 2, "steps": 2, "num_unlabeled": 8},
    )
)
register(
    Method(
        name="bananas",
        strategy="lso_sampler.strategies.bananas:BANANAS",
        sampler_name="BANANASSampler",
        searcher_name="BANANASSearcher",
        summary=(
            "BANANAS (White et al., AAAI 2021): an ensemble of 5 MLPs on the path encoding, "
            "Thompson sampling over mutations of the best cells."
        ),
        multi_objective=False,
        constraints=False,
        model_based=True,
        test_options={"n_startup_trials": 4, "epochs": 2, "num_candidates": 20},
    )
)
