"""Instrument blocks of dynamic panel GMM, built on the balanced entity x period grid.

For the differenced equation of period t, a GMM-style variable x with lags a..b contributes its
levels x_{t-b}, ..., x_{t-a} (x_1 at the earliest): one column per (period, lag) or, collapsed, one
column per lag distance. For the level equation of period t (system GMM) it contributes the difference
Δx_{t-a+1}: one column per period or, collapsed, a single column. Unavailable values are zero
(Arellano and Bond 1991; Roodman 2009 for collapsing). IV-style instruments enter as themselves:
differenced in the differenced equations, in levels in the level equations.
"""

from __future__ import annotations

import numpy as np

from replication.estimators.data import lag_grid


def gmm_difference_block(x: np.ndarray, periods: range, lags: tuple[int, int], *, collapse: bool) -> np.ndarray:
    """(N, len(periods), columns) instruments of the differenced equations from grid x (N, T)."""
    lo, hi = lags
    n, _ = x.shape
    if collapse:
        width = hi - lo + 1
        block = np.zeros((n, len(periods), width))
        for r, t in enumerate(periods):
            for j, lag in enumerate(range(lo, hi + 1)):
                if t - lag >= 0:
                    block[:, r, j] = x[:, t - lag]
        return _drop_empty(block)
    spans = [list(range(max(0, t - hi), t - lo + 1)) for t in periods]
    block = np.zeros((n, len(periods), sum(len(s) for s in spans)))
    column = 0
    for r, span in enumerate(spans):
        for s in span:
            block[:, r, column] = x[:, s]
            column += 1
    return _drop_empty(block)


def gmm_level_block(x: np.ndarray, periods: range, lags: tuple[int, int], *, collapse: bool) -> np.ndarray:
    """(N, len(periods), columns) instruments of the level equations: Δx_{t-a+1}."""
    lag = lags[0] - 1
    dx = lag_grid(x, lag) - lag_grid(x, lag + 1)
    values = dx[:, list(periods)]
    block = values[:, :, None] if collapse else values[:, :, None] * np.eye(len(periods))[None, :, :]
    return _drop_empty(block)


def _drop_empty(block: np.ndarray) -> np.ndarray:
    """NaN -> 0, then drop columns that are zero for every entity and period."""
    block = np.nan_to_num(block, nan=0.0)
    keep = np.abs(block).sum(axis=(0, 1)) > 0
    return block[:, :, keep]


def block_diagonal(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Stack two (N, R_i, C_i) blocks into (N, R_1 + R_2, C_1 + C_2) with zeros off the diagonal."""
    n, r1, c1 = top.shape
    _, r2, c2 = bottom.shape
    out = np.zeros((n, r1 + r2, c1 + c2))
    out[:, :r1, :c1] = top
    out[:, r1:, c1:] = bottom
    return out


def difference_weight(periods: int) -> np.ndarray:
    """H for differenced equations: 2 on the diagonal, -1 beside it (E Δu Δu' = σ² H under iid errors)."""
    return 2 * np.eye(periods) - np.eye(periods, k=1) - np.eye(periods, k=-1)


def system_weight(level_periods: int) -> np.ndarray:
    """H for [differenced; level] equations: [[G, F], [F', I]] with F_{s,r} = Cov(Δu_s, u_r)/σ².

    The differenced equations are the level periods but the first; this is the "full" first-step
    matrix of Blundell and Bond (1998) as in R plm's pgmm.
    """
    t = level_periods
    g = difference_weight(t - 1)
    f = np.zeros((t - 1, t))
    for i in range(t - 1):
        f[i, i] = -1.0
        f[i, i + 1] = 1.0
    return np.block([[g, f], [f.T, np.eye(t)]])
