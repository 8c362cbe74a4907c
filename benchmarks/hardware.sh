#!/usr/bin/env bash
# Hardware-aware search tables, AG-Net's Table 5 protocol (benchmarks/README.md#hardware-aware-search).
# Run from the repository root with LSO_SAMPLER_DATA pointing at the benchmark data.
# Usage: benchmarks/hardware.sh [device:limit ...]   (default: the tasks below)
# Each task: NAS-Bench-201 CIFAR-10 accuracy with the device's CIFAR-10 latency (ms), the
# constraint latency <= limit, 10 seeds x 192 queries, two runs at a time (one torch thread
# each). Samplers: AG-Net Joint=0 (agnet:constrained) and Joint=1 (agnet:joint), the graph VAE
# on random scalarisations (graph-vae:joint), Optuna's NSGA-II and multi-objective TPE (both
# joint, with the constraint), TPE with the constraint only, and random search.
# Then: python benchmarks/hardware_table.py
set -euo pipefail
export OMP_NUM_THREADS=1
SAMPLERS=agnet:constrained,agnet:joint,graph-vae:joint,nsga2:joint,tpe:joint,tpe:constrained,random
for task in "${@:-pixel3:2 pixel3:6 pixel3:15 raspi4:8}"; do
  for t in $task; do
    device=${t%%:*}
    limit=${t#*:}
    lso-sampler compare --benchmark "nasbench201-latency:$device" --latency-limit "$limit" \
      --samplers "$SAMPLERS" --seeds 10 --budget 192 --jobs 2 \
      --out "benchmarks/results/hardware/${device}_L${limit}" --quiet
  done
done
