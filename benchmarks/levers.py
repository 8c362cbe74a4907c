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
- ``gp ranking`` (``graph_vae_gp``, ``convex_gp``): the graph VAE's candidates (the ascent's
  decodes and the incumbents' neighbours) are ranked by the expected improvement of an exact
  Gaussian process on the cells' one-hot categorical parameters, instead of by the jointly
  trained predictor at their encodings.
- ``agnet gp`` (``agnet_gp``): AG-Net's generated candidates ranked by the same GP's expected
  improvement instead of by its surrogate (one objective, no constraints, no
  hyperparameters; otherwise by the surrogate).
- ``agnet gp local`` (``agnet_gp_local``): as ``agnet gp``, with the one-edit neighbours of
  the 4 best evaluated cells (not evaluated, not pending) added to the generated candidates
  before the GP ranks them.
- ``agnet local`` (``agnet_local``): AG-Net's generated candidates and the one-edit
  neighbours of the 4 best evaluated cells, all ranked by AG-Net's own surrogate (the
  graph VAEs' ``local_candidates=4`` default, for AG-Net); since measured, AG-Net's default.
  ``agnet_generated_only`` is AG-Net as before (``local_candidates=0``), and every other
  AG-Net lever here keeps the generated candidates alone, as it was measured.
- ``agnet blend local`` (``agnet_blend_local``): as ``agnet gp local``, but the candidates
  are ranked by the sum of their two ranks, by AG-Net's surrogate and by the GP's expected
  improvement (ties by the surrogate).
- ``agnet switch`` (``agnet_switch``): each round either AG-Net as it is or ``agnet gp
  local``, by which of its surrogate and the GP ranked the cells proposed so far better
  (Kendall concordance, over pairs of cells of one round, of their predictions made at
  proposal with the results).
- ``restart`` (``graph_vae_restart``, ``convex_restart``): in a round after one that found
  no better cell, the ascent starts from prior samples alone (twice ``num_prior``, at least
  64), without
  the best cells' latents (the incumbents' neighbours stay among the candidates).
- ``stall`` (``agnet_stall``, ``agnet_stall_random``): AG-Net drops the incumbents'
  neighbours from its candidates after 32 results without a new best; the second also
  ranks 200 uniformly random new cells beside the generated ones then. Tried on the one
  seed that stays in a local optimum in the 4-in-flight table (benchmarks/README.md, "Issue
  16's tables"); neither frees it.
- ``stall flat`` / ``stall tabu`` (``agnet_stall_flat``, ``agnet_stall_tabu``): after such a
  stall, flatter rank weights; or the generated candidates alone, with the evaluated cells
  within 2 edits of the incumbent ranked last for the rank weights (a restart).
- ``verify`` (``agnet_verify``, now AG-Net's default ``stall_patience=32``): after such a
  stall, the incumbent's untried one-edit neighbours first; once all are evaluated and none
  is better, the tabu restart. ``agnet_restart``: the restart without finishing the
  neighbourhood first; ``agnet_no_stall``: AG-Net without either (the former default).
- ``patience 16`` (``agnet_patience16``): AG-Net's stall handling after 16 results
  without a new best instead of 32.
- ``restart local`` (``agnet_restart_local``): AG-Net's restart keeps the one-edit
  neighbours of the 4 best evaluated cells more than 2 edits from the local optimum among
  its candidates (the default leaves the neighbours out during a restart).
- ``stall`` for the graph VAEs (``graph_vae_stall``, ``convex_stall``): AG-Net's stall
  handling after 16 results without a new best. While stalled, the incumbent's untried
  one-edit neighbours first; after a verified local optimum, a restart: the ascent from prior
  samples alone, no neighbour candidates, and the cells within 2 edits of it ranked last in
  the predictor's targets. ``graph_vae_no_restart``: the first part alone, now the graph
  VAE's default ``stall_patience=16``; ``graph_vae_no_stall``: the former default;
  ``convex_no_restart``: CR-LSO with the same option.
- ``ascent step cap`` (``convex_step_cap``): CR-LSO doubles a point's step length after every
  decode that is not new, without a limit; here the doubling stops at a step of 1.
- ``min steps`` (``graph_vae_min_steps``, ``convex_min_steps``): every fit of the graph VAE
  takes at least 100 training steps (the default ``epochs`` x batches gives 30 steps on the
  first 16 results, 60 on 32, 90 on 48), so the fresh predictors of the early rounds are
  trained as long as those of a history of 56 results.
- ``climb`` (``agnet_climb``, ``graph_vae_climb``, ``convex_climb``): beside the one-edit
  neighbours of the ``local_candidates`` best cells, a hill-climb on the model from each of
  them: two more steps, each to the not yet evaluated neighbour the model rates best, whose
  whole one-edit neighbourhood joins the candidates (cells up to three edits from the
  incumbents, in the direction the model climbs). One objective, no hyperparameters.
- ``quota`` (``graph_vae_quota``, ``convex_quota``): half of each graph-VAE / CR-LSO round
  (rounded up) goes to the incumbents' one-edit neighbours the model rates best, the rest to
  the ascent's decodes it rates best (the default ranks both together, and CR-LSO's first
  rounds take almost only decodes). One objective.
- ``head ensemble`` (``graph_vae_ucb``, ``graph_vae_ts``, ``convex_ucb``, ``convex_ts``): four
  more performance heads of the model's kind (MLP or ICNN), each from its own initialisation
  and Bayesian-bootstrap weights of the evaluated cells, trained on their posterior means
  beside the default model (which trains as before); the round's candidates are ranked by
  the five heads' mean plus their standard deviation (``ucb``), or each place of the round
  goes to the best remaining candidate of a head drawn at random (``ts``, Thompson-like).
  The ascent is the default's. One objective. ``convex_mlp_rank``: CR-LSO with four MLP
  heads instead, the candidates ranked by their mean alone (the ICNN leads the ascent, as
  CR-LSO's method has it, but does not rank the candidates). ``graph_vae_ts_ascent``,
  ``convex_ts_ascent``: ``ts``, and in the ascent each start point climbs one of the five
  heads drawn at random.
- ``teacher map`` (``graph_vae_teacher``, ``graph_vae_teacher_pcs``): the graph VAE's
  performance head reads a fixed linear map of ``z`` instead of ``z``: the least-squares map,
  fitted once per run on 5,000 random cells (no values), from the model's posterior means to
  those of the space's gated-sum VAE (``encoder_readout="sum"``, no node indices or index
  logits; on DARTS the shipped weights), or to their top 10 principal components
  (standardised). The ascent climbs the same head, so it moves ``z`` only along the map's
  rows. For a VAE pretrained to reconstruct (benchmarks/vae_teacher_probe.py). One objective,
  no hyperparameters; the MLP head only.
- ``random skip`` (``convex_random_skip``): CR-LSO with its ICNN heads' output skip drawn as
  torch draws a linear layer, as before the ICNN's flat start (now the default, whose skip
  starts at zero). The draws come after the model's, so its searches are the former
  default's in distribution, not query for query.
