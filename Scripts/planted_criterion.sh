#!/usr/bin/env bash
# The planted criterion (docs/experiments.md, criterion step 1) of trained Ped2 or Avenue models.
#
#   Scripts/planted_criterion.sh TRAINING DONORS WORK RUN...
#
# TRAINING: the training videos the models were trained on (e.g. ../shared/datasets/ped2/training/frames).
# DONORS:   videos of another scene whose objects are pasted (Avenue's training videos for Ped2 and vice versa).
# RUN:      a folder holding model.safetensors and the output of its `ssmtl train` (train.log, or train.log and
#           train.err; the "validation:" line names the videos it held out).
# Plants every validation video once in WORK/planted (seed 1, 4 variants), scores each model on the planted copies
# of its own validation videos, and prints one row per run: the planted AUC (micro, score column) and each column's.
# Results stay in RUN/planted/ (scores and metrics.json). Needs python3 for the JSON.
# PLANT_OBJECTS=DIR plants the fourth kind too, ridden: vehicle photographs on walkers (criterion step 9; DIR from
# Scripts/fetch_plant_objects.sh): the copies then go to WORK/planted-objects, the results to RUN/planted-objects/.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 TRAINING DONORS WORK RUN..." >&2; exit 2; }
training=$1 donors=$2 work=$3; shift 3
ssmtl=${SSMTL:-$(dirname "$0")/../.build/release/ssmtl}
mkdir -p "$work"
planted=planted objects=()
if [ -n "${PLANT_OBJECTS:-}" ]; then planted=planted-objects objects=(--objects "$PLANT_OBJECTS"); fi
# The held-out videos: train's "validation:" line, in train.log or, when stderr went to its own file, train.err.
validation_of() { cat "$1/train.log" "$1/train.err" 2>/dev/null | sed -n 's/.*validation: //p' | head -1 | tr -d ' ' | tr ',' ' '; }
needed=$(for run in "$@"; do validation_of "$run"; done | tr ' ' '\n' | sort -u | tr '\n' ' ')
[ -n "$needed" ] || { echo "$0: no 'validation:' line in the runs' train.log" >&2; exit 1; }
for video in $needed; do
  [ -d "$work/$planted/$video/frames" ] && continue
  source=$training/$video; [ -e "$source" ] || source=$(ls -d "$training/$video".* 2>/dev/null | head -1)
  [ -n "$source" ] || { echo "$0: validation video $video is not in $training" >&2; exit 1; }
  "$ssmtl" plant "$source" --donors "$donors" "${objects[@]}" --out "$work/$planted/$video" --seed 1 --variants 4 --quiet >/dev/null
done
printf '%-40s %-8s %s\n' run planted per-column
for run in "$@"; do
  out=$run/$planted
  if [ ! -f "$out/metrics.json" ]; then
    rm -rf "$out"; mkdir -p "$out/frames" "$out/gt/tracks"
    for video in $(validation_of "$run"); do
      for copy in "$work/$planted/$video/frames/"*; do ln -s "$(realpath "$copy")" "$out/frames/$(basename "$copy")"; done
      cp "$work/$planted/$video/gt/"*.txt "$out/gt/"; cp "$work/$planted/$video/gt/tracks/"*.txt "$out/gt/tracks/"
    done
    "$ssmtl" score "$out/frames" --model "$run/model.safetensors" --out "$out/scores" --quiet > "$out/score.out" 2>&1
    "$ssmtl" eval --scores "$out/scores" --gt "$out/gt" --dataset generic --json "$out/metrics.json.tmp" --quiet > "$out/eval.txt"
    mv "$out/metrics.json.tmp" "$out/metrics.json"
  fi
  python3 - "$run" "$out/metrics.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[2]))
cols = " ".join(f"{c['column']} {100*c['microAUC']:.2f}" for c in m.get("columnAUCs", []) if c.get("microAUC") is not None)
print(f"{sys.argv[1]:<40} {100*m['microAUC']:<8.2f} {cols}")
PY
done
