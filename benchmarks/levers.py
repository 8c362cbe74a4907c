"""Search-quality levers of issue 16, as `lso-sampler compare` plug-ins, measured before any
becomes a default (benchmarks/README.md#search-quality-levers).

Each factory is ``(space, seed) -> optuna sampler``:

    LSO_SAMPLER_DATA=../shared/benchmarks lso-sampler compare --benchmark nasbench201:cifar10 \\
        --samplers tpe,agnet,agnet-rounds=benchmarks.levers:agnet_rounds,\\
agnet-rounds-ens=benchmarks.levers:agnet_rounds_ensemble --seeds 10 --budget 96

Levers:
- ``rounds``: a model after 10 random results (not 16), then proposal rounds that grow with
  the history (a quarter of the results so far, at least 4 and at most the strategy's 16),
  so that by 32 queries the model has chosen five rounds instead of one.
- ``ensemble``: candidates ranked by the mean plus ``kappa`` x the spread of an ensemble of
  surrogates (the jointly trained one and four MLPs fitted to the evaluated cells' vectors
  from different initialisations), instead of the joint surrogate alone.
- ``step cap`` (``agnet_step_cap``): AG-Net's training steps per fit stop growing with the
  history: ``epochs`` passes over at most 4 batches' worth of the rank-weighted sample (the
  steps of 64 results), instead of over all results.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence

import numpy as np
import torch

from lso_sampler.cell import Cell
from lso_sampler.integrations.optuna import LSOSampler
from lso_sampler.models.mlp import MLP
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies import AGNet
from lso_sampler.strategies.base import Observation


def growing_round(history: Sequence[Observation], n: int, num_init: int, pending: int) -> int:
    """A quarter of the results so far, at least 4, at most ``n``; before ``num_init``
    results, only the random cells still missing."""
    if len(history) < num_init:
        return max(1, min(n, num_init - len(history) - pending))
    return max(1, min(n, max(4, math.ceil(len(history) / 4))))


def _startup(strategy: AGNet) -> int:
    return getattr(strategy, "n_startup_trials", None) or strategy.num_init


class RoundsAGNet(AGNet):
    """AG-Net with growing proposal rounds."""

    def round_size(self, history: Sequence[Observation], pending: Sequence[Cell], n: int) -> int:
        return growing_round(history, n, _startup(self), len(pending))


class EnsembleAGNet(RoundsAGNet):
    """AG-Net with growing rounds whose candidates are ranked by an ensemble's mean + kappa x std."""

    members = 4
    kappa = 0.5
    fit_steps = 300

    def select(self, model, history: Sequence[Observation], taken: set[str], n: int) -> list[Cell]:
        if model.heads != 1:
            return super().select(model, history, taken, n)
        candidates = self.generate(model, taken)
        if not candidates:
            return []
        y, _ = self._targets(history)
        y = y[:, 0]
        with torch.no_grad():
            xs = model.cell_vectors([o.cell for o in history])
            xc = model.cell_vectors(candidates)
            preds = [model.predict_vectors(xc).reshape(-1)]
        gen = self._torch_gen()
        for _ in range(self.members):
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(int(torch.randint(2**31 - 1, (1,), generator=gen)))
                mlp = MLP(xs.shape[1], xs.shape[1], 1, layers=3)
            opt = torch.optim.Adam(mlp.parameters(), lr=1e-3, weight_decay=1e-4)
            for _ in range(self.fit_steps):
                loss = ((mlp(xs).reshape(-1) - y) ** 2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
            with torch.no_grad():
                preds.append(mlp(xc).reshape(-1))
        p = torch.stack(preds).numpy()
        score = p.mean(0) + self.kappa * p.std(0)
        order = np.argsort(-score, kind="stable")
        return [candidates[int(i)] for i in order[:n]]


def _startup_option(cls: type, n: int) -> dict[str, int]:
    names = inspect.signature(cls.__init__).parameters
    return {"n_startup_trials": n} if "n_startup_trials" in names else {"num_init": n}


def agnet_rounds(space: SearchSpace, seed: int) -> LSOSampler:
    return LSOSampler(space, RoundsAGNet(space, seed, **_startup_option(AGNet, 10)), seed=seed)


def agnet_rounds_ensemble(space: SearchSpace, seed: int) -> LSOSampler:
    return LSOSampler(space, EnsembleAGNet(space, seed, **_startup_option(AGNet, 10)), seed=seed)


def _rounds(cls: type, space: SearchSpace, seed: int) -> LSOSampler:
    """``cls`` with a model after 10 results and rounds of a quarter of the results (the
    strategies' own ``round_growth`` option, at most their round size)."""
    return LSOSampler(space, cls(space, seed, n_startup_trials=10, round_growth=0.25), seed=seed)


def agnet_growth(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net with ``n_startup_trials=10, round_growth=0.25`` (the library's options; the
    older ``agnet_rounds`` subclass differs only in ignoring trials in flight)."""
    return _rounds(AGNet, space, seed)


def graph_vae_growth(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE (D-VAE encoder) with ``n_startup_trials=10, round_growth=0.25``."""
    from lso_sampler.strategies import GraphVAESearch

    return _rounds(GraphVAESearch, space, seed)


def convex_growth(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO with ``n_startup_trials=10, round_growth=0.25``."""
    from lso_sampler.strategies import ConvexLSO

    return _rounds(ConvexLSO, space, seed)


def _local(cls: type, space: SearchSpace, seed: int, k: int) -> LSOSampler:
    return LSOSampler(space, cls(space, seed, local_candidates=k), seed=seed)


def graph_vae_local(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE whose candidates include the one-edit neighbours of its 4 best cells
    (``local_candidates=4``; the lever's tables ran with a subclass adding them in ``ascend``
    before the option existed, which proposed the same cells query for query)."""
    from lso_sampler.strategies import GraphVAESearch

    return _local(GraphVAESearch, space, seed, 4)


def convex_local(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO whose candidates include the one-edit neighbours of its 4 best cells
    (``local_candidates=4``, as :func:`graph_vae_local`)."""
    from lso_sampler.strategies import ConvexLSO

    return _local(ConvexLSO, space, seed, 4)


def graph_vae_decodes(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE as before ``local_candidates`` (decodes only): the ``graph-vae`` rows
    of the tables run before it became the default."""
    from lso_sampler.strategies import GraphVAESearch

    return _local(GraphVAESearch, space, seed, 0)


def convex_decodes(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO as before ``local_candidates`` (decodes only)."""
    from lso_sampler.strategies import ConvexLSO

    return _local(ConvexLSO, space, seed, 0)


def _unmasked_read_scores(space, node_probs, edge_probs, gen):  # type: ignore[no-untyped-def]
    """NAS-Bench-Graph's cell reading before it was made valid by construction: every op
    node's type from all node types, its source from all earlier nodes; a cell whose link
    or ops break the rules comes back invalid (and is discarded by AG-Net)."""
    from lso_sampler.cell import Cell
    from lso_sampler.spaces.nasbench_graph import LINKS

    names = space.node_types
    b = node_probs.shape[0]
    types = torch.multinomial(node_probs[:, 1:5].reshape(b * 4, -1), 1, generator=gen).view(b, 4)
    preds = [torch.multinomial(edge_probs[:, :i, i] + 1e-9, 1, generator=gen).squeeze(1) for i in range(1, 5)]
    cells = []
    for row in range(b):
        link = "".join(str(int(p[row])) for p in preds)
        ops = [names[int(k)] for k in types[row]]
        if link not in LINKS or any(op not in space.ops for op in ops):
            cells.append(Cell(["input", *ops, "output"], [[0] * 6 for _ in range(6)]))
            continue
        cells.append(space._decode({"link": link, **{f"op_{i}": ops[i - 1] for i in range(1, 5)}}))
    return cells


def agnet_unmasked(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net on NAS-Bench-Graph reading its generator's scores as before the masked
    reading (about 43 % of the draws invalid): the ``agnet`` rows of earlier NAS-Bench-Graph
    tables."""
    import copy
    import types

    from lso_sampler.spaces import NASBenchGraphSpace

    if not isinstance(space, NASBenchGraphSpace):
        raise ValueError(f"space: agnet_unmasked is for NAS-Bench-Graph, got {type(space).__name__}")
    own = copy.copy(space)  # the other samplers of the run keep the space's own reading
    own.read_scores = types.MethodType(_unmasked_read_scores, own)  # type: ignore[method-assign]
    return LSOSampler(own, AGNet(own, seed), seed=seed)


def agnet_full_rounds(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net as before ``round_growth=0.25`` became its default: 16 random cells, then full
    rounds of 16 (the ``agnet`` rows of the tables run before)."""
    return LSOSampler(space, AGNet(space, seed, n_startup_trials=16, round_growth=None), seed=seed)


class CappedAGNet(AGNet):
    """AG-Net whose training steps per fit stop growing after :attr:`max_batches` batches of
    results (the rank weights put most of a batch on the best few cells in any case)."""

    max_batches = 4

    def train_steps(self, n: int) -> int:
        return min(super().train_steps(n), self.epochs * self.max_batches)


def agnet_step_cap(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net with its defaults and at most ``epochs`` x 4 training steps per fit."""
    return LSOSampler(space, CappedAGNet(space, seed), seed=seed)
