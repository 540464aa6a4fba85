"""Regression tests for estimator defects found against independent references (each failed before its fix).

References: explicit-dummy OLS in statsmodels (period effects), brute-force enumeration (bootstrap bounds),
rank arithmetic (GMM weight matrix). Every case is a small simulated panel.
"""

from __future__ import annotations

import math
import signal

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from replication.estimators.data import EstimationError, NotIdentifiedError
from replication.estimators.gmm import DynamicPanelGMM, GMMStyle
from replication.estimators.inference import BootstrapOptions, WildClusterBootstrap
from replication.estimators.results import Results
from replication.estimators.static import estimate_static
from replication.estimators.system import estimate_sur


def _panel(entities: int = 12, periods: int = 7, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    delta = rng.normal(size=periods) * 2  # strong period effects
    for e in range(entities):
        alpha = rng.normal()
        for t in range(periods):
            x1, x2 = rng.normal(), rng.normal()
            rows.append(
                {
                    "id": e,
                    "year": 2000 + t,
                    "group": e % 4,
                    "x1": x1 + 0.3 * t,
                    "x2": x2,
                    "y": alpha + delta[t] + 0.5 * (x1 + 0.3 * t) - 0.2 * x2 + rng.normal(scale=0.5),
                }
            )
    return pd.DataFrame(rows)


def test_first_difference_with_time_effects_and_no_drift_keeps_every_period_effect():
    """FD + time effects + constant = false: the differenced equation has T - 1 period effects (the old code
    dropped one, biasing the slopes); reference: OLS of the differences on T - 1 period dummies."""
    data = _panel()
    fit = estimate_static(
        data,
        dependent="y",
        regressors=["x1", "x2"],
        entity="id",
        time="year",
        estimator="first_difference",
        time_effects=True,
        constant=False,
        cov_type="robust",
    )
    frame = data.sort_values(["id", "year"])
    diffs = frame.groupby("id")[["y", "x1", "x2"]].diff().assign(year=frame["year"]).dropna()
    dummies = pd.get_dummies(diffs["year"], prefix="d", dtype=float)
    reference = sm.OLS(diffs["y"], pd.concat([diffs[["x1", "x2"]], dummies], axis=1)).fit()
    np.testing.assert_allclose(fit.params[["x1", "x2"]], reference.params[["x1", "x2"]], rtol=1e-10)
    with_drift = estimate_static(
        data,
        dependent="y",
        regressors=["x1", "x2"],
        entity="id",
        time="year",
        estimator="first_difference",
        time_effects=True,
        constant=True,
        cov_type="robust",
    )
    np.testing.assert_allclose(with_drift.params[["x1", "x2"]], reference.params[["x1", "x2"]], rtol=1e-10)


def test_pooled_with_time_effects_includes_period_dummies():
    """``pooled`` with ``time_effects = true`` used to ignore the option; reference: OLS with year dummies."""
    data = _panel()
    fit = estimate_static(
        data,
        dependent="y",
        regressors=["x1", "x2"],
        entity="id",
        time="year",
        estimator="pooled",
        time_effects=True,
        cov_type="robust",
    )
    design = sm.add_constant(
        pd.concat([data[["x1", "x2"]], pd.get_dummies(data["year"], drop_first=True, dtype=float)], axis=1)
    )
    reference = sm.OLS(data["y"], design).fit()
    np.testing.assert_allclose(fit.params[["x1", "x2"]], reference.params[["x1", "x2"]], rtol=1e-10)
    # the period dummies are nuisance parameters: counted, not stored
    assert list(fit.params.index) == ["const", "x1", "x2"] and list(fit.cov.index) == ["const", "x1", "x2"]
    assert fit.diagnostics["absorbed_effects"] == {"period": data["year"].nunique() - 1}


def test_regressor_inside_the_absorbed_effects_is_not_identified():
    """A regressor that varies only at the level of an absorbed effect used to get a coefficient (an effect
    dummy was dropped instead); now it is not identified."""
    data = _panel()
    data["group_year"] = data["group"].astype(str) + "_" + data["year"].astype(str)
    data["group_shock"] = data.groupby("group_year")["x2"].transform("mean")  # constant within group-year
    with pytest.raises(NotIdentifiedError, match="group_shock"):
        estimate_static(
            data,
            dependent="y",
            regressors=["x1", "group_shock"],
            entity="id",
            time="year",
            estimator="within",
            absorb=["group_year"],
        )


def test_sur_regressor_almost_constant_within_entities_is_not_identified():
    """A regressor constant within entities up to rounding gave a coefficient of order 1e8."""
    data = _panel()
    data["z"] = data["id"] * 1.0 + 1e-12 * np.random.default_rng(1).normal(size=len(data))
    data["y2"] = data["y"] * 0.5
    with pytest.raises(NotIdentifiedError, match="z"):
        estimate_sur(
            data,
            equations={"a": ("y", ["x1", "z"]), "b": ("y2", ["x1", "z"])},
            entity="id",
            time="year",
            entity_effects=True,
        )


def test_one_cluster_and_infinite_values_are_clear_errors():
    data = _panel()
    with pytest.raises(NotIdentifiedError, match="at least 2 clusters"):
        estimate_static(data.assign(one=1), dependent="y", regressors=["x1"], entity="id", time="year", cluster="one")
    bad = data.copy()
    bad.loc[3, "x1"] = np.inf
    with pytest.raises(EstimationError, match="infinite"):
        estimate_static(bad, dependent="y", regressors=["x1"], entity="id", time="year")


def test_bootstrap_with_clusters_that_do_not_nest_the_entities_is_refused():
    data = _panel()
    data["cross"] = data["year"] % 3  # every entity in several clusters
    with pytest.raises(EstimationError, match="nest the entities"):
        estimate_static(
            data,
            dependent="y",
            regressors=["x1"],
            entity="id",
            time="year",
            cluster="cross",
            bootstrap=BootstrapOptions(draws=99),
        )


@pytest.mark.parametrize("groups", [2, 3, 4, 5])
def test_enumerated_rademacher_interval_is_unbounded_when_p_cannot_fall_below_alpha(groups):
    """With G <= 5 every p-value is at least 2 / 2^G > 0.05: the 95 % confidence set is the whole line
    (the old code returned finite bounds)."""
    rng = np.random.default_rng(groups)
    clusters = np.repeat(np.arange(groups), 10)
    x = np.column_stack([np.ones(len(clusters)), rng.normal(size=len(clusters))])
    y = x @ [1.0, 2.0] + rng.normal(size=len(clusters))
    boot = WildClusterBootstrap(y, x, clusters, options=BootstrapOptions(draws=999, weights="rademacher"))
    assert boot.enumerated
    assert min(boot.pvalue(1, b) for b in (-1e3, 0.0, 2.0, 1e3)) >= 2 / 2**groups
    assert boot.confidence_interval(1) == (-math.inf, math.inf)


def _alarm(seconds: int):
    def handler(signum, frame):
        raise TimeoutError("did not terminate")

    signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)


