"""``SearchSpace.describe``: every built-in space's own notation on known cells."""

from __future__ import annotations

import ast

import pytest

from lso_sampler.cell import Cell
from lso_sampler.spaces import (
    BUILTIN_SPACES,
    DAGSpace,
    DartsSpace,
    ENASSpace,
    NASBench101Space,
    NASBench201Space,
    NASBenchGraphSpace,
    SearchSpace,
)
from tests.spaces.test_darts import DARTS_V2


def test_generic_form_lists_each_node_and_what_it_feeds() -> None:
    cell = Cell(["input", "conv", "pool", "output"], [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]])
    space = DAGSpace(4, ["conv", "pool"])
    assert space.describe(cell) == "0:input -> 1,2; 1:conv -> 3; 2:pool -> 3; 3:output"
    assert SearchSpace.describe(space, Cell(["input"], [[0]])) == "0:input"
    with pytest.raises(TypeError, match="expected a Cell"):
        space.describe("not a cell")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "space",
    [DAGSpace(4, ["conv"]), NASBench201Space(), NASBench101Space(), NASBenchGraphSpace(), DartsSpace(), ENASSpace()],
    ids=lambda s: type(s).__name__,
)
@pytest.mark.parametrize("method", ["key", "describe"])
@pytest.mark.parametrize("bad", ["|nor_conv_3x3~0|", 3, None, {"edge_0_1": "none"}])
def test_key_and_describe_of_a_non_cell_name_the_space_and_the_fix(space, method: str, bad) -> None:
    message = rf"^{type(space).__name__}\.{method}: expected a Cell, got .*space\.from_params"
    with pytest.raises(TypeError, match=message):
        getattr(space, method)(bad)


def test_nasbench201_is_the_official_arch_str() -> None:
    space = NASBench201Space()
    assert space.describe(space.from_index(0)) == (
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
    )
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
    assert space.describe(space.from_index(6111)) == arch
    assert space.from_arch_str(space.describe(space.from_index(6111))) == space.from_index(6111)


def test_darts_is_the_genotype_as_darts_prints_it() -> None:
    space = DartsSpace()
    text = space.describe(space.from_genotype(DARTS_V2))
    # DARTS-V2, each node's two inputs in increasing order (nodes 4 of normal, 3 and 5 of reduce swap)
    assert text == (
        "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
        "('skip_connect', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('dil_conv_3x3', 2)], "
        "normal_concat=[2, 3, 4, 5], "
        "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('max_pool_3x3', 1), ('skip_connect', 2), "
        "('max_pool_3x3', 0), ('skip_connect', 2), ('max_pool_3x3', 1), ('skip_connect', 2)], "
        "reduce_concat=[2, 3, 4, 5])"
    )
    # the text reads back as DARTS's namedtuple would
    call = ast.parse(text, mode="eval").body
    fields = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}  # type: ignore[attr-defined]
    assert space.from_genotype({"normal": fields["normal"], "reduce": fields["reduce"]}) == space.from_genotype(
        DARTS_V2
    )


def test_nasbench_graph_is_link_and_ops() -> None:
    space = NASBenchGraphSpace()
    cell = space.from_params({"link": "0012", "op_1": "gcn", "op_2": "gat", "op_3": "sage", "op_4": "skip"})
    assert space.describe(cell) == "link=[0, 0, 1, 2] ops=['gcn', 'gat', 'sage', 'skip']"


def test_nasbench101_is_ops_and_matrix_rows() -> None:
    # the Inception-like cell of the NAS-Bench-101 colab
    ops = ["input", "conv1x1-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu", "maxpool3x3",
           "output"]  # fmt: skip
    matrix = [[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0],
              [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]]  # fmt: skip
    text = NASBench101Space().describe(Cell(ops, matrix))
    assert text == (
        "ops=['input', 'conv1x1-bn-relu', 'conv3x3-bn-relu', 'conv3x3-bn-relu', 'conv3x3-bn-relu', "
        "'maxpool3x3', 'output'] matrix=0111010/0000001/0000001/0000100/0000001/0000001/0000000"
    )
    with pytest.raises(ValueError):
        NASBench101Space().describe(NASBench201Space().from_index(0))


def test_enas_is_the_dvae_list() -> None:
    space = ENASSpace()
    row = "[[1], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]]"
    assert space.describe(space.from_dvae(row)) == row
    assert space.from_dvae(space.describe(space.sample(3))) == space.sample(3)


@pytest.mark.parametrize("name", sorted(BUILTIN_SPACES))
def test_every_builtin_space_describes_its_cells_stably_and_distinctly(name: str) -> None:
    space = BUILTIN_SPACES[name]()
    assert type(space).describe is not SearchSpace.describe  # each has its own notation
    cells = [space.sample(seed) for seed in range(20)]
    texts = [space.describe(c) for c in cells]
    assert all(isinstance(t, str) and t and "\n" not in t for t in texts)
    assert texts == [space.describe(space.from_params(space.to_params(c))) for c in cells]
    # different parameters, different text
    by_params = {tuple(sorted(space.to_params(c).items())): t for c, t in zip(cells, texts)}
    assert len(set(by_params.values())) == len(by_params)


@pytest.mark.parametrize("space", [NASBench201Space(), DartsSpace(), ENASSpace(), NASBenchGraphSpace()])
def test_a_cell_of_another_space_is_refused(space: SearchSpace) -> None:
    other = DAGSpace(3, ["conv"]).sample(0)
    with pytest.raises(ValueError):
        space.describe(other)
