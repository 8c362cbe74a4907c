"""NAS-Bench-101: up to 7 nodes, at most 9 edges, three ops."""

from __future__ import annotations

from lso_sampler.spaces.dag import DAGSpace

__all__ = ["NASBench101Space"]

OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")


class NASBench101Space(DAGSpace):
    """The NAS-Bench-101 cell space (Ying et al. 2019).

    Seven nodes (input, five intermediate nodes with ops ``conv3x3-bn-relu``,
    ``conv1x1-bn-relu`` or ``maxpool3x3``, output) and an upper-triangular adjacency.
    As in the NAS-Bench-101 API, nodes on no input-to-output path are pruned first; a
    cell is valid when the output is reachable and the pruned cell has at most 9 edges.
    Cells computing the same pruned graph share one :meth:`key`.

    Example:
        >>> space = NASBench101Space()
        >>> cell = space.sample(1)
        >>> space.is_valid(cell).ok
        True
    """

    name = "nasbench101"

    def __init__(self, encoding: str = "categorical") -> None:
        super().__init__(7, OPS, max_edges=9, prune=True, encoding=encoding)

    def __repr__(self) -> str:
        return f"NASBench101Space(encoding={self.encoding!r})"
