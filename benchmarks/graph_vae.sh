#!/usr/bin/env bash
# Graph-VAE (NGAE) and CR-LSO benchmark tables (benchmarks/README.md#graph-vae-and-cr-lso).
# Run from the repository root with LSO_SAMPLER_DATA pointing at the benchmark data.
# Usage: benchmarks/graph_vae.sh [table ...]   tables: enas cifar10 (default: all)
set -euo pipefail
export OMP_NUM_THREADS=1
for table in "${@:-enas cifar10}"; do
  for t in $table; do
    case "$t" in
      enas) python benchmarks/graph_vae_enas.py --epochs 10 --out benchmarks/results/graph_vae_enas ;;
      # one run at a time, one torch thread: the committed tables were run this way
      cifar10) lso-sampler compare --benchmark nasbench201:cifar10 --seeds 5 --budget 192 --jobs 1 --quiet \
          --samplers random,tpe,graph-vae,convex-lso --out benchmarks/results/graph_vae_nasbench201_cifar10 ;;
      *) echo "unknown table $t" >&2; exit 2 ;;
    esac
  done
done
