#!/usr/bin/env bash
# Benchmark ssmtl's network engine against PyTorch for all four variants, back to back, same batch and threads.
# Usage: Scripts/bench_nn.sh [SECONDS] [BATCH] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_PHASE=${1:-10}
BATCH=${2:-64}
THREADS=${3:-$(nproc)}
swift build -c release --product ssmtl >/dev/null
BIN=.build/release/ssmtl
last() { tail -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p"; }
echo "OpenBLAS kernel: $("$BIN" bench nn --iterations 1 --batch 2 | sed -n 's/.*blas_core=\([^ ]*\).*/\1/p' | head -n 1)"
echo "First-layer inference kernel: $("$BIN" bench nn --iterations 1 --batch 2 | sed -n 's/.*direct_conv=\([^ ]*\).*/\1/p' | head -n 1)"
echo "Inference Winograd: $("$BIN" bench nn --iterations 1 --batch 2 | sed -n 's/.*winograd=\([^ ]*\).*/\1/p' | head -n 1)"
printf '%-15s %10s %10s %7s %10s %10s %7s\n' variant train_ours train_torch ratio infer_ours infer_torch ratio
for v in shallow-narrow shallow-wide deep-narrow deep-wide; do
  ours=$("$BIN" bench nn --variant "$v" --batch "$BATCH" --seconds "$SECONDS_PER_PHASE" --threads "$THREADS")
  torch=$(python3 Scripts/bench_torch.py --variant "$v" --batch "$BATCH" --seconds "$SECONDS_PER_PHASE" --threads "$THREADS")
  to=$(echo "$ours" | last train_objects_per_s); io=$(echo "$ours" | last infer_objects_per_s)
  tt=$(echo "$torch" | last train_objects_per_s); it=$(echo "$torch" | last infer_objects_per_s)
  printf '%-15s %10s %10s %7s %10s %10s %7s\n' "$v" "$to" "$tt" "$(echo "scale=2; $to/$tt" | bc)" \
    "$io" "$it" "$(echo "scale=2; $io/$it" | bc)"
done
