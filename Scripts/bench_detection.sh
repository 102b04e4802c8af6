#!/usr/bin/env bash
# Detector quality without test labels, and the Ped2 region recall check, for several detector settings.
#   Avenue training videos (normal events only): boxes per frame and the fragmentation against confident YOLO people
#     (Scripts/detection_fragments.py: fragments per touched person, share of people matched whole, stray boxes)
#   Ped2 training videos: recall of the offline median-background objects (the label-free proxy the motion defaults
#     were chosen on, Scripts/ped2_detection_recall.py train)
#   Ped2 test: recall of the ground-truth anomalous regions (IoU >= 0.1), read after a choice, never to make it
# Usage: Scripts/bench_detection.sh DATASETS WORK NAME="detect options" ...
#   e.g. Scripts/bench_detection.sh ../shared/datasets /tmp/det motion="" nosplit="--split-area 0" \
#          yolo="--detector yolo" union="--detector yolo+motion"
# YOLO settings get --cfg/--weights of Models/yolov3-tiny (Scripts/fetch_models.sh). Needs OpenCV 4.x for the Ped2
# recall (CV4=/tmp/cv4 by default: pip install --target /tmp/cv4 'opencv-python-headless<5').
# SSMTL=BIN measures another build of ssmtl (e.g. the incumbent's, beside a candidate's) instead of building this one.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 3 ] || { sed -n '2,13p' "$0"; exit 64; }
DATA=$1 WORK=$2; shift 2
CV4=${CV4:-/tmp/cv4}
BIN=${SSMTL:-.build/release/ssmtl}
YOLO="--cfg Models/yolov3-tiny.cfg --weights Models/yolov3-tiny.weights"
[ -n "${SSMTL:-}" ] || swift build -c release --product ssmtl >/dev/null
mkdir -p "$WORK"
echo "OpenBLAS kernel: $("$BIN" bench nn --iterations 1 --batch 2 | sed -n 's/.*blas_core=\([^ ]*\).*/\1/p' | head -n 1)"
if [ ! -f "$WORK/people/done" ]; then
  "$BIN" detect "$DATA/avenue/training_videos" --out "$WORK/people" --detector yolo --classes person --conf 0.5 $YOLO --quiet
  touch "$WORK/people/done"
fi
printf '%-12s %12s %10s %7s %12s %14s %12s %10s\n' name avenue_boxes fragments whole stray/frame ped2_train_rec ped2_test_rec ped2_boxes
for spec in "$@"; do
  name=${spec%%=*} options=${spec#*=}
  case "$options" in *yolo*) options="$options $YOLO" ;; esac
  out="$WORK/$name"
  for part in avenue:"$DATA/avenue/training_videos" train:"$DATA/ped2/training/frames" test:"$DATA/ped2/testing/frames"; do
    key=${part%%:*} input=${part#*:}
    [ -f "$out/$key/done" ] || { $BIN detect "$input" --out "$out/$key" $options --quiet && touch "$out/$key/done"; }
  done
  frag=$(python3 Scripts/detection_fragments.py "$WORK/people" "$out/avenue" | tail -n 1)
  train=$(PYTHONPATH="$CV4" python3 Scripts/ped2_detection_recall.py train "$out/train" "$DATA/ped2" | tail -n 1)
  test=$(PYTHONPATH="$CV4" python3 Scripts/ped2_detection_recall.py test "$out/test" "$DATA/ped2" | tail -n 1)
  field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
  printf '%-12s %12s %10s %7s %12s %14s %12s %10s\n' "$name" "$(echo "$frag" | awk '{print $3}')" \
    "$(echo "$frag" | awk '{print $6}')" "$(echo "$frag" | awk '{print $7}')" "$(echo "$frag" | awk '{print $8}')" \
    "$(field "$train" recall)" "$(field "$test" recall)" "$(field "$test" boxes_per_frame)"
done
