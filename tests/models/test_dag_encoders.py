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


@pytest.mark.parametrize("name", ["dvae", "svge"])
def test_index_embedding_tells_renumbered_nodes_apart(name: str) -> None:
    """NAS-Bench-Graph's link [0, 0, 1, 2]: two chains off the input. Without node indices
    the encoder sees the graph only, so the same cell with its chains numbered the other way
    round encodes the same; with them (``max_nodes``) it encodes differently."""
    from lso_sampler.spaces import NASBenchGraphSpace

    space = NASBenchGraphSpace()

    def cell(a: str, b: str, c: str, d: str) -> Cell:
        return space.from_params({"link": "0012", "op_1": a, "op_2": b, "op_3": c, "op_4": d})

    cells = [cell("gin", "cheb", "graph", "fc"), cell("cheb", "gin", "fc", "graph")]
    assert space.key(cells[0]) == space.key(cells[1]) and cells[0] != cells[1]
    x, adj, mask = space.to_tensors(cells)
    torch.manual_seed(0)
    plain = make_encoder(name, len(space.node_types), 16)
    torch.manual_seed(0)
    indexed = make_encoder(name, len(space.node_types), 16, max_nodes=space.max_nodes)
    with torch.no_grad():
        h, g = plain(x, adj, mask), indexed(x, adj, mask)
    torch.testing.assert_close(h[0], h[1], atol=1e-5, rtol=1e-4)
    assert (g[0] - g[1]).abs().max() > 1e-3
    if name == "dvae":  # the index embedding is made last: the other weights are the plain encoder's
        assert all(torch.equal(v, indexed.state_dict()[k]) for k, v in plain.state_dict().items())


def test_index_embedding_checks_its_size_and_encoder() -> None:
    enc = make_encoder("dvae", 5, 8, max_nodes=3)
    x = torch.eye(5)[torch.tensor([[0, 1, 2, 4]])]
    adj = torch.triu(torch.ones(1, 4, 4), 1)
    with pytest.raises(ValueError, match="at most 3"):
        enc(x, adj, torch.ones(1, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="max_nodes: must be positive"):
        make_encoder("dvae", 5, 8, max_nodes=0)
    with pytest.raises(ValueError, match="max_nodes: the gin encoder"):
        make_encoder("gin", 5, 8, max_nodes=4)


@pytest.mark.parametrize("name", ["dvae", "svge"])
def test_concatenation_readout_depends_on_where_each_node_is(name: str) -> None:
    """The gated sum adds the node states, so the same DAG numbered another way encodes
    the same; the concatenation readout keeps each index's state in its own slot."""
    space = NASBench101Space()
    rng = np.random.default_rng(1)
    cells = [space.sample(rng) for _ in range(20)]
    relabelled = [_relabel(c, rng) for c in cells]
    moved = [i for i, (a, b) in enumerate(zip(cells, relabelled)) if a != b]
    assert len(moved) >= 10
    torch.manual_seed(0)
    enc = make_encoder(name, len(space.node_types), 16, concat_nodes=space.max_nodes)
    with torch.no_grad():
        h1 = enc(*space.to_tensors(cells))
        h2 = enc(*space.to_tensors(relabelled))
    assert h1.shape == (20, enc.out_dim)
    assert (h1[moved] - h2[moved]).abs().max(dim=1).values.min() > 1e-4
    assert not any(n.startswith("readout") or ".readout" in n for n, _ in enc.named_parameters())


def test_concatenation_readout_pads_smaller_cells_and_checks_its_size() -> None:
    enc = make_encoder("dvae", 5, 8, concat_nodes=4)
    adj3 = torch.triu(torch.ones(1, 3, 3), 1)
    x3 = torch.eye(5)[torch.tensor([[0, 1, 4]])]
    mask3 = torch.ones(1, 3, dtype=torch.bool)
    # three nodes in four slots: the same as the cell padded with a masked fourth node
    x4 = torch.cat([x3, torch.zeros(1, 1, 5)], 1)
    adj4 = torch.zeros(1, 4, 4)
    adj4[:, :3, :3] = adj3
    mask4 = torch.tensor([[True, True, True, False]])
    with torch.no_grad():
        torch.testing.assert_close(enc(x3, adj3, mask3), enc(x4, adj4, mask4))
    x5 = torch.eye(5)[torch.tensor([[0, 1, 2, 3, 4]])]
    with pytest.raises(ValueError, match="4 slots"):
        enc(x5, torch.triu(torch.ones(1, 5, 5), 1), torch.ones(1, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match="concat_nodes: must be positive"):
        make_encoder("dvae", 5, 8, concat_nodes=0)
    with pytest.raises(ValueError, match="concat_nodes: the gin encoder"):
        make_encoder("gin", 5, 8, concat_nodes=4)


@pytest.mark.parametrize("name", ["dvae", "svge"])
def test_concat_sum_readout_adds_the_gated_sum_to_the_concatenation(name: str) -> None:
    space = NASBench101Space()
    cells = [space.sample(i) for i in range(6)]
    torch.manual_seed(0)
    enc = make_encoder(name, len(space.node_types), 16, concat_nodes=space.max_nodes, concat_sum=True)
    passes = [enc] if name == "dvae" else [enc.forward_pass, enc.backward_pass]
    with torch.no_grad():
        both = enc(*space.to_tensors(cells))
        for p in passes:  # without the sum's weights' output the same encoder is the concatenation alone
            for w in p.concat_sum.parameters():
                w.zero_()
        # the gated sum of zero weights is sigmoid(0) x 0 = 0 per node: only the concatenation is left
        alone = enc(*space.to_tensors(cells))
    assert (both - alone).abs().max() > 1e-3
    plain = make_encoder(name, len(space.node_types), 16, concat_nodes=space.max_nodes)
    plain.load_state_dict({k: v for k, v in enc.state_dict().items() if "concat_sum" not in k})
    with torch.no_grad():
        torch.testing.assert_close(plain(*space.to_tensors(cells)), alone)
    with pytest.raises(ValueError, match="concat_sum: adds the gated sum"):
        make_encoder("dvae", 5, 8, concat_sum=True)
