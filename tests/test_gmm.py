"""Dynamic panel GMM against Arellano and Bond (1991, Table 4 a1) and R plm::pgmm (see
tests/reference/gmm/SOURCE.md), Monte Carlo recovery, and error paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from replication.estimators.data import EstimationError
from replication.estimators.gmm import DynamicPanelGMM, GMMStyle
from replication.estimators.results import Results

REFERENCE = pd.read_csv(Path(__file__).parent / "reference" / "gmm" / "emplUK_pgmm.csv")
FULL = ["L1.n", "L2.n", "w", "L1.w", "k", "L1.k", "L2.k", "ys", "L1.ys", "L2.ys"]
SMALL = ["L1.n", "w", "L1.w", "k", "L1.k"]
MODELS = {  # name -> regressors, transformation, steps, collapse
    "diff_onestep": (FULL, "difference", 1, False),
    "diff_twostep": (FULL, "difference", 2, False),
    "diff_twostep_collapse": (FULL, "difference", 2, True),
    "sys_onestep": (SMALL, "system", 1, False),
    "sys_twostep": (SMALL, "system", 2, False),
}
DIAGNOSTICS = ["hansen_j", "hansen_df", "n_instruments", "nobs", "ar1_robust", "ar2_robust"]


@pytest.fixture(scope="module")
def empl(mirror) -> pd.DataFrame:
    data = pd.read_csv(mirror / "validation" / "EmplUK.csv")
    for name, column in {"n": "emp", "w": "wage", "k": "capital", "ys": "output"}.items():
        data[name] = np.log(data[column])
    return data


def _fit(empl: pd.DataFrame, name: str, cov_type: str | None = None) -> Results:
    regressors, transformation, steps, collapse = MODELS[name]
    model = DynamicPanelGMM(
        empl,
        dependent="n",
        regressors=regressors,
        gmm=[GMMStyle("n", (2, None), collapse)],
        entity="firm",
        time="year",
        transformation=transformation,
    )
    return model.fit(steps=steps, cov_type=cov_type)


def test_arellano_bond_table4_a1(empl):
    published = {  # term: (coefficient, robust s.e.), Arellano and Bond (1991) Table 4 column a1
        "L1.n": (0.686, 0.145),
        "L2.n": (-0.085, 0.056),
        "w": (-0.608, 0.178),
        "L1.w": (0.393, 0.168),
        "k": (0.357, 0.059),
        "L1.k": (-0.058, 0.073),
        "L2.k": (-0.020, 0.033),
        "ys": (0.609, 0.173),
        "L1.ys": (-0.711, 0.232),
        "L2.ys": (0.106, 0.141),
    }
    result = _fit(empl, "diff_onestep")
    for term, (coefficient, se) in published.items():
        assert result.params[term] == pytest.approx(coefficient, abs=5e-4 + 1e-9), term
        assert result.std_errors[term] == pytest.approx(se, abs=5e-4 + 1e-9), term
    assert result.nobs == 611 and result.diagnostics["n_entities"] == 140


@pytest.mark.parametrize("name", MODELS)
def test_matches_pgmm(empl, name):
    reference = REFERENCE[REFERENCE["model"] == name]
    coefficients = reference[~reference["term"].isin(DIAGNOSTICS)]
    stats = reference.set_index("term")["estimate"]
    result = _fit(empl, name)
    k = len(MODELS[name][0])
    # slope coefficients and robust / Windmeijer s.e.; time effects are parameterised like pgmm
    np.testing.assert_allclose(result.params.to_numpy()[:k], coefficients["estimate"].to_numpy()[:k], rtol=1e-6)
    np.testing.assert_allclose(result.std_errors.to_numpy()[:k], coefficients["se_robust"].to_numpy()[:k], rtol=1e-6)
    np.testing.assert_allclose(result.params.to_numpy(), coefficients["estimate"].to_numpy(), rtol=1e-6)
    d = result.diagnostics
    assert d["n_instruments"] == stats["n_instruments"]
    assert d["hansen_j"]["df"] == stats["hansen_df"]
    assert d["hansen_j"]["stat"] == pytest.approx(stats["hansen_j"], rel=1e-6)
    assert d["ar1"]["stat"] == pytest.approx(stats["ar1_robust"], rel=1e-6)
    assert d["ar2"]["stat"] == pytest.approx(stats["ar2_robust"], rel=1e-6)
    if MODELS[name][2] == 2:
        plain = _fit(empl, name, cov_type="unadjusted")
        np.testing.assert_allclose(plain.std_errors.to_numpy()[:k], coefficients["se_plain"].to_numpy()[:k], rtol=1e-6)


def test_results_round_trip_json(empl, tmp_path):
    result = _fit(empl, "sys_twostep")
    path = tmp_path / "r.json"
    result.to_json(path)
    back = Results.from_json(path)
    assert back.equals(result)
    pd.testing.assert_series_equal(back.params, result.params)
    pd.testing.assert_frame_equal(back.cov, result.cov)
    assert back.diagnostics["hansen_j"] == result.diagnostics["hansen_j"]


def _simulate_ar1(
    rng: np.random.Generator, *, n: int = 400, t: int = 7, alpha: float = 0.5, beta: float = 1.0
) -> pd.DataFrame:
    """y_it = alpha y_i,t-1 + beta x_it + eta_i + u_it, x exogenous AR(1), 50 burn-in periods."""
    burn = 50
    eta = rng.normal(size=n)
    x = np.zeros((n, t + burn))
    y = np.zeros((n, t + burn))
    for s in range(1, t + burn):
        x[:, s] = 0.5 * x[:, s - 1] + rng.normal(size=n)
        y[:, s] = alpha * y[:, s - 1] + beta * x[:, s] + eta + rng.normal(size=n)
    keep = slice(burn, burn + t)
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), t),
            "t": np.tile(np.arange(t), n),
            "y": y[:, keep].ravel(),
            "x": x[:, keep].ravel(),
        }
    )


@pytest.mark.slow
@pytest.mark.parametrize("transformation", ["difference", "system"])
def test_monte_carlo_recovery(transformation):
    """Bias and 95 % coverage of alpha = 0.5 over 100 simulated panels (N = 400, T = 7)."""
    rng = np.random.default_rng(20261123)
    estimates, covered = [], []
    for _ in range(100):
        data = _simulate_ar1(rng)
        model = DynamicPanelGMM(
            data,
            dependent="y",
            regressors=["L1.y", "x"],
            gmm=[GMMStyle("y", (2, 4))],
            entity="id",
            time="t",
            transformation=transformation,
            time_effects=False,
        )
        result = model.fit(steps=2)
        estimates.append(result.params["L1.y"])
        covered.append(abs(result.params["L1.y"] - 0.5) < 1.96 * result.std_errors["L1.y"])
    assert abs(np.mean(estimates) - 0.5) < 0.03
    assert 0.88 <= np.mean(covered) <= 0.99  # Monte Carlo s.e. of the coverage ~ 0.022


def test_error_paths(empl):
    with pytest.raises(EstimationError, match="too few periods"):
        DynamicPanelGMM(
            empl[empl["year"] <= 1979],
            dependent="n",
            regressors=["L1.n", "L2.n"],
            gmm=[GMMStyle("n", (2, None))],
            entity="firm",
            time="year",
        )
    duplicated = pd.concat([empl, empl.iloc[:1]])
    with pytest.raises(EstimationError, match=r"\(entity, time\) is not unique: firm=1, year=1977 appears 2 times"):
        DynamicPanelGMM(duplicated, dependent="n", regressors=["L1.n"], gmm=[GMMStyle("n")], entity="firm", time="year")
    holes = empl.copy()
    holes.loc[5, "w"] = np.nan
    with pytest.raises(EstimationError, match="column 'w' has 1 missing value"):
        DynamicPanelGMM(holes, dependent="n", regressors=["L1.n", "w"], gmm=[GMMStyle("n")], entity="firm", time="year")
    twin = empl.assign(w2=2 * empl["w"])
    with pytest.raises(EstimationError, match="singular design"):
        DynamicPanelGMM(
            twin, dependent="n", regressors=["L1.n", "w", "w2"], gmm=[GMMStyle("n")], entity="firm", time="year"
        ).fit(steps=1)
    with pytest.raises(EstimationError, match="cov_type 'windmeijer' is not available with 1 step"):
        DynamicPanelGMM(empl, dependent="n", regressors=["L1.n"], gmm=[GMMStyle("n")], entity="firm", time="year").fit(
            steps=1, cov_type="windmeijer"
        )
    with pytest.raises(EstimationError, match=r"'robust' does not apply to GMM.*clustered by entity"):
        DynamicPanelGMM(empl, dependent="n", regressors=["L1.n"], gmm=[GMMStyle("n")], entity="firm", time="year").fit(
            steps=1, cov_type="robust"
        )
    with pytest.raises(EstimationError, match="GMM-style lags"):
        GMMStyle("n", (0, 2))
