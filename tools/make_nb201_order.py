"""Regenerate ``lso_sampler/spaces/resources/nb201_order.txt`` from the NAS-Bench-201 table.

The official NAS-Bench-201 index order is not a product order of the six edges, so the
space ships it: one line per official index holding the six op indices (edge order
0->1, 0->2, 1->2, 0->3, 1->3, 2->3; ops 0 none .. 4 avg_pool_3x3). No accuracy or other
benchmark value is stored, only the enumeration order.

    python tools/make_nb201_order.py $LSO_SAMPLER_DATA
"""

from __future__ import annotations

import csv
import gzip
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/benchmarks")
out = Path(__file__).resolve().parents[1] / "lso_sampler/spaces/resources/nb201_order.txt"
with gzip.open(root / "nasbench201/nb201_hp200.csv.gz", "rt") as f:
    rows = list(csv.DictReader(f))
assert [int(r["arch_index"]) for r in rows] == list(range(15625))
lines = ["".join(r[f"op_e{i}"] for i in range(6)) for r in rows]
out.write_text("\n".join(lines) + "\n")
print(f"wrote {len(lines)} rows to {out}")
