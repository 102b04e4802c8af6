#!/usr/bin/env python3
"""Measure motion-proposal quality on UCSD Ped2 from `ssmtl detect` CSV files.

  test  CSV_DIR DATASET  : recall of ground-truth anomalous regions (connected components of each
                           gt/TestNNN_gt/KKK.png mask, 8-connected; hit = a box of the same frame with IoU >= 0.1,
                           inclusive pixel boxes) and boxes per frame. Masks count from 1, frames from 0.
  train CSV_DIR DATASET  : the proxy used to CHOOSE the parameters (training videos only, no labels): recall of the
                           objects found offline by a whole-video median background (|frame - median| > 15, opened 3x3,
                           closed 9x9, area >= 150 px; walking pedestrians), same IoU >= 0.1 rule, and boxes/frame.
"""
import csv, os, sys
from collections import defaultdict
import cv2
import numpy as np

# Grey-level threshold of the offline training proxy (15: includes the low-contrast pedestrians far from the camera).
PROXY_THRESHOLD = int(os.environ.get("PROXY_THRESHOLD", 15))

def load_boxes(path):
    boxes = defaultdict(list)
    with open(path) as f:
        for row in csv.DictReader(f):
            boxes[int(row["frame"])].append(tuple(int(row[k]) for k in ("x1", "y1", "x2", "y2")))
    return boxes

def iou(a, b):
    iw = min(a[2], b[2]) - max(a[0], b[0]) + 1
    ih = min(a[3], b[3]) - max(a[1], b[1]) + 1
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    area = lambda r: (r[2] - r[0] + 1) * (r[3] - r[1] + 1)
    return inter / (area(a) + area(b) - inter)

def regions(mask, min_area=1):
    n, _, stats, _ = cv2.connectedComponentsWithStats((mask > 0).astype(np.uint8), connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, a = stats[i]
        if a >= min_area:
            out.append((x, y, x + w - 1, y + h - 1))
    return out

def score(videos, csv_dir):
    found = total = frames = nboxes = 0
    per_video = []
    for name, items in videos:
        boxes = load_boxes(os.path.join(csv_dir, name + ".csv"))
        vf = vt = 0
        for frame, regs in items:
            frames += 1
            nboxes += len(boxes.get(frame, []))
            for r in regs:
                vt += 1
                if any(iou(r, b) >= 0.1 for b in boxes.get(frame, [])):
                    vf += 1
        found += vf; total += vt
        per_video.append((name, vf, vt))
    return found, total, frames, nboxes, per_video

def main():
    mode, csv_dir, root = sys.argv[1], sys.argv[2], sys.argv[3]
    videos = []
    if mode == "test":
        base = os.path.join(root, "testing", "frames")
        for name in sorted(os.listdir(base)):
            count = len([f for f in os.listdir(os.path.join(base, name)) if f.endswith(".jpg")])
            gt = os.path.join(root, "gt", "Test%03d_gt" % int(name))
            items = []
            for k in range(count):
                # Masks are NNN.png / NNN.bmp (Test006 names them frameNNN.png).
                candidates = [os.path.join(gt, p % (k + 1)) for p in ("%03d.png", "%03d.bmp", "frame%03d.png", "frame%03d.bmp")]
                path = next((p for p in candidates if os.path.exists(p)), None)
                if path is None:
                    raise SystemExit("missing mask for frame %d of video %s in %s" % (k, name, gt))
                items.append((k, regions(cv2.imread(path, cv2.IMREAD_GRAYSCALE))))
            videos.append((name, items))
    else:
        base = os.path.join(root, "training", "frames")
        for name in sorted(os.listdir(base)):
            files = sorted(f for f in os.listdir(os.path.join(base, name)) if f.endswith(".jpg"))
            frames = np.stack([cv2.imread(os.path.join(base, name, f), cv2.IMREAD_GRAYSCALE) for f in files])
            # Offline (non-causal) reference: per-pixel median of the whole video as background; objects are the
            # components of |frame - median| > PROXY_THRESHOLD after a 3x3 opening and 9x9 closing, area >= 150 px.
            background = np.median(frames, axis=0).astype(np.int16)
            items = []
            for k in range(len(frames)):
                d = (np.abs(frames[k].astype(np.int16) - background) > PROXY_THRESHOLD).astype(np.uint8)
                d = cv2.morphologyEx(d, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
                d = cv2.morphologyEx(d, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
                items.append((k, regions(d, 150)))
            videos.append((name, items))
    found, total, frames, nboxes, per_video = score(videos, csv_dir)
    for name, vf, vt in per_video:
        print("%s\t%d/%d" % (name, vf, vt))
    print("regions=%d found=%d recall=%.4f frames=%d boxes_per_frame=%.2f" % (total, found, found / max(total, 1), frames, nboxes / max(frames, 1)))

if __name__ == "__main__":
    main()
