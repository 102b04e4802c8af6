#!/usr/bin/env python3
"""Golden values for ssmtl's object crops: PyTorch's bilinear resize of a box cut out of a frame.

torch.nn.functional.interpolate(mode="bilinear", align_corners=False, antialias=False) on the box region
(inclusive pixel coordinates), for boxes that shrink, enlarge and change aspect ratio. Writes
Tests/SSMTLTests/Fixtures/crop_bilinear.json. Needs torch (CPU) and numpy.
"""
import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

root = pathlib.Path(__file__).resolve().parent.parent
out = root / "Tests/SSMTLTests/Fixtures/crop_bilinear.json"
rng = np.random.default_rng(7)
width, height = 37, 29
frame = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
cases = []
for (x1, y1, x2, y2, side) in [(0, 0, 36, 28, 16), (3, 4, 9, 10, 16), (5, 2, 30, 8, 8), (10, 10, 10, 12, 4), (2, 3, 33, 27, 64)]:
    region = torch.from_numpy(frame[y1:y2 + 1, x1:x2 + 1].astype(np.float32) / 255.0).permute(2, 0, 1)[None]
    resized = F.interpolate(region, size=(side, side), mode="bilinear", align_corners=False, antialias=False)[0]
    cases.append({"box": [x1, y1, x2, y2], "side": side, "expected": resized.flatten().tolist()})
out.write_text(json.dumps({"generator": f"torch {torch.__version__} interpolate bilinear", "width": width,
                           "height": height, "frame": frame.flatten().tolist(), "cases": cases}))
print(f"wrote {len(cases)} cases to {out}")
