#!/usr/bin/env python3
"""Golden values for ssmtl's temporal smoothing: SciPy's gaussian_filter1d (mode reflect, truncate 4).

Writes Tests/SSMTLTests/Fixtures/gaussian_filter1d.json. Needs numpy and scipy.
"""
import json
import pathlib

import numpy as np
from scipy.ndimage import gaussian_filter1d

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
