r"""Restricted feasible GLS for a system of *M* linear equations on common rows (the core of
:func:`~replication.estimators.system.estimate_sur`), on NumPy arrays.

Equation *m*: :math:`y_m = X_m\beta_m + u_m` (*n* rows, :math:`k_m` columns), stacked
:math:`\beta = (\beta_1', \dots, \beta_M')'` with *K* elements, :math:`\mathrm{Var}(u_t) = \Sigma` across
equations. For a weight :math:`W` (*M* x *M*) write :math:`A(W) = X'(W \otimes I_n)X` (block *(i, j)*:
:math:`W_{ij}X_i'X_j`) and :math:`b(W) = X'(W \otimes I_n)y` (block *i*: :math:`\sum_j W_{ij}X_i'y_j`); both come from
the one cross-product :math:`[X_1 \dots X_M]'[X_1 \dots X_M\; y_1 \dots y_M]`, so an iteration costs
:math:`O(K^2)` besides the residuals.

Restrictions :math:`R\beta = q` (*J* linearly independent rows): :math:`\beta = T\theta + a` with *T* an
orthonormal basis of the null space of *R* and :math:`a = R^+q`; then
:math:`\hat\theta = (T'AT)^{-1}T'(b - Aa)`.

- ``ols``: :math:`W = I` (equation by equation, the restrictions imposed).
- ``fgls``: one step with :math:`W = \hat\Sigma_0^{-1}`, :math:`\hat\Sigma_0 = \hat E_0'\hat E_0/n` from the OLS
  residuals.
- ``iterated``: re-estimate :math:`\hat\Sigma` from the residuals and repeat until the root mean square change of
  :math:`\hat\beta` is below ``tol`` (maximum likelihood at convergence).

Covariances, with :math:`P = T(T'AT)^{-1}T'` for the weight the estimates used (:math:`S = \hat\Sigma` of the last
step, :math:`W = S^{-1}`) and :math:`F = \hat E'\hat E/n` at the final residuals (iterated; ``fgls``: *S*):

- ``unadjusted``: GLS :math:`P\,A(WFW)\,P`; OLS :math:`P\,A(S)\,P` with *P* from :math:`A(I)`.
- ``robust``: :math:`P\,(\sum_t g_t g_t')\,P` with the scores :math:`g_t` (block *j*: :math:`X_{jt}(W\hat e_t)_j`, OLS
  :math:`X_{jt}\hat e_{jt}`).
- ``clustered``: :math:`\frac{G}{G-1} P\,(\sum_g s_g s_g')\,P`, :math:`s_g = \sum_{t \in g} g_t`.

These are the formulas of linearmodels' ``SUR`` (``method="gls"``, ``iterate``, ``tol``, ``add_constraints``,
``HomoskedasticCovariance``, ``HeteroskedasticCovariance``, ``ClusteredCovariance`` with ``group_debias`` rescaled
to :math:`G/(G-1)`), including its stopping rule; ``tests/test_sur_gls.py`` checks every method x covariance x
restriction combination against linearmodels to 1e-9 and ``tests/reference/sur`` against R systemfit. Written
here because linearmodels' checks of its pandas inputs took more than half the time of a share system's fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from replication.estimators.data import EstimationError


@dataclass(frozen=True)
class SystemFit:
    """Estimates of one system: stacked ``params`` and ``cov`` (*K*), the weighting ``sigma`` of the last step
    (*M* x *M*), the unweighted ``resids`` (*n* x *M*), the GLS steps taken (0 for ``ols``) and each equation's
    R² (centred when it has a constant)."""

    params: np.ndarray
    cov: np.ndarray
    sigma: np.ndarray
    resids: np.ndarray
    iterations: int
    rsquared: np.ndarray


def restriction_basis(r: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""``(T, a)`` with :math:`\{\beta: R\beta = q\} = \{T\theta + a\}`: *T* the right singular vectors of *R*
    beyond its rank, :math:`a = R^+q`. Raises if the rows of *R* are not linearly independent."""
    r = np.atleast_2d(np.asarray(r, dtype=float))
    _, singular, vt = np.linalg.svd(r)
    rank = int((singular > singular.max(initial=0.0) * max(r.shape) * np.finfo(float).eps).sum())
    if rank < r.shape[0]:
        raise EstimationError(f"the {r.shape[0]} restrictions are not linearly independent (rank {rank})")
    return vt[rank:].T, np.linalg.pinv(r) @ np.asarray(q, dtype=float)


