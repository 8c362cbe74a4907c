"""The package as a whole: a light import, no import cycles."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_loads_no_torch_ray_or_onnxruntime() -> None:
    code = (
        "import sys, lso_sampler\n"
        "lso_sampler.RegularizedEvolutionSampler, lso_sampler.NASBench201Space, lso_sampler.Cell\n"
        "import lso_sampler.benchmarks, lso_sampler.methods, lso_sampler.compare\n"
        "heavy = [m for m in ('torch', 'ray', 'onnxruntime', 'torch_geometric') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_public_names_resolve() -> None:
    import lso_sampler

    for name in lso_sampler.__all__:
        assert getattr(lso_sampler, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        lso_sampler.Nope  # noqa: B018


def test_no_import_cycle() -> None:
    tool = ROOT.parent / "shared" / "tools" / "import_cycles.py"
    if not tool.is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{tool} is missing")
        pytest.skip(f"{tool} is missing (it lives in ../shared/tools)")
    run = subprocess.run(
        [sys.executable, str(tool), str(ROOT / "lso_sampler")], capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 0, run.stdout + run.stderr
