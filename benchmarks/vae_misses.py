"""Where a shipped graph VAE fails to reconstruct: its held-out test cells by size.

For one ``encoder:space`` with shipped weights, prints per number of edges of the cell's
representative form (pruned, where the space prunes): the share of random draws of that
size, how many of those draws are held-out cells (never drawn in pretraining), the held-out
test cells (``--cells validation``: the validation cells that stopped pretraining) of that
size and how many of them the VAE decodes back (posterior mean, greedy).

Then what the misses got wrong, compared on the representative forms: the ops alone (the
same ops on other nodes, or other ops) with every edge right, the edges alone, or both; and
for how many of them the decoder gives the cell itself a higher likelihood at the posterior
mean than the cell it decoded (a miss of the greedy decoding, not of the model).

Last, how much the latent carries about a cell: the KL divergence of the posterior from the
prior per cell (nats and bits), the least and most of it one latent dimension holds, and the
posterior standard deviations. A latent whose KL per cell is well above the bits that tell
the space's cells apart is not what limits reconstruction.

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
    misses: list[int] = []
    for i, (cell, out) in enumerate(zip(test, decoded)):
        e = size(cell)
        cells[e] += 1
        if space.key(cell) == space.key(out):
            hits[e] += 1
        else:
            misses.append(i)
    print(f"{args.model}: {sum(hits.values())} of {len(test)} {args.cells} cells reconstructed")
    print(f"| edges | share of draws % | draws that are held-out cells % | {args.cells} cells | reconstructed % |")
    print("|---:|---:|---:|---:|---:|")
    for e in sorted(set(draws) | set(cells)):
        share = 100 * draws[e] / args.draws
        held_share = 100 * held_draws[e] / draws[e] if draws[e] else float("nan")
        rec = 100 * hits[e] / cells[e] if cells[e] else float("nan")
        print(f"| {e} | {share:.1f} | {held_share:.1f} | {cells[e]} | {rec:.1f} |")
    print()
    print(miss_kinds(model, [test[i] for i in misses], [decoded[i] for i in misses]))
    print()
    print(latent_information(model, test))


def latent_information(model: GraphVAE, cells: list) -> str:
    """The posterior's KL from N(0, I) over ``cells``: mean per cell in nats and bits, the
    range of its mean per latent dimension, and the range of the posterior standard
    deviations' mean per dimension."""
    with torch.no_grad():
        mu, logvar = model.encode_cells(cells)
    kl = model.kl_terms(mu, logvar)
    per_cell = float(kl.sum(1).mean())
    per_dim = kl.mean(0)
    std = (0.5 * logvar).exp().mean(0)
    return (
        f"posterior KL per cell: {per_cell:.1f} nats ({per_cell / np.log(2):.1f} bits) over {kl.shape[1]} "
        f"dimensions, {float(per_dim.min()):.2f}-{float(per_dim.max()):.2f} nats per dimension; "
        f"posterior std {float(std.min()):.3f}-{float(std.max()):.3f}"
    )


def miss_kinds(model: GraphVAE, cells: list, decoded: list) -> str:
    """What the decoded cells got wrong against ``cells`` (the misses), as a markdown
    table: counts of ops-only misses (ops on other nodes, or other ops), edges-only and
    both, and how many of each the decoder finds less likely than the cell itself (greedy
    misses)."""
    space = model.space
    if not cells:
        return "no misses"
    with torch.no_grad():
        mu = model.encode_cells(cells)[0]
        nll = {}
        for label, group in (("cell", cells), ("decoded", decoded)):
            _, types, adj, mask = model.tensors(group)
            nll[label] = model.decoder.loss(mu, types, adj, mask)
    kinds: collections.Counter[str] = collections.Counter()
    greedy: collections.Counter[str] = collections.Counter()
    for i, (cell, out) in enumerate(zip(cells, decoded)):
        a, b = space.representative(cell), space.representative(out)
        ops_same = list(a.ops) == list(b.ops)
        edges_same = a.num_nodes == b.num_nodes and set(a.edges) == set(b.edges)
        if not ops_same and edges_same:
            kind = "ops only: the same ops on other nodes" if sorted(a.ops) == sorted(b.ops) else "ops only: other ops"
        elif ops_same:
            kind = "edges only"
        else:
            kind = "ops and edges"
        kinds[kind] += 1
        greedy[kind] += bool(nll["cell"][i] < nll["decoded"][i])
    lines = ["| miss | cells | the cell itself more likely (greedy misses) |", "|---|---:|---:|"]
    lines += [f"| {k} | {kinds[k]} | {greedy[k]} |" for k in sorted(kinds)]
    lines.append(f"| all | {sum(kinds.values())} | {sum(greedy.values())} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
