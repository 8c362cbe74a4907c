"""The common interface of every search space: trial parameters <-> :class:`Cell`."""

from __future__ import annotations

import copy
import hashlib
import importlib
import itertools
import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from lso_sampler.cell import Cell

if TYPE_CHECKING:  # pragma: no cover
    import optuna
    import torch
    from optuna.distributions import BaseDistribution

__all__ = ["ENCODINGS", "DecodeStep", "GraphTensors", "SearchSpace", "Validity", "Variable", "as_rng", "network_class"]


def network_class(name: str) -> Any:
    """The evaluation network class ``name`` of :mod:`lso_sampler.networks`, looked up by
    name: the networks import the spaces' constants, so the spaces do not import them."""
    return getattr(importlib.import_module("lso_sampler.networks"), name)


ENCODINGS = ("categorical", "integer")

#: How many combinations of the variables ``enumerate()`` is willing to walk.
ENUMERATE_LIMIT = 2_000_000


@dataclass(frozen=True)
class Variable:
    """One trial parameter of a space: a name and its ordered choices.

    In the ``"categorical"`` encoding the parameter takes the choice itself; in the
    ``"integer"`` encoding it takes the choice's index ``0 .. len(choices) - 1``.
    """

    name: str
    choices: tuple[Any, ...]


@dataclass(frozen=True)
class Validity:
    """Result of :meth:`SearchSpace.is_valid`: truthy when valid, with the reason when not."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class DecodeStep:
    """What the next node of a partially decoded cell may be (sequential decoding).

    The allowed choices are every type in :attr:`types` combined with every predecessor
    set in :attr:`sources` (the two are independent).

    Attributes:
        types: Allowed node types of the next node, as indices into ``space.node_types``.
        sources: Allowed predecessor sets of the next node (sorted tuples of earlier node
            indices), or ``None`` when every subset of the earlier nodes is allowed.
    """

    types: tuple[int, ...]
    sources: tuple[tuple[int, ...], ...] | None


class GraphTensors(NamedTuple):
    """Batch of cells as dense tensors for the models.

    Attributes:
        node_types: ``[B, N, T]`` float one-hot node types over ``space.node_types``
            (all-zero rows for padding).
        adjacency: ``[B, N, N]`` float 0/1, upper-triangular.
        mask: ``[B, N]`` bool, ``True`` for real nodes.
    """

    node_types: torch.Tensor
    adjacency: torch.Tensor
    mask: torch.Tensor


def as_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    """Accept a numpy Generator, a seed or ``None``."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)



def require_cell(space: object, cell: object, method: str) -> None:
    """Raise a ``TypeError`` naming ``space.method`` when ``cell`` is not a :class:`Cell`."""
    if not isinstance(cell, Cell):
        raise TypeError(
            f"{type(space).__name__}.{method}: expected a Cell, got {type(cell).__name__}; build one with "
            "space.from_params(params), space.sample(rng) or Cell(ops, adjacency)"
        )