@pytest.mark.parametrize("groups", [2, 3, 6])
def test_within_bootstrap_terminates_for_any_cluster_count(groups):
    """Two clusters in a within model used to hang the bisection (a bound beyond float resolution); now it
    ends, with an infinite bound where the confidence set is unbounded, and round-trips through JSON."""
    data = _panel(entities=groups * 2, periods=6, seed=groups)
    data["block"] = data["id"] // 2
    _alarm(60)
    try:
        fit = estimate_static(
            data,
            dependent="y",
            regressors=["x1", "x2"],
            entity="id",
            time="year",
            time_effects=True,
            cluster="block",
            bootstrap=BootstrapOptions(draws=199, weights="webb"),
        )
    finally:
        signal.alarm(0)
    bounds = fit.bootstrap["x1"]["conf_low"], fit.bootstrap["x1"]["conf_high"]
    assert bounds[0] < bounds[1]
    if groups == 2:
        assert bounds == (-math.inf, math.inf) or math.isinf(bounds[0]) or math.isinf(bounds[1])
    again = Results.from_json(fit.to_json())
    assert again.bootstrap["x1"]["conf_low"] == bounds[0] and again.bootstrap["x1"]["conf_high"] == bounds[1]


def test_two_step_gmm_with_more_instruments_than_units_is_not_identified():
    """Fewer units than instruments: the two-step weight matrix is singular (R's pgmm refuses it; the old code
    returned numbers that changed with the BLAS kernel). One step stays available."""
    rng = np.random.default_rng(5)
    rows = []
    for e in range(8):
        y = rng.normal()
        for t in range(10):
            x = rng.normal()
            y = 0.5 * y + 0.3 * x + rng.normal(scale=0.3)
            rows.append({"id": e, "year": t, "y": y, "x": x})
    data = pd.DataFrame(rows)
    model = DynamicPanelGMM(
        data,
        dependent="y",
        regressors=["L1.y", "x"],
        gmm=[GMMStyle("y", (2, 99))],
        iv=["x"],
        entity="id",
        time="year",
        transformation="difference",
    )
    with pytest.raises(NotIdentifiedError, match="two-step weight matrix"):
        model.fit(steps=2)
    assert np.isfinite(model.fit(steps=1).params).all()
