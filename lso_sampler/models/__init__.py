"""Torch modules, one concern per file."""

from __future__ import annotations

from lso_sampler.models.dag_encoders import DAGGRUEncoder, GINEncoder, TwoSidedDAGEncoder, make_encoder
from lso_sampler.models.dag_gnn import BidirectionalDAGLayer, DenseDAGLayer, GatedSum
from lso_sampler.models.generator import GraphGenerator, edge_pairs
from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.models.icnn import ICNN
from lso_sampler.models.mlp import MLP
from lso_sampler.models.sequential_decoder import SequentialDecoder

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
