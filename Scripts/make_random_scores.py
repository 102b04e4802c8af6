#!/usr/bin/env python3
"""Random score files for timing and smoke-testing `ssmtl eval`.

usage: make_random_scores.py GT_DIR OUT_DIR [--regions] [--seed S]
GT_DIR is a ShanghaiTech-layout folder (test_frame_mask/*.npy, optional tracks/*.txt) or a folder of
<video>.npy / <video>.txt frame labels. Writes OUT_DIR/<video>.csv (frame,score,aot,mi,mb,kd) with uniform
random scores and, with --regions, OUT_DIR/<video>.regions.txt: three random boxes per frame plus a jittered
copy of every ground-truth track box, all with random scores.
"""
import argparse
import os

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("gt")
p.add_argument("out")
p.add_argument("--regions", action="store_true")
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()
rng = np.random.default_rng(a.seed)
labels_dir = os.path.join(a.gt, "test_frame_mask") if os.path.isdir(os.path.join(a.gt, "test_frame_mask")) else a.gt
os.makedirs(a.out, exist_ok=True)
for name in sorted(os.listdir(labels_dir)):
    stem, ext = os.path.splitext(name)
    if ext == ".npy":
        n = len(np.load(os.path.join(labels_dir, name)))
    elif ext == ".txt":
        n = len(open(os.path.join(labels_dir, name)).read().split())
    else:
        continue
    s = rng.random((n, 5))
    with open(os.path.join(a.out, stem + ".csv"), "w") as f:
        f.write("frame,score,aot,mi,mb,kd\n")
        for i in range(n):
            f.write("%d,%.6f,%.6f,%.6f,%.6f,%.6f\n" % (i, *s[i]))
    if a.regions:
        rows = []
        for i in range(n):
            for _ in range(3):
                x, y = rng.integers(0, 800), rng.integers(0, 420)
                rows.append((i, x, y, x + rng.integers(10, 60), y + rng.integers(20, 60), rng.random()))
        track_file = os.path.join(a.gt, "tracks", stem + ".txt")
        if os.path.exists(track_file) and os.path.getsize(track_file) > 0:
            for t, fr, x1, y1, x2, y2 in np.loadtxt(track_file, delimiter=",", ndmin=2):
                j = rng.integers(-5, 6, 4)
                rows.append((int(fr), x1 + j[0], y1 + j[1], x2 + j[2], y2 + j[3], rng.random()))
        with open(os.path.join(a.out, stem + ".regions.txt"), "w") as f:
            for r in rows:
                f.write("%d,%d,%d,%d,%d,%.6f\n" % r)
