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

echo "== yolov3-tiny 416x416, random weights, $FRAMES frames"
PYTHONPATH="$CV4" python3 Scripts/make_darknet_fixtures.py --random-weights Models/yolov3-tiny.cfg "$WORK/yolov3-tiny.weights"
$BIN detect "$WORK/clip" --out "$WORK/yolo" --detector yolo --cfg Models/yolov3-tiny.cfg --weights "$WORK/yolov3-tiny.weights" 2>&1 | tail -1 | sed 's/^/ssmtl: /'
PYTHONPATH="$CV4" python3 - "$WORK/yolov3-tiny.weights" "$FRAMES" <<'PY'
import sys, time
import numpy as np, cv2
net = cv2.dnn.readNetFromDarknet("Models/yolov3-tiny.cfg", sys.argv[1])
net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV); net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
blob = np.random.default_rng(0).uniform(0, 1, (1, 3, 416, 416)).astype(np.float32)
names = net.getUnconnectedOutLayersNames()
net.setInput(blob); net.forward(names)
n = int(sys.argv[2]); t = time.time()
for _ in range(n):
    net.setInput(blob); net.forward(names)
dt = time.time() - t
print("opencv %s: yolov3-tiny forward %.1f frames/s (%d threads)" % (cv2.__version__, n / dt, cv2.getNumThreads()))
PY