- ``gated sum`` (``graph_vae_gated_sum``, ``convex_gated_sum``): the graph VAE and CR-LSO
  with the teacher's model options whatever the space's defaults (D-VAE's gated-sum readout,
  no node indices, no index logits, no teacher map; on DARTS the weights shipped since the
  first wave): the baseline beside a checkout in which a space defaults to other options.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
import os
from collections.abc import Sequence

import numpy as np
import torch

from lso_sampler.cell import Cell
from lso_sampler.integrations.optuna import LSOSampler
from lso_sampler.models.agnet import weights_from_ranks
from lso_sampler.models.graph_vae import GraphVAE, head_performance, predictor_head
from lso_sampler.models.icnn import ICNN
from lso_sampler.models.mlp import MLP
from lso_sampler.models.pretrain import TEACHER_CONFIG, _posterior_means, teacher_cells, teacher_encoder
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies import AGNet, ConvexLSO, GraphVAESearch
from lso_sampler.strategies.base import (
    Observation,
    best_observations,
    edit_distance,
    history_arrays,
    incumbent_neighbours,
    neighbours,
)


def growing_round(history: Sequence[Observation], n: int, num_init: int, pending: int) -> int:
    """A quarter of the results so far, at least 4, at most ``n``; before ``num_init``
    results, only the random cells still missing."""
    if len(history) < num_init:
        return max(1, min(n, num_init - len(history) - pending))
    return max(1, min(n, max(4, math.ceil(len(history) / 4))))


#: AG-Net as the levers below were measured: its generated cells alone as candidates (the
#: default before ``local_candidates=4``), without the stall handling (``stall_patience``).
GENERATED_ONLY = {"local_candidates": 0, "stall_patience": None}


class _GeneratedOnly:
    """Mixin: an AG-Net subclass made with ``local_candidates=0`` unless told otherwise."""

    def __init__(self, space: SearchSpace, seed: int | None = None, **options) -> None:  # type: ignore[no-untyped-def]
        super().__init__(space, seed, **{**GENERATED_ONLY, **options})  # type: ignore[call-arg]


def _startup(strategy: AGNet) -> int:
    return getattr(strategy, "n_startup_trials", None) or strategy.num_init


class RoundsAGNet(_GeneratedOnly, AGNet):
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


def _rounds(cls: type, space: SearchSpace, seed: int, **options) -> LSOSampler:  # type: ignore[no-untyped-def]
    """``cls`` with a model after 10 results and rounds of a quarter of the results (the
    strategies' own ``round_growth`` option, at most their round size)."""
    return LSOSampler(space, cls(space, seed, n_startup_trials=10, round_growth=0.25, **options), seed=seed)


