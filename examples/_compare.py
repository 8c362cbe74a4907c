"""What the two search-on-your-data examples share: the samplers and the comparison loop."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import optuna

from lso_sampler import AGNetSampler


def arguments(description: str, trials: int, seeds: int, epochs: int, argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--trials", type=int, default=trials, help=f"trials per run ({trials})")
    ap.add_argument("--seeds", type=int, default=seeds, help=f"runs per sampler ({seeds})")
    ap.add_argument("--epochs", type=int, default=epochs, help=f"training epochs per cell ({epochs})")
    ap.add_argument("--samplers", default="agnet,tpe,random", help="comma-separated: agnet, tpe, random")
    args = ap.parse_args(argv)
    if args.trials < 1 or args.seeds < 1 or args.epochs < 1:
        raise SystemExit("--trials, --seeds, --epochs: must be at least 1")
    return args


def make_sampler(name: str, space: Any, seed: int) -> optuna.samplers.BaseSampler:
    if name == "agnet":
        return AGNetSampler(space, seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise SystemExit(f"--samplers: unknown sampler {name!r}; choose from agnet, tpe, random")


def compare(
    space: Any,
    objective: Callable[[optuna.Trial], float],
    args: argparse.Namespace,
    describe: Callable[[Any], str],
    warmup_steps: int,
) -> dict[str, list[dict[str, Any]]]:
    """Run every sampler ``args.seeds`` times, print each run and the comparison."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    results: dict[str, list[dict[str, Any]]] = {}
    for name in [s.strip() for s in args.samplers.split(",") if s.strip()]:
        for seed in range(args.seeds):
            study = optuna.create_study(
                direction="maximize",
                sampler=make_sampler(name, space, seed),
                pruner=optuna.pruners.MedianPruner(n_startup_trials=8, n_warmup_steps=warmup_steps),
            )
            start = time.perf_counter()
            study.optimize(objective, n_trials=args.trials)
            best = study.best_trial
            run = {
                "valid": best.value,
                "test": best.user_attrs.get("test_accuracy"),
                "cell": describe(space.from_params(best.params)),
                "pruned": sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials),
                "seconds": time.perf_counter() - start,
            }
            results.setdefault(name, []).append(run)
            print(
                f"{name:>6} seed {seed}: best valid {run['valid']:.4f}  test {run['test']:.4f}  "
                f"pruned {run['pruned']}/{args.trials}  {run['seconds']:.0f} s  {run['cell']}"
            )
    print("\nComparison (mean over seeds; test accuracy of each run's best-by-validation cell):")
    print(f"{'sampler':>8} {'best valid':>11} {'its test':>9} {'pruned':>7} {'seconds':>8}")
    for name, runs in results.items():
        mean = {k: statistics.mean(r[k] for r in runs) for k in ("valid", "test", "pruned", "seconds")}
        print(f"{name:>8} {mean['valid']:>11.4f} {mean['test']:>9.4f} {mean['pruned']:>7.1f} {mean['seconds']:>8.0f}")
    overall = max((r for runs in results.values() for r in runs), key=lambda r: r["valid"])
    print(f"\nBest cell overall: {overall['cell']}  (valid {overall['valid']:.4f}, test {overall['test']:.4f})")
    return results
