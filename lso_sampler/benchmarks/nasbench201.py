"""NAS-Bench-201 from the compact CSV tables (all 15,625 cells)."""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lso_sampler.benchmarks.base import (
    Benchmark,
    Optimum,
    QueryResult,
    damaged_file,
    data_file,
    resolve_data_dir,
)
from lso_sampler.cell import Cell
from lso_sampler.spaces.nasbench201 import NASBench201Space

__all__ = ["NASBench201", "NASBench201Latency", "LATENCY_DEVICES"]

_SOURCE = (
    "NAS-Bench-201 (Dong & Yang 2020; https://github.com/D-X-Y/NAS-Bench-201), as the compact "
    "tables described in the data folder's nasbench201/README.md"
)
_LATENCY_SOURCE = "HELP (https://github.com/HayeonLee/HELP, data/nasbench201/latency) and HW-NAS-Bench"

#: dataset -> (file, search column, report column). Percentages.
_COLUMNS = {
    "cifar10": ("nb201_hp200.csv.gz", "c10v_valid_acc", "c10_test_acc"),
    "cifar100": ("nb201_hp12.csv.gz", "c100_valid_acc_hp12", "c100_test_acc"),
    "imagenet16": ("nb201_hp12.csv.gz", "in16_valid_acc_hp12", "in16_test_acc"),
}

LATENCY_DEVICES = (
    "1080ti_1", "1080ti_32", "1080ti_256", "2080ti_1", "2080ti_32", "2080ti_256",
    "titanx_1", "titanx_32", "titanx_256", "titanxp_1", "titanxp_32", "titanxp_256",
    "titan_rtx_1", "titan_rtx_32", "titan_rtx_256", "gold_6226", "gold_6240", "silver_4114",
    "silver_4210r", "pixel2", "pixel3", "samsung_a50", "samsung_s7", "essential_ph_1",
    "eyeriss", "fpga", "raspi4",
)  # fmt: skip