def agnet_growth(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net with ``n_startup_trials=10, round_growth=0.25`` (the library's options; the
    older ``agnet_rounds`` subclass differs only in ignoring trials in flight)."""
    return _rounds(AGNet, space, seed, **GENERATED_ONLY)


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
    return LSOSampler(own, AGNet(own, seed, **GENERATED_ONLY), seed=seed)


def agnet_full_rounds(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net as before ``round_growth=0.25`` became its default: 16 random cells, then full
    rounds of 16 (the ``agnet`` rows of the tables run before)."""
    return LSOSampler(space, AGNet(space, seed, n_startup_trials=16, round_growth=None, **GENERATED_ONLY), seed=seed)


class CappedAGNet(_GeneratedOnly, AGNet):
    """AG-Net whose training steps per fit stop growing after :attr:`max_batches` batches of
    results (the rank weights put most of a batch on the best few cells in any case)."""

    max_batches = 4

    def train_steps(self, n: int) -> int:
        return min(super().train_steps(n), self.epochs * self.max_batches)


def agnet_step_cap(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net with its defaults and at most ``epochs`` x 4 training steps per fit."""
    return LSOSampler(space, CappedAGNet(space, seed), seed=seed)


class OneHotGP:
    """Exact GP regression on one-hot categorical cell parameters: RBF kernel with one
    lengthscale, signal and noise variance fitted by 100 Adam steps on the marginal
    likelihood of the standardised values (float64)."""

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        self.names = list(space.param_names)
        dists = space.distributions("categorical")
        self.choices = {n: {c: i for i, c in enumerate(dists[n].choices)} for n in self.names}
        self.offsets = np.cumsum([0] + [len(self.choices[n]) for n in self.names])

    def features(self, cells: Sequence[Cell]) -> torch.Tensor:
        x = torch.zeros(len(cells), int(self.offsets[-1]), dtype=torch.float64)
        for row, cell in enumerate(cells):
            params = self.space.to_params(cell, "categorical")
            for j, name in enumerate(self.names):
                x[row, int(self.offsets[j]) + self.choices[name][params[name]]] = 1.0
        return x

    def fit(self, cells: Sequence[Cell], y: np.ndarray, steps: int = 100) -> None:
        x = self.features(cells)
        t = torch.tensor(y, dtype=torch.float64)
        t = (t - t.mean()) / t.std().clamp_min(1e-9)
        d2 = torch.cdist(x, x) ** 2
        pos = d2[d2 > 0]
        log_l = (0.5 * torch.log(pos.median()) if len(pos) else torch.zeros((), dtype=torch.float64)).clone()
        params = [
            log_l.requires_grad_(True),
            torch.zeros((), dtype=torch.float64, requires_grad=True),
            torch.tensor(math.log(0.1), dtype=torch.float64, requires_grad=True),
        ]
        opt = torch.optim.Adam(params, lr=0.05)
        eye = torch.eye(len(x), dtype=torch.float64)
        for _ in range(steps):
            chol = torch.linalg.cholesky(self._gram(d2, params, eye))
            alpha = torch.cholesky_solve(t[:, None], chol)
            nll = 0.5 * (t[:, None] * alpha).sum() + torch.log(torch.diagonal(chol)).sum()
            opt.zero_grad()
            nll.backward()
            opt.step()
        with torch.no_grad():
            self.params = [p.detach() for p in params]
            self.chol = torch.linalg.cholesky(self._gram(d2, self.params, eye))
            self.alpha = torch.cholesky_solve(t[:, None], self.chol)
        self.x, self.best = x, float(t.max())

    @classmethod
    def _gram(cls, d2: torch.Tensor, params: list[torch.Tensor], eye: torch.Tensor) -> torch.Tensor:
        return cls._k(d2, params[0], params[1]) + (torch.exp(2 * params[2]) + 1e-6) * eye

    @staticmethod
    def _k(d2: torch.Tensor, log_l: torch.Tensor, log_s: torch.Tensor) -> torch.Tensor:
        return torch.exp(2 * log_s) * torch.exp(-0.5 * d2 / torch.exp(2 * log_l))

    def posterior(self, cells: Sequence[Cell]) -> tuple[np.ndarray, np.ndarray]:
        """The posterior mean and the expected improvement (standardised units) at ``cells``."""
        with torch.no_grad():
            ks = self._k(torch.cdist(self.features(cells), self.x) ** 2, *self.params[:2])
            mean = (ks @ self.alpha).squeeze(-1)
            v = torch.cholesky_solve(ks.T, self.chol)
            sd = (torch.exp(2 * self.params[1]) - (ks * v.T).sum(1)).clamp_min(1e-12).sqrt()
            z = (mean - self.best) / sd
            normal = torch.distributions.Normal(0.0, 1.0)
            ei = (mean - self.best) * normal.cdf(z) + sd * torch.exp(normal.log_prob(z))
            return mean.numpy(), ei.numpy()

    def expected_improvement(self, cells: Sequence[Cell]) -> np.ndarray:
        return self.posterior(cells)[1]


def _gp_ranked(cls: type) -> type:
    class GPRanked(cls):  # type: ignore[misc, valid-type]
        """``cls`` whose new cells are ranked by a one-hot GP's expected improvement (one
        objective, no constraints, no hyperparameters; otherwise by ``cls``'s own rule)."""

        def rank(self, model, cells):  # type: ignore[no-untyped-def]
            history = self._history
            _, _, violation = history_arrays(history)
            if not cells or self._num_objectives != 1 or self._extra_dim or (violation > 0).any():
                return super().rank(model, cells)
            gp = OneHotGP(self.space)
            gp.fit([o.cell for o in history], np.array([o.value for o in history]))
            order = np.argsort(-gp.expected_improvement(cells), kind="stable")
            return [cells[int(i)] for i in order]

    GPRanked.__name__ = GPRanked.__qualname__ = f"GPRanked{cls.__name__}"
    return GPRanked


def _wrapped(wrap, strategy: str, space: SearchSpace, seed: int) -> LSOSampler:  # type: ignore[no-untyped-def]
    """A sampler of ``wrap(lso_sampler.strategies.<strategy>)`` with its defaults."""
    from lso_sampler import strategies

    return LSOSampler(space, wrap(getattr(strategies, strategy))(space, seed), seed=seed)


def graph_vae_gp(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE (defaults) whose candidates are ranked by a one-hot GP's EI."""
    return _wrapped(_gp_ranked, "GraphVAESearch", space, seed)


def convex_gp(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO (defaults) whose candidates are ranked by a one-hot GP's EI."""
    return _wrapped(_gp_ranked, "ConvexLSO", space, seed)


MIN_STEPS = 100


def _min_steps(cls: type) -> type:
    class MinSteps(cls):  # type: ignore[misc, valid-type]
        """``cls`` with at least :data:`MIN_STEPS` training steps per fit."""

        def train_steps(self, n: int) -> int:
            return max(super().train_steps(n), MIN_STEPS)

    MinSteps.__name__ = MinSteps.__qualname__ = f"MinSteps{cls.__name__}"
    return MinSteps


def graph_vae_min_steps(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE (defaults) with at least 100 training steps per fit."""
    return _wrapped(_min_steps, "GraphVAESearch", space, seed)


def convex_min_steps(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO (defaults) with at least 100 training steps per fit."""
    return _wrapped(_min_steps, "ConvexLSO", space, seed)


def _restart(cls: type) -> type:
    class Restart(cls):  # type: ignore[misc, valid-type]
        """``cls`` whose ascent, in a round after one that found no better cell, starts from
        prior samples alone (twice ``num_prior``, at least 64) instead of from the best
        cells' latents and prior samples (one objective; otherwise ``cls``'s start points)."""

        _last_best: float | None = None

        def start_points(self, model, history, gen):  # type: ignore[no-untyped-def]
            if self._num_objectives != 1 or not history:
                return super().start_points(model, history, gen)
            best = max(o.value for o in history)
            stalled = self._last_best is not None and best <= self._last_best
            self._last_best = best
            if not stalled:
                return super().start_points(model, history, gen)
            n = max(2 * self.num_prior, 64)
            return torch.cat([torch.randn(n, model.latent_dim, generator=gen), self._random_h(n)], 1)

    Restart.__name__ = Restart.__qualname__ = f"Restart{cls.__name__}"
    return Restart


def graph_vae_restart(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE (defaults), restarting from prior samples after a round without gain."""
    return _wrapped(_restart, "GraphVAESearch", space, seed)


def convex_restart(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO (defaults), restarting from prior samples after a round without gain."""
    return _wrapped(_restart, "ConvexLSO", space, seed)


def _ranks(scores: np.ndarray) -> np.ndarray:
    """0 for the highest score, 1 for the next, ... (ties in the given order)."""
    ranks = np.empty(len(scores))
    ranks[np.argsort(-scores, kind="stable")] = np.arange(len(scores))
    return ranks


class GPRankedAGNet(_GeneratedOnly, AGNet):
    """AG-Net whose generated candidates are ranked by :class:`OneHotGP`'s expected
    improvement (one objective, no constraints, no hyperparameters; otherwise as AG-Net);
    with ``local`` > 0 the one-edit neighbours of the ``local`` best cells join them."""

    local = 0
    #: ``True``: rank by the sum of the surrogate's and the GP's ranks instead of the GP's alone.
    blend = False

    @staticmethod
    def _plain(model, history) -> bool:  # type: ignore[no-untyped-def]
        """Several heads, hyperparameters or constraints: AG-Net's own ranking applies."""
        _, _, violation = history_arrays(history)
        return bool(model.heads != 1 or model.extra_dim or (violation > 0).any())

    def _gp(self, history) -> OneHotGP:  # type: ignore[no-untyped-def]
        gp = OneHotGP(self.space)
        gp.fit([o.cell for o in history], np.array([o.value for o in history]))
        return gp

    def select(self, model, history, taken, n):  # type: ignore[no-untyped-def]
        if self._plain(model, history):
            return super().select(model, history, taken, n)
        candidates = self._candidates(model, history, taken, self.local)
        if not candidates:
            return []
        ei = self._gp(history).expected_improvement(candidates)
        if not self.blend:
            order = np.argsort(-ei, kind="stable")
            return [candidates[int(i)] for i in order[:n]]
        with torch.no_grad():
            pred = model.predict_vectors(model.cell_vectors(candidates)).numpy()
        by_model, by_gp = _ranks(pred), _ranks(ei)
        order = np.lexsort((by_model, by_model + by_gp))
        return [candidates[int(i)] for i in order[:n]]


def agnet_gp(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net (defaults) whose generated candidates are ranked by a one-hot GP's EI."""
    return LSOSampler(space, GPRankedAGNet(space, seed), seed=seed)


class LocalGPRankedAGNet(GPRankedAGNet):
    local = 4


def agnet_gp_local(space: SearchSpace, seed: int) -> LSOSampler:
    """:func:`agnet_gp` with the 4 best cells' one-edit neighbours among the candidates."""
    return LSOSampler(space, LocalGPRankedAGNet(space, seed), seed=seed)


class BlendAGNet(LocalGPRankedAGNet):
    blend = True


def agnet_blend_local(space: SearchSpace, seed: int) -> LSOSampler:
    """:func:`agnet_gp_local` ranking by the sum of the surrogate's and the GP's ranks."""
    return LSOSampler(space, BlendAGNet(space, seed), seed=seed)


def agnet_local(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net with the 4 best cells' one-edit neighbours among the candidates its surrogate
    ranks (``local_candidates=4``, the library's default since this lever was measured)."""
    return LSOSampler(space, AGNet(space, seed, local_candidates=4, stall_patience=None), seed=seed)


def agnet_generated_only(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net with its generated cells alone as candidates (``local_candidates=0``, the
    default before 4)."""
    return LSOSampler(space, AGNet(space, seed, **GENERATED_ONLY), seed=seed)


def _concordance(pred: np.ndarray, y: np.ndarray) -> float:
    """Sum over pairs of cells of sign(pred difference) x sign(result difference)."""
    d = np.sign(pred[:, None] - pred[None, :]) * np.sign(y[:, None] - y[None, :])
    return float(np.triu(d, 1).sum())


class SwitchAGNet(LocalGPRankedAGNet):
    """Each round, AG-Net (its generated candidates ranked by its surrogate) or
    :func:`agnet_gp_local` (with the 4 best cells' neighbours, ranked by the GP's expected
    improvement), whichever model ranked the cells proposed so far better.

    Both models predict every proposed cell when it is proposed (the surrogate its value,
    the GP its posterior mean), before its result is known. A model's score is Kendall's
    concordance of those predictions with the results, pooled over the pairs of cells of
    one round, over all rounds so far; the next round uses the model with the higher score,
    AG-Net on ties. With ``LEVERS_LOG`` set, each choice is
    appended to that file as a JSON line.
    """

    def __init__(self, space: SearchSpace, seed: int | None = None) -> None:
        super().__init__(space, seed)
        self._log_seed = seed
        self._rounds: list[dict[str, tuple[float, float]]] = []

    def _scores(self, history: Sequence[Observation]) -> tuple[float, float]:
        values = {self.space.key(o.cell): o.value for o in history}
        by_model = by_gp = 0.0
        for predictions in self._rounds:
            keys = [k for k in predictions if k in values]
            y = np.array([values[k] for k in keys])
            by_model += _concordance(np.array([predictions[k][0] for k in keys]), y)
            by_gp += _concordance(np.array([predictions[k][1] for k in keys]), y)
        return by_model, by_gp

    def select(self, model, history, taken, n):  # type: ignore[no-untyped-def]
        if self._plain(model, history):
            return AGNet.select(self, model, history, taken, n)
        by_model, by_gp = self._scores(history)
        use_gp = by_gp > by_model
        candidates = self._candidates(model, history, taken, self.local if use_gp else 0)
        if not candidates:
            return []
        mean, ei = self._gp(history).posterior(candidates)
        with torch.no_grad():
            pred = model.predict_vectors(model.cell_vectors(candidates)).numpy()
        order = np.argsort(-(ei if use_gp else pred), kind="stable")[:n]
        chosen = [candidates[int(i)] for i in order]
        self._rounds.append({self.space.key(candidates[int(i)]): (float(pred[i]), float(mean[i])) for i in order})
        log = os.environ.get("LEVERS_LOG")
        if log:
            with open(log, "a") as f:
                f.write(
                    json.dumps(
                        {
                            "seed": self._log_seed,
                            "results": len(history),
                            "gp": use_gp,
                            "score_model": by_model,
                            "score_gp": by_gp,
                        }
                    )
                    + "\n"
                )
        return chosen


def agnet_switch(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net or :func:`agnet_gp_local` each round, by which model ranked past rounds better."""
    return LSOSampler(space, SwitchAGNet(space, seed), seed=seed)


#: Results without a new best after which :class:`StallAGNet` drops the neighbours.
STALL_PATIENCE = 32


def _stalled(strategy: AGNet, history: Sequence[Observation]) -> bool:
    """Whether the best value has not improved over the last :data:`STALL_PATIENCE` results
    (one objective without constraints, as of ``strategy``'s last targets; else ``False``)."""
    if strategy._num_objectives != 1 or strategy._constraint_scale is not None or not history:
        return False
    values = [o.value for o in history]
    return len(values) - 1 - int(np.argmax(values)) >= STALL_PATIENCE  # results after the first best


class _NoStall:
    """Mixin: an AG-Net subclass made with ``stall_patience=None`` (the library's own stall
    handling off: these levers were measured before it existed, and bring their own)."""

    def __init__(self, space: SearchSpace, seed: int | None = None, **options) -> None:  # type: ignore[no-untyped-def]
        super().__init__(space, seed, **{"stall_patience": None, **options})  # type: ignore[call-arg]


class StallAGNet(_NoStall, AGNet):
    """AG-Net (defaults, ``local_candidates=4``) whose rounds take the generated cells alone
    while the best value has not improved over the last :data:`STALL_PATIENCE` results (one
    objective without constraints; otherwise AG-Net's candidates)."""

    def _stalled(self, history: Sequence[Observation]) -> bool:
        return _stalled(self, history)

    def _candidates(self, model, history, taken, local):  # type: ignore[no-untyped-def]
        return super()._candidates(model, history, taken, 0 if self._stalled(history) else local)


def agnet_stall(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net, its generated candidates alone after :data:`STALL_PATIENCE` results without gain."""
    return LSOSampler(space, StallAGNet(space, seed), seed=seed)


#: Uniformly random cells :class:`StallRandomAGNet` adds to a stalled round's candidates.
STALL_RANDOM = 200


class StallRandomAGNet(StallAGNet):
    """:class:`StallAGNet` whose stalled rounds rank :data:`STALL_RANDOM` uniformly random
    new cells beside the generated ones (the surrogate still chooses)."""

    def _candidates(self, model, history, taken, local):  # type: ignore[no-untyped-def]
        candidates = super()._candidates(model, history, taken, local)
        if self._stalled(history):
            keys = set(taken) | {self.space.key(c) for c in candidates}
            for _ in range(4 * STALL_RANDOM):
                if len(candidates) >= self.num_candidates + STALL_RANDOM:
                    break
                cell = self.space.sample(self.rng)
                k = self.space.key(cell)
                if k not in keys:
                    keys.add(k)
                    candidates.append(cell)
        return candidates


def agnet_stall_random(space: SearchSpace, seed: int) -> LSOSampler:
    """:func:`agnet_stall` with uniformly random cells among a stalled round's candidates."""
    return LSOSampler(space, StallRandomAGNet(space, seed), seed=seed)


#: ``weight_k`` of :class:`StallFlatAGNet`'s stalled rounds (AG-Net's default: 0.01).
STALL_WEIGHT_K = 0.1


class StallFlatAGNet(_NoStall, AGNet):
    """AG-Net (defaults) whose fits use flatter rank weights, ``w ∝ 1/(kN + rank)`` with
    ``k =`` :data:`STALL_WEIGHT_K`, while the best value has not improved over the last
    :data:`STALL_PATIENCE` results (one objective without constraints): the generator and
    the surrogate then spread over the good cells instead of the incumbent alone."""

    def _prepare(self, history, gen):  # type: ignore[no-untyped-def]
        model, data = super()._prepare(history, gen)
        if self.weighted_retraining and _stalled(self, history):
            _, ranks = self._targets(history)
            w = torch.tensor(weights_from_ranks(ranks, STALL_WEIGHT_K), dtype=torch.float32)
            data["w"], data["loss_w"] = w, w * len(history)
        return model, data


def agnet_stall_flat(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net with flatter rank weights after :data:`STALL_PATIENCE` results without gain."""
    return LSOSampler(space, StallFlatAGNet(space, seed), seed=seed)


#: Edits around a stalled incumbent that :class:`StallTabuAGNet` weighs last.
STALL_TABU_RADIUS = 2


class StallTabuAGNet(StallAGNet):
    """:class:`StallAGNet` (the generated candidates alone while stalled) whose stalled fits
    rank every evaluated cell within :data:`STALL_TABU_RADIUS` edits of the incumbent
    (itself included) after all the others, so the rank weights lead the generator and the
    surrogate to the best cells elsewhere (a restart away from a local optimum)."""

    def _targets(self, history):  # type: ignore[no-untyped-def]
        y, ranks = super()._targets(history)
        if self._stalled(history):
            best = history[int(np.argmax([o.value for o in history]))].cell
            near = np.array([edit_distance(self.space, o.cell, best) <= STALL_TABU_RADIUS for o in history])
            ranks = np.where(near, ranks + len(history), ranks)
        return y, ranks


def agnet_stall_tabu(space: SearchSpace, seed: int) -> LSOSampler:
    """:func:`agnet_stall` whose stalled fits weigh the incumbent's surroundings last."""
    return LSOSampler(space, StallTabuAGNet(space, seed), seed=seed)


class RestartOnlyAGNet(AGNet):
    """AG-Net whose stall handling (``stall_patience``) skips finishing the incumbent's
    neighbourhood: the restart still waits until all of its one-edit neighbours are
    evaluated, but only AG-Net's usual rounds evaluate them."""

    def select(self, model, history, taken, n):  # type: ignore[no-untyped-def]
        return self._select_candidates(model, history, taken, n)


def agnet_restart(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net's restart after a verified local optimum, without finishing its neighbourhood first."""
    return LSOSampler(space, RestartOnlyAGNet(space, seed, stall_patience=STALL_PATIENCE), seed=seed)


def agnet_verify(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net's stall handling, ``stall_patience=32`` (measured as this lever; now the default)."""
    return LSOSampler(space, AGNet(space, seed, stall_patience=STALL_PATIENCE), seed=seed)


def agnet_no_stall(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net as before ``stall_patience=32`` became its default (``stall_patience=None``)."""
    return LSOSampler(space, AGNet(space, seed, stall_patience=None), seed=seed)


def agnet_patience16(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net's stall handling after 16 results without a new best (``stall_patience=16``)."""
    return LSOSampler(space, AGNet(space, seed, stall_patience=16), seed=seed)


def _with_restart(cls: type) -> type:
    class Restart(cls):  # type: ignore[misc, valid-type]
        """``cls`` (with ``stall_patience``) that also restarts away from a verified local
        optimum, as AG-Net does: once every one-edit neighbour of the stalled incumbent is
        evaluated and none is better, the ascent starts from ``num_prior + num_best`` prior
        samples, the incumbents' neighbours leave the candidates, and the performance
        targets rank the evaluated cells within ``restart_radius`` edits of the incumbent
        below all others (in their own order), until a new best."""

        def _predictor_targets(self, history):  # type: ignore[no-untyped-def]
            near = self._near_restart(history)
            if near is not None:
                values = np.array([o.value for o in history])
                drop = float(np.ptp(values)) + 1.0
                history = [
                    dataclasses.replace(o, values=(o.value - drop,)) if is_near else o
                    for o, is_near in zip(history, near)
                ]
            return super()._predictor_targets(history)

        def start_points(self, model, history, gen):  # type: ignore[no-untyped-def]
            if self._restart_from(history) is None:
                return super().start_points(model, history, gen)
            n = self.num_prior + self.num_best
            return torch.cat([torch.randn(n, model.latent_dim, generator=gen), self._random_h(n)], 1)

        def _add_neighbours(self, history, exclude, found):  # type: ignore[no-untyped-def]
            if self._restart_from(history) is None:
                super()._add_neighbours(history, exclude, found)

    Restart.__name__ = Restart.__qualname__ = f"Restart{cls.__name__}"
    return Restart


def graph_vae_stall(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE with ``stall_patience=16`` and AG-Net's restart after a verified local
    optimum (measured as this lever; the library's default keeps the first part only)."""
    return LSOSampler(space, _with_restart(GraphVAESearch)(space, seed, stall_patience=16), seed=seed)


def graph_vae_no_stall(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE as before ``stall_patience=16`` became its default (``None``)."""
    return LSOSampler(space, GraphVAESearch(space, seed, stall_patience=None), seed=seed)


def graph_vae_no_restart(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE with ``stall_patience=16`` and no restart (now the library's default)."""
    return LSOSampler(space, GraphVAESearch(space, seed, stall_patience=16), seed=seed)


def convex_stall(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO with ``stall_patience=16`` and the restart of :func:`graph_vae_stall`."""
    return LSOSampler(space, _with_restart(ConvexLSO)(space, seed, stall_patience=16), seed=seed)


def convex_no_restart(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO with the library's ``stall_patience=16`` (no restart), the graph VAE's default."""
    return LSOSampler(space, ConvexLSO(space, seed, stall_patience=16), seed=seed)


class RestartLocalAGNet(AGNet):
    """AG-Net (``stall_patience=32``) whose restart keeps a local search beside the
    generated candidates: the one-edit neighbours of the ``local_candidates`` best evaluated
    cells more than ``restart_radius`` edits from the local optimum (the default drops the
    neighbour candidates during a restart)."""

    def _candidates(self, model, history, taken, local):  # type: ignore[no-untyped-def]
        near = self._near_restart(history)
        if near is None:
            return super()._candidates(model, history, taken, local)
        candidates = self.generate(model, taken)
        far = [o for o, is_near in zip(history, near) if not is_near]
        exclude = set(taken) | {self.space.key(c) for c in candidates}
        return candidates + [c for _, c in incumbent_neighbours(self.space, far, local, exclude)]


def agnet_restart_local(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net whose restart keeps the neighbours of the best cells away from the local optimum."""
    return LSOSampler(space, RestartLocalAGNet(space, seed), seed=seed)


class ClimbAGNet(AGNet):
    """AG-Net whose candidates also hold a climb on its surrogate from the best cells."""

    climb_steps = 2  # steps past the first neighbourhood: cells up to 1 + climb_steps edits away

    def _candidates(self, model, history, taken, local):  # type: ignore[no-untyped-def]
        candidates = super()._candidates(model, history, taken, local)
        if model.heads != 1 or model.extra_dim or self._restart_from(history) is not None or not local:
            return candidates
        seen = set(taken) | {self.space.key(c) for c in candidates}
        return candidates + _climb(
            self.space, history, local, self.climb_steps, seen, lambda cells: _by_surrogate(model, cells)[0]
        )


def _by_surrogate(model, cells):  # type: ignore[no-untyped-def]
    with torch.no_grad():
        pred = model.predict_vectors(model.cell_vectors(cells)).numpy()
    return [cells[int(i)] for i in np.argsort(-pred, kind="stable")]


def _climb(space, history, local, steps, seen, best_of):  # type: ignore[no-untyped-def]
    """From each of the ``local`` best evaluated cells, ``steps + 1`` moves to the
    neighbour ``best_of`` picks (among those not evaluated); every new neighbour met on the
    way is returned (and added to ``seen``)."""
    evaluated = {o.key for o in history}
    out = []
    for source in best_observations(history, local):
        current = source.cell
        for _ in range(steps + 1):
            cells = [c for c in neighbours(space, current) if space.key(c) not in evaluated]
            if not cells:
                break
            current = best_of(cells)
            for c in cells:
                k = space.key(c)
                if k not in seen:
                    seen.add(k)
                    out.append(c)
    return out


def agnet_climb(space: SearchSpace, seed: int) -> LSOSampler:
    """AG-Net (its defaults) with the climb on its surrogate among the candidates."""
    return LSOSampler(space, ClimbAGNet(space, seed), seed=seed)


class _ClimbVAE:
    """Graph VAE / CR-LSO: the incumbents' one-edit neighbours, then a climb on ``f``."""

    climb_steps = 2

    def _select_decodes(self, model, history, taken, n):  # type: ignore[no-untyped-def]
        self._climb_model = model
        return super()._select_decodes(model, history, taken, n)  # type: ignore[misc]

    def _add_neighbours(self, history, exclude, found):  # type: ignore[no-untyped-def]
        super()._add_neighbours(history, exclude, found)  # type: ignore[misc]
        if not self.local_candidates or not history or self._extra_dim or self._num_objectives != 1:
            return
        seen = set(exclude) | set(found)

        def best_of(cells):  # type: ignore[no-untyped-def]
            return self.rank(self._climb_model, cells)[0]

        for c in _climb(self.space, history, self.local_candidates, self.climb_steps, seen, best_of):
            found[self.space.key(c)] = c


class ClimbGraphVAE(_ClimbVAE, GraphVAESearch):
    """The graph VAE (its defaults) with the climb among its candidates."""


class ClimbConvex(_ClimbVAE, ConvexLSO):
    """CR-LSO (its defaults) with the climb among its candidates."""


def graph_vae_climb(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE with the climb on ``f`` among its candidates."""
    return LSOSampler(space, ClimbGraphVAE(space, seed), seed=seed)


def convex_climb(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO with the climb on ``f`` among its candidates."""
    return LSOSampler(space, ClimbConvex(space, seed), seed=seed)


class DecodeKeys:
    """Graph VAE / CR-LSO mixin: ``_decode_keys`` holds the keys of the last ascent's new
    decodes, so a round can tell its decodes from the incumbents' neighbours."""

    def ascend(self, model, z, exclude):  # type: ignore[no-untyped-def]
        found = super().ascend(model, z, exclude)  # type: ignore[misc]
        self._decode_keys = set(found)
        return found


class _Quota(DecodeKeys):
    """Half of each round (rounded up) from the incumbents' one-edit neighbours, the rest
    from the ascent's decodes, each part the model's best; in the model's order."""

    neighbour_share = 0.5

    def _select_decodes(self, model, history, taken, n):  # type: ignore[no-untyped-def]
        self._in_select, self._round_n, self._decode_keys = True, n, None
        try:
            return super()._select_decodes(model, history, taken, n)  # type: ignore[misc]
        finally:
            self._in_select = False

    def rank(self, model, cells):  # type: ignore[no-untyped-def]
        ordered = super().rank(model, cells)  # type: ignore[misc]
        keys = getattr(self, "_decode_keys", None)
        if not getattr(self, "_in_select", False) or keys is None or self._num_objectives != 1:
            return ordered
        n = self._round_n
        key = self.space.key
        near = [c for c in ordered if key(c) not in keys]
        decodes = [c for c in ordered if key(c) in keys]
        k = min(len(near), math.ceil(self.neighbour_share * n))
        head = near[:k] + decodes[: n - k]
        if len(head) < n:
            have = {key(c) for c in head}
            head += [c for c in ordered if key(c) not in have][: n - len(head)]
        pos = {key(c): i for i, c in enumerate(ordered)}
        head.sort(key=lambda c: pos[key(c)])
        have = {key(c) for c in head}
        return head + [c for c in ordered if key(c) not in have]


class QuotaGraphVAE(_Quota, GraphVAESearch):
    """The graph VAE (its defaults) with half of each round from the incumbents' neighbours."""


class QuotaConvex(_Quota, ConvexLSO):
    """CR-LSO (its defaults) with half of each round from the incumbents' neighbours."""


def graph_vae_quota(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE with the neighbour quota."""
    return LSOSampler(space, QuotaGraphVAE(space, seed), seed=seed)


def convex_quota(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO with the neighbour quota."""
    return LSOSampler(space, QuotaConvex(space, seed), seed=seed)


class StepCapConvex(ConvexLSO):
    """CR-LSO whose step doubling stops at ``max_step`` (the default doubles a point's step
    after every decode that is not new, without a limit: 0.25 x 2^10 after ten)."""

    max_step = 1.0

    def _step(self, model, z, eta):  # type: ignore[no-untyped-def]
        # the step lengths only grow, so capping each step caps the doubling
        return super()._step(model, z, torch.as_tensor(eta).clamp_max(self.max_step))


def convex_step_cap(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO with its step doubling capped at 1."""
    return LSOSampler(space, StepCapConvex(space, seed), seed=seed)


class _HeadEnsemble:
    """Graph VAE / CR-LSO: four more performance heads (of the model's kind unless
    :attr:`head_kind` says otherwise), each from its own initialisation and with its own
    Bayesian-bootstrap weights of the evaluated cells, trained beside the model's own head on
    batches of the evaluated cells' posterior means (detached, and by an optimiser of their
    own, so the VAE and its own head train as in the default). The candidates are then
    ranked by :attr:`mode`: ``"ucb"``, the five heads' mean plus :attr:`kappa` times their
    standard deviation; ``"ts"``, each place of the round taken by the best remaining
    candidate of a head drawn at random; ``"heads"``, the extra heads' mean alone; ``"own"``,
    the model's own head, as the default (the extra heads are only trained). The ascent is
    the default's. The extra heads draw from a generator of their own (seeded by
    :attr:`ens_seed` and the number of results), so the default's draws are unchanged. One
    objective without constraints or searched hyperparameters only (else the default
    ranking)."""

    extra_heads = 4
    kappa = 1.0
    mode = "ucb"
    ens_seed = 0
    #: The extra heads' kind: ``None``, the model's own (``"mlp"`` or ``"icnn"``); ``"mlp"``.
    head_kind: str | None = None

    def _prepare(self, history, gen):  # type: ignore[no-untyped-def]
        model, data = super()._prepare(history, gen)  # type: ignore[misc]
        g = torch.Generator().manual_seed(1_000_003 * int(self.ens_seed) + len(history))
        with torch.random.fork_rng(devices=[]):
            torch.default_generator.manual_seed(int(torch.randint(2**62, (1,), generator=g)))
            zi, ph = model.config.latent_dim + model.extra_dim, model.config.predictor_hidden
            kind = self.head_kind or model.config.predictor
            heads = [predictor_head(kind, zi, ph) for _ in range(self.extra_heads)]
        model.ens_heads = torch.nn.ModuleList(heads)
        n = len(history)
        w = -torch.log(torch.rand(self.extra_heads, n, generator=g).clamp_min(1e-12))
        data["ens_w"] = w / w.mean(1, keepdim=True)
        data["ens_gen"] = g
        return model, data

    def _plain(self) -> bool:
        """Whether the search is one the ensemble leaves to the default (more than one
        objective, constraints or searched hyperparameters, a complexity term)."""
        return bool(self._num_objectives != 1 or self._extra_dim or self.complexity is not None)  # type: ignore[attr-defined]

    def _predictions(self, model, z):  # type: ignore[no-untyped-def]
        """Every head's performance at ``z``, the model's own first: ``[1 + extra_heads, B]``."""
        return torch.stack([model.predict_performance(z)] + [head_performance(h, z) for h in model.ens_heads])

    def _training_loss(self, model, data, gen):  # type: ignore[no-untyped-def]
        loss, parts = super()._training_loss(model, data, gen)  # type: ignore[misc]
        g, n = data["ens_gen"], len(data["x"])
        idx = torch.randint(n, (min(self.train_batch_size, n),), generator=g)  # type: ignore[attr-defined]
        with torch.no_grad():
            mu, _ = model.encode(data["x"][idx], data["adj"][idx], data["mask"][idx])
            z = torch.cat([mu, data["h"][idx]], 1)
        extra = z.new_zeros(())
        for k, head in enumerate(model.ens_heads):
            err = (head_performance(head, z) - data["y"][idx]) ** 2
            extra = extra + (data["ens_w"][k, idx] * err).mean()
        # the heads' own optimiser step, so that their gradients stay out of the model's
        # (its gradient clipping takes the norm over the parameters that have gradients)
        if "ens_opt" not in data:
            data["ens_opt"] = torch.optim.Adam(model.ens_heads.parameters(), lr=self.lr)  # type: ignore[attr-defined]
        opt = data["ens_opt"]
        opt.zero_grad()
        extra.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss, parts

    def _after_step(self, model):  # type: ignore[no-untyped-def]
        super()._after_step(model)  # type: ignore[misc]
        for head in getattr(model, "ens_heads", ()):
            if isinstance(head, ICNN):
                head.clamp_()

    def rank(self, model, cells):  # type: ignore[no-untyped-def]
        if getattr(model, "ens_heads", None) is None or self._plain() or len(cells) < 2 or self.mode == "own":
            return super().rank(model, cells)  # type: ignore[misc]
        with torch.no_grad():
            p = self._predictions(model, model.encode_cells(cells)[0]).numpy()
        if self.mode == "heads":  # the extra heads' mean alone
            order = list(np.argsort(-p[1:].mean(0), kind="stable"))
        elif self.mode == "ucb":
            score = p.mean(0) + self.kappa * p.std(0)
            order = list(np.argsort(-score, kind="stable"))
        else:
            rng = np.random.default_rng(1_000_003 * int(self.ens_seed) + len(self._history))  # type: ignore[attr-defined]
            left = set(range(len(cells)))
            order = []
            by_head = [list(np.argsort(-row, kind="stable")) for row in p]
            while left:
                row = by_head[int(rng.integers(len(by_head)))]
                pick = next(i for i in row if i in left)
                left.discard(pick)
                order.append(pick)
        return [cells[int(i)] for i in order]


class EnsembleGraphVAE(_HeadEnsemble, GraphVAESearch):
    """The graph VAE (its defaults) with its candidates ranked by five predictor heads."""


class EnsembleConvex(_HeadEnsemble, ConvexLSO):
    """CR-LSO (its defaults) with its candidates ranked by extra predictor heads (ICNN heads
    beside its own; MLP heads with ``head_kind="mlp"``)."""


def _ensemble(cls: type, mode: str, space: SearchSpace, seed: int, head_kind: str | None = None) -> LSOSampler:
    strategy = cls(space, seed)
    strategy.mode, strategy.ens_seed, strategy.head_kind = mode, seed, head_kind
    return LSOSampler(space, strategy, seed=seed)


def graph_vae_ucb(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE, candidates ranked by the heads' mean plus their standard deviation."""
    return _ensemble(EnsembleGraphVAE, "ucb", space, seed)


def graph_vae_ts(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE, each place of a round from a head drawn at random."""
    return _ensemble(EnsembleGraphVAE, "ts", space, seed)


def convex_ucb(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO, candidates ranked by the heads' mean plus their standard deviation."""
    return _ensemble(EnsembleConvex, "ucb", space, seed)


def convex_ts(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO, each place of a round from a head drawn at random."""
    return _ensemble(EnsembleConvex, "ts", space, seed)


def convex_mlp_rank(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO whose candidates are ranked by the mean of four MLP heads (the ICNN still
    leads the ascent)."""
    return _ensemble(EnsembleConvex, "heads", space, seed, head_kind="mlp")


class _FullThompson(_HeadEnsemble):
    """The head ensemble's Thompson-like ranking (``"ts"``), and in the ascent each start
    point climbs ``f`` of one head drawn at random (the model's own or an extra one) instead
    of the model's own head."""

    mode = "ts"
    #: Per start point, the head its ascent climbs (set from the start points to the end
    #: of the ascent; ``None`` otherwise).
    _ascent_heads: torch.Tensor | None = None

    def start_points(self, model, history, gen):  # type: ignore[no-untyped-def]
        z = super().start_points(model, history, gen)  # type: ignore[misc]
        if getattr(model, "ens_heads", None) is not None and not self._plain():
            g = torch.Generator().manual_seed(1_000_003 * int(self.ens_seed) + 13 * len(history) + 1)
            self._ascent_heads = torch.randint(1 + len(model.ens_heads), (len(z),), generator=g)
        return z

    def ascend(self, model, z, exclude):  # type: ignore[no-untyped-def]
        try:
            return super().ascend(model, z, exclude)  # type: ignore[misc]
        finally:
            self._ascent_heads = None  # the ranking after the ascent is the "ts" one

    def objective(self, model, z):  # type: ignore[no-untyped-def]
        rows = self._ascent_heads
        if rows is None or len(rows) != len(z):
            return super().objective(model, z)  # type: ignore[misc]
        return self._predictions(model, z).gather(0, rows.unsqueeze(0)).squeeze(0)


class FullThompsonGraphVAE(_FullThompson, GraphVAESearch):
    """The graph VAE with a head drawn at random per start point and per place of a round."""


class FullThompsonConvex(_FullThompson, ConvexLSO):
    """CR-LSO with an ICNN head drawn at random per start point and per place of a round."""


def graph_vae_ts_ascent(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE, Thompson-like in the ascent and in the ranking."""
    return _ensemble(FullThompsonGraphVAE, "ts", space, seed)


def convex_ts_ascent(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO, Thompson-like in the ascent and in the ranking."""
    return _ensemble(FullThompsonConvex, "ts", space, seed)


# -- teacher map -------------------------------------------------------------------------------


def teacher_map(
    space: SearchSpace, model: GraphVAE, pcs: int | None = None, target: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight ``[d, latent]`` and bias ``[d]`` of the least-squares map from ``model``'s
    posterior means to the targets of :func:`~lso_sampler.models.pretrain.teacher_encoder`
    on :func:`~lso_sampler.models.pretrain.teacher_cells` (``target``: those targets, when
    the caller has the teacher already)."""
    if target is None:
        target = teacher_encoder(space, pcs)[1]
    s = _posterior_means(model, teacher_cells(space)).double()
    s1 = torch.cat([s, torch.ones(len(s), 1, dtype=s.dtype)], 1)
    a = torch.linalg.lstsq(s1, target).solution
    return a[:-1].T.float().contiguous(), a[-1].float().contiguous()


class TeacherMappedGraphVAE(GraphVAESearch):
    """The graph VAE whose performance head reads :func:`teacher_map` of ``z`` (fitted on
    the first fit's pretrained model, fixed for the run)."""

    #: ``None``: the teacher's whole latent; else that many principal components.
    teacher_pcs: int | None = None

    def fresh_model(self) -> GraphVAE:
        model = super().fresh_model()
        if self._num_objectives != 1 or self._extra_dim or model.config.predictor != "mlp":
            raise ValueError("the teacher map is measured for one objective, no hyperparameters, the MLP head")
        if getattr(self, "_teacher_map", None) is None:
            self._teacher_map = teacher_map(self.space, model, self.teacher_pcs)
        weight, bias = self._teacher_map
        linear = torch.nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            linear.weight.copy_(weight)
            linear.bias.copy_(bias)
        linear.requires_grad_(False)
        model.perf = torch.nn.Sequential(linear, predictor_head("mlp", weight.shape[0], model.config.predictor_hidden))
        return model


class TeacherPCsGraphVAE(TeacherMappedGraphVAE):
    """:class:`TeacherMappedGraphVAE` onto the teacher's top 10 principal components."""

    teacher_pcs = 10


def graph_vae_teacher(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE whose head reads the map of ``z`` onto the gated-sum VAE's latent."""
    return LSOSampler(space, TeacherMappedGraphVAE(space, seed), seed=seed)


def graph_vae_teacher_pcs(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE whose head reads the map of ``z`` onto the gated-sum VAE's top 10 PCs."""
    return LSOSampler(space, TeacherPCsGraphVAE(space, seed), seed=seed)


def graph_vae_gated_sum(space: SearchSpace, seed: int) -> LSOSampler:
    """The graph VAE with :data:`~lso_sampler.models.pretrain.TEACHER_CONFIG`'s options
    (D-VAE's gated sum, no node indices, index logits or teacher map), whatever the space's
    defaults."""
    return LSOSampler(space, GraphVAESearch(space, seed, config=TEACHER_CONFIG), seed=seed)


def convex_gated_sum(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO with :data:`~lso_sampler.models.pretrain.TEACHER_CONFIG`'s options, as
    :func:`graph_vae_gated_sum`."""
    return LSOSampler(space, ConvexLSO(space, seed, config=TEACHER_CONFIG), seed=seed)


class RandomSkipConvexLSO(ConvexLSO):
    """CR-LSO whose fresh ICNN heads have a random output skip (the former initialisation)."""

    def fresh_model(self) -> GraphVAE:
        model = super().fresh_model()
        for head in (model.perf, model.comp):
            if isinstance(head, ICNN):
                head.inputs[-1].reset_parameters()
        return model


def convex_random_skip(space: SearchSpace, seed: int) -> LSOSampler:
    """CR-LSO with the ICNN's former random output skip (:class:`RandomSkipConvexLSO`)."""
    return LSOSampler(space, RandomSkipConvexLSO(space, seed), seed=seed)
