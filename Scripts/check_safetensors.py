#!/usr/bin/env python3
"""Check that Python's safetensors reads a file written by the Swift writer.

Usage: NN_SAFETENSORS_OUT=/tmp/nn.safetensors swift test --filter SafetensorsTests/testWritesFileForPythonCheck
       python3 Scripts/check_safetensors.py /tmp/nn.safetensors
"""
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/nn.safetensors"
t = load_file(path)
assert set(t) == {"w", "b"}, sorted(t)
assert t["w"].dtype == np.float32 and t["w"].shape == (2, 3, 4), (t["w"].dtype, t["w"].shape)
assert np.array_equal(t["w"].reshape(-1), np.arange(24, dtype=np.float32) * 0.5 - 3)
assert np.array_equal(t["b"], np.array([1, 2, 3], dtype=np.float32))
with safe_open(path, framework="numpy") as f:
    assert f.metadata() == {"variant": "shallow-narrow"}, f.metadata()
print(f"OK: {path} read by safetensors with the expected values and metadata")
