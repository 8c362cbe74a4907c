"""``benchmarks/levers.py``: the stalled-search levers of AG-Net change its fit only after a stall."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmarks.levers import (
    STALL_PATIENCE,
    STALL_TABU_RADIUS,
    RestartOnlyAGNet,
    StallFlatAGNet,
    StallTabuAGNet,
    _with_restart,
)
from lso_sampler.models.graph_vae import head_performance
from lso_sampler.spaces import NASBench201Space
from lso_sampler.strategies import AGNet, ConvexLSO, GraphVAESearch
from lso_sampler.strategies.base import Observation, neighbours


def _history(space: NASBench201Space, values: list[float]) -> list[Observation]:
    cells = {}
    i = 0
    while len(cells) < len(values):
        c = space.sample(i)
        cells.setdefault(space.key(c), c)
        i += 1
    return [Observation(c, k, (v,)) for (k, c), v in zip(cells.items(), values)]


def _distance(space: NASBench201Space, a: Observation, b: Observation) -> int:
    pa, pb = space.to_params(a.cell, "categorical"), space.to_params(b.cell, "categorical")
    return sum(pa[k] != pb[k] for k in pa)


def test_tabu_ranks_the_incumbents_surroundings_last_only_when_stalled() -> None:
    space = NASBench201Space()
    n = STALL_PATIENCE + 20
    rng = np.random.default_rng(0)
    values = list(rng.normal(size=n))
    values[3] = 10.0  # the best, then STALL_PATIENCE + 16 results without a better one
    history = _history(space, values)
    tabu, plain = StallTabuAGNet(space, seed=0), AGNet(space, seed=0, stall_patience=None)
    _, ranks = tabu._targets(history)
    _, base = plain._targets(history)
    near = np.array([_distance(space, o, history[3]) <= STALL_TABU_RADIUS for o in history])
    assert near[3] and (~near).any()
    assert (ranks[near] >= n).all() and np.array_equal(ranks[~near], base[~near])
    assert ranks[~near].max() < ranks[near].min()
    # not stalled: the best is the last result
    fresh = _history(space, values[:10] + [11.0])
    assert np.array_equal(tabu._targets(fresh)[1], plain._targets(fresh)[1])


def test_flat_weights_only_when_stalled() -> None:
    space = NASBench201Space()
    gen = torch.Generator().manual_seed(0)
    stalled = _history(space, [10.0] + [float(v) for v in range(STALL_PATIENCE + 2)][::-1])
    fresh = _history(space, [float(v) for v in range(12)])
    flat = StallFlatAGNet(space, seed=0, pretrain_steps=0)
    plain = AGNet(space, seed=0, pretrain_steps=0, stall_patience=None)
    for history, same in ((fresh, True), (stalled, False)):
        w_flat = flat._prepare(history, gen)[1]["w"]
        w_plain = plain._prepare(history, gen)[1]["w"]
        assert torch.allclose(w_flat, w_plain) is same
    w, w0 = flat._prepare(stalled, gen)[1]["w"], plain._prepare(stalled, gen)[1]["w"]
    assert w.max() / w.min() < w0.max() / w0.min()  # flatter


def test_restart_only_leaves_the_neighbourhood_to_agnets_own_rounds() -> None:
    """``agnet_restart``: a stalled round is AG-Net's usual one (the library's default
    would take the incumbent's untried neighbours first)."""
    space = NASBench201Space()
    rng = np.random.default_rng(1)
    values = list(rng.normal(size=STALL_PATIENCE + 20))
    values[3] = 10.0
    history = _history(space, values)
    near = {space.key(c) for c in neighbours(space, history[3].cell)}
    default = AGNet(space, seed=0, epochs=1).propose(history, [], 6)
    assert {space.key(c) for c in default} <= near
    restart_only = RestartOnlyAGNet(space, seed=0, epochs=1, stall_patience=STALL_PATIENCE, num_candidates=20)
    assert not {space.key(c) for c in restart_only.propose(history, [], 6)} <= near


