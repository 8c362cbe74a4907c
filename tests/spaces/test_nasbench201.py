from __future__ import annotations

import pytest

from lso_sampler.spaces import NASBench201Space


def test_enumerate_gives_15625_distinct_keys_in_index_order() -> None:
    space = NASBench201Space()
    cells = list(space.enumerate())
    assert len(cells) == 15625
    assert len({c.key for c in cells}) == 15625
    assert [space.index(c) for c in cells[:50]] == list(range(50))
    assert space.index(cells[-1]) == 15624
    assert space.from_index(6111) == cells[6111]


def test_model_view_is_the_8_node_dag() -> None:
    space = NASBench201Space()
    cell = space.from_arch_str("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|")
    assert cell.num_nodes == 8
    assert cell.ops == (
        "input", "nor_conv_3x3", "none", "skip_connect", "avg_pool_3x3", "nor_conv_1x1", "none", "output"
    )
    # op on edge 0->1 feeds the ops on edges 1->2 and 1->3; edges into node 3 feed the output
    assert cell.successors(1) == [3, 5]
    assert cell.predecessors(7) == [4, 5, 6]
    assert space.to_arch_str(cell) == "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|"
    assert space.to_params(cell, "integer") == {
        "edge_0_1": 3, "edge_0_2": 0, "edge_1_2": 1, "edge_0_3": 4, "edge_1_3": 2, "edge_2_3": 0,
    }


def test_bad_input() -> None:
    space = NASBench201Space()
    with pytest.raises(ValueError, match="arch_str"):
        space.from_arch_str("|conv~0|")
    with pytest.raises(ValueError, match=r"ops\[0\]: unknown op 'conv'"):
        space.cell_from_ops(["conv"] * 6)
    with pytest.raises(ValueError, match="index"):
        space.from_index(15625)


def test_read_scores_draws_only_the_op_nodes() -> None:
    import torch

    space = NASBench201Space()
    gen = torch.Generator().manual_seed(0)
    probs = torch.softmax(torch.randn(200, 8, len(space.node_types)) * 3, -1)
    edges = torch.rand(200, 8, 8)  # ignored: the space fixes the wiring
    cells = space.read_scores(probs, edges, gen)
    assert all(space.is_valid(c) for c in cells)
    # a node whose scores put all mass on one op always gets it
    probs[:, 3] = 0.0
    probs[:, 3, space.node_types.index("skip_connect")] = 1.0
    assert {space.ops_of(c)[2] for c in space.read_scores(probs, edges, gen)} == {"skip_connect"}


# Published NAS-Bench-201 CIFAR-10 parameter counts (millions) of the default skeleton
# (C = 16, N = 5, 10 classes):
# * 0.802426: NATS-Bench issue #36 (github.com/D-X-Y/NATS-Bench/issues/36), the
#   `get_cost_info(..., hp="12")` record of the cell below;
# * 0.073306 and 1.531546: the smallest and largest model of the space (every edge `none`,
#   every edge `nor_conv_3x3`), "0.07-1.53 M" in the NAS-Bench-201 paper (Dong & Yang 2020);
# * 0.56 (to two digits, as quoted): AutoDL-Projects issue #134, the cell below; that issue's
#   other cell (`...|nor_conv_3x3~0|none~1|avg_pool_3x3~2|`) is recorded as 0.48 although it
#   has the same layers (the question; NATS-Bench #36 reports such hp="200" records):
#   we build 0.559386 for both.
PUBLISHED_PARAMS = [
    ("|skip_connect~0|+|none~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|", 0.802426, 1e-6),
    ("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", 0.0733, 5e-4),
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|", 1.53, 5e-3),
    ("|skip_connect~0|+|avg_pool_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|", 0.56, 5e-3),
]


@pytest.mark.parametrize("arch_str, millions, tol", PUBLISHED_PARAMS)
def test_to_module_has_the_published_parameter_count(arch_str: str, millions: float, tol: float) -> None:
    space = NASBench201Space()
    net = space.to_module(space.from_arch_str(arch_str))
    assert sum(p.numel() for p in net.parameters()) / 1e6 == pytest.approx(millions, abs=tol)


def test_to_module_runs_and_takes_the_skeleton_arguments() -> None:
    import torch

    space = NASBench201Space()
    cell = space.sample(0)
    net = space.to_module(cell, channels=8, cells_per_stage=1, num_classes=3, in_channels=1)
    out = net(torch.randn(2, 1, 16, 16))
    assert out.shape == (2, 3)
    out.sum().backward()  # trainable end to end
    assert sum(p.numel() for p in net.parameters()) < sum(p.numel() for p in space.to_module(cell).parameters())
    with pytest.raises(ValueError, match="channels: must be at least 1"):
        space.to_module(cell, channels=0)
    with pytest.raises(NotImplementedError, match="dag: no network builder"):
        from lso_sampler.spaces import DAGSpace

        DAGSpace(4, ["a", "b"]).to_module(DAGSpace(4, ["a", "b"]).sample(0))
