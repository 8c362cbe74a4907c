"""Graph encoders for the graph VAE: D-VAE's DAG-GRU, SVGe's two-sided pass, and GIN."""

from __future__ import annotations

import torch
from torch import nn

from lso_sampler.models.mlp import MLP

__all__ = ["ENCODERS", "DAGGRUEncoder", "GINEncoder", "GatedAggregate", "TwoSidedDAGEncoder", "make_encoder"]

#: Names accepted by :func:`make_encoder`.
ENCODERS = ("dvae", "svge", "gin")


class GatedAggregate(nn.Module):
    """D-VAE's aggregation ``A({h_u}) = sum_u sigmoid(g(h_u)) * m(h_u)`` over the
    predecessors ``u`` given by a (0/1 or soft) weight matrix.

    Args:
        dim: Node state width.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.gate = nn.Linear(dim, dim)
        self.map = nn.Linear(dim, dim, bias=False)

    def forward(self, h: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """``h [B, n, d]``, ``weights [B, n]`` (which of the ``n`` nodes feed in) -> ``[B, d]``."""
        return (weights.unsqueeze(-1) * torch.sigmoid(self.gate(h)) * self.map(h)).sum(1)


class DAGGRUEncoder(nn.Module):
    """D-VAE / NGAE encoder: asynchronous message passing in topological order.

    Node ``v``'s state is ``h_v = GRU(x_v, A({h_u : u -> v}))`` (NGAE eq. 2): it is computed
    only once all its predecessors are, so one pass over the nodes in index order (a
    topological order) suffices. The graph state is D-VAE's gated sum over the states of
    all the cell's nodes, so without node indices it does not depend on which topological
    numbering the cell uses.

    With ``max_nodes``, each node's input also gets a learned embedding of its index (the
    node's place in the cell's order). The encoding then depends on the numbering: the same
    cell numbered two ways (two parallel chains off the input in either order) encodes two
    ways, and which op follows which in those chains is read position by position.

    With ``concat_nodes``, the graph state is instead a linear map of the node states laid
    side by side in index order (padded with zeros up to ``concat_nodes`` slots): what each
    node holds stays apart, where the gated sum adds every node's state into one vector.
    With ``concat_nodes`` and ``concat_sum``, the graph state is the sum of both readouts.

    Args:
        num_types: Number of node types (one-hot input width).
        hidden_dim: Node state width.
        max_nodes: Largest number of nodes, to embed node indices (``None``: no index
            embedding, the D-VAE encoder as published).
        concat_nodes: Node slots of the concatenation readout (``None``: D-VAE's gated sum).
        concat_sum: Adds D-VAE's gated sum to the concatenation readout (only with
            ``concat_nodes``).

    Example:
        >>> enc = DAGGRUEncoder(num_types=7, hidden_dim=16)
        >>> x = torch.eye(7)[torch.tensor([[0, 1, 2, 6]])]
        >>> adj = torch.tensor([[[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0.]]])
        >>> enc(x, adj, torch.ones(1, 4, dtype=torch.bool)).shape
        torch.Size([1, 16])
    """

    def __init__(
        self,
        num_types: int,
        hidden_dim: int,
        max_nodes: int | None = None,
        concat_nodes: int | None = None,
        concat_sum: bool = False,
    ) -> None:
        super().__init__()
        if concat_sum and concat_nodes is None:
            raise ValueError("concat_sum: adds the gated sum to the concatenation readout; give concat_nodes too")
        if max_nodes is not None and max_nodes < 1:
            raise ValueError(f"max_nodes: must be positive or None, got {max_nodes}")
        if concat_nodes is not None and concat_nodes < 1:
            raise ValueError(f"concat_nodes: must be positive or None, got {concat_nodes}")
        self.num_types, self.hidden_dim = num_types, hidden_dim
        # type embedding with N(0, 1) entries: one-hot inputs through the GRU's own small
        # initial weights leave the node states nearly equal and training very slow
        self.embed = nn.Parameter(torch.randn(num_types, hidden_dim))
        self.update = nn.GRUCell(hidden_dim, hidden_dim)
        self.aggregate = GatedAggregate(hidden_dim)
        self.readout = GatedAggregate(hidden_dim) if concat_nodes is None else None
        # made last, so the other weights start as without it (same torch seed)
        self.pos = None if max_nodes is None else nn.Parameter(torch.randn(max_nodes, hidden_dim))
        self.concat = None if concat_nodes is None else nn.Linear(concat_nodes * hidden_dim, hidden_dim)
        self.concat_sum = GatedAggregate(hidden_dim) if concat_sum else None

    @property
    def out_dim(self) -> int:
        return self.hidden_dim

    def propagate(self, x: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Node states ``[B, n, d]`` of one forward pass (``adj[b, u, v]``: edge u -> v)."""
        b, n, _ = x.shape
        x = x @ self.embed
        if self.pos is not None:
            if n > self.pos.shape[0]:
                raise ValueError(f"x: {n} nodes, but the encoder embeds the indices of at most {self.pos.shape[0]}")
            x = x + self.pos[:n]
        states: list[torch.Tensor] = []
        zero = x.new_zeros(b, self.hidden_dim)
        for v in range(n):
            msg = self.aggregate(torch.stack(states, 1), adj[:, :v, v]) if v else zero
            h_v = self.update(x[:, v], msg) * mask[:, v : v + 1]
            states.append(h_v)
        return torch.stack(states, 1)

    def forward(self, x: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x [B, n, T]`` one-hot types, ``adj [B, n, n]``, ``mask [B, n]`` -> ``[B, d]``."""
        states = self.propagate(x, adj, mask)
        if self.concat is None:
            assert self.readout is not None
            return self.readout(states, mask.float())
        slots = self.concat.in_features // self.hidden_dim
        b, n, d = states.shape
        if n > slots:
            raise ValueError(f"x: {n} nodes, but the concatenation readout has {slots} slots")
        out = self.concat(torch.cat([states, states.new_zeros(b, slots - n, d)], 1).flatten(1))
        if self.concat_sum is not None:
            out = out + self.concat_sum(states, mask.float())
        return out


class TwoSidedDAGEncoder(nn.Module):
    """SVGe-style two-sided encoder: a forward DAG-GRU pass (predecessors first, read at
    the sinks) and a backward pass over the reversed DAG (successors first, read at the
    sources), concatenated.

    Args:
        num_types: Number of node types.
        hidden_dim: Node state width of each pass (the output is twice as wide).
        max_nodes: Largest number of nodes, to embed node indices in each pass (as
            :class:`DAGGRUEncoder`; the backward pass numbers the padded slots from the last,
            ``max_nodes - 1``).
        concat_nodes: Each pass's concatenation readout (as :class:`DAGGRUEncoder`).
        concat_sum: Each pass adds the gated sum to it (as :class:`DAGGRUEncoder`).

    Example:
        >>> enc = TwoSidedDAGEncoder(num_types=7, hidden_dim=16)
        >>> x = torch.eye(7)[torch.tensor([[0, 1, 6]])]
        >>> adj = torch.tensor([[[0, 1, 0], [0, 0, 1], [0, 0, 0.]]])
        >>> enc(x, adj, torch.ones(1, 3, dtype=torch.bool)).shape
        torch.Size([1, 32])
    """

    def __init__(
        self,
        num_types: int,
        hidden_dim: int,
        max_nodes: int | None = None,
        concat_nodes: int | None = None,
        concat_sum: bool = False,
    ) -> None:
        super().__init__()
        self.forward_pass = DAGGRUEncoder(num_types, hidden_dim, max_nodes, concat_nodes, concat_sum)
        self.backward_pass = DAGGRUEncoder(num_types, hidden_dim, max_nodes, concat_nodes, concat_sum)

    @property
    def out_dim(self) -> int:
        return 2 * self.forward_pass.hidden_dim

    def forward(self, x: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x [B, n, T]``, ``adj [B, n, n]``, ``mask [B, n]`` -> ``[B, 2d]``."""
        fwd = self.forward_pass(x, adj, mask)
        # reverse the node order: the reversed DAG is upper-triangular again
        rx, radj, rmask = x.flip(1), adj.flip(1, 2).transpose(1, 2), mask.flip(1)
        bwd = self.backward_pass(rx, radj, rmask)
        return torch.cat([fwd, bwd], -1)


class GINEncoder(nn.Module):
    """GIN encoder (Xu et al. 2019) on torch-geometric: per layer one ``GINConv`` along
    the edges and one against them (so direction is kept), summed; graph state is the
    concatenated sum-pooled node states of every layer.

    Args:
        num_types: Number of node types.
        hidden_dim: Node state width.
        layers: Number of GIN layers.

    Example:
        >>> enc = GINEncoder(num_types=7, hidden_dim=16)
        >>> x = torch.eye(7)[torch.tensor([[0, 1, 6]])]
        >>> adj = torch.tensor([[[0, 1, 0], [0, 0, 1], [0, 0, 0.]]])
        >>> enc(x, adj, torch.ones(1, 3, dtype=torch.bool)).shape
        torch.Size([1, 48])
    """

    def __init__(self, num_types: int, hidden_dim: int, layers: int = 3) -> None:
        super().__init__()
        from torch_geometric.nn import GINConv

        self.hidden_dim, self.layers = hidden_dim, layers
        dims = [num_types] + [hidden_dim] * layers
        self.fwd = nn.ModuleList(GINConv(MLP(a, hidden_dim, hidden_dim, layers=2), train_eps=True) for a in dims[:-1])
        self.bwd = nn.ModuleList(GINConv(MLP(a, hidden_dim, hidden_dim, layers=2), train_eps=True) for a in dims[:-1])

    @property
    def out_dim(self) -> int:
        return self.hidden_dim * self.layers

    def forward(self, x: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x [B, n, T]``, ``adj [B, n, n]``, ``mask [B, n]`` -> ``[B, layers * d]``."""
        from torch_geometric.utils import scatter

        b, n, _ = x.shape
        flat_mask = mask.reshape(-1)
        nodes = x.reshape(b * n, -1)[flat_mask]
        batch = torch.arange(b, device=x.device).repeat_interleave(n)[flat_mask]
        # renumber the real nodes 0..N-1 across the batch
        new_index = torch.cumsum(flat_mask.long(), 0) - 1
        gb, gu, gv = (adj * mask.unsqueeze(1) * mask.unsqueeze(2)).nonzero(as_tuple=True)
        edge_index = torch.stack([new_index[gb * n + gu], new_index[gb * n + gv]])
        reverse = edge_index.flip(0)
        h, pooled = nodes, []
        for conv_f, conv_b in zip(self.fwd, self.bwd):
            h = torch.relu(conv_f(h, edge_index) + conv_b(h, reverse))
            pooled.append(scatter(h, batch, dim=0, dim_size=b, reduce="sum"))
        return torch.cat(pooled, -1)


def make_encoder(
    name: str,
    num_types: int,
    hidden_dim: int,
    max_nodes: int | None = None,
    concat_nodes: int | None = None,
    concat_sum: bool = False,
) -> nn.Module:
    """The encoder called ``name`` (one of :data:`ENCODERS`).

    Args:
        name: ``"dvae"``, ``"svge"`` or ``"gin"``.
        num_types: Number of node types.
        hidden_dim: Node state width.
        max_nodes: Adds the node index embedding of the DAG-GRU encoders (``dvae``,
            ``svge``) for cells of up to that many nodes (``None``: none).
        concat_nodes: The DAG-GRU encoders' concatenation readout over that many node
            slots (``None``: the gated sum).
        concat_sum: The DAG-GRU encoders add the gated sum to the concatenation readout.

    Raises:
        ValueError: for an unknown ``name``, or ``max_nodes`` or ``concat_nodes`` with
            ``gin`` (no node order).
    """
    if name == "dvae":
        return DAGGRUEncoder(num_types, hidden_dim, max_nodes, concat_nodes, concat_sum)
    if name == "svge":
        return TwoSidedDAGEncoder(num_types, hidden_dim, max_nodes, concat_nodes, concat_sum)
    if name == "gin":
        if max_nodes is not None:
            raise ValueError("max_nodes: the gin encoder has no node index embedding; use dvae or svge")
        if concat_nodes is not None:
            raise ValueError("concat_nodes: the gin encoder has no node order to concatenate by; use dvae or svge")
        return GINEncoder(num_types, hidden_dim)
    raise ValueError(f"encoder: must be one of {list(ENCODERS)}, got {name!r}")
