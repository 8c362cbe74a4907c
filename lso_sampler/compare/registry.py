"""The samplers ``compare`` can run: Optuna's own samplers and every registered method.

The table is read at call time: the Optuna peers below (``random``, ``tpe``, ``cmaes``,
``gp``, ``nsga2``) followed by every runnable name of :func:`lso_sampler.methods.variants`
(each method and its ablations), so a method registered after this module was imported
shows up here with no other edit. The methods run on the categorical encoding, with the
capabilities their :class:`~lso_sampler.methods.Method` declares.

Example:
    >>> from lso_sampler.compare.registry import parse_sampler, sampler_names
    >>> sampler_names()[:5]
    ('random', 'tpe', 'cmaes', 'gp', 'nsga2')
    >>> parse_sampler("agnet:joint")
    ('agnet', 'joint')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
    "make_sampler",
    "methods_of",
    "parse_sampler",
    "resolve_setting",
    "sampler_names",
    "sampler_table",
]

#: How a sampler is run on a benchmark with a second objective (``--setting``):
#: ``constrained`` = one objective (accuracy) under the latency limit (AG-Net's Joint=0);
#: ``joint`` = two objectives (accuracy up, latency down), under the limit if one is given
#: (AG-Net's Joint=1).
SETTINGS = ("constrained", "joint")

#: What ``compare`` runs when no samplers are named: all but ``gp``, whose trials get slow
#: (seconds each past ~100 trials on 2 cores) and which often repeats cells.
DEFAULT_SAMPLERS = ("random", "tpe", "cmaes", "evolution", "local-search")
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
    """

    name: str
    encoding: str
    multi_objective: bool = True
    constraints: bool = True
    optuna_class: str | None = None
    pass_constraints: bool = True
    method: Method | None = None

    def build(self, space: SearchSpace, seed: int, constraints_func: Any = None) -> Any:
        """The Optuna sampler on ``space`` (already in :attr:`encoding`) with ``seed``.

        ``constraints_func`` is passed on when given (and, for a peer, when
        :attr:`pass_constraints`); the sampler's other options are its defaults, or the
        ablation's fixed strategy options for an ablation name.
        """
        if self.optuna_class is not None:
            import optuna

            kwargs = {"constraints_func": constraints_func} if self.pass_constraints and constraints_func else {}
            return getattr(optuna.samplers, self.optuna_class)(seed=seed, **kwargs)
        from lso_sampler.integrations.optuna import make_sampler as make_lso_sampler

        extra = {"constraints_func": constraints_func} if constraints_func else {}
        return make_lso_sampler(self.name, space, seed=seed, **extra)


#: Optuna's own samplers with their defaults, name -> entry (the peers every method is
#: compared with).
PEERS: dict[str, SamplerEntry] = {
    # random ignores values and constraints: valid in every setting
    "random": SamplerEntry("random", "categorical", optuna_class="RandomSampler", pass_constraints=False),
    "tpe": SamplerEntry("tpe", "categorical", optuna_class="TPESampler"),
    "cmaes": SamplerEntry("cmaes", "integer", False, False, optuna_class="CmaEsSampler", pass_constraints=False),
    "gp": SamplerEntry("gp", "integer", optuna_class="GPSampler"),
    "nsga2": SamplerEntry("nsga2", "categorical", optuna_class="NSGAIISampler"),
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


def resolve_setting(spec: str, bench: Benchmark, latency_limit: float | None, setting: str | None = None) -> str | None:
    """The setting a sampler spec runs in on ``bench`` (``None``: single objective, no cost).

    A spec's own suffix wins, then ``setting``; the default is ``constrained`` when a limit
    is given and ``joint`` otherwise. Raises a ValueError for a setting the benchmark or the
    sampler cannot run.
    """
    name, own = parse_sampler(spec)
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
    entry = sampler_table()[name]
    if chosen == "joint" and not entry.multi_objective:
        raise ValueError(f"samplers: {name} handles one objective only; run it as {name}:constrained")
    if latency_limit is not None and not entry.constraints:
        raise ValueError(f"samplers: {name} takes no constraints; leave it out of a run with a latency limit")
    return chosen


def make_sampler(
    name: str, space: SearchSpace, seed: int, constraints_func: Any = None
) -> tuple[Any, SearchSpace]:
    """The Optuna sampler called ``name`` and the space in the encoding it is run with."""
    base, _ = parse_sampler(name)
    entry = sampler_table()[base]
    run_space = space.with_encoding(entry.encoding)
    return entry.build(run_space, seed, constraints_func), run_space


def methods_of(specs: Sequence[str]) -> list[Method]:
    """The registered methods behind the sampler specs ``specs`` (peers have none), each once.

    The process-pool driver registers them again in each fresh worker process, so a method
    registered at run time (not at import of :mod:`lso_sampler.methods`) runs there too.
    """
    table = sampler_table()
    out: list[Method] = []
    for spec in specs:
        method = table[parse_sampler(spec)[0]].method
        if method is not None and method not in out:
            out.append(method)
    return out


def __getattr__(name: str) -> Any:
    """``SAMPLER_NAMES``: :func:`sampler_names` now (kept for code that imports the constant)."""
    if name == "SAMPLER_NAMES":
        return sampler_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
