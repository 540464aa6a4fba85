"""Seeded synthetic translog share system (writes shares.csv here).

25 industries x 10 years; three cost shares sL + sM + sH = 1 generated from a translog with symmetric,
homogeneous price effects, log(K/Y), offshoring and industry effects, and correlated errors.
Run: python tests/reference/sur/make_shares.py
"""

from pathlib import Path

import numpy as np
import pandas as pd


def make(seed: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, t = 25, 10
    ids = np.repeat(np.arange(1, n + 1), t)
    year = np.tile(np.arange(1995, 1995 + t), n)
    lw = rng.normal(size=(n * t, 3)) * 0.2 + np.array([2.5, 2.8, 3.2])
    gamma = np.array([[0.08, -0.05, -0.03], [-0.05, 0.09, -0.04], [-0.03, -0.04, 0.07]])  # symmetric, rows sum 0
    alpha = np.array([0.35, 0.45, 0.20])
    lky = rng.normal(size=n * t) * 0.3
    off = rng.uniform(0, 0.3, size=n * t)
    effects = np.repeat(rng.normal(scale=0.02, size=(n, 3)), t, axis=0)
    effects -= effects.mean(axis=1, keepdims=True)
    e = rng.multivariate_normal(np.zeros(2), [[1e-4, -4e-5], [-4e-5, 1.2e-4]], size=n * t)
    errors = np.column_stack([e, -e.sum(axis=1)])
    shares = alpha + lw @ gamma.T + np.outer(lky, [-0.02, 0.01, 0.01]) + np.outer(off, [-0.1, 0.05, 0.05])
    shares = shares + effects + errors
    frame = pd.DataFrame(
        {
            "industry": ids,
            "year": year,
            "sL": shares[:, 0],
            "sM": shares[:, 1],
            "sH": shares[:, 2],
            "lwL": lw[:, 0],
            "lwM": lw[:, 1],
            "lwH": lw[:, 2],
            "lky": lky,
            "off": off,
        }
    )
    for name in ("L", "M"):  # homogeneity: prices relative to the high-skilled wage
        frame[f"rw{name}"] = frame[f"lw{name}"] - frame["lwH"]
    frame["rwL_M"] = frame["lwL"] - frame["lwM"]
    frame["rwH_M"] = frame["lwH"] - frame["lwM"]
    return frame


if __name__ == "__main__":
    make().to_csv(Path(__file__).with_name("shares.csv"), index=False, float_format="%.17g")
