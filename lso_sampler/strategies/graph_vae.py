"""Graph VAE + gradient ascent in latent space (NGAE, with D-VAE / SVGe / GIN encoders)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from lso_sampler._checks import check_float, check_int, renamed
from lso_sampler.cell import Cell
from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.models.pretrain import load_or_pretrain_vae
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies.base import (
    ModelBasedStrategy,
    Observation,
    best_observations,
    constrained_ranks,
    history_arrays,
    incumbent_neighbours,
)

__all__ = ["GraphVAESearch", "normalise", "rank_normalise"]
TARGETS = ("rank", "minmax")


def normalise(values: Sequence[float]) -> torch.Tensor:
    """Min-max scale to [0.05, 0.95] (a sigmoid output can reach every target)."""
    v = torch.tensor(list(values), dtype=torch.float32)
    span = float(v.max() - v.min()) if len(v) else 0.0
    if span <= 0:
        return torch.full_like(v, 0.5)
    return 0.05 + 0.9 * (v - v.min()) / span


def rank_normalise(values: Sequence[float]) -> torch.Tensor:
    """Ranks (ties averaged) scaled to [0.05, 0.95]: evenly spread targets, so a few very
    bad cells do not squeeze the good ones into a sliver the predictor's MSE ignores."""
    v = np.asarray(list(values), dtype=np.float64)
    if len(v) < 2:
        return torch.full((len(v),), 0.5)
    _, inverse, counts = np.unique(v, return_inverse=True, return_counts=True)
    starts = np.cumsum(counts) - counts
    ranks = (starts + (counts - 1) / 2.0)[inverse]  # 0-based, ties share their mean rank
    return torch.tensor(0.05 + 0.9 * ranks / (len(v) - 1), dtype=torch.float32)


