"""The encoding of the parameters searched beside the cell."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lso_sampler.strategies import Hyperparameter, HyperparameterSpace

SPACE = HyperparameterSpace(
    [
        Hyperparameter("lr", "float", 1e-4, 1e-1, log=True),
        Hyperparameter("dropout", "float", 0.0, 0.5, step=0.1),
        Hyperparameter("width", "int", 8, 64, step=8),
        Hyperparameter("layers", "int", 1, 100, log=True),
        Hyperparameter("act", "categorical", choices=("relu", None, 3)),
    ]
)


def test_round_trip_of_valid_values() -> None:
    values = {"lr": 1e-3, "dropout": 0.3, "width": 24, "layers": 10, "act": None}
    v = SPACE.encode(values)
    assert v.shape == (SPACE.dim,) == (7,)
    assert ((0 <= v) & (v <= 1)).all()
    back = SPACE.decode(v)
    assert back["lr"] == pytest.approx(1e-3) and back["dropout"] == pytest.approx(0.3)
    assert back["width"] == 24 and back["layers"] == 10 and back["act"] is None
    assert isinstance(back["width"], int) and isinstance(back["lr"], float)


@given(st.lists(st.floats(-5, 5) | st.just(float("nan")), min_size=7, max_size=7))
def test_any_vector_decodes_to_valid_values(vector) -> None:
    out = SPACE.decode(np.array(vector))
    assert 1e-4 <= out["lr"] <= 1e-1
    assert any(out["dropout"] == pytest.approx(x) for x in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5))
    assert out["width"] in range(8, 65, 8)
    assert 1 <= out["layers"] <= 100 and isinstance(out["layers"], int)
    assert out["act"] in ("relu", None, 3)


def test_sample_covers_every_value_uniformly() -> None:
    rng = np.random.default_rng(0)
    draws = [SPACE.decode(v) for v in SPACE.sample(rng, 4000)]
    widths = np.bincount([d["width"] // 8 - 1 for d in draws], minlength=8)
    assert widths.min() > 400  # the end values are as likely as the others (500 expected)
    assert {d["act"] for d in draws} == {"relu", None, 3}
    logs = np.log10([d["lr"] for d in draws])
    assert abs(np.mean(logs) + 2.5) < 0.05  # log-uniform on [1e-4, 1e-1]


def test_perturb_stays_near_and_valid() -> None:
    rng = np.random.default_rng(0)
    centre = SPACE.encode({"lr": 1e-2, "dropout": 0.2, "width": 32, "layers": 10, "act": "relu"})
    start = np.repeat(centre[None], 200, 0)
    moved = SPACE.perturb(start, rng, 0.05)
    lrs = np.array([SPACE.decode(v)["lr"] for v in moved])
    assert np.median(np.abs(np.log10(lrs) + 2)) < 0.2
    assert np.mean([SPACE.decode(v)["act"] == "relu" for v in moved]) > 0.9


def test_missing_and_unknown_values_encode_neutrally() -> None:
    v = SPACE.encode({"act": "gelu"})
    assert v[-3:] == pytest.approx([1 / 3] * 3)
    assert v[0] == 0.5


def test_bad_definitions_name_the_parameter() -> None:
    with pytest.raises(ValueError, match="lr: a log-scaled range needs low > 0"):
        Hyperparameter("lr", "float", 0.0, 1.0, log=True)
    with pytest.raises(ValueError, match="w: needs finite low <= high"):
        Hyperparameter("w", "int", 5, 1)
    with pytest.raises(ValueError, match="act: a categorical parameter needs at least one choice"):
        Hyperparameter("act", "categorical")
    with pytest.raises(ValueError, match="kind must be one of"):
        Hyperparameter("x", "bool")
    with pytest.raises(ValueError, match="duplicate names"):
        HyperparameterSpace([Hyperparameter("x", "float"), Hyperparameter("x", "int", 0, 3)])
    with pytest.raises(ValueError, match=r"vector: expected shape \(7,\)"):
        SPACE.decode([0.5])


def test_dict_round_trip() -> None:
    assert HyperparameterSpace.from_dict(SPACE.to_dict()) == SPACE
