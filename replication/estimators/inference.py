r"""Wild cluster bootstrap (restricted, WCR) for linear models with few clusters.

For :math:`H_0: \beta_j = b_0` in :math:`y = X\beta + u` with clusters :math:`g = 1..G` (entity effects
swept out beforehand):

1. restricted fit :math:`\tilde\beta` (with :math:`\tilde\beta_j = b_0`), residuals :math:`\tilde u`;
2. for each draw *b*: :math:`y^* = X\tilde\beta + \tilde u \circ v_{g(i)}`, with cluster weights
   :math:`v_g` Rademacher (:math:`\pm 1`) or Webb's six-point (:math:`\pm\sqrt{3/2}, \pm 1, \pm\sqrt{1/2}`);
3. :math:`t^*_b = (\hat\beta^*_j - b_0)/se^*_j` with the CR1 standard error;
4. p-value :math:`= B^{-1}\sum_b 1\{|t^*_b| \ge |t|\}` (symmetric, two-sided).

Confidence intervals invert the test: the bounds are the :math:`b_0` where the p-value crosses
:math:`1 - \text{level}`, found by bisection with the same draws for every :math:`b_0`
(Cameron, Gelbach and Miller 2008; Roodman, MacKinnon, Nielsen and Webb 2019). The same inversion at the
nested levels of :data:`DISTRIBUTION_LEVELS` gives the estimate's confidence distribution (the bounds at level
*L* are its quantiles at :math:`(1 \mp L)/2`, the estimate its median), which the trade-off stage draws from.

The draws are vectorised: with :math:`P = (X'X)^{-1}X'`, :math:`\hat\beta^* - \tilde\beta = M v`,
:math:`M_{\cdot g} = P_g \tilde u_g`, and the cluster scores of :math:`\hat\beta^*_j` are :math:`C v` with
:math:`C = \mathrm{diag}(a_j'X_g'\tilde u_g) - Q M`, :math:`Q_{g\cdot} = a_j'X_g'X_g` (:math:`a_j` the j-th
row of :math:`(X'X)^{-1}`). All of it is linear in the null value :math:`b_0`, so it is computed once per
coefficient and each null value of the test inversion costs :math:`O(B)`. With Rademacher weights and
:math:`2^G \le B` all sign patterns are enumerated (the exact bootstrap distribution).
Draws use ``numpy.random.Generator(PCG64(seed))``: the same seed gives the same numbers.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from replication.estimators.data import EstimationError

Weights = Literal["rademacher", "webb"]
#: levels of the nested intervals stored as an estimate's confidence distribution (with the spec's own level)
DISTRIBUTION_LEVELS = (0.2, 0.4, 0.6, 0.8, 0.9, 0.99, 0.998)
WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


@dataclass(frozen=True)
class BootstrapOptions:
    """Options of the wild cluster bootstrap (a spec's ``[inference.bootstrap]`` table)."""

    draws: int = 9999
    weights: Weights = "webb"
    seed: int = 20261123
    level: float = 0.95
    terms: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.weights not in ("rademacher", "webb"):
            raise EstimationError(f"bootstrap weights must be 'rademacher' or 'webb'; got {self.weights!r}")
        if self.draws < 99:
            raise EstimationError(f"bootstrap draws must be at least 99; got {self.draws}")


def draw_weights(groups: int, *, draws: int, weights: Weights, seed: int) -> tuple[np.ndarray, bool]:
    """(G, B) matrix of cluster weights and whether it is the full enumeration."""
    if weights == "rademacher" and 2**groups <= draws:
        return np.array(list(itertools.product([-1.0, 1.0], repeat=groups))).T, True
    rng = np.random.Generator(np.random.PCG64(seed))
    if weights == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(groups, draws)), False
    return rng.choice(WEBB, size=(groups, draws)), False


def combination_basis(x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, int]:
    r"""Regressors in the basis where coefficient ``k0`` is :math:`g'\beta`: with :math:`A` the identity whose
    row :math:`k_0` (the term with the largest :math:`|g_k|`) is :math:`g'`, :math:`X\beta = (XA^{-1})(A\beta)`
    and :math:`(A\beta)_{k_0} = g'\beta`."""
    nonzero = np.flatnonzero(g)
    k0 = int(nonzero[np.argmax(np.abs(g[nonzero]))])
    a = np.eye(len(g))
    a[k0] = g
    return x @ np.linalg.inv(a), k0


