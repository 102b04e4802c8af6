#!/usr/bin/env python3
"""Writes the small fixtures of Tests/EvaluationTests/Fixtures (run from the package root).

- auc_cases.json: randomized label/score cases with many ties, with scikit-learn's roc_auc_score
  (and the padded per-video AUC used for the macro AUC).
- mat/*.mat: MAT v5 files written by scipy.io.savemat, compressed and not, holding a 1xN cell of uint8
  masks (like Avenue's volLabel) and a double matrix; expected contents in mat/expected.json.
- npy/*.npy: arrays of several dtypes, C and Fortran order, format versions 1 and 2; expected contents
  (row-major values) in npy/expected.json.
"""
import json
import os
import sys

import numpy as np
import scipy.io
from sklearn.metrics import roc_auc_score

root = sys.argv[1] if len(sys.argv) > 1 else "Tests/EvaluationTests/Fixtures"
rng = np.random.default_rng(20210621)

# ---- AUC cases
cases = []
for k in range(60):
    n = int(rng.integers(2, 120))
    labels = rng.integers(0, 2, n)
    if labels.min() == labels.max():
        labels[0] = 1 - labels[0]
    levels = int(rng.integers(1, 12)) if k % 3 else 1000
    scores = rng.integers(0, levels, n) / max(levels - 1, 1)
    if k % 5 == 0:
        scores = scores * 7.3 - 2.1  # outside [0, 1]
    if k == 7:
        scores = np.full(n, 0.25)  # constant scores
    scores = [float(s) for s in scores]
    padded = roc_auc_score([0] + list(labels) + [1], [0.0] + scores + [1.0])
    cases.append({"labels": [int(v) for v in labels], "scores": scores,
                  "auc": float(roc_auc_score(labels, scores)), "paddedAUC": float(padded)})
with open(os.path.join(root, "auc_cases.json"), "w") as f:
    json.dump(cases, f)

# ---- MAT v5
os.makedirs(os.path.join(root, "mat"), exist_ok=True)
masks = []
for t in range(4):
    m = np.zeros((5, 7), dtype=np.uint8)
    if t >= 1:
        m[1:3, 2 + t:4 + t] = 1
        m[4, 0] = 1 if t == 2 else 0
    masks.append(m)
cell = np.empty((1, len(masks)), dtype=object)
for i, m in enumerate(masks):
    cell[0, i] = m
matrix = np.arange(6, dtype=np.float64).reshape(2, 3) * 1.5
for compressed in (False, True):
    name = "cell_compressed.mat" if compressed else "cell_plain.mat"
    scipy.io.savemat(os.path.join(root, "mat", name), {"volLabel": cell, "matrix": matrix},
                     do_compression=compressed, format="5")
with open(os.path.join(root, "mat", "expected.json"), "w") as f:
    json.dump({"masks": [m.flatten().tolist() for m in masks], "maskShape": [5, 7],
               "matrix": matrix.flatten().tolist(), "matrixShape": [2, 3]}, f)

# ---- NPY
os.makedirs(os.path.join(root, "npy"), exist_ok=True)
expected = {}
base = np.array([[0, 1, 2], [3, 250, 5]])
arrays = {
    "int64_c": base.astype("<i8"),
    "int32_f": np.asfortranarray(base.astype("<i4")),
    "uint8_c": base.astype(np.uint8),
    "bool_c": base.astype(bool),
    "float32_f": np.asfortranarray(base.astype("<f4") / 4),
    "float64_be": base.astype(">f8") * 0.5,
    "int16_1d": np.array([0, -3, 7, 1], dtype="<i2"),
    "labels_1d": np.array([0, 0, 1, 1, 0], dtype=np.int64),
    "cube_f": np.asfortranarray((np.arange(24).reshape(2, 3, 4) % 5 == 0).astype(np.uint8)),
}
for name, a in arrays.items():
    np.save(os.path.join(root, "npy", name + ".npy"), a)
    expected[name] = {"shape": list(a.shape), "values": [float(v) for v in np.asarray(a, dtype=np.float64).flatten(order="C")]}
# Format version 2 header.
with open(os.path.join(root, "npy", "v2_int64.npy"), "wb") as f:
    a = np.array([5, 0, 9], dtype="<i8")
    np.lib.format.write_array(f, a, version=(2, 0))
    expected["v2_int64"] = {"shape": [3], "values": [5.0, 0.0, 9.0]}
with open(os.path.join(root, "npy", "expected.json"), "w") as f:
    json.dump(expected, f)
print("fixtures written to", root)

# ---- A ShanghaiTech-layout set without track files: regions and tracks come from the pixel masks.
sht = os.path.join(root, "sht")
for sub in ("test_frame_mask", "test_pixel_mask"):
    os.makedirs(os.path.join(sht, sub), exist_ok=True)
pixels = np.zeros((4, 6, 8), dtype=np.uint8)
pixels[1, 1:3, 1:3] = 1      # object A appears in frame 1 ...
pixels[2, 2:4, 2:4] = 1      # ... moves and overlaps its previous position in frame 2 (same track)
pixels[2, 0, 7] = 1          # a separate one-pixel region in frame 2 (second track)
np.save(os.path.join(sht, "test_pixel_mask", "01_0001.npy"), pixels)
np.save(os.path.join(sht, "test_frame_mask", "01_0001.npy"), (pixels.reshape(4, -1).max(axis=1) > 0).astype(np.int64))
print("pixel-mask set written to", sht)
