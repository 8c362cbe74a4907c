"""What the Optuna and Ray Tune adapters share: argument checks, seeding, building the
strategy of a registered method, the adapters' generated per-method classes (and their
docstring examples for doctest), the experimental-class warning, and turning evaluated
cells into observations. No Optuna or Ray import at module level."""

from __future__ import annotations

import inspect
import numbers
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lso_sampler._checks import resolve_renamed
from lso_sampler.cell import Cell
from lso_sampler.methods import METHODS, Method, Variant, get_method, variants
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies.base import Observation, Strategy

__all__ = [
    "AdapterSpec",
    "GeneratedDocs",
    "check_adapter",
    "check_batch_size",
    "make_adapter_class",
    "observation",
    "resolve_seed",
    "strategy_parameters",
    "warn_experimental",
]

#: The package's folder: warnings point at the first caller outside it.
_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent) + os.sep


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that makes a ``warnings.warn`` in the caller of this function point
    at the first frame outside the package (the user's line)."""
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


def warn_experimental(name: str) -> None:
    """Warn as Optuna's experimental classes do: ``optuna.exceptions.ExperimentalWarning``
    (a ``UserWarning``) saying that class ``name`` is experimental, pointing at the user's
    line. (Optuna's own decorator, ``optuna._experimental.experimental_class``, is private.)"""
    from optuna.exceptions import ExperimentalWarning

    from lso_sampler import __version__

    warnings.warn(
        f"{name} is experimental (a preview in lso_sampler {__version__}). The interface can change in the future.",
        ExperimentalWarning,
        stacklevel=_caller_stacklevel(),
    )



def resolve_seed(seed: Any, owner: str) -> int:
    """``seed`` as an int (a fresh random one for ``None``).

    Raises:
        TypeError: naming ``owner`` when ``seed`` is not an int or ``None``.
        ValueError: when it is negative.
    """
    if seed is None:
        return int(np.random.SeedSequence().entropy % 2**31)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{owner}: seed must be an int or None, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"{owner}: seed must be non-negative, got {seed}")
    return int(seed)


