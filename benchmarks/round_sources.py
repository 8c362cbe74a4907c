"""Where the graph VAE's and CR-LSO's chosen cells come from: the ascent's decodes or the
incumbents' one-edit neighbours, and how good each part is.

Runs each strategy (its defaults) through the same harness as ``lso-sampler compare``
(seeds 0..N-1, one at a time) to ``--budget`` queries, records for every model round which
of the cells it proposed were decodes of the latent ascent and which were neighbours of
the ``local_candidates`` best evaluated cells (a cell that is both counts as a decode),
and prints per round (by the results it was fitted on) the cells taken from each part and
their mean search value (in a round after a stall, the incumbent's untried neighbours that
the round takes first are not counted; the rest of the round, chosen as usual, is)::

    PYTHONPATH=. python benchmarks/round_sources.py --benchmark nasbench-graph:cora --data-dir ../shared/benchmarks
    PYTHONPATH=. python benchmarks/round_sources.py --benchmark nasbench201:cifar10 --data-dir ../shared/benchmarks

It also prints, per round, how well the model ranked all its candidates: the mean search
value of all the ascent's new decodes and of all the neighbours (a second copy of the
benchmark looks up the cells no run queried), and the Spearman rank correlation between
``f`` at a candidate's encoding (what the round ranks by) and its value, among the decodes
and among the neighbours, averaged over the seeds' rounds. With ``--heads`` it runs CR-LSO
alone, with four MLP heads trained beside its ICNN (the search is CR-LSO's own), and prints
how the heads' mean would have ranked the same candidates, and the mean value of the best
candidates by each ranking, as many as the round proposed (the round itself, and the round
the heads would have proposed from the same candidates), and the value of those rounds'
best cells, averaged over the seeds::

    PYTHONPATH=. python benchmarks/round_sources.py --benchmark nasbench301 --heads --data-dir ../shared/benchmarks

The runs repeat the harness's: the best values by 32 and 48 queries are those of
``lso-sampler compare`` for ``graph-vae`` and ``convex-lso``.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np
import torch
from scipy.stats import spearmanr

from benchmarks.levers import DecodeKeys, EnsembleConvex
from lso_sampler.benchmarks import get_benchmark
from lso_sampler.cell import Cell
from lso_sampler.compare.registry import plugin_entry
from lso_sampler.compare.running import run_one
from lso_sampler.integrations.optuna import LSOSampler
from lso_sampler.models.graph_vae import head_performance
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies import ConvexLSO, GraphVAESearch

#: (strategy name, seed, results fitted on) -> [(cell key, from the ascent's decodes)]
ROUNDS: dict[tuple[str, int, int], list[tuple[str, bool]]] = {}
#: the same keys -> every candidate of the round: (cell, from the decodes, f at its encoding,
#: the mean of the extra MLP heads there or NaN)
CANDIDATES: dict[tuple[str, int, int], list[tuple[Cell, bool, float, float]]] = {}


class _Recorded(DecodeKeys):
    """Records, per model round, which proposed cells were decodes, and ``f`` of every
    candidate the round ranked."""

    def _select_decodes(self, model, history, taken, n):  # type: ignore[no-untyped-def]
        self._decode_keys, self._ranked = set(), []
        self._recording = True
        try:
            chosen = super()._select_decodes(model, history, taken, n)  # type: ignore[misc]
        finally:
            self._recording = False
        key = self.space.key  # type: ignore[attr-defined]
        at = (self.name, self._run_seed, len(history))  # type: ignore[attr-defined]
        ROUNDS[at] = [(key(c), key(c) in self._decode_keys) for c in chosen]
        CANDIDATES[at] = [(c, key(c) in self._decode_keys, f, g) for c, f, g in self._ranked]
        return chosen

    def rank(self, model, cells):  # type: ignore[no-untyped-def]
        if getattr(self, "_recording", False) and cells and not self._extra_dim:  # type: ignore[attr-defined]
            with torch.no_grad():
                z = model.encode_cells(cells)[0]
                f = self.objective(model, z)  # type: ignore[attr-defined]
                heads = getattr(model, "ens_heads", None)
                g = torch.full_like(f, float("nan"))
                if heads is not None:
                    g = torch.stack([head_performance(h, z) for h in heads]).mean(0)
            self._ranked = list(zip(cells, f.tolist(), g.tolist()))
        return super().rank(model, cells)  # type: ignore[misc]


class RecordedGraphVAE(_Recorded, GraphVAESearch):
    """:class:`GraphVAESearch` that records its rounds."""


class RecordedConvex(_Recorded, ConvexLSO):
    """:class:`ConvexLSO` that records its rounds."""


class RecordedConvexHeads(_Recorded, EnsembleConvex):
    """:class:`ConvexLSO` as it is (ranked by its ICNN), with four MLP heads trained beside
    it (:class:`benchmarks.levers.EnsembleConvex`, which leaves the default's training and
    draws alone) whose ranking of each round's candidates is recorded too."""

    mode, head_kind = "own", "mlp"


