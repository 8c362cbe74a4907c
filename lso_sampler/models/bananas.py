"""BANANAS's model: the path encoding of a cell and an ensemble of small MLPs.

BANANAS (White, Neiswanger & Savani, AAAI 2021) describes a cell by the set of its
input-to-output paths, each path the sequence of ops along it, and predicts a cell's value
with an ensemble of feed-forward networks on that binary vector. :class:`PathEncoder`
writes the encoding for any :class:`~lso_sampler.spaces.base.SearchSpace`;
:class:`MLPEnsemble` is the ensemble, all members trained in one batched pass.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from lso_sampler._checks import check_int
from lso_sampler.cell import Cell
from lso_sampler.spaces.base import SearchSpace

__all__ = ["PATH_ENCODINGS", "MLPEnsemble", "PathEncoder", "cell_paths"]

#: The path encodings :class:`PathEncoder` writes (``"auto"`` picks one per space).
PATH_ENCODINGS = ("auto", "exact", "hashed")

#: Path vocabularies of the spaces enumerated so far, by space and length limit.
_VOCABULARIES: dict[tuple[str, str, int | None, int], tuple[tuple[str, ...], ...]] = {}


def cell_paths(cell: Cell, max_length: int | None = None, max_paths: int = 2000) -> set[tuple[str, ...]]:
    """The paths of ``cell``: for every node without predecessors (an input) and every node
    without successors (an output) reachable from it, each path between them as the labels
    of its nodes, both ends included. A node with no edge at all gives no path.

    Args:
        cell: The cell.
        max_length: Longest path kept, in nodes (``None``: all): the truncated encoding.
        max_paths: Most paths followed (they are followed shortest first, so a cell with
            more keeps its shortest ones): a dense DAG has exponentially many.

    Returns:
        The distinct label sequences (a cell with two parallel paths of the same ops has
        that path once, as in the BANANAS encoding, which is binary).

    Example:
        >>> cell = Cell(["input", "conv", "pool", "output"], [[0, 1, 1, 0], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]])
        >>> sorted(cell_paths(cell), key=lambda p: (len(p), p))
        [('input', 'conv', 'output'), ('input', 'pool', 'output'), ('input', 'conv', 'pool', 'output')]
    """
    n = cell.num_nodes
    succs = [cell.successors(v) for v in range(n)]
    preds_any = [bool(cell.predecessors(v)) for v in range(n)]
    frontier = [(v,) for v in range(n) if not preds_any[v] and succs[v]]
    out: set[tuple[str, ...]] = set()
    followed = 0
    while frontier and followed < max_paths:
        nxt: list[tuple[int, ...]] = []
        for path in frontier:
            if max_length is not None and len(path) >= max_length:
                continue
            for w in succs[path[-1]]:
                longer = (*path, w)
                if succs[w]:
                    nxt.append(longer)
                elif followed < max_paths:
                    out.add(tuple(cell.ops[v] for v in longer))
                    followed += 1
        frontier = nxt[: max(0, max_paths - followed)]
    return out


def _path_text(path: tuple[str, ...]) -> str:
    return "\x1f".join(path)


class PathEncoder:
    """The BANANAS path encoding of a space's cells: one 0/1 feature per path.

    ``"exact"`` is the paper's encoding: one feature per path that any valid cell of the
    space has (found by enumerating the space once per process; e.g. 155 + the paths
    through ``none`` ops on NAS-Bench-201), ordered by length. ``"hashed"`` is for spaces
    too large to enumerate: each path's label sequence is hashed (BLAKE2b, stable across
    processes) into one of ``hash_dim`` features, so different paths share a feature
    only when their hashes collide. ``"auto"`` (default) is exact for spaces of at most
    ``exact_limit`` parameter combinations (NAS-Bench-201, small DAG spaces) and hashed
    otherwise (NAS-Bench-101, DARTS, ENAS, NAS-Bench-Graph). ``max_path_length`` truncates
    the encoding to the paths of at most that many nodes (the paper's truncated encoding
    keeps the shortest paths, which most cells have).

    Args:
        space: The search space.
        encoding: ``"auto"``, ``"exact"`` or ``"hashed"``.
        hash_dim: Features of the hashed encoding.
        max_path_length: Longest path encoded, in nodes, ends included (``None``: all).
        exact_limit: Largest number of parameter combinations ``"auto"`` enumerates.
        max_paths: Most paths read per cell (see :func:`cell_paths`).

    Raises:
        TypeError: if ``space`` is not a SearchSpace or an option has the wrong type.
        ValueError: for an unknown encoding, an option out of range, or ``"exact"`` on a
            space too large to enumerate.

    Example:
        >>> from lso_sampler.spaces import NASBench201Space
        >>> space = NASBench201Space()
        >>> enc = PathEncoder(space)
        >>> enc.mode, enc.dim
        ('exact', 155)
        >>> x = enc.encode([space.sample(0)])
        >>> x.shape, int(x.sum()) <= 4  # four input-to-output paths in a NAS-Bench-201 cell
        ((1, 155), True)
    """

    def __init__(
        self,
        space: SearchSpace,
        encoding: str = "auto",
        hash_dim: int = 2048,
        max_path_length: int | None = None,
        exact_limit: int = 20_000,
        max_paths: int = 2000,
    ) -> None:
        if not isinstance(space, SearchSpace):
            raise TypeError(f"space: expected a SearchSpace, got {type(space).__name__}")
        if encoding not in PATH_ENCODINGS:
            raise ValueError(f"encoding: must be one of {list(PATH_ENCODINGS)}, got {encoding!r}")
        self.space = space
        self.hash_dim = check_int("hash_dim", hash_dim, 1)
        self.max_path_length = None if max_path_length is None else check_int("max_path_length", max_path_length, 2)
        self.exact_limit = check_int("exact_limit", exact_limit, 0)
        self.max_paths = check_int("max_paths", max_paths, 1)
        combos = space.num_configurations
        if encoding == "auto":
            encoding = "exact" if combos <= self.exact_limit else "hashed"
        if encoding == "exact" and combos > 2_000_000:
            raise ValueError(
                f"encoding: 'exact' enumerates the space, but {space.name} has {combos:,} parameter "
                "combinations; use 'hashed' (or 'auto')"
            )
        self.mode = encoding
        self._index: dict[tuple[str, ...], int] | None = None

    @property
    def paths(self) -> tuple[tuple[str, ...], ...]:
        """The exact encoding's paths in feature order (empty for the hashed encoding)."""
        if self.mode != "exact":
            return ()
        space = self.space.with_encoding("categorical")
        key = (space.signature(), repr(space), self.max_path_length, self.max_paths)
        if key not in _VOCABULARIES:
            found: set[tuple[str, ...]] = set()
            for cell in space.enumerate():
                found |= cell_paths(cell, self.max_path_length, self.max_paths)
            _VOCABULARIES[key] = tuple(sorted(found, key=lambda p: (len(p), p)))
        return _VOCABULARIES[key]

    @property
    def dim(self) -> int:
        """Length of the encoding."""
        return len(self.paths) if self.mode == "exact" else self.hash_dim

    def _feature(self, path: tuple[str, ...]) -> int | None:
        if self.mode == "exact":
            if self._index is None:
                self._index = {p: i for i, p in enumerate(self.paths)}
            return self._index.get(path)  # None: not a path of a valid cell
        digest = hashlib.blake2b(_path_text(path).encode(), digest_size=8).digest()
        return int.from_bytes(digest, "little") % self.hash_dim

    def encode(self, cells: Sequence[Cell]) -> np.ndarray:
        """The encodings of ``cells``, a float32 array ``[len(cells), dim]`` of 0/1."""
        out = np.zeros((len(cells), self.dim), dtype=np.float32)
        for i, cell in enumerate(cells):
            if not isinstance(cell, Cell):
                raise TypeError(f"cells[{i}]: expected a Cell, got {type(cell).__name__}")
            for path in cell_paths(cell, self.max_path_length, self.max_paths):
                j = self._feature(path)
                if j is not None:
                    out[i, j] = 1.0
        return out

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_index"] = None  # rebuilt on first use
        return state

    def __repr__(self) -> str:
        return f"PathEncoder({self.space!r}, encoding={self.mode!r}, dim={self.dim})"