def check_batch_size(batch_size: Any, owner: str) -> None:
    """Raise naming ``owner`` unless ``batch_size`` (cells per proposal round) is ``None``
    or a positive int."""
    if batch_size is None:
        return
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(f"{owner}: batch_size (cells per round) must be an int, got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"{owner}: batch_size (cells per round) must be at least 1, got {batch_size}")


def check_adapter(space: Any, strategy: Any, owner: str) -> None:
    """Check that ``space`` is a space and ``strategy`` a strategy built for it."""
    if not isinstance(space, SearchSpace):
        raise TypeError(f"{owner}: space must be a SearchSpace, got {type(space).__name__}")
    if not isinstance(strategy, Strategy):
        raise TypeError(f"{owner}: strategy must be a Strategy, got {type(strategy).__name__}")
    if strategy.space is not space and strategy.space.signature() != space.signature():
        raise ValueError(f"{owner}: the strategy was built for another search space than `space`")


def observation(
    space: SearchSpace,
    cell: Cell,
    values: Sequence[float],
    signs: Sequence[float],
    constraints: Sequence[float] = (),
    hyperparameters: Mapping[str, Any] | None = None,
) -> Observation:
    """An :class:`Observation` with ``values`` oriented so that larger is better (``signs``:
    ``+1`` for a maximised objective, ``-1`` for a minimised one), and the values of the
    parameters searched beside the cell."""
    oriented = tuple(s * float(v) for s, v in zip(signs, values))
    return Observation(
        cell, space.key(cell), oriented, tuple(float(c) for c in constraints), dict(hyperparameters or {})
    )


def strategy_parameters(cls: type) -> list[inspect.Parameter]:
    """The options of strategy class ``cls`` (its constructor's parameters other than
    ``self``, ``space`` and ``seed``), in order; those before ``seed`` stay positional."""
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise TypeError(
                f"{cls.__name__}.__init__ takes *{p.name}: a strategy lists its options explicitly "
                "(the adapters show them in their signatures)"
            )
    names = [p.name for p in params]
    if not names or names[0] != "space" or "seed" not in names:
        raise TypeError(f"{cls.__name__}.__init__ must take (space, ..., seed, ...) to be registered")
    cut = names.index("seed")
    out = []
    for i, p in enumerate(params):
        if p.name in ("space", "seed"):
            continue
        kind = p.kind if i < cut else inspect.Parameter.KEYWORD_ONLY
        out.append(p.replace(kind=kind))
    return out


class AdapterSpec:
    """How one adapter (Optuna sampler, Ray searcher) builds its per-method classes.

    Args:
        base: The adapter base class (``LSOSampler``, ``LSOSearcher``); its constructor
            takes ``(space, strategy, **options)``.
        leading: Parameters before the strategy options (after ``space``), e.g. the
            searchers' ``metric``, ``mode``; they reach the base constructor.
        trailing: Keyword-only adapter options after the strategy options.
        suffix: Class-name attribute of :class:`~lso_sampler.methods.Method`
            (``"sampler_name"`` or ``"searcher_name"``).
        args_doc: The ``Args:`` lines of the adapter options, for the generated docstring.
        example: A doctest-style example with ``{cls}`` for the class name and ``{options}``
            for the method's cheap ``test_options`` (``", name=value, ..."``, or empty), so
            that it runs in seconds as a doctest.
        experimental: Whether every class of this adapter is experimental: the base class
            warns on construction itself (else a class warns when its method is
            ``preview``).
    """

    def __init__(
        self,
        base: type,
        leading: Sequence[inspect.Parameter],
        trailing: Sequence[inspect.Parameter],
        suffix: str,
        args_doc: str,
        example: str,
        experimental: bool = False,
    ) -> None:
        self.base = base
        self.leading = list(leading)
        self.trailing = list(trailing)
        self.suffix = suffix
        self.args_doc = args_doc
        self.example = example
        self.experimental = experimental
        self._classes: dict[str, type] = {}

    def class_for(self, method: Method | str, module: str) -> type:
        """The adapter class of a registered method, made once and cached (its module's
        ``__getattr__`` returns the same class, so instances pickle by module path)."""
        method = get_method(method) if isinstance(method, str) else method
        name = getattr(method, self.suffix)
        cls = self._classes.get(name)
        if cls is None or cls.method is not method:  # type: ignore[attr-defined]
            cls = self._classes[name] = make_adapter_class(self, method, module)
        return cls

    def module_attribute(self, name: str, module: str) -> type:
        """What ``module.<name>`` is: the class of the method whose adapter class is called
        ``name``, or of which ``name`` is a deprecated alias (with a DeprecationWarning).

        Raises:
            AttributeError: for any other name.
        """
        for method in METHODS.values():
            own = getattr(method, self.suffix)
            if name == own:
                return self.class_for(method, module)
            if method.aliases.get(name) == own:
                warnings.warn(f"{name} is deprecated; use {own} (same class)", DeprecationWarning, stacklevel=3)
                return self.class_for(method, module)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    def class_names(self) -> list[str]:
        """The adapter class names of the registered methods."""
        return [getattr(m, self.suffix) for m in METHODS.values()]


class GeneratedDocs(Mapping[str, type]):
    """An adapter module's ``__test__``: its generated classes by name, made when doctest
    reads it (not at import, which would load torch), so that ``pytest --doctest-modules``
    runs the examples of their docstrings."""

    def __init__(self, spec: AdapterSpec, module: str) -> None:
        self._spec = spec
        self._module = module

    def _classes(self) -> dict[str, type]:
        return {getattr(m, self._spec.suffix): self._spec.class_for(m, self._module) for m in METHODS.values()}

    def __getitem__(self, name: str) -> type:
        return self._classes()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._spec.class_names())

    def __len__(self) -> int:
        return len(METHODS)


def _strategy_args_doc(cls: type) -> str:
    """The ``Args:`` block of the strategy's docstring, without ``space`` and ``seed``."""
    doc = inspect.getdoc(cls) or ""
    lines = doc.splitlines()
    try:
        start = lines.index("Args:") + 1
    except ValueError:
        return ""
    out: list[str] = []
    skip = False
    for line in lines[start:]:
        if line and not line.startswith(" "):
            break  # the next section
        if line.startswith("    ") and not line.startswith("     "):
            name = line.strip().split(":", 1)[0]
            skip = name in ("space", "seed")
        if not skip:
            out.append(line)
    return "\n".join(out).rstrip()


