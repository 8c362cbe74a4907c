"""Parameters searched beside the cell (learning rate, width, epochs, ...), encoded for models.

A :class:`HyperparameterSpace` lists the non-cell parameters of a study or a Ray Tune
``param_space``. It encodes a set of values as a vector in ``[0, 1]^dim`` (a float or int
parameter: one coordinate, on a log scale when the parameter is log-scaled; a categorical
one: a one-hot block), decodes any vector back to valid values (clipped, rounded to the
step, the largest coordinate of a one-hot block), draws random values, and perturbs
encodings. The model-based strategies feed the encoding to their predictors beside the
cell, and optimise it together with the cell (:class:`~lso_sampler.strategies.ModelBasedStrategy`).
No Optuna or Ray in here: the adapters translate their distributions into
:class:`Hyperparameter` entries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["KINDS", "Hyperparameter", "HyperparameterSpace"]

#: The kinds of parameter a :class:`Hyperparameter` can be.
KINDS = ("float", "int", "categorical")


@dataclass(frozen=True)
class Hyperparameter:
    """One parameter searched beside the cell.

    Attributes:
        name: The parameter's name (as the objective suggests it).
        kind: ``"float"``, ``"int"`` or ``"categorical"``.
        low: Smallest value (float and int).
        high: Largest value (float and int).
        log: Whether the range is searched on a log scale (float and int; ``low > 0``).
        step: Step between values (``None`` for a continuous float; ints default to 1).
        choices: The values of a categorical parameter (any values, compared by ``==``).

    Raises:
        ValueError: naming the parameter, for an unknown kind, ``low > high``, a log scale
            with ``low <= 0``, a step that is not positive, or a categorical without choices.

    Example:
        >>> Hyperparameter("lr", "float", 1e-4, 1e-1, log=True).encode(1e-2)
        [0.666...]
    """

    name: str
    kind: str
    low: float = 0.0
    high: float = 1.0
    log: bool = False
    step: float | None = None
    choices: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "categorical":
            if not self.choices:
                raise ValueError(f"{self.name}: a categorical parameter needs at least one choice")
            return
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ValueError(f"{self.name}: needs finite low <= high, got low={self.low!r}, high={self.high!r}")
        if self.log and self.low <= 0:
            raise ValueError(f"{self.name}: a log-scaled range needs low > 0, got low={self.low!r}")
        if self.step is not None and not self.step > 0:
            raise ValueError(f"{self.name}: step must be positive, got {self.step!r}")

    @property
    def dim(self) -> int:
        """Coordinates of the encoding: one per choice of a categorical, else one."""
        return len(self.choices) if self.kind == "categorical" else 1

    @property
    def grid(self) -> float | None:
        """The step between a number's values (an int's default step is 1; ``None`` for a
        continuous float)."""
        return self.step if self.step is not None else (1 if self.kind == "int" else None)

    def _scale(self, value: float) -> float:
        return math.log(value) if self.log else float(value)

    def encode(self, value: Any) -> list[float]:
        """``value`` as :attr:`dim` coordinates in ``[0, 1]`` (an unknown categorical value:
        every choice ``1 / dim``; a number outside the range is clipped)."""
        if self.kind == "categorical":
            for i, c in enumerate(self.choices):
                if _same(c, value):
                    return [1.0 if j == i else 0.0 for j in range(self.dim)]
            return [1.0 / self.dim] * self.dim
        lo, hi = self._scale(self.low), self._scale(self.high)
        if hi == lo:
            return [0.5]
        v = float(value)
        if self.log:
            v = max(v, self.low)
        return [min(1.0, max(0.0, (self._scale(v) - lo) / (hi - lo)))]

    def decode(self, coords: Sequence[float]) -> Any:
        """The valid value nearest to ``coords`` (:attr:`dim` numbers; out-of-range ones are
        clipped): a categorical's largest coordinate, a number rounded to its step."""
        if self.kind == "categorical":
            return self.choices[int(np.argmax(np.asarray(coords, dtype=float)))]
        u = min(1.0, max(0.0, float(coords[0]))) if math.isfinite(float(coords[0])) else 0.5
        lo, hi = self._scale(self.low), self._scale(self.high)
        x = lo + u * (hi - lo)
        v = math.exp(x) if self.log else x
        step = self.grid
        if step is not None:
            v = self.low + round((v - self.low) / step) * step
            while v > self.high + 1e-12:
                v -= step
        v = min(self.high, max(self.low, v))
        return int(round(v)) if self.kind == "int" else float(v)


def _same(a: Any, b: Any) -> bool:
    """``a == b`` for two values of the same kind (numbers count as one kind), never raising;
    NaN equals NaN."""
    if not (type(a) is type(b) or (_numeric(a) and _numeric(b))):
        return False
    try:
        if _numeric(a) and math.isnan(float(a)) and math.isnan(float(b)):
            return True
        return bool(a == b)
    except Exception:
        return False