class MLPEnsemble(nn.Module):
    """``members`` independent MLPs of ``layers`` linear layers (ReLU between), evaluated
    in one batched pass: member ``e`` has its own weights and initialisation.

    Args:
        in_dim: Input width.
        members: Number of networks (BANANAS: 5).
        hidden_dim: Width of the hidden layers (BANANAS: 20).
        layers: Linear layers per network (BANANAS: 10).

    Example:
        >>> ens = MLPEnsemble(155, members=5, hidden_dim=20, layers=10)
        >>> ens(torch.zeros(3, 155)).shape  # one prediction per member and input
        torch.Size([5, 3])
        >>> ens(torch.zeros(5, 7, 155)).shape  # a batch of its own for each member
        torch.Size([5, 7])
    """

    def __init__(self, in_dim: int, members: int = 5, hidden_dim: int = 20, layers: int = 10) -> None:
        super().__init__()
        in_dim = check_int("in_dim", in_dim, 1)
        self.members = check_int("members", members, 1)
        hidden_dim = check_int("hidden_dim", hidden_dim, 1)
        layers = check_int("layers", layers, 1)
        dims = [in_dim] + [hidden_dim] * (layers - 1) + [1]
        self.weights = nn.ParameterList(nn.Parameter(torch.empty(self.members, a, b)) for a, b in zip(dims, dims[1:]))
        self.biases = nn.ParameterList(nn.Parameter(torch.empty(self.members, 1, b)) for b in dims[1:])
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Initialise as :class:`torch.nn.Linear` does: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``."""
        with torch.no_grad():
            for w, b in zip(self.weights, self.biases):
                bound = 1.0 / math.sqrt(w.shape[1])
                w.uniform_(-bound, bound)
                b.uniform_(-bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, in_dim]`` (the same inputs for every member) or ``[members, B, in_dim]``
        -> ``[members, B]`` predictions."""
        if x.dim() == 2:
            x = x.unsqueeze(0).expand(self.members, -1, -1)
        if x.dim() != 3 or x.shape[0] != self.members:
            raise ValueError(f"x: expected [B, in_dim] or [{self.members}, B, in_dim], got {list(x.shape)}")
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = torch.baddbmm(b, x, w)
            if i < last:
                x = torch.relu(x)
        return x.squeeze(-1)
