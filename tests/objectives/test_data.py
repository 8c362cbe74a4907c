from __future__ import annotations

import pytest
import torch

from lso_sampler.objectives import csbm_graph, digits


def test_digits_splits_are_stratified_disjoint_and_repeatable() -> None:
    pytest.importorskip("sklearn")
    d = digits(image_size=16, channels=3, seed=1)
    assert d["train"].x.shape[1:] == (3, 16, 16)
    sizes = [len(d[s].y) for s in ("train", "valid", "test")]
    assert sum(sizes) == 1797 and sizes[0] > 1000
    from sklearn.datasets import load_digits

    total = torch.bincount(torch.tensor(load_digits().target), minlength=10)
    for s, frac in (("train", 0.6), ("valid", 0.2), ("test", 0.2)):
        counts = torch.bincount(d[s].y, minlength=10)
        assert ((counts - frac * total).abs() <= 1.5).all()  # every class in every split, in proportion
    again = digits(image_size=16, channels=3, seed=1)
    assert torch.equal(again["test"].x, d["test"].x)
    with pytest.raises(ValueError, match="fractions"):
        digits(fractions=(0.5, 0.5, 0.5))


def test_csbm_graph_has_the_asked_homophily_degree_and_splits() -> None:
    g = csbm_graph(num_nodes=2000, num_classes=5, avg_degree=6, homophily=0.8, seed=0)
    src, dst = g.edge_index
    assert abs(g.edge_index.shape[1] / g.num_nodes - 6) < 0.5
    assert abs(float((g.y[src] == g.y[dst]).float().mean()) - 0.8) < 0.03
    assert int(g.train_mask.sum()) == 100 and int(g.val_mask.sum()) == 150
    assert not (g.train_mask & g.val_mask).any() and not (g.val_mask & g.test_mask).any()
    assert bool((g.train_mask | g.val_mask | g.test_mask).all())
    with pytest.raises(ValueError, match="num_nodes, num_classes"):
        csbm_graph(num_nodes=50, num_classes=5)
