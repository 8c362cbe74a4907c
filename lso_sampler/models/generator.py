"""AG-Net's generator: z -> node-type scores and edge scores of a DAG, built node by node."""

from __future__ import annotations

from functools import cache

import torch
from torch import nn

from lso_sampler.models.dag_gnn import BidirectionalDAGLayer, GatedSum
from lso_sampler.models.mlp import MLP

__all__ = ["GraphGenerator", "edge_pairs"]


@cache
def edge_pairs(num_nodes: int) -> tuple[tuple[int, int], ...]:
    """Order of the edge scores: for node i = 1..n-1, the edges (j, i) for j < i."""
    return tuple((j, i) for i in range(1, num_nodes) for j in range(i))


class GraphGenerator(nn.Module):
    """Generator of node-labelled DAGs without an encoder (Lukasik et al., ECCV 2022).

    Starting from the input node (type ``start_type``), each step runs a two-sided GNN
    over the partial graph (soft adjacency), reads out a graph embedding, scores the next
    node's type from it and ``z``, initialises the node from a small MLP over its type
    scores, and scores its edges from every earlier node. Nothing is discretised, so the
    whole output is differentiable.

    Args:
        num_types: Number of node types.
        max_nodes: Nodes per generated graph.
        start_type: Type index of node 0.
        latent_dim: Width of ``z`` (reference: 32).
        node_dim: Node embedding width (reference: 32).
        gnn_layers: GNN rounds per step (reference: 2).

    Example:
        >>> gen = GraphGenerator(num_types=7, max_nodes=8, start_type=0)
        >>> nodes, edges = gen(torch.randn(4, 32))
        >>> nodes.shape, edges.shape
        (torch.Size([4, 8, 7]), torch.Size([4, 28]))
    """

    def __init__(
        self,
        num_types: int,
        max_nodes: int,
        start_type: int,
        latent_dim: int = 32,
        node_dim: int = 32,
        gnn_layers: int = 2,
    ) -> None:
        super().__init__()
        if max_nodes < 2:
            raise ValueError(f"max_nodes: must be at least 2, got {max_nodes}")
        if not 0 <= start_type < num_types:
            raise ValueError(f"start_type: must be in 0..{num_types - 1}, got {start_type}")
        self.num_types, self.max_nodes, self.start_type = num_types, max_nodes, start_type
        self.latent_dim, self.node_dim = latent_dim, node_dim
        d, z = node_dim, latent_dim
        self.type_embed = MLP(num_types, d, d, layers=2)  # node attributes from type scores
        self.init_start = MLP(d + z, d + z, d, layers=2)
        self.init_node = MLP(2 * d + z, d + z, d, layers=2)
        self.gnn = nn.ModuleList(BidirectionalDAGLayer(d) for _ in range(gnn_layers))
        self.readout = GatedSum(d, d)
        self.readout_init = GatedSum(d, d)
        self.node_head = MLP(d + z, d + z, num_types, layers=2)
        self.edge_head = MLP(3 * d + z, d + z, 1, layers=2)

    @property
    def vector_dim(self) -> int:
        """Length of :meth:`graph_vector`."""
        return self.max_nodes * self.num_types + len(edge_pairs(self.max_nodes))

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``z [B, latent]`` -> node logits ``[B, N, T]`` and edge logits ``[B, N(N-1)/2]``
        (order :func:`edge_pairs`). Node 0's logits are a fixed one-hot of ``start_type``."""
        b, n, d = z.shape[0], self.max_nodes, self.node_dim
        start = torch.zeros(b, self.num_types, device=z.device)
        start[:, self.start_type] = 1.0
        h = self.init_start(torch.cat([self.type_embed(start), z], -1)).unsqueeze(1)
        adj = torch.zeros(b, n, n, device=z.device)
        node_logits = [start * 20.0]
        edge_logits = []
        for i in range(1, n):
            hp = h
            a = adj[:, :i, :i]
            for layer in self.gnn:
                hp = layer(hp, a)
            h_g, h_g0 = self.readout(hp), self.readout_init(hp)
            logits = self.node_head(torch.cat([h_g, z], -1))
            h_v = self.init_node(torch.cat([self.type_embed(torch.softmax(logits, -1)), h_g0, z], -1))
            ctx = torch.cat([h_v, h_g, z], -1).unsqueeze(1).expand(b, i, 2 * d + self.latent_dim)
            e = self.edge_head(torch.cat([hp, ctx], -1)).squeeze(-1)  # [B, i]
            adj = adj.clone()
            adj[:, :i, i] = torch.sigmoid(e)
            node_logits.append(logits)
            edge_logits.append(e)
            h = torch.cat([hp, h_v.unsqueeze(1)], 1)
        return torch.stack(node_logits, 1), torch.cat(edge_logits, 1)

    @staticmethod
    def graph_vector(node_logits: torch.Tensor, edge_logits: torch.Tensor) -> torch.Tensor:
        """The generated graph as one vector: node-type probabilities and edge probabilities."""
        return torch.cat([torch.softmax(node_logits, -1).flatten(1), torch.sigmoid(edge_logits)], 1)

    def reset_parameters(self) -> None:
        for m in self.modules():
            if m is not self and hasattr(m, "reset_parameters"):
                m.reset_parameters()
