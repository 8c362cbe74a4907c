"""The samplers ``compare`` can run: Optuna's own, the general HPO peers and every method.

The table is read at call time: the Optuna peers below (``random``, ``tpe``, ``cmaes``,
``gp``, ``gp-categorical``, ``nsga2``), the general HPO peers of the ``peers`` extra
(``botorch``, ``smac``, ``hebo``; see :mod:`lso_sampler.compare.peers`) followed by every
runnable name of :func:`lso_sampler.methods.variants` (each method and its ablations), so a
method registered after this module was imported shows up here with no other edit. The
methods run on the categorical encoding, with the capabilities their
:class:`~lso_sampler.methods.Method` declares. A peer whose package is missing stays in the
table; running it raises an ImportError that names the package and how to install it
(:meth:`SamplerEntry.check_available`, checked before the first run).

Example:
    >>> from lso_sampler.compare.registry import parse_sampler, sampler_names
    >>> sampler_names()[:6]
    ('random', 'tpe', 'cmaes', 'gp', 'gp-categorical', 'nsga2')
    >>> parse_sampler("agnet:joint")
    ('agnet', 'joint')

Any other sampler runs as a *plug-in*: a callable ``factory(space, seed) -> optuna
sampler``, named on the command line by its import path (``"my_pkg.samplers:make"``, run
name ``make``, or ``"mine=my_pkg.samplers:make"``, run name ``mine``; see
:func:`is_plugin_spec` for how such a spec is told from ``name:setting``), or handed to
``compare(extra_samplers={"mine": make})`` from Python. A plug-in runs on the categorical
encoding unless the factory carries ``encoding = "integer"``; ``multi_objective = False``
keeps it out of the ``joint`` setting and ``constraints = True`` says it takes a
``constraints_func=`` keyword (it is then handed the latency constraint).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from lso_sampler.benchmarks import Benchmark
from lso_sampler.methods import Method, variants
from lso_sampler.spaces.base import SearchSpace

__all__ = [
    "DEFAULT_COST_SAMPLERS",
    "DEFAULT_SAMPLERS",
    "PEERS",
    "SETTINGS",
    "SamplerEntry",
    "is_plugin_spec",
    "load_plugin",
    "make_sampler",
    "methods_of",
    "parse_sampler",
    "plugin_entry",
    "resolve_setting",
    "sampler_names",
    "sampler_table",
]

#: How a sampler is run on a benchmark with a second objective (``--setting``):
#: ``constrained`` = one objective (accuracy) under the latency limit (AG-Net's Joint=0);
#: ``joint`` = two objectives (accuracy up, latency down), under the limit if one is given
#: (AG-Net's Joint=1).
SETTINGS = ("constrained", "joint")

#: What ``compare`` runs when no samplers are named (the README's main job): Optuna's random
#: and TPE samplers beside the package's latent-space samplers (AG-Net, the graph VAE,
#: convex LSO) and regularised evolution; 5 seeds x 40 queries take under 3 minutes on 2
#: cores. Not ``gp``, which refits its Gaussian process on every completed trial, so each
#: trial costs more as the run grows (its cost is in benchmarks/README.md), and which often
#: repeats cells.
DEFAULT_SAMPLERS = ("random", "tpe", "agnet", "graph-vae", "convex-lso", "evolution")
#: The default on a benchmark with a latency: those that handle two objectives and constraints.
DEFAULT_COST_SAMPLERS = ("random", "tpe", "nsga2", "evolution")


@dataclass(frozen=True)
class SamplerEntry:
    """One runnable sampler name: how ``compare`` builds it and in which settings it runs.

    Attributes:
        name: The name ``compare`` knows it by (``"tpe"``, ``"agnet-no-weighting"``).
        encoding: The space encoding it is run with (``"categorical"`` or ``"integer"``).
        multi_objective: Whether it can run in the ``joint`` setting (two objectives).
        constraints: Whether it can run with a latency limit.
        optuna_class: For an Optuna peer, the class name in :mod:`optuna.samplers`;
            ``None`` for a registered method (built by
            :func:`lso_sampler.integrations.optuna.make_sampler`).
        pass_constraints: Whether a peer is handed ``constraints_func`` (``random`` runs
            with a limit but ignores it, so it gets none).
        method: The registered method of an LSO name, ``None`` for a peer.
        factory: For a plug-in or a peer of the ``peers`` extra, the callable
            ``factory(space, seed) -> optuna sampler`` (called with ``constraints_func=``
            too when :attr:`constraints`); ``None`` otherwise.
        check: For a peer from an optional extra, a callable that raises an ImportError
            naming the missing package and how to install it; ``None``: nothing to check.
        budget_option: For a peer whose factory sizes itself from the run's length (SMAC3's
            ``n_trials``, which sets its initial design), the keyword the run's budget of
            distinct queries is passed as; ``None``: not passed.
    """

    name: str
    encoding: str
    multi_objective: bool = True
    constraints: bool = True
    optuna_class: str | None = None
    pass_constraints: bool = True
    method: Method | None = None
    factory: Callable[..., Any] | None = None
    check: Callable[[], None] | None = None
    budget_option: str | None = None

    def check_available(self) -> None:
        """Raise an ImportError naming what this sampler needs and how to install it,
        when that is missing (nothing to check for Optuna's samplers and the methods)."""
        if self.check is not None:
            self.check()

    def build(self, space: SearchSpace, seed: int, constraints_func: Any = None, budget: int | None = None) -> Any:
        """The Optuna sampler on ``space`` (already in :attr:`encoding`) with ``seed``.

        ``constraints_func`` is passed on when given (and, for a peer, when
        :attr:`pass_constraints`); ``budget`` (the run's distinct queries) goes to a peer
        with a :attr:`budget_option`, as its users give it their number of trials; the
        sampler's other options are its defaults, or the ablation's fixed strategy options
        for an ablation name.
        """
        self.check_available()
        if self.factory is not None:
            extra = {"constraints_func": constraints_func} if self.constraints and constraints_func else {}
            if self.budget_option is not None and budget is not None:
                extra[self.budget_option] = budget
            return self.factory(space, seed, **extra)
        if self.optuna_class is not None:
            import optuna

            kwargs = {"constraints_func": constraints_func} if self.pass_constraints and constraints_func else {}
            return getattr(optuna.samplers, self.optuna_class)(seed=seed, **kwargs)
        from lso_sampler.integrations.optuna import make_sampler as make_lso_sampler

        extra = {"constraints_func": constraints_func} if constraints_func else {}
        return make_lso_sampler(self.name, space, seed=seed, **extra)


def _peer_factory(name: str, space: SearchSpace, seed: int, **kwargs: Any) -> Any:
    """The sampler of the peer ``name`` of :mod:`lso_sampler.compare.peers` (imported now:
    that module imports Optuna, this one stays light)."""
    from lso_sampler.compare.peers import PEER_FACTORIES

    return PEER_FACTORIES[name](space, seed, **kwargs)


def _check_peer(name: str) -> None:
    """:func:`lso_sampler.compare.peers.check_peer` of ``name``."""
    from lso_sampler.compare.peers import check_peer

    check_peer(name)


#: Optuna's own samplers with their defaults and the general HPO peers of the ``peers``
#: extra (BoTorch, SMAC3, HEBO), name -> entry (the peers every method is compared with).
PEERS: dict[str, SamplerEntry] = {
    # random ignores values and constraints: valid in every setting
    "random": SamplerEntry("random", "categorical", optuna_class="RandomSampler", pass_constraints=False),
    "tpe": SamplerEntry("tpe", "categorical", optuna_class="TPESampler"),
    "cmaes": SamplerEntry("cmaes", "integer", False, False, optuna_class="CmaEsSampler", pass_constraints=False),
    "gp": SamplerEntry("gp", "integer", optuna_class="GPSampler"),
    # the same GP on the categorical encoding, as an Optuna user runs it on op choices
    "gp-categorical": SamplerEntry("gp-categorical", "categorical", optuna_class="GPSampler"),
    "nsga2": SamplerEntry("nsga2", "categorical", optuna_class="NSGAIISampler"),
    # the general HPO peers of the ``peers`` extra, each as its users run it
    "botorch": SamplerEntry(
        "botorch", "categorical", factory=partial(_peer_factory, "botorch"), check=partial(_check_peer, "botorch")
    ),
    "smac": SamplerEntry(
        "smac",
        "categorical",
        False,
        False,
        factory=partial(_peer_factory, "smac"),
        check=partial(_check_peer, "smac"),
        budget_option="n_trials",
    ),
    "hebo": SamplerEntry(
        "hebo", "categorical", False, False, factory=partial(_peer_factory, "hebo"), check=partial(_check_peer, "hebo")
    ),
}


def sampler_table() -> dict[str, SamplerEntry]:
    """Every runnable name -> its entry: the peers, then the registry's variants in
    registration order (read now, so methods registered later are included).

    Raises:
        ValueError: if a registered method or ablation takes the name of a peer.
    """
    table = dict(PEERS)
    for name, variant in variants().items():
        if name in table:
            raise ValueError(
                f"samplers: the method name {name!r} of {variant.method.name!r} is taken by Optuna's "
                "sampler of that name in compare; register the method under another name"
            )
        m = variant.method
        table[name] = SamplerEntry(name, "categorical", m.multi_objective, m.constraints, method=m)
    return table


def sampler_names() -> tuple[str, ...]:
    """The names ``compare`` can run, peers first (see :func:`sampler_table`)."""
    return tuple(sampler_table())


def parse_sampler(spec: str) -> tuple[str, str | None]:
    """``"agnet:joint"`` -> ``("agnet", "joint")``; ``"tpe"`` -> ``("tpe", None)``.

    Raises:
        ValueError: for an unknown sampler or setting, naming the choices.
    """
    name, _, setting = spec.partition(":")
    names = sampler_names()
    if name not in names:
        raise ValueError(f"samplers: unknown sampler {name!r}; choose from {list(names)}")
    if setting and setting not in SETTINGS:
        raise ValueError(f"samplers: unknown setting {setting!r} in {spec!r}; choose from {list(SETTINGS)}")
    return name, setting or None


def resolve_setting(
    spec: str,
    bench: Benchmark,
    latency_limit: float | None,
    setting: str | None = None,
    entry: SamplerEntry | None = None,
) -> str | None:
    """The setting a sampler spec runs in on ``bench`` (``None``: single objective, no cost).

    A spec's own suffix wins, then ``setting``; the default is ``constrained`` when a limit
    is given and ``joint`` otherwise. Raises a ValueError for a setting the benchmark or the
    sampler cannot run. ``entry`` is a plug-in's entry (``spec`` is then its run name).
    """
    name, own = (spec, None) if entry is not None else parse_sampler(spec)
    chosen = own or setting
    if bench.cost_name is None:
        if chosen is not None:
            raise ValueError(
                f"samplers: {spec!r} asks for the {chosen!r} setting, but {bench.name} has no second "
                "objective (use a nasbench201-latency:<device> benchmark)"
            )
        if latency_limit is not None:
            raise ValueError(f"latency_limit: {bench.name} has no latency; leave the limit out")
        return None
    if chosen is None:
        chosen = "constrained" if latency_limit is not None else "joint"
    entry = entry if entry is not None else sampler_table()[name]
    if chosen == "joint" and not entry.multi_objective:
        raise ValueError(f"samplers: {name} handles one objective only; run it as {name}:constrained")
    if latency_limit is not None and not entry.constraints:
        raise ValueError(f"samplers: {name} takes no constraints; leave it out of a run with a latency limit")
    return chosen


def make_sampler(
    name: str,
    space: SearchSpace,
    seed: int,
    constraints_func: Any = None,
    entry: SamplerEntry | None = None,
    budget: int | None = None,
) -> tuple[Any, SearchSpace]:
    """The Optuna sampler called ``name`` (or built by the plug-in ``entry``) and the space
    in the encoding it is run with; ``budget``: the run's distinct queries (for a peer that
    sizes itself from it, :attr:`SamplerEntry.budget_option`)."""
    if entry is None:
        entry = sampler_table()[parse_sampler(name)[0]]
    run_space = space.with_encoding(entry.encoding)
    return entry.build(run_space, seed, constraints_func, budget), run_space


def is_plugin_spec(spec: str) -> bool:
    """Whether the sampler spec ``spec`` names a plug-in rather than ``name[:setting]``.

    A plug-in spec is ``run_name=module.path:attr``, or ``module.path:attr`` whose part
    before the colon is not a known sampler name and either holds a dot (a module path) or
    is followed by something that is not a setting. So ``agnet:joint``,
    ``tpe:constrained`` and ``random:sideways`` stay name:setting specs (the last an
    unknown setting), ``my_pkg.samplers:make`` and ``mymod:make`` are plug-ins.
    """
    if "=" in spec:
        return True
    head, colon, tail = spec.partition(":")
    if not colon or head in sampler_names():
        return False
    return "." in head or tail not in SETTINGS


def plugin_entry(name: str, factory: Callable[..., Any], where: str | None = None) -> SamplerEntry:
    """The :class:`SamplerEntry` of a plug-in run as ``name``: ``factory(space, seed)``
    builds its Optuna sampler. Reads the factory's optional attributes ``encoding``
    (``"categorical"``, the default, or ``"integer"``), ``multi_objective`` (default True)
    and ``constraints`` (default False: it takes no ``constraints_func``).

    Raises:
        ValueError: for a name that a built-in sampler has, a factory that is not callable
            or an unknown encoding, naming ``where`` (the spec) when given.
    """
    what = where or name
    if not name or "," in name or ":" in name or "=" in name:
        raise ValueError(f"samplers: plug-in {what!r}: the run name {name!r} must be non-empty, without , : =")
    if name in sampler_names():
        raise ValueError(
            f"samplers: plug-in {what!r}: the run name {name!r} is a built-in sampler's; "
            "name it otherwise (name=module.path:factory)"
        )
    if not callable(factory):
        raise ValueError(
            f"samplers: plug-in {what!r}: {factory!r} is not callable; give a callable "
            "factory(space, seed) -> optuna sampler"
        )
    encoding = getattr(factory, "encoding", "categorical")
    if encoding not in ("categorical", "integer"):
        raise ValueError(
            f"samplers: plug-in {what!r}: encoding must be 'categorical' or 'integer', got {encoding!r}"
        )
    return SamplerEntry(
        name,
        encoding,
        multi_objective=bool(getattr(factory, "multi_objective", True)),
        constraints=bool(getattr(factory, "constraints", False)),
        factory=factory,
    )


def load_plugin(spec: str) -> tuple[str, SamplerEntry]:
    """``"mine=my_pkg.samplers:make"`` -> ``("mine", entry)``; ``"my_pkg.samplers:make"``
    -> ``("make", entry)``: imports the module and takes the attribute (dotted attribute
    paths such as ``module:Class.method`` are followed).

    Raises:
        ValueError: for a malformed spec, a module that does not import, a missing
            attribute or one that is not callable, naming the spec.
    """
    import importlib

    name, eq, target = spec.partition("=")
    if not eq:
        name, target = "", spec
    module_path, colon, attr = target.partition(":")
    if not colon or not module_path or not attr:
        raise ValueError(f"samplers: plug-in {spec!r}: expected [name=]module.path:factory")
    name = name.strip() or attr.rsplit(".", 1)[-1]
    try:
        obj: Any = importlib.import_module(module_path)
    except Exception as exc:  # ImportError, or an error raised while importing
        raise ValueError(
            f"samplers: plug-in {spec!r}: cannot import module {module_path!r} ({type(exc).__name__}: {exc})"
        ) from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ValueError(f"samplers: plug-in {spec!r}: module {module_path!r} has no attribute {attr!r}") from None
    return name, plugin_entry(name, obj, spec)


def methods_of(specs: Sequence[str]) -> list[Method]:
    """The registered methods behind the sampler specs ``specs`` (peers have none), each once.

    The process-pool driver registers them again in each fresh worker process, so a method
    registered at run time (not at import of :mod:`lso_sampler.methods`) runs there too.
    """
    table = sampler_table()
    out: list[Method] = []
    for spec in specs:
        if is_plugin_spec(spec):
            continue
        method = table[parse_sampler(spec)[0]].method
        if method is not None and method not in out:
            out.append(method)
    return out


def __getattr__(name: str) -> Any:
    """``SAMPLER_NAMES``: :func:`sampler_names` now (kept for code that imports the constant)."""
    if name == "SAMPLER_NAMES":
        return sampler_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
