"""One run of one sampler at one seed, as `lso-sampler compare` makes it, and where it stalled.

    LSO_SAMPLER_DATA=../shared/benchmarks OMP_NUM_THREADS=1 PYTHONPATH=. \\
        python benchmarks/one_run.py agnet-stall=benchmarks.levers:agnet_stall --seed 7 --in-flight 4

``sampler`` is a name of `lso-sampler list` or a plug-in spec ``[name=]module:factory``,
read as `lso-sampler compare --samplers` reads it. The run is the harness's own
(``lso_sampler.compare.running.run_one``, one torch thread), so a seed repeats the matching
run of a comparison made on the same machine. Prints the best search value, the reported
value of that cell, the query that found it (the last improvement) and the sampler time,
to look at a single seed of a table without running all ten.
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sampler", help="a sampler name or a plug-in spec [name=]module:factory")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=int, default=192, help="distinct queries")
    parser.add_argument("--in-flight", type=int, default=1, help="trials asked and not yet told")
    parser.add_argument("--benchmark", default="nasbench201:cifar10")
    parser.add_argument("--data-dir", default=os.environ.get("LSO_SAMPLER_DATA"))
    args = parser.parse_args()

    from lso_sampler.compare.registry import is_plugin_spec, load_plugin
    from lso_sampler.compare.running import run_one

    name, plugin = args.sampler, None
    if is_plugin_spec(args.sampler):
        name, plugin = load_plugin(args.sampler)
    start = time.perf_counter()
    result = run_one(
        args.benchmark, name, args.seed, args.budget, data_dir=args.data_dir, threads=1,
        in_flight=args.in_flight, plugin=plugin,
    )  # fmt: skip
    rows = sorted(result.rows, key=lambda r: r["query"])
    best = max(rows, key=lambda r: (r["search_value"], -r["query"]))
    sampler_s = sum(r["sampler_seconds"] for r in rows)
    print(
        f"{name} seed {args.seed}, {len(rows)} queries, {args.in_flight} in flight: best search value "
        f"{best['search_value']:.3f} (reported {best['reported_value']:.2f}) first at query {best['query']}; "
        f"sampler {sampler_s / len(rows):.3f} s/query, {time.perf_counter() - start:.0f} s in all"
    )


if __name__ == "__main__":
    main()
