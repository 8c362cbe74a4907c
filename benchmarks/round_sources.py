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

The runs repeat the harness's: the best values by 32 and 48 queries are those of
``lso-sampler compare`` for ``graph-vae`` and ``convex-lso``.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np

from benchmarks.levers import DecodeKeys
from lso_sampler.compare.registry import plugin_entry
from lso_sampler.compare.running import run_one
from lso_sampler.integrations.optuna import LSOSampler
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies import ConvexLSO, GraphVAESearch

#: (strategy name, seed, results fitted on) -> [(cell key, from the ascent's decodes)]
ROUNDS: dict[tuple[str, int, int], list[tuple[str, bool]]] = {}


class _Recorded(DecodeKeys):
    """Records, per model round, which proposed cells were decodes."""

    def _select_decodes(self, model, history, taken, n):  # type: ignore[no-untyped-def]
        self._decode_keys = set()
        chosen = super()._select_decodes(model, history, taken, n)  # type: ignore[misc]
        keys = [self.space.key(c) for c in chosen]  # type: ignore[attr-defined]
        ROUNDS[(self.name, self._run_seed, len(history))] = [(k, k in self._decode_keys) for k in keys]  # type: ignore[attr-defined]
        return chosen


class RecordedGraphVAE(_Recorded, GraphVAESearch):
    """:class:`GraphVAESearch` that records its rounds."""


class RecordedConvex(_Recorded, ConvexLSO):
    """:class:`ConvexLSO` that records its rounds."""


def _factory(cls):  # type: ignore[no-untyped-def]
    def make(space: SearchSpace, seed: int) -> LSOSampler:
        strategy = cls(space, seed)
        strategy._run_seed = seed
        return LSOSampler(space, strategy, seed=seed)

    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="nasbench201:cifar10")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=48)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    print(f"{args.benchmark}, seeds 0-{args.seeds - 1}, {args.budget} queries")
    print("| strategy | round after | decodes taken | their mean | neighbours taken | their mean | best by 32 |")
    print("|---|---|---|---|---|---|---|")
    for name, cls in (("graph-vae", RecordedGraphVAE), ("convex-lso", RecordedConvex)):
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
        for n in sorted(parts):
            dec, near = parts[n][True], parts[n][False]
            mean = lambda v: f"{np.mean(v):.2f}" if v else "–"  # noqa: E731
            print(f"| {name} | {n} | {len(dec)} | {mean(dec)} | {len(near)} | {mean(near)} | {np.mean(best32):.2f} |")


if __name__ == "__main__":
    main()
