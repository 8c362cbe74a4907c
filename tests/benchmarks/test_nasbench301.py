from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lso_sampler.benchmarks import NASBench301


def test_surrogate_reproduces_the_official_loader(data_dir: Path) -> None:
    """The 55 reference outputs were made by yahpo-gym 1.0.2 with the v2 override."""
    bench = NASBench301(data_dir=data_dir)
    lines = (data_dir / "yahpo_data/nb301_reference.jsonl").read_text().splitlines()
    assert len(lines) == 55
    for line in lines:
        ref = json.loads(line)
        config = ref["config"]
        cell = bench.from_config(config)
        assert bench.space.is_valid(cell)
        active = {k: v for k, v in config.items() if k != "epoch"}
        assert bench.to_config(cell) == active
        out = bench.predict([active], epoch=config["epoch"])[0]
        want = [ref["outputs"][k] for k in ("val_accuracy", "val_cross_entropy", "runtime", "runtime_increase")]
        np.testing.assert_allclose(out, want, rtol=1e-6)
        if config["epoch"] == 98:
            bench.reset()
            rec = bench.query(cell)
            assert rec.search_value == pytest.approx(100 * ref["outputs"]["val_accuracy"], rel=1e-6)
            assert rec.info["runtime_s"] == pytest.approx(ref["outputs"]["runtime"], rel=1e-6)


def test_random_cells_score_in_the_nb301_range(data_dir: Path) -> None:
    bench = NASBench301(data_dir=data_dir)
    rng = np.random.default_rng(0)
    values = [bench.query(bench.space.sample(rng)).search_value for _ in range(50)]
    assert 85 < min(values) and max(values) < 96
    with pytest.raises(NotImplementedError):
        _ = bench.optimum
    with pytest.raises(ValueError, match="epoch"):
        NASBench301(data_dir=data_dir, epoch=0)
