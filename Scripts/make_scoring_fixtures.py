#!/usr/bin/env python3
"""Golden values for ssmtl's frame scoring, from SciPy:
- temporal smoothing: gaussian_filter1d (mode reflect, truncate 4) -> Tests/SSMTLTests/Fixtures/gaussian_filter1d.json;
- the 3D mean filter of the anomaly maps: uniform_filter (T x K x K) of the maps over (time, rows, columns) with zero padding,
  divided by the same filter of ones (the mean over the neighbours that exist), and each map's maximum
  -> Tests/SSMTLTests/Fixtures/mean_filter3d.json;
- the same filter with a temporal median (score --filter-time median): each map's K x K mean over the cells that exist
  (uniform_filter of size 1 x K x K, zero padding, divided by the same filter of ones), then NumPy's median of every
  cell over the frames of the T-frame window that exist -> Tests/SSMTLTests/Fixtures/median_filter3d.json;
- the tail calibration of a score (train --calibration tail): NumPy's linear sample quantiles at 0, 0.01, ..., 0.95, the
  mean excess above the last, and c = -ln(1 - F(s)) with F found by numpy.searchsorted (the last knot <= s) and linear
  between knots, exponential above the last -> Tests/SSMTLTests/Fixtures/score_tail.json.
Needs numpy and scipy.
"""
import json
import pathlib

import numpy as np
from scipy.ndimage import gaussian_filter1d, uniform_filter

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

out3 = root / "Tests/SSMTLTests/Fixtures/mean_filter3d.json"
rng = np.random.default_rng(20261201)
cases = []
# (frames, rows, columns, K, T): cubes first, then filters T frames long (T != K; the last sequences are shorter than T).
for frames, rows, columns, k, t in [(6, 5, 7, 3, 3), (9, 12, 10, 5, 5), (3, 4, 4, 5, 5), (2, 1, 6, 3, 3), (8, 3, 2, 7, 7),
                                    (12, 5, 6, 3, 9), (7, 4, 5, 5, 9), (10, 3, 3, 1, 5)]:
    maps = np.maximum(rng.normal(size=(frames, rows, columns)), 0).astype(np.float32)  # map cells are >= 0
    maps[rng.random(maps.shape) < 0.4] = 0
    mean = uniform_filter(maps.astype(np.float64), (t, k, k), mode="constant", cval=0.0) / \
        uniform_filter(np.ones(maps.shape), (t, k, k), mode="constant", cval=0.0)
    cases.append({"k": k, "t": t, "frames": frames, "rows": rows, "columns": columns, "maps": maps.ravel().tolist(),
                  "expected": mean.ravel().tolist(), "expected_max": mean.max((1, 2)).tolist()})
out3.write_text(json.dumps({"generator": "scipy.ndimage.uniform_filter (constant 0) / uniform_filter of ones",
                            "cases": cases}, indent=0))
print(f"wrote {len(cases)} cases to {out3}")

out4 = root / "Tests/SSMTLTests/Fixtures/median_filter3d.json"
rng = np.random.default_rng(20261202)
cases = []
# (frames, rows, columns, K, T): short clips (windows clipped at both ends, even counts), T = K and T != K, K = 1.
for frames, rows, columns, k, t in [(6, 5, 7, 3, 3), (9, 12, 10, 5, 5), (3, 4, 4, 5, 5), (2, 1, 6, 3, 3), (8, 3, 2, 7, 7),
                                    (12, 5, 6, 3, 9), (10, 3, 3, 1, 5), (7, 6, 6, 5, 5)]:
    maps = np.maximum(rng.normal(size=(frames, rows, columns)), 0).astype(np.float32)
    maps[rng.random(maps.shape) < 0.4] = 0
    spatial = uniform_filter(maps.astype(np.float64), (1, k, k), mode="constant", cval=0.0) / \
        uniform_filter(np.ones(maps.shape), (1, k, k), mode="constant", cval=0.0)
    median = np.stack([np.median(spatial[max(0, i - t // 2):min(frames, i + t // 2 + 1)], axis=0) for i in range(frames)])
    cases.append({"k": k, "t": t, "frames": frames, "rows": rows, "columns": columns, "maps": maps.ravel().tolist(),
                  "expected": median.ravel().tolist(), "expected_max": median.max((1, 2)).tolist()})
out4.write_text(json.dumps({"generator": "scipy.ndimage.uniform_filter (1 x K x K, constant 0) / uniform_filter of ones, "
                            "then numpy.median over the T-frame window", "cases": cases}, indent=0))
print(f"wrote {len(cases)} cases to {out4}")

out5 = root / "Tests/SSMTLTests/Fixtures/score_tail.json"
rng = np.random.default_rng(20261203)
cases = []
samples = [
    rng.normal(size=500),                                                         # continuous
    rng.exponential(size=300) * 0.2,                                              # a long right tail
    np.where(rng.random(400) < 0.7, 0.0, rng.beta(0.5, 2.0, size=400)),           # a probability piled at 0 (ties)
    np.round(rng.normal(size=200), 1),                                            # many ties everywhere
    rng.normal(size=2),                                                           # the smallest sample
    rng.gamma(2.0, size=37),
]
probabilities = np.arange(96) / 100.0
for x in samples:
    x = x.astype(np.float32).astype(np.float64)
    knots = np.quantile(x, probabilities, method="linear")
    top = knots[-1]
    above = x[x > top]
    excess = float((above - top).mean()) if above.size else 0.0
    queries = np.concatenate([knots[::7], [x.min() - 1, top, top + excess, top + 5 * excess + 0.1],
                              rng.uniform(x.min() - 0.5, x.max() + 0.5, size=25)]).astype(np.float32).astype(np.float64)
    expected = []
    for s in queries:
        if excess <= 0:
            expected.append(0.0)
        elif s > top:
            expected.append(float(np.log(20.0) + (s - top) / excess))
        elif s < knots[0]:
            expected.append(0.0)
        else:
            k = int(np.searchsorted(knots, s, side="right")) - 1
            F = probabilities[k]
            if k < 95 and knots[k + 1] > knots[k]:
                F += (s - knots[k]) / (knots[k + 1] - knots[k]) * (probabilities[k + 1] - probabilities[k])
            expected.append(float(-np.log(1.0 - F)))
    cases.append({"sample": x.tolist(), "knots": knots.tolist(), "mean_excess": excess, "queries": queries.tolist(),
                  "expected": expected})
out5.write_text(json.dumps({"generator": "numpy.quantile (linear) and numpy.searchsorted", "cases": cases}, indent=0))
print(f"wrote {len(cases)} cases to {out5}")
