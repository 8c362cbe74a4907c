"""AG-Net search on NAS-Bench-Graph (Cora) through Ray Tune, two trials at a time.

Each Tune trial receives one cell's parameters, turns them back into the cell with
``space.from_params(config, strict=False)`` and "trains" it by looking it up in
NAS-Bench-Graph (validation accuracy to search on, test accuracy to report). Replace
``train_cell`` with real training to search on your own data.

    python examples/ray_tune_nas.py --samples 64 --workers 2

The data ships inside the ``nas-bench-graph`` package; Ray Tune comes with the ``ray``
extra (``pip install "lso-sampler[ray]"``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from typing import Any

os.environ.setdefault("RAY_AUTH_MODE", "disabled")

import ray  # noqa: E402
from ray import tune  # noqa: E402

from lso_sampler.benchmarks import NASBenchGraph  # noqa: E402
from lso_sampler.ray_searchers import AGNetSearcher  # noqa: E402

DATASET = "cora"
_BENCH: NASBenchGraph | None = None


def train_cell(config: dict[str, Any]) -> None:
    """The Tune trainable: one cell, one reported result."""
    global _BENCH
    if _BENCH is None:  # once per worker process (actors are reused)
        _BENCH = NASBenchGraph(DATASET)
    cell = _BENCH.space.from_params(config, strict=False)
    record = _BENCH.query(cell)
    tune.report({"valid_acc": record.search_value, "test_acc": record.reported_value})


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=64, help="trials (cells) to run")
    parser.add_argument("--workers", type=int, default=2, help="trials in parallel")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--n-startup-trials",
        "--num-init",  # its former name
        type=int,
        default=16,
        help="random cells before AG-Net's first round",
    )
    parser.add_argument("--storage", default=None, help="Tune results folder (default: a temporary one)")
    args = parser.parse_args(argv)

    space = NASBenchGraph(DATASET).space
    searcher = AGNetSearcher(
        space, metric="valid_acc", mode="max", seed=args.seed, n_startup_trials=args.n_startup_trials
    )
    storage = args.storage or tempfile.mkdtemp(prefix="lso-ray-")
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    try:
        tuner = tune.Tuner(
            train_cell,
            param_space=space.to_tune(),
            tune_config=tune.TuneConfig(
                search_alg=searcher,
                num_samples=args.samples,
                max_concurrent_trials=args.workers,
                reuse_actors=True,
            ),
            run_config=tune.RunConfig(name="agnet-nasbench-graph", storage_path=storage, verbose=0),
        )
        results = tuner.fit()
    finally:
        ray.shutdown()
    best = results.get_best_result("valid_acc", "max")
    cell = space.from_params(best.config, strict=False)
    summary = {
        "trials": len(results),
        "errors": len(results.errors),
        "distinct_cells": len({space.key(space.from_params(r.config, strict=False)) for r in results}),
        "best_valid_acc": best.metrics["valid_acc"],
        "best_test_acc": best.metrics["test_acc"],
        "best_cell": str(cell),
        "results": os.path.join(storage, "agnet-nasbench-graph"),
    }
    for k, v in summary.items():
        print(f"{k}: {v}")
    return summary


if __name__ == "__main__":
    main()
