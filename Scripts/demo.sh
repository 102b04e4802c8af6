#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, synthesises a small scene with ground truth,
# trains the multi-task network on its normal videos, scores its test videos and evaluates the scores.
# Usage: Scripts/demo.sh [WORK_DIR]   (default: ./demo-out; a second run reuses what is there)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$root/demo-out}
epochs=${SSMTL_DEMO_EPOCHS:-3}
# Uniform fast-forwards among the irregular sequences (train's default, a third) help on Ped2 but not on this scene:
# on the demo's validation video replayed with pseudo-anomalies the AUC is 0.9910 without them against 0.9849 with
# them (the demo was first run with them, 85.7% test micro AUC; see README). Its walkers move at 0.8-1.4 pixels
# per frame, so a slow walker fast-forwarded twice (1.6) is close to a normal fast one.
fast_forward=${SSMTL_DEMO_FAST_FORWARD:-0}
# The demo keeps the constant learning rate and unmirrored objects it was validated with; train's defaults (cosine
# schedule and mirrored objects, both chosen on Ped2's validation videos) were not re-validated on this scene.
lr_schedule=${SSMTL_DEMO_LR_SCHEDULE:-constant}
# The demo keeps the epoch of lowest validation loss, the rule it was validated and timed with; train's default since
# 2026-12-02 (the epoch whose validation replays score best) adds a scoring pass per epoch, and keeps epoch 1 here
# (test micro AUC 91.87 against 95.31; Scripts/candidate-rules.txt, twenty-first step).
select_epoch=${SSMTL_DEMO_SELECT_EPOCH:-loss}
# Likewise the student: 2 epochs, the one of lowest validation discrepancy kept (train's default since 2026-12-02 is
# 6 epochs judged by the validation replays, a scoring pass each; Scripts/candidate-rules.txt, twenty-fourth step).
student_epochs=${SSMTL_DEMO_STUDENT_EPOCHS:-2}
select_student=${SSMTL_DEMO_SELECT_STUDENT:-loss}
"$root/Scripts/setup.sh"
ssmtl="$root/.build/release/ssmtl"
mkdir -p "$work"
start=$(date +%s)

if [ ! -f "$work/data/README.txt" ]; then
  "$ssmtl" synth --out "$work/data" --seed 1
else
  echo "demo: reusing the synthetic data in $work/data"
fi
if [ ! -f "$work/model.safetensors" ]; then
  "$ssmtl" train "$work/data/training/videos" --out "$work/model.safetensors" --epochs "$epochs" --seed 1 \
    --fast-forward-share "$fast_forward" --lr-schedule "$lr_schedule" --no-mirror \
    --select-epoch "$select_epoch" --student-epochs "$student_epochs" --select-student "$select_student"
else
  echo "demo: reusing the trained model $work/model.safetensors (delete it to train again)"
fi
# The temporal smoothing sigma is the one train chose on its validation video (no test labels involved).
"$ssmtl" score "$work/data/testing/videos" --model "$work/model.safetensors" --out "$work/scores" --force --timings
"$ssmtl" eval --scores "$work/scores" --gt "$work/data" --json "$work/metrics.json" --plots "$work/plots"
echo "demo: done in $(( $(date +%s) - start )) s; charts in $work/plots, overlays: ssmtl score ... --overlay DIR"
