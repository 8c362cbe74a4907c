#!/usr/bin/env bash
# AG-Net's benchmark tables (benchmarks/README.md#ag-net). Run from the repository root with
# LSO_SAMPLER_DATA pointing at the benchmark data. Usage: benchmarks/agnet.sh [table ...]
# tables: cifar10 cifar100 imagenet16 nasbench301 cora overhead (default: all)
set -euo pipefail
BASE=random,tpe,evolution,local-search,agnet
run() {  # name, benchmark, samplers, extra args (default --jobs 2)
  lso-sampler compare --benchmark "$2" --samplers "$3" --seeds 10 --budget 192 \
    --out "benchmarks/results/$1" --quiet "${@:4}"
}
for t in "${@:-cifar10 cifar100 imagenet16 nasbench301 cora overhead}"; do
  for table in $t; do
    case "$table" in
      cifar10) run agnet_nasbench201_cifar10 nasbench201:cifar10 "$BASE,agnet-no-weighting,agnet-no-backprop" --jobs 2 ;;
      # the committed CIFAR-100 table was run in one process (torch's default threads), so
      # this line keeps --jobs 1 to reproduce it exactly
      cifar100) run nasbench201_cifar100 nasbench201:cifar100 "$BASE" --jobs 1 ;;
      imagenet16) run nasbench201_imagenet16 nasbench201:imagenet16 "$BASE" --jobs 2 ;;
      nasbench301) run nasbench301 nasbench301 "$BASE" --jobs 2 ;;
      cora) run nasbench_graph_cora nasbench-graph:cora "$BASE" --jobs 2 ;;
      # sampler overhead on 2 cores: one run at a time, each in its own process
      overhead) lso-sampler compare --benchmark nasbench201:cifar10 --samplers tpe,agnet --seeds 3 \
          --budget 192 --isolate --out benchmarks/results/agnet_overhead_nasbench201 --quiet ;;
      *) echo "unknown table $table" >&2; exit 2 ;;
    esac
  done
done
