"""Objectives for searching on your own data.

* :class:`PartialTraining` — train each proposed cell's network for a few epochs on your
  image data, report the validation accuracy per epoch (Optuna pruners can stop it),
  return it, store the test accuracy as a user attribute.
* :class:`NodeClassificationTraining` — the same for NAS-Bench-Graph GNNs on one graph.
* :class:`TrainingFreeScores` — NTK condition number, linear-region count and SynFlow of
  the network at initialisation, as one or several objectives.
* :func:`ntk_condition_number`, :func:`linear_region_count`, :func:`synflow` — the
  scores themselves, for any ``torch.nn.Module``.
* :func:`digits` — scikit-learn's digits, split and shaped for the image spaces;
  :func:`csbm_graph` — a synthetic node-classification graph built on the spot.

Example:
    >>> import optuna
    >>> from lso_sampler import AGNetSampler, NASBench201Space
    >>> from lso_sampler.objectives import PartialTraining, digits
    >>> data = digits()  # doctest: +SKIP
    >>> objective = PartialTraining(NASBench201Space(), data["train"], data["valid"], data["test"],
    ...                             epochs=5, module_kwargs={"channels": 8, "cells_per_stage": 1})  # doctest: +SKIP
    >>> study = optuna.create_study(direction="maximize", sampler=AGNetSampler(NASBench201Space()),
    ...                             pruner=optuna.pruners.MedianPruner())  # doctest: +SKIP
    >>> study.optimize(objective, n_trials=40)  # doctest: +SKIP
"""

from __future__ import annotations

from lso_sampler.objectives.data import Split, csbm_graph, digits
from lso_sampler.objectives.proxies import (
    SCORES,
    TrainingFreeScores,
    linear_region_count,
    ntk_condition_number,
    synflow,
)
from lso_sampler.objectives.training import NodeClassificationTraining, PartialTraining, TrainingResult

__all__ = [
    "SCORES",
    "NodeClassificationTraining",
    "PartialTraining",
    "Split",
    "TrainingFreeScores",
    "TrainingResult",
    "csbm_graph",
    "digits",
    "linear_region_count",
    "ntk_condition_number",
    "synflow",
]
