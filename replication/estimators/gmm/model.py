r"""Difference GMM (Arellano and Bond 1991) and system GMM (Blundell and Bond 1998) for dynamic panels.

Model: :math:`y_{it} = \sum_j \alpha_j y_{i,t-j} + x_{it}'\beta + \delta_t + \eta_i + u_{it}`.

Difference GMM removes :math:`\eta_i` by first differencing and instruments the differenced equations
with lagged levels (GMM-style) and the differenced exogenous regressors (IV-style). System GMM adds
the level equations instrumented with lagged differences. With :math:`Z_i` the instruments, :math:`X_i`
and :math:`y_i` the stacked equations of entity *i* (rows of missing periods set to zero):

.. math::

    \hat\theta = (X'Z A Z'X)^{-1} X'Z A Z'y, \qquad X'Z = \sum_i X_i'Z_i

One step: :math:`A_1 = (\sum_i Z_i' H Z_i)^{-1}` (H: the covariance pattern of iid errors after the
transformation, :func:`~replication.estimators.gmm.instruments.difference_weight` /
:func:`~replication.estimators.gmm.instruments.system_weight`); robust covariance
:math:`B_1 X'Z A_1 S A_1 Z'X B_1` with :math:`S = \sum_i Z_i'\hat u_i \hat u_i' Z_i`,
:math:`B_1 = (X'Z A_1 Z'X)^{-1}`.
Two steps: :math:`A_2 = S^{-1}` from the one-step residuals; covariance :math:`B_2 = (X'Z A_2 Z'X)^{-1}`
(``unadjusted``) or Windmeijer's (2005) finite-sample correction
:math:`B_2 + D B_2 + B_2 D' + D V_1 D'`,
:math:`D_{\cdot k} = -B_2 X'Z A_2 (\partial S/\partial\theta_k) A_2 Z'\hat u_2`.

Tests: Hansen :math:`J = (\sum Z_i'\hat u_i)' S^{-1} (\sum Z_i'\hat u_i) \sim \chi^2_{L-K}`; the
Arellano-Bond AR(m) test on the differenced residuals (their eq. 8, with the robust covariance).

Conventions (period ranges, time dummies, the system H matrix) follow R plm's ``pgmm``, against which
the estimates, standard errors and tests are validated (``tests/reference/gmm``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from replication.estimators.data import (
    EstimationError,
    NotIdentifiedError,
    balanced_grid,
    check_panel,
    frame_checksum,
    lag_grid,
    parse_term,
)
from replication.estimators.gmm.instruments import (
    block_diagonal,
    difference_weight,
    gmm_difference_block,
    gmm_level_block,
    system_weight,
)
from replication.estimators.results import Results

Transformation = Literal["difference", "system"]
GMMCov = Literal["clustered", "windmeijer", "unadjusted"]


@dataclass(frozen=True)
class GMMStyle:
    """A GMM-style instrument: ``variable`` lagged ``lags[0]`` to ``lags[1]`` periods (``None`` = all)."""

    variable: str
    lags: tuple[int, int | None] = (2, None)
    collapse: bool = False

    def __post_init__(self) -> None:
        lo, hi = self.lags
        if lo < 1 or (hi is not None and hi < lo):
            raise EstimationError(f"GMM-style lags of {self.variable!r} must satisfy 1 <= min <= max; got {self.lags}")


@dataclass
class _Stacked:
    y: np.ndarray  # (N, R)
    x: np.ndarray  # (N, R, K)
    z: np.ndarray  # (N, R, L)
    h: np.ndarray  # (R, R)
    names: list[str]
    n_diff: int  # number of differenced-equation rows per entity
    diff_used: np.ndarray  # (N, n_diff) rows used
    level_used: np.ndarray | None
    instrument_counts: dict[str, int] = field(default_factory=dict)


class DynamicPanelGMM:
    """Difference or system GMM on any panel DataFrame.

    Parameters
    ----------
    data : DataFrame
        Long panel with ``entity`` and ``time`` columns; (entity, time) unique; no missing values in
        the used columns.
    dependent : str
        Column of the dependent variable.
    regressors : list of str
        Terms, each a column or a lag ``L<k>.<column>`` (e.g. ``["L1.n", "L2.n", "w", "L1.w"]``).
    gmm : list of GMMStyle
        GMM-style instruments (e.g. ``GMMStyle("n", (2, None))``).
    iv : list of str, optional
        IV-style (exogenous) instrument terms; default: the regressors whose variable has no
        GMM-style instrument.
    transformation : {"difference", "system"}
    time_effects : bool
        Period dummies (differenced in the differenced equations; with an intercept in system GMM).
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        dependent: str,
        regressors: list[str],
        gmm: list[GMMStyle],
        entity: str,
        time: str,
        iv: list[str] | None = None,
        transformation: Transformation = "difference",
        time_effects: bool = True,
    ) -> None:
        if transformation not in ("difference", "system"):
            raise EstimationError(f"transformation must be 'difference' or 'system'; got {transformation!r}")
        if not gmm:
            raise EstimationError("dynamic panel GMM needs at least one GMM-style instrument")
        gmm_vars = {g.variable for g in gmm}
        self.iv = list(iv) if iv is not None else [r for r in regressors if parse_term(r)[0] not in gmm_vars]
        used = sorted({dependent} | {parse_term(t)[0] for t in [*regressors, *self.iv]} | gmm_vars)
        check_panel(data, entity=entity, time=time, columns=used)
        self.data, self.dependent, self.regressors, self.gmm = data, dependent, list(regressors), list(gmm)
        self.entity, self.time, self.transformation, self.time_effects = entity, time, transformation, time_effects
        self._columns = used
        grid, self.entities, self.periods = balanced_grid(data, entity=entity, time=time, columns=used)
        self._grid = {c: grid[:, :, i] for i, c in enumerate(used)}
        self.max_lag = max([0, *(parse_term(t)[1] for t in regressors)])
        gmm_min = min(g.lags[0] for g in gmm)
        self.first_diff = max(self.max_lag + 1, gmm_min)  # first period (0-based) of the differenced equations
        self.first_level = self.first_diff - 1
        if len(self.periods) - self.first_diff < 2:
            raise EstimationError(
                f"too few periods: {len(self.periods)} periods leave "
                f"{len(self.periods) - self.first_diff} differenced equation(s) after lags of "
                f"up to {self.max_lag} and GMM lags from {gmm_min}; at least 2 are needed"
            )

    # ------------------------------------------------------------------ data
    def _term(self, term: str) -> np.ndarray:
        variable, lag = parse_term(term)
        return lag_grid(self._grid[variable], lag)

    def _stack(self) -> _Stacked:
        t_all = len(self.periods)
        diff_periods = range(self.first_diff, t_all)
        level_periods = range(self.first_level, t_all)
        y_lev = self._grid[self.dependent]
        x_lev = np.stack([self._term(t) for t in self.regressors], axis=2)
        names = list(self.regressors)

        def diff(a: np.ndarray, periods: range) -> np.ndarray:
            idx = list(periods)
            return a[:, idx] - a[:, [i - 1 for i in idx]]

        y_d = diff(y_lev, diff_periods)
        x_d = np.stack([diff(x_lev[:, :, k], diff_periods) for k in range(x_lev.shape[2])], axis=2)
        iv_lev = np.stack([self._term(t) for t in self.iv], axis=2) if self.iv else None
        counts: dict[str, int] = {}
        gmm_d = []
        for g in self.gmm:
            hi = g.lags[1] if g.lags[1] is not None else t_all
            gmm_d.append(
                gmm_difference_block(self._grid[g.variable], diff_periods, (g.lags[0], hi), collapse=g.collapse)
            )
        z_gmm_d = np.concatenate(gmm_d, axis=2)
        counts["gmm_difference"] = z_gmm_d.shape[2]
        n = y_lev.shape[0]
        if self.transformation == "difference":
            used = ~(np.isnan(y_d) | np.isnan(x_d).any(axis=2))
            blocks = [z_gmm_d]
            if self.time_effects:
                td = _period_dummies(len(diff_periods), differenced=True)
                x_d = np.concatenate([x_d, np.broadcast_to(td, (n, *td.shape))], axis=2)
                blocks.append(np.broadcast_to(td, (n, *td.shape)))
                names += [f"{self.time}_{self.periods[p]}" for p in diff_periods]
                counts["time_effects"] = td.shape[1]
            if iv_lev is not None:
                z_iv = np.nan_to_num(
                    np.stack([diff(iv_lev[:, :, k], diff_periods) for k in range(iv_lev.shape[2])], axis=2)
                )
                blocks.append(z_iv)
                counts["iv"] = z_iv.shape[2]
            z = np.concatenate(blocks, axis=2)
            y, x = y_d, x_d
            h = difference_weight(len(diff_periods))
            mask = used
            level_used = None
        else:
            y_l = y_lev[:, list(level_periods)]
            x_l = x_lev[:, list(level_periods), :]
            used_d = ~(np.isnan(y_d) | np.isnan(x_d).any(axis=2))
            used_l = ~(np.isnan(y_l) | np.isnan(x_l).any(axis=2))
            gmm_l = [
                gmm_level_block(
                    self._grid[g.variable], level_periods, (g.lags[0], g.lags[1] or t_all), collapse=g.collapse
                )
                for g in self.gmm
            ]
            z_gmm_l = np.concatenate(gmm_l, axis=2)
            counts["gmm_level"] = z_gmm_l.shape[2]
            if self.time_effects:
                tl = _period_dummies(len(level_periods), differenced=False)  # intercept + later periods
                td = np.diff(tl, axis=0)
                x_d = np.concatenate([x_d, np.broadcast_to(td, (n, *td.shape))], axis=2)
                x_l = np.concatenate([x_l, np.broadcast_to(tl, (n, *tl.shape))], axis=2)
                z_gmm_l = np.concatenate([z_gmm_l, np.broadcast_to(tl, (n, *tl.shape))], axis=2)
                names += ["const"] + [f"{self.time}_{self.periods[p]}" for p in list(level_periods)[1:]]
                counts["time_effects"] = tl.shape[1]
            else:
                ones = np.ones((len(level_periods), 1))
                x_d = np.concatenate([x_d, np.zeros((n, len(diff_periods), 1))], axis=2)
                x_l = np.concatenate([x_l, np.broadcast_to(ones, (n, *ones.shape))], axis=2)
                z_gmm_l = np.concatenate([z_gmm_l, np.broadcast_to(ones, (n, *ones.shape))], axis=2)
                names.append("const")
                counts["constant"] = 1
            z = block_diagonal(z_gmm_d, z_gmm_l)
            if iv_lev is not None:
                z_iv_d = np.nan_to_num(
                    np.stack([diff(iv_lev[:, :, k], diff_periods) for k in range(iv_lev.shape[2])], axis=2)
                )
                z_iv_l = np.nan_to_num(iv_lev[:, list(level_periods), :])
                z = np.concatenate([z, block_diagonal(z_iv_d, z_iv_l)], axis=2)
                counts["iv"] = z_iv_d.shape[2] + z_iv_l.shape[2]
            y = np.concatenate([y_d, y_l], axis=1)
            x = np.concatenate([x_d, x_l], axis=1)
            mask = np.concatenate([used_d, used_l], axis=1)
            h = system_weight(len(level_periods))
            used, level_used = used_d, used_l
        y = np.where(mask, y, 0.0)
        x = np.where(mask[:, :, None], np.nan_to_num(x), 0.0)
        z = np.where(mask[:, :, None], z, 0.0)
        return _Stacked(
            y=y,
            x=x,
            z=z,
            h=h,
            names=names,
            n_diff=len(diff_periods),
            diff_used=used,
            level_used=level_used,
            instrument_counts=counts,
        )

    # ------------------------------------------------------------------ estimation
    def fit(self, *, steps: Literal[1, 2] = 2, cov_type: GMMCov | None = None) -> Results:
        """Estimate; ``cov_type`` defaults to ``clustered`` (one step: clustered by entity, Arellano-Bond's robust
        covariance) or ``windmeijer`` (two steps: clustered by entity with Windmeijer's finite-sample correction).
        The vocabulary is the other estimators': ``robust`` (heteroskedasticity only) does not exist here."""
        if steps not in (1, 2):
            raise EstimationError(f"steps must be 1 or 2; got {steps!r}")
        cov_type = cov_type or ("clustered" if steps == 1 else "windmeijer")
        allowed = {1: ("clustered",), 2: ("windmeijer", "unadjusted")}[steps]
        if cov_type == "robust":
            raise EstimationError(
                "cov_type 'robust' does not apply to GMM: its one-step covariance is clustered by entity "
                "(write 'clustered'); two steps: 'windmeijer' or 'unadjusted'"
            )
        if cov_type not in allowed:
            raise EstimationError(f"cov_type {cov_type!r} is not available with {steps} step(s); use one of {allowed}")
        s = self._stack()
        n_obs = int(s.diff_used.sum()) + (int(s.level_used.sum()) if s.level_used is not None else 0)
        xs = s.x.reshape(-1, s.x.shape[2])
        if np.linalg.matrix_rank(xs) < xs.shape[1]:
            raise NotIdentifiedError(
                f"singular design: the regressors {s.names} are perfectly collinear in the estimation sample"
            )
        zx = np.einsum("nrl,nrk->lk", s.z, s.x, optimize=True)
        zy = np.einsum("nrl,nr->l", s.z, s.y, optimize=True)
        zhz = np.einsum("nrl,rq,nqm->lm", s.z, s.h, s.z, optimize=True)
        a1, pinv1 = _inverse(zhz)
        beta1, b1 = _gmm_step(zx, zy, a1)
        u1 = s.y - np.einsum("nrk,k->nr", s.x, beta1, optimize=True)
        g1 = np.einsum("nrl,nr->nl", s.z, u1, optimize=True)
        big_s = g1.T @ g1
        if steps == 2:
            rank = int(np.linalg.matrix_rank(big_s))
            if rank < big_s.shape[0]:
                units = int((np.abs(g1).sum(axis=1) > 0).sum())
                raise NotIdentifiedError(
                    f"not identified: the two-step weight matrix has rank {rank} < {big_s.shape[0]} instruments "
                    f"({units} units); its inverse, and so the two-step estimate, is not defined (R's pgmm refuses "
                    "it as computationally singular): use steps = 1, collapse the instruments or restrict the lags"
                )
        a2, pinv2 = _inverse(big_s)
        v1_robust = b1 @ zx.T @ a1 @ big_s @ a1 @ zx @ b1
        if steps == 1:
            beta, resid, cov, a_used, b_used = beta1, u1, v1_robust, a1, b1
        else:
            beta, b2 = _gmm_step(zx, zy, a2)
            resid = s.y - np.einsum("nrk,k->nr", s.x, beta, optimize=True)
            a_used, b_used = a2, b2
            cov = b2 if cov_type == "unadjusted" else _windmeijer(s, u1, resid, zx, a2, b2, v1_robust)
        g = np.einsum("nrl,nr->l", s.z, resid, optimize=True)
        n_instr = s.z.shape[2]
        k = len(beta)
        hansen = float(g @ a2 @ g)  # S from the one-step residuals: the two-step criterion
        diagnostics = {
            "n_instruments": n_instr,
            "instrument_counts": s.instrument_counts,
            "n_entities": int((s.diff_used.sum(axis=1) > 0).sum()),
            "n_periods": len(self.periods),
            "nobs_difference": int(s.diff_used.sum()),
            "hansen_j": {"stat": hansen, "df": n_instr - k, "pvalue": float(stats.chi2.sf(hansen, n_instr - k))},
            "steps": steps,
            "transformation": self.transformation,
            "generalised_inverse_used": bool(pinv1 or pinv2),
        }
        if s.level_used is not None:
            diagnostics["nobs_level"] = int(s.level_used.sum())
        for order in (1, 2):
            diagnostics[f"ar{order}"] = _ar_test(s, resid, order, zx, a_used, b_used, cov)
        params = pd.Series(beta, index=s.names)
        cov_frame = pd.DataFrame(cov, index=s.names, columns=s.names)
        return Results(
            estimator=f"{self.transformation}_gmm",
            params=params,
            std_errors=pd.Series(_standard_errors(cov), index=s.names),
            cov=cov_frame,
            nobs=n_obs,
            df_resid=n_obs - k,
            cov_type=cov_type,
            diagnostics=diagnostics,
            dist="normal",
            spec={
                "dependent": self.dependent,
                "regressors": self.regressors,
                "iv": self.iv,
                "gmm": [{"variable": g.variable, "lags": list(g.lags), "collapse": g.collapse} for g in self.gmm],
                "transformation": self.transformation,
                "time_effects": self.time_effects,
                "steps": steps,
                "entity": self.entity,
                "time": self.time,
            },
            data_checksum=frame_checksum(self.data[[self.entity, self.time, *self._columns]]),
        )


