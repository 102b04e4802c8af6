#!/usr/bin/env bash
# Detection speed on this machine (release build):
#   motion detector frames/s on Ped2 test (360x240), time inside the detector and end to end (with JPEG decoding);
#   yolov3-tiny at 416x416 (random weights of the real size), ssmtl's runner vs OpenCV DNN on the same input size.
# Usage: Scripts/bench_detect.sh [PED2_ROOT] [FRAMES]   (PED2_ROOT default ../shared/datasets/ped2, FRAMES default 30)
# OpenCV DNN needs OpenCV 4.x (5.0 removed the Darknet importer): pip install --target /tmp/cv4 'opencv-python-headless<5'
set -euo pipefail
cd "$(dirname "$0")/.."
PED2=${1:-../shared/datasets/ped2}
FRAMES=${2:-30}
CV4=${CV4:-/tmp/cv4}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
swift build -c release --product ssmtl >/dev/null
BIN=.build/release/ssmtl

if [ -d "$PED2/testing/frames" ]; then
  echo "== motion detector, Ped2 test (2010 frames, 360x240)"
  $BIN detect "$PED2/testing/frames" --out "$WORK/motion" 2>&1 | tail -1
  mkdir -p "$WORK/clip"
  ls "$PED2/testing/frames/01" | sort | head -n "$FRAMES" | while read -r f; do ln -s "$(realpath "$PED2/testing/frames/01/$f")" "$WORK/clip/$f"; done
else
  echo "(no Ped2 at $PED2: motion benchmark skipped; yolo uses a synthetic clip)"
  mkdir -p "$WORK/clip"
  ffmpeg -loglevel error -f lavfi -i "testsrc=size=360x240:rate=25" -frames:v "$FRAMES" "$WORK/clip/%03d.png"
fi

# The real COCO weights when Scripts/fetch_models.sh has fetched them, random weights of the same size otherwise
# (the speed is the same; the boxes are not).
WEIGHTS=Models/yolov3-tiny.weights
if [ -f "$WEIGHTS" ]; then
  echo "== yolov3-tiny 416x416, real COCO weights, $FRAMES frames, OpenBLAS kernel $("$BIN" bench nn --iterations 1 --batch 2 | sed -n 's/.*blas_core=\([^ ]*\).*/\1/p' | head -n 1)"
else
  echo "== yolov3-tiny 416x416, random weights (no $WEIGHTS: Scripts/fetch_models.sh), $FRAMES frames"
  WEIGHTS="$WORK/yolov3-tiny.weights"
  PYTHONPATH="$CV4" python3 Scripts/make_darknet_fixtures.py --random-weights Models/yolov3-tiny.cfg "$WEIGHTS"
fi
# Back to back, three rounds each, on the same frames, with one thread and with all cores.
for threads in 1 $(nproc); do
for round in 1 2 3; do
  $BIN detect "$WORK/clip" --out "$WORK/yolo" --detector yolo --cfg Models/yolov3-tiny.cfg --weights "$WEIGHTS" --threads "$threads" 2>&1 | tail -1 |
    sed -n "s/.*end to end, \([0-9.]*\) frames\/s in the detector/ssmtl: yolov3-tiny \1 frames\/s in the detector (letterbox, forward, decode, NMS; $threads threads)/p"
  PYTHONPATH="$CV4" python3 - "$WEIGHTS" "$WORK/clip" "$threads" <<'PY'
import os, sys, time
import numpy as np, cv2
cv2.setNumThreads(int(sys.argv[3]))
net = cv2.dnn.readNetFromDarknet("Models/yolov3-tiny.cfg", sys.argv[1])
net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV); net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
frames = [cv2.imread(os.path.join(sys.argv[2], f)) for f in sorted(os.listdir(sys.argv[2]))]
names = net.getUnconnectedOutLayersNames()
net.setInput(cv2.dnn.blobFromImage(frames[0], 1 / 255, (416, 416), swapRB=True, crop=False)); net.forward(names)
t = time.time()
for frame in frames:
    net.setInput(cv2.dnn.blobFromImage(frame, 1 / 255, (416, 416), swapRB=True, crop=False))
    net.forward(names)
dt = time.time() - t
print("opencv %s: yolov3-tiny %.1f frames/s (resize, forward; %d threads)" % (cv2.__version__, len(frames) / dt, cv2.getNumThreads()))
PY
done
done
