"""Torch modules, one concern per file."""

from __future__ import annotations

from lso_sampler.nn.dag_gnn import BidirectionalDAGLayer, DenseDAGLayer, GatedSum
from lso_sampler.nn.generator import GraphGenerator, edge_pairs
from lso_sampler.nn.mlp import MLP

__all__ = ["MLP", "BidirectionalDAGLayer", "DenseDAGLayer", "GatedSum", "GraphGenerator", "edge_pairs"]