def _standard_errors(cov: np.ndarray) -> np.ndarray:
    """Square roots of the variances; a negative variance (a degenerate, not identified model) gives NaN."""
    diagonal = np.diag(cov)
    return np.where(diagonal >= 0, np.sqrt(np.abs(diagonal)), np.nan)


def _period_dummies(periods: int, *, differenced: bool) -> np.ndarray:
    """Time dummies for the stacked equations (rows = periods of the equations).

    Differenced equations (difference GMM): differenced dummies of the equation periods, which span
    the same space as one dummy per period. Level equations: an intercept and dummies for all periods
    but the first.
    """
    if differenced:
        eye = np.eye(periods + 1)
        return np.diff(eye, axis=0)[:, 1:]
    out = np.zeros((periods, periods))
    out[:, 0] = 1.0
    out[1:, 1:] = np.eye(periods - 1)
    return out


def _inverse(matrix: np.ndarray, eps: float = 1e-9) -> tuple[np.ndarray, bool]:
    """Inverse, or the Moore-Penrose inverse when the matrix is singular (reported in diagnostics)."""
    smallest = np.min(np.abs(np.linalg.eigvalsh((matrix + matrix.T) / 2)))
    if smallest < eps * max(1.0, np.max(np.abs(matrix))):
        return np.linalg.pinv(matrix), True
    return np.linalg.inv(matrix), False


