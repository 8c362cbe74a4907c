"""Graph encoders: shapes and invariance to the node numbering of the same DAG."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lso_sampler.cell import Cell
from lso_sampler.models.dag_encoders import ENCODERS, make_encoder
from lso_sampler.spaces import NASBench101Space, NASBench201Space


def _relabel(cell: Cell, rng: np.random.Generator) -> Cell:
    """The same DAG under another topological numbering (a random topological sort)."""
    n = cell.num_nodes
    indeg = [len(cell.predecessors(v)) for v in range(n)]
    ready = [v for v in range(n) if indeg[v] == 0]
    order = []
    while ready:
        v = ready.pop(int(rng.integers(len(ready))))
        order.append(v)
        for s in cell.successors(v):
            indeg[s] -= 1
            if indeg[s] == 0:
                ready.append(s)
    new = {old: i for i, old in enumerate(order)}
    return Cell.from_edges([cell.ops[v] for v in order], [(new[s], new[d]) for s, d in cell.edges])


@pytest.mark.parametrize("name", ENCODERS)
@pytest.mark.parametrize("space", [NASBench101Space(), NASBench201Space()], ids=lambda s: s.name)
def test_encoder_is_invariant_to_node_relabelling(name: str, space) -> None:
    torch.manual_seed(0)
    enc = make_encoder(name, len(space.node_types), 16)
    rng = np.random.default_rng(0)
    cells = [space.sample(rng) for _ in range(20)]
    relabelled = [_relabel(c, rng) for c in cells]
    assert sum(a != b for a, b in zip(cells, relabelled)) >= 10  # most numberings really differ
    assert all(a.key == b.key for a, b in zip(cells, relabelled))
    with torch.no_grad():
        h1 = enc(*space.to_tensors(cells))
        h2 = enc(*space.to_tensors(relabelled))
    assert h1.shape == (20, enc.out_dim)
    torch.testing.assert_close(h1, h2, atol=1e-5, rtol=1e-4)
    # and it does tell different cells apart
    assert (h1[0] - h1[1:]).abs().max(dim=1).values.min() > 1e-4


def test_unknown_encoder_names_the_choices() -> None:
    with pytest.raises(ValueError, match="encoder: must be one of"):
        make_encoder("gcn", 5, 8)
