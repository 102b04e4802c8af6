#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, synthesises a small scene with ground truth,
# trains the multi-task network on its normal videos with the default settings (fewer epochs, so that the demo
# stays within ten minutes on two cores), scores its test videos, evaluates the scores and writes the review page.
# Usage: Scripts/demo.sh [WORK_DIR]   (default: ./demo-out; a second run reuses the data and the model)
# Environment: SSMTL_DEMO_EPOCHS and SSMTL_DEMO_STUDENT_EPOCHS (main and student epochs), SSMTL_DEMO_SEED (1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$root/demo-out}
epochs=${SSMTL_DEMO_EPOCHS:-4}
student_epochs=${SSMTL_DEMO_STUDENT_EPOCHS:-2}
seed=${SSMTL_DEMO_SEED:-1}
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
  "$ssmtl" train "$work/data/training/videos" --out "$work/model.safetensors" --epochs "$epochs" \
    --student-epochs "$student_epochs" --seed "$seed"
else
  echo "demo: reusing the trained model $work/model.safetensors (delete it to train again)"
fi
# The temporal smoothing sigma is the one train chose on its validation video (no test labels involved).
"$ssmtl" score "$work/data/testing/videos" --model "$work/model.safetensors" --out "$work/scores" --force --timings
"$ssmtl" eval --scores "$work/scores" --gt "$work/data" --json "$work/metrics.json" --plots "$work/plots"
"$ssmtl" report --scores "$work/scores" --videos "$work/data/testing/videos" --gt "$work/data" --out "$work/report.html"
echo "demo: done in $(( $(date +%s) - start )) s; charts in $work/plots, the review page $work/report.html (Scripts/report_screenshot.sh draws it to PNG), overlays: ssmtl score ... --overlay DIR"