class SearchSpace(ABC):
    """A NAS search space mapping trial parameters to node-labelled DAG cells and back.

    Subclasses define :meth:`variables` (the flat parameterisation), :meth:`_decode` and
    :meth:`_encode` (values <-> cell), :attr:`node_types` and :attr:`max_nodes` (the model
    view), and optionally :meth:`_check` (validity rules) and :meth:`key`.

    Args:
        encoding: Default parameter encoding, ``"categorical"`` (each parameter takes its
            choice) or ``"integer"`` (each takes the choice's index, for CMA-ES and GP).
    """

    #: Short name used in the CLI and in cache keys.
    name: str = "space"
    #: Whether the graph VAE's DAG-GRU encoders (``dvae``, ``svge``) embed node indices
    #: in this space unless its config says otherwise
    #: (:attr:`~lso_sampler.models.graph_vae.GraphVAEConfig.encoder_positions`): on for the
    #: spaces whose shipped weights were trained so (NAS-Bench-Graph, NAS-Bench-101, DARTS).
    vae_encoder_positions: bool = False
    #: The graph VAE's DAG-GRU readout in this space unless its config says otherwise
    #: (:attr:`~lso_sampler.models.graph_vae.GraphVAEConfig.encoder_readout`):
    #: ``"sum"`` (D-VAE's gated sum), ``"concat"`` (the node states side by side) or
    #: ``"concat+sum"`` (the two added).
    vae_encoder_readout: str = "sum"
    #: Whether the graph VAE's decoder reads each node index's type and edge logits from
    #: the latent in this space unless its config says otherwise
    #: (:attr:`~lso_sampler.models.graph_vae.GraphVAEConfig.decoder_positions`).
    vae_decoder_positions: bool = False
    #: How many principal components of a gated-sum teacher VAE the graph VAE's predictors
    #: read through a pretrained linear map of the latent in this space (0: they read the
    #: latent itself) unless its config says otherwise
    #: (:attr:`~lso_sampler.models.graph_vae.GraphVAEConfig.teacher_pcs`).
    vae_teacher_pcs: int = 0
    #: Whether those components are each scaled to unit variance in this space unless the
    #: graph VAE's config says otherwise
    #: (:attr:`~lso_sampler.models.graph_vae.GraphVAEConfig.teacher_whiten`).
    vae_teacher_whiten: bool = True

    def __init__(self, encoding: str = "categorical") -> None:
        self.encoding = self._check_encoding(encoding)
        self._vars_by_name: dict[str, Variable] | None = None

    # -- to be provided by each space ----------------------------------------------------
    @abstractmethod
    def variables(self) -> tuple[Variable, ...]:
        """The space's parameters, in a fixed order."""

    @property
    @abstractmethod
    def node_types(self) -> tuple[str, ...]:
        """Vocabulary of node labels of the model view (one-hot order)."""

    @property
    @abstractmethod
    def max_nodes(self) -> int:
        """Largest number of nodes a cell of this space has."""

    @abstractmethod
    def _decode(self, values: Mapping[str, Any]) -> Cell:
        """Build the cell from already-checked categorical values."""

    @abstractmethod
    def _encode(self, cell: Cell) -> dict[str, Any]:
        """Categorical values of a cell; raise ``ValueError`` if it is not of this space."""

    def _check(self, cell: Cell) -> str | None:
        """Space-specific validity rules: return the reason a cell is invalid, else ``None``."""
        return None

    # -- derived interface -----------------------------------------------------------------
    def _var_map(self) -> dict[str, Variable]:
        if self._vars_by_name is None:
            self._vars_by_name = {v.name: v for v in self.variables()}
        return self._vars_by_name

    @staticmethod
    def _check_encoding(encoding: str) -> str:
        if encoding not in ENCODINGS:
            raise ValueError(f"encoding: must be one of {ENCODINGS}, got {encoding!r}")
        return encoding

    def with_encoding(self, encoding: str) -> SearchSpace:
        """A copy of the space whose default parameter encoding is ``encoding``."""
        other = copy.copy(self)
        other.encoding = self._check_encoding(encoding)
        return other

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the trial parameters."""
        return tuple(self._var_map())

    def distributions(self, encoding: str | None = None) -> dict[str, BaseDistribution]:
        """Optuna distributions of the space's parameters.

        Args:
            encoding: ``"categorical"`` or ``"integer"``; default: the space's own.
        """
        from optuna.distributions import CategoricalDistribution, IntDistribution

        enc = self._check_encoding(encoding or self.encoding)
        if enc == "categorical":
            return {v.name: CategoricalDistribution(v.choices) for v in self.variables()}
        return {v.name: IntDistribution(0, len(v.choices) - 1) for v in self.variables()}

    def to_module(self, cell: Cell, **kwargs: Any) -> Any:
        """A runnable ``torch.nn.Module`` for ``cell`` (the built-in spaces define one; see
        :meth:`NASBench201Space.to_module <lso_sampler.spaces.NASBench201Space.to_module>`).

        Raises:
            NotImplementedError: for spaces without a network builder (a :class:`DAGSpace`
                of your own ops: build the network from ``cell.ops`` and ``cell.edges``).
        """
        raise NotImplementedError(
            f"{self.name}: no network builder for this space (its ops have no fixed meaning); "
            "the built-in spaces NASBench201Space, NASBench101Space, DartsSpace, ENASSpace and "
            "NASBenchGraphSpace have one"
        )

    def to_tune(self, encoding: str | None = None) -> dict[str, Any]:
        """The space as a Ray Tune ``param_space``: ``tune.choice`` per parameter
        (``tune.randint`` over the choice indices for the integer encoding).

        With the searchers of :mod:`lso_sampler.ray_searchers` the cells come from the
        searcher; the ``param_space`` documents the parameters and lets Tune's own search
        algorithms (random, Optuna, HyperOpt, ...) run on the same space. The trainable
        gets the cell back with ``space.from_params(config, strict=False)``.

        Raises:
            ImportError: when Ray Tune is not installed (the ``ray`` extra).
        """
        try:
            from ray import tune
        except ImportError as exc:  # pragma: no cover - exercised only without Ray
            raise ImportError(
                'to_tune: needs Ray Tune, which is not installed: pip install "lso-sampler[ray]"'
            ) from exc
        enc = self._check_encoding(encoding or self.encoding)
        if enc == "categorical":
            return {v.name: tune.choice(list(v.choices)) for v in self.variables()}
        return {v.name: tune.randint(0, len(v.choices)) for v in self.variables()}

    def suggest(self, trial: optuna.trial.BaseTrial, encoding: str | None = None) -> Cell:
        """Ask ``trial`` for every parameter of the space and return the cell."""
        enc = self._check_encoding(encoding or self.encoding)
        params: dict[str, Any] = {}
        for v in self.variables():
            if enc == "categorical":
                params[v.name] = trial.suggest_categorical(v.name, v.choices)
            else:
                params[v.name] = trial.suggest_int(v.name, 0, len(v.choices) - 1)
        return self.from_params(params, encoding=enc)

    def to_params(self, cell: Cell, encoding: str | None = None) -> dict[str, Any]:
        """Trial parameters of ``cell``.

        Raises:
            ValueError: if ``cell`` does not have this space's structure.
        """
        if not isinstance(cell, Cell):
            raise TypeError(f"cell: expected a Cell, got {type(cell).__name__}")
        enc = self._check_encoding(encoding or self.encoding)
        values = self._encode(cell)
        if enc == "categorical":
            return values
        vmap = self._var_map()
        return {k: vmap[k].choices.index(val) for k, val in values.items()}

    def from_params(
        self, params: Mapping[str, Any], encoding: str | None = None, *, strict: bool = True
    ) -> Cell:
        """The cell that trial parameters ``params`` describe.

        Args:
            params: One value per parameter of the space.
            encoding: ``"categorical"`` or ``"integer"``; default: the space's own.
            strict: If true, parameters that are not the space's raise; if false they are
                ignored (a study may mix architecture and other parameters).

        Raises:
            TypeError: if ``params`` is not a mapping.
            ValueError: naming the parameter that is missing, unknown or out of range and
                what is allowed.
        """
        if not isinstance(params, Mapping):
            raise TypeError(
                f"params: expected a mapping of parameter names to values (a dict), got "
                f"{type(params).__name__}"
            )
        enc = self._check_encoding(encoding or self.encoding)
        vmap = self._var_map()
        missing = [n for n in vmap if n not in params]
        if missing:
            raise ValueError(
                f"params: missing parameter {missing[0]!r} ({len(missing)} missing); "
                f"{self.name} needs {list(vmap)}"
            )
        if strict:
            extra = [n for n in params if n not in vmap]
            if extra:
                raise ValueError(
                    f"params: unknown parameter {extra[0]!r} for {self.name}; allowed are "
                    f"{list(vmap)} (pass strict=False to ignore other parameters)"
                )
        values: dict[str, Any] = {}
        for name, var in vmap.items():
            raw = params[name]
            if enc == "categorical":
                try:
                    known = raw in var.choices
                except (TypeError, ValueError):  # e.g. a numpy array: its == is elementwise
                    known = False
                if not known or isinstance(raw, bool) != isinstance(var.choices[0], bool):
                    raise ValueError(
                        f"params[{name!r}]: {raw!r} is not allowed; choose one of {list(var.choices)}"
                    )
                # normalise numpy scalars / equal values to the declared choice
                values[name] = var.choices[var.choices.index(raw)]
            else:
                if isinstance(raw, bool) or not isinstance(raw, (int, np.integer)) or not (
                    0 <= int(raw) < len(var.choices)
                ):
                    raise ValueError(
                        f"params[{name!r}]: {raw!r} is out of range; the integer encoding "
                        f"takes an int in 0..{len(var.choices) - 1}"
                    )
                values[name] = var.choices[int(raw)]
        return self._decode(values)

    def is_valid(self, cell: Cell) -> Validity:
        """Whether ``cell`` is a valid member of the space, with the reason when not."""
        if not isinstance(cell, Cell):
            return Validity(False, f"not a Cell: {type(cell).__name__}")
        try:
            self._encode(cell)
        except ValueError as err:
            return Validity(False, str(err))
        reason = self._check(cell)
        return Validity(reason is None, reason or "")

    def key(self, cell: Cell) -> str:
        """Canonical key: equal for cells that are the same architecture in this space.

        Raises:
            TypeError: if ``cell`` is not a :class:`~lso_sampler.cell.Cell`.
        """
        require_cell(self, cell, "key")
        return cell.key

    def representative(self, cell: Cell) -> Cell:
        """The form of ``cell`` the graph VAE learns from and encodes: ``cell`` itself, here.

        A space whose :meth:`key` ignores part of a cell gives one form for the cells that
        differ only there (:class:`~lso_sampler.spaces.DAGSpace` with pruning: the pruned
        cell), so the VAE need not reproduce what the key ignores. Its :meth:`key` is
        that of ``cell``.

        Args:
            cell: A valid cell of this space.
        """
        return cell

    def describe(self, cell: Cell) -> str:
        """A short, stable, human-readable form of ``cell`` (one line).

        The samplers store it as the trial user attribute ``"architecture"``, so it shows
        in ``study.trials_dataframe()`` (column ``user_attrs_architecture``) and in
        optuna-dashboard. This generic form lists every node as ``index:op`` followed by
        ``-> `` and the nodes it feeds, nodes separated by ``"; "``; the built-in spaces
        override it with their benchmark's own notation (NAS-Bench-201 ``arch_str``, DARTS
        genotype, ...).

        Args:
            cell: A cell (of this space or not: the generic form describes any cell).

        Returns:
            The description, e.g. ``"0:input -> 1,2; 1:conv3x3 -> 2; 2:output"``.

        Example:
            >>> from lso_sampler.spaces import DAGSpace
            >>> cell = Cell(["input", "conv", "output"], [[0, 1, 1], [0, 0, 1], [0, 0, 0]])
            >>> DAGSpace(3, ["conv", "pool"]).describe(cell)
            '0:input -> 1,2; 1:conv -> 2; 2:output'
        """
        require_cell(self, cell, "describe")
        parts = []
        for i, op in enumerate(cell.ops):
            succ = cell.successors(i)
            parts.append(f"{i}:{op} -> {','.join(map(str, succ))}" if succ else f"{i}:{op}")
        return "; ".join(parts)

    def sample(self, rng: np.random.Generator | int | None = None, max_tries: int = 10_000) -> Cell:
        """A uniformly random valid cell (rejection sampling over the parameters)."""
        gen = as_rng(rng)
        variables = self.variables()
        for _ in range(max_tries):
            values = {v.name: v.choices[int(gen.integers(len(v.choices)))] for v in variables}
            cell = self._decode(values)
            if self._check(cell) is None:
                return cell
        raise RuntimeError(f"{self.name}: no valid cell in {max_tries} random draws")

    @property
    def num_configurations(self) -> int:
        """Number of parameter combinations (valid or not)."""
        return math.prod(len(v.choices) for v in self.variables())

    def enumerate(self) -> Iterator[Cell]:
        """Every valid cell once per canonical key (only for small spaces).

        Raises:
            ValueError: if the space has more than ``ENUMERATE_LIMIT`` parameter combinations.
        """
        total = self.num_configurations
        if total > ENUMERATE_LIMIT:
            raise ValueError(
                f"{self.name} has {total:,} parameter combinations, too many to enumerate "
                f"(limit {ENUMERATE_LIMIT:,}); use sample() instead"
            )
        variables = self.variables()
        seen: set[str] = set()
        for combo in itertools.product(*(v.choices for v in variables)):
            cell = self._decode(dict(zip((v.name for v in variables), combo)))
            if self._check(cell) is not None:
                continue
            k = self.key(cell)
            if k not in seen:
                seen.add(k)
                yield cell

    def signature(self) -> str:
        """A short digest of everything that defines the space (for cache keys)."""
        text = repr((type(self).__name__, self.node_types, self.max_nodes,
                     [(v.name, v.choices) for v in self.variables()]))
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()

    # -- tensors for the models ------------------------------------------------------------
    def to_tensors(self, cells: Sequence[Cell]) -> GraphTensors:
        """Dense one-hot node types and adjacency, padded to :attr:`max_nodes`."""
        import torch

        types = {t: i for i, t in enumerate(self.node_types)}
        b, n, t = len(cells), self.max_nodes, len(types)
        x = torch.zeros(b, n, t)
        adj = torch.zeros(b, n, n)
        mask = torch.zeros(b, n, dtype=torch.bool)
        for i, cell in enumerate(cells):
            if cell.num_nodes > n:
                raise ValueError(
                    f"cells[{i}]: {cell.num_nodes} nodes, more than {self.name}'s max_nodes={n}"
                )
            for j, op in enumerate(cell.ops):
                if op not in types:
                    raise ValueError(
                        f"cells[{i}]: node type {op!r} is not one of {list(self.node_types)}"
                    )
                x[i, j, types[op]] = 1.0
            mask[i, : cell.num_nodes] = True
            if cell.num_edges:
                src, dst = zip(*cell.edges)
                adj[i, list(src), list(dst)] = 1.0
        return GraphTensors(x, adj, mask)

    def from_tensors(
        self,
        node_types: torch.Tensor,
        adjacency: torch.Tensor,
        mask: torch.Tensor | None = None,
        threshold: float = 0.5,
    ) -> list[Cell]:
        """Read cells off node-type scores and edge scores (argmax and threshold).

        Args:
            node_types: ``[B, N, T]`` scores or one-hot over :attr:`node_types`.
            adjacency: ``[B, N, N]`` edge probabilities (only the upper triangle is read).
            mask: ``[B, N]`` real-node mask; default: every node is real.
            threshold: An edge exists where its score is above this.

        The result is not checked against the space's rules: use :meth:`is_valid`.
        """
        if node_types.dim() != 3 or adjacency.dim() != 3:
            raise ValueError("node_types and adjacency: expected [B, N, T] and [B, N, N] tensors")
        idx = node_types.argmax(-1).tolist()
        edges = (adjacency.triu(diagonal=1) > threshold).tolist()
        masks = mask.tolist() if mask is not None else [[True] * node_types.shape[1]] * len(idx)
        cells = []
        for ti, ei, mi in zip(idx, edges, masks):
            keep = [j for j, m in enumerate(mi) if m]
            ops = [self.node_types[ti[j]] for j in keep]
            adj = [[int(ei[a][b]) for b in keep] for a in keep]
            cells.append(Cell(ops, adj))
        return cells

    def read_scores(
        self, node_probs: torch.Tensor, edge_probs: torch.Tensor, gen: torch.Generator
    ) -> list[Cell]:
        """Draw cells from a generator's scores (AG-Net's decoding).

        Args:
            node_probs: ``[B, N, T]`` node-type probabilities over :attr:`node_types`
                (node 0's row is taken as given by its argmax).
            edge_probs: ``[B, N, N]`` edge probabilities (upper triangle read).
            gen: Torch random generator.

        The default draws every node type from its probabilities and every edge
        independently; spaces whose rules tie edges together override it. Cells are not
        checked against the rules: keep those :meth:`is_valid` accepts.
        """
        import torch

        b, n, t = node_probs.shape
        types = torch.multinomial(node_probs.reshape(b * n, t), 1, generator=gen).view(b, n)
        types[:, 0] = node_probs[:, 0].argmax(-1)
        edges = torch.bernoulli(edge_probs.triu(diagonal=1), generator=gen)
        names = self.node_types
        return [
            Cell([names[k] for k in ti], ei)
            for ti, ei in zip(types.tolist(), edges.to(torch.int64).tolist())
        ]

    def decode_step(
        self, ops: tuple[str, ...], preds: tuple[tuple[int, ...], ...]
    ) -> DecodeStep | None:
        """The allowed choices for the next node of a cell decoded node by node.

        The sequential decoder of the graph VAE asks this before adding node
        ``len(ops)``. A space whose answers only ever allow completions that pass
        :meth:`is_valid` makes every decoded cell valid; every built-in space does.

        Args:
            ops: Types of the nodes decoded so far.
            preds: Predecessors of each of those nodes.

        Returns:
            The allowed types and predecessor sets, or ``None`` when the cell is complete.
            The default (for spaces that do not say more) allows every type and every
            predecessor set for ``max_nodes`` nodes, and validity is not guaranteed.
        """
        if len(ops) >= self.max_nodes:
            return None
        return DecodeStep(tuple(range(len(self.node_types))), None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(encoding={self.encoding!r})"
