"""Torch modules, one concern per file."""

from __future__ import annotations

from lso_sampler.nn.dag_encoders import DAGGRUEncoder, GINEncoder, TwoSidedDAGEncoder, make_encoder
from lso_sampler.nn.dag_gnn import BidirectionalDAGLayer, DenseDAGLayer, GatedSum
from lso_sampler.nn.generator import GraphGenerator, edge_pairs
from lso_sampler.nn.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.nn.icnn import ICNN
from lso_sampler.nn.mlp import MLP
from lso_sampler.nn.sequential_decoder import SequentialDecoder

__all__ = [
    "ICNN",
    "MLP",
    "BidirectionalDAGLayer",
    "DAGGRUEncoder",
    "DenseDAGLayer",
    "GINEncoder",
    "GatedSum",
    "GraphGenerator",
    "GraphVAE",
    "GraphVAEConfig",
    "SequentialDecoder",
    "TwoSidedDAGEncoder",
    "edge_pairs",
    "make_encoder",
]
