#!/usr/bin/env bash
# Graph-VAE (NGAE) and CR-LSO benchmark tables (benchmarks/README.md#graph-vae-and-cr-lso).
# Run from the repository root with LSO_SAMPLER_DATA pointing at the benchmark data.
# Usage: benchmarks/graph_vae.sh [table ...]
# tables: enas cifar10 cifar100 imagenet16 cora nasbench301 (default: all)
# The search tables run 10 seeds x 192 queries, two runs at a time (one torch thread each, each
# in its own process, so peak memory is measured); their agnet and local-search rows come from
# the AG-Net tables (benchmarks/agnet.sh), which ran the same seeds and budget.
set -euo pipefail
export OMP_NUM_THREADS=1
SAMPLERS=random,tpe,evolution,graph-vae,convex-lso
run() {  # name, benchmark[, samplers]
  lso-sampler compare --benchmark "$2" --samplers "${3:-$SAMPLERS}" --seeds 10 --budget 192 --jobs 2 \
    --out "benchmarks/results/$1" --quiet
}
for t in "${@:-enas cifar10 cifar100 imagenet16 cora nasbench301}"; do
  for table in $t; do
    case "$table" in
      enas) python benchmarks/graph_vae_enas.py --epochs 10 --out benchmarks/results/graph_vae_enas ;;
      cifar10) run graph_vae_nasbench201_cifar10 nasbench201:cifar10 ;;
      cifar100) run graph_vae_nasbench201_cifar100 nasbench201:cifar100 ;;
      imagenet16) run graph_vae_nasbench201_imagenet16 nasbench201:imagenet16 ;;
      cora) run graph_vae_nasbench_graph_cora nasbench-graph:cora ;;
      # the baselines' NAS-Bench-301 rows come from the AG-Net run (one DARTS run costs minutes)
      nasbench301) run graph_vae_nasbench301 nasbench301 graph-vae,convex-lso ;;
      *) echo "unknown table $table" >&2; exit 2 ;;
    esac
  done
done
