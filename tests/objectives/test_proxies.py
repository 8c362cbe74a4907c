from __future__ import annotations

import math

import numpy as np
import optuna
import pytest
import torch
from torch import nn

from lso_sampler.objectives import TrainingFreeScores, linear_region_count, ntk_condition_number, synflow
from lso_sampler.spaces import NASBench201Space

SPACE = NASBench201Space()
ALL_NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
ALL_CONV = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_ntk_of_a_linear_model_is_the_gram_matrix() -> None:
    # f(x) = W x with k outputs: the gradient of the summed outputs w.r.t. W is 1 x^T, so
    # the NTK is k X X^T and its condition number that of X X^T
    torch.manual_seed(0)
    x = torch.randn(6, 10)
    net = nn.Linear(10, 3, bias=False)
    eig = np.linalg.eigvalsh((x @ x.T).double().numpy())
    assert ntk_condition_number(net, x) == pytest.approx(eig[-1] / eig[0], rel=1e-6)
    assert ntk_condition_number(net, torch.cat([x[:3], x[:3]])) == math.inf  # repeated inputs: singular
    with pytest.raises(ValueError, match="at least 2"):
        ntk_condition_number(net, x[:1])


def test_linear_regions_of_a_one_dimensional_relu_layer() -> None:
    net = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1))
    with torch.no_grad():
        net[0].weight.fill_(1.0)
        net[0].bias.copy_(torch.tensor([0.0, -1.0]))  # kinks at 0 and 1
    assert linear_region_count(net, torch.tensor([[-0.5], [0.5], [1.5]])) == 3
    assert linear_region_count(net, torch.tensor([[0.2], [0.3], [0.9]])) == 1
    with pytest.raises(ValueError, match="no nn.ReLU"):
        linear_region_count(nn.Linear(1, 1), torch.zeros(2, 1))


def test_synflow_is_the_path_norm_per_layer_and_leaves_the_model_alone() -> None:
    # two linear layers, absolute weights, all-ones input: every layer's sum of
    # |theta * dR/dtheta| equals R = 1^T |W2| |W1| 1
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 5, bias=False), nn.Linear(5, 2, bias=False))
    before = [p.clone() for p in net.parameters()]
    w1, w2 = (layer.weight.detach().double().abs() for layer in net)
    r = torch.ones(2, dtype=torch.float64) @ w2 @ w1 @ torch.ones(4, dtype=torch.float64)
    assert synflow(net, (4,)) == pytest.approx(2 * float(r), rel=1e-9)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))
    with pytest.raises(ValueError, match="input_shape"):
        synflow(net, ())


def test_scores_order_nb201_extremes() -> None:
    x = torch.randn(8, 3, 16, 16)
    kw = {"channels": 4, "cells_per_stage": 1}
    torch.manual_seed(0)
    none = SPACE.to_module(SPACE.from_arch_str(ALL_NONE), **kw)
    torch.manual_seed(0)
    conv = SPACE.to_module(SPACE.from_arch_str(ALL_CONV), **kw)
    assert synflow(none, (3, 16, 16)) == 0.0 < synflow(conv, (3, 16, 16))  # no path through `none` cells
    assert ntk_condition_number(conv, x) < ntk_condition_number(none, x)
    assert linear_region_count(none, x) <= linear_region_count(conv, x)


def test_training_free_scores_as_objectives() -> None:
    objective = TrainingFreeScores(
        SPACE, torch.randn(6, 3, 8, 8), module_kwargs={"channels": 4, "cells_per_stage": 1},
        region_inputs=torch.randn(50, 1, 3, 3), region_module_kwargs={"channels": 1},
    )  # fmt: skip
    assert objective.directions == ["minimize", "maximize", "maximize"]
    study = optuna.create_study(directions=objective.directions, sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=4)
    for t in study.trials:
        assert t.state == optuna.trial.TrialState.COMPLETE
        assert t.values[1] == t.user_attrs["linear_regions"] <= 50
        assert t.values[0] == min(t.user_attrs["ntk_cond"], 1e12)
    # the same cell gets the same scores from a fresh objective (seed from the cell's key)
    cell = SPACE.from_params(study.trials[0].params)
    again = TrainingFreeScores(
        SPACE, objective.inputs, module_kwargs={"channels": 4, "cells_per_stage": 1},
        region_inputs=objective.region_inputs, region_module_kwargs={"channels": 1},
    ).evaluate(cell)  # fmt: skip
    assert again == {k: study.trials[0].user_attrs[k] for k in again}
    with pytest.raises(ValueError, match="unknown score 'snip'"):
        TrainingFreeScores(SPACE, torch.randn(4, 3, 8, 8), scores=["snip"])
    with pytest.raises(ValueError, match=r"inputs: an image batch"):
        TrainingFreeScores(SPACE, torch.randn(4, 8))
