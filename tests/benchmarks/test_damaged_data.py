"""Damaged benchmark files raise a BenchmarkDataError naming the file, the problem and the
source; tiny corrupted copies of the real files are made in tmp_path."""

from __future__ import annotations

import gzip
import os
import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lso_sampler.benchmarks import BenchmarkDataError, ENASDataset, NASBench201, NASBenchGraph, nasbench_graph

_ENV = os.environ.get("LSO_SAMPLER_DATA")
#: The real data, as an absolute path (the links made below point at it from tmp_path).
REAL = Path(_ENV).resolve() if _ENV else Path("LSO_SAMPLER_DATA-not-set")
# skip without the data, except under CI=true, where the tests then fail (as tests/conftest.py)
needs_data = pytest.mark.skipif(
    not (REAL / "nasbench201").is_dir() and os.environ.get("CI", "").lower() != "true",
    reason="needs $LSO_SAMPLER_DATA",
)
HP200 = "nasbench201/nb201_hp200.csv.gz"
LATENCY = "nasbench201_latency/nb201_latency_help.csv.gz"


def put(root: Path, relative: str, data: bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def link(root: Path, relative: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(REAL / relative)


def small_table(relative: str, rows: int = 3) -> pd.DataFrame:
    """The first ``rows`` rows of a real table."""
    return pd.read_csv(REAL / relative, nrows=rows)


def gz_csv(frame: pd.DataFrame) -> bytes:
    return gzip.compress(frame.to_csv(index=False).encode())


@needs_data
def test_truncated_gzip_names_the_file_and_the_source(tmp_path: Path) -> None:
    path = put(tmp_path, HP200, (REAL / HP200).read_bytes()[:2000])
    with pytest.raises(
        BenchmarkDataError, match=rf"damaged benchmark file '{re.escape(str(path))}'.*EOFError.*NAS-Bench-201"
    ):
        NASBench201(data_dir=tmp_path)


def test_a_file_that_is_not_gzip(tmp_path: Path) -> None:
    put(tmp_path, HP200, b"arch_index,arch_str\n0,x\n")  # plain text under a .gz name
    with pytest.raises(BenchmarkDataError, match=r"nb201_hp200\.csv\.gz.*cannot be read.*BadGzipFile"):
        NASBench201(data_dir=tmp_path)


@needs_data
def test_a_missing_column(tmp_path: Path) -> None:
    put(tmp_path, HP200, gz_csv(small_table(HP200).drop(columns=["c10_test_acc"])))
    with pytest.raises(BenchmarkDataError, match=r"nb201_hp200\.csv\.gz.*no column 'c10_test_acc'"):
        NASBench201(data_dir=tmp_path)


@needs_data
def test_a_nan_value_names_the_column_and_row(tmp_path: Path) -> None:
    frame = small_table(HP200)
    frame.loc[1, "c10v_valid_acc"] = np.nan
    put(tmp_path, HP200, gz_csv(frame))
    message = r"nb201_hp200\.csv\.gz.*'c10v_valid_acc' holds nan.*row 1 \(arch_index 1, line 3 of the CSV\)"
    with pytest.raises(BenchmarkDataError, match=message):
        NASBench201(data_dir=tmp_path)


@needs_data
def test_a_short_table(tmp_path: Path) -> None:
    put(tmp_path, HP200, gz_csv(small_table(HP200)))
    with pytest.raises(BenchmarkDataError, match=r"nb201_hp200\.csv\.gz.*expected 15,625 rows.*found 3"):
        NASBench201(data_dir=tmp_path)


@needs_data
def test_a_nan_latency(tmp_path: Path) -> None:
    link(tmp_path, HP200)
    frame = small_table(LATENCY)
    frame.loc[2, "pixel3_ms"] = np.nan
    put(tmp_path, LATENCY, gz_csv(frame))
    with pytest.raises(BenchmarkDataError, match=r"nb201_latency_help\.csv\.gz.*'pixel3_ms' holds nan.*row 2.*HELP"):
        NASBench201(data_dir=tmp_path, devices=["pixel3"])


@needs_data
def test_one_device_as_a_string() -> None:
    bench = NASBench201(data_dir=REAL, devices="pixel3")
    assert bench.devices == ("pixel3",)
    assert bench.latency(bench.space.sample(0), "pixel3") > 0
    with pytest.raises(ValueError, match="devices: unknown device 'pixel9'"):
        NASBench201(data_dir=REAL, devices="pixel9")
    with pytest.raises(TypeError, match="devices: must be a device name, a list of them, 'all' or None, got 3"):
        NASBench201(data_dir=REAL, devices=3)


@needs_data
def test_enas_truncated_line(tmp_path: Path) -> None:
    lines = (REAL / "enas_dvae/final_structures6.txt").read_text().splitlines(keepends=True)[:3]
    path = put(tmp_path, "enas_dvae/final_structures6.txt", "".join(lines).encode()[:-20])
    with pytest.raises(BenchmarkDataError, match=rf"{re.escape(str(path))}.*line 3 is not an \(architecture.*D-VAE"):
        ENASDataset(data_dir=tmp_path, burn_in=0)


@needs_data
def test_enas_nan_accuracy_and_empty_file(tmp_path: Path) -> None:
    (line,) = (REAL / "enas_dvae/final_structures6.txt").read_text().splitlines()[:1]
    arch = line.rsplit(",", 1)[0]
    put(tmp_path, "enas_dvae/final_structures6.txt", f"{line}\n{arch}, 'nan'\n".encode())
    with pytest.raises(BenchmarkDataError, match=r"line 2: the accuracy is 'nan', not a finite number"):
        ENASDataset(data_dir=tmp_path, burn_in=0)
    put(tmp_path, "enas_dvae/final_structures6.txt", f"{line}\n".encode())
    with pytest.raises(BenchmarkDataError, match=r"no architecture after the first 1000 \(burn-in\) lines"):
        ENASDataset(data_dir=tmp_path)
    put(tmp_path, "enas_dvae/final_structures6.txt", b"\xff\xfe\x00garbage")
    with pytest.raises(BenchmarkDataError, match=r"not a text file"):
        ENASDataset(data_dir=tmp_path, burn_in=0)


@pytest.mark.skipif(not (REAL / "yahpo_data/nb301").is_dir(), reason="needs $LSO_SAMPLER_DATA")
def test_nasbench301_damaged_model_and_encoding(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    from lso_sampler.benchmarks import NASBench301

    nb = "yahpo_data/nb301/"
    put(tmp_path, nb + "model_v2.onnx", (REAL / nb / "model_v2.onnx").read_bytes()[:1000])
    put(tmp_path, nb + "encoding_v2.json", (REAL / nb / "encoding_v2.json").read_bytes()[:100])
    with pytest.raises(BenchmarkDataError, match=r"encoding_v2\.json.*not valid JSON.*YAHPO"):
        NASBench301(data_dir=tmp_path)
    (tmp_path / nb / "encoding_v2.json").unlink()
    link(tmp_path, nb + "encoding_v2.json")
    with pytest.raises(BenchmarkDataError, match=r"model_v2\.onnx.*onnxruntime cannot load it.*YAHPO"):
        NASBench301(data_dir=tmp_path)


def test_nasbench_graph_damaged_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    truncated = tmp_path / "cora.bench"
    truncated.write_bytes(nasbench_graph.table_path("cora").read_bytes()[:1000])
    monkeypatch.setattr(nasbench_graph, "table_path", lambda dataset: truncated)
    with pytest.raises(BenchmarkDataError, match=rf"{re.escape(str(truncated))}.*cannot be unpickled.*nas-bench-graph"):
        NASBenchGraph("cora")
    bad = tmp_path / "nan.bench"
    bad.write_bytes(pickle.dumps({7: {"valid_perf": float("nan"), "perf": 0.5, "latency": 1.0, "para": 1.0}}))
    with pytest.raises(BenchmarkDataError, match=r"record 7: valid_perf is nan, not a finite number"):
        nasbench_graph.read_table(bad)
    bad.write_bytes(pickle.dumps({7: {"perf": 0.5}}))
    with pytest.raises(BenchmarkDataError, match=r"record 7 lacks one of the fields"):
        nasbench_graph.read_table(bad)


def test_nasbench_graph_real_table_still_loads() -> None:
    bench = NASBenchGraph("cora")
    assert 0 < bench.query(bench.space.sample(0)).search_value <= 100
