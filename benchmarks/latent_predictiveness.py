"""How well a graph VAE's latent space predicts a benchmark's values from few evaluated cells.

A latent search needs a latent space in which a predictor fitted on a few dozen results ranks
unseen cells. This script measures that for the shipped VAE of a benchmark's space, or for
weights ``tools/pretrain_vae.py --out DIR`` wrote (``--vae DIR``, any model options), so two
VAEs of one space can be compared before a search runs. Per seed it draws ``--train`` random
cells (their benchmark values known) and scores ``--test`` random cells (the same for every
seed and VAE) by the Spearman rank correlation of these predictions with their values:

* ``ridge on z``: a ridge regression (``RidgeCV``) on the pretrained VAE's posterior means, the
  latent as it comes from pretraining, fitted on ``--train`` and on ``--train-large`` cells;
* ``graph-vae f`` / ``convex-lso f``: the strategy's own model round (its defaults: the VAE
  fine-tuned with fresh predictors on the training cells), ``f`` at each test cell's encoding,
  which is what a round ranks its candidates by;
* ``... f on its training cells``: the same ``f`` at the training cells, against their values
  (how closely the round fitted what it was given);
* ``ridge on op counts`` (a reference that needs no VAE): the same ridge on how often each
  operation occurs in the cell;
* with ``--teacher``: the same ridge on the posterior means mapped linearly onto the top 10
  principal components of the gated-sum VAE's means (``benchmarks.levers.teacher_map``,
  fitted on 5,000 random cells, no values), on those components themselves, and how much of
  them the map recovers (R^2 on the test cells).

``--strategies`` also takes ``convex-lso-random-skip`` (CR-LSO with the ICNN's former random
output skip, ``benchmarks.levers.RandomSkipConvexLSO``) and the teacher-map levers
``graph-vae-teacher`` and ``graph-vae-teacher-pcs`` of ``benchmarks/levers.py`` (``f`` read
through the map).

It also prints how much of the op counts a linear map of the posterior means recovers (R^2 on
the test cells, the map fitted on 1,000 other random cells)::

    PYTHONPATH=. python benchmarks/latent_predictiveness.py --benchmark nasbench301 --data-dir ../shared/benchmarks
    PYTHONPATH=. python benchmarks/latent_predictiveness.py --benchmark nasbench301 --vae DIR \
        --data-dir ../shared/benchmarks

One torch thread; the strategies' model rounds take most of the time.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from scipy.stats import spearmanr
from sklearn.linear_model import Ridge, RidgeCV
from sklearn.metrics import r2_score

from benchmarks.levers import RandomSkipConvexLSO, TeacherMappedGraphVAE, TeacherPCsGraphVAE, teacher_map
from lso_sampler.benchmarks import get_benchmark
from lso_sampler.cell import Cell
from lso_sampler.models.graph_vae import GraphVAEConfig
from lso_sampler.models.pretrain import entry_options, teacher_encoder, vae_pretrained_name
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies import ConvexLSO, GraphVAESearch
from lso_sampler.strategies.base import Observation

ALPHAS = np.logspace(-3, 3, 13)

#: The strategies whose ``f`` is measured, by ``--strategies`` name.
STRATEGIES = {
    "graph-vae": GraphVAESearch,
    "convex-lso": ConvexLSO,
    "convex-lso-random-skip": RandomSkipConvexLSO,
    "graph-vae-teacher": TeacherMappedGraphVAE,
    "graph-vae-teacher-pcs": TeacherPCsGraphVAE,
}


def vae_options(vae: Path | None, space: SearchSpace) -> tuple[str, dict[str, object], int | None]:
    """The encoder, model options and steps of the weights in ``vae`` (a
    ``tools/pretrain_vae.py`` output folder) for ``space``, and point the weight cache at
    that folder; ``None``: the shipped ``dvae`` weights (no options, default steps).

    Raises:
        SystemExit: naming ``--vae`` when the folder has no single entry for ``space``, or
            its weights are not the file the entry's encoder, options and steps name under
            the current recipe (the strategies would pretrain anew instead of loading them).
    """
    if vae is None:
        return "dvae", {}, None
    manifest = vae / "manifest.json"
    if not manifest.is_file():
        raise SystemExit(f"--vae: {vae} has no manifest.json; give a folder tools/pretrain_vae.py --out wrote")
    entries = [e for e in json.loads(manifest.read_text())["weights"] if e["space"] == space.name]
    if len(entries) != 1:
        raise SystemExit(f"--vae: expected one entry for space {space.name!r} in {manifest}, found {len(entries)}")
    (entry,) = entries
    encoder, steps = entry["kind"].removeprefix("gvae-"), int(entry["steps"])
    # the model options the entry records (only departures from D-VAE) are config fields
    options = {k: v for k, v in entry.items() if k in GraphVAEConfig.__dataclass_fields__}
    name = vae_pretrained_name(space, GraphVAEConfig(encoder=encoder, **entry_options(options)), steps)
    if entry["file"] != name or not (vae / name).is_file():
        raise SystemExit(
            f"--vae: {manifest} names {entry['file']!r}, but its encoder, options and steps under the "
            f"current recipe give {name!r} (or the file is missing); pretrain it with tools/pretrain_vae.py"
        )
    os.environ["LSO_SAMPLER_CACHE"] = str(vae)  # where load_or_pretrain_vae finds the file
    return encoder, options, steps


def op_counts(cells: list[Cell], ops: list[str]) -> np.ndarray:
    """How often each of ``ops`` occurs in each cell, ``[len(cells), len(ops)]``."""
    out = np.zeros((len(cells), len(ops)))
    for i, cell in enumerate(cells):
        counts = Counter(cell.ops)
        out[i] = [counts[op] for op in ops]
    return out


def rho(pred: np.ndarray, truth: np.ndarray) -> float:
    return float(spearmanr(pred, truth).statistic)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="nasbench301")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--vae", type=Path, default=None, help="a tools/pretrain_vae.py --out folder (default shipped)")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--train", type=int, default=32)
    parser.add_argument("--train-large", type=int, default=100)
    parser.add_argument("--test", type=int, default=500)
    parser.add_argument("--strategies", default="graph-vae,convex-lso", help=f"comma-separated, of {list(STRATEGIES)}")
    parser.add_argument("--teacher", action="store_true", help="add the ridge rows on the map onto the teacher")
    args = parser.parse_args()
    unknown = set(args.strategies.split(",")) - set(STRATEGIES)
    if unknown:
        parser.error(f"--strategies: unknown {sorted(unknown)}; choose from {list(STRATEGIES)}")
    torch.set_num_threads(1)
    lookup = get_benchmark(args.benchmark, args.data_dir)
    space = lookup.space
    encoder, options, steps = vae_options(args.vae, space)
    # a folder's entry records its departures from D-VAE; the shipped weights are the space's default
    config = GraphVAEConfig(encoder=encoder, **(entry_options(options) if args.vae else {}))

    def value(cell: Cell) -> float:
        return float(lookup.query(cell).search_value)

    test_rng = np.random.default_rng(12345)
    test = [space.sample(test_rng) for _ in range(args.test)]
    truth = np.array([value(c) for c in test])
    # the pretrained VAE's posterior means (the strategy's model before any round)
    base = GraphVAESearch(space, 0, encoder=encoder, config=config, pretrain_steps=steps).fresh_model()

    def means(cells: list[Cell]) -> np.ndarray:
        with torch.no_grad():
            return base.encode_cells(cells)[0].numpy()

    features: dict[str, Callable[[list[Cell]], np.ndarray]] = {"z": means}
    if args.teacher:
        teacher, targets = teacher_encoder(space, pcs=10)
        weight, bias = (t.numpy() for t in teacher_map(space, base, pcs=10, target=targets))

        def mapped(cells: list[Cell]) -> np.ndarray:
            return means(cells) @ weight.T + bias

        features["z mapped to the teacher's 10 PCs"] = mapped
        features["the teacher's 10 PCs (no map)"] = lambda cells: teacher(cells).numpy()
    on_test = {label: feature(test) for label, feature in features.items()}  # the same every seed
    if args.teacher:
        t_test = on_test["the teacher's 10 PCs (no map)"]
        residual = ((on_test["z mapped to the teacher's 10 PCs"] - t_test) ** 2).sum()
        mapped_r2 = 1 - residual / ((t_test - t_test.mean(0)) ** 2).sum()
    ops = sorted({op for c in test for op in c.ops})
    h_test = op_counts(test, ops)
    rows: dict[str, list[float]] = {}
    for seed in range(args.seeds):
        rng = np.random.default_rng(seed)
        large = [space.sample(rng) for _ in range(args.train_large)]
        cells = large[: args.train]
        for n, part in ((args.train, cells), (args.train_large, large)):
            y = np.array([value(c) for c in part])
            for label, feature in features.items():
                fit = RidgeCV(alphas=ALPHAS).fit(feature(part), y)
                rows.setdefault(f"ridge on {label}, {n} cells", []).append(rho(fit.predict(on_test[label]), truth))
            fit = RidgeCV(alphas=ALPHAS).fit(op_counts(part, ops), y)
            rows.setdefault(f"ridge on op counts, {n} cells", []).append(rho(fit.predict(h_test), truth))
        history = [Observation(c, space.key(c), (value(c),)) for c in cells]
        for name in args.strategies.split(","):
            cls = STRATEGIES[name]
            strategy = cls(space, seed, encoder=encoder, config=config, pretrain_steps=steps)
            model = strategy.fit(history)
            with torch.no_grad():
                f = strategy.objective(model, model.encode_cells(test)[0]).numpy()
                own = strategy.objective(model, model.encode_cells(cells)[0]).numpy()
            rows.setdefault(f"{name} f, {args.train} cells", []).append(rho(f, truth))
            # how well the round fitted the cells it was trained on (an underfit shows here)
            rows.setdefault(f"{name} f on its {args.train} training cells", []).append(
                rho(own, [o.values[0] for o in history])
            )
    fit_rng = np.random.default_rng(999)
    other = [space.sample(fit_rng) for _ in range(1000)]
    linear = Ridge(alpha=1e-2).fit(means(other), op_counts(other, ops))
    recovered = r2_score(h_test, linear.predict(on_test["z"]))
    label = str(args.vae) if args.vae else "shipped"
    print(
        f"{args.benchmark}, VAE {label} ({encoder}) {options or ''} ({steps or 'default'} steps), "
        f"seeds 0-{args.seeds - 1}"
    )
    print("| prediction | Spearman with the values, mean ± std over seeds |")
    print("|---|---|")
    for name, values in rows.items():
        print(f"| {name} | {np.mean(values):.2f} ± {np.std(values):.2f} |")
    print(f"| op counts from z (linear R^2) | {recovered:.2f} |")
    if args.teacher:
        print(f"| the teacher's 10 PCs from z (the map's R^2) | {mapped_r2:.2f} |")


if __name__ == "__main__":
    main()
