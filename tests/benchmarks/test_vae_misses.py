"""``benchmarks/vae_misses.py``: where a shipped graph VAE fails to reconstruct, and how."""

from __future__ import annotations

import re
import sys

import torch

from tests.benchmarks import ROOT, run_script

sys.path.insert(0, str(ROOT))

from benchmarks.vae_misses import miss_kinds  # noqa: E402
from lso_sampler.cell import Cell  # noqa: E402
from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig  # noqa: E402
from lso_sampler.models.pretrain import VALIDATION_SIZE, holdout_cells, load_or_pretrain_vae  # noqa: E402
from lso_sampler.spaces import NASBench201Space  # noqa: E402


def test_the_misses_table_counts_every_test_cell_not_reconstructed() -> None:
    done = run_script("vae_misses.py", "dvae:nasbench201", "--draws", "500")
    assert done.returncode == 0, done.stderr
    hits, total = map(int, re.search(r"(\d+) of (\d+) test cells reconstructed", done.stdout).groups())
    assert total == 1000 and hits >= 990  # the manifest's 99.1 %
    misses = int(re.search(r"^\| all \| (\d+) \| (\d+) \|$", done.stdout, re.M).group(1))
    assert misses == total - hits


def _shipped_nasbench201() -> GraphVAE:
    """NAS-Bench-201's shipped graph VAE, in eval mode."""
    space = NASBench201Space()
    config = GraphVAEConfig().for_space(space)
    model = GraphVAE(space, config)
    model.load_vae_state_dict(load_or_pretrain_vae(space, config))
    return model.eval()


def test_a_miss_is_told_by_what_it_got_wrong_and_whether_the_decoder_preferred_the_cell() -> None:
    model = _shipped_nasbench201()
    space = model.space
    torch.set_num_threads(1)
    cell = next(c for c in holdout_cells(space)[VALIDATION_SIZE:] if len(set(c.ops[1:-1])) >= 3)
    ops = list(cell.ops)
    i, j = next((a, b) for a in range(1, 7) for b in range(a + 1, 7) if ops[a] != ops[b])
    swapped = ops.copy()
    swapped[i], swapped[j] = ops[j], ops[i]
    other = ops.copy()
    other[i] = next(o for o in space.ops if o not in (ops[i], ops[j]))
    moved, changed = (Cell.from_edges(o, cell.edges) for o in (swapped, other))
    table = miss_kinds(model, [cell, cell], [moved, changed])
    # a converged VAE finds the cell itself likelier than either edit of it, at its own latent
    assert "| ops only: the same ops on other nodes | 1 | 1 |" in table
    assert "| ops only: other ops | 1 | 1 |" in table
    assert table.endswith("| all | 2 | 2 |")
    assert miss_kinds(model, [], []) == "no misses"


def test_the_latent_information_is_the_kl_term_the_vae_trains_with() -> None:
    from benchmarks.vae_misses import latent_information

    model = _shipped_nasbench201()
    cells = holdout_cells(model.space)[VALIDATION_SIZE : VALIDATION_SIZE + 50]
    line = latent_information(model, cells)
    nats, bits, dims = re.search(r"per cell: ([\d.]+) nats \(([\d.]+) bits\) over (\d+) dimensions", line).groups()
    with torch.no_grad():
        kl = model.vae_terms(*model.tensors(cells), sample=False)[1]
    assert abs(float(nats) - float(kl.mean())) < 0.05 and float(nats) > 1.0
    assert abs(float(bits) - float(kl.mean()) / 0.6931472) < 0.1 and int(dims) == model.config.latent_dim
