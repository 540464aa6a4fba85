"""Seeded synthetic panel for the static-panel and IV reference values (writes panel.csv here).

30 entities x 12 periods, 10 rows dropped (unbalanced); x2 endogenous (correlated with u), z1 and z2
instruments, w positive analytic weights, region a 6-level cluster variable nesting entities.
Run: python tests/reference/panel/make_panel.py
"""

from pathlib import Path

import numpy as np
import pandas as pd


def make(seed: int = 20261123) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, t = 30, 12
    ids = np.repeat(np.arange(1, n + 1), t)
    year = np.tile(np.arange(2000, 2000 + t), n)
    alpha = np.repeat(rng.normal(size=n), t)
    delta = np.tile(rng.normal(scale=0.5, size=t), n)
    z1, z2 = rng.normal(size=n * t), rng.normal(size=n * t)
    common = rng.normal(size=n * t)
    u = 0.6 * common + rng.normal(size=n * t) * (1 + 0.5 * np.abs(z1))
    x1 = 0.5 * alpha + rng.normal(size=n * t)
    x2 = 0.8 * z1 - 0.5 * z2 + 0.7 * common + 0.3 * alpha + rng.normal(size=n * t)
    y = 1.0 + 0.5 * x1 - 1.0 * x2 + alpha + delta + u
    frame = pd.DataFrame(
        {
            "id": ids,
            "year": year,
            "y": y,
            "x1": x1,
            "x2": x2,
            "z1": z1,
            "z2": z2,
            "w": rng.uniform(0.5, 2.0, size=n * t),
            "region": (ids - 1) // 5 + 1,
        }
    )
    drop = rng.choice(len(frame), size=10, replace=False)
    return frame.drop(index=drop).reset_index(drop=True)


if __name__ == "__main__":
    make().to_csv(Path(__file__).with_name("panel.csv"), index=False, float_format="%.17g")
