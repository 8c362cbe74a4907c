"""Joint search of the cell and a hyperparameter with a real cost: NAS-Bench-201 training epochs.

Each trial chooses a NAS-Bench-201 cell and ``epochs`` in {12, 200}; its value is the
cell's CIFAR-10 validation accuracy (``cifar10-valid``, x-valid) after that many epochs,
read from the benchmark's 12- and 200-epoch tables (``nb201_hp12.csv.gz``,
``nb201_hp200.csv.gz``); its cost is the 200-epoch training time of the cell times
``epochs / 200``. Twelve epochs are 16x cheaper and give lower accuracies (the two tables
rank cells alike but not equally), so a sampler that models ``epochs`` learns to choose 200
for its good cells; one that draws it at random spends half its trials on low-fidelity
values.

Every sampler runs as an Optuna user runs it (``study.optimize``, one parameter per
``trial.suggest_*``): TPE and random on the whole space; AG-Net, the graph VAE and convex
LSO with the epochs searched with the cell (``search_hyperparameters=True``, the default)
and again with the epochs left to the independent (random) sampler
(``search_hyperparameters=False``, names ending in ``-random-hp``).

Usage::

    python benchmarks/joint_search.py --data-dir ../shared/benchmarks --seeds 10 --trials 48 \
        --samplers tpe,random,agnet,agnet-random-hp --out benchmarks/results/joint_search_nb201
    python benchmarks/joint_search.py --table benchmarks/results/joint_search_nb201

Writes ``runs.csv`` (one row per trial) into ``--out``; ``--table`` prints the markdown table
of benchmarks/README.md from one or more such folders.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

SAMPLERS = (
    "tpe",
    "random",
    "agnet",
    "agnet-random-hp",
    "graph-vae",
    "graph-vae-random-hp",
    "convex-lso",
    "convex-lso-random-hp",
)
BUDGETS = (16, 24, 32, 48)


def load_tables(data_dir: Path) -> pd.DataFrame:
    """arch_str -> 200- and 12-epoch validation accuracy, 200-epoch test accuracy, cost."""
    hp200 = pd.read_csv(data_dir / "nasbench201" / "nb201_hp200.csv.gz")
    hp12 = pd.read_csv(data_dir / "nasbench201" / "nb201_hp12.csv.gz")
    table = hp200[["arch_str", "c10v_valid_acc", "c10v_test_acc", "c10v_train_time_total_s"]].merge(
        hp12[["arch_str", "c10v_valid_acc_hp12"]], on="arch_str", validate="one_to_one"
    )
    return table.set_index("arch_str")


def make_sampler(name: str, space, seed: int):  # noqa: ANN001, ANN201 - script helper
    import optuna

    from lso_sampler.integrations.optuna import sampler_class

    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    method, joint = (name[: -len("-random-hp")], False) if name.endswith("-random-hp") else (name, True)
    return sampler_class(method)(space, seed=seed, search_hyperparameters=joint)


def run(name: str, seed: int, trials: int, table: pd.DataFrame) -> list[dict]:
    import optuna
    import torch

    from lso_sampler.spaces import NASBench201Space

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    space = NASBench201Space()
    rows: list[dict] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampler = make_sampler(name, space, seed)
        study = optuna.create_study(direction="maximize", sampler=sampler)

        def objective(trial: optuna.Trial) -> float:
            cell = space.suggest(trial)
            epochs = trial.suggest_categorical("epochs", [12, 200])
            rec = table.loc[space.describe(cell)]
            value = float(rec.c10v_valid_acc if epochs == 200 else rec.c10v_valid_acc_hp12)
            rows.append(
                {
                    "sampler": name,
                    "seed": seed,
                    "trial": trial.number,
                    "epochs": epochs,
                    "value": value,
                    "test_200": float(rec.c10v_test_acc),
                    "cost_s": float(rec.c10v_train_time_total_s) * epochs / 200,
                    "key": space.key(cell),
                }
            )
            return value

        t0 = time.perf_counter()
        study.optimize(objective, n_trials=trials)
        elapsed = time.perf_counter() - t0
    for r in rows:
        r["run_seconds"] = elapsed
    return rows


def summarise(df: pd.DataFrame, budgets: tuple[int, ...] = BUDGETS) -> str:
    """Markdown: per sampler, mean ± std over seeds of the best value after each budget, the
    200-epoch test accuracy of the best trial, the share of 200-epoch trials and the cost."""
    lines = [
        "| sampler | " + " | ".join(f"best valid @ {b}" for b in budgets) + " | test (200 ep.) of best @ "
        f"{budgets[-1]} | 200-epoch trials | training hours | seeds |",
        "|---" * (len(budgets) + 5) + "|",
    ]
    order = [s for s in SAMPLERS if s in set(df.sampler)] + sorted(set(df.sampler) - set(SAMPLERS))
    for name in order:
        d = df[df.sampler == name]
        cells = []
        for b in budgets:
            best = d[d.trial < b].groupby("seed").value.max()
            cells.append(f"{best.mean():.2f} ± {best.std(ddof=0):.2f}")
        last = d[d.trial < budgets[-1]]
        idx = last.groupby("seed").value.idxmax()
        test = last.loc[idx, "test_200"]
        share = (last.epochs == 200).mean()
        hours = last.groupby("seed").cost_s.sum().mean() / 3600
        lines.append(
            f"| {name} | " + " | ".join(cells) + f" | {test.mean():.2f} ± {test.std(ddof=0):.2f} | "
            f"{share:.0%} | {hours:.1f} | {d.seed.nunique()} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", type=Path, help="folder holding nasbench201/")
    p.add_argument("--samplers", default=",".join(SAMPLERS))
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--trials", type=int, default=48)
    p.add_argument("--out", type=Path)
    p.add_argument("--table", type=Path, nargs="*", help="print the table of these result folders")
    args = p.parse_args(argv)
    if args.table:
        df = pd.concat([pd.read_csv(f / "runs.csv") for f in args.table], ignore_index=True)
        print(summarise(df))
        return 0
    if args.data_dir is None or args.out is None:
        p.error("--data-dir and --out are needed to run (or --table to print)")
    table = load_tables(args.data_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    for name in args.samplers.split(","):
        if name not in SAMPLERS:
            p.error(f"--samplers: unknown {name!r}; choose from {', '.join(SAMPLERS)}")
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            rows += run(name, seed, args.trials, table)
            pd.DataFrame(rows).to_csv(args.out / "runs.csv", index=False)
            best = max(r["value"] for r in rows if r["sampler"] == name and r["seed"] == seed)
            print(f"{name} seed {seed}: best {best:.2f}", flush=True)
    print(summarise(pd.DataFrame(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
