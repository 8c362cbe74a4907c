"""CR-LSO: the graph VAE with an input-convex predictor, trained semi-supervised."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from lso_sampler._checks import check_float, check_int, renamed
from lso_sampler.cell import Cell
from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies.base import Observation, best_observations
from lso_sampler.strategies.graph_vae import GraphVAESearch

__all__ = ["ConvexLSO"]


class ConvexLSO(GraphVAESearch):
    """CR-LSO (Rao, Zhao & Liu): convexity-regularised latent space optimisation.

    As :class:`GraphVAESearch`, but the performance predictor is an
    :class:`~lso_sampler.models.icnn.ICNN` (its hidden-to-hidden weights clamped non-negative
    after every step), so the predicted error is convex in ``z`` and the VAE is trained to
    lay the cells out so that this holds; the VAE also learns from ``num_unlabeled``
    random cells per iteration (reconstruction + KL only: semi-supervised). The search
    takes the posterior means of the ``num_best`` best cells, perturbs each
    ``num_perturb`` times with N(0, ``noise``²), takes ``steps`` gradient steps on the
    ICNN, decodes after each, and doubles a point's step length whenever its decode is
    already known (evaluated, pending or found on this round).

    Args:
        space: The search space.
        seed: Random seed.
        encoder: ``"dvae"`` (D-VAE/NGAE DAG-GRU), ``"svge"`` (two-sided) or ``"gin"``.
        complexity: ``cell -> float`` learned by the complexity predictor (an ICNN too, so
            that ``f_perf - λ f_comp`` stays concave in ``z``); ``None`` leaves it out.
        complexity_weight: ``λ`` in ``f = f_perf - λ f_comp``.
        n_startup_trials: Random cells before the first iteration (16; Optuna's name
            for the start-up count, formerly ``num_init``, which still works with a
            FutureWarning).
        epochs: Training epochs per iteration over the evaluated cells; default 30 for
            spaces of at most 20,000 cells, else 15.
        train_batch_size: Evaluated cells per training step, and unlabeled cells per step
            (16; the cells one proposal round returns are :attr:`batch_size`).
        lr: Adam learning rate (1e-3; gradients are clipped at norm 5).
        round_growth: Proposal rounds of the samplers and searchers after the start-up
            of ``ceil(round_growth x results)`` cells (at least 4 and one more than the
            trials in flight, at most the round size): the model is refitted often while
            results are few. ``None``: full rounds (:attr:`batch_size`).
        device: Where the model trains (``"cpu"``; ``"cuda"`` on a GPU): see
            :class:`~lso_sampler.strategies.ModelBasedStrategy`.
        predictor_weight: Weight of the predictor losses against the summed
            reconstruction loss (1).
        num_prior: Prior samples started from per iteration, besides the perturbed best
            latents (0).
        num_best: Best evaluated cells whose perturbed latents are started from (16).
        steps: Gradient steps per start point (10).
        step_size: Initial step length ``η`` (0.25: the doubling rule lengthens it as
            needed).
        config: Model sizes; its ``encoder`` is set from ``encoder``.
        pretrain_steps: Query-free pretraining steps of the VAE (``None``: those of the
            shipped weights; the same weights as :class:`GraphVAESearch`'s).
        target: How the performance targets are scaled to [0.05, 0.95]: ``"rank"`` or
            ``"minmax"``.
        num_unlabeled: Random unlabeled cells per iteration (256).
        num_perturb: Perturbed copies of each best latent (4).
        noise: Standard deviation of the perturbation (0.1).
        local_candidates: Best evaluated cells whose new one-edit neighbours join the
            decodes as candidates, ranked by the ICNN with them (4, as
            :class:`GraphVAESearch`; ``0``: decodes only, as CR-LSO).
        stall_patience: Results without a new best after which the search finishes the
            incumbent's one-edit neighbourhood first, as :class:`GraphVAESearch` does
            (``None``, the default: never).

    Raises:
        TypeError: if an option has the wrong type (e.g. ``num_perturb=2.5``).
        ValueError: if an option is out of range, NaN or infinite (e.g. ``noise=nan``),
            or ``device`` names a device torch cannot use here (``device="cuda"`` without a GPU).

    Example:
        >>> from lso_sampler.spaces import NASBench201Space
        >>> search = ConvexLSO(NASBench201Space(), seed=0)
        >>> len(search.propose([], [], 16))
        16
    """

    name = "convex-lso"
    predictor_kind = "icnn"

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
        num_prior: int = 0,
        num_best: int = 16,
        steps: int = 10,
        step_size: float = 0.25,
        config: GraphVAEConfig | None = None,
        pretrain_steps: int | None = None,
        target: str = "rank",
        num_unlabeled: int = 256,
        num_perturb: int = 4,
        noise: float = 0.1,
        local_candidates: int = 4,
        stall_patience: int | None = None,
    ) -> None:
        super().__init__(
            space,
            seed,
            encoder=encoder,
            complexity=complexity,
            complexity_weight=complexity_weight,
            n_startup_trials=n_startup_trials,
            epochs=epochs,
            train_batch_size=train_batch_size,
            lr=lr,
            round_growth=round_growth,
            device=device,
            predictor_weight=predictor_weight,
            num_prior=num_prior,
            num_best=num_best,
            steps=steps,
            step_size=step_size,
            config=config,
            pretrain_steps=pretrain_steps,
            target=target,
            local_candidates=local_candidates,
            stall_patience=stall_patience,
        )
        num_unlabeled = check_int("num_unlabeled", num_unlabeled, 0)
        num_perturb = check_int("num_perturb", num_perturb, 1)
        noise = check_float("noise", noise, 0.0)
        self.num_unlabeled = num_unlabeled
        self.num_perturb = num_perturb
        self.noise = noise

    def _unlabeled(self, gen: torch.Generator) -> list[Cell] | None:
        if not self.num_unlabeled:
            return None
        rng = np.random.default_rng(int(torch.randint(2**62, (1,), generator=gen)))
        return [self.space.sample(rng) for _ in range(self.num_unlabeled)]

    def start_points(self, model: GraphVAE, history: Sequence[Observation], gen: torch.Generator) -> torch.Tensor:
        best = best_observations(history, self.num_best)
        with torch.no_grad():
            mu = model.encode_cells([o.cell for o in best])[0]
        z = mu.repeat_interleave(self.num_perturb, 0)
        z = z + self.noise * torch.randn(z.shape, generator=gen)
        z = torch.cat([z, self.hyperparameter_matrix(best).repeat_interleave(self.num_perturb, 0)], 1)
        if self.num_prior:
            prior = torch.randn(self.num_prior, model.latent_dim, generator=gen)
            z = torch.cat([z, torch.cat([prior, self._random_h(self.num_prior)], 1)])
        return z

    def ascend(self, model: GraphVAE, z: torch.Tensor, exclude: set[str]) -> dict[str, Cell]:
        found: dict[str, Cell] = {}
        eta = torch.full((z.shape[0], 1), self.step_size)
        self._collect(model, z, exclude, found)
        for _ in range(self.steps):
            z = self._step(model, z, eta)
            new = self._collect(model, z, exclude, found)
            eta = torch.where(torch.tensor(new).unsqueeze(1), eta, eta * 2.0)
        return found
