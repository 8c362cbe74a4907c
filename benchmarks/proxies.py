"""Rank correlation of the training-free scores with NAS-Bench-201 CIFAR-10 accuracy.

For ``--cells`` random NAS-Bench-201 cells (distinct, drawn with ``--seed``) this computes,
on this machine's CPU and with data available offline (scikit-learn's digits; CIFAR-10
images are not available here):

* ``ntk_cond`` — NTK condition number on 32 digits images resized to 3x32x32, on the NB201
  skeleton with C = 16 and one cell per stage (N = 1; the benchmark's N = 5 takes ~10 s per
  cell here, N = 1 ~2 s);
* ``linear_regions`` — distinct ReLU patterns of 1,000 digits images shrunk to 1x3x3 on a
  C = 1, N = 1 network (TE-NAS counts regions with tiny inputs and widths, else every
  pattern differs);
* ``synflow`` — on the benchmark's own skeleton (C = 16, N = 5, 3x32x32);
* ``params`` — the parameter count of that skeleton (the usual naive baseline);
* ``tenas_rank`` — TE-NAS's combination: rank by -ntk_cond plus rank by linear_regions.

and Spearman's ρ of each with the cifar10-valid validation accuracy (200 epochs) and the
CIFAR-10 test accuracy. Scores are appended to ``scores.csv`` cell by cell (a stopped run
resumes); ``summary.md`` is rewritten at the end.

    LSO_SAMPLER_DATA=../shared/benchmarks python benchmarks/proxies.py --cells 1000

Every network is initialised with ``torch.manual_seed(seed + NB201 index)``, so a cell's
scores do not depend on the order or on which process computed them.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy.stats import kendalltau, rankdata, spearmanr

from lso_sampler.benchmarks import NASBench201
from lso_sampler.objectives.data import digits
from lso_sampler.objectives.proxies import linear_region_count, ntk_condition_number, synflow

FIELDS = ["index", "arch_str", "valid_acc", "test_acc", "params", "ntk_cond", "linear_regions", "synflow", "seconds"]

#: Published values for the same proxies, with where they come from (see benchmarks/README.md).
PUBLISHED = {
    "synflow": "0.74 (Abdelfattah et al., ICLR 2021: all 15,625 cells, CIFAR-10; not re-checked here)",
    "ntk_cond": "Kendall τ ≈ -0.42 on CIFAR-100 (TE-NAS, Chen et al., ICLR 2021, Fig. 1; not re-checked here)",
    "linear_regions": "Kendall τ ≈ 0.5 on CIFAR-100 (TE-NAS, Fig. 1; not re-checked here)",
}


def score(index: int, bench: NASBench201, data: dict[str, torch.Tensor], seed: int) -> dict[str, object]:
    space = bench.space
    cell = space.from_index(index)
    start = time.perf_counter()
    torch.manual_seed(seed + index)
    full = space.to_module(cell)  # C = 16, N = 5: the benchmark's network
    params = sum(p.numel() for p in full.parameters())
    sf = synflow(full, (3, 32, 32))
    torch.manual_seed(seed + index)
    ntk = ntk_condition_number(space.to_module(cell, channels=16, cells_per_stage=1), data["ntk"])
    torch.manual_seed(seed + index)
    lr = linear_region_count(space.to_module(cell, channels=1, cells_per_stage=1, in_channels=1), data["lr"])
    result = bench.query(cell)
    return {
        "index": index,
        "arch_str": result.info["arch_str"],
        "valid_acc": result.search_value,
        "test_acc": result.reported_value,
        "params": params,
        "ntk_cond": ntk,
        "linear_regions": lr,
        "synflow": sf,
        "seconds": round(time.perf_counter() - start, 3),
    }


def inputs(seed: int) -> dict[str, torch.Tensor]:
    big = digits(image_size=32, channels=3, fractions=(1.0, 0.0, 0.0), seed=seed)["train"].x
    small = digits(image_size=3, channels=1, fractions=(1.0, 0.0, 0.0), seed=seed)["train"].x
    return {"ntk": big[:32], "lr": small[:1000]}


def summarise(rows: list[dict[str, str]], out: Path, command: str) -> str:
    valid = np.array([float(r["valid_acc"]) for r in rows])
    test = np.array([float(r["test_acc"]) for r in rows])
    cols = {k: np.array([float(r[k]) for r in rows]) for k in ("ntk_cond", "linear_regions", "synflow", "params")}
    finite = np.isfinite(cols["ntk_cond"])
    n_inf = int((~finite).sum())
    # a singular NTK (condition number inf) ranks worst
    cols["ntk_cond"] = np.where(finite, cols["ntk_cond"], cols["ntk_cond"][finite].max() * 10)
    cols["tenas_rank"] = rankdata(-cols["ntk_cond"]) + rankdata(cols["linear_regions"])
    secs = np.array([float(r["seconds"]) for r in rows])
    lines = [
        f"# Training-free scores vs NAS-Bench-201 CIFAR-10 accuracy ({len(rows)} random cells)",
        "",
        f"Command: `{command}`",
        "",
        "Inputs: scikit-learn digits (CIFAR-10 images are not available offline); accuracies:",
        "NAS-Bench-201 200-epoch cifar10-valid validation and CIFAR-10 test. "
        f"Median {np.median(secs):.2f} s per cell for all three scores on 1 CPU thread.",
        "",
        "| score | better | Spearman ρ (valid) | Spearman ρ (test) | Kendall τ (test) | published |",
        "|---|---|---|---|---|---|",
    ]
    better = {
        "ntk_cond": "lower",
        "linear_regions": "higher",
        "synflow": "higher",
        "params": "higher",
        "tenas_rank": "higher",
    }
    for name, v in cols.items():
        rv = spearmanr(v, valid).statistic
        rt = spearmanr(v, test).statistic
        kt = kendalltau(v, test).statistic
        lines.append(f"| {name} | {better[name]} | {rv:+.3f} | {rt:+.3f} | {kt:+.3f} | {PUBLISHED.get(name, '–')} |")
    lines += ["", f"{n_inf} cells have a singular NTK (condition number inf, ranked worst)."]
    text = "\n".join(lines) + "\n"
    (out / "summary.md").write_text(text)
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cells", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/proxies"))
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--summary-only", action="store_true", help="rewrite summary.md from scores.csv")
    args = ap.parse_args(argv)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    bench = NASBench201("cifar10", data_dir=args.data_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "scores.csv"
    done: dict[int, dict[str, str]] = {}
    if path.exists():
        with path.open() as f:
            done = {int(r["index"]): r for r in csv.DictReader(f)}
    order = np.random.default_rng(args.seed).permutation(15625)[: args.cells]
    if not args.summary_only:
        data = inputs(args.seed)
        new = not path.exists()
        with path.open("a", newline="") as f:
            w = csv.DictWriter(f, FIELDS)
            if new:
                w.writeheader()
            for n, i in enumerate(order, 1):
                if int(i) in done:
                    continue
                row = score(int(i), bench, data, args.seed)
                w.writerow(row)
                f.flush()
                done[int(i)] = {k: str(v) for k, v in row.items()}
                if n % 50 == 0:
                    print(f"{n}/{len(order)} cells", file=sys.stderr, flush=True)
    rows = [done[int(i)] for i in order if int(i) in done]
    command = "LSO_SAMPLER_DATA=../shared/benchmarks python benchmarks/proxies.py " + " ".join(
        a for a in (argv if argv is not None else sys.argv[1:]) if a != "--summary-only"
    )
    print(summarise(rows, args.out, command.strip()))
    return 0 if rows and all(math.isfinite(float(r["synflow"])) for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
