from __future__ import annotations

import numpy as np
import pytest

from lso_sampler.spaces import DartsSpace

# DARTS-V2 (Liu et al. 2019), with the two inputs of each node in DARTS order.
DARTS_V2 = {
    "normal": [("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("sep_conv_3x3", 1),
               ("sep_conv_3x3", 1), ("skip_connect", 0), ("skip_connect", 0), ("dil_conv_3x3", 2)],
    "reduce": [("max_pool_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2), ("max_pool_3x3", 1),
               ("max_pool_3x3", 0), ("skip_connect", 2), ("skip_connect", 2), ("max_pool_3x3", 1)],
}  # fmt: skip


def test_genotype_round_trip_and_structure() -> None:
    space = DartsSpace()
    cell = space.from_genotype(DARTS_V2)
    assert cell.num_nodes == 30 and cell.num_edges == 40
    g = space.genotype(cell)
    # pairs come back sorted by input within each node
    assert g["normal"][4:6] == [("skip_connect", 0), ("sep_conv_3x3", 1)]
    assert space.from_genotype(g) == cell
    params = space.to_params(cell)
    assert params["normal_node4_inputs"] == "0_1"
    assert params["reduce_node5_inputs"] == "1_2"


def test_swapping_normal_and_reduce_changes_the_key() -> None:
    space = DartsSpace()
    a = space.from_genotype(DARTS_V2)
    b = space.from_genotype({"normal": DARTS_V2["reduce"], "reduce": DARTS_V2["normal"]})
    assert a.key != b.key


def test_renumbering_intermediate_nodes_keeps_the_key() -> None:
    # Nodes 2 and 3 both read only c_{k-2}, c_{k-1}: swapping them is the same network.
    space = DartsSpace()
    n = [("sep_conv_3x3", 0), ("max_pool_3x3", 1), ("dil_conv_5x5", 0), ("skip_connect", 1),
         ("avg_pool_3x3", 2), ("sep_conv_5x5", 3), ("skip_connect", 0), ("dil_conv_3x3", 4)]
    swapped = n[2:4] + n[0:2] + [("avg_pool_3x3", 3), ("sep_conv_5x5", 2)] + n[6:]
    a = space.from_genotype({"normal": n, "reduce": n})
    b = space.from_genotype({"normal": swapped, "reduce": n})
    assert a != b
    assert a.key == b.key


def test_bad_genotypes() -> None:
    space = DartsSpace()
    with pytest.raises(ValueError, match="reads node 0 twice"):
        space.from_genotype({"normal": [("skip_connect", 0)] * 8, "reduce": DARTS_V2["reduce"]})
    with pytest.raises(ValueError, match="unknown op 'none'"):
        space.from_genotype({"normal": [("none", 0), ("none", 1)] * 4, "reduce": DARTS_V2["reduce"]})
    with pytest.raises(ValueError, match="missing the 'reduce' cell"):
        space.from_genotype({"normal": DARTS_V2["normal"]})
    with pytest.raises(ValueError, match="too many to enumerate"):
        next(space.enumerate())


def test_random_cells_are_valid() -> None:
    space = DartsSpace()
    rng = np.random.default_rng(0)
    for _ in range(200):
        assert space.is_valid(space.sample(rng))


def test_read_scores_gives_valid_cells_that_follow_the_scores() -> None:
    import torch

    space = DartsSpace()
    gen = torch.Generator().manual_seed(0)
    n, t = space.max_nodes, len(space.node_types)
    cells = space.read_scores(torch.rand(100, n, t), torch.rand(100, n, n), gen)
    assert all(space.is_valid(c) for c in cells)
    assert len({space.key(c) for c in cells}) == 100
    # node 5 of the normal cell: op nodes 11 (lower input) and 12 (higher input); scores
    # that favour inputs 1 -> op_a and 3 -> op_b (carried by add node 7) decide the pair
    edges = torch.full((50, n, n), 1e-6)
    edges[:, 1, 11] = 1.0
    edges[:, 7, 12] = 1.0
    values = [space.to_params(c) for c in space.read_scores(torch.rand(50, n, t), edges, gen)]
    assert {v["normal_node5_inputs"] for v in values} == {"1_3"}



def test_to_module_has_the_published_parameter_count() -> None:
    # DARTS paper, Table 1: 3.3 M for the CIFAR-10 network (C = 36, 20 cells); the DARTS
    # training script logs "param size = 3.349342MB" for it (auxiliary head excluded).
    space = DartsSpace()
    net = space.to_module(space.from_genotype(DARTS_V2))
    assert sum(p.numel() for p in net.parameters()) == 3349342


def test_to_module_runs_on_random_cells_and_reduces_twice() -> None:
    import torch

    space = DartsSpace()
    rng = np.random.default_rng(1)
    for _ in range(5):
        net = space.to_module(space.sample(rng), channels=4, layers=5, num_classes=3, in_channels=1)
        out = net(torch.randn(2, 1, 16, 16))
        assert out.shape == (2, 3)
        out.sum().backward()
    assert net.classifier.in_features == 4 * 4 * 4  # C doubled at both reductions, 4 nodes concatenated
