#!/usr/bin/env python3
"""Golden values for ssmtl's frame scoring, from SciPy:
- temporal smoothing: gaussian_filter1d (mode reflect, truncate 4) -> Tests/SSMTLTests/Fixtures/gaussian_filter1d.json;
- the frame scores' smoothing: that Gaussian clipped to minimum_filter1d and maximum_filter1d of the raw scores
  (size 2 * reach + 1, mode reflect) -> Tests/SSMTLTests/Fixtures/smoothed_frame_scores.json;
- the 3D mean filter of the anomaly maps: uniform_filter (K x K x K) of the maps over (time, rows, columns) with zero padding,
  divided by the same filter of ones (the mean over the neighbours that exist), and each map's maximum
  -> Tests/SSMTLTests/Fixtures/mean_filter3d.json;
Needs numpy and scipy.
"""
import json
import pathlib

import numpy as np
from scipy.ndimage import gaussian_filter1d, maximum_filter1d, minimum_filter1d, uniform_filter

root = pathlib.Path(__file__).resolve().parent.parent
out = root / "Tests/SSMTLTests/Fixtures/gaussian_filter1d.json"
rng = np.random.default_rng(20261121)
cases = []
for n, sigma in [(1, 2.0), (2, 1.0), (5, 3.0), (17, 0.5), (40, 2.5), (150, 7.0), (9, 10.0)]:
    x = rng.normal(size=n) * 3
    x[rng.random(n) < 0.3] = 0.0  # runs of ties, like frames without objects
    y = gaussian_filter1d(x.astype(np.float64), sigma, mode="reflect", truncate=4.0)
    cases.append({"sigma": sigma, "input": x.tolist(), "expected": y.tolist()})
out.write_text(json.dumps({"generator": "scipy.ndimage.gaussian_filter1d", "cases": cases}, indent=0))
print(f"wrote {len(cases)} cases to {out}")

out2 = root / "Tests/SSMTLTests/Fixtures/smoothed_frame_scores.json"
rng = np.random.default_rng(20261207)
cases = []
for n, sigma, reach in [(1, 2.0, 3), (2, 1.0, 3), (5, 3.0, 3), (17, 0.5, 3), (40, 2.5, 3), (150, 7.0, 3), (9, 10.0, 3),
                        (60, 5.0, 1), (80, 8.0, 5)]:
    x = rng.normal(size=n) * 3
    x[rng.random(n) < 0.3] = 0.0
    if n >= 40:
        x[n // 3:n // 3 + n // 4] += 12.0  # an event: a step up and down, where the Gaussian spills
    g = gaussian_filter1d(x.astype(np.float64), sigma, mode="reflect", truncate=4.0)
    low = minimum_filter1d(x, 2 * reach + 1, mode="reflect")
    high = maximum_filter1d(x, 2 * reach + 1, mode="reflect")
    cases.append({"sigma": sigma, "reach": reach, "input": x.tolist(), "expected": np.clip(g, low, high).tolist()})
out2.write_text(json.dumps({"generator": "scipy.ndimage.gaussian_filter1d clipped to minimum_filter1d / maximum_filter1d",
                            "cases": cases}, indent=0))
print(f"wrote {len(cases)} cases to {out2}")

out3 = root / "Tests/SSMTLTests/Fixtures/mean_filter3d.json"
rng = np.random.default_rng(20261201)
cases = []
# (frames, rows, columns, K): maps smaller and larger than K, sequences shorter than K.
for frames, rows, columns, k in [(6, 5, 7, 3), (9, 12, 10, 5), (3, 4, 4, 5), (2, 1, 6, 3), (8, 3, 2, 7), (12, 5, 6, 3), (7, 6, 6, 5)]:
    maps = np.maximum(rng.normal(size=(frames, rows, columns)), 0).astype(np.float32)  # map cells are >= 0
    maps[rng.random(maps.shape) < 0.4] = 0
    mean = uniform_filter(maps.astype(np.float64), (k, k, k), mode="constant", cval=0.0) / \
        uniform_filter(np.ones(maps.shape), (k, k, k), mode="constant", cval=0.0)
    cases.append({"k": k, "frames": frames, "rows": rows, "columns": columns, "maps": maps.ravel().tolist(),
                  "expected": mean.ravel().tolist(), "expected_max": mean.max((1, 2)).tolist()})
out3.write_text(json.dumps({"generator": "scipy.ndimage.uniform_filter (constant 0) / uniform_filter of ones",
                            "cases": cases}, indent=0))
print(f"wrote {len(cases)} cases to {out3}")
