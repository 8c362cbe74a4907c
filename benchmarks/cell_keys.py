"""Time of :attr:`Cell.key <lso_sampler.cell.Cell.key>` on symmetric and random cells.

Every case is a family of cells; each cell's key is computed ``--repeats`` times on a fresh
copy (keys are cached per instance). Per case the script prints, in milliseconds, the
median over the cells of each cell's median time (``median``), the largest of those
(``slowest``: the slowest cell, robust to a busy machine) and the largest single time
(``max``). Cells whose key takes longer than ``--cap`` seconds are reported as ``>cap``
(the computation is interrupted).

Cases (all labels equal unless said otherwise):

* ``parallel-k`` — input -> k parallel identical ops -> output (``DAGSpace(k + 2)``);
* ``chains-kxL`` — input -> k parallel chains of L ops -> output;
* ``layers-w1-w2-...`` — input -> complete bipartite layers of the given widths -> output;
* ``complete-n`` / ``empty-n`` — the complete DAG / no edges on n nodes;
* ``crown-k`` / ``ladder-k`` — input -> k ops -> k ops -> output with a_i -> b_j for every
  i != j / for j in {i, i + 1 mod k} (refinement alone splits nothing);
* ``paths-kxL`` — k disjoint directed paths of L nodes;
* ``darts-symmetric`` — the DARTS cell with every node reading (c_{k-2}, c_{k-1}) through
  the same op (4! automorphisms per part);
* ``random-<space>`` — ``--random`` cells sampled from each space;
* ``random-dag12-density`` — random 12-node DAGs (not necessarily valid in a space) with
  one label and an edge density drawn uniformly per cell.

Run:

    OMP_NUM_THREADS=1 python benchmarks/cell_keys.py --repeats 5
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import time
from collections.abc import Callable, Iterator

from lso_sampler.cell import Cell
from lso_sampler.spaces import (
    DAGSpace,
    DartsSpace,
    ENASSpace,
    NASBench101Space,
    NASBench201Space,
    NASBenchGraphSpace,
)


def parallel(k: int) -> Cell:
    """input -> k identical ops -> output."""
    return Cell.from_edges(
        ["input", *["conv"] * k, "output"],
        [(0, i) for i in range(1, k + 1)] + [(i, k + 1) for i in range(1, k + 1)],
    )


def layered(widths: list[int]) -> Cell:
    """input -> complete bipartite layers of ``widths`` identical ops -> output."""
    layers = [[0]]
    nxt = 1
    for w in widths:
        layers.append(list(range(nxt, nxt + w)))
        nxt += w
    layers.append([nxt])
    edges = [(a, b) for lo, hi in zip(layers, layers[1:]) for a in lo for b in hi]
    return Cell.from_edges(["input", *["conv"] * (nxt - 1), "output"], edges)


def chains(k: int, length: int) -> Cell:
    """input -> k parallel chains of ``length`` identical ops -> output."""
    n = 2 + k * length
    edges = []
    for c in range(k):
        nodes = [1 + c + k * i for i in range(length)]  # interleaved numbering
        edges += [(0, nodes[0]), (nodes[-1], n - 1)]
        edges += list(zip(nodes, nodes[1:]))
    return Cell.from_edges(["input", *["conv"] * (n - 2), "output"], edges)


def bipartite(k: int, pattern: Callable[[int, int], bool]) -> Cell:
    """input -> a_1..a_k -> b_1..b_k -> output with a_i -> b_j where ``pattern(i, j)``."""
    n = 2 * k + 2
    edges = [(0, 1 + i) for i in range(k)] + [(1 + k + j, n - 1) for j in range(k)]
    edges += [(1 + i, 1 + k + j) for i in range(k) for j in range(k) if pattern(i, j)]
    return Cell.from_edges(["input", *["conv"] * (2 * k), "output"], edges)


def paths(k: int, length: int) -> Cell:
    """k disjoint directed paths of ``length`` identical nodes."""
    edges = [(c * length + i, c * length + i + 1) for c in range(k) for i in range(length - 1)]
    return Cell.from_edges(["x"] * (k * length), edges)


def darts_symmetric() -> Cell:
    """Both DARTS cells with all four nodes reading (0, 1) through sep_conv_3x3."""
    genotype = [("sep_conv_3x3", 0), ("sep_conv_3x3", 1)] * 4
    return DartsSpace().from_genotype({"normal": genotype, "reduce": genotype})


def random_dags(count: int, n: int, seed: int) -> Iterator[Cell]:
    """``count`` random one-label DAGs on ``n`` nodes, edge density uniform in [0, 1]."""
    rnd = random.Random(seed)
    for _ in range(count):
        p = rnd.random()
        yield Cell.from_edges(
            ["x"] * n, [(i, j) for i in range(n) for j in range(i + 1, n) if rnd.random() < p]
        )


def cases(num_random: int) -> Iterator[tuple[str, list[Cell]]]:
    """The benchmark families, in order."""
    for k in range(1, 11):
        yield f"parallel-{k}", [parallel(k)]
    for k, length in ((4, 2), (5, 2), (3, 3), (2, 5)):
        yield f"chains-{k}x{length}", [chains(k, length)]
    for widths in ([5, 5], [3, 3, 3], [2, 2, 2, 2, 2], [4, 6]):
        yield "layers-" + "-".join(map(str, widths)), [layered(widths)]
    yield "complete-12", [Cell(["x"] * 12, [[int(j > i) for j in range(12)] for i in range(12)])]
    yield "empty-12", [Cell(["x"] * 12, [[0] * 12 for _ in range(12)])]
    yield "crown-5", [bipartite(5, lambda i, j: i != j)]
    yield "ladder-5", [bipartite(5, lambda i, j: j in (i, (i + 1) % 5))]
    yield "paths-6x2", [paths(6, 2)]
    yield "paths-4x3", [paths(4, 3)]
    yield "paths-3x4", [paths(3, 4)]
    yield "darts-symmetric", [darts_symmetric()]
    spaces = {
        "nasbench201": NASBench201Space(),
        "nasbench101": NASBench101Space(),
        "darts": DartsSpace(),
        "enas": ENASSpace(),
        "nasbench-graph": NASBenchGraphSpace(),
        "dagspace12-1op": DAGSpace(12, ["conv"]),
        "dagspace12-3ops": DAGSpace(12, ["a", "b", "c"]),
    }
    for name, space in spaces.items():
        yield f"random-{name}", [space.sample(seed) for seed in range(num_random)]
    yield "random-dag12-density", list(random_dags(num_random, 12, seed=0))


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Timeout


def time_key(cell: Cell, cap: float) -> float:
    """Seconds for one key of a fresh copy of ``cell``; ``inf`` past ``cap`` seconds."""
    fresh = Cell(cell.ops, cell.adjacency)
    signal.setitimer(signal.ITIMER_REAL, cap)
    try:
        start = time.perf_counter()
        fresh.key  # noqa: B018
        return time.perf_counter() - start
    except _Timeout:
        return float("inf")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timings per cell")
    parser.add_argument("--random", type=int, default=200, help="random cells per random case")
    parser.add_argument("--cap", type=float, default=10.0, help="seconds before a key is given up")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    print(f"{'case':<22} {'nodes':>5} {'cells':>5} {'median':>9} {'slowest':>9} {'max':>9}")
    for name, cells in cases(args.random):
        per_cell: list[float] = []
        worst = 0.0
        for cell in cells:
            times: list[float] = []
            for _ in range(args.repeats):
                times.append(time_key(cell, args.cap))
                if times[-1] == float("inf"):
                    break
            per_cell.append(statistics.median(times))
            worst = max(worst, *times)
        fmt = lambda s: f">{args.cap * 1e3:.0f}" if s == float("inf") else f"{s * 1e3:.2f}"  # noqa: E731
        nodes = max(c.num_nodes for c in cells)
        print(
            f"{name:<22} {nodes:>5} {len(cells):>5} {fmt(statistics.median(per_cell)):>9} "
            f"{fmt(max(per_cell)):>9} {fmt(worst):>9}",
            flush=True,
        )


if __name__ == "__main__":
    main()
