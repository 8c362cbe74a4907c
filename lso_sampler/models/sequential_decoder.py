"""The graph VAE's sequential DAG decoder (D-VAE / NGAE), constrained by the space."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lso_sampler.cell import Cell
from lso_sampler.models.dag_encoders import GatedAggregate
from lso_sampler.models.mlp import MLP

if TYPE_CHECKING:  # pragma: no cover
    from lso_sampler.spaces.base import DecodeStep, SearchSpace

__all__ = ["SequentialDecoder"]


class SequentialDecoder(nn.Module):
    """Builds a DAG node by node from a latent ``z`` (NGAE section 3.3).

    ``h0 = tanh(W z)``. For node ``v``: its type comes from an MLP over the graph so far
    (a gated sum of the decoded nodes' states) and ``h0``; its incoming edges from an MLP
    over ``(h_u, h'_v)`` for every earlier ``u``, where ``h'_v`` is the new node's state
    before it has edges; then ``h_v = U(x_v, A({h_u : u -> v}))`` with a GRU ``U`` and
    D-VAE's gated-sum ``A`` (the input node gets ``A = h0``). Training uses the true
    types and edges (teacher forcing); decoding asks the space's
    :meth:`~lso_sampler.spaces.SearchSpace.decode_step` which types and predecessor sets
    the next node may take and picks among those only, so every built-in space decodes
    to valid cells.

    With ``positions``, two MLPs of ``h0`` (one hidden layer, four times the node state
    width) give every node index its own type logits and every ordered pair of indices its
    own edge logit, added to those above: in a space whose nodes keep their meaning from
    index to index, what node ``v`` is reads from the latent directly rather than only
    through the graph built so far.

    Args:
        num_types: Number of node types.
        max_nodes: Largest number of nodes.
        latent_dim: Width of ``z``.
        hidden_dim: Node state width.
        positions: Add the per-index type and edge logits from ``h0``.

    Example:
        >>> from lso_sampler.spaces import NASBench201Space
        >>> space = NASBench201Space()
        >>> dec = SequentialDecoder(len(space.node_types), space.max_nodes, 8, 16)
        >>> cells = dec.decode(torch.randn(3, 8), space)
        >>> all(space.is_valid(c) for c in cells)
        True
    """

    def __init__(
        self, num_types: int, max_nodes: int, latent_dim: int, hidden_dim: int, positions: bool = False
    ) -> None:
        super().__init__()
        self.num_types, self.max_nodes = num_types, max_nodes
        self.latent_dim, self.hidden_dim = latent_dim, hidden_dim
        d = hidden_dim
        self.init_state = nn.Linear(latent_dim, d)
        self.context = GatedAggregate(d)
        self.type_head = MLP(2 * d, d, num_types, layers=2)
        self.context_proj = nn.Linear(2 * d, d)
        # N(0, 1) type and position embeddings (see DAGGRUEncoder)
        self.type_embed = nn.Parameter(torch.randn(num_types, d))
        self.pos_embed = nn.Parameter(torch.randn(max_nodes, d))
        self.node_init = nn.GRUCell(d, d)
        self.edge_head = MLP(2 * d, d, 1, layers=2)
        self.update = nn.GRUCell(d, d)
        self.aggregate = GatedAggregate(d)
        # made last, so the other weights start as without them (same torch seed)
        self.pos_type = MLP(d, 4 * d, max_nodes * num_types, layers=2) if positions else None
        self.pos_edge = MLP(d, 4 * d, max_nodes * max_nodes, layers=2) if positions else None

    def _position_logits(self, h0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Per-index type logits ``[B, n, T]`` and per-pair edge logits ``[B, n, n]`` from
        ``h0`` (``None`` without ``positions``)."""
        if self.pos_type is None or self.pos_edge is None:
            return None
        n = self.max_nodes
        return self.pos_type(h0).view(-1, n, self.num_types), self.pos_edge(h0).view(-1, n, n)

    def _inputs(self, onehot: torch.Tensor, start: int = 0) -> torch.Tensor:
        """Node inputs ``[B, k, d]``: type embedding plus position embedding (the decoder
        builds nodes in a fixed order, so it may know which one it is adding; nodes of
        equal type and predecessors are otherwise indistinguishable)."""
        k = onehot.shape[1]
        return onehot @ self.type_embed + self.pos_embed[start : start + k]

    # -- one step, shared by training and decoding ----------------------------------------
    def _type_logits(
        self, states: list[torch.Tensor], h0: torch.Tensor, pos: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Type logits of node ``len(states)`` (with its per-index logits ``pos`` gives,
        see :meth:`_position_logits`) and the graph context."""
        if states:
            h = torch.stack(states, 1)
            ctx = self.context(h, h.new_ones(h.shape[:2]))
        else:
            ctx = torch.zeros_like(h0)
        ctx = torch.cat([ctx, h0], -1)
        logits = self.type_head(ctx)
        if pos is not None:
            logits = logits + pos[0][:, len(states)]
        return logits, ctx

    def _edge_logits(
        self,
        states: list[torch.Tensor],
        x_v: torch.Tensor,
        ctx: torch.Tensor,
        pos: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Logits of the edges from each earlier node into node ``len(states)`` (with the
        per-pair logits ``pos`` gives)."""
        h_init = self.node_init(x_v, torch.tanh(self.context_proj(ctx)))
        h = torch.stack(states, 1)
        pair = torch.cat([h, h_init.unsqueeze(1).expand_as(h)], -1)
        e = self.edge_head(pair).squeeze(-1)
        if pos is not None:
            e = e + pos[1][:, : len(states), len(states)]
        return e

    def _update(
        self, states: list[torch.Tensor], x_v: torch.Tensor, edges: torch.Tensor | None, h0: torch.Tensor
    ) -> torch.Tensor:
        msg = h0 if edges is None else self.aggregate(torch.stack(states, 1), edges)
        return self.update(x_v, msg)

    # -- training -------------------------------------------------------------------------
    def loss(self, z: torch.Tensor, types: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood of the true cells under teacher forcing, per sample.

        Args:
            z: ``[B, latent]``.
            types: ``[B, n]`` type indices.
            adj: ``[B, n, n]`` 0/1 adjacency.
            mask: ``[B, n]`` real nodes.

        Returns:
            ``[B]``: node-type cross-entropy summed over real nodes plus edge binary
            cross-entropy summed over pairs of real nodes (NGAE eq. 5, ``L_n + L_e``).
        """
        h0 = torch.tanh(self.init_state(z))
        pos = self._position_logits(h0)
        x = self._inputs(F.one_hot(types, self.num_types).float())
        fmask = mask.float()
        states: list[torch.Tensor] = []
        total = z.new_zeros(z.shape[0])
        for v in range(types.shape[1]):
            logits, ctx = self._type_logits(states, h0, pos)
            total = total + F.cross_entropy(logits, types[:, v], reduction="none") * fmask[:, v]
            if v:
                e = self._edge_logits(states, x[:, v], ctx, pos)
                bce = F.binary_cross_entropy_with_logits(e, adj[:, :v, v], reduction="none")
                total = total + (bce * fmask[:, :v]).sum(1) * fmask[:, v]
            states.append(self._update(states, x[:, v], adj[:, :v, v] if v else None, h0) * fmask[:, v : v + 1])
        return total

    # -- decoding -------------------------------------------------------------------------
    def decode(
        self, z: torch.Tensor, space: SearchSpace, rng: np.random.Generator | None = None
    ) -> list[Cell]:
        """Cells for latents ``z [B, latent]``.

        Args:
            z: Latent points.
            space: The space whose :meth:`decode_step` constrains every choice.
            rng: ``None`` decodes greedily (most likely type, then most likely allowed
                predecessor set); a numpy generator samples each choice from the
                decoder's distribution restricted to what the space allows.
        """
        b = z.shape[0]
        ops: list[tuple[str, ...]] = [() for _ in range(b)]
        preds: list[tuple[tuple[int, ...], ...]] = [() for _ in range(b)]
        alive = np.ones(b, dtype=bool)
        names = space.node_types
        step_cache: dict[tuple, DecodeStep | None] = {}
        indicator_cache: dict[tuple, np.ndarray] = {}
        with torch.no_grad():
            h0 = torch.tanh(self.init_state(z))
            pos = self._position_logits(h0)
            states: list[torch.Tensor] = []
            for v in range(self.max_nodes):
                steps: list[DecodeStep | None] = []
                for row in range(b):
                    if not alive[row]:
                        steps.append(None)
                        continue
                    key = (ops[row], preds[row])
                    if key not in step_cache:
                        step_cache[key] = space.decode_step(*key)
                    st = step_cache[key]
                    if st is None:
                        alive[row] = False
                    steps.append(st)
                if not alive.any():
                    break
                logits, ctx = self._type_logits(states, h0, pos)
                logp = torch.log_softmax(logits, -1).numpy()
                chosen = np.zeros(b, dtype=np.int64)
                for row, st in enumerate(steps):
                    if st is not None:
                        chosen[row] = _pick(logp[row, list(st.types)], rng, st.types)
                x_v = self._inputs(F.one_hot(torch.from_numpy(chosen), self.num_types).float().unsqueeze(1), v)[:, 0]
                edges = torch.zeros(b, v)
                if v:
                    e = self._edge_logits(states, x_v, ctx, pos)
                    lp, ln = F.logsigmoid(e).numpy(), F.logsigmoid(-e).numpy()
                    for row, st in enumerate(steps):
                        if st is None:
                            continue
                        if st.sources is None:
                            if rng is None:
                                on = lp[row] > ln[row]
                            else:
                                on = rng.random(v) < np.exp(lp[row])
                            src = tuple(int(j) for j in np.flatnonzero(on))
                        else:
                            ind = indicator_cache.get((v, st.sources))
                            if ind is None:
                                ind = np.zeros((len(st.sources), v))
                                for k, s in enumerate(st.sources):
                                    ind[k, list(s)] = 1.0
                                indicator_cache[(v, st.sources)] = ind
                            scores = ind @ (lp[row] - ln[row])
                            src = st.sources[_pick(scores, rng, range(len(st.sources)))]
                        edges[row, list(src)] = 1.0
                        preds[row] += (src,)
                        ops[row] += (names[chosen[row]],)
                else:
                    for row, st in enumerate(steps):
                        if st is not None:
                            if st.sources is not None and () not in st.sources:
                                raise ValueError(
                                    f"{space.name}: decode_step allows no node without predecessors at node 0"
                                )
                            preds[row] += ((),)
                            ops[row] += (names[chosen[row]],)
                alive_t = torch.from_numpy(np.array([st is not None for st in steps])).float().unsqueeze(1)
                states.append(self._update(states, x_v, edges if v else None, h0) * alive_t)
        cells = []
        for o, p in zip(ops, preds):
            cells.append(Cell.from_edges(o, [(s, d) for d, ps in enumerate(p) for s in ps]))
        return cells


def _pick(scores: np.ndarray, rng: np.random.Generator | None, options) -> int:  # type: ignore[no-untyped-def]
    """Argmax of ``scores`` (greedy) or a draw from ``softmax(scores)``; returns the option."""
    if rng is None:
        k = int(np.argmax(scores))
    else:
        p = np.exp(scores - scores.max())
        k = int(rng.choice(len(p), p=p / p.sum()))
    return options[k]
