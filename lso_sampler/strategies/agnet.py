"""AG-Net search: weighted retraining of generator + surrogate, then top-k of the generated."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
import torch

from lso_sampler._checks import check_bool, check_float, check_int, renamed
from lso_sampler.cell import Cell
from lso_sampler.models.agnet import AGNetConfig, AGNetModel, weights_from_ranks
from lso_sampler.models.pretrain import load_or_pretrain
from lso_sampler.spaces.base import SearchSpace
from lso_sampler.strategies.base import (
    ModelBasedStrategy,
    Observation,
    constrained_ranks,
    history_arrays,
    incumbent_neighbours,
)

__all__ = ["AGNet"]

#: 99 percentiles of N(0, 1): the latent grid AG-Net samples candidates from.
_GRID = torch.tensor([NormalDist().inv_cdf(i / 100) for i in range(1, 100)])


class AGNet(ModelBasedStrategy):
    """AG-Net (Lukasik, Jung & Keuper, ECCV 2022) as a strategy.

    The first ``n_startup_trials`` cells are random. After that, every call (one search iteration)
    starts from the query-free pretrained generator, trains generator and surrogate on all
    evaluated cells for ``epochs`` epochs with rank weights ``w ∝ 1/(kN + rank)`` (weighted
    sampling and weighted loss), ``L = (1 - α) L_G + α L_C``, then generates latents from
    the percentile grid of N(0, 1) until ``num_candidates`` valid, unqueried, non-pending
    cells are found (raising the sampling temperature when the retrained generator keeps
    producing queried cells), and returns the ``n`` best by the surrogate.

    The surrogate is trained on the generated graph vectors (the paper's coupling, whose
    gradient reaches the generator) and on the evaluated cells' own vectors, and ranks the
    candidates on their decoded vectors: with random latents paired to weighted-sampled
    targets, the generated vectors alone carry little information about which cell scored
    what.

    Restarting each iteration from the pretrained weights (the reference keeps fine-tuning
    one model) makes the proposals a function of the history and the seed alone, so a
    search resumed in a new process continues exactly.

    Several objectives and constraints (AG-Net section 4.3): the surrogate gets one head
    per objective and one per constraint value, the head losses averaged. The rank weights
    use a joint rank: one objective, by value (the paper's Joint=0 when there are
    constraints); several, by non-dominated front and then the sum of per-objective ranks
    (Joint=1). An infeasible cell's rank ``r`` becomes ``(r + 1) * infeasible_penalty``
    after all feasible ones (the reference multiplies by 1000; the ``+ 1`` keeps the
    best-ranked infeasible cell from keeping rank 0). Candidates are ranked the same way
    on the surrogate's predictions: predicted-feasible first, then by non-dominated
    front and the sum of ranks.

    Args:
        space: The search space.
        seed: Random seed (numpy and torch generators of this strategy).
        n_startup_trials: Random cells before the first iteration (10; Optuna's name
            for the start-up count, formerly ``num_init``, which still works with a
            FutureWarning).
        num_candidates: Valid new cells generated per iteration (100).
        epochs: Retraining epochs per iteration; default 30 for spaces of at most 20,000
            cells (NAS-Bench-201-sized), else 15.
        alpha: Weight of the surrogate loss (0.9).
        weight_k: ``k`` of the rank weights: 0.01, the paper's "k = 10e-3" read literally
            (and the reference code's ``weight_factor``). 1e-3 concentrates the weight on
            the single best cell; see benchmarks/README.md (AG-Net, the rank-weight
            constant) for the comparison of the two.
        train_batch_size: Evaluated cells per training step (16; the cells one proposal
            round returns are :attr:`batch_size`).
        lr: Adam learning rate during search (1e-3; Adam's betas are (0.5, 0.999), as in
            the reference).
        round_growth: Proposal rounds of the samplers and searchers after the start-up
            of ``ceil(round_growth x results)`` cells (at least 4 and one more than the
            trials in flight, at most the round size): the model is refitted often while
            results are few (0.25 after 10 start-up results: rounds of 4, 4, 5, 6, 8, 10,
            12, 15, then 16). ``None``:
            full rounds (:attr:`batch_size`), the default before 0.25.
        device: Where the model trains (``"cpu"``; ``"cuda"`` on a GPU): see
            :class:`~lso_sampler.strategies.ModelBasedStrategy`.
        weighted_retraining: Ablation switch: ``False`` trains with uniform weights.
        backprop_surrogate: Ablation switch: ``False`` stops the surrogate's gradient from
            reaching the generator.
        config: Model sizes.
        pretrain_steps: Steps of query-free pretraining (shipped weights exist for the
            built-in spaces at the default; 0 leaves the generator untrained).
        temperature_step: Factor by which the sampling temperature rises after a
            generation round that finds too few new cells (1 disables it: the reference
            behaviour, which then tops up with random cells).
        infeasible_penalty: Factor on the ranks of cells that violate a constraint (1000).
        local_candidates: Best evaluated cells (feasible first, then by value or, with
            several objectives, by non-dominated front and rank sum) whose one-edit
            neighbours (not evaluated, not pending) join the generated candidates before the
            surrogate ranks them (4; 0: the generated cells alone, the default before 4).
        stall_patience: Results without a new best after which the search finishes the
            local search around its incumbent and then restarts away from it (32; ``None``:
            never, the default before 32). While stalled, each round first takes the
            incumbent's one-edit neighbours not yet evaluated or pending, the surrogate's
            best first. Once all of them are evaluated and none is better (a verified local
            optimum), the rounds take the generated candidates alone and the fits rank every
            evaluated cell within :attr:`restart_radius` edits of the incumbent after all
            the others, so the rank weights lead the generator to good cells elsewhere; a
            new best ends the stall. Only with one objective, no constraints and no
            hyperparameters (otherwise the rounds are as without it).

    Raises:
        TypeError: if an option has the wrong type (``num_candidates=2.5``, a string for a
            number, a bool for an int, a non-bool switch).
        ValueError: if an option is out of range, NaN or infinite (``alpha=nan``,
            ``pretrain_steps=-1``, ``temperature_step=nan``, ``lr=inf``),
            or ``device`` names a device torch cannot use here (``device="cuda"`` without a GPU).

    Example:
        >>> from lso_sampler.spaces import NASBench201Space
        >>> agnet = AGNet(NASBench201Space(), seed=0)
        >>> len(agnet.propose([], [], 16))  # the random initial design
        16
    """

    name = "agnet"
    batch_size = 16
    adam_betas = (0.5, 0.999)
    host_data = ("w",)  # the rank weights the batches are drawn with
    supports_multi_objective = True
    supports_constraints = True
    supports_hyperparameters = True
    #: Hyperparameter candidates scored with each generated cell
    #: (:meth:`~lso_sampler.strategies.ModelBasedStrategy.candidate_hyperparameters`).
    hyperparameter_candidates = 16

    @renamed(num_init="n_startup_trials")
    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = None,
        *,
        n_startup_trials: int = 10,
        num_candidates: int = 100,
        epochs: int | None = None,
        alpha: float = 0.9,
        weight_k: float = 0.01,
        train_batch_size: int = 16,
        lr: float = 1e-3,
        round_growth: float | None = 0.25,
        device: Any = "cpu",
        weighted_retraining: bool = True,
        backprop_surrogate: bool = True,
        config: AGNetConfig | None = None,
        pretrain_steps: int = 2000,
        temperature_step: float = 1.5,
        infeasible_penalty: float = 1000.0,
        local_candidates: int = 4,
        stall_patience: int | None = 32,
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
        num_candidates = check_int("num_candidates", num_candidates, 1)
        alpha = check_float("alpha", alpha, 0.0, 1.0)
        temperature_step = check_float("temperature_step", temperature_step, 1.0)
        weight_k = check_float("weight_k", weight_k, 0.0, low_open=True)
        infeasible_penalty = check_float("infeasible_penalty", infeasible_penalty, 1.0)
        weighted_retraining = check_bool("weighted_retraining", weighted_retraining)
        backprop_surrogate = check_bool("backprop_surrogate", backprop_surrogate)
        pretrain_steps = check_int("pretrain_steps", pretrain_steps, 0)
        local_candidates = check_int("local_candidates", local_candidates, 0)
        if stall_patience is not None:
            stall_patience = check_int("stall_patience", stall_patience, 1)
        if config is not None and not isinstance(config, AGNetConfig):
            raise TypeError(f"config: must be an AGNetConfig or None, got {type(config).__name__}")
        self.num_candidates = num_candidates
        self.alpha = alpha
        self.weight_k = weight_k
        self.weighted_retraining = weighted_retraining
        self.backprop_surrogate = backprop_surrogate
        self.config = config or AGNetConfig()
        self.pretrain_steps = pretrain_steps
        self.temperature_step = temperature_step
        self.infeasible_penalty = infeasible_penalty
        self.local_candidates = local_candidates
        self.stall_patience = stall_patience
        #: Surrogate heads of the last fitted model: objectives, then constraint values.
        self.heads = 1
        self._num_objectives = 1
        #: Mean and std of the constraint values (to read the heads back in their units).
        self._constraint_scale: tuple[np.ndarray, np.ndarray] | None = None
        self._pretrained: dict[str, torch.Tensor] | None = None
        #: Surrogate inputs beside the graph vector (the encoded hyperparameters) of the last model.
        self._extra_dim = 0

    # -- model -----------------------------------------------------------------------------
    def _fresh_model(self) -> AGNetModel:
        if self._pretrained is None:
            # in a fork of torch's generator: whether the weights were loaded before must not
            # change the draws of this fit (a restored searcher proposes as the original)
            with torch.random.fork_rng(devices=[]):
                model = load_or_pretrain(self.space, self.config, self.pretrain_steps)
            self._pretrained = copy.deepcopy(model.generator.state_dict())
        self._extra_dim = self.hyperparameters.dim if self.hyperparameters is not None else 0
        model = AGNetModel(self.space, self.config, heads=self.heads, extra_dim=self._extra_dim)
        model.generator.load_state_dict(self._pretrained)
        return model

    def new_model(self) -> AGNetModel:
        return AGNetModel(self.space, self.config, heads=self.heads, extra_dim=self._extra_dim)

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["heads"] = (self.heads, self._num_objectives)
        state["extra_dim"] = self._extra_dim
        if self._constraint_scale is not None:
            state["constraint_scale"] = [a.tolist() for a in self._constraint_scale]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.heads, self._num_objectives = state.get("heads", (1, 1))
        self._extra_dim = int(state.get("extra_dim", 0))
        scale = state.get("constraint_scale")
        self._constraint_scale = None if scale is None else (np.asarray(scale[0]), np.asarray(scale[1]))
        super().load_state_dict(state)

    def _targets(self, history: Sequence[Observation]) -> tuple[torch.Tensor, np.ndarray]:
        """Standardised surrogate targets ``[n, heads]`` and the ranks for the weights."""
        values, constraints, violation = history_arrays(history)
        self._num_objectives = values.shape[1]
        cols = [values]
        self._constraint_scale = None
        if constraints.shape[1]:
            c = constraints.copy()
            finite = np.isfinite(c)
            high = np.where(finite, c, -np.inf).max(0)
            cols.append(np.where(finite, c, np.where(np.isfinite(high), np.maximum(high, 0) + 1.0, 1.0)))
        y = np.concatenate(cols, 1)
        mu, sd = y.mean(0), y.std(0) + 1e-8
        m = values.shape[1]
        if y.shape[1] > m:  # the constraint columns' scale, to read their heads back in units
            self._constraint_scale = (mu[m:], sd[m:])
        y = (y - mu) / sd if len(y) > 1 else y * 0
        self.heads = y.shape[1]
        ranks = constrained_ranks(values, violation).astype(float)
        ranks = np.where(violation > 0, (ranks + 1) * self.infeasible_penalty, ranks)
        near = self._near_restart(history)
        if near is not None:  # a restart: the surroundings of the local optimum weighed last
            ranks = np.where(near, ranks + len(history), ranks)
        return torch.tensor(y, dtype=torch.float32), ranks

    def _prepare(self, history: Sequence[Observation], gen: torch.Generator) -> tuple[AGNetModel, dict[str, Any]]:
        """The pretrained generator with a fresh surrogate, and the targets: the cells' node
        types, edges and graph vectors, standardised values and the rank weights."""
        y, ranks = self._targets(history)
        if self.heads == 1:
            y = y[:, 0]
        model = self._fresh_model()
        types, edges = model.targets([o.cell for o in history])
        vectors = model.vectors_from_targets(types, edges)
        n = len(history)
        if self.weighted_retraining:
            w = torch.tensor(weights_from_ranks(ranks, self.weight_k), dtype=torch.float32)
        else:
            w = torch.full((n,), 1.0 / n)
        data = {
            "y": y,
            "types": types,
            "edges": edges,
            "vectors": vectors,
            "h": self.hyperparameter_matrix(history),  # [n, 0] without hyperparameters
            "w": w,
            "loss_w": w * n,  # mean 1
        }
        return model, data

    def _training_loss(
        self, model: AGNetModel, data: dict[str, Any], gen: torch.Generator
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """``((1 - α) L_G + α L_C)`` weighted by the rank weights, on a weighted sample of
        the evaluated cells paired with random latents."""
        y = data["y"]
        idx = torch.multinomial(data["w"], self.train_batch_size, replacement=True, generator=gen)
        z = torch.randn(self.train_batch_size, self.config.latent_dim, generator=gen).to(y.device)
        node_logits, edge_logits = model.generator(z)
        rec = model.reconstruction_loss(node_logits, edge_logits, data["types"][idx], data["edges"][idx])
        gvec = model.generator.graph_vector(node_logits, edge_logits)
        if not self.backprop_surrogate:
            gvec = gvec.detach()
        # the surrogate on generated vectors (the reference's coupling) and on the
        # queried cells' own vectors (paired with their values)
        h = data["h"][idx]
        own = model.predict_vectors(data["vectors"][idx], h)
        mse = (model.predict_vectors(gvec, h) - y[idx]) ** 2 + (own - y[idx]) ** 2
        if mse.dim() > 1:
            mse = mse.mean(1)  # the heads weigh equally
        loss = (((1 - self.alpha) * rec + self.alpha * mse) * data["loss_w"][idx]).mean()
        return loss, {"reconstruction": rec, "surrogate_mse": mse}

    def generate(self, model: AGNetModel, exclude: set[str], max_rounds: int = 30) -> list[Cell]:
        """Valid new cells from latents on the N(0, 1) percentile grid.

        Draws batches of latents until ``num_candidates`` valid cells outside ``exclude``
        are found or ``max_rounds`` batches are drawn. After weighted retraining the
        generator concentrates on the best cells and may keep producing cells already
        queried; a round that finds fewer new cells than are still missing raises the
        sampling temperature (``temperature_step``, logits divided by it) for the next,
        so the candidates spread around the learned distribution instead of running out.
        """
        gen = self._torch_gen()
        found: dict[str, Cell] = {}
        drawn = valid = 0
        temperature = 1.0
        for r in range(1, max_rounds + 1):
            size = 100 * min(r, 9)
            z = _GRID[torch.randint(len(_GRID), (size, self.config.latent_dim), generator=gen)]
            before = len(found)
            for cell in model.sample_cells(z, gen, temperature):
                drawn += 1
                if not self.space.is_valid(cell):
                    continue
                valid += 1
                k = self.space.key(cell)
                if k not in exclude and k not in found:
                    found[k] = cell
            if len(found) >= self.num_candidates:
                break
            if len(found) - before < self.num_candidates - len(found):
                temperature *= self.temperature_step
        self.last_stats.update(
            {"validity": valid / max(drawn, 1), "candidates": float(len(found)), "temperature": temperature}
        )
        cells = list(found.values())
        if len(cells) > self.num_candidates:
            keep = self.rng.permutation(len(cells))[: self.num_candidates]
            cells = [cells[int(i)] for i in keep]
        return cells

    def _candidates(self, model: AGNetModel, history: Sequence[Observation], taken: set[str], local: int) -> list[Cell]:
        """The generated cells (:meth:`generate`), then the new one-edit neighbours of the
        ``local`` best evaluated cells."""
        candidates = self.generate(model, taken)
        if self._restart_from(history) is not None:
            local = 0  # a restart: away from the incumbents
        if local:
            exclude = set(taken) | {self.space.key(c) for c in candidates}
            candidates += [c for _, c in incumbent_neighbours(self.space, history, local, exclude)]
        return candidates

    def select(self, model: AGNetModel, history: Sequence[Observation], taken: set[str], n: int) -> list[Cell]:
        """The ``n`` candidates the surrogate rates best: the generated cells, then the new
        one-edit neighbours of the :attr:`local_candidates` best evaluated cells; after a
        stall (:attr:`stall_patience`), the incumbent's untried one-edit neighbours come
        first, the surrogate's best of them first. With
        hyperparameters, each candidate is scored with :attr:`hyperparameter_candidates`
        values of them and keeps its best (one objective: the predicted value; several: the
        sum of the standardised objective predictions), which it is proposed with."""

        def by_surrogate(cells: list[Cell]) -> list[Cell]:
            with torch.no_grad():
                pred = model.predict_vectors(model.cell_vectors(cells)).numpy()
            return [cells[int(i)] for i in np.argsort(-pred, kind="stable")]

        return self._finish_neighbourhood(
            history, taken, n, by_surrogate, lambda rest, k: self._select_candidates(model, history, rest, k)
        )

    def _select_candidates(
        self, model: AGNetModel, history: Sequence[Observation], taken: set[str], n: int
    ) -> list[Cell]:
        """The ``n`` of :meth:`_candidates` the surrogate rates best."""
        candidates = self._candidates(model, history, taken, self.local_candidates)
        if not candidates:
            return []
        with torch.no_grad():
            vectors = model.cell_vectors(candidates)
            if model.extra_dim:
                pred = self._best_hyperparameters(model, history, candidates, vectors)
            else:
                pred = model.predict_vectors(vectors).numpy()
        if model.heads == 1:
            order = np.argsort(-pred, kind="stable")
            return [candidates[int(i)] for i in order[:n]]
        m = self._num_objectives
        violation = None
        if self._constraint_scale is not None:
            mu, sd = self._constraint_scale
            # back to the constraints' own units, where <= 0 means feasible
            violation = np.clip(pred[:, m:] * sd + mu, 0.0, None).sum(1)
        ranks = constrained_ranks(pred[:, :m], violation)
        order = np.argsort(ranks, kind="stable")
        return [candidates[int(i)] for i in order[:n]]

    def _best_hyperparameters(
        self, model: AGNetModel, history: Sequence[Observation], candidates: list[Cell], vectors: torch.Tensor
    ) -> np.ndarray:
        """Pair every candidate with each hyperparameter candidate, keep its best pairing
        (recorded for :meth:`propose`) and return the predictions there (``[C]`` or
        ``[C, heads]``)."""
        hp = self.hyperparameters
        assert hp is not None
        h = self.candidate_hyperparameters(history, len(candidates), self.hyperparameter_candidates)
        c, m = h.shape[:2]
        out = model.predict_vectors(vectors.repeat_interleave(m, 0), h.reshape(c * m, -1))
        out = out.reshape(c, m, *out.shape[1:]).numpy()
        score = out if out.ndim == 2 else out[:, :, : self._num_objectives].sum(-1)
        best = score.argmax(1)
        for i, (cell, j) in enumerate(zip(candidates, best)):
            self._chosen_hyperparameters[self.space.key(cell)] = hp.decode(h[i, int(j)].numpy())
        return out[np.arange(c), best]
