"""Small real data sets that need no download, split for architecture search."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["Split", "csbm_graph", "digits"]


class Split(NamedTuple):
    """Inputs and integer labels of one split."""

    x: torch.Tensor
    y: torch.Tensor


def digits(
    image_size: int = 8,
    channels: int = 1,
    fractions: tuple[float, float, float] = (0.6, 0.2, 0.2),
    seed: int = 0,
) -> dict[str, Split]:
    """scikit-learn's handwritten digits (1,797 8x8 grey images, 10 classes) as
    standardised ``[N, channels, image_size, image_size]`` float tensors, split at random
    (stratified by class) into ``"train"``, ``"valid"`` and ``"test"``.

    The images ship inside scikit-learn (UCI optical digits test set), so nothing is
    downloaded. ``image_size`` other than 8 resizes bilinearly (or by area when smaller);
    ``channels > 1`` repeats the grey channel (for networks built for RGB input).

    Args:
        image_size: Side of the returned images.
        channels: Channels of the returned images.
        fractions: Train, validation and test fractions (summing to 1).
        seed: Seed of the split.

    Raises:
        ImportError: without scikit-learn (``pip install "lso-sampler[examples]"``).

    Example:
        >>> d = digits()  # doctest: +SKIP
        >>> d["train"].x.shape, d["valid"].x.shape, d["test"].x.shape  # doctest: +SKIP
        (torch.Size([1078, 1, 8, 8]), torch.Size([359, 1, 8, 8]), torch.Size([360, 1, 8, 8]))
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - exercised only without scikit-learn
        raise ImportError(
            'digits: needs scikit-learn, which is not installed: pip install "lso-sampler[examples]"'
        ) from exc
    if len(fractions) != 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions: three non-negative fractions summing to 1, got {fractions!r}")
    if image_size < 1 or channels < 1:
        raise ValueError(f"image_size, channels: must be positive, got {image_size}, {channels}")
    data = load_digits()
    x = torch.tensor(data.images, dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(data.target, dtype=torch.long)
    if image_size != 8:
        mode = "bilinear" if image_size > 8 else "area"
        x = F.interpolate(
            x, size=(image_size, image_size), mode=mode, **({"align_corners": False} if mode == "bilinear" else {})
        )
    x = (x - x.mean()) / x.std()
    x = x.repeat(1, channels, 1, 1)
    rng = np.random.default_rng(seed)
    parts: dict[str, list[int]] = {"train": [], "valid": [], "test": []}
    for label in range(10):  # stratified
        idx = rng.permutation(np.flatnonzero(data.target == label))
        a = int(round(fractions[0] * len(idx)))
        b = a + int(round(fractions[1] * len(idx)))
        parts["train"] += idx[:a].tolist()
        parts["valid"] += idx[a:b].tolist()
        parts["test"] += idx[b:].tolist()
    out = {}
    for name, idx in parts.items():
        order = torch.tensor(rng.permutation(np.asarray(idx, dtype=int)), dtype=torch.long)
        out[name] = Split(x[order], y[order])
    return out


def csbm_graph(
    num_nodes: int = 1000,
    num_classes: int = 5,
    avg_degree: float = 5.0,
    homophily: float = 0.7,
    feature_dim: int = 32,
    signal: float = 0.35,
    train_per_class: int = 20,
    val_per_class: int = 30,
    seed: int = 0,
) -> Any:
    """A contextual stochastic block model graph (Deshpande et al., NeurIPS 2018): a
    synthetic node-classification data set built on the spot, for when no real graph can
    be downloaded.

    Each class is one block of equal size; an edge joins two nodes of the same class with
    probability ``p_in`` and of different classes with ``p_out``, chosen so that the
    expected degree is ``avg_degree`` and a fraction ``homophily`` of the edges stay within
    a class. A node's features are its class mean (drawn from N(0, I), scaled by
    ``signal``) plus N(0, I) noise, so the features alone classify poorly and averaging
    over neighbours helps: a task where the GNN op and wiring matter. Splits follow
    NAS-Bench-Graph's semi-supervised ones: ``train_per_class`` and ``val_per_class``
    nodes per class, the rest test.

    Returns:
        A ``torch_geometric.data.Data`` with ``x``, ``edge_index`` (undirected), ``y``,
        ``train_mask``, ``val_mask`` and ``test_mask``.

    Example:
        >>> g = csbm_graph(num_nodes=400, num_classes=4, seed=0)
        >>> g.num_nodes, int(g.train_mask.sum()), int(g.val_mask.sum()), int(g.test_mask.sum())
        (400, 80, 120, 200)
    """
    from torch_geometric.data import Data
    from torch_geometric.utils import stochastic_blockmodel_graph

    if num_classes < 2 or num_nodes < num_classes * (train_per_class + val_per_class + 1):
        raise ValueError(
            f"num_nodes, num_classes: need at least 2 classes and train_per_class + val_per_class + 1 "
            f"nodes per class, got {num_nodes} nodes for {num_classes} classes"
        )
    if not 0.0 <= homophily <= 1.0 or avg_degree <= 0 or feature_dim < 1:
        raise ValueError(
            f"homophily in [0, 1], avg_degree > 0, feature_dim >= 1; got {homophily}, {avg_degree}, {feature_dim}"
        )
    sizes = [num_nodes // num_classes + (1 if c < num_nodes % num_classes else 0) for c in range(num_classes)]
    block = num_nodes / num_classes
    p_in = min(1.0, homophily * avg_degree / max(block - 1, 1))
    p_out = min(1.0, (1 - homophily) * avg_degree / (num_nodes - block))
    probs = torch.full((num_classes, num_classes), p_out)
    probs.fill_diagonal_(p_in)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        edge_index = stochastic_blockmodel_graph(sizes, probs, directed=False)
        y = torch.cat([torch.full((s,), c, dtype=torch.long) for c, s in enumerate(sizes)])
        means = torch.randn(num_classes, feature_dim) * signal
        x = means[y] + torch.randn(num_nodes, feature_dim)
        masks = {name: torch.zeros(num_nodes, dtype=torch.bool) for name in ("train", "val", "test")}
        for c in range(num_classes):
            idx = torch.nonzero(y == c).flatten()
            idx = idx[torch.randperm(len(idx))]
            masks["train"][idx[:train_per_class]] = True
            masks["val"][idx[train_per_class : train_per_class + val_per_class]] = True
            masks["test"][idx[train_per_class + val_per_class :]] = True
    return Data(
        x=x, edge_index=edge_index, y=y,
        train_mask=masks["train"], val_mask=masks["val"], test_mask=masks["test"],
    )  # fmt: skip