def test_graph_vae_restart_leaves_a_verified_local_optimum() -> None:
    """``graph_vae_stall`` / ``convex_stall``: once every neighbour of the stalled incumbent
    is evaluated (none better), the predictor's targets put the cells within 2 edits of it
    below all others (in their own order), the ascent starts from prior samples alone and
    the incumbents' neighbours leave the candidates; before that, the library's search."""
    space = NASBench201Space()
    rng = np.random.default_rng(2)
    values = list(rng.normal(size=30))
    values[3] = 10.0  # the best, then 26 results without a better one
    history = _history(space, values)
    seen = {o.key for o in history}
    rest = [c for c in neighbours(space, history[3].cell) if space.key(c) not in seen]
    done = history + [Observation(c, space.key(c), (-5.0 + 0.01 * i,)) for i, c in enumerate(rest)]
    for cls in (GraphVAESearch, ConvexLSO):
        restart = _with_restart(cls)(space, seed=0, stall_patience=16, epochs=1)
        plain = cls(space, seed=0, stall_patience=16, epochs=1)
        assert torch.equal(restart._predictor_targets(history)[0], plain._predictor_targets(history)[0])
        near = restart._near_restart(done)
        assert near is not None and near[3] and (~near).any()
        y, _ = restart._predictor_targets(done)
        y0, _ = plain._predictor_targets(done)
        mask = torch.tensor(near)
        assert y[mask].max() < y[~mask].min()
        assert torch.equal(torch.argsort(y[mask]), torch.argsort(y0[mask]))
        found: dict = {}
        restart._add_neighbours(done, set(seen), found)
        assert not found
        model = restart.fresh_model()
        start = restart.start_points(model, done, torch.Generator().manual_seed(0))
        assert start.shape == (restart.num_prior + restart.num_best, model.latent_dim)
        cells = restart.propose(done, [], 4)
        assert len(cells) == 4 and not {space.key(c) for c in cells} & {o.key for o in done}


def test_the_climb_goes_up_to_three_edits_from_each_incumbent_along_the_model() -> None:
    from benchmarks.levers import _climb

    space = NASBench201Space()
    history = _history(space, [1.0, 5.0, 2.0])
    source = history[1]
    seen = {o.key for o in history}
    # a model that likes 'nor_conv_3x3': the climb replaces one more edge by it each step
    score = lambda c: c.ops.count("nor_conv_3x3")  # noqa: E731
    out = _climb(space, history, 1, 2, seen, lambda cells: max(cells, key=score))
    keys = [space.key(c) for c in out]
    assert len(keys) == len(set(keys)) and not set(keys) & {o.key for o in history}
    assert set(keys) <= seen  # what it returns is marked as seen
    dist = [_distance(space, source, Observation(c, space.key(c), (0.0,))) for c in out]
    assert set(dist) == {1, 2, 3}
    first = {space.key(c) for c in neighbours(space, source.cell)} - {o.key for o in history}
    assert first <= set(keys)  # the whole first neighbourhood, then the climb's
    assert max(score(c) for c in out) == min(6, score(source.cell) + 3)  # three moves uphill


def test_the_quota_takes_half_the_round_from_the_neighbours_in_the_models_order() -> None:
    from benchmarks.levers import _Quota

    space = NASBench201Space()
    cells = [o.cell for o in _history(space, [0.0] * 10)]

    class Ranked:
        def rank(self, model, cells):  # type: ignore[no-untyped-def]
            return list(cells)  # the model's order: as given

    class Q(_Quota, Ranked):
        pass

    q = Q()
    q.space, q._num_objectives = space, 1
    q._in_select, q._round_n = True, 4
    q._decode_keys = {space.key(c) for c in cells[:8]}  # the last two are neighbours
    got = [space.key(c) for c in q.rank(None, cells)]
    want = [space.key(cells[i]) for i in (0, 1, 8, 9)]
    assert got[:4] == want and sorted(got) == sorted(space.key(c) for c in cells)
    q._in_select = False  # outside a round's selection: the model's order alone
    assert [space.key(c) for c in q.rank(None, cells)] == [space.key(c) for c in cells]