#: What reading a damaged gzipped CSV file raises (``BadGzipFile`` is an ``OSError``;
#: pandas' ``ParserError`` and ``EmptyDataError`` and ``UnicodeDecodeError`` are ``ValueError``).
_READ_ERRORS = (EOFError, OSError, zlib.error, ValueError)
_ROWS = 15625


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value (for messages: ``nan``, not ``np.float64(nan)``)."""
    return value.item() if isinstance(value, np.generic) else value


def _read_table(root: Path, relative: str, source: str, columns: Sequence[str]) -> pd.DataFrame:
    """The NAS-Bench-201 table ``root / relative``, checked: readable, with ``arch_index``,
    ``arch_str`` and ``columns``, 15,625 rows in index order, and ``columns`` numeric with
    no NaN or infinite value.

    Raises:
        BenchmarkDataError: naming the file, what is wrong (and where: column, row) and
            ``source``, when the file is missing or any of this does not hold.
    """
    path = data_file(root, relative, source)
    try:
        frame = pd.read_csv(path)
    except _READ_ERRORS as err:
        raise damaged_file(
            path,
            f"it cannot be read as a gzipped CSV table (truncated or corrupt? {type(err).__name__}: {err})",
            source,
        ) from err
    missing = [c for c in ("arch_index", "arch_str", *columns) if c not in frame.columns]
    if missing:
        raise damaged_file(path, f"it has no column {missing[0]!r} (its columns: {list(frame.columns)})", source)
    for col in columns:
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            i = int(bad[0])
            raw, arch = (_plain(frame[c].iloc[i]) for c in (col, "arch_index"))
            more = f"; {len(bad) - 1} more rows too" if len(bad) > 1 else ""
            raise damaged_file(
                path,
                f"column {col!r} holds {raw!r} (not a finite number) in row {i} "
                f"(arch_index {arch!r}, line {i + 2} of the CSV){more}",
                source,
            )
    index = pd.to_numeric(frame["arch_index"], errors="coerce").to_numpy(float)
    if len(frame) != _ROWS or not (index == np.arange(_ROWS)).all():
        raise damaged_file(
            path,
            f"expected {_ROWS:,} rows in NAS-Bench-201 index order (arch_index 0..{_ROWS - 1}), found {len(frame):,}",
            source,
        )
    return frame


class NASBench201(Benchmark):
    """NAS-Bench-201 on CIFAR-10, CIFAR-100 or ImageNet16-120.

    * ``cifar10``: search on the ``cifar10-valid`` validation accuracy (200 epochs), report
      the CIFAR-10 test accuracy of the model trained on train+valid, as AG-Net does
      (optimum 91.61 -> 94.37).
    * ``cifar100`` / ``imagenet16``: search on the **12-epoch** validation accuracy and
      report the 200-epoch test accuracy: the 200-epoch validation numbers of these data
      sets are not in the available tables.

    ``info`` holds ``train_time_s`` (cifar10-valid training time of the 200-epoch run, as
    the cost), the 200-epoch cifar10-valid test accuracy, and ``latency_<device>_ms`` for
    each device in ``devices``.

    Args:
        dataset: ``"cifar10"``, ``"cifar100"`` or ``"imagenet16"``.
        data_dir: Folder holding ``nasbench201/`` (and ``nasbench201_latency/`` if
            ``devices`` is given); default ``$LSO_SAMPLER_DATA``.
        devices: Latency devices to include (see ``LATENCY_DEVICES``): a list of names,
            one name, ``"all"`` or None.

    Raises:
        BenchmarkDataError: if a data file is missing or damaged (unreadable, truncated, a
            column missing, a NaN value); the message names the file and the cell.

    Example:
        >>> bench = NASBench201("cifar10")  # doctest: +SKIP
        >>> bench.optimum.reported_value  # doctest: +SKIP
        94.37333333333333
    """

    def __init__(
        self,
        dataset: str = "cifar10",
        data_dir: str | os.PathLike[str] | None = None,
        devices: str | list[str] | tuple[str, ...] | None = None,
    ) -> None:
        super().__init__()
        if dataset not in _COLUMNS:
            raise ValueError(f"dataset: must be one of {list(_COLUMNS)}, got {dataset!r}")
        if isinstance(devices, str):
            devices = LATENCY_DEVICES if devices == "all" else (devices,)  # one device by name
        elif devices is None:
            devices = ()
        else:
            try:
                devices = tuple(devices)
            except TypeError:
                raise TypeError(
                    f"devices: must be a device name, a list of them, 'all' or None, got {devices!r}"
                ) from None
        for d in devices:
            if d not in LATENCY_DEVICES:
                raise ValueError(f"devices: unknown device {d!r}; choose from {list(LATENCY_DEVICES)}")
        self.dataset = dataset
        self.devices = devices
        self.name = f"nasbench201:{dataset}"
        self.space = NASBench201Space()
        root = resolve_data_dir(data_dir)
        fname, search_col, report_col = _COLUMNS[dataset]
        used = [report_col, "c10v_train_time_total_s", "c10v_test_acc"]
        if fname == "nb201_hp200.csv.gz":
            used.insert(0, search_col)
        hp200 = _read_table(root, "nasbench201/nb201_hp200.csv.gz", _SOURCE, used)
        frame = hp200
        if fname != "nb201_hp200.csv.gz":
            hp12 = _read_table(root, f"nasbench201/{fname}", _SOURCE, [search_col])
            if not (hp12["arch_str"].values == hp200["arch_str"].values).all():
                raise damaged_file(
                    root / "nasbench201" / fname, "its rows are not in the order of nb201_hp200.csv.gz", _SOURCE
                )
            frame = hp200.assign(**{search_col: hp12[search_col].values})
        self._search = frame[search_col].to_numpy(float)
        self._report = frame[report_col].to_numpy(float)
        self._cost = frame["c10v_train_time_total_s"].to_numpy(float)
        self._c10v_test = frame["c10v_test_acc"].to_numpy(float)
        self._arch_str = frame["arch_str"].tolist()
        self._latency: dict[str, np.ndarray] = {}
        if devices:
            lat = _read_table(
                root, "nasbench201_latency/nb201_latency_help.csv.gz", _LATENCY_SOURCE, [f"{d}_ms" for d in devices]
            )
            for d in devices:
                self._latency[d] = lat[f"{d}_ms"].to_numpy(float)

    def _lookup(self, cell: Cell, key: str) -> QueryResult:
        i = self.space.index(cell)
        info: dict[str, Any] = {
            "index": i,
            "arch_str": self._arch_str[i],
            "train_time_s": float(self._cost[i]),
            "c10v_test_acc": float(self._c10v_test[i]),
        }
        for d, values in self._latency.items():
            info[f"latency_{d}_ms"] = float(values[i])
        return QueryResult(cell, key, float(self._search[i]), float(self._report[i]), info)

    def latency(self, cell: Cell, device: str) -> float:
        """Latency in ms of ``cell`` on ``device`` (must be among ``devices``)."""
        if device not in self._latency:
            raise ValueError(f"device: {device!r} was not loaded; pass devices=[{device!r}, ...]")
        return float(self._latency[device][self.space.index(cell)])

    @cached_property
    def optimum(self) -> Optimum:  # type: ignore[override]
        i = int(np.argmax(self._search))
        return Optimum(
            float(self._search[i]),
            float(self._report[i]),
            self.space.from_index(i),
            float(self._report.max()),
        )


class NASBench201Latency(NASBench201):
    """NAS-Bench-201 CIFAR-10 with a device's inference latency as a second objective.

    Accuracy as in :class:`NASBench201` (search on the ``cifar10-valid`` validation
    accuracy, report the test accuracy); :meth:`cost` is the latency in ms of the cell on
    ``device`` with CIFAR-10 inputs (HW-NAS-Bench for ``eyeriss``, ``fpga``, ``pixel3``
    and ``raspi4``; HELP/BRP-NAS for the GPUs, CPUs and phones; see ``LATENCY_DEVICES``).
    ``lso-sampler compare --benchmark nasbench201-latency:<device>`` runs it with a
    latency limit (``--latency-limit``), jointly (two objectives) or both.

    Args:
        device: One of ``LATENCY_DEVICES``.
        data_dir: Folder holding ``nasbench201/`` and ``nasbench201_latency/``.

    Example:
        >>> bench = NASBench201Latency("pixel3")  # doctest: +SKIP
        >>> r = bench.query(bench.space.sample(0))  # doctest: +SKIP
        >>> bench.cost(r) > 0  # doctest: +SKIP
        True
    """

    cost_name = "latency_ms"

    def __init__(self, device: str = "pixel3", data_dir: str | os.PathLike[str] | None = None) -> None:
        if device not in LATENCY_DEVICES:
            raise ValueError(f"device: unknown device {device!r}; choose from {list(LATENCY_DEVICES)}")
        super().__init__("cifar10", data_dir=data_dir, devices=[device])
        self.device = device
        self.name = f"nasbench201-latency:{device}"

    def cost(self, result: QueryResult) -> float:
        return float(result.info[f"latency_{self.device}_ms"])

    def all_points(self) -> tuple[np.ndarray, np.ndarray]:
        return self._search.copy(), self._latency[self.device].copy()

    def constrained_optimum(self, limit: float) -> Optimum:
        lat = self._latency[self.device]
        ok = lat <= limit
        if not ok.any():
            raise ValueError(
                f"latency_limit: no cell of {self.name} has latency <= {limit:g} ms "
                f"(the smallest is {lat.min():.4g} ms)"
            )
        i = int(np.argmax(np.where(ok, self._search, -np.inf)))
        return Optimum(
            float(self._search[i]), float(self._report[i]), self.space.from_index(i), float(self._report[ok].max())
        )
