r"""Sweeping effects out of panel data (Frisch-Waugh-Lovell): the one implementation every estimator uses.

- :func:`demean` / :func:`demean_array`: the within transformation :math:`\ddot x_{it} = x_{it} - \bar x_i`
  (pandas, first index level; arrays, entity codes);
- :func:`partial_out`: the residuals of a least-squares projection on dummies *D*,
  :math:`M_D z = z - D(D'D)^{-1}D'z` (absorbed effects: redundant columns of *D* allowed);
- :func:`sweep_effects`: entity effects, and period effects, swept exactly on unbalanced panels: demean by the
  larger dimension, then partial out the demeaned dummies of the other one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def demean(values: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    r"""The within transformation :math:`\ddot x_{it} = x_{it} - \bar x_i` (entity means; the entity is the
    first index level). The one implementation every estimator uses (:func:`demean_array` for arrays)."""
    return values - values.groupby(level=0).transform("mean")


def demean_array(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    r""":func:`demean` on an array whose rows belong to the entities ``codes`` (0, 1, ...): the entity means
    :math:`\bar x_i = \frac{1}{T_i}\sum_t x_{it}` from ``np.bincount`` sums. Equal to :func:`demean` up to
    rounding (pandas compensates its sums; tested to 1e-12 of the data's scale)."""
    values = np.asarray(values, dtype=float)
    counts = np.bincount(codes)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.column_stack([np.bincount(codes, weights=column) for column in values.T]) / counts[:, None]
    return values - means[codes]


def partial_out(values: np.ndarray, dummies: np.ndarray) -> np.ndarray:
    r""":math:`M_D z = z - D\hat b`, :math:`\hat b = \arg\min_b \lVert z - Db \rVert` (least squares, so
    redundant dummies do no harm), for each column of ``values``."""
    values = np.asarray(values, dtype=float)
    if values.shape[1] == 0 or dummies.shape[1] == 0:
        return values
    return values - dummies @ np.linalg.lstsq(dummies, values, rcond=None)[0]


def sweep_effects(values: np.ndarray, entity: np.ndarray, time: np.ndarray, *, time_effects: bool) -> np.ndarray:
    """``values`` (rows x columns) with the entity effects, and the period effects when ``time_effects``, swept out;
    ``entity`` and ``time`` are codes 0, 1, ... of each row."""
    if not time_effects:
        return demean_array(values, entity)
    n_entities, n_periods = int(entity.max()) + 1, int(time.max()) + 1
    group, other, n_other = (entity, time, n_periods) if n_entities > n_periods else (time, entity, n_entities)
    swept = demean_array(values, group)
    if n_other < 2:
        return swept
    dummies = np.zeros((len(other), n_other - 1))
    rows = np.flatnonzero(other > 0)
    dummies[rows, other[rows] - 1] = 1.0
    return partial_out(swept, demean_array(dummies, group))
