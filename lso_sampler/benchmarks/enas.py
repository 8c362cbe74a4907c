"""D-VAE's ENAS data set: 6-layer ENAS networks with weight-sharing accuracies."""

from __future__ import annotations

import ast
import math
import os
import random

import numpy as np

from lso_sampler.benchmarks.base import damaged_file, data_file, resolve_data_dir
from lso_sampler.cell import Cell
from lso_sampler.spaces.enas import ENASSpace

__all__ = ["ENASDataset"]

_SOURCE = (
    "D-VAE (https://github.com/muhanzhang/D-VAE, data/final_structures6.txt), the ENAS "
    "6-layer architectures with their weight-sharing CIFAR-10 accuracy"
)


class ENASDataset:
    """Cells and accuracies of ``enas_dvae/final_structures6.txt`` with D-VAE's split.

    As D-VAE's ``load_ENAS_graphs``: the first ``burn_in`` (1,000) lines are skipped, the
    remaining 19,020 architectures are shuffled with ``random.Random(seed)`` (seed 0) and
    the first 90 % are the training split, the rest the test split.

    Attributes:
        cells: Cells in file order (after burn-in).
        accuracies: Their accuracies, fractions in [0, 1].
        train_indices, test_indices: Positions into ``cells`` of the two splits.

    Raises:
        BenchmarkDataError: if the file is missing or damaged (a line that does not parse,
            a NaN accuracy, no architectures); the message names the file and the line.

    Example:
        >>> data = ENASDataset()  # doctest: +SKIP
        >>> len(data), len(data.train), len(data.test)  # doctest: +SKIP
        (19020, 17118, 1902)
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        burn_in: int = 1000,
        seed: int = 0,
        train_fraction: float = 0.9,
    ) -> None:
        if not 0.0 < train_fraction < 1.0:
            raise ValueError(f"train_fraction: must be in (0, 1), got {train_fraction!r}")
        path = data_file(resolve_data_dir(data_dir), "enas_dvae/final_structures6.txt", _SOURCE)
        self.space = ENASSpace()
        cells: list[Cell] = []
        accs: list[float] = []
        try:
            with path.open() as f:
                for lineno, line in enumerate(f):
                    if lineno < burn_in or not line.strip():
                        continue
                    try:
                        arch, acc = ast.literal_eval(line)
                        cell = self.space.from_dvae(arch)
                        value = float(acc)
                    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as err:
                        raise damaged_file(
                            path,
                            f"line {lineno + 1} is not an (architecture, accuracy) pair: {line[:60]!r} "
                            f"({type(err).__name__}: {err}; truncated or corrupt?)",
                            _SOURCE,
                        ) from None
                    if not math.isfinite(value):
                        raise damaged_file(
                            path, f"line {lineno + 1}: the accuracy is {acc!r}, not a finite number", _SOURCE
                        )
                    cells.append(cell)
                    accs.append(value)
        except UnicodeDecodeError as err:
            raise damaged_file(path, f"it is not a text file ({err})", _SOURCE) from None
        if not cells:
            raise damaged_file(path, f"it has no architecture after the first {burn_in} (burn-in) lines", _SOURCE)
        self.cells = cells
        self.accuracies = np.asarray(accs)
        order = list(range(len(cells)))
        random.Random(seed).shuffle(order)  # the same permutation D-VAE applies to its list
        n_train = int(len(order) * train_fraction)
        self.train_indices = order[:n_train]
        self.test_indices = order[n_train:]

    def __len__(self) -> int:
        return len(self.cells)

    @property
    def train(self) -> list[tuple[Cell, float]]:
        """Training split as ``(cell, accuracy)`` pairs, in D-VAE's shuffled order."""
        return [(self.cells[i], float(self.accuracies[i])) for i in self.train_indices]

    @property
    def test(self) -> list[tuple[Cell, float]]:
        """Test split as ``(cell, accuracy)`` pairs."""
        return [(self.cells[i], float(self.accuracies[i])) for i in self.test_indices]