def _factory(cls):  # type: ignore[no-untyped-def]
    def make(space: SearchSpace, seed: int) -> LSOSampler:
        strategy = cls(space, seed)
        strategy._run_seed = strategy.ens_seed = seed
        return LSOSampler(space, strategy, seed=seed)

    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="nasbench201:cifar10")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=48)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument(
        "--heads",
        action="store_true",
        help="CR-LSO only, with four MLP heads trained beside its ICNN: how the heads' mean would rank",
    )
    args = parser.parse_args()
    print(f"{args.benchmark}, seeds 0-{args.seeds - 1}, {args.budget} queries")
    lookup = get_benchmark(args.benchmark, args.data_dir)
    extra = ""
    if args.heads:
        extra = (
            " MLP heads' rank corr. decodes | MLP heads' rank corr. neighbours "
            "| round's best by the ICNN: mean | by the MLP heads: mean "
            "| by the ICNN: best cell (mean over seeds) | by the MLP heads: best cell |"
        )
    print(
        "| strategy | round after | decodes taken | their mean | all decodes' mean | neighbours taken "
        "| their mean | all neighbours' mean | rank corr. decodes | rank corr. neighbours | best by 32 |" + extra
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|" + "---|" * (6 if args.heads else 0))
    strategies = [("graph-vae", RecordedGraphVAE), ("convex-lso", RecordedConvex)]
    if args.heads:
        strategies = [("convex-lso", RecordedConvexHeads)]
    for name, cls in strategies:
        values: dict[int, dict[str, float]] = {}
        best32 = []
        for seed in range(args.seeds):
            run = run_one(
                args.benchmark,
                f"{name}-recorded",
                seed,
                args.budget,
                args.data_dir,
                threads=1,
                plugin=plugin_entry(f"{name}-recorded", _factory(cls)),
            )
            values[seed] = {r["cell_key"]: r["search_value"] for r in run.rows}
            best32.append(max(r["search_value"] for r in run.rows[:32]))
        parts: dict[int, dict[bool, list[float]]] = defaultdict(lambda: {True: [], False: []})
        for (strategy, seed, n), chosen in ROUNDS.items():
            if strategy != cls.name or seed not in values:
                continue
            for key, decoded in chosen:
                if key in values[seed]:
                    parts[n][decoded].append(values[seed][key])
        # every candidate: its value, and the model's ranking per round and kind
        every: dict[int, dict[bool, list[float]]] = defaultdict(lambda: {True: [], False: []})
        corr: dict[int, dict[bool, list[float]]] = defaultdict(lambda: {True: [], False: []})
        heads_corr: dict[int, dict[bool, list[float]]] = defaultdict(lambda: {True: [], False: []})
        # with --heads: the mean value of the round's size of best candidates by each ranking
        top: dict[int, dict[str, list[float]]] = defaultdict(lambda: {"own": [], "heads": []})
        top_max: dict[int, dict[str, list[float]]] = defaultdict(lambda: {"own": [], "heads": []})
        for (strategy, seed, n), ranked in CANDIDATES.items():
            if strategy != cls.name or seed not in values or n not in parts:
                continue
            truth = [lookup.query(c).search_value for c, *_ in ranked]  # each candidate's value, once
            if args.heads and ranked:
                size = len(ROUNDS[(strategy, seed, n)])
                for which, pos in (("own", 2), ("heads", 3)):
                    best = sorted(range(len(ranked)), key=lambda i: -ranked[i][pos])[:size]
                    got = [truth[i] for i in best]
                    top[n][which] += got
                    top_max[n][which].append(max(got))
            for decoded in (True, False):
                rows = [i for i, r in enumerate(ranked) if r[1] == decoded]
                values_here = [truth[i] for i in rows]
                every[n][decoded] += values_here
                for out, pos in ((corr, 2), (heads_corr, 3)):
                    scores = [ranked[i][pos] for i in rows]
                    if len(rows) < 3 or np.isnan(scores).any():
                        continue
                    rho = spearmanr(scores, values_here).statistic
                    if not np.isnan(rho):
                        out[n][decoded].append(float(rho))
        for n in sorted(parts):
            dec, near = parts[n][True], parts[n][False]
            mean = lambda v: f"{np.mean(v):.2f}" if v else "–"  # noqa: E731
            tail = ""
            if args.heads:
                tail = f" {mean(heads_corr[n][True])} | {mean(heads_corr[n][False])} |"
                tail += f" {mean(top[n]['own'])} | {mean(top[n]['heads'])} |"
                tail += f" {mean(top_max[n]['own'])} | {mean(top_max[n]['heads'])} |"
            print(
                f"| {name} | {n} | {len(dec)} | {mean(dec)} | {mean(every[n][True])} | {len(near)} | {mean(near)} "
                f"| {mean(every[n][False])} | {mean(corr[n][True])} | {mean(corr[n][False])} | {np.mean(best32):.2f} |"
                + tail
            )


if __name__ == "__main__":
    main()
