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

from lso_sampler import NASBench201Space
from lso_sampler.objectives import PartialTraining, digits


def main(argv: list[str] | None = None) -> dict:
    args = arguments("AG-Net vs TPE on scikit-learn's digits with NAS-Bench-201 cells", 64, 3, 4, argv)
    space = NASBench201Space()
    data = digits(seed=0)
    objective = PartialTraining(
        space, data["train"], data["valid"], data["test"],
        epochs=args.epochs, module_kwargs={"channels": 8, "cells_per_stage": 1}, seed=0,
    )  # fmt: skip
    print(
        f"digits: {len(data['train'].y)} train / {len(data['valid'].y)} valid / {len(data['test'].y)} test images; "
        f"NAS-Bench-201 cells (C=8, N=1), {args.epochs} epochs per cell, median pruner"
    )
    return compare(space, objective, args, space.to_arch_str, warmup_steps=1)


if __name__ == "__main__":
    main()
