"""Property-based tests (hypothesis) of every built-in space against random and hostile input.

Two families of properties, each checked on every space of ``tests/conftest.py``'s ``SPACES``:

* round trips: parameters drawn from ``space.distributions(encoding)`` decode to a cell and
  encode back to themselves, in both encodings; ``space.sample`` cells are valid and
  round-trip; cells near a valid one (an edge flipped, a node relabelled, dropped or added)
  that the space accepts round-trip to a cell with the same ``space.key``.
* garbage: parameters of the wrong type or value, missing or unknown, parameter mappings
  that are not mappings, random adjacency matrices (nested lists or numpy arrays) and op
  lists given to :class:`Cell` and then to ``is_valid`` / ``key`` / ``to_params`` /
  ``describe``: the result is a clear error or a valid answer. A clear error is a
  ``ValueError``, ``TypeError`` or ``KeyError`` raised by ``lso_sampler`` itself (innermost
  frame in the package, not in numpy or the interpreter) whose message names the
  parameter at fault; anything else (``IndexError``, ``AttributeError``, numpy errors,
  ``RecursionError``, ...) fails the test.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from optuna.distributions import CategoricalDistribution, IntDistribution

import lso_sampler
from lso_sampler.cell import Cell
from lso_sampler.spaces import SearchSpace
from tests.conftest import SPACES

ENCODINGS = ("categorical", "integer")
PACKAGE_DIR = str(Path(lso_sampler.__file__).resolve().parent)
FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Exceptions a hostile input may raise; their subclasses from other libraries are refused
#: below (numpy's ``AxisError`` is a ``ValueError`` and an ``IndexError``, for example).
CLEAN = (ValueError, TypeError, KeyError)

space_ids = pytest.mark.parametrize("name", list(SPACES))
encodings = pytest.mark.parametrize("encoding", ENCODINGS)


# -- helpers ------------------------------------------------------------------------------
def assert_clean_error(err: BaseException, names: Iterable[str]) -> None:
    """``err`` is a package-raised ValueError/TypeError/KeyError naming one of ``names``."""
    assert isinstance(err, CLEAN), f"{type(err).__name__}: {err}"
    assert not isinstance(err, (IndexError, AttributeError, ArithmeticError)), repr(err)
    assert type(err).__module__ == "builtins", f"foreign exception type {type(err)!r}: {err}"
    tb = err.__traceback__
    assert tb is not None
    while tb.tb_next is not None:
        tb = tb.tb_next
    origin = str(Path(tb.tb_frame.f_code.co_filename).resolve())
    assert origin.startswith(PACKAGE_DIR), f"raised in {origin}, not by lso_sampler: {err!r}"
    msg = str(err)
    assert msg.strip(), f"empty message from {type(err).__name__}"
    names = list(names)
    assert any(n in msg for n in names), f"message {msg!r} names none of {names}"


def call(fn: Any, *args: Any, names: Iterable[str], **kwargs: Any) -> tuple[bool, Any]:
    """``(True, fn(...))``, or ``(False, err)`` after checking ``err`` is a clean error."""
    try:
        return True, fn(*args, **kwargs)
    except CLEAN as err:
        assert_clean_error(err, names)
        return False, err


def params_strategy(space: SearchSpace, encoding: str) -> st.SearchStrategy[dict[str, Any]]:
    """Parameters drawn from the space's own Optuna distributions."""
    dists = space.distributions(encoding)
    assert list(dists) == list(space.param_names)
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, d in dists.items():
        if encoding == "categorical":
            assert isinstance(d, CategoricalDistribution)
            fields[name] = st.sampled_from(d.choices)
        else:
            assert isinstance(d, IntDistribution)
            fields[name] = st.integers(d.low, d.high)
    return st.fixed_dictionaries(fields)


def to_integer(space: SearchSpace, params: Mapping[str, Any]) -> dict[str, int]:
    vmap = {v.name: v for v in space.variables()}
    return {k: vmap[k].choices.index(v) for k, v in params.items()}


def sample_cell(space: SearchSpace, seed: int) -> Cell:
    return space.sample(np.random.default_rng(seed))


#: Every choice of every space: right type, but often the wrong parameter's.
ALL_CHOICES = sorted(
    {c for s in SPACES.values() for v in s.variables() for c in v.choices if isinstance(c, str)}
    | {t for s in SPACES.values() for t in s.node_types}
)

