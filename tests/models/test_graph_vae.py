"""GraphVAE: config checks and the predictors' orientation."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.models.icnn import ICNN
from lso_sampler.spaces import NASBench201Space


def test_config_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="encoder: must be one of"):
        GraphVAEConfig(encoder="transformer")
    with pytest.raises(ValueError, match="predictor: must be one of"):
        GraphVAEConfig(predictor="gp")
    with pytest.raises(ValueError, match="latent_dim"):
        GraphVAEConfig(latent_dim=0)


def test_icnn_predictor_is_one_minus_a_convex_error() -> None:
    vae = GraphVAE(NASBench201Space(), GraphVAEConfig(predictor="icnn", latent_dim=8, hidden_dim=16))
    assert isinstance(vae.perf, ICNN)
    z = torch.randn(5, 8)
    torch.testing.assert_close(vae.predict_performance(z), 1 - vae.perf(z).squeeze(-1))


def test_vae_state_dict_leaves_out_the_predictors() -> None:
    vae = GraphVAE(NASBench201Space(), GraphVAEConfig(latent_dim=8, hidden_dim=16))
    keys = vae.vae_state_dict()
    assert keys and not any(k.startswith(("perf.", "comp.")) for k in keys)
    other = GraphVAE(NASBench201Space(), GraphVAEConfig(latent_dim=8, hidden_dim=16, predictor="icnn"))
    other.load_state_dict(keys, strict=False)  # the same VAE serves both predictor kinds


def test_encoder_positions_follow_the_space_unless_set() -> None:
    from lso_sampler.spaces import NASBenchGraphSpace

    graph, nb201 = NASBenchGraphSpace(), NASBench201Space()
    assert GraphVAE(graph, GraphVAEConfig(latent_dim=4, hidden_dim=8)).encoder.pos.shape == (graph.max_nodes, 8)
    assert GraphVAE(nb201, GraphVAEConfig(latent_dim=4, hidden_dim=8)).encoder.pos is None
    assert GraphVAEConfig(encoder="gin").for_space(graph).encoder_positions is False
    assert GraphVAEConfig(encoder_positions=False).for_space(graph).encoder_positions is False
    on = GraphVAEConfig(encoder="svge", encoder_positions=True).for_space(nb201)
    assert on.encoder_positions is True and on.vae_dict()["encoder_positions"] is True
    # off, the field is left out of what names the weights (names from before it stay)
    assert "encoder_positions" not in GraphVAEConfig().for_space(nb201).vae_dict()
    with pytest.raises(ValueError, match="call config.for_space"):
        GraphVAEConfig().vae_dict()
    with pytest.raises(ValueError, match="encoder_positions: the gin encoder"):
        GraphVAEConfig(encoder="gin", encoder_positions=True)
    for wrong in ("yes", 1, np.bool_(True)):
        with pytest.raises(TypeError, match="encoder_positions: must be True, False or None"):
            GraphVAEConfig(encoder_positions=wrong)  # type: ignore[arg-type]


def test_readout_and_decoder_positions_follow_the_space_unless_set() -> None:
    from lso_sampler.spaces import NASBench101Space

    nb101, nb201 = NASBench101Space(), NASBench201Space()
    plain = GraphVAEConfig().for_space(nb201)
    assert (plain.encoder_readout, plain.decoder_positions) == ("sum", False)
    # the published D-VAE's choices are left out of what names the weights
    assert {"encoder_readout", "decoder_positions"}.isdisjoint(plain.vae_dict())
    both = GraphVAEConfig().for_space(nb101).vae_dict()
    assert both["encoder_readout"] == "concat" and both["decoder_positions"] is True
    on = GraphVAEConfig(encoder_readout="concat", decoder_positions=True).for_space(nb201)
    assert on.vae_dict()["encoder_readout"] == "concat" and on.vae_dict()["decoder_positions"] is True
    vae = GraphVAE(nb201, GraphVAEConfig(latent_dim=4, hidden_dim=8, encoder_readout="concat", decoder_positions=True))
    assert vae.encoder.concat.in_features == nb201.max_nodes * 8 and vae.encoder.readout is None
    assert vae.decoder.pos_type is not None and vae.decoder.pos_edge is not None
    assert GraphVAEConfig(encoder="gin").for_space(nb101).encoder_readout == "sum"
    off = GraphVAEConfig(encoder_readout="sum", decoder_positions=False).for_space(nb101)
    assert {"encoder_readout", "decoder_positions"}.isdisjoint(off.vae_dict())
    with pytest.raises(ValueError, match=r"encoder_readout: must be one of \('sum', 'concat', 'concat\+sum'\)"):
        GraphVAEConfig(encoder_readout="mean")
    mixed = GraphVAE(nb201, GraphVAEConfig(latent_dim=4, hidden_dim=8, encoder_readout="concat+sum"))
    assert mixed.encoder.concat is not None and mixed.encoder.concat_sum is not None
    assert mixed.config.vae_dict()["encoder_readout"] == "concat+sum"
    with pytest.raises(ValueError, match="'concat\\+sum' needs dvae or svge"):
        GraphVAEConfig(encoder="gin", encoder_readout="concat+sum")
    with pytest.raises(ValueError, match="encoder_readout: the gin encoder"):
        GraphVAEConfig(encoder="gin", encoder_readout="concat")
    with pytest.raises(TypeError, match="decoder_positions: must be True, False or None"):
        GraphVAEConfig(decoder_positions=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="decoder_positions: undecided"):
        replace(plain, decoder_positions=None).vae_dict()


def test_graph_vae_encodes_one_record_the_same_whatever_its_numbering() -> None:
    """On NAS-Bench-Graph the encoder reads node indices, and the VAE encodes each cell's
    representative (its record's first cell): two numberings of one architecture get one
    latent, two architectures two."""
    from lso_sampler.spaces import NASBenchGraphSpace

    space = NASBenchGraphSpace()

    def cell(a: str, b: str, c: str, d: str):
        return space.from_params({"link": "0012", "op_1": a, "op_2": b, "op_3": c, "op_4": d})

    torch.manual_seed(0)
    vae = GraphVAE(space, GraphVAEConfig(latent_dim=4, hidden_dim=8))
    with torch.no_grad():
        mu, _ = vae.encode_cells(
            [cell("gin", "cheb", "graph", "fc"), cell("cheb", "gin", "fc", "graph"), cell("gin", "cheb", "fc", "graph")]
        )
    torch.testing.assert_close(mu[0], mu[1])
    assert (mu[0] - mu[2]).abs().max() > 1e-3


def test_load_vae_state_dict_takes_a_vaes_weights_and_refuses_others() -> None:
    torch.manual_seed(0)
    source = GraphVAE(NASBench201Space(), GraphVAEConfig(latent_dim=8, hidden_dim=16))
    target = GraphVAE(NASBench201Space(), GraphVAEConfig(latent_dim=8, hidden_dim=16, predictor="icnn"))
    perf = {k: v.clone() for k, v in target.state_dict().items() if k.startswith("perf.")}
    target.load_vae_state_dict(source.vae_state_dict())
    assert all(torch.equal(v, target.state_dict()[k]) for k, v in source.vae_state_dict().items())
    assert all(torch.equal(v, target.state_dict()[k]) for k, v in perf.items())  # predictors kept
    with_positions = GraphVAE(NASBench201Space(), GraphVAEConfig(latent_dim=8, hidden_dim=16, encoder_positions=True))
    with pytest.raises(RuntimeError, match="do not fit the model.*unexpected \\['encoder.pos'\\]"):
        target.load_vae_state_dict(with_positions.vae_state_dict())
    with pytest.raises(RuntimeError, match="do not fit the model.*missing \\['encoder.pos', 'perf"):
        with_positions.load_vae_state_dict(source.vae_state_dict())


def test_teacher_pcs_is_checked_decided_by_the_space_and_named_only_when_set() -> None:
    space = NASBench201Space()
    for wrong in (-1, 2.5, True, "10"):
        with pytest.raises(ValueError, match="teacher_pcs"):
            GraphVAEConfig(teacher_pcs=wrong)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="teacher_pcs: at most latent_dim"):
        GraphVAEConfig(latent_dim=8, teacher_pcs=9)
    assert GraphVAEConfig().for_space(space).teacher_pcs == 0  # NAS-Bench-201's VAE has no map

    class Mapped(NASBench201Space):
        vae_teacher_pcs = 32

    # the space's number, at most the latent's width (a narrower latent is no error the user made)
    assert GraphVAEConfig().for_space(Mapped()).teacher_pcs == 32
    assert GraphVAEConfig(latent_dim=8).for_space(Mapped()).teacher_pcs == 8
    assert GraphVAEConfig(latent_dim=8, teacher_pcs=0).for_space(Mapped()).teacher_pcs == 0
    plain = GraphVAEConfig().for_space(space).vae_dict()
    assert "teacher_pcs" not in plain and GraphVAEConfig(teacher_pcs=0).for_space(space).vae_dict() == plain
    assert GraphVAEConfig(teacher_pcs=4).for_space(space).vae_dict() == {**plain, "teacher_pcs": 4}
    with pytest.raises(ValueError, match="teacher_pcs: undecided"):
        replace(GraphVAEConfig().for_space(space), teacher_pcs=None).vae_dict()


def test_teacher_whiten_is_checked_decided_by_the_space_and_named_only_when_it_matters() -> None:
    space = NASBench201Space()
    for wrong in (0, "no", 1.0):
        with pytest.raises(TypeError, match="teacher_whiten: must be True, False or None"):
            GraphVAEConfig(teacher_whiten=wrong)  # type: ignore[arg-type]
    assert GraphVAEConfig().for_space(space).teacher_whiten is True  # every built-in space scales
    plain = GraphVAEConfig().for_space(space).vae_dict()
    assert GraphVAEConfig(teacher_whiten=False).for_space(space).vae_dict() == plain  # no map: no name
    assert GraphVAEConfig(teacher_pcs=4, teacher_whiten=True).for_space(space).vae_dict() == {**plain, "teacher_pcs": 4}
    own = GraphVAEConfig(teacher_pcs=4, teacher_whiten=False).for_space(space).vae_dict()
    assert own == {**plain, "teacher_pcs": 4, "teacher_whiten": False}
    with pytest.raises(ValueError, match="teacher_whiten: undecided"):
        replace(GraphVAEConfig().for_space(space), teacher_whiten=None).vae_dict()


@pytest.mark.parametrize("predictor", ["mlp", "icnn"])
def test_the_predictors_read_the_teacher_map_of_z_and_the_extra_inputs(predictor: str) -> None:
    torch.manual_seed(0)
    config = GraphVAEConfig(latent_dim=8, hidden_dim=16, predictor=predictor, teacher_pcs=3)
    vae = GraphVAE(NASBench201Space(), config, extra_dim=2)
    assert vae.teacher is not None and vae.teacher.weight.shape == (3, 8)
    assert "teacher.weight" in vae.vae_state_dict()  # pretrained with the encoder and decoder
    z = torch.randn(6, 10)
    seen = vae.predictor_input(z)
    torch.testing.assert_close(seen, torch.cat([vae.teacher(z[:, :8]), z[:, 8:]], 1))
    head = vae.perf(seen).squeeze(-1)
    expected = 1 - head if predictor == "icnn" else torch.sigmoid(head)
    torch.testing.assert_close(vae.predict_performance(z), expected)
    # a move of z the map cannot see changes no prediction
    null = torch.linalg.svd(vae.teacher.weight.detach(), full_matrices=True)[2][-1]
    moved = z.clone()
    moved[:, :8] += 3 * null
    torch.testing.assert_close(vae.predict_performance(moved), vae.predict_performance(z))
    torch.testing.assert_close(vae.predict_complexity(moved), vae.predict_complexity(z))
    if predictor == "icnn":  # an ICNN on an affine map of z: the error stays convex in z
        for _ in range(3):
            vae.after_step()
        a, b = torch.randn(2, 50, 10)
        mid = 1 - vae.predict_performance((a + b) / 2)
        assert bool((mid <= (1 - vae.predict_performance(a) + 1 - vae.predict_performance(b)) / 2 + 1e-6).all())
    plain = GraphVAE(NASBench201Space(), replace(config, teacher_pcs=0), extra_dim=2)
    assert plain.teacher is None and torch.equal(plain.predictor_input(z), z)
