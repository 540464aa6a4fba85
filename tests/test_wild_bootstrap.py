"""Wild cluster bootstrap: exact agreement with a brute-force implementation (statsmodels refits over all
Rademacher sign patterns), size under the null, test inversion, reproducibility."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import statsmodels.api as sm

from replication.estimators.data import EstimationError
from replication.estimators.inference import BootstrapOptions, WildClusterBootstrap


def _data(rng: np.random.Generator, groups: int, per: int, beta: float = 0.0):
    n = groups * per
    clusters = np.repeat(np.arange(groups), per)
    x = np.column_stack([np.ones(n), rng.normal(size=n) + np.repeat(rng.normal(size=groups), per), rng.normal(size=n)])
    u = np.repeat(rng.normal(size=groups), per) + rng.normal(size=n) * (1 + np.abs(x[:, 1]))
    y = x @ np.array([1.0, beta, 0.5]) + u
    return y, x, clusters


def test_enumeration_matches_brute_force_statsmodels():
    """G = 6: all 64 Rademacher patterns; each bootstrap sample refitted by statsmodels OLS with CR1."""
    rng = np.random.default_rng(3)
    y, x, clusters = _data(rng, 6, 15, beta=0.3)
    null = 0.1
    boot = WildClusterBootstrap(y, x, clusters, options=BootstrapOptions(draws=999, weights="rademacher"))
    assert boot.enumerated

    def cr1_t(yy):
        fit = sm.OLS(yy, x).fit(cov_type="cluster", cov_kwds={"groups": clusters})
        return (fit.params[1] - null) / fit.bse[1]

    t0 = cr1_t(y)
    restricted = sm.OLS(y - null * x[:, 1], x[:, [0, 2]]).fit()
    fitted = restricted.fittedvalues + null * x[:, 1]
    t_star = []
    for signs in itertools.product([-1.0, 1.0], repeat=6):
        v = np.asarray(signs)[clusters]
        t_star.append(cr1_t(fitted + restricted.resid * v))
    brute = np.mean(np.abs(t_star) >= abs(t0) - 1e-12)
    assert boot.tstat(1, null) == pytest.approx(t0, rel=1e-10)
    assert boot.pvalue(1, null) == brute
    np.testing.assert_allclose(np.sort(np.abs(boot._t_star(1, null))), np.sort(np.abs(t_star)), rtol=1e-9)


@pytest.mark.slow
def test_size_under_the_null_with_few_clusters():
    """400 simulated samples, G = 10 heterogeneous clusters, 199 Webb draws: rejection rate at 5 % within
    Monte Carlo error (s.e. 0.011)."""
    rng = np.random.default_rng(11)
    rejections = []
    for replication in range(400):
        y, x, clusters = _data(rng, 10, 20, beta=0.0)
        boot = WildClusterBootstrap(y, x, clusters, options=BootstrapOptions(draws=199, seed=replication))
        rejections.append(boot.pvalue(1, 0.0) < 0.05)
    assert 0.025 <= np.mean(rejections) <= 0.075


def test_interval_inverts_the_test_and_is_reproducible():
    rng = np.random.default_rng(5)
    y, x, clusters = _data(rng, 20, 10, beta=0.4)
    options = BootstrapOptions(draws=999, seed=99)
    boot = WildClusterBootstrap(y, x, clusters, options=options)
    low, high = boot.confidence_interval(1)
    assert low < boot.beta[1] < high
    scale = boot.se(1)
    assert boot.pvalue(1, low + 1e-3 * scale) >= 0.05 > boot.pvalue(1, low - 1e-3 * scale)
    assert boot.pvalue(1, high - 1e-3 * scale) >= 0.05 > boot.pvalue(1, high + 1e-3 * scale)
    again = WildClusterBootstrap(y, x, clusters, options=options).summary(1)
    assert again == boot.summary(1)


def test_the_confidence_distribution_nests_the_intervals_and_holds_the_main_one():
    rng = np.random.default_rng(11)
    y, x, clusters = _data(rng, 14, 12, beta=0.3)
    boot = WildClusterBootstrap(y, x, clusters, options=BootstrapOptions(draws=999, seed=3, level=0.9))
    summary = boot.summary(1)
    dist = summary["distribution"]
    assert dist["levels"] == sorted(dist["levels"]) and 0.9 in dist["levels"]
    assert np.all(np.diff(dist["low"]) <= 0) and np.all(np.diff(dist["high"]) >= 0)  # nested
    at = dist["levels"].index(0.9)
    assert (summary["conf_low"], summary["conf_high"]) == (dist["low"][at], dist["high"][at])
    np.testing.assert_allclose([summary["conf_low"], summary["conf_high"]], boot.confidence_interval(1), atol=1e-6)
    inner = dist["levels"].index(0.2)
    low, high = boot.confidence_interval(1, level=0.2)
    assert dist["low"][inner] <= low and dist["high"][inner] >= high


def test_options_are_checked():
    with pytest.raises(EstimationError, match="weights must be 'rademacher' or 'webb'"):
        BootstrapOptions(weights="mammen")
    with pytest.raises(EstimationError, match="at least 99"):
        BootstrapOptions(draws=10)


def test_restricted_combination_matches_brute_force_and_a_single_terms_test():
    """WCR for g'beta, all 2^6 sign patterns: y* = X b_tilde + u_tilde * v with b_tilde the least-squares fit under
    g'b = 0, t* from statsmodels refits; and for g = a e_k the p-value and interval of coefficient k itself."""
    rng = np.random.default_rng(9)
    y, x, clusters = _data(rng, 6, 12, beta=0.2)
    boot = WildClusterBootstrap(y, x, clusters, options=BootstrapOptions(draws=999, weights="rademacher"))
    g = np.array([0.0, 2.0, -1.0])
    out = boot.restricted_combination(g)
    base = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    t = (g @ base.params) / np.sqrt(g @ base.cov_params() @ g)
    xtx_inv = np.linalg.inv(x.T @ x)
    b_tilde = base.params - xtx_inv @ g * (g @ base.params) / (g @ xtx_inv @ g)
    fitted, resid = x @ b_tilde, y - x @ b_tilde
    t_star = []
    for signs in itertools.product([-1.0, 1.0], repeat=6):
        fit = sm.OLS(fitted + resid * np.asarray(signs)[clusters], x).fit(
            cov_type="cluster", cov_kwds={"groups": clusters}
        )
        t_star.append((g @ fit.params) / np.sqrt(g @ fit.cov_params() @ g))
    assert out["estimate"] == pytest.approx(g @ base.params, rel=1e-10)
    assert out["p_value"] == pytest.approx(np.mean(np.abs(t_star) >= abs(t) * (1 - 1e-7)), abs=1e-12)
    single = boot.restricted_combination(np.array([0.0, -3.0, 0.0]))
    assert single["p_value"] == boot.pvalue(1, 0.0)
    low, high = boot.confidence_interval(1)
    assert sorted([single["conf_low"], single["conf_high"]]) == pytest.approx(sorted([-3 * low, -3 * high]), rel=1e-5)
