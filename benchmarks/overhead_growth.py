"""Sampler time per trial as a study grows (one process, in-memory storage).

    python benchmarks/overhead_growth.py --trials 5000 --sampler evolution

Prints the median time of ``study.ask()`` + ``space.suggest(trial)`` over windows of 50
trials ending at 100, 1000, ... trials, on NAS-Bench-201 cells with a synthetic objective
(no data needed); results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import optuna


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5000)
    parser.add_argument("--sampler", default="evolution")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from lso_sampler.integrations.optuna import make_sampler
    from lso_sampler.spaces import NASBench201Space

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")
    space = NASBench201Space()
    study = optuna.create_study(direction="maximize", sampler=make_sampler(args.sampler, space, seed=args.seed))
    times = []
    for _ in range(args.trials):
        t0 = time.perf_counter()
        trial = study.ask()
        cell = space.suggest(trial)
        times.append(time.perf_counter() - t0)
        study.tell(trial, cell.ops.count("nor_conv_3x3") + 0.1 * cell.ops.count("skip_connect"))
    marks = [m for m in (100, 1000, 2000, 5000, 10000) if m <= args.trials]
    print(f"{args.sampler}: median s per trial over the 50 trials before")
    for m in marks:
        print(f"  trial {m}: {np.median(times[m - 50 : m]) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
