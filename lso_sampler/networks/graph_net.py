"""NAS-Bench-Graph cells as torch-geometric GNNs (Qin et al., NeurIPS 2022 Datasets & Benchmarks).

The benchmark's macro architecture: dropout on the node features, optional linear
pre-processing layers, one cell, optional linear post-processing layers. In the cell, op
node ``i`` applies its GNN layer to the node its link reads; an op's input that is not the
raw input goes through batch norm, ReLU and dropout first. The op nodes no other op node
reads are concatenated, passed through ReLU and a linear layer (to the hidden width when
post-processing layers follow, else to the classes).

Ops (torch-geometric layers): ``gcn`` GCNConv, ``gat`` GATConv with 4 heads of
``hidden / 4`` concatenated, ``gin`` GINConv over a linear layer, ``cheb`` ChebConv (K=2),
``sage`` SAGEConv, ``arma`` ARMAConv, ``graph`` GraphConv (k-GNN), ``fc`` a linear layer
(no message passing), ``skip`` the identity.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lso_sampler.networks.conv_blocks import require_positive

__all__ = ["GRAPH_OPS", "NBGraphNetwork"]

GRAPH_OPS = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")


class _Linear(nn.Module):
    """``fc``: a linear layer that ignores the edges."""

    def __init__(self, d_in: int, d_out: int) -> None:
        super().__init__()
        self.lin = nn.Linear(d_in, d_out)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        return self.lin(x)


class _Skip(nn.Module):
    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        return x


def _gnn(name: str, d_in: int, d_out: int) -> nn.Module:
    from torch_geometric import nn as gnn

    if name == "gat":
        return gnn.GATConv(d_in, d_out // 4, heads=4, concat=True)
    if name == "gcn":
        return gnn.GCNConv(d_in, d_out)
    if name == "gin":
        return gnn.GINConv(nn.Linear(d_in, d_out))
    if name == "cheb":
        return gnn.ChebConv(d_in, d_out, K=2)
    if name == "sage":
        return gnn.SAGEConv(d_in, d_out)
    if name == "arma":
        return gnn.ARMAConv(d_in, d_out)
    if name == "graph":
        return gnn.GraphConv(d_in, d_out)
    if name == "fc":
        return _Linear(d_in, d_out)
    if name == "skip":
        return _Skip()
    raise ValueError(f"ops: unknown NAS-Bench-Graph op {name!r}; choose from {list(GRAPH_OPS)}")


class NBGraphNetwork(nn.Module):
    """A NAS-Bench-Graph cell (link pattern + 4 ops) as a node-classification GNN.

    Args:
        link: For op node 1..4 the node it reads (0 = the input), e.g. ``[0, 1, 2, 3]``.
        ops: The four ops.
        in_dim: Node feature size.
        num_classes: Classes.
        hidden: Hidden width (NAS-Bench-Graph tuned 64-256 per data set); a multiple of 4.
        dropout: Dropout on the features and on each op's input.
        pre_layers: Linear pre-processing layers (the benchmark's tuned settings: 0).
        post_layers: Linear post-processing layers (0 or 1 in the benchmark).

    Forward: ``model(x, edge_index)`` -> logits ``[num_nodes, num_classes]``.

    Example:
        >>> net = NBGraphNetwork([0, 1, 2, 3], ["gcn", "skip", "gat", "fc"], in_dim=5, num_classes=3)
        >>> net(torch.randn(10, 5), torch.tensor([[0, 1, 2], [1, 2, 3]])).shape
        torch.Size([10, 3])
    """

    def __init__(
        self,
        link: Sequence[int],
        ops: Sequence[str],
        in_dim: int,
        num_classes: int,
        hidden: int = 64,
        dropout: float = 0.5,
        pre_layers: int = 0,
        post_layers: int = 1,
    ) -> None:
        super().__init__()
        if len(link) != 4 or len(ops) != 4 or any(not 0 <= src <= i for i, src in enumerate(link)):
            raise ValueError(f"link, ops: 4 op nodes, node i+1 reading a node 0..i; got {list(link)}, {list(ops)}")
        require_positive(in_dim=in_dim, num_classes=num_classes, hidden=hidden)
        if hidden % 4:
            raise ValueError(f"hidden: must be a multiple of 4 (gat concatenates 4 heads), got {hidden}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout: must be in [0, 1), got {dropout}")
        if pre_layers < 0 or post_layers < 0:
            raise ValueError(f"pre_layers, post_layers: must be >= 0, got {pre_layers}, {post_layers}")
        self.link = list(link)
        self.dropout = dropout
        self.pre = nn.ModuleList(nn.Linear(in_dim if i == 0 else hidden, hidden) for i in range(pre_layers))
        # width of every node and whether it still is the raw input (no batch norm before use)
        raw = [pre_layers == 0]
        width = [hidden if pre_layers else in_dim]
        gnns, norms = [], []
        for src, op in zip(self.link, ops):
            gnns.append(_gnn(op, width[src], hidden))
            norms.append(nn.Identity() if raw[src] else nn.BatchNorm1d(width[src]))
            raw.append(raw[src] and op == "skip")
            width.append(width[src] if op == "skip" else hidden)
        self.raw = raw
        self.gnns = nn.ModuleList(gnns)
        self.norms = nn.ModuleList(norms)
        self.outs = [i for i in range(1, 5) if i not in self.link]
        self.fc = nn.Linear(sum(width[i] for i in self.outs), hidden if post_layers else num_classes)
        self.post = nn.ModuleList(
            nn.Linear(hidden, num_classes if i == post_layers - 1 else hidden) for i in range(post_layers)
        )

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x = F.dropout(x, self.dropout, self.training)
        for i, lin in enumerate(self.pre):
            x = lin(x)
            if i < len(self.pre) - 1:
                x = F.elu(x)
        nodes = [x]
        for src, gnn, norm in zip(self.link, self.gnns, self.norms):
            h = nodes[src]
            if not self.raw[src]:
                h = F.dropout(F.relu(norm(h)), self.dropout, self.training)
            nodes.append(gnn(h, edge_index))
        out = self.fc(F.relu(torch.cat([nodes[i] for i in self.outs], 1)))
        for i, lin in enumerate(self.post):
            out = lin(out)
            if i < len(self.post) - 1:
                out = F.elu(out)
        return out