garbage_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.integers(-2, 12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1.0, 0.5, -0.0, math.nan, math.inf]),
    st.text(max_size=6),
    st.sampled_from(ALL_CHOICES),
    st.binary(max_size=3),
    st.complex_numbers(max_magnitude=2),
    st.lists(st.integers(0, 1), max_size=3),
    st.tuples(st.integers(0, 1)),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.sampled_from([np.int64(1), np.int8(0), np.float32(1.0), np.float64(0.5), np.bool_(True), np.str_("none")]),
    hnp.arrays(st.sampled_from([np.int64, np.float64, np.bool_]), hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)),
    st.builds(object),
)


# -- round trips --------------------------------------------------------------------------
@space_ids
@encodings
@FAST
@given(data=st.data())
def test_params_decode_and_encode_back_to_themselves(name: str, encoding: str, data: st.DataObject) -> None:
    space = SPACES[name]
    params = data.draw(params_strategy(space, encoding), label="params")
    cell = space.from_params(params, encoding)
    assert isinstance(cell, Cell)
    # every built-in parameterisation is injective: params -> cell -> params is the identity
    assert space.to_params(cell, encoding) == params
    # the two encodings describe the same cell
    other = "integer" if encoding == "categorical" else "categorical"
    assert space.from_params(space.to_params(cell, other), other) == cell
    validity = space.is_valid(cell)
    if validity:
        again = space.from_params(space.to_params(cell, encoding), encoding)
        assert space.key(again) == space.key(cell)
        assert space.is_valid(again)
    else:
        assert validity.reason.strip()


@space_ids
@FAST
@given(seed=st.integers(0, 2**63 - 1))
def test_sampled_cells_are_valid_and_round_trip(name: str, seed: int) -> None:
    space = SPACES[name]
    cell = sample_cell(space, seed)
    assert space.is_valid(cell), space.is_valid(cell).reason
    for encoding in ENCODINGS:
        params = space.to_params(cell, encoding)
        assert list(params) == list(space.param_names)
        again = space.from_params(params, encoding)
        assert again == cell
        assert space.key(again) == space.key(cell)
        assert space.to_params(again, encoding) == params
    assert to_integer(space, space.to_params(cell, "categorical")) == space.to_params(cell, "integer")
    assert isinstance(space.describe(cell), str)


@st.composite
def near_miss_cells(draw: st.DrawFn, space: SearchSpace) -> Cell:
    """A sampled cell with up to 3 small edits (edge flip, relabel, node drop or insertion)."""
    cell = sample_cell(space, draw(st.integers(0, 2**63 - 1), label="seed"))
    ops = list(cell.ops)
    adj = [list(r) for r in cell.adjacency]
    labels = st.one_of(st.sampled_from(space.node_types), st.sampled_from(ALL_CHOICES), st.text(max_size=3))
    for _ in range(draw(st.integers(0, 3))):
        n = len(ops)
        kind = draw(st.sampled_from(["flip", "relabel", "drop", "insert"]))
        if kind == "flip" and n >= 2:
            i = draw(st.integers(0, n - 2))
            j = draw(st.integers(i + 1, n - 1))
            adj[i][j] ^= 1
        elif kind == "relabel":
            ops[draw(st.integers(0, n - 1))] = draw(labels)
        elif kind == "drop" and n >= 2:
            i = draw(st.integers(0, n - 1))
            del ops[i]
            del adj[i]
            for row in adj:
                del row[i]
        elif kind == "insert":
            i = draw(st.integers(0, n))
            ops.insert(i, draw(labels))
            for r, row in enumerate(adj):
                row.insert(i, int(r < i and draw(st.booleans())))
            adj.insert(i, [int(c > i and draw(st.booleans())) for c in range(n + 1)])
    return Cell(ops, adj)


