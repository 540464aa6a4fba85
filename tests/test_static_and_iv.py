"""Static panel and IV estimators against R plm (tests/reference/panel/SOURCE.md) and statsmodels LSDV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from replication.estimators.data import EstimationError
from replication.estimators.iv import estimate_iv
from replication.estimators.static import estimate_static

HERE = Path(__file__).parent / "reference" / "panel"
DATA = pd.read_csv(HERE / "panel.csv")
REFERENCE = pd.read_csv(HERE / "panel_plm.csv")
KW = {"dependent": "y", "regressors": ["x1", "x2"], "entity": "id", "time": "year"}
IV = {"dependent": "y", "exog": ["x1"], "endog": ["x2"], "instruments": ["z1", "z2"], "entity": "id", "time": "year"}


def _check(name: str, result, terms=("x1", "x2")) -> None:
    reference = REFERENCE[REFERENCE["model"] == name].set_index("term")
    reference.index = ["const" if t == "(Intercept)" else t for t in reference.index]
    terms = list(reference.index)
    np.testing.assert_allclose(result.params[terms], reference.loc[terms, "estimate"], rtol=1e-6)
    np.testing.assert_allclose(result.std_errors[terms], reference.loc[terms, "se"], rtol=1e-6)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("within_clustered_hc0", {"cov_type": "clustered", "debiased": False}),
        ("within_clustered_sss", {"cov_type": "clustered", "debiased": True}),
        ("within_unadjusted", {"cov_type": "unadjusted"}),
        ("within_dk_hc0_lag2", {"cov_type": "driscoll_kraay", "bandwidth": 2, "debiased": False}),
        ("twoways_clustered_sss", {"cov_type": "clustered", "time_effects": True}),
        ("pooled_clustered_hc0", {"cov_type": "clustered", "estimator": "pooled", "debiased": False}),
    ],
)
def test_static_matches_plm(name, options):
    _check(name, estimate_static(DATA, **KW, **options))


def test_first_difference_matches_plm_on_gapless_entities():
    counts = DATA.groupby("id")["year"].transform("size")
    result = estimate_static(
        DATA[counts == 12], **KW, estimator="first_difference", cov_type="clustered", debiased=False
    )
    _check("fd_clustered_hc0", result)


def test_weighted_within_and_twoways_match_statsmodels_lsdv():
    wls = smf.wls("y ~ x1 + x2 + C(id)", data=DATA, weights=DATA["w"]).fit()
    ours = estimate_static(DATA, **KW, weights="w", cov_type="unadjusted")
    np.testing.assert_allclose(ours.params[["x1", "x2"]], wls.params[["x1", "x2"]], rtol=1e-6)
    np.testing.assert_allclose(ours.std_errors[["x1", "x2"]], wls.bse[["x1", "x2"]], rtol=1e-6)
    lsdv = smf.ols("y ~ x1 + x2 + C(id) + C(year)", data=DATA).fit(
        cov_type="cluster", cov_kwds={"groups": DATA["id"], "use_correction": False, "df_correction": False}
    )
    two = estimate_static(DATA, **KW, time_effects=True, cov_type="clustered", debiased=False)
    np.testing.assert_allclose(two.std_errors[["x1", "x2"]], lsdv.bse[["x1", "x2"]], rtol=1e-6)


def test_iv_matches_plm():
    _check("iv_within_unadjusted", estimate_iv(DATA, **IV, cov_type="unadjusted"))
    _check("iv_within_clustered_hc0", estimate_iv(DATA, **IV, cov_type="clustered", debiased=False))


def test_iv_diagnostics():
    result = estimate_iv(DATA, **IV, cov_type="clustered")
    first = result.diagnostics["first_stage"]["x2"]
    assert first["partial_f"] > 10 and 0 < first["partial_r2"] < 1  # strong instruments by construction
    overid = result.diagnostics["overid"]
    assert overid["name"] == "sargan" and overid["df"] == 1 and 0 <= overid["pvalue"] <= 1
    gmm = estimate_iv(DATA, **IV, method="gmm", cov_type="clustered")
    assert gmm.diagnostics["overid"]["name"] == "hansen_j"
    assert abs(gmm.params["x2"] - result.params["x2"]) < 0.1  # both consistent for -1


@pytest.mark.slow
def test_monte_carlo_within_coverage():
    """Within estimator with clustered s.e.: bias and coverage of beta = 0.5 over 200 panels (G = 30)."""
    rng = np.random.default_rng(7)
    hits, estimates = [], []
    for _ in range(200):
        n, t = 30, 8
        alpha = np.repeat(rng.normal(size=n), t)
        x = alpha + rng.normal(size=n * t)
        y = 0.5 * x + alpha + rng.normal(size=n * t)
        data = pd.DataFrame({"id": np.repeat(np.arange(n), t), "year": np.tile(np.arange(t), n), "y": y, "x": x})
        result = estimate_static(data, dependent="y", regressors=["x"], entity="id", time="year")
        estimates.append(result.params["x"])
        low, high = result.conf_int().loc["x"]
        hits.append(low <= 0.5 <= high)
    assert abs(np.mean(estimates) - 0.5) < 0.01
    assert 0.91 <= np.mean(hits) <= 0.98  # Monte Carlo s.e. 0.015


def test_errors():
    with pytest.raises(EstimationError, match="cov_type must be one of"):
        estimate_static(DATA, **KW, cov_type="hc3")
    with pytest.raises(EstimationError, match="singular design"):
        estimate_static(
            DATA.assign(x3=2 * DATA["x1"]), dependent="y", regressors=["x1", "x3"], entity="id", time="year"
        )
    with pytest.raises(EstimationError, match="under-identified"):
        estimate_iv(DATA, **{**IV, "instruments": []})
    with pytest.raises(EstimationError, match="column 'nope' is not in the data"):
        estimate_static(DATA, dependent="y", regressors=["nope"], entity="id", time="year")


def test_lag_terms_use_the_period_grid():
    result = estimate_static(DATA, dependent="y", regressors=["x1", "L1.x1"], entity="id", time="year")
    # rows whose previous year is missing lose their lag: 350 rows - 30 first years - gaps
    assert result.nobs < 350 - 30


def test_bootstrap_in_within_model_uses_the_model_t_statistic():
    from replication.estimators.inference import BootstrapOptions

    result = estimate_static(DATA, **KW, time_effects=True, bootstrap=BootstrapOptions(draws=199, terms=("x1",)))
    tidy = result.tidy().set_index("term")
    boot = result.bootstrap["x1"]
    assert set(result.bootstrap) == {"x1"} and boot["draws"] == 199 and boot["clusters"] == 30
    assert boot["conf_low"] < result.params["x1"] < boot["conf_high"]
    assert tidy.loc["x1", "boot_p_value"] == boot["p_value"]
    with pytest.raises(EstimationError, match="available for unweighted pooled and within"):
        estimate_static(DATA, **KW, estimator="first_difference", bootstrap=BootstrapOptions(draws=199))


@pytest.mark.slow
def test_monte_carlo_iv_recovery():
    """Within-2SLS: bias and coverage of beta = -1 on an endogenous regressor over 200 panels."""
    rng = np.random.default_rng(17)
    estimates, hits = [], []
    for _ in range(200):
        n, t = 40, 6
        alpha = np.repeat(rng.normal(size=n), t)
        z = rng.normal(size=n * t)
        common = rng.normal(size=n * t)
        x = z + common + alpha + rng.normal(size=n * t)
        y = -1.0 * x + alpha + common + rng.normal(size=n * t)
        data = pd.DataFrame(
            {"id": np.repeat(np.arange(n), t), "year": np.tile(np.arange(t), n), "y": y, "x": x, "z": z}
        )
        result = estimate_iv(data, dependent="y", exog=[], endog=["x"], instruments=["z"], entity="id", time="year")
        estimates.append(result.params["x"])
        low, high = result.conf_int().loc["x"]
        hits.append(low <= -1.0 <= high)
    assert abs(np.mean(estimates) + 1.0) < 0.02
    assert 0.91 <= np.mean(hits) <= 0.98


def test_iv_period_effects_are_counted_not_stored():
    with_periods = estimate_iv(DATA, **IV, time_effects=True, cov_type="clustered")
    assert list(with_periods.params.index) == ["x1", "x2"]
    assert list(with_periods.cov.index) == ["x1", "x2"]
    assert with_periods.diagnostics["absorbed_effects"] == {"entity": DATA["id"].nunique(), "period": 11}
    # the period effects are in the fit: the slopes move against the model without them
    without = estimate_iv(DATA, **IV, cov_type="clustered")
    assert not np.allclose(with_periods.params, without.params)
