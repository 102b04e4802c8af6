#!/usr/bin/env bash
# Scores each video of a folder of damaged videos on its own, then all of them as one batch, and prints a table: the
# input, its size, the exit status, the frames scored, the files written (temporaries counted apart), the error line
# and the time; then the batch's last line and what it wrote.
#
#   SSMTL_DAMAGED_VIDEOS_OUT=/tmp/damaged swift test --skip-build --filter DamagedVideoTests.testDamagedH264AndMPEG4Files
#   Scripts/damaged_videos.sh /tmp/damaged MODEL.safetensors [BIN]
#
# (The test writes H.264 and MPEG-4 clips with the project's VideoWriter and damages them: cut at 2-99 %, 16 bytes
# flipped, 2 % and 30 % of the middle half scrambled, an empty file, a text file named .mp4.)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
folder=${1:?folder of damaged videos}
model=${2:?a model (.safetensors)}
bin=${3:-$root/.build/release/ssmtl}
work=$(mktemp -d "${TMPDIR:-/tmp}/ssmtl-damaged-XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "input | bytes | score exit | frames scored | files written | seconds | stderr (score) | detect exit, lines"
for f in "$folder"/*.mp4; do
  n=$(basename "$f" .mp4)
  start=$(date +%s.%N)
  status=0
  "$bin" score "$f" --model "$model" --out "$work/$n/scores" --overlay "$work/$n/overlays" --npy --object-heads \
    --threads 1 --quiet 2>"$work/$n.err" || status=$?
  seconds=$(printf '%.2f' "$(echo "$(date +%s.%N) - $start" | bc -l)")
  dstatus=0
  "$bin" detect "$f" --out "$work/$n/boxes" --quiet 2>"$work/$n.detect" || dstatus=$?
  rows=-
  [ -f "$work/$n/scores/$n.csv" ] && rows=$(( $(wc -l <"$work/$n/scores/$n.csv") - 1 ))
  visible=$(find "$work/$n/scores" "$work/$n/overlays" -type f ! -name '.*' 2>/dev/null | wc -l)
  hidden=$(find "$work/$n" -name '.*' 2>/dev/null | wc -l)
  echo "$n | $(stat -c %s "$f") | $status | $rows | $visible ($hidden temporaries) | $seconds | $(tr '\n' ' ' <"$work/$n.err" | sed "s|$folder/||g") | $dstatus, $(wc -l <"$work/$n.detect")"
done
status=0
"$bin" score "$folder" --model "$model" --out "$work/batch" --overlay "$work/batch-overlays" --npy --object-heads --threads 1 \
  --quiet 2>"$work/batch.err" || status=$?
echo
echo "batch: exit $status, $(wc -l <"$work/batch.err") stderr lines, the last: $(tail -1 "$work/batch.err")"
echo "batch: scored $(find "$work/batch" -name '*.csv' ! -name '*.events.csv' ! -name '*.objects.csv' | wc -l) videos: $(cd "$work/batch" && ls -- *.regions.txt | sed 's/.regions.txt//' | paste -sd ' ')"