def fit_system(
    ys: np.ndarray,
    xs: list[np.ndarray],
    *,
    method: Literal["ols", "fgls", "iterated"] = "iterated",
    cov_type: Literal["unadjusted", "robust", "clustered"] = "unadjusted",
    restrictions: tuple[np.ndarray, np.ndarray] | None = None,
    clusters: np.ndarray | None = None,
    constant: list[bool] | None = None,
    totals: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> SystemFit:
    """Fit the system ``ys[:, m] = xs[m] @ beta_m`` (see the module for the mathematics). ``restrictions``:
    ``(R, q)``; ``clusters``: integer codes 0..G-1 per row (``cov_type="clustered"``); ``constant``: which
    equations have a constant (for R²); ``totals``: the dependent variables each R² is measured against when
    ``ys`` were swept of absorbed effects first (default ``ys``)."""
    if method not in ("ols", "fgls", "iterated"):
        raise EstimationError(f"method must be 'ols', 'fgls' or 'iterated'; got {method!r}")
    if cov_type not in ("unadjusted", "robust", "clustered"):
        raise EstimationError(f"cov_type must be 'unadjusted', 'robust' or 'clustered'; got {cov_type!r}")
    ys = np.asarray(ys, dtype=float)
    n, m = ys.shape
    if len(xs) != m:
        raise EstimationError(f"{m} dependent variables but {len(xs)} regressor blocks")
    if cov_type == "clustered":
        if clusters is None or len(clusters) != n or np.min(clusters, initial=0) < 0:
            raise EstimationError(f"a clustered covariance needs a non-negative cluster code for each of the {n} rows")
        groups, clusters = np.unique(clusters, return_inverse=True)  # codes 0..G-1 whatever was given
        if len(groups) < 2:
            raise EstimationError("a clustered covariance needs at least two clusters")
    owner = np.repeat(np.arange(m), [x.shape[1] for x in xs])  # the equation of each stacked parameter
    x_all = np.hstack(xs)
    k = x_all.shape[1]
    cross = x_all.T @ np.hstack([x_all, ys])
    xx, xy = cross[:, :k], cross[:, k:]
    if restrictions is None:
        basis, shift = np.eye(k), np.zeros(k)
    else:
        basis, shift = restriction_basis(*restrictions)

    def a_of(w: np.ndarray) -> np.ndarray:
        return xx * w[np.ix_(owner, owner)]

    def solve(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = a_of(w)
        b = (xy * w[owner]).sum(axis=1)
        theta = np.linalg.solve(basis.T @ a @ basis, basis.T @ (b - a @ shift))
        return basis @ theta + shift, a

    def residuals(beta: np.ndarray) -> np.ndarray:
        stacked = np.zeros((k, m))
        stacked[np.arange(k), owner] = beta
        return ys - x_all @ stacked

    identity = np.eye(m)
    beta, a = solve(identity)
    resid = residuals(beta)
    sigma = resid.T @ resid / n
    iterations = 0
    gls = method != "ols"
    if gls:
        start, delta = sigma, np.inf
        while (iterations == 0 or (method == "iterated" and iterations < max_iter)) and delta >= tol:
            sigma = resid.T @ resid / n
            new, a = solve(np.linalg.inv(sigma))
            resid = residuals(new)
            delta = float(np.sqrt(np.mean((new - beta) ** 2)))
            beta, iterations = new, iterations + 1
        final = resid.T @ resid / n if method == "iterated" else start
    weight = np.linalg.inv(sigma) if gls else identity
    bread = basis @ np.linalg.inv(basis.T @ a @ basis) @ basis.T
    if cov_type == "unadjusted":
        meat = a_of(weight @ final @ weight) if gls else a_of(sigma)
    else:
        scores = x_all * (resid @ weight)[:, owner]
        if cov_type == "robust":
            meat = scores.T @ scores
        else:
            g = len(groups)
            sums = np.zeros((g, k))
            np.add.at(sums, clusters, scores)
            meat = sums.T @ sums * g / (g - 1)
    cov = bread @ meat @ bread
    cov = (cov + cov.T) / 2
    has_constant = np.zeros(m, dtype=bool) if constant is None else np.asarray(constant, dtype=bool)
    reference = ys if totals is None else np.asarray(totals, dtype=float)
    centred = reference - np.where(has_constant, reference.mean(axis=0), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rsquared = 1.0 - (resid**2).sum(axis=0) / (centred**2).sum(axis=0)
    return SystemFit(
        params=beta, cov=cov, sigma=sigma, resids=resid, iterations=iterations, rsquared=np.asarray(rsquared)
    )
