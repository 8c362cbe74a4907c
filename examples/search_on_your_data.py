"""Architecture search on your own image data: AG-Net vs TPE (and random), partial training, pruning.

The data: scikit-learn's handwritten digits (1,797 8x8 grey images, 10 classes; they ship
inside scikit-learn, nothing is downloaded), split 60/20/20 into train / validation /
test. The space: NAS-Bench-201 cells in the benchmark's skeleton, narrowed for the CPU
(8 channels, one cell per stage). Each trial trains its cell's network for a few epochs,
reports the validation accuracy after every epoch (a median pruner stops trials that
fall behind), returns the validation accuracy and stores the test accuracy, which no
sampler sees. Replace ``digits()`` by your own ``(x, y)`` tensors to search on your data.

    pip install -e ".[examples]"
    python examples/search_on_your_data.py                  # ~5 minutes on 2 CPU cores
    python examples/search_on_your_data.py --trials 8 --seeds 1 --epochs 1   # a smoke run

Prints every run's best cell (by validation accuracy), its test accuracy, how many trials
were pruned and the wall time, then the comparison (means over seeds).
"""

from __future__ import annotations

from _compare import arguments, compare

from lso_sampler import NASBenchGraphSpace
from lso_sampler.objectives import NodeClassificationTraining, csbm_graph


def main(argv: list[str] | None = None) -> dict:
    args = arguments("AG-Net vs TPE on a synthetic graph with NAS-Bench-Graph cells", 64, 3, 60, argv)
    space = NASBenchGraphSpace()
    graph = csbm_graph(seed=0)
    objective = NodeClassificationTraining(space, graph, epochs=args.epochs, module_kwargs={"hidden": 32}, seed=0)
    print(
        f"contextual SBM graph: {graph.num_nodes} nodes, {graph.edge_index.shape[1] // 2} edges, "
        f"{int(graph.y.max()) + 1} classes; {int(graph.train_mask.sum())} train / {int(graph.val_mask.sum())} valid / "
        f"{int(graph.test_mask.sum())} test nodes; {args.epochs} epochs per cell, median pruner"
    )

    def describe(cell: object) -> str:
        params = space.to_params(cell)
        return f"link {params['link']} ops {','.join(params[f'op_{i}'] for i in range(1, 5))}"

    return compare(space, objective, args, describe, warmup_steps=max(1, args.epochs // 3))


if __name__ == "__main__":
    main()