def _gmm_step(zx: np.ndarray, zy: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = zx.T @ a @ zx
    try:
        b = np.linalg.inv(m)
    except np.linalg.LinAlgError as exc:
        raise EstimationError("singular GMM normal equations: too few instruments or collinear regressors") from exc
    return b @ (zx.T @ a @ zy), b


def _windmeijer(
    s: _Stacked, u1: np.ndarray, u2: np.ndarray, zx: np.ndarray, a2: np.ndarray, b2: np.ndarray, v1: np.ndarray
) -> np.ndarray:
    """Windmeijer (2005) corrected covariance of the two-step estimator."""
    g1 = np.einsum("nrl,nr->nl", s.z, u1, optimize=True)  # Z_i' u1_i
    p = np.einsum("nrl,nrk->nkl", s.z, s.x, optimize=True)  # Z_i' x_ik
    ze2 = np.einsum("nrl,nr->l", s.z, u2, optimize=True)
    right = a2 @ ze2
    d = np.empty_like(b2)
    for k in range(b2.shape[0]):
        dk = -(p[:, k, :].T @ g1 + g1.T @ p[:, k, :])  # dS/dθ_k
        d[:, k] = -b2 @ zx.T @ a2 @ dk @ right
    return b2 + d @ b2 + (d @ b2).T + d @ v1 @ d.T


def _ar_test(
    s: _Stacked, resid: np.ndarray, order: int, zx: np.ndarray, a: np.ndarray, b: np.ndarray, cov: np.ndarray
) -> dict:
    """Arellano-Bond test of order ``order`` on the differenced residuals (their eq. 8)."""
    nd = s.n_diff
    if order >= nd:
        return {"stat": float("nan"), "pvalue": float("nan")}
    e = np.zeros_like(resid)
    e[:, :nd] = resid[:, :nd]
    el = np.zeros_like(resid)
    el[:, order:nd] = resid[:, : nd - order]
    num = float(np.sum(e * el))
    eve = float(np.sum(np.sum(e * el, axis=1) ** 2))
    ex = np.einsum("nr,nrk->k", el, s.x, optimize=True)
    zve = np.einsum("nrl,nr,n->l", s.z, e, np.sum(e * el, axis=1), optimize=True)
    denom = eve - 2 * ex @ b @ zx.T @ a @ zve + ex @ cov @ ex
    stat = num / np.sqrt(denom) if denom > 0 else float("nan")
    return {"stat": float(stat), "pvalue": float(2 * stats.norm.sf(abs(stat)))}
