"""Decomposition arithmetic on a hand-made two-industry case (interaction split by the mid-point rule)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replication.analysis.decomposition import decompose, weighted_changes
from replication.estimators.results import Results

PANEL = pd.DataFrame(
    {
        "industry": ["A", "A", "B", "B"],
        "year": [2000, 2010, 2000, 2010],
        "h": [60.0, 40.0, 40.0, 60.0],
        "s": [0.5, 0.3, 0.4, 0.3],
        "x": [0.1, 0.3, 0.0, 0.1],
        "z": [0.2, 0.4, 0.1, 0.1],
    }
)
SPEC = {"share": "s", "weights": "h", "start": 2000, "end": 2010}
INTERACTIONS = {"xz": ["x", "z"]}


def _results(params: dict[str, float], variances: list[float]) -> Results:
    """Estimates with a diagonal covariance, as an estimator would return them."""
    names = list(params)
    return Results(
        estimator="within",
        params=pd.Series(params),
        std_errors=pd.Series(np.sqrt(variances), index=names),
        cov=pd.DataFrame(np.diag(variances), index=names, columns=names),
        nobs=4,
        df_resid=1,
        cov_type="clustered",
    )


def test_weighted_changes_by_hand():
    changes = weighted_changes(
        PANEL, terms=["x", "z", "xz"], interactions=INTERACTIONS, share="s", weights="h", start=2000, end=2010
    )
    # weights: A (60/100 + 40/100)/2 = 0.5, B 0.5
    assert changes.delta["x"] == pytest.approx(0.15)
    assert changes.delta["z"] == pytest.approx(0.10)
    assert changes.delta["xz@x"] == pytest.approx(0.035)  # 0.5 * 0.3 * 0.2 + 0.5 * 0.1 * 0.1
    assert changes.delta["xz@z"] == pytest.approx(0.02)  # 0.5 * 0.2 * 0.2 + 0.5 * 0.05 * 0
    assert changes.delta["xz@x"] + changes.delta["xz@z"] == pytest.approx(0.5 * 0.10 + 0.5 * 0.01)  # exact split
    assert changes.observed == pytest.approx(0.30 - 0.46)
    assert changes.within == pytest.approx(0.5 * -0.2 + 0.5 * -0.1)


def test_contributions_and_delta_method_by_hand():
    result = _results({"x": -0.4, "z": -0.2, "xz": 0.5}, [0.01, 0.04, 0.09])
    table = decompose(
        result,
        equation=None,
        panel=PANEL,
        spec=SPEC,
        groups={"offshoring": ["x"], "technology": ["z"]},
        offshoring=["offshoring"],
        interactions=INTERACTIONS,
    ).set_index("group")
    # (-0.4 * 0.15 + 0.5 * 0.035) / -0.16 = 26.5625 %; (-0.2 * 0.10 + 0.5 * 0.02) / -0.16 = 6.25 %
    assert table.loc["offshoring", "percent"] == pytest.approx(26.5625)
    assert table.loc["technology", "percent"] == pytest.approx(6.25)
    assert table.loc["offshoring (total)", "percent"] == pytest.approx(26.5625)
    assert table.loc["unexplained (fixed effects and residual)", "percent"] == pytest.approx(100 - 26.5625 - 6.25)
    # delta method: g = (0.15, 0, 0.035), var = 0.15^2 0.01 + 0.035^2 0.09
    assert table.loc["offshoring", "se"] == pytest.approx(np.sqrt(0.000225 + 0.00011025) * 100 / 0.16)
    low, high = table.loc["offshoring", ["delta_low", "delta_high"]]
    assert (high - low) / 2 == pytest.approx(1.959964 * table.loc["offshoring", "se"], rel=1e-6)


def test_group_without_its_regressor_is_not_identified():
    result = _results({"x": -0.4}, [0.01])
    table = decompose(
        result,
        equation=None,
        panel=PANEL,
        spec=SPEC,
        groups={"offshoring": ["x"], "technology": ["z"]},
        offshoring=["offshoring"],
        interactions={},
    ).set_index("group")
    assert not table.loc["technology", "identified"] and np.isnan(table.loc["technology", "percent"])