def _numeric(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


class HyperparameterSpace:
    """The parameters searched beside the cell, as one encoding in ``[0, 1]^dim``.

    Args:
        params: The parameters, in the order of their encoding blocks.

    Raises:
        ValueError: if two parameters share a name.

    Example:
        >>> hp = HyperparameterSpace([
        ...     Hyperparameter("lr", "float", 1e-4, 1e-1, log=True),
        ...     Hyperparameter("epochs", "categorical", choices=(12, 200)),
        ... ])
        >>> hp.dim
        3
        >>> hp.decode(hp.encode({"lr": 1e-2, "epochs": 200}))
        {'lr': 0.01..., 'epochs': 200}
    """

    def __init__(self, params: Sequence[Hyperparameter]) -> None:
        names = [p.name for p in params]
        if len(set(names)) != len(names):
            raise ValueError(f"params: duplicate names in {names}")
        self.params: tuple[Hyperparameter, ...] = tuple(params)
        self._offsets = np.cumsum([0] + [p.dim for p in self.params])

    @property
    def names(self) -> list[str]:
        """The parameters' names."""
        return [p.name for p in self.params]

    @property
    def dim(self) -> int:
        """Length of an encoding."""
        return int(self._offsets[-1])

    def __len__(self) -> int:
        return len(self.params)

    def __bool__(self) -> bool:
        return bool(self.params)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HyperparameterSpace) and self.params == other.params

    def __hash__(self) -> int:
        return hash(self.params)

    def __repr__(self) -> str:
        return f"HyperparameterSpace({list(self.params)!r})"

    def encode(self, values: Mapping[str, Any]) -> np.ndarray:
        """``values`` (name -> value) as a vector ``[dim]`` in ``[0, 1]``; a parameter
        missing from ``values`` is encoded as the middle of its range (every choice of a
        categorical equally)."""
        out: list[float] = []
        for p in self.params:
            if p.name in values:
                out += p.encode(values[p.name])
            else:
                out += [1.0 / p.dim] * p.dim if p.kind == "categorical" else [0.5]
        return np.asarray(out, dtype=np.float64)

    def encode_many(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """:meth:`encode` of every row, ``[len(rows), dim]``."""
        if not rows:
            return np.zeros((0, self.dim))
        return np.stack([self.encode(r) for r in rows])

    def decode(self, vector: Sequence[float] | np.ndarray) -> dict[str, Any]:
        """The valid values nearest to ``vector`` (``[dim]``), name -> value."""
        v = np.asarray(vector, dtype=float)
        if v.shape != (self.dim,):
            raise ValueError(f"vector: expected shape ({self.dim},), got {v.shape}")
        return {p.name: p.decode(v[a:b]) for p, a, b in zip(self.params, self._offsets[:-1], self._offsets[1:])}

    def snap(self, vectors: np.ndarray) -> np.ndarray:
        """Each row of ``vectors`` ``[n, dim]`` replaced by the encoding of its decoded
        values (so that a model scores what would be evaluated)."""
        return self.encode_many([self.decode(row) for row in np.atleast_2d(vectors)])

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` random encodings ``[n, dim]`` of valid values: uniform (on the log scale
        for log parameters) for numbers, a uniform choice for categoricals."""
        raw = rng.random((n, self.dim))
        for p, a in zip(self.params, self._offsets[:-1]):
            step = p.grid
            if p.kind != "categorical" and step is not None and not p.log and p.high > p.low:
                k = int(math.floor((p.high - p.low) / step + 1e-9)) + 1  # the values, equally likely
                raw[:, a] = rng.integers(k, size=n) * step / (p.high - p.low)
        return self.snap(raw) if n else np.zeros((0, self.dim))

    def perturb(self, vectors: np.ndarray, rng: np.random.Generator, scale: float = 0.1) -> np.ndarray:
        """Local moves around ``vectors`` ``[n, dim]``: numbers moved by ``N(0, scale²)``
        in the encoding, each categorical re-drawn with probability ``scale``; snapped to
        valid values."""
        v = np.array(np.atleast_2d(vectors), dtype=float)
        for p, a, b in zip(self.params, self._offsets[:-1], self._offsets[1:]):
            if p.kind == "categorical":
                redraw = rng.random(len(v)) < scale
                pick = rng.integers(p.dim, size=len(v))
                block = np.zeros((len(v), p.dim))
                block[np.arange(len(v)), pick] = 1.0
                v[redraw, a:b] = block[redraw]
            else:
                v[:, a] = v[:, a] + scale * rng.standard_normal(len(v))
        return self.snap(np.clip(v, 0.0, 1.0))

    def to_dict(self) -> list[dict[str, Any]]:
        """A JSON-friendly form (categorical choices must be JSON values themselves)."""
        return [
            {
                "name": p.name,
                "kind": p.kind,
                "low": p.low,
                "high": p.high,
                "log": p.log,
                "step": p.step,
                "choices": list(p.choices),
            }
            for p in self.params
        ]

    @classmethod
    def from_dict(cls, rows: Sequence[Mapping[str, Any]]) -> HyperparameterSpace:
        """The inverse of :meth:`to_dict`."""
        return cls([Hyperparameter(**{**r, "choices": tuple(r.get("choices", ()))}) for r in rows])
