#!/usr/bin/env bash
# Trains on UCSD Ped2's training videos, scores its test videos and evaluates against the official ground truth
# (regions for RBDC/TBDC derived from the pixel masks), once per seed, then prints a row per seed and the mean ± sd
# of micro AUC, macro AUC, RBDC, TBDC, training minutes and scoring frames/s. Every setting is fixed in advance;
# nothing is tuned on the test labels.
# Usage: Scripts/bench_ped2.sh DATASET_DIR [WORK_DIR] [--seeds 1,2,3]
#   DATASET_DIR holds ped2/ or is ped2/ itself; each seed's run goes to WORK_DIR/seed-S (default ./ped2-out).
#   A seed whose metrics exist is not run again (delete WORK_DIR/seed-S to redo it).
# Environment: EPOCHS (10), VARIANT (shallow-narrow), THREADS (0 = all cores), TRAIN_ARGS (extra train options,
# split on spaces; with --resume, an interrupted training continues and its time is the sum of its parts),
# SIGMA (default: the sigma train chose on its validation videos replayed with abnormal segments).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
positional=(); seeds=1
while [ $# -gt 0 ]; do
  case $1 in
    --seeds) seeds=${2:?--seeds needs a list such as 1,2,3}; shift 2 ;;
    *) positional+=("$1"); shift ;;
  esac
done
data=${positional[0]:?usage: Scripts/bench_ped2.sh DATASET_DIR [WORK_DIR] [--seeds 1,2,3]}
[ -d "$data/ped2" ] && data="$data/ped2"
work=${positional[1]:-$root/ped2-out}
epochs=${EPOCHS:-10}; variant=${VARIANT:-shallow-narrow}; threads=${THREADS:-0}
sigma_option=(); [ -n "${SIGMA:-}" ] && sigma_option=(--sigma "$SIGMA")
read -r -a train_args <<< "${TRAIN_ARGS:-}"
"$root/Scripts/setup.sh" >/dev/null
ssmtl="$root/.build/release/ssmtl"
resuming=0; for a in ${train_args[@]+"${train_args[@]}"}; do [ "$a" = --resume ] && resuming=1; done

timed() { # dir, label, command...: runs it, records wall seconds and peak RSS (kB) in dir/label.time
  local dir=$1 label=$2; shift 2
  local rc=0 start; start=$(date +%s)
  if [ "$label" = train ] && [ "$resuming" = 1 ] && [ ! -f "$dir/$label.time" ]; then
    echo "bench_ped2: warning: no time recorded for the earlier part of this training (killed before it ended?); the table counts only the resumed part" >&2
  fi
  /usr/bin/time -f "%e %M" -o "$dir/$label.time.part" "$@" || rc=$?
  # An interrupted run still records its time: time's file then starts with a "Command exited" line, and is empty
  # when time itself was killed (SIGTERM), so the wall time falls back to the clock (peak RSS unknown: 0). A
  # training resumed with TRAIN_ARGS=--resume adds its time to the earlier part's (peak RSS: the larger).
  local now; now=$(tail -n 1 "$dir/$label.time.part" 2>/dev/null || true)
  [[ "$now" =~ ^[0-9.]+\ [0-9]+$ ]] || now="$(( $(date +%s) - start )) 0"
  if [ "$label" = train ] && [ "$resuming" = 1 ] && [ -f "$dir/$label.time" ]; then
    now=$(printf '%s\n%s\n' "$(tail -n 1 "$dir/$label.time")" "$now" | awk '{s += $1; if ($2 > m) m = $2} END {printf "%.2f %d", s, m}')
  fi
  echo "$now" > "$dir/$label.time"
  rm -f "$dir/$label.time.part"
  return $rc
}

IFS=, read -r -a seed_list <<< "$seeds"
for seed in "${seed_list[@]}"; do
  dir="$work/seed-$seed"
  mkdir -p "$dir"
  if [ -f "$dir/metrics.json" ] && [ "$resuming" = 0 ]; then echo "bench_ped2: seed $seed: reusing $dir" >&2; continue; fi
  echo "bench_ped2: seed $seed" >&2
  timed "$dir" train "$ssmtl" train "$data/training/frames" --out "$dir/model.safetensors" --epochs "$epochs" \
    --variant "$variant" --seed "$seed" --threads "$threads" --timings ${train_args[@]+"${train_args[@]}"} | tee "$dir/train-timings.txt"
  timed "$dir" score "$ssmtl" score "$data/testing/frames" --model "$dir/model.safetensors" --out "$dir/scores" --force \
    ${sigma_option[@]+"${sigma_option[@]}"} --threads "$threads" --timings | tee "$dir/score.log"
  "$ssmtl" eval --scores "$dir/scores" --gt "$data/gt" --dataset ped2 --json "$dir/metrics.json" --plots "$dir/plots" > "$dir/eval.txt"
done

# Speed figures depend on the kernels OpenBLAS picks for this CPU (OPENBLAS_CORETYPE overrides it): name them.
echo "OpenBLAS kernel: $("$ssmtl" bench nn --iterations 1 --batch 2 | sed -n 's/.*blas_core=\([^ ]*\).*/\1/p' | head -n 1)"
python3 - "$work" "${seed_list[@]}" <<'PY'
import json, statistics, sys, pathlib
work, seeds = pathlib.Path(sys.argv[1]), sys.argv[2:]
rows = []
for s in seeds:
    d = work / f"seed-{s}"
    m = json.loads((d / "metrics.json").read_text())
    def t(name):
        secs, kb = (d / f"{name}.time").read_text().split()
        return float(secs), int(kb) / 1024
    train, train_mb = t("train"); score, score_mb = t("score")
    rows.append([s, 100 * m["microAUC"], 100 * m["macroAUC"], 100 * (m.get("rbdc") or 0), 100 * (m.get("tbdc") or 0),
                 train / 60, 2010 / score, train_mb, score_mb])
print("\n| seed | micro AUC | macro AUC | RBDC | TBDC | training (min) | scoring (frames/s) | peak RSS train / score (MB) |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r[0]} | {r[1]:.2f} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.2f} | {r[5]:.1f} | {r[6]:.1f} | {r[7]:.0f} / {r[8]:.0f} |")
if len(rows) > 1:
    cols = list(zip(*rows))[1:7]
    ms = [f"{statistics.mean(c):.2f} ± {statistics.stdev(c):.2f}" for c in cols]
    print(f"| mean ± sd | {ms[0]} | {ms[1]} | {ms[2]} | {ms[3]} | {ms[4]} | {ms[5]} | |")
print("\nSSMTL (CVPR 2021), Ped2: micro 97.5, macro 99.8, RBDC 72.8, TBDC 91.2")
PY