class WildClusterBootstrap:
    """Restricted wild cluster bootstrap of ``t``-tests on single coefficients of ``y = X b + u``."""

    def __init__(self, y: np.ndarray, x: np.ndarray, clusters: np.ndarray, *, options: BootstrapOptions) -> None:
        self.y, self.x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
        uniques, codes = np.unique(np.asarray(clusters), return_inverse=True)
        self.codes, self.groups = codes.ravel(), len(uniques)
        if self.groups < 2:
            raise EstimationError("the wild cluster bootstrap needs at least 2 clusters")
        n, k = self.x.shape
        self.n, self.k = n, k
        self.xtx_inv = np.linalg.inv(self.x.T @ self.x)
        self.beta = self.xtx_inv @ self.x.T @ self.y
        self.resid = self.y - self.x @ self.beta
        self.factor = self.groups / (self.groups - 1) * (n - 1) / (n - k)  # CR1
        self.options = options
        self.v, self.enumerated = draw_weights(
            self.groups, draws=options.draws, weights=options.weights, seed=options.seed
        )
        # cluster sums are taken with a one-hot (n, G) matrix
        self.onehot = np.zeros((n, self.groups))
        self.onehot[np.arange(n), self.codes] = 1.0
        self._se: dict[int, float] = {}
        self._parts: dict[int, tuple[np.ndarray, ...]] = {}

    def _cluster_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum rows of ``values`` (n, ...) within clusters -> (G, ...)."""
        return np.tensordot(self.onehot, values, axes=(0, 0))

    def se(self, j: int) -> float:
        """CR1 standard error of coefficient ``j`` of the original fit (computed once per coefficient)."""
        if j not in self._se:
            scores = self._cluster_sum(self.x * self.resid[:, None]) @ self.xtx_inv[j]
            self._se[j] = float(np.sqrt(self.factor * np.sum(scores**2)))
        return self._se[j]

    def tstat(self, j: int, null: float) -> float:
        return (self.beta[j] - null) / self.se(j)

    def pvalue(self, j: int, null: float) -> float:
        """Bootstrap p-value of H0: beta_j = null. A draw whose statistic is undefined (0/0: the draw leaves
        no variation in the cluster scores) counts as at least as extreme as the sample (conservative); ties
        are counted as at least as extreme."""
        t = abs(self.tstat(j, null))
        t_star = np.abs(self._t_star(j, null))
        # ties within a relative 1e-7: far from the estimate the t* of the draws that reproduce the sample
        # (constant weights) differs from t by rounding only (relative error ~ eps |null - beta| / se)
        return float(np.mean(~(t_star < t * (1 - 1e-7) - 1e-12)))

    def _linear_parts(self, j: int) -> tuple[np.ndarray, ...]:
        r"""The bootstrap statistics of coefficient ``j`` are linear in the null value: with :math:`u_y`,
        :math:`u_x` the residuals of :math:`y` and :math:`x_j` on the other columns, the restricted residuals are
        :math:`\tilde u = u_y - b_0 u_x`, so the draws' numerators are :math:`d_y - b_0 d_x` and their cluster
        scores :math:`P_y - b_0 P_x` (:math:`G \times B`), whose sums of squares per draw are
        :math:`a - 2 b_0 b + b_0^2 c` (:math:`a, b, c`: the per-draw sums of :math:`P_y^2`, :math:`P_y P_x`,
        :math:`P_x^2`). Computed once per coefficient; each null value then costs :math:`O(B)` instead of a
        least-squares fit and :math:`O(nK + G^2 B)`."""
        if j not in self._parts:
            others = [c for c in range(self.k) if c != j]
            xr = self.x[:, others]
            both = np.column_stack([self.y, self.x[:, j]])
            coef = np.linalg.lstsq(xr, both, rcond=None)[0]
            residuals = both - xr @ coef  # (n, 2): u_y, u_x
            a_j = self.xtx_inv[j]
            q = self._cluster_sum(self.x * (self.x @ a_j)[:, None])  # (G, K) = a_j' X_g' X_g
            parts = []
            for u in residuals.T:
                xu = self._cluster_sum(self.x * u[:, None])  # (G, K) = X_g' u_g
                m = self.xtx_inv @ xu.T  # (K, G)
                c = np.diag(xu @ a_j) - q @ m  # (G, G)
                parts.append((m[j] @ self.v, c @ self.v))
            (d_y, p_y), (d_x, p_x) = parts
            # sum over clusters of (P_y - b0 P_x)^2 = a - 2 b0 b + b0^2 c, per draw
            sums = (np.sum(p_y**2, axis=0), np.sum(p_y * p_x, axis=0), np.sum(p_x**2, axis=0))
            self._parts[j] = (d_y, d_x, *sums)
        return self._parts[j]

    def _t_star(self, j: int, null: float) -> np.ndarray:
        d_y, d_x, a, b, c = self._linear_parts(j)
        diff = d_y - null * d_x  # beta*_j - null
        squares = np.maximum(a - 2 * null * b + null**2 * c, 0.0)  # rounding never makes it negative
        se_star = np.sqrt(self.factor * squares)
        with np.errstate(divide="ignore", invalid="ignore"):
            return diff / se_star

    def confidence_interval(
        self, j: int, *, level: float | None = None, tol: float = 1e-6, max_steps: int = 200
    ) -> tuple[float, float]:
        """Bounds where the bootstrap p-value crosses 1 - level (test inversion by bisection).

        A bound is infinite when the p-value does not fall below 1 - level within 2^20 standard errors: the
        confidence set is unbounded on that side. This is always so when the enumerated Rademacher
        distribution has too few sign patterns (the two constant patterns reproduce the sample statistic, so
        p >= 2 / 2^G, e.g. 0.0625 with G = 5) and can happen with Webb weights and very few clusters. A
        bound is NaN when the standard error of the fit is zero or not finite. The bisection stops at a
        relative width ``tol`` or after ``max_steps`` halvings, so it ends for any data.
        """
        alpha = 1 - (level if level is not None else self.options.level)
        centre, scale = float(self.beta[j]), self.se(j)
        if not (math.isfinite(scale) and scale > 0 and math.isfinite(centre)):
            return math.nan, math.nan
        if self.enumerated and 2 / self.v.shape[1] > alpha:
            return -math.inf, math.inf
        bounds = []
        for direction in (-1.0, 1.0):
            inner, outer = centre, centre + direction * 2 * scale
            for _ in range(20):  # up to 2^20 standard errors away: beyond, rounding decides, not the data
                if self.pvalue(j, outer) < alpha:
                    break
                inner, outer = outer, centre + 2 * (outer - centre)
            else:
                bounds.append(direction * math.inf)
                continue
            for _ in range(max_steps):
                if abs(outer - inner) <= tol * max(scale, 1e-12 * abs(inner)):
                    break
                middle = (inner + outer) / 2
                if self.pvalue(j, middle) >= alpha:
                    inner = middle
                else:
                    outer = middle
            bounds.append((inner + outer) / 2)
        return bounds[0], bounds[1]

    def restricted_combination(self, g: np.ndarray, *, level: float | None = None) -> dict:
        r"""Restricted wild bootstrap (WCR) for :math:`c = g'\beta`, on the same draws as the coefficients' tests:
        in the basis :math:`XA^{-1}` (:func:`combination_basis`) :math:`c` is one coefficient, whose p-value of
        :math:`c = 0` and test-inversion interval are those of :meth:`pvalue` and :meth:`confidence_interval`.
        For :math:`g = a e_k` the p-value is coefficient *k*'s (the t-statistic is invariant to the scale), so a
        contribution of one term never disagrees with that term's test."""
        level = level if level is not None else self.options.level
        xb, k0 = combination_basis(self.x, np.asarray(g, dtype=float))
        engine = WildClusterBootstrap(self.y, xb, self.codes, options=self.options)
        low, high = engine.confidence_interval(k0, level=level)
        return {
            "estimate": float(engine.beta[k0]),
            "std_error": engine.se(k0),
            "p_value": engine.pvalue(k0, 0.0),
            "conf_low": low,
            "conf_high": high,
            "level": level,
            "draws": int(engine.v.shape[1]),
            "weights": self.options.weights,
            "seed": self.options.seed,
        }

    def confidence_distribution(self, j: int, levels: tuple[float, ...] = DISTRIBUTION_LEVELS) -> dict:
        r"""The test-inversion intervals of coefficient ``j`` at ``levels`` and the spec's level, nested (each
        bound at least as far from the estimate as the one of the level below: the bisections' tolerance could
        otherwise cross two close levels): ``{"levels", "low", "high"}``, the bounds at level *L* being the
        confidence distribution's quantiles at :math:`(1 \mp L)/2`. An unbounded side stays infinite."""
        grid = sorted({*levels, self.options.level})
        bounds = np.array([self.confidence_interval(j, level=level) for level in grid])
        low = np.minimum.accumulate(bounds[:, 0])
        high = np.maximum.accumulate(bounds[:, 1])
        return {"levels": grid, "low": low.tolist(), "high": high.tolist()}

    def summary(self, j: int, *, null: float = 0.0, interval: bool = True) -> dict:
        """p-value (H0: beta_j = null), interval, confidence distribution (:meth:`confidence_distribution`)
        and the settings, as stored in ``Results.bootstrap``."""
        out = {
            "p_value": self.pvalue(j, null),
            "null": null,
            "draws": int(self.v.shape[1]),
            "weights": self.options.weights,
            "seed": self.options.seed,
            "enumerated": self.enumerated,
            "clusters": self.groups,
        }
        if interval:
            out["distribution"] = self.confidence_distribution(j)
            at = out["distribution"]["levels"].index(self.options.level)
            out["conf_low"], out["conf_high"] = out["distribution"]["low"][at], out["distribution"]["high"][at]
            out["level"] = self.options.level
        return out
