from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lso_sampler.benchmarks import BenchmarkDataError, NASBench201, NASBench301, get_benchmark
from lso_sampler.benchmarks.base import DATA_ENV, resolve_data_dir


def test_no_data_dir_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_ENV, raising=False)
    with pytest.raises(BenchmarkDataError, match=DATA_ENV):
        resolve_data_dir(None)
    with pytest.raises(BenchmarkDataError, match="not a directory"):
        resolve_data_dir("/no/such/folder")


def test_missing_file_names_the_file_and_its_source(tmp_path: Path) -> None:
    (tmp_path / "nasbench201").mkdir()
    with pytest.raises(BenchmarkDataError, match=r"nb201_hp200\.csv\.gz.*NAS-Bench-201"):
        NASBench201("cifar10", data_dir=tmp_path)
    with pytest.raises(BenchmarkDataError, match=r"model_v2\.onnx.*YAHPO"):
        NASBench301(data_dir=tmp_path)


def test_missing_latency_file(tmp_path: Path, data_dir: Path) -> None:
    shutil.copytree(data_dir / "nasbench201", tmp_path / "nasbench201")
    assert NASBench201("cifar10", data_dir=tmp_path).num_queries == 0
    with pytest.raises(BenchmarkDataError, match=r"nb201_latency_help\.csv\.gz.*HELP"):
        NASBench201("cifar10", data_dir=tmp_path, devices=["fpga"])


def test_env_variable_is_used(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv(DATA_ENV, str(data_dir))
    assert get_benchmark("nasbench201:cifar10").name == "nasbench201:cifar10"


def test_unknown_benchmark_name() -> None:
    with pytest.raises(ValueError, match="unknown name 'nasbench999'"):
        get_benchmark("nasbench999")
