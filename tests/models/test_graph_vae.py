"""GraphVAE: config checks and the predictors' orientation."""

from __future__ import annotations

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
