"""AG-Net: the generator paired end to end with an MLP surrogate, losses and decoding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lso_sampler.cell import Cell
from lso_sampler.models.generator import GraphGenerator, edge_pairs
from lso_sampler.models.mlp import MLP
from lso_sampler.spaces.base import SearchSpace

__all__ = ["AGNetConfig", "AGNetModel"]


@dataclass(frozen=True)
class AGNetConfig:
    """Model sizes (reference defaults: latent 32, node embedding 32, 2 GNN layers, a
    4-layer surrogate as wide as its input)."""

    latent_dim: int = 32
    node_dim: int = 32
    gnn_layers: int = 2
    surrogate_layers: int = 4


class AGNetModel(nn.Module):
    """Generator + surrogate for one search space.

    Args:
        space: The search space (its ``node_types``, ``max_nodes`` and first node type).
        config: Model sizes.
        heads: Surrogate outputs: one per objective (and per constraint value) it predicts.
        extra_dim: Inputs of the surrogate beside the graph vector (the encoded parameters
            searched with the cell, see
            :class:`~lso_sampler.strategies.hyperparameters.HyperparameterSpace`).

    Example:
        >>> from lso_sampler.spaces import NASBench201Space
        >>> model = AGNetModel(NASBench201Space())
        >>> cells = model.sample_cells(torch.randn(8, 32), torch.Generator().manual_seed(0))
        >>> len(cells)
        8
    """

    def __init__(
        self, space: SearchSpace, config: AGNetConfig | None = None, heads: int = 1, extra_dim: int = 0
    ) -> None:
        super().__init__()
        if heads < 1:
            raise ValueError(f"heads: must be at least 1, got {heads}")
        if extra_dim < 0:
            raise ValueError(f"extra_dim: must be at least 0, got {extra_dim}")
        self.heads = heads
        self.extra_dim = extra_dim
        self.space = space
        self.config = config or AGNetConfig()
        types = space.node_types
        first = space.sample(0).ops[0]
        self.generator = GraphGenerator(
            len(types),
            space.max_nodes,
            types.index(first),
            self.config.latent_dim,
            self.config.node_dim,
            self.config.gnn_layers,
        )
        dim = self.generator.vector_dim
        self.surrogate = MLP(dim + extra_dim, dim + extra_dim, heads, layers=self.config.surrogate_layers)
        self._pairs = edge_pairs(space.max_nodes)
        src, dst = zip(*self._pairs)
        self.register_buffer("_src", torch.tensor(src), persistent=False)
        self.register_buffer("_dst", torch.tensor(dst), persistent=False)

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    def config_dict(self) -> dict[str, int]:
        return asdict(self.config)

    # -- targets -------------------------------------------------------------------------
    def targets(self, cells: Sequence[Cell]) -> tuple[torch.Tensor, torch.Tensor]:
        """Type indices ``[B, N]`` and edge targets ``[B, E]`` of real cells."""
        x, adj, mask = self.space.to_tensors(cells)
        if not bool(mask.all()):
            raise ValueError("cells: AG-Net needs cells with all max_nodes nodes (as space.sample gives)")
        return x.argmax(-1), adj[:, self._src, self._dst]

    def cell_vectors(self, cells: Sequence[Cell]) -> torch.Tensor:
        """The graph-vector form (one-hot types, 0/1 edges) of real cells."""
        return self.vectors_from_targets(*self.targets(cells))

    def vectors_from_targets(self, types: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
        """Graph vectors from :meth:`targets` output (no second pass over the cells)."""
        return torch.cat([F.one_hot(types, len(self.space.node_types)).float().flatten(1), edges], 1)

    # -- losses --------------------------------------------------------------------------
    def reconstruction_loss(
        self, node_logits: torch.Tensor, edge_logits: torch.Tensor, types: torch.Tensor, edges: torch.Tensor
    ) -> torch.Tensor:
        """Per-sample node cross-entropy (nodes 1..N-1) + edge BCE, ``[B]``."""
        ce = F.cross_entropy(node_logits[:, 1:].transpose(1, 2), types[:, 1:], reduction="none").mean(1)
        bce = F.binary_cross_entropy_with_logits(edge_logits, edges, reduction="none").mean(1)
        return ce + bce

    def predict_vectors(self, vectors: torch.Tensor, extra: torch.Tensor | None = None) -> torch.Tensor:
        """Surrogate output for graph vectors (with their ``extra`` inputs ``[B, extra_dim]``
        when the model has some): ``[B]`` with one head, else ``[B, heads]``."""
        if self.extra_dim:
            if extra is None or extra.shape[-1] != self.extra_dim:
                raise ValueError(f"extra: the surrogate takes {self.extra_dim} extra inputs per cell")
            vectors = torch.cat([vectors, extra.to(vectors.dtype)], -1)
        out = self.surrogate(vectors)
        return out.squeeze(-1) if self.heads == 1 else out

    # -- decoding ------------------------------------------------------------------------
    def sample_cells(self, z: torch.Tensor, gen: torch.Generator, temperature: float = 1.0) -> list[Cell]:
        """Read cells off the generator's scores for ``z`` with the space's
        :meth:`~lso_sampler.spaces.SearchSpace.read_scores` (by default node types drawn
        from their softmax, edges from their sigmoid, as the reference). ``temperature``
        divides all logits (1: the generator's own distribution; larger: closer to uniform).
        Not checked against the space's rules: callers keep the valid ones."""
        if temperature <= 0:
            raise ValueError(f"temperature: must be positive, got {temperature}")
        with torch.no_grad():
            node_logits, edge_logits = self.generator(z)
            n = self.space.max_nodes
            adj = torch.zeros(z.shape[0], n, n)
            adj[:, self._src, self._dst] = torch.sigmoid(edge_logits / temperature)
            return self.space.read_scores(torch.softmax(node_logits / temperature, -1), adj, gen)


def rank_weights(values: Sequence[float], k: float) -> np.ndarray:
    """``w_i ∝ 1 / (k N + rank_i)``, rank 0 for the best (largest) value (Tripp et al. 2020)."""
    v = np.asarray(values, dtype=float)
    order = np.argsort(-v, kind="stable")
    ranks = np.empty(len(v))
    ranks[order] = np.arange(len(v))
    return weights_from_ranks(ranks, k)


def weights_from_ranks(ranks: Sequence[float] | np.ndarray, k: float) -> np.ndarray:
    """``w_i ∝ 1 / (k N + rank_i)`` for given ranks (0 = best), normalised to sum 1."""
    r = np.asarray(ranks, dtype=float)
    w = 1.0 / (k * len(r) + r)
    return w / w.sum()
