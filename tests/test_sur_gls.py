"""The restricted feasible GLS core of the SUR estimator against linearmodels' SUR (tests/reference/sur_gls:
every method x covariance x restriction set on a seeded three-equation system with different regressors, the
values and the script that made them), and its own failure modes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from replication.estimators.data import EstimationError
from replication.estimators.sur_gls import fit_system, restriction_basis

HERE = Path(__file__).parent / "reference" / "sur_gls"
DATA = pd.read_csv(HERE / "data.csv")
REFERENCE = json.loads((HERE / "reference.json").read_text())
EQUATIONS = {"a": ["const", "x1", "x2"], "b": ["const", "x1", "x3"], "c": ["const", "x2", "x3", "x4"]}


def _fit(case: dict, **extra) -> object:
    names = case["names"]
    rows = REFERENCE["restrictions"][case["restriction"]]
    restrictions = None
    if rows:
        r = np.array([[row.get(p, 0.0) for p in names] for row, _ in rows])
        restrictions = (r, np.array([q for _, q in rows]))
    return fit_system(
        DATA[[f"y_{m}" for m in EQUATIONS]].to_numpy(),
        [DATA[columns].to_numpy() for columns in EQUATIONS.values()],
        method=case["method"],
        cov_type=case["cov_type"],
        restrictions=restrictions,
        clusters=DATA["cluster"].to_numpy() if case["cov_type"] == "clustered" else None,
        constant=[True] * 3,
        tol=1e-12,
        **extra,
    )


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=lambda c: f"{c['method']}-{c['cov_type']}-{c['restriction']}")
def test_matches_linearmodels(case):
    fitted = _fit(case)
    np.testing.assert_allclose(fitted.params, case["params"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fitted.cov, case["cov"], rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(fitted.sigma, case["sigma"], rtol=1e-9)
    np.testing.assert_allclose(fitted.rsquared, case["rsquared"], rtol=1e-9)
    assert fitted.iterations == case["iterations"]


def test_restrictions_hold_exactly_and_the_cases_differ():
    """The restricted estimates satisfy R b = q to rounding, and each restriction set moves the estimates (a
    reference that ignored the restrictions would not pass the comparison above)."""
    by_set = {}
    for case in REFERENCE["cases"]:
        if case["method"] == "iterated" and case["cov_type"] == "robust":
            by_set[case["restriction"]] = _fit(case)
    names = REFERENCE["cases"][0]["names"]
    b = dict(zip(names, by_set["two"].params, strict=True))
    assert b["a_x2"] + b["c_x2"] == pytest.approx(0.5, abs=1e-12)
    assert b["b_x3"] == pytest.approx(b["c_x3"], abs=1e-12)
    assert not np.allclose(by_set["none"].params, by_set["two"].params, rtol=1e-3)
    assert by_set["none"].iterations > 1  # iterated GLS iterates on this system


def test_dependent_restrictions_are_refused():
    with pytest.raises(EstimationError, match="not linearly independent"):
        restriction_basis(np.array([[1.0, -1.0, 0.0], [2.0, -2.0, 0.0]]), np.zeros(2))


def test_clustered_needs_codes_and_two_clusters():
    case = {"names": REFERENCE["cases"][0]["names"], "restriction": "none", "method": "fgls", "cov_type": "clustered"}
    ys = DATA[[f"y_{m}" for m in EQUATIONS]].to_numpy()
    xs = [DATA[columns].to_numpy() for columns in EQUATIONS.values()]
    with pytest.raises(EstimationError, match="cluster code for each"):
        fit_system(ys, xs, cov_type="clustered")
    with pytest.raises(EstimationError, match="cluster code for each"):  # a missing cluster, factorised as -1
        fit_system(ys, xs, cov_type="clustered", clusters=np.r_[-1, np.arange(len(ys) - 1) % 5])
    with pytest.raises(EstimationError, match="two clusters"):
        fit_system(ys, xs, cov_type="clustered", clusters=np.zeros(len(ys), dtype=int))
    with pytest.raises(EstimationError, match="method must be"):
        fit_system(ys, xs, method="gmm")
    with pytest.raises(EstimationError, match="cov_type must be"):
        fit_system(ys, xs, cov_type="kernel")
    # cluster labels need not be 0..G-1: any distinct integers give the same covariance
    relabelled = _fit(case).cov
    codes = DATA["cluster"].to_numpy()
    shifted = fit_system(
        ys, xs, method="fgls", cov_type="clustered", clusters=codes * 7 + 3, constant=[True] * 3, tol=1e-12
    )
    np.testing.assert_allclose(shifted.cov, relabelled, rtol=1e-12)
