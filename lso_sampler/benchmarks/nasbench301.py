"""NAS-Bench-301 (DARTS space) through YAHPO Gym's ONNX surrogate, run with onnxruntime."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lso_sampler.benchmarks.base import Benchmark, QueryResult, damaged_file, data_file, resolve_data_dir
from lso_sampler.cell import Cell
from lso_sampler.spaces.darts import NODES, PARTS, DartsSpace

__all__ = ["NASBench301"]

_SOURCE = (
    "YAHPO Gym's nb301 scenario (https://github.com/slds-lmu/yahpo_data, branch v2_final: "
    "nb301/model_v2.onnx and encoding_v2.json), a surrogate of NAS-Bench-301 (Siems et al. 2020)"
)
_PREFIX = "NetworkSelectorDatasetInfo_COLON_darts_COLON_"
#: YAHPO's categorical input order for nb301 (its ``cat_names``).
CAT_NAMES = tuple(
    [f"{_PREFIX}edge_{p}_{i}" for p in PARTS for i in range(14)]
    + [f"{_PREFIX}inputs_node_{p}_{k}" for p in PARTS for k in (3, 4, 5)]
)
TARGETS = ("val_accuracy", "val_cross_entropy", "runtime", "runtime_increase")


def _edge_index(k: int, j: int) -> int:
    """YAHPO/NB301 edge number of the edge from node j into intermediate node k."""
    return sum(range(2, k)) + j


class NASBench301(Benchmark):
    """NAS-Bench-301 surrogate on CIFAR-10: DARTS cells -> validation accuracy (%).

    Runs ``yahpo_data/nb301/model_v2.onnx`` directly with onnxruntime, encoding each cell
    the way ``yahpo_data/nb301/encoding_v2.json`` and YAHPO's config space say (inactive
    edges get ``#na#``). Search and reported value are both the predicted validation
    accuracy at ``epoch`` (default 98, the last); ``info`` holds the predicted
    ``runtime_s`` and ``val_cross_entropy``. The data is the YAHPO **v2** refit, so numbers
    differ slightly from papers that used NAS-Bench-301 v1.0. The optimum is unknown.

    Args:
        data_dir: Folder holding ``yahpo_data/``; default ``$LSO_SAMPLER_DATA``.
        epoch: Training epoch (fidelity) to predict, 1..98.

    Raises:
        BenchmarkDataError: if the model or the encoding file is missing or damaged.

    Example:
        >>> bench = NASBench301()  # doctest: +SKIP
        >>> bench.query(bench.space.sample(0)).search_value  # doctest: +SKIP
        93.1...
    """

    name = "nasbench301"

    def __init__(self, data_dir: str | os.PathLike[str] | None = None, epoch: int = 98) -> None:
        super().__init__()
        if isinstance(epoch, bool) or not isinstance(epoch, int) or not 1 <= epoch <= 98:
            raise ValueError(f"epoch: must be an int in 1..98, got {epoch!r}")
        import onnxruntime as ort

        root = resolve_data_dir(data_dir)
        model = data_file(root, "yahpo_data/nb301/model_v2.onnx", _SOURCE)
        enc = data_file(root, "yahpo_data/nb301/encoding_v2.json", _SOURCE)
        try:
            self.encoding: dict[str, dict[str, int]] = json.loads(enc.read_text())
        except (ValueError, OSError) as err:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise damaged_file(
                enc, f"it is not valid JSON (truncated or corrupt? {type(err).__name__}: {err})", _SOURCE
            ) from None
        if not isinstance(self.encoding, dict):
            raise damaged_file(enc, f"expected a JSON object, found {type(self.encoding).__name__}", _SOURCE)
        missing = [n for n in CAT_NAMES if not isinstance(self.encoding.get(n), dict)]
        if missing:
            raise damaged_file(enc, f"no encoding for {missing[0]!r}; is this the nb301 encoding?", _SOURCE)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(str(model), sess_options=opts)
        except Exception as err:  # onnxruntime's InvalidProtobuf, Fail, ... share no useful base
            raise damaged_file(
                model, f"onnxruntime cannot load it (truncated or corrupt? {type(err).__name__}: {err})", _SOURCE
            ) from None
        self.epoch = epoch
        self.space = DartsSpace()

    # -- YAHPO configuration <-> cell ----------------------------------------------------
    def to_config(self, cell: Cell) -> dict[str, Any]:
        """The YAHPO/NB301 configuration of ``cell`` (active parameters only, no epoch)."""
        config: dict[str, Any] = {}
        for part, pairs in self.space.genotype(cell).items():
            for k in NODES:
                (op_a, i), (op_b, j) = pairs[2 * (k - 2)], pairs[2 * (k - 2) + 1]
                config[f"{_PREFIX}edge_{part}_{_edge_index(k, i)}"] = op_a
                config[f"{_PREFIX}edge_{part}_{_edge_index(k, j)}"] = op_b
                if k > 2:
                    config[f"{_PREFIX}inputs_node_{part}_{k}"] = f"{i}_{j}"
        return config

    def from_config(self, config: Mapping[str, Any]) -> Cell:
        """The cell of a YAHPO/NB301 configuration (``epoch`` is ignored)."""
        genotype = {}
        for part in PARTS:
            pairs = []
            for k in NODES:
                key = f"{_PREFIX}inputs_node_{part}_{k}"
                i, j = (0, 1) if k == 2 else map(int, str(config[key]).split("_"))
                for src in (i, j):
                    pairs.append((config[f"{_PREFIX}edge_{part}_{_edge_index(k, src)}"], src))
            genotype[part] = pairs
        return self.space.from_genotype(genotype)

    def predict(self, configs: Sequence[Mapping[str, Any]], epoch: int | None = None) -> np.ndarray:
        """Raw surrogate outputs ``[n, 4]`` (``TARGETS`` order) for YAHPO configurations."""
        x_cat = np.array([[self.encoding[n][c.get(n, "#na#")] for n in CAT_NAMES] for c in configs], dtype=np.int32)
        x_cont = np.array([[float(c.get("epoch", epoch or self.epoch))] for c in configs], dtype=np.float32)
        inputs = self._session.get_inputs()
        return self._session.run(None, {inputs[0].name: x_cat, inputs[1].name: x_cont})[0]

    def _lookup(self, cell: Cell, key: str) -> QueryResult:
        out = self.predict([self.to_config(cell)])[0]
        acc = 100.0 * float(out[0])
        info = {"val_cross_entropy": float(out[1]), "runtime_s": float(out[2]), "epoch": self.epoch}
        return QueryResult(cell, key, acc, acc, info)