def test_the_step_cap_stops_crlsos_doubling_at_one(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from benchmarks.levers import StepCapConvex
    from tests.conftest import cheap_options

    space = NASBench201Space()
    history = _history(space, [float(i % 7) for i in range(20)])
    lengths: dict[str, list[float]] = {}
    step = GraphVAESearch._step
    for cls in (ConvexLSO, StepCapConvex):
        search = cls(space, seed=0, **{**cheap_options("convex-lso"), "steps": 8})
        seen: list[float] = []

        def recording(self, model, z, eta, seen=seen):  # type: ignore[no-untyped-def]
            seen.append(float(torch.as_tensor(eta).max()))  # the length each step takes
            return step(self, model, z, eta)

        monkeypatch.setattr(GraphVAESearch, "_step", recording)
        cells = search.propose(history, [], 4)
        assert len(cells) == 4 and all(space.is_valid(c) for c in cells)
        lengths[cls.__name__] = seen
    assert max(lengths["StepCapConvex"]) <= 1.0
    assert max(lengths["ConvexLSO"]) > 1.0  # the default doubles past it


def test_the_head_ensemble_leaves_the_default_training_and_ascent_alone() -> None:
    from benchmarks.levers import EnsembleConvex, EnsembleGraphVAE
    from tests.conftest import cheap_options

    space = NASBench201Space()
    history = _history(space, [float(i % 7) for i in range(20)])
    for base, cls, name in ((GraphVAESearch, EnsembleGraphVAE, "graph-vae"), (ConvexLSO, EnsembleConvex, "convex-lso")):
        options = {**cheap_options(name), "epochs": 30}
        plain = base(space, seed=3, **options)
        ens = cls(space, seed=3, **options)
        a, b = plain.fit(history), ens.fit(history)
        assert len(b.ens_heads) == ens.extra_heads
        for k, v in a.state_dict().items():  # the VAE and its own heads: the default's weights
            assert torch.equal(v, b.state_dict()[k]), k
        if name == "convex-lso":  # the extra ICNN heads stay convex
            assert all((w.weight >= 0).all() for h in b.ens_heads for w in h.hidden)
        # the extra heads learned the targets too: their predictions follow the values
        with torch.no_grad():
            z = b.encode_cells([o.cell for o in history])[0]
            pred = torch.stack([head_performance(h, z) for h in b.ens_heads]).mean(0).numpy()
        values = np.array([o.value for o in history])
        assert np.corrcoef(pred, values)[0, 1] > 0.4


def test_the_head_ensemble_ranks_by_ucb_or_by_a_head_per_place() -> None:
    from benchmarks.levers import EnsembleGraphVAE
    from tests.conftest import cheap_options

    space = NASBench201Space()
    history = _history(space, [float(i % 7) for i in range(20)])
    cells = [space.sample(100 + i) for i in range(12)]
    for mode in ("ucb", "ts"):
        ens = EnsembleGraphVAE(space, seed=3, **cheap_options("graph-vae"))
        ens.mode = mode
        model = ens.fit(history)
        ens._history, ens._num_objectives = history, 1
        got = ens.rank(model, cells)
        assert sorted(space.key(c) for c in got) == sorted(space.key(c) for c in cells)
        with torch.no_grad():
            z = model.encode_cells(cells)[0]
            p = torch.stack([model.predict_performance(z)] + [head_performance(h, z) for h in model.ens_heads])
        p = p.numpy()
        if mode == "ucb":
            want = np.argsort(-(p.mean(0) + p.std(0)), kind="stable")
            assert [space.key(c) for c in got] == [space.key(cells[int(i)]) for i in want]
        else:  # each place: the best remaining cell of some head
            left = list(range(len(cells)))
            for c in got:
                i = next(j for j in left if space.key(cells[j]) == space.key(c))
                assert any(p[h, i] == p[h, left].max() for h in range(len(p)))
                left.remove(i)


def test_the_full_thompson_ascent_climbs_one_random_head_per_start_point(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from benchmarks.levers import FullThompsonConvex
    from tests.conftest import cheap_options

    space = NASBench201Space()
    history = _history(space, [float(i % 7) for i in range(20)])
    search = FullThompsonConvex(space, seed=3, **cheap_options("convex-lso"))
    seen = []
    objective = FullThompsonConvex.objective

    def recording(self, model, z):  # type: ignore[no-untyped-def]
        f = objective(self, model, z)
        rows = getattr(self, "_ascent_heads", None)
        seen.append((None if rows is None else rows.clone(), z.detach().clone(), f.detach().clone()))
        return f

    monkeypatch.setattr(FullThompsonConvex, "objective", recording)
    cells = search.propose(history, [], 4)
    assert len(cells) == 4 and all(space.is_valid(c) for c in cells)
    steps = [s for s in seen if s[0] is not None]
    assert len(steps) == cheap_options("convex-lso")["steps"]  # every ascent step, per-row heads
    model = search.model
    for rows, z, f in steps:
        with torch.no_grad():
            heads = [model.predict_performance(z)] + [head_performance(h, z) for h in model.ens_heads]
        want = torch.stack(heads).gather(0, rows.unsqueeze(0)).squeeze(0)
        assert torch.allclose(f, want)
    assert len(set(steps[0][0].tolist())) > 1  # the start points climb different heads
    assert search._ascent_heads is None  # only during the ascent


@pytest.mark.slow
def test_the_teacher_map_recovers_the_teacher_and_stays_fixed_in_the_fit() -> None:
    from benchmarks.levers import TeacherMappedGraphVAE, TeacherPCsGraphVAE, teacher_map
    from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
    from lso_sampler.models.pretrain import load_or_pretrain_vae, teacher_cells, teacher_encoder
    from tests.conftest import cheap_options

    space = NASBench201Space()  # its shipped VAE is the gated-sum teacher itself
    teacher = GraphVAE(space, GraphVAEConfig(encoder_positions=False, encoder_readout="sum", decoder_positions=False))
    teacher.load_vae_state_dict(load_or_pretrain_vae(space, teacher.config))
    cells = teacher_cells(space)[:300]
    for pcs in (None, 10):
        weight, bias = teacher_map(space, teacher, pcs)
        target = teacher_encoder(space, pcs)[0](cells).float()
        with torch.no_grad():
            mapped = teacher.encode_cells(cells)[0] @ weight.T + bias
        assert weight.shape == (32 if pcs is None else pcs, 32)
        assert torch.allclose(mapped, target, atol=1e-3), (mapped - target).abs().max()
        if pcs is not None:  # the components are scaled to unit variance, centred
            assert abs(float(target.std(0).mean()) - 1.0) < 0.2 and float(target.mean(0).abs().max()) < 0.3
    # a fresh (unpretrained) VAE's means hold less of the teacher than the teacher's own
    torch.manual_seed(0)
    other = GraphVAE(space, GraphVAEConfig(encoder_readout="concat").for_space(space))
    weight, bias = teacher_map(space, other, 10)
    target = teacher_encoder(space, 10)[0](cells).float()
    with torch.no_grad():
        residual = (other.encode_cells(cells)[0] @ weight.T + bias - target).pow(2).mean()
    assert residual > 0.05
    history = _history(space, [float(i % 7) for i in range(20)])
    for cls, rows in ((TeacherMappedGraphVAE, 32), (TeacherPCsGraphVAE, 10)):
        strategy = cls(space, seed=3, **{**cheap_options("graph-vae"), "epochs": 30})
        model = strategy.fit(history)
        linear = model.perf[0]
        assert linear.weight.shape == (rows, 32) and not linear.weight.requires_grad
        # the map is the one fitted on the pretrained model, untouched by the round's training
        weight, bias = strategy._teacher_map
        assert torch.equal(linear.weight, weight) and torch.equal(linear.bias, bias)
        with torch.no_grad():
            z = model.encode_cells([o.cell for o in history])[0]
            pred = strategy.objective(model, z).numpy()
        assert np.corrcoef(pred, [o.value for o in history])[0, 1] > 0.4


def test_the_gated_sum_levers_keep_the_teachers_options_whatever_the_space_defaults(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """On a space whose defaults are other options, the levers still load the gated-sum
    VAE's shipped weights; where the defaults are those options, they are the strategies."""
    from benchmarks.levers import convex_gated_sum, graph_vae_gated_sum
    from lso_sampler.models.graph_vae import GraphVAEConfig
    from lso_sampler.models.pretrain import TEACHER_CONFIG, load_or_pretrain_vae

    space = NASBench201Space()
    for make, cls in ((graph_vae_gated_sum, GraphVAESearch), (convex_gated_sum, ConvexLSO)):
        strategy = make(space, 0).strategy
        assert type(strategy) is cls and strategy.fresh_model().config.vae_dict() == TEACHER_CONFIG.vae_dict()
        assert GraphVAEConfig().for_space(space).vae_dict() == TEACHER_CONFIG.vae_dict()  # the same here
    monkeypatch.setattr(NASBench201Space, "vae_encoder_readout", "concat")
    monkeypatch.setattr(NASBench201Space, "vae_teacher_pcs", 4)
    model = graph_vae_gated_sum(space, 0).strategy.fresh_model()
    assert model.config.encoder_readout == "sum" and model.teacher is None
    shipped = load_or_pretrain_vae(space, TEACHER_CONFIG)
    assert all(torch.equal(v, shipped[k]) for k, v in model.vae_state_dict().items())


def test_the_random_skip_lever_draws_the_icnn_skip_and_changes_nothing_else() -> None:
    """``convex_random_skip``: the fresh model's ICNN heads have a drawn output skip (the
    default's is zero, its bias drawn again too); every other weight is the default's."""
    from benchmarks.levers import convex_random_skip

    space = NASBench201Space()
    default, strategy = ConvexLSO(space, 0), convex_random_skip(space, 0).strategy
    torch.manual_seed(0)
    flat = default.fresh_model()
    torch.manual_seed(0)
    drawn = strategy.fresh_model()
    assert type(strategy).__name__ == "RandomSkipConvexLSO"
    for head in ("perf", "comp"):
        assert (getattr(flat, head).inputs[-1].weight == 0).all()
        assert getattr(drawn, head).inputs[-1].weight.abs().min() > 0
    last = len(flat.perf.inputs) - 1  # the skip layer, its weight and bias drawn again
    skips = {f"{h}.inputs.{last}.{p}" for h in ("perf", "comp") for p in ("weight", "bias")}
    a, b = flat.state_dict(), drawn.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a if k not in skips)
