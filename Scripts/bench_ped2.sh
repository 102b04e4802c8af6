#!/usr/bin/env bash
# Trains on UCSD Ped2's training videos, scores its test videos and evaluates against the official ground truth
# (regions for RBDC/TBDC derived from the pixel masks), then prints one table with training time, scoring speed
# and peak memory. Every hyper-parameter is fixed in advance; nothing is tuned on the test labels.
# Usage: Scripts/bench_ped2.sh DATASET_DIR [WORK_DIR]      (DATASET_DIR holds ped2/ or is ped2/ itself)
# Environment: EPOCHS (10), VARIANT (shallow-narrow), SIGMA (default: the sigma train chose on its validation
# videos replayed with abnormal segments), THREADS (0 = all cores), TRAIN_ARGS (extra train options, e.g.
# "--student-epochs 2"; split on spaces; with --resume, an interrupted training continues and the table's training
# time is the sum of its parts)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${1:?usage: Scripts/bench_ped2.sh DATASET_DIR [WORK_DIR]}
[ -d "$data/ped2" ] && data="$data/ped2"
work=${2:-$root/ped2-out}
epochs=${EPOCHS:-10}; variant=${VARIANT:-shallow-narrow}; threads=${THREADS:-0}
sigma_option=(); [ -n "${SIGMA:-}" ] && sigma_option=(--sigma "$SIGMA")
read -r -a train_args <<< "${TRAIN_ARGS:-}"
"$root/Scripts/setup.sh" >/dev/null
ssmtl="$root/.build/release/ssmtl"
mkdir -p "$work"
resuming=0; for a in ${train_args[@]+"${train_args[@]}"}; do [ "$a" = --resume ] && resuming=1; done
timed() { # label, command...: runs it, records wall seconds and peak RSS (kB) in $work/$label.time
  local label=$1; shift
  local rc=0 start; start=$(date +%s)
  if [ "$label" = train ] && [ "$resuming" = 1 ] && [ ! -f "$work/$label.time" ]; then
    echo "bench_ped2: warning: no time recorded for the earlier part of this training (killed before it ended?); the table counts only the resumed part" >&2
  fi
  /usr/bin/time -f "%e %M" -o "$work/$label.time.part" "$@" || rc=$?
  # An interrupted run still records its time: time's file then starts with a "Command exited" line, and is empty
  # when time itself was killed (SIGTERM), so the wall time falls back to the clock (peak RSS unknown: 0). A
  # training resumed with TRAIN_ARGS=--resume adds its time to the earlier part's (peak RSS: the larger).
  local now; now=$(tail -n 1 "$work/$label.time.part" 2>/dev/null || true)
  [[ "$now" =~ ^[0-9.]+\ [0-9]+$ ]] || now="$(( $(date +%s) - start )) 0"
  if [ "$label" = train ] && [ "$resuming" = 1 ] && [ -f "$work/$label.time" ]; then
    now=$(printf '%s\n%s\n' "$(tail -n 1 "$work/$label.time")" "$now" | awk '{s += $1; if ($2 > m) m = $2} END {printf "%.2f %d", s, m}')
  fi
  echo "$now" > "$work/$label.time"
  rm -f "$work/$label.time.part"
  return $rc
}
timed train "$ssmtl" train "$data/training/frames" --out "$work/model.safetensors" --epochs "$epochs" \
  --variant "$variant" --seed 1 --threads "$threads" "${train_args[@]}"
timed score "$ssmtl" score "$data/testing/frames" --model "$work/model.safetensors" --out "$work/scores" --force \
  "${sigma_option[@]}" --threads "$threads" --timings | tee "$work/score.log"
"$ssmtl" eval --scores "$work/scores" --gt "$data/gt" --dataset ped2 --json "$work/metrics.json" --plots "$work/plots" | tee "$work/eval.txt"
python3 - "$work" <<'PY' || true
import json, sys, pathlib
w = pathlib.Path(sys.argv[1])
m = json.loads((w / "metrics.json").read_text())
def t(name):
    s, k = (w / f"{name}.time").read_text().split()
    return float(s), int(k) / 1024
tr, trm = t("train"); sc, scm = t("score")
pct = lambda v: "n/a" if v is None else f"{100 * v:.1f}"
print(f"\n| metric | ssmtl | SSMTL (CVPR 2021) |\n|---|---|---|")
for key, label, paper in [("microAUC", "micro AUC", "97.5"), ("macroAUC", "macro AUC", "99.8"), ("rbdc", "RBDC", "72.8"), ("tbdc", "TBDC", "91.2")]:
    v = next((m[k] for k in m if k.lower() == key.lower()), None)
    print(f"| {label} | {pct(v)} | {paper} |")
for c in m.get("columnAUCs", []):
    print(f"| {c['column']} alone: micro / macro AUC | {pct(c.get('microAUC'))} / {pct(c.get('macroAUC'))} | |")
print(f"| training time | {tr / 60:.1f} min | |\n| scoring | {2010 / sc:.1f} frames/s | |\n| peak RSS train / score | {trm:.0f} / {scm:.0f} MB | |")
PY
