#!/usr/bin/env bash
# A label-free check on synthetic data (docs/experiments.md): trains and scores the demo's settings on two synthetic
# scenes (synth --seed 1 and --seed 2) and prints each scene's test micro AUC and their mean. A candidate is compared
# with the defaults by running this twice, once with its options. (The figures in docs/experiments.md were measured
# with the demo's earlier settings: constant learning rate, no mirroring, no fast-forwards, epochs kept by the loss.)
# The scoring sigma is the one train stored in each model. A scoring-only candidate that changes what sigma should be
# (the map filter, say) needs sigma re-chosen first: `ssmtl train ... --resume` of each scene's model with a binary
# whose default is the candidate (rule 19 did this in a separate git worktree); passing --score options alone keeps
# the defaults' sigma.
#
# Usage: Scripts/synth_gate.sh WORK_DIR [--score ARG]... [TRAIN_ARG]...
#   TRAIN_ARG  extra options for `ssmtl train` (e.g. --epochs 6; the demo's --epochs 3 comes first, so a later
#              --epochs wins)
#   --score X  an extra option for `ssmtl score` (repeat for each word, e.g. --score --filter3d --score 3)
# A scene whose model exists in WORK_DIR/scene-N is not trained again (delete it to retrain), and is refused if it was
# trained with other TRAIN_ARGs (scene-N/train.args); the synthetic data are shared between runs in
# WORK_DIR/../synth-data-N, rendered when absent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 WORK_DIR [--score ARG]... [TRAIN_ARG]..." >&2; exit 2; }
work=$1; shift
train_args=(); score_args=()
while [ $# -gt 0 ]; do
  if [ "$1" = --score ]; then
    [ $# -ge 2 ] || { echo "$0: --score needs a value" >&2; exit 2; }
    score_args+=("$2"); shift 2
  else
    train_args+=("$1"); shift
  fi
done
ssmtl="$root/.build/release/ssmtl"
[ -x "$ssmtl" ] || { echo "$0: build first (swift build -c release --product ssmtl)" >&2; exit 1; }
mkdir -p "$work"
data_root=$(cd "$work/.." && pwd)
micros=()
for seed in 1 2; do
  data="$data_root/synth-data-$seed"
  scene="$work/scene-$seed"
  mkdir -p "$scene"
  [ -f "$data/README.txt" ] || "$ssmtl" synth --out "$data" --seed "$seed" >/dev/null
  args_now="${train_args[*]+${train_args[*]}}"
  if [ ! -f "$scene/model.safetensors" ]; then
    # Scripts/demo.sh's settings: the defaults with fewer epochs.
    "$ssmtl" train "$data/training/videos" --out "$scene/model.safetensors" --epochs 3 --student-epochs 2 --seed 1 \
      ${train_args[@]+"${train_args[@]}"} > "$scene/train.log" 2>&1
    printf '%s\n' "$args_now" > "$scene/train.args"
  elif [ -f "$scene/train.args" ] && [ "$(cat "$scene/train.args")" != "$args_now" ]; then
    echo "$0: $scene/model.safetensors was trained with '$(cat "$scene/train.args")', not '$args_now'; delete it or use another WORK_DIR" >&2
    exit 1
  fi
  "$ssmtl" score "$data/testing/videos" --model "$scene/model.safetensors" --out "$scene/scores" --force \
    ${score_args[@]+"${score_args[@]}"} > "$scene/score.log" 2>&1
  "$ssmtl" eval --scores "$scene/scores" --gt "$data" --json "$scene/metrics.json" > "$scene/eval.txt" 2>&1
  micro=$(sed -n 's/^micro AUC *\([0-9.]*\).*/\1/p' "$scene/eval.txt")
  [ -n "$micro" ] || { echo "$0: no micro AUC in $scene/eval.txt" >&2; exit 1; }
  echo "scene $seed: micro AUC $micro ($(grep -E '^(macro AUC|RBDC|TBDC)' "$scene/eval.txt" | tr -s ' ' | paste -sd ';' -))"
  micros+=("$micro")
done
echo "mean micro AUC: $(echo "${micros[0]} ${micros[1]}" | awk '{printf "%.3f", ($1 + $2) / 2}')"
