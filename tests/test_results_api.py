"""One shape for every estimator's results: preferred inference, Wald tests, a typed glance, the model as an
equation, a summary; checked against statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from replication.estimators.inference import BootstrapOptions
from replication.estimators.results import Glance, Results
from replication.estimators.static import estimate_static


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for e in range(15):
        a = rng.normal()
        for t in range(6):
            x1, x2 = rng.normal(), rng.normal()
            rows.append({"id": e, "year": 2000 + t, "x1": x1, "x2": x2, "y": a + 0.5 * x1 + rng.normal()})
    return pd.DataFrame(rows)


def test_wald_test_matches_statsmodels_with_the_same_covariance():
    data = _data()
    fit = estimate_static(
        data,
        dependent="y",
        regressors=["x1", "x2"],
        entity="id",
        time="year",
        estimator="pooled",
        cov_type="robust",
        debiased=False,
    )
    reference = smf.ols("y ~ x1 + x2", data).fit(cov_type="HC0")
    restriction = pd.DataFrame([[0, 1, 0], [0, 0, 1]], columns=["const", "x1", "x2"])
    ours = Results.wald_test(fit, restriction)
    theirs = reference.wald_test(np.array([[0, 1, 0], [0, 0, 1]]), scalar=True, use_f=False)
    assert ours["stat"] == pytest.approx(float(theirs.statistic), rel=1e-8)
    assert ours["pvalue"] == pytest.approx(float(theirs.pvalue), rel=1e-8)


def test_glance_formula_summary_and_preferred_inference():
    data = _data()
    fit = estimate_static(
        data,
        dependent="y",
        regressors=["x1", "x2"],
        entity="id",
        time="year",
        time_effects=True,
        bootstrap=BootstrapOptions(draws=199, terms=("x1",)),
    )
    glance = fit.glance()
    assert isinstance(glance, Glance) and glance.nobs == 90 and glance.n_entities == 15 and glance.n_periods == 6
    assert math.isnan(glance.hansen_pvalue) and glance.n_instruments is None
    assert fit.formula() == "y ~ x1 + x2 | id + year; within; vcov: CR1(id); wild bootstrap Webb 199"
    assert fit.formula() in fit.summary() and "x1" in fit.summary()
    boot, analytic = fit.preferred("x1"), fit.preferred("x2")
    assert boot["source"] == "wild bootstrap" and boot["p_value"] == fit.bootstrap["x1"]["p_value"]
    assert analytic["source"] == "clustered" and analytic["p_value"] == pytest.approx(float(fit.pvalues["x2"]))


def test_estimates_are_read_once_per_file_version(project, monkeypatch):
    """load_estimates and not_estimable cache by path, modification time and size: asked again, the same variants;
    the file rewritten, the new ones; the caller's dict is its own."""
    import json

    from replication.core.layout import Layout
    from replication.specs import estimate as estimation

    monkeypatch.setattr(estimation.Results, "from_dict", staticmethod(lambda data: data["value"]))
    path = Layout().estimates_file("belgium", "cached")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"variants": {"main": {"value": 1}}, "not_estimable": {"gmm": "rank 3 < 5"}}))
    first = estimation.load_estimates("cached")
    first["extra"] = 0
    assert estimation.load_estimates("cached") == {"main": 1}
    failed = estimation.not_estimable("cached")
    failed["extra"] = ""
    assert estimation.not_estimable("cached") == {"gmm": "rank 3 < 5"}
    path.write_text(json.dumps({"variants": {"main": {"value": 2}, "other": {"value": 3}}}))
    assert estimation.load_estimates("cached") == {"main": 2, "other": 3}
    assert estimation.not_estimable("cached") == {}
    path.unlink()
    for read in (estimation.load_estimates, estimation.not_estimable):
        with pytest.raises(estimation.ReplicationError, match="not built; run `make all`"):
            read("cached")


def test_json_round_trip_keeps_missing_and_infinite_numbers():
    """to_json -> from_json gives back every number: NaN (written as null) and infinities (written as "inf",
    "-inf") in the estimates, standard errors, covariance and diagnostics."""
    names = ["a", "b"]
    results = Results(
        estimator="within",
        params=pd.Series([0.5, np.nan], index=names),
        std_errors=pd.Series([np.inf, 0.1], index=names),
        cov=pd.DataFrame([[np.inf, -np.inf], [np.nan, 0.01]], index=names, columns=names),
        nobs=10,
        df_resid=8,
        cov_type="clustered",
        diagnostics={"rsquared": np.nan, "ar2": {"stat": np.inf, "pvalue": None}, "list": [1.0, np.nan]},
    )
    back = Results.from_json(results.to_json())
    assert back.equals(results)
    assert math.isnan(back.params["b"]) and back.std_errors["a"] == np.inf
    np.testing.assert_array_equal(back.cov.to_numpy(), results.cov.to_numpy())
    assert back.cov.to_numpy().dtype == float and math.isnan(back.diagnostics["rsquared"])