def make_adapter_class(spec: AdapterSpec, method: Method | str, module: str) -> type:
    """The adapter class of ``method`` (e.g. ``AGNetSampler``): ``spec.base`` with a
    constructor whose signature lists ``space``, the adapter's leading options, ``seed``,
    every strategy option and the adapter's trailing options, so ``help()``, IDEs'
    signature hints and a mistyped option all name this class. An invalid strategy option
    (a ``TypeError`` or ``ValueError`` of the strategy's constructor) is raised again with
    the class name in front, e.g. ``RegularizedEvolutionSampler: population_size: must be
    an int >= 2, got 4.5``. A renamed strategy option's old name (the strategy
    constructor's ``__renamed__``, e.g. ``num_init`` for ``n_startup_trials``) still works
    with a FutureWarning naming this class. A ``preview`` method's class (or every class,
    for an ``experimental`` adapter) emits Optuna's ``ExperimentalWarning`` when built."""
    method = get_method(method) if isinstance(method, str) else method
    name = getattr(method, spec.suffix)
    strategy_cls = method.strategy_class()
    options = strategy_parameters(strategy_cls)
    P = inspect.Parameter
    seed = P("seed", P.KEYWORD_ONLY, default=None, annotation="int | None")
    leading = spec.leading
    if any(p.name == "seed" for p in leading):
        seed = None  # the adapter takes seed among its leading options
    positional = [p for p in options if p.kind == P.POSITIONAL_OR_KEYWORD]
    keyword = [p for p in options if p.kind == P.KEYWORD_ONLY]
    if leading:  # after the adapter's positional options, strategy options are keyword-only
        keyword = [p.replace(kind=P.KEYWORD_ONLY) for p in positional] + keyword
        positional = []
    params = [P("self", P.POSITIONAL_OR_KEYWORD), P("space", P.POSITIONAL_OR_KEYWORD, annotation="SearchSpace")]
    params += leading + positional + ([seed] if seed is not None else []) + keyword + spec.trailing
    seen: set[str] = set()
    for p in params:
        if p.name in seen:
            raise TypeError(f"{name}: the option {p.name!r} is both the adapter's and {strategy_cls.__name__}'s")
        seen.add(p.name)
    signature = inspect.Signature(params)
    strategy_names = {p.name for p in options}
    bind_sig = signature.replace(parameters=params[1:])
    renamed = {
        old: new
        for old, new in getattr(strategy_cls.__init__, "__renamed__", {}).items()
        if new in strategy_names and old not in seen
    }
    experimental = method.preview and not spec.experimental  # else the base class warns

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if experimental:
            warn_experimental(type(self).__name__)
        if renamed:
            kwargs = resolve_renamed(renamed, bind_sig, args, kwargs, type(self).__name__)
        try:
            bound = bind_sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(
                f"{type(self).__name__}: {exc}; its options are {', '.join(p.name for p in params[2:])}"
            ) from None
        bound.apply_defaults()
        given = dict(bound.arguments)
        space = given.pop("space")
        strategy_kw = {k: given.pop(k) for k in list(given) if k in strategy_names}
        try:
            strategy = strategy_cls(space, seed=given.get("seed"), **strategy_kw)
        except (TypeError, ValueError) as exc:
            if type(exc) not in (TypeError, ValueError):
                raise  # a subclass may take other arguments: leave it as it is
            raise type(exc)(f"{type(self).__name__}: {exc}") from exc
        spec.base.__init__(self, space, strategy, **given)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{name}.__init__"
    cheap = "".join(f", {k}={v!r}" for k, v in method.test_options.items())
    note = (
        "\n\nExperimental (preview): building one emits ``optuna.exceptions.ExperimentalWarning``,\n"
        "as Optuna's experimental classes do; the interface can change in future versions."
        if method.preview or spec.experimental
        else ""
    )
    doc = (
        f"{method.summary}\n\n"
        f"The Optuna / Ray Tune adapter of :class:`{strategy_cls.__module__}.{strategy_cls.__name__}` "
        f"(method ``{method.name}`` of :mod:`lso_sampler.methods`).{note}\n\n"
        "Args:\n    space: The search space.\n"
        + (_strategy_args_doc(strategy_cls) + "\n" if options else "")
        + spec.args_doc
        + "\n\nExample:\n"
        + spec.example.format(cls=name, options=cheap)
    )
    cls = type(
        name,
        (spec.base,),
        {"__init__": __init__, "__doc__": doc, "__module__": module, "method": method},
    )
    cls.__qualname__ = name
    return cls


def variant_options(name: str) -> tuple[Method, Mapping[str, Any]]:
    """The method and fixed strategy options of a runnable name (a method or an ablation)."""
    table: dict[str, Variant] = variants()
    if name not in table:
        raise KeyError(f"unknown method {name!r}; choose from {list(table)}")
    v = table[name]
    return v.method, v.options


def build_variant(
    classes: Callable[[Method], type], name: str, space: SearchSpace, **options: Any
) -> Any:
    """An adapter instance of a runnable name: ``classes(method)(space, **ablation, **options)``."""
    method, fixed = variant_options(name)
    return classes(method)(space, **{**fixed, **options})
