#!/usr/bin/env python3
"""Writes Tests/EvaluationTests/Fixtures/npy_written/*.npy with NumPy's own np.save: the bytes that
`ssmtl score --npy` (NpyFile.float32Vector) must reproduce exactly. Run from the package root.

- four.npy: [0.5, -1.25, 3e-7, 1234.5] as little-endian float32
- empty.npy: a float32 array of length 0
- ramp.npy: 1000 values k * 0.37 - 50 (k = 0...999) as float32 (header length of a 4-digit shape)
"""
import os
import sys

import numpy as np

root = sys.argv[1] if len(sys.argv) > 1 else "Tests/EvaluationTests/Fixtures/npy_written"
os.makedirs(root, exist_ok=True)
np.save(os.path.join(root, "four.npy"), np.array([0.5, -1.25, 3e-7, 1234.5], dtype="<f4"))
np.save(os.path.join(root, "empty.npy"), np.zeros(0, dtype="<f4"))
np.save(os.path.join(root, "ramp.npy"), (np.arange(1000, dtype=np.float64) * 0.37 - 50).astype("<f4"))
print("numpy", np.__version__, "wrote", root)
