from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest

from lso_sampler.benchmarks import ENASDataset


@pytest.mark.slow
def test_dvae_conventions(data_dir: Path) -> None:
    data = ENASDataset(data_dir=data_dir)
    assert len(data) == 19020
    assert len(data.train) == 17118 and len(data.test) == 1902
    assert set(data.train_indices).isdisjoint(data.test_indices)
    lines = (data_dir / "enas_dvae/final_structures6.txt").read_text().splitlines()
    # file order after the burn-in of 1,000 lines
    arch, acc = ast.literal_eval(lines[1000])
    assert data.space.to_dvae(data.cells[0]) == arch and data.accuracies[0] == acc
    # D-VAE shuffles its list of 19,020 graphs with random.Random(0)
    rows = [ast.literal_eval(line) for line in lines[1000:]]
    random.Random(0).shuffle(rows)
    cell, acc = data.train[0]
    assert data.space.to_dvae(cell) == rows[0][0] and acc == rows[0][1]
    cell, acc = data.test[-1]
    assert data.space.to_dvae(cell) == rows[-1][0] and acc == rows[-1][1]
    assert 0.70 < data.accuracies.min() < data.accuracies.max() < 0.76
