from __future__ import annotations

from nas_bench_graph import light_read

from lso_sampler.cell import Cell
from lso_sampler.spaces import NASBenchGraphSpace


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
