"""The within estimator on the swept data (replication/estimators/within.py) against linearmodels' PanelOLS.

Every option the swept path serves (entity and period effects, with and without a constant, absorbed dummies,
clusters by entity or by a column, robust) on unbalanced panels with more entities than periods and fewer (the two
branches of the two-way sweep). The R plm references of tests/test_static_and_iv.py also run through this path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replication.estimators.data import NotIdentifiedError, prepare_frame
from replication.estimators.static import _exog, _fit_linearmodels, _fit_swept, estimate_static
from replication.estimators.sweep import sweep_effects


def _panel(n_entities: int, n_periods: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [(e, 2000 + t) for e in range(n_entities) for t in range(n_periods)]
    frame = pd.DataFrame(rows, columns=["id", "year"])
    frame = frame.sample(frac=0.85, random_state=seed).reset_index(drop=True)  # unbalanced, rows shuffled
    n = len(frame)
    alpha = rng.normal(size=n_entities)[frame["id"]]
    delta = rng.normal(size=n_periods)[frame["year"] - 2000]
    frame["x1"] = rng.normal(size=n) + 0.5 * alpha
    frame["x2"] = rng.normal(size=n) + 0.3 * delta
    frame["y"] = (
        1.0 + 0.7 * frame["x1"] - 0.4 * frame["x2"] + alpha + delta + rng.normal(size=n) * (1 + frame["x1"] ** 2)
    )
    frame["block"] = frame["id"] // 3  # clusters that nest the entities
    frame["region_year"] = (frame["id"] % 2).astype(str) + "_" + frame["year"].astype(str)
    return frame


def _both(
    frame: pd.DataFrame, *, time_effects: bool, constant: bool, cov_type: str, cluster, absorb, only=None, trends=False
):
    prepared = prepare_frame(
        frame, dependent="y", terms=["x1", "x2"], entity="id", time="year", extra=[c for c in (cluster,) if c]
    )
    exog, _ = _exog(
        prepared,
        regressors=["x1", "x2"],
        estimator="within",
        absorb=absorb,
        entity_trends=trends,
        constant=constant,
        time_effects=time_effects,
    )
    options = {"dependent": "y", "exog": exog, "cov_type": cov_type, "cluster": cluster, "time_effects": time_effects}
    reference_options = {"estimator": "within", "weights": None, "bandwidth": None, "debiased": True}
    if only is _fit_linearmodels:
        return _fit_linearmodels(prepared, **options, **reference_options)
    swept = _fit_swept(prepared, **options)
    return swept, None if only else _fit_linearmodels(prepared, **options, **reference_options)


@pytest.mark.parametrize("shape", [(40, 8), (6, 15)], ids=["N>T", "N<T"])
@pytest.mark.parametrize("time_effects", [False, True])
@pytest.mark.parametrize("constant", [True, False])
@pytest.mark.parametrize(
    ("cov_type", "cluster"), [("clustered", None), ("clustered", "block"), ("robust", None)], ids=str
)
# the absorbed-dummies half of the grid runs in the slow tier (make test, CI): the fast tier keeps every other option
# on both branches of the sweep, within its 30 s
@pytest.mark.parametrize(
    "absorb", [None, pytest.param(["region_year"], marks=pytest.mark.slow)], ids=["no_absorb", "absorb"]
)
def test_swept_within_equals_panelols(shape, time_effects, constant, cov_type, cluster, absorb):
    frame = _panel(*shape, seed=sum(shape))
    if absorb and time_effects:  # region-year dummies span the period effects: both paths refuse, naming the columns
        for path in (_fit_swept, _fit_linearmodels):
            with pytest.raises(NotIdentifiedError, match=r"not identified|collinear"):
                _both(
                    frame,
                    time_effects=True,
                    constant=constant,
                    cov_type=cov_type,
                    cluster=cluster,
                    absorb=absorb,
                    only=path,
                )
        return
    swept, reference = _both(
        frame, time_effects=time_effects, constant=constant, cov_type=cov_type, cluster=cluster, absorb=absorb
    )
    assert list(swept.params.index) == list(reference.params.index)
    np.testing.assert_allclose(swept.params, reference.params, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(swept.cov, reference.cov, rtol=1e-8, atol=1e-13)
    assert (swept.nobs, swept.df_resid, swept.n_entities, swept.n_periods) == (
        reference.nobs,
        reference.df_resid,
        reference.n_entities,
        reference.n_periods,
    )
    np.testing.assert_allclose(
        [swept.rsquared, swept.rsquared_within], [reference.rsquared, reference.rsquared_within], rtol=1e-9
    )


def test_two_way_sweep_is_the_projection_off_both_sets_of_dummies():
    """The sweep equals the residuals of a regression on entity and period dummies (least squares)."""
    frame = _panel(9, 6, seed=3)
    entity = frame["id"].to_numpy()
    time = (frame["year"] - 2000).to_numpy()
    values = frame[["y", "x1"]].to_numpy()
    dummies = np.column_stack([np.eye(9)[entity], np.eye(6)[time][:, 1:]])
    expected = values - dummies @ np.linalg.lstsq(dummies, values, rcond=None)[0]
    np.testing.assert_allclose(sweep_effects(values, entity, time, time_effects=True), expected, atol=1e-12)


def test_absorbed_regressors_are_not_identified():
    frame = _panel(12, 7, seed=5)
    frame["size"] = frame["id"] * 1.5  # constant within an entity
    frame["cycle"] = (frame["year"] - 2000) ** 2 * 0.1  # the same for every entity in a year
    kw = {"dependent": "y", "entity": "id", "time": "year", "cov_type": "clustered"}
    with pytest.raises(NotIdentifiedError, match=r"collinear|absorbed"):
        estimate_static(frame, regressors=["x1", "size"], **kw)
    with pytest.raises(NotIdentifiedError, match="absorbed by the entity and period effects"):
        estimate_static(frame, regressors=["x1", "cycle"], time_effects=True, **kw)
    # the linearmodels path says the same (it raised AbsorbingEffectError)
    with pytest.raises(NotIdentifiedError, match="not identified"):
        estimate_static(frame, regressors=["x1", "cycle"], time_effects=True, **{**kw, "cov_type": "unadjusted"})


def test_a_second_constant_column_is_absorbed_not_a_second_constant():
    from replication.estimators.within import fit_within

    frame = _panel(10, 6, seed=8)
    entity = frame["id"].to_numpy()
    time = (frame["year"] - 2000).to_numpy()
    x = np.column_stack([np.ones(len(frame)), frame["x1"], np.full(len(frame), 2.0)])
    with pytest.raises(NotIdentifiedError, match="absorbed by the entity effects"):
        fit_within(
            frame["y"].to_numpy(), x, entity, time, names=["const", "x1", "two"], time_effects=False, cov_type="robust"
        )


@pytest.mark.parametrize("time_effects", [False, True])
@pytest.mark.parametrize("cov_type", ["clustered", "robust"])
def test_swept_within_with_entity_trends_equals_panelols(time_effects, cov_type):
    frame = _panel(12, 9, seed=11)
    swept, reference = _both(
        frame, time_effects=time_effects, constant=True, cov_type=cov_type, cluster=None, absorb=None, trends=True
    )
    assert any(name.startswith("trend_") for name in swept.params.index)
    np.testing.assert_allclose(swept.params, reference.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(swept.cov, reference.cov, rtol=1e-7, atol=1e-12)
    assert (swept.df_resid, swept.rsquared_within > 0) == (reference.df_resid, reference.rsquared_within > 0)