class GraphVAESearch(ModelBasedStrategy):
    """NGAE (Li et al.): a graph VAE trained jointly with performance and complexity
    predictors, and new cells from gradient ascent in its latent space.

    The first ``n_startup_trials`` cells are random. Then every call (one search iteration) starts
    from the query-free pretrained VAE, trains it with fresh predictors on the evaluated
    cells for ``epochs`` epochs (NGAE eq. 6: reconstruction + ``beta`` KL + performance
    MSE + complexity MSE), and moves latents uphill on ``f = f_perf - λ f_comp`` (eq. 7):
    ``num_prior`` prior samples and the posterior means of the ``num_best`` best
    evaluated cells take ``steps`` gradient steps of length ``step_size``; every point on
    the way is decoded (constrained by the space, so every decode is valid). Decodes
    already evaluated or pending are skipped; the distinct rest are ranked by ``f`` at
    their own encoding and the best ``n`` returned, topped up at random if too few.

    Restarting from the pretrained weights each iteration makes the proposals a function
    of the history and the seed only (a resumed search continues exactly).

    Two objectives: the complexity predictor learns the second one (as a cost: NGAE's
    second head), and every start point ascends its own random scalarisation
    ``w f_perf - (1 - w) f_comp`` with ``w ~ U(0, 1)``, so the decodes spread along the
    front; the new cells are ranked by non-dominated sorting of the two predictions (then
    by the sum of their ranks). Constraints: the performance targets are ranks in which
    every infeasible cell comes below every feasible one (infeasible ones by violation),
    so the ascent leads away from cells that broke a constraint.

    Args:
        space: The search space.
        seed: Random seed.
        encoder: ``"dvae"`` (D-VAE/NGAE DAG-GRU), ``"svge"`` (two-sided) or ``"gin"``.
        complexity: ``cell -> float`` (parameters, FLOPs, latency, ...), learned by the
            complexity predictor; ``None`` leaves it out.
        complexity_weight: ``λ`` in ``f = f_perf - λ f_comp`` (both normalised to [0, 1]).
        n_startup_trials: Random cells before the first iteration (16; Optuna's name
            for the start-up count, formerly ``num_init``, which still works with a
            FutureWarning).
        epochs: Training epochs per iteration over the evaluated cells; default 30 for
            spaces of at most 20,000 cells, else 15.
        train_batch_size: Evaluated cells per training step (16; the cells one proposal
            round returns are :attr:`batch_size`).
        lr: Adam learning rate (1e-3; gradients are clipped at norm 5).
        round_growth: Proposal rounds of the samplers and searchers after the start-up
            of ``ceil(round_growth x results)`` cells (at least 4 and one more than the
            trials in flight, at most the round size): the model is refitted often while
            results are few. ``None``: full rounds (:attr:`batch_size`).
        device: Where the model trains (``"cpu"``; ``"cuda"`` on a GPU): see
            :class:`~lso_sampler.strategies.ModelBasedStrategy`.
        predictor_weight: Weight of the predictor losses against the summed
            reconstruction loss (NGAE: 1).
        num_prior: Prior samples started from per iteration (64).
        num_best: Best evaluated cells whose latents are started from (16).
        steps: Gradient steps ``L`` (10).
        step_size: Length ``η`` of each (normalised) gradient step (0.5).
        config: Model sizes; its ``encoder`` is set from ``encoder``, and an undecided
            ``encoder_positions``, ``encoder_readout`` and ``decoder_positions`` from the space
            (:meth:`~lso_sampler.models.graph_vae.GraphVAEConfig.for_space`).
        pretrain_steps: Query-free pretraining steps of 128 random cells (``None``: those
            of the shipped weights, which exist for every built-in space with ``dvae`` and
            for NAS-Bench-201 with every encoder, each with the space's default model
            options, see
            :func:`~lso_sampler.models.pretrain.default_vae_steps`; other spaces and
            encoders pretrain 4,000 steps once, at the first model-based iteration, and are
            cached in ``$LSO_SAMPLER_CACHE``; benchmarks/README.md says how long this takes).
        target: How the predictor's performance targets are scaled to [0.05, 0.95]:
            ``"rank"`` (by rank, the default) or ``"minmax"`` (by value; with constraints
            the targets are always ranks).
        local_candidates: Best evaluated cells whose one-edit neighbours (not evaluated,
            not pending) join the decodes as candidates, all ranked by ``f`` (a trust
            region around the incumbents beside the ascent; each neighbour is proposed with
            its source cell's hyperparameter values as one of its candidates). Default 4:
            the search alone stalls two or three edits short of the best cells
            (benchmarks/README.md, search-quality levers); ``0``: decodes only, as NGAE.
        stall_patience: Results without a new best after which the search finishes the
            local search around its incumbent (16; ``None``: never, the default before
            16). While stalled, each round first takes the incumbent's one-edit neighbours
            not yet evaluated or pending, those ``f`` rates best first (the ascent's decodes
            fill the rest of the round); once all of them are evaluated, the rounds are the
            usual ones until a new best. Unlike :class:`AGNet` the search does not restart
            away from a verified local optimum (benchmarks/README.md: the restart cost
            NAS-Bench-201 CIFAR-100 and NAS-Bench-Graph seeds their best cells). Only with
            one objective, no constraints and no hyperparameters (otherwise the rounds are
            as without it).

    Raises:
        TypeError: if an option has the wrong type (a float or bool for an int, a string
            for a number).
        ValueError: if an option is out of range, NaN or infinite (``step_size=inf``,
            ``pretrain_steps=-1``, ``lr=nan``),
            or ``device`` names a device torch cannot use here (``device="cuda"`` without a GPU).

    Example:
        >>> from lso_sampler.spaces import NASBench201Space
        >>> search = GraphVAESearch(NASBench201Space(), seed=0)
        >>> len(search.propose([], [], 16))  # the random initial design
        16
    """

    name = "graph-vae"
    #: Most objectives a study may have (performance and a cost); the Optuna adapter refuses
    #: a study with more at its first trial.
    max_objectives: int | None = 2
    batch_size = 16
    grad_clip = 5.0
    predictor_kind = "mlp"
    supports_multi_objective = True
    supports_constraints = True
    supports_hyperparameters = True
    #: Hyperparameter candidates scored with each new decode
    #: (:meth:`~lso_sampler.strategies.ModelBasedStrategy.candidate_hyperparameters`),
    #: beside the values its start point carried.
    hyperparameter_candidates = 16

    @renamed(num_init="n_startup_trials")
    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = None,
        *,
        encoder: str = "dvae",
        complexity: Callable[[Cell], float] | None = None,
        complexity_weight: float = 0.0,
        n_startup_trials: int = 16,
        epochs: int | None = None,
        train_batch_size: int = 16,
        lr: float = 1e-3,
        round_growth: float | None = None,
        device: Any = "cpu",
        predictor_weight: float = 1.0,
        num_prior: int = 64,
        num_best: int = 16,
        steps: int = 10,
        step_size: float = 0.5,
        config: GraphVAEConfig | None = None,
        pretrain_steps: int | None = None,
        target: str = "rank",
        local_candidates: int = 4,
        stall_patience: int | None = 16,
    ) -> None:
        super().__init__(
            space,
            seed,
            n_startup_trials=n_startup_trials,
            epochs=epochs,
            train_batch_size=train_batch_size,
            lr=lr,
            round_growth=round_growth,
            device=device,
        )
        if target not in TARGETS:
            raise ValueError(f"target: expected one of {TARGETS}, got {target!r}")
        num_prior = check_int("num_prior", num_prior, 0)
        num_best = check_int("num_best", num_best, 0)
        steps = check_int("steps", steps, 0)
        if num_prior + num_best == 0:
            raise ValueError("num_prior, num_best: at least one must be positive (the search has no start points)")
        step_size = check_float("step_size", step_size, 0.0, low_open=True)
        complexity_weight = check_float("complexity_weight", complexity_weight, 0.0)
        predictor_weight = check_float("predictor_weight", predictor_weight, 0.0)
        if pretrain_steps is not None:
            pretrain_steps = check_int("pretrain_steps", pretrain_steps, 0)
        local_candidates = check_int("local_candidates", local_candidates, 0)
        if stall_patience is not None:
            stall_patience = check_int("stall_patience", stall_patience, 1)
        if config is not None and not isinstance(config, GraphVAEConfig):
            raise TypeError(f"config: must be a GraphVAEConfig or None, got {type(config).__name__}")
        if complexity_weight > 0 and complexity is None:
            raise ValueError("complexity: give a cell -> float function when complexity_weight > 0")
        if complexity is not None and not callable(complexity):
            raise TypeError(f"complexity: expected a callable cell -> float, got {type(complexity).__name__}")
        base = config or GraphVAEConfig()
        self.config = dataclasses.replace(base, encoder=encoder, predictor=self.predictor_kind).for_space(space)
        self.complexity = complexity
        self.complexity_weight = complexity_weight
        self.predictor_weight = predictor_weight
        self.num_prior = num_prior
        self.num_best = num_best
        self.steps = steps
        self.step_size = step_size
        self.pretrain_steps = pretrain_steps
        self.target = target
        self.local_candidates = local_candidates
        self.stall_patience = stall_patience
        self._pretrained: dict[str, torch.Tensor] | None = None
        #: Objectives of the last fitted history; per-start-point scalarisation weights
        #: ``[B, 2]`` while a two-objective ascent runs.
        self._num_objectives = 1
        self._weights: torch.Tensor | None = None
        #: Predictor inputs beside ``z`` (the encoded hyperparameters) of the last model.
        self._extra_dim = 0
        #: Encoded hyperparameters each new decode was reached with on this round, by key.
        self._found_h: dict[str, torch.Tensor] = {}
        self._history: Sequence[Observation] = ()

    # -- model -----------------------------------------------------------------------------
    def new_model(self) -> GraphVAE:
        return GraphVAE(self.space, self.config, extra_dim=self._extra_dim)

    def fresh_model(self) -> GraphVAE:
        """The pretrained VAE with freshly initialised predictors (taking the encoded
        hyperparameters beside ``z`` when some are searched); its pretrained ``teacher``
        map (``teacher_pcs``) stays fixed in the fits."""
        if self._pretrained is None:
            # in a fork of torch's generator: whether the weights were loaded before must not
            # change the draws of this fit (a restored searcher proposes as the original)
            with torch.random.fork_rng(devices=[]):
                self._pretrained = load_or_pretrain_vae(self.space, self.config, self.pretrain_steps)
        self._extra_dim = self.hyperparameters.dim if self.hyperparameters is not None else 0
        model = GraphVAE(self.space, self.config, extra_dim=self._extra_dim)
        model.load_vae_state_dict(self._pretrained)
        if model.teacher is not None:
            model.teacher.requires_grad_(False)
        return model

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["extra_dim"] = self._extra_dim
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._extra_dim = int(state.get("extra_dim", 0))
        super().load_state_dict(state)

    def _unlabeled(self, gen: torch.Generator) -> list[Cell] | None:
        """Unlabeled cells that join the VAE's training (none here; CR-LSO uses some)."""
        return None

    def _prepare(self, history: Sequence[Observation], gen: torch.Generator) -> tuple[GraphVAE, dict[str, Any]]:
        """The pretrained VAE with fresh predictors, the evaluated cells' tensors and
        predictor targets, and the tensors of the unlabeled cells (if any)."""
        model = self.fresh_model()
        x, types, adj, mask = model.tensors([o.cell for o in history])
        y, comp = self._predictor_targets(history)
        unlabeled = self._unlabeled(gen)
        ux = model.tensors(unlabeled) if unlabeled else None
        h = self.hyperparameter_matrix(history)  # [n, 0] without hyperparameters
        data = {"x": x, "types": types, "adj": adj, "mask": mask, "y": y, "comp": comp, "unlabeled": ux, "h": h}
        return model, data

    def _training_loss(
        self, model: GraphVAE, data: dict[str, Any], gen: torch.Generator
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """NGAE eq. 6 on a random batch of the evaluated cells (reconstruction + ``beta``
        KL + ``predictor_weight`` x predictor MSE), plus reconstruction + KL on as many
        unlabeled cells when there are some."""
        n = len(data["x"])
        idx = torch.randint(n, (min(self.train_batch_size, n),), generator=gen)
        rec, kl, z = model.vae_loss(data["x"][idx], data["types"][idx], data["adj"][idx], data["mask"][idx])
        z = torch.cat([z, data["h"][idx]], 1)  # the predictors see the hyperparameters too
        pred = (model.predict_performance(z) - data["y"][idx]) ** 2
        comp = data["comp"]
        if comp is not None:
            pred = pred + (model.predict_complexity(z) - comp[idx]) ** 2
        loss = (rec + model.config.beta * kl + self.predictor_weight * pred).mean()
        ux = data["unlabeled"]
        if ux is not None:
            uidx = torch.randint(len(ux[0]), (self.train_batch_size,), generator=gen)
            urec, ukl, _ = model.vae_loss(*(t[uidx] for t in ux))
            loss = loss + (urec + model.config.beta * ukl).mean()
        return loss, {"reconstruction": rec, "predictor_mse": pred}

    def _after_step(self, model: GraphVAE) -> None:
        model.after_step()  # keeps ICNN predictors convex

    def _predictor_targets(self, history: Sequence[Observation]) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Performance targets ``[n]`` and complexity targets ``[n]`` (or ``None``)."""
        values, _, violation = history_arrays(history)
        m = values.shape[1]
        if m > 2:
            raise ValueError(
                f"{type(self).__name__} handles one or two objectives (performance and a cost), "
                f"but the study has {m}; use AGNetSampler or NSGAIISampler for more"
            )
        if m == 2 and self.complexity is not None:
            raise ValueError(
                "complexity: in a two-objective study the second objective is the complexity "
                "predictor's target; leave complexity (and complexity_weight) out"
            )
        self._num_objectives = m
        scale = rank_normalise if self.target == "rank" else normalise
        if (violation > 0).any():
            ranks = constrained_ranks(values[:, :1], violation)  # 0 = best
            n = len(ranks)
            y = torch.tensor(0.05 + 0.9 * (n - 1 - ranks) / max(n - 1, 1), dtype=torch.float32)
        else:
            y = scale(values[:, 0].tolist())
        comp = None
        if m == 2:
            comp = scale((-values[:, 1]).tolist())  # a cost: larger is worse
        elif self.complexity is not None:
            comp = normalise([float(self.complexity(o.cell)) for o in history])
        return y, comp

    def objective(self, model: GraphVAE, z: torch.Tensor) -> torch.Tensor:
        """``f(z) = f_perf(z) - λ f_comp(z)`` (NGAE eq. 7), ``[B]``; in a two-objective
        search ``w f_perf - (1 - w) f_comp`` with each row's own ``w``."""
        f = model.predict_performance(z)
        if self._weights is not None:
            w = self._weights[: len(z)]
            return w[:, 0] * f - w[:, 1] * model.predict_complexity(z)
        if self.complexity is not None and self.complexity_weight > 0:
            f = f - self.complexity_weight * model.predict_complexity(z)
        return f

    # -- search ----------------------------------------------------------------------------
    def start_points(self, model: GraphVAE, history: Sequence[Observation], gen: torch.Generator) -> torch.Tensor:
        """Prior samples and the posterior means of the best evaluated cells (with
        hyperparameters: the prior samples with random values of them, the best cells
        with their own)."""
        best = best_observations(history, self.num_best)
        parts = [torch.randn(self.num_prior, model.latent_dim, generator=gen)]
        hs = [self._random_h(self.num_prior)]
        if best:
            with torch.no_grad():
                parts.append(model.encode_cells([o.cell for o in best])[0])
            hs.append(self.hyperparameter_matrix(best))
        return torch.cat([torch.cat(parts), torch.cat(hs)], 1)

    def _random_h(self, n: int) -> torch.Tensor:
        """``n`` random encoded hyperparameters ``[n, dim]`` (``dim = 0`` without)."""
        hp = self.hyperparameters
        if hp is None or not self._extra_dim:
            return torch.zeros(n, 0)
        return torch.tensor(hp.sample(self.rng, n), dtype=torch.float32)

    def _step(self, model: GraphVAE, z: torch.Tensor, eta: float | torch.Tensor) -> torch.Tensor:
        """One normalised gradient step of length ``eta`` on :meth:`objective` from ``z``.
        With hyperparameters appended to the latents, only the latents move (the values a
        cell is proposed with are chosen in :meth:`rank`)."""
        z = z.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(self.objective(model, z).sum(), z)
        grad[:, model.latent_dim :] = 0.0
        norm = grad.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return z.detach() + eta * grad / norm

    def ascend(self, model: GraphVAE, z: torch.Tensor, exclude: set[str]) -> dict[str, Cell]:
        """Gradient ascent from ``z``, decoding every point; new cells by key."""
        found: dict[str, Cell] = {}
        self._collect(model, z, exclude, found)
        for _ in range(self.steps):
            z = self._step(model, z, self.step_size)
            self._collect(model, z, exclude, found)
        return found

    def _collect(self, model: GraphVAE, z: torch.Tensor, exclude: set[str], found: dict[str, Cell]) -> list[bool]:
        """Decode ``z`` (its latent columns); add valid new cells to ``found`` (and the
        hyperparameter columns they were reached with); per row, whether it was new."""
        new = []
        z = z.detach()
        for row, cell in enumerate(model.decode(z[:, : model.latent_dim])):
            k = self.space.key(cell) if self.space.is_valid(cell) else None
            fresh = k is not None and k not in exclude and k not in found
            if fresh:
                found[k] = cell
                if z.shape[1] > model.latent_dim:
                    self._found_h[k] = z[row, model.latent_dim :].clone()
            new.append(fresh)
        return new

    def rank(self, model: GraphVAE, cells: list[Cell]) -> list[Cell]:
        """Cells by ``f`` at their own posterior mean, best first (two objectives: by
        non-dominated sorting of the two predictions)."""
        if not cells:
            return []
        with torch.no_grad():
            z = model.encode_cells(cells)[0]
            if self._extra_dim:
                z = torch.cat([z, self._best_h(model, cells, z)], 1)
            if self._num_objectives == 2:
                pred = torch.stack([model.predict_performance(z), -model.predict_complexity(z)], 1)
                order = np.argsort(constrained_ranks(pred.numpy()), kind="stable")
            else:
                order = np.argsort(-self.objective(model, z).numpy(), kind="stable")
        return [cells[int(i)] for i in order]

    def _best_h(self, model: GraphVAE, cells: list[Cell], z: torch.Tensor) -> torch.Tensor:
        """For each of ``cells`` (latents ``z``), the encoded hyperparameters the
        predictors rate best among :attr:`hyperparameter_candidates` candidates of its own
        and the values its start point carried (``[len(cells), dim]``; recorded for :meth:`select`).
        Two objectives: rated by ``f_perf - f_comp``."""
        hp = self.hyperparameters
        assert hp is not None
        own = torch.tensor(
            hp.snap(np.stack([self._found_h[self.space.key(c)].numpy() for c in cells])), dtype=torch.float32
        )
        c = len(cells)
        others = self.candidate_hyperparameters(self._history, c, self.hyperparameter_candidates)
        h = torch.cat([own.unsqueeze(1), others], 1)  # [c, m, dim]
        m = h.shape[1]
        x = torch.cat([z.unsqueeze(1).expand(-1, m, -1), h], 2).reshape(c * m, -1)
        if self._num_objectives == 2:
            score = model.predict_performance(x) - model.predict_complexity(x)
        else:
            score = self.objective(model, x)
        best = h[torch.arange(c), score.reshape(c, m).argmax(1)]
        for cell, row in zip(cells, best):
            self._found_h[self.space.key(cell)] = row
        return best

    def _add_neighbours(self, history: Sequence[Observation], exclude: set[str], found: dict[str, Cell]) -> None:
        """Add the new one-edit neighbours of the :attr:`local_candidates` best evaluated
        cells to ``found`` (after the decodes), each with its source cell's encoded
        hyperparameters."""
        if not self.local_candidates or not history:
            return
        h: dict[int, torch.Tensor] = {}  # per source observation
        for source, cell in incumbent_neighbours(self.space, history, self.local_candidates, exclude | set(found)):
            k = self.space.key(cell)
            found[k] = cell
            if self._extra_dim:
                if id(source) not in h:
                    h[id(source)] = self.hyperparameter_matrix([source])[0]
                self._found_h[k] = h[id(source)].clone()

    def select(self, model: GraphVAE, history: Sequence[Observation], taken: set[str], n: int) -> list[Cell]:
        """Ascend from the start points; the ``n`` new decodes ``f`` rates best. With
        hyperparameters, the predictors see them beside the latents: each start point
        carries values (a best cell its own, a prior sample random ones) while its latents
        ascend, and each new decode is proposed with the values the predictors rate best
        for it (:meth:`rank`). After a stall (:attr:`stall_patience`), the incumbent's
        untried one-edit neighbours come first, those ``f`` rates best first."""
        self._found_h = {}
        self._history = history
        return self._finish_neighbourhood(
            history,
            taken,
            n,
            lambda cells: self.rank(model, cells),
            lambda rest, k: self._select_decodes(model, history, rest, k),
        )

    def _select_decodes(self, model: GraphVAE, history: Sequence[Observation], taken: set[str], n: int) -> list[Cell]:
        """The ``n`` of the ascent's new decodes and the incumbents' new neighbours that
        ``f`` rates best (with hyperparameters, each with the values chosen for it)."""
        gen = self._torch_gen()
        start = self.start_points(model, history, gen)
        if self._num_objectives == 2:
            w = torch.rand(len(start), 1, generator=gen)
            self._weights = torch.cat([w, 1 - w], 1)
        try:
            found = self.ascend(model, start, taken)
        finally:
            self._weights = None
        self._add_neighbours(history, taken, found)
        self.last_stats["candidates"] = float(len(found))
        chosen = self.rank(model, list(found.values()))[:n]
        hp = self.hyperparameters
        if hp is not None and self._extra_dim:
            for cell in chosen:
                k = self.space.key(cell)
                self._chosen_hyperparameters[k] = hp.decode(self._found_h[k].numpy())
        return chosen
