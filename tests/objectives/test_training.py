from __future__ import annotations

import optuna
import pytest
import torch

from lso_sampler import AGNetSampler
from lso_sampler.objectives import NodeClassificationTraining, PartialTraining, csbm_graph
from lso_sampler.spaces import NASBench201Space, NASBenchGraphSpace

SPACE = NASBench201Space()
KW = {"channels": 4, "cells_per_stage": 1}


def _blobs(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Two classes of 1x8x8 images that differ in their mean brightness."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = torch.randn(n, 1, 8, 8, generator=g) + (2 * y - 1).view(-1, 1, 1, 1).float()
    return x, y


@pytest.mark.slow
def test_partial_training_learns_reports_and_stores_the_test_accuracy(tmp_path) -> None:
    objective = PartialTraining(SPACE, _blobs(128, 0), _blobs(64, 1), _blobs(64, 2), epochs=3, module_kwargs=KW)
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    study = optuna.create_study(direction="maximize", storage=storage, sampler=optuna.samplers.RandomSampler(seed=0))
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|"
    study.enqueue_trial(SPACE.to_params(SPACE.from_arch_str(arch)))
    study.optimize(objective, n_trials=3)
    first = study.trials[0]
    assert sorted(first.intermediate_values) == [1, 2, 3]
    assert first.value == first.intermediate_values[3] > 0.8  # the classes are easy to tell apart
    assert 0.8 < first.user_attrs["test_accuracy"] <= 1.0
    assert first.user_attrs["epochs"] == 3 and first.user_attrs["params"] > 0
    # the same cell scores the same in a new objective (initialisation seeded by the cell)
    cell = SPACE.from_params(first.params)
    again = PartialTraining(SPACE, _blobs(128, 0), _blobs(64, 1), _blobs(64, 2), epochs=3, module_kwargs=KW)
    assert again.evaluate(cell).valid_curve == [first.intermediate_values[e] for e in (1, 2, 3)]


def test_a_pruner_stops_training_and_the_sampler_keeps_the_cell() -> None:
    objective = PartialTraining(SPACE, _blobs(64, 0), _blobs(32, 1), epochs=4, module_kwargs=KW)
    sampler = AGNetSampler(SPACE, seed=0, n_startup_trials=4, num_candidates=10, epochs=2)
    study = optuna.create_study(
        direction="maximize", sampler=sampler, pruner=optuna.pruners.ThresholdPruner(upper=0.0)
    )  # every trial that reports a positive accuracy is pruned after its first epoch
    study.optimize(objective, n_trials=6)
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    assert pruned and all(t.user_attrs["pruned_at_epoch"] == 1 and len(t.intermediate_values) == 1 for t in pruned)
    assert all("test_accuracy" not in t.user_attrs for t in pruned)
    history, _ = sampler.history(study)
    assert len(history) == 6  # pruned trials count with their last report
    keys = [SPACE.key(SPACE.from_params(t.params)) for t in study.trials]
    assert len(set(keys)) == len(keys)


def test_partial_training_rejects_bad_input() -> None:
    x, y = _blobs(16, 0)
    with pytest.raises(ValueError, match="epochs: must be a positive int"):
        PartialTraining(SPACE, (x, y), (x, y), epochs=0)
    with pytest.raises(ValueError, match="optimizer: one of"):
        PartialTraining(SPACE, (x, y), (x, y), optimizer="rmsprop")
    with pytest.raises(ValueError, match=r"valid: x must be \[N, ...\] and y \[N\]"):
        PartialTraining(SPACE, (x, y), (x, y[:3]))
    with pytest.raises(ValueError, match="train: give an"):
        PartialTraining(SPACE, x, (x, y))
    with pytest.raises(ValueError, match="inputs must share one shape"):
        PartialTraining(SPACE, (x, y), (torch.randn(16, 1, 4, 4), y))
    with pytest.raises(ValueError, match="labels must be 0..K-1"):
        PartialTraining(SPACE, (x, y - 1), (x, y))


@pytest.mark.slow
def test_node_classification_training_beats_a_feature_only_model() -> None:
    space = NASBenchGraphSpace()
    graph = csbm_graph(num_nodes=400, num_classes=4, seed=0)
    objective = NodeClassificationTraining(space, graph, epochs=60, module_kwargs={"hidden": 16})
    cell = lambda link, ops: space.from_params({"link": link, **{f"op_{i + 1}": o for i, o in enumerate(ops)}})  # noqa: E731
    gnn = objective.evaluate(cell("0123", ["gcn", "gcn", "skip", "skip"]))
    mlp = objective.evaluate(cell("0123", ["fc", "fc", "fc", "fc"]))
    assert gnn.test_accuracy > mlp.test_accuracy + 0.15  # neighbours carry the label on this graph
    assert len(gnn.valid_curve) == 60
    bad = graph.clone()
    del bad.val_mask
    with pytest.raises(ValueError, match="data: needs `val_mask`"):
        NodeClassificationTraining(space, bad)
