from __future__ import annotations

import pytest
from nas_bench_graph import light_read

from lso_sampler.cell import Cell
from lso_sampler.spaces import NASBenchGraphSpace


@pytest.mark.slow
def test_enumerate_reaches_exactly_the_packages_records() -> None:
    space = NASBenchGraphSpace("cora")
    keys = {space.record_key(c) for c in space.enumerate()}
    assert len(keys) == 26206
    assert keys == set(light_read("cora"))


def test_proteins_space_reaches_exactly_its_records() -> None:
    space = NASBenchGraphSpace("proteins")
    keys = {space.record_key(c) for c in space.enumerate()}
    assert keys == set(light_read("proteins"))


def test_cell_structure_and_validity() -> None:
    space = NASBenchGraphSpace()
    cell = space.from_params({"link": "0012", "op_1": "gcn", "op_2": "gat", "op_3": "sage", "op_4": "fc"})
    assert cell.predecessors(3) == [1]
    assert cell.predecessors(4) == [2]
    assert cell.predecessors(5) == [3, 4]  # op nodes nobody reads feed the output
    skip = space.from_params({"link": "0123", "op_1": "skip", "op_2": "skip", "op_3": "skip", "op_4": "skip"})
    v = space.is_valid(skip)
    assert not v and "skip" in v.reason
    wrong_output = Cell.from_edges(["input", "gcn", "gcn", "gcn", "gcn", "output"],
                                   [(0, 1), (1, 2), (2, 3), (3, 4), (1, 5)])
    assert not space.is_valid(wrong_output)


def test_skip_equivalent_cells_share_the_package_key() -> None:
    space = NASBenchGraphSpace()
    # A skip as the first op of a chain is the same network as the input feeding on directly.
    a = space.from_params({"link": "0123", "op_1": "skip", "op_2": "gcn", "op_3": "gcn", "op_4": "gat"})
    b = space.from_params({"link": "0012", "op_1": "skip", "op_2": "gcn", "op_3": "gcn", "op_4": "gat"})
    assert a.key != b.key or a == b
    assert space.key(a) == f"nbg:{space.record_key(a)}"


def test_to_module_builds_every_op_and_link() -> None:
    import torch

    from lso_sampler.networks.graph_net import GRAPH_OPS

    space = NASBenchGraphSpace()
    x, edges = torch.randn(40, 6), torch.randint(0, 40, (2, 160))
    for link in ("0000", "0123", "0112", "0013"):
        for ops in (GRAPH_OPS[:4], GRAPH_OPS[4:8], ("skip", "gat", "skip", "cheb"), ("skip", "skip", "skip", "fc")):
            cell = space.from_params({"link": link, **{f"op_{i + 1}": op for i, op in enumerate(ops)}})
            net = space.to_module(cell, in_dim=6, num_classes=3, hidden=8)
            out = net(x, edges)
            assert out.shape == (40, 3) and torch.isfinite(out).all()
            out.sum().backward()
    # the output concatenates the op nodes no op node reads: link 0000 -> all four
    cell = space.from_params({"link": "0000", "op_1": "gcn", "op_2": "gcn", "op_3": "gcn", "op_4": "gcn"})
    assert space.to_module(cell, in_dim=6, num_classes=3, hidden=8).fc.in_features == 32
    # a skip of the raw input reaching the output keeps the input width
    cell = space.from_params({"link": "0000", "op_1": "skip", "op_2": "gcn", "op_3": "gcn", "op_4": "gcn"})
    assert space.to_module(cell, in_dim=6, num_classes=3, hidden=8).fc.in_features == 6 + 24
    with pytest.raises(ValueError, match="hidden: must be a multiple of 4"):
        space.to_module(cell, in_dim=6, num_classes=3, hidden=10)


def test_read_scores_gives_only_valid_cells_that_follow_the_scores() -> None:
    import torch

    space = NASBenchGraphSpace("cora")
    gen = torch.Generator().manual_seed(0)
    n, t = space.max_nodes, len(space.node_types)
    # uniform scores over every node type (input and output included) and every edge
    cells = space.read_scores(torch.full((500, n, t), 1.0 / t), torch.full((500, n, n), 0.5), gen)
    assert all(space.is_valid(c) for c in cells)
    assert len({space.key(c) for c in cells}) > 400
    # scores that favour "skip" and some links: the link and ops follow them where the rules
    # allow (op node 4 may not be a fourth skip, so it takes the next-best op)
    types = torch.full((50, n, t), 1e-12)
    types[:, :, space.node_types.index("skip")] = 1.0
    types[:, :, space.node_types.index("gcn")] = 1e-5
    edges = torch.full((50, n, n), 1e-6)
    edges[:, 0, 1] = edges[:, 1, 2] = edges[:, 1, 3] = edges[:, 1, 4] = 1.0
    # op nodes 3 and 4 would rather read the input, which no pattern allows after "01"
    edges[:, 0, 3] = edges[:, 0, 4] = 10.0
    values = [space.to_params(c) for c in space.read_scores(types, edges, gen)]
    assert {v["link"] for v in values} == {"0111"}
    assert {(v["op_1"], v["op_2"], v["op_3"], v["op_4"]) for v in values} == {("skip", "skip", "skip", "gcn")}


@pytest.mark.parametrize("dataset", [None, "proteins"])
def test_representative_is_one_cell_per_record(dataset) -> None:
    """The graph VAE's form of a cell: a cell of the space with the same key, the same for
    every cell of one record (here all 24 numberings of four parallel branches), and its
    own representative."""
    import itertools

    import numpy as np

    space = NASBenchGraphSpace(dataset)
    ops = [op for op in space.ops if op != "skip"][-4:]
    assert len(set(ops)) == 4 and "skip" not in ops
    branches = [
        space.from_params({"link": "0000", **{f"op_{i}": op for i, op in enumerate(perm, 1)}})
        for perm in itertools.permutations(ops)
    ]
    assert len({space.key(c) for c in branches}) == 1 and len(set(map(str, branches))) == 24
    assert len({str(space.representative(c)) for c in branches}) == 1
    rng = np.random.default_rng(0)
    cells = [space.sample(rng) for _ in range(300)]
    reps = [space.representative(c) for c in cells]
    assert all(space.is_valid(r) and space.key(r) == space.key(c) for c, r in zip(cells, reps))
    assert all(space.representative(r) == r for r in reps)
    assert sum(r != c for r, c in zip(reps, cells)) > 50  # many cells have another numbering
    with pytest.raises(TypeError, match="representative"):
        space.representative("0012")  # type: ignore[arg-type]
    all_skip = Cell.from_edges(["input", *["skip"] * 4, "output"], [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)])
    with pytest.raises(ValueError, match="not a valid nasbench-graph cell.*skip"):
        space.representative(all_skip)
