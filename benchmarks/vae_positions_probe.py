"""Why the NAS-Bench-Graph graph VAE fell short of 99 %: the encoder's node indices and the cells' form.

Pretrains fresh D-VAE graph VAEs of one space with the shipped recipe (128 random cells per
step, Adam 2e-3 halved every 4,000 steps, the held-out cells never drawn; pretraining seed
0), one per combination of ``--positions`` (``GraphVAEConfig(encoder_positions=...)``: off
or on) and ``--forms`` (``representative``: the VAE learns and encodes each cell's
``SearchSpace.representative`` form, as the library does; ``drawn``: the cells as drawn).
Every ``--every`` steps it decodes the first 500 validation cells (posterior mean, greedy)
and prints one JSON line: the share decoded to the same cell (canonical key) and, on
NAS-Bench-Graph, how many of the cells of link ``0012`` (two parallel chains off the input)
came back.

    OMP_NUM_THREADS=1 python benchmarks/vae_positions_probe.py --steps 7000 --every 1000 \\
        [--positions off,on] [--forms representative,drawn] [--space nasbench-graph]

The run with ``--positions on --forms representative`` is the shipped weights' own
(``tools/pretrain_vae.py``, same seed and draws). No benchmark data is read.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time

import torch

from lso_sampler.models.graph_vae import GraphVAE, GraphVAEConfig
from lso_sampler.models.pretrain import PRETRAIN_SEED, VALIDATION_SIZE, holdout_cells, pretrain_vae
from lso_sampler.spaces import BUILTIN_SPACES


def _choices(parser: argparse.ArgumentParser, name: str, text: str, allowed: tuple[str, ...]) -> list[str]:
    picked = [v for v in text.split(",") if v]
    if not picked or any(v not in allowed for v in picked):
        parser.error(f"--{name}: expected a comma-separated subset of {list(allowed)}, got {text!r}")
    return picked


def probe(name: str, form: str, positions: bool, steps: int, every: int) -> None:
    """One pretraining run of ``name``'s VAE, measured every ``every`` steps."""
    space = BUILTIN_SPACES[name]()
    if form == "drawn":
        space.representative = lambda cell: cell  # type: ignore[method-assign]
    cells = holdout_cells(space)[:VALIDATION_SIZE]
    chains = [space.name == "nasbench-graph" and space.to_params(c)["link"] == "0012" for c in cells]
    torch.manual_seed(PRETRAIN_SEED)
    model = GraphVAE(space, GraphVAEConfig(encoder_positions=positions))
    start = time.perf_counter()

    def measure(step: int) -> bool:
        if step % every:
            return False
        model.eval()
        with torch.no_grad():
            decoded = model.decode(model.encode_cells(cells)[0])
        model.train()
        right = [space.key(a) == space.key(b) for a, b in zip(cells, decoded)]
        line = {"form": form, "positions": "on" if positions else "off", "step": step}
        line["reconstruction"] = round(sum(right) / len(right), 3)
        if any(chains):
            on_chains = [r for r, c in zip(right, chains) if c]
            line["link_0012"] = f"{sum(on_chains)} of {len(on_chains)}"
        line["minutes"] = round((time.perf_counter() - start) / 60, 1)
        print(json.dumps(line), flush=True)
        return False

    pretrain_vae(model, steps=steps, seed=PRETRAIN_SEED, callback=measure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="nasbench-graph", choices=sorted(BUILTIN_SPACES))
    parser.add_argument("--steps", type=int, default=7000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--positions", default="off,on", help="off, on or off,on")
    parser.add_argument("--forms", default="representative", help="representative, drawn or both")
    args = parser.parse_args()
    positions = _choices(parser, "positions", args.positions, ("off", "on"))
    forms = _choices(parser, "forms", args.forms, ("representative", "drawn"))
    torch.set_num_threads(1)
    for form, run in itertools.product(forms, positions):
        probe(args.space, form, run == "on", args.steps, args.every)


if __name__ == "__main__":
    main()