def check_space_on_cell(space: SearchSpace, cell: Cell) -> None:
    """is_valid / key / to_params / describe on any cell: answers or clean errors, and
    accepted cells round-trip."""
    validity = space.is_valid(cell)
    assert isinstance(validity.ok, bool)
    if not validity:
        assert validity.reason.strip()
    ok_key, key = call(space.key, cell, names=["cell"])
    if ok_key:
        assert isinstance(key, str) and key
    ok_desc, desc = call(space.describe, cell, names=["cell"])
    if ok_desc:
        assert isinstance(desc, str)
    for encoding in ENCODINGS:
        ok, params = call(space.to_params, cell, encoding, names=["cell"])
        if validity:
            assert ok, f"to_params failed on a valid cell: {params}"
            assert ok_key and ok_desc
        if not ok:
            assert not validity
            continue
        assert list(params) == list(space.param_names)
        again = space.from_params(params, encoding)
        assert bool(space.is_valid(again)) == bool(validity)
        if validity:
            assert space.key(again) == key
            assert space.to_params(again, encoding) == params


@space_ids
@FAST
@given(data=st.data())
def test_cells_near_valid_ones_give_answers_or_clean_errors(name: str, data: st.DataObject) -> None:
    space = SPACES[name]
    check_space_on_cell(space, data.draw(near_miss_cells(space), label="cell"))


# -- garbage parameters -------------------------------------------------------------------
@space_ids
@encodings
@FAST
@given(data=st.data())
def test_a_bad_value_is_refused_naming_its_parameter(name: str, encoding: str, data: st.DataObject) -> None:
    space = SPACES[name]
    params = data.draw(params_strategy(space, encoding), label="params")
    target = data.draw(st.sampled_from(list(params)), label="target")
    bad = data.draw(garbage_values, label="value")
    params[target] = bad
    ok, cell = call(space.from_params, params, encoding, names=[target])
    if ok:  # the value equals one of the parameter's choices (1.0 for 1, np.int64(0), ...)
        assert isinstance(cell, Cell)
        assert space.to_params(cell, encoding)[target] == bad


@space_ids
@encodings
@FAST
@given(data=st.data())
def test_missing_parameters_are_named(name: str, encoding: str, data: st.DataObject) -> None:
    space = SPACES[name]
    params = data.draw(params_strategy(space, encoding), label="params")
    dropped = data.draw(st.sets(st.sampled_from(list(params)), min_size=1), label="dropped")
    for key in dropped:
        del params[key]
    ok, err = call(space.from_params, params, encoding, names=[repr(k) for k in dropped])
    assert not ok
    assert "missing" in str(err)


@space_ids
@encodings
@FAST
@given(data=st.data())
def test_unknown_parameters_are_named_when_strict(name: str, encoding: str, data: st.DataObject) -> None:
    space = SPACES[name]
    params = data.draw(params_strategy(space, encoding), label="params")
    cell = space.from_params(params, encoding)
    keys = st.one_of(
        st.text(max_size=8), st.sampled_from(ALL_CHOICES), st.integers(), st.none(), st.tuples(st.integers())
    )
    extra = data.draw(
        st.dictionaries(keys.filter(lambda k: k not in params), garbage_values, min_size=1, max_size=3), label="extra"
    )
    mixed = {**params, **extra}
    ok, err = call(space.from_params, mixed, encoding, strict=True, names=[repr(k) for k in extra])
    assert not ok
    assert "unknown" in str(err)
    assert space.from_params(mixed, encoding, strict=False) == cell


@space_ids
@FAST
@given(
    params=st.one_of(
        st.none(),
        st.integers(),
        st.floats(),
        st.text(max_size=5),
        st.lists(st.text(max_size=3), max_size=3),
        st.tuples(st.text(max_size=3), st.integers()),
        st.builds(object),
    )
)
def test_params_that_are_not_a_mapping_are_refused(name: str, params: Any) -> None:
    space = SPACES[name]
    for encoding in ENCODINGS:
        ok, err = call(space.from_params, params, encoding, names=["params"])
        assert not ok


@space_ids
@FAST
@given(encoding=st.one_of(st.text(max_size=12), st.integers(), st.sampled_from(["Integer", "onehot", " categorical"])))
def test_unknown_encodings_are_named(name: str, encoding: Any) -> None:
    space = SPACES[name]
    if encoding in ENCODINGS or not encoding:  # falsy values mean "the space's default"
        return
    params = space.to_params(sample_cell(space, 0))
    for fn, args in (
        (space.from_params, (params,)),
        (space.to_params, (sample_cell(space, 0),)),
        (space.distributions, ()),
    ):
        ok, err = call(fn, *args, encoding, names=["encoding"])
        assert not ok


