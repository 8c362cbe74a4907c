"""BANANAS's model: the path encoding on every built-in space and the batched MLP ensemble."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from lso_sampler.cell import Cell
from lso_sampler.models.bananas import MLPEnsemble, PathEncoder, cell_paths
from lso_sampler.spaces import DartsSpace, NASBench201Space
from tests.conftest import SPACES

DIAMOND = Cell(["input", "conv", "pool", "output"], [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]])


def test_paths_run_from_inputs_to_outputs_with_both_ends() -> None:
    assert cell_paths(DIAMOND) == {("input", "conv", "output"), ("input", "pool", "output")}
    chain = Cell(["input", "conv", "pool", "output"], [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]])
    assert cell_paths(chain) == {("input", "conv", "pool", "output")}
    assert cell_paths(chain, max_length=3) == set()  # truncated: only paths of at most 3 nodes
    lonely = Cell(["input", "conv", "output"], [[0, 0, 1], [0, 0, 0], [0, 0, 0]])
    assert cell_paths(lonely) == {("input", "output")}  # a node without edges gives no path
    # DARTS: both inputs of both cells, to their own output
    darts = DartsSpace()
    ends = {(p[0], p[-1]) for p in cell_paths(darts.sample(0))}
    assert ends <= {(f"{c}_in{i}", f"{c}_out") for c in ("normal", "reduce") for i in (0, 1)}
    assert {e[1] for e in ends} == {"normal_out", "reduce_out"}


def test_dense_dags_keep_their_shortest_paths_up_to_the_cap() -> None:
    n = 12
    dense = Cell(["input", *["conv"] * (n - 2), "output"], [[int(j > i) for j in range(n)] for i in range(n)])
    few = cell_paths(dense, max_paths=50)
    assert 0 < len(few) <= 50 and ("input", "output") in few
    assert max(len(p) for p in few) < n  # the longest (through every node) is dropped first


def test_exact_encoding_on_nasbench201_is_the_papers_155_paths() -> None:
    space = NASBench201Space()
    enc = PathEncoder(space)
    assert enc.mode == "exact" and enc.dim == 155 == 5 + 25 + 125
    assert [len(p) for p in enc.paths] == sorted(len(p) for p in enc.paths)  # shortest first
    cell = space.cell_from_ops(["nor_conv_3x3"] * 6)
    x = enc.encode([cell])
    assert x.shape == (1, 155) and x.dtype == np.float32
    assert x.sum() == 3  # conv, conv-conv, conv-conv-conv: the four paths, two alike
    other = space.cell_from_ops(["nor_conv_3x3"] * 5 + ["skip_connect"])
    assert not np.array_equal(enc.encode([other]), x)


@pytest.mark.parametrize("space_id", list(SPACES))
def test_every_builtin_space_has_an_encoding(space_id: str) -> None:
    space = SPACES[space_id]
    enc = PathEncoder(space)
    assert enc.mode == ("exact" if space.num_configurations <= 20_000 else "hashed")
    rng = np.random.default_rng(0)
    cells = [space.sample(rng) for _ in range(8)]
    x = enc.encode(cells)
    assert x.shape == (8, enc.dim)
    assert set(np.unique(x)) <= {0.0, 1.0} and (x.sum(1) >= 1).all()
    assert len({row.tobytes() for row in x}) > 1  # the encoding tells cells apart
    again = pickle.loads(pickle.dumps(PathEncoder(space)))  # hashed features are stable across instances
    np.testing.assert_array_equal(again.encode(cells), x)


def test_hashed_encoding_and_bad_options() -> None:
    space = NASBench201Space()
    hashed = PathEncoder(space, "hashed", hash_dim=64, max_path_length=4)
    assert (hashed.mode, hashed.dim, hashed.paths) == ("hashed", 64, ())
    x = hashed.encode([space.cell_from_ops(["nor_conv_3x3"] * 6)])
    assert 1 <= x.sum() <= 2  # the one- and two-op paths (3 and 4 nodes); the three-op path is cut
    with pytest.raises(ValueError, match=r"encoding: must be one of \['auto', 'exact', 'hashed'\], got 'onehot'"):
        PathEncoder(space, "onehot")
    with pytest.raises(ValueError, match=r"hash_dim: must be an int >= 1, got 0"):
        PathEncoder(space, "hashed", hash_dim=0)
    with pytest.raises(TypeError, match=r"max_path_length: must be an int >= 2, got 2\.5"):
        PathEncoder(space, max_path_length=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"'exact' enumerates the space, but darts has"):
        PathEncoder(DartsSpace(), "exact")
    with pytest.raises(TypeError, match=r"cells\[0\]: expected a Cell, got str"):
        hashed.encode(["cell"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="space: expected a SearchSpace, got str"):
        PathEncoder("nasbench201")  # type: ignore[arg-type]


def test_ensemble_members_are_independent_networks() -> None:
    torch.manual_seed(0)
    ens = MLPEnsemble(10, members=3, hidden_dim=8, layers=3)
    x = torch.rand(4, 10)
    out = ens(x)
    assert out.shape == (3, 4)
    assert not torch.allclose(out[0], out[1])  # own initialisations
    single = torch.relu(x @ ens.weights[0][1] + ens.biases[0][1])
    single = torch.relu(single @ ens.weights[1][1] + ens.biases[1][1])
    torch.testing.assert_close(out[1], (single @ ens.weights[2][1] + ens.biases[2][1]).squeeze(-1))
    assert ens(torch.rand(3, 5, 10)).shape == (3, 5)
    with pytest.raises(ValueError, match=r"x: expected \[B, in_dim\] or \[3, B, in_dim\]"):
        ens(torch.rand(2, 5, 10))
    with pytest.raises(ValueError, match="members: must be an int >= 1, got 0"):
        MLPEnsemble(10, members=0)
