#!/usr/bin/env bash
# A model written by an earlier version of ssmtl (checkpoint format 2), with what that version scored with it, so the
# tests can check that this version still loads such a model and scores it the same way.
# Usage: Scripts/make_legacy_model_fixture.sh OLD_SSMTL
#   OLD_SSMTL: an ssmtl binary built from commit a5cc071 (git worktree add /tmp/old a5cc071 && cd /tmp/old &&
#   swift build -c release --product ssmtl).
# Writes Tests/SSMTLTests/Fixtures/legacy-model/: two small synthetic videos, model.safetensors (a tiny network
# trained 1 epoch + 1 student epoch with that version's defaults), and its score files of the test video.
set -euo pipefail
old=${1:?usage: $0 OLD_SSMTL}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/Tests/SSMTLTests/Fixtures/legacy-model"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$old" synth --out "$work/data" --seed 3 --train-videos 2 --test-videos 1 --frames 64 --width 96 --height 128 --quiet
mkdir -p "$work/train"
cp "$work/data/training/videos/train_01.mp4" "$work/data/training/videos/train_02.mp4" "$work/train/"
"$old" train "$work/train" --out "$work/model.safetensors" --epochs 1 --student-epochs 1 --crop-size 16 --encoder 4,M,8,M \
  --head-channels 4 --decoder-channels 4 --batch 8 --shuffle-buffer 16 --threads 1 --appearance-bank 64 --quiet
"$old" score "$work/data/testing/videos/test_01.mp4" --model "$work/model.safetensors" --out "$work/scores" --object-heads \
  --threads 1 --quiet
rm -rf "$out"
mkdir -p "$out"
cp "$work/train/train_01.mp4" "$work/train/train_02.mp4" "$work/data/testing/videos/test_01.mp4" "$work/model.safetensors" \
  "$work/scores/test_01.csv" "$work/scores/test_01.regions.txt" "$work/scores/test_01.objects.csv" "$out/"
echo "wrote $out ($(du -sh "$out" | cut -f1))"