# -- garbage cells ------------------------------------------------------------------------
@st.composite
def raw_cell_inputs(draw: st.DrawFn, space: SearchSpace) -> tuple[list[Any], Any]:
    """Random ops list and adjacency matrix for ``Cell(ops, adjacency)``.

    Half are clean (string labels, an upper-triangular 0/1 matrix as nested lists or
    tuples of ints, bools or floats, or a numpy array of some dtype), half carry one
    defect: a non-string label, an entry that is not 0/1, an edge below the diagonal, a
    wrong or ragged shape, a row that is not a row, or a numpy array of any shape.
    """
    n = draw(st.integers(1, min(space.max_nodes + 2, 12)), label="n")
    defect = draw(
        st.sampled_from(["none", "none", "none", "label", "entry", "lower", "shape", "row", "array"]), label="defect"
    )
    label = st.one_of(st.sampled_from(space.node_types), st.sampled_from(ALL_CHOICES), st.text(max_size=4))
    ops = draw(st.lists(label, min_size=n, max_size=n), label="ops")
    if draw(st.booleans()):  # the usual frame: input first, output last
        ops[0] = "input"
        ops[-1] = "output"
    if defect == "label":
        ops[draw(st.integers(0, n - 1))] = draw(
            st.one_of(st.none(), st.integers(), st.binary(max_size=2), st.floats(), st.lists(st.text(max_size=1)))
        )
    flags = [[int(j > i and draw(st.booleans())) for j in range(n)] for i in range(n)]
    if defect == "lower":
        i = draw(st.integers(0, n - 1))
        flags[i][draw(st.integers(0, i))] = 1
    if defect == "array":
        dtype = draw(st.sampled_from([np.int64, np.int8, np.uint8, np.float64, np.float32, np.bool_]))
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=n + 1))
        return ops, draw(hnp.arrays(dtype, shape))
    form = draw(st.sampled_from(["int", "bool", "float", "numpy-int", "numpy-float", "numpy-bool", "tuples"]))
    if form.startswith("numpy"):
        dtype = {"numpy-int": np.int64, "numpy-float": np.float64, "numpy-bool": np.bool_}[form]
        adj: Any = np.array(flags, dtype=dtype)
    else:
        cast = {"int": int, "bool": bool, "float": float, "tuples": int}[form]
        adj = [[cast(x) for x in row] for row in flags]
        if form == "tuples":
            adj = tuple(tuple(row) for row in adj)
    if defect == "entry":
        adj = [list(row) for row in adj]
        i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        adj[i][j] = draw(garbage_values)
    elif defect == "shape":
        adj = [list(row) for row in adj]
        if draw(st.booleans()):
            if draw(st.booleans()):
                adj.pop(draw(st.integers(0, n - 1)))
            else:
                adj.append([0] * draw(st.integers(0, n + 1)))
        else:
            row = adj[draw(st.integers(0, n - 1))]
            if draw(st.booleans()):
                row.pop()
            else:
                row.append(0)
    elif defect == "row":
        adj = [list(row) for row in adj]
        adj[draw(st.integers(0, n - 1))] = draw(st.one_of(st.none(), st.integers(), st.text(max_size=3), st.floats()))
    return ops, adj


@space_ids
@FAST
@given(data=st.data())
def test_random_matrices_and_op_lists_give_cells_or_clean_errors(name: str, data: st.DataObject) -> None:
    space = SPACES[name]
    ops, adj = data.draw(raw_cell_inputs(space), label="inputs")
    ok, cell = call(Cell, ops, adj, names=["ops", "adjacency"])
    if not ok:
        return
    assert len(cell.ops) == len(ops) and all(type(o) is str for o in cell.ops)
    for i, j in cell.edges:
        assert i < j
    check_space_on_cell(space, cell)


@space_ids
@FAST
@given(
    thing=st.one_of(
        st.none(),
        st.integers(),
        st.text(max_size=3),
        st.lists(st.integers(0, 1), max_size=3),
        st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    )
)
def test_non_cells_are_invalid_and_refused_by_to_params(name: str, thing: Any) -> None:
    space = SPACES[name]
    validity = space.is_valid(thing)
    assert not validity and validity.reason.strip()
    for encoding in ENCODINGS:
        ok, _ = call(space.to_params, thing, encoding, names=["cell"])
        assert not ok
