#!/usr/bin/env python3
"""Golden values for ssmtl's Gaussian (Mahalanobis) appearance model, from NumPy, written independently of the Swift
code: the Ledoit-Wolf shrinkage as defined in the paper (Ledoit & Wolf 2004, Lemma 3.2-3.4 with the sample
covariance S = X'X/n of the centred rows):
  m = tr(S)/d, delta = |S - mI|_F^2 / d, beta_bar = (1/n^2) sum_k |x_k x_k' - S|_F^2 / d, beta = min(beta_bar, delta),
  shrinkage = beta/delta, Sigma = (1 - shrinkage) S + shrinkage m I,
and the distances sqrt((q - mean)' Sigma^-1 (q - mean)) by numpy.linalg.solve.
-> Tests/NeuralNetTests/Fixtures/gaussian_model.json. Needs numpy.
"""
import json
import pathlib

import numpy as np

root = pathlib.Path(__file__).resolve().parent.parent
out = root / "Tests/NeuralNetTests/Fixtures/gaussian_model.json"
rng = np.random.default_rng(20261201)
cases = []
# (rows, dimension): many rows, fewer rows than dimensions (shrinkage needed to invert), correlated dimensions.
for n, d in [(40, 6), (5, 8), (200, 3), (64, 32)]:
    mixing = rng.normal(size=(d, d)) * np.linspace(1.0, 0.1, d)
    rows = (rng.normal(size=(n, d)) @ mixing + rng.normal(size=d)).astype(np.float32)
    queries = (rng.normal(size=(7, d)) @ mixing * 1.5).astype(np.float32)
    x = rows.astype(np.float64)
    mean = x.mean(0)
    xc = x - mean
    s = xc.T @ xc / n
    m = np.trace(s) / d
    delta = np.sum((s - m * np.eye(d)) ** 2) / d
    beta_bar = sum(np.sum((np.outer(r, r) - s) ** 2) for r in xc) / n ** 2 / d
    shrinkage = min(beta_bar, delta) / delta
    sigma = (1 - shrinkage) * s + shrinkage * m * np.eye(d)
    diff = queries.astype(np.float64) - mean
    dist = np.sqrt(np.einsum("ij,ij->i", diff, np.linalg.solve(sigma, diff.T).T))
    cases.append({"count": n, "dimension": d, "rows": rows.ravel().tolist(), "queries": queries.ravel().tolist(),
                  "mean": mean.tolist(), "shrinkage": shrinkage, "distances": dist.tolist()})
out.write_text(json.dumps({"generator": "numpy: Ledoit-Wolf 2004 shrinkage and numpy.linalg.solve", "cases": cases}))
print(f"wrote {len(cases)} cases to {out}")
