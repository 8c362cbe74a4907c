"""Where a shipped graph VAE fails to reconstruct: its held-out test cells by size.

For one ``encoder:space`` with shipped weights, prints per number of edges of the cell's
representative form (pruned, where the space prunes): the share of random draws of that
size, how many of those draws are held-out cells (never drawn in pretraining), the held-out
test cells (``--cells validation``: the validation cells that stopped pretraining) of that
size and how many of them the VAE decodes back (posterior mean, greedy).

    python benchmarks/vae_misses.py dvae:nasbench101 [--cells validation]

No benchmark data is read (pretraining and this measure see cells only).
"""

from __future__ import annotations

import argparse
import collections

import numpy as np
import torch

from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.models.pretrain import VALIDATION_SIZE, holdout_cells, load_or_pretrain_vae, shipped_entry
from lso_sampler.spaces import BUILTIN_SPACES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="encoder:space, e.g. dvae:nasbench101")
    parser.add_argument("--draws", type=int, default=20_000, help="random cells for the draw shares")
    parser.add_argument("--cells", choices=("test", "validation"), default="test")
    args = parser.parse_args()
    encoder, name = args.model.split(":")
    space = BUILTIN_SPACES[name]()
    config = GraphVAEConfig(encoder=encoder).for_space(space)
    if shipped_entry(f"gvae-{encoder}", space, config.vae_dict()) is None:
        raise SystemExit(f"model: {args.model} has no shipped weights (tools/pretrain_vae.py makes them)")
    torch.set_num_threads(1)
    model = GraphVAE(space, config)
    model.load_vae_state_dict(load_or_pretrain_vae(space, config))
    model.eval()
    held = holdout_cells(space)
    held_keys = {space.key(c) for c in held}
    test = held[VALIDATION_SIZE:] if args.cells == "test" else held[:VALIDATION_SIZE]
    with torch.no_grad():
        decoded = model.decode(model.encode_cells(test)[0])

    def size(cell) -> int:  # type: ignore[no-untyped-def]
        return space.representative(cell).num_edges

    draws: collections.Counter[int] = collections.Counter()
    held_draws: collections.Counter[int] = collections.Counter()
    rng = np.random.default_rng(1)
    for _ in range(args.draws):
        cell = space.sample(rng)
        e = size(cell)
        draws[e] += 1
        held_draws[e] += space.key(cell) in held_keys
    cells: collections.Counter[int] = collections.Counter()
    hits: collections.Counter[int] = collections.Counter()
    for cell, out in zip(test, decoded):
        e = size(cell)
        cells[e] += 1
        hits[e] += space.key(cell) == space.key(out)
    print(f"{args.model}: {sum(hits.values())} of {len(test)} {args.cells} cells reconstructed")
    print(f"| edges | share of draws % | draws that are held-out cells % | {args.cells} cells | reconstructed % |")
    print("|---:|---:|---:|---:|---:|")
    for e in sorted(set(draws) | set(cells)):
        share = 100 * draws[e] / args.draws
        held_share = 100 * held_draws[e] / draws[e] if draws[e] else float("nan")
        rec = 100 * hits[e] / cells[e] if cells[e] else float("nan")
        print(f"| {e} | {share:.1f} | {held_share:.1f} | {cells[e]} | {rec:.1f} |")


if __name__ == "__main__":
    main()
