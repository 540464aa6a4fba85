"""SUR share systems against R systemfit (tests/reference/sur/SOURCE.md), dropped-equation invariance,
restriction parsing and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from replication.estimators.data import EstimationError
from replication.estimators.system import estimate_sur, parse_restrictions

HERE = Path(__file__).parent / "reference" / "sur"
DATA = pd.read_csv(HERE / "shares.csv")
REFERENCE = pd.read_csv(HERE / "shares_systemfit.csv")
REGRESSORS = ["rwL", "rwM", "lky", "off"]
SYSTEM = {"sL": ("sL", REGRESSORS), "sM": ("sM", REGRESSORS)}
SYMMETRY = ["sL_rwM = sM_rwL"]


@pytest.mark.parametrize("method", ["iterated", "fgls"])
def test_matches_systemfit_with_industry_dummies(method):
    result = estimate_sur(DATA, equations=SYSTEM, entity="industry", time="year", restrictions=SYMMETRY, method=method)
    reference = REFERENCE[REFERENCE["method"] == method].set_index("term")
    np.testing.assert_allclose(result.params[reference.index], reference["estimate"], rtol=1e-6)
    np.testing.assert_allclose(result.std_errors[reference.index], reference["se"], rtol=1e-6)
    assert result.params["sL_rwM"] == pytest.approx(result.params["sM_rwL"], abs=1e-12)


def test_ols_coefficients_match_systemfit():
    result = estimate_sur(DATA, equations=SYSTEM, entity="industry", time="year", restrictions=SYMMETRY, method="ols")
    reference = REFERENCE[REFERENCE["method"] == "ols"].set_index("term")
    np.testing.assert_allclose(result.params[reference.index], reference["estimate"], rtol=1e-6)


def test_dropped_equation_invariance():
    """Iterated SUR on shares that add up to one: dropping sH or sM gives the same sL equation and the
    implied coefficients of the dropped equation (adding-up and homogeneity) agree."""
    drop_h = estimate_sur(DATA, equations=SYSTEM, entity="industry", time="year", restrictions=SYMMETRY)
    other = ["rwL_M", "rwH_M", "lky", "off"]
    drop_m = estimate_sur(
        DATA,
        equations={"sL": ("sL", other), "sH": ("sH", other)},
        entity="industry",
        time="year",
        restrictions=["sL_rwH_M = sH_rwL_M"],
    )
    b_h, b_m = drop_h.params, drop_m.params
    assert b_m["sL_rwL_M"] == pytest.approx(b_h["sL_rwL"], rel=1e-6)
    assert b_m["sL_lky"] == pytest.approx(b_h["sL_lky"], rel=1e-6)
    assert b_m["sL_off"] == pytest.approx(b_h["sL_off"], rel=1e-6)
    assert drop_m.std_errors["sL_off"] == pytest.approx(drop_h.std_errors["sL_off"], rel=1e-5)
    # gamma_LH = -(gamma_LL + gamma_LM); the sM equation implied by drop_m: -(sL + sH) coefficients
    assert b_m["sL_rwH_M"] == pytest.approx(-(b_h["sL_rwL"] + b_h["sL_rwM"]), rel=1e-6)
    assert -(b_m["sL_off"] + b_m["sH_off"]) == pytest.approx(b_h["sM_off"], rel=1e-6)
    assert -(b_m["sL_lky"] + b_m["sH_lky"]) == pytest.approx(b_h["sM_lky"], rel=1e-6)


def test_parse_restrictions():
    names = ["a_x", "a_y", "b_x", "b_y"]
    r, q = parse_restrictions(["a_y = b_x", "a_x + 2*b_y - 1 = 0", "a_x = 0.5"], names)
    np.testing.assert_array_equal(r.to_numpy(), [[0, 1, -1, 0], [1, 0, 0, 2], [1, 0, 0, 0]])
    np.testing.assert_array_equal(q.to_numpy(), [0, 1, 0.5])
    with pytest.raises(EstimationError, match="unknown parameter 'a_z'"):
        parse_restrictions(["a_z = 0"], names)
    with pytest.raises(EstimationError, match="exactly one '='"):
        parse_restrictions(["a_x"], names)


def test_errors():
    with pytest.raises(EstimationError, match="method must be"):
        estimate_sur(DATA, equations=SYSTEM, entity="industry", time="year", method="3sls")
    with pytest.raises(EstimationError, match="column 'nope'"):
        estimate_sur(DATA, equations={"sL": ("sL", ["nope"])}, entity="industry", time="year")


@pytest.mark.slow
def test_monte_carlo_sur_recovery():
    """Iterated SUR with symmetry: bias and 95 % coverage of the offshoring effect on sL (true -0.1) over
    100 simulated share systems (the generator of tests/reference/sur/make_shares.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_shares", HERE / "make_shares.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    estimates, hits = [], []
    for seed in range(100):
        data = module.make(seed)
        result = estimate_sur(data, equations=SYSTEM, entity="industry", time="year", restrictions=SYMMETRY)
        estimates.append(result.params["sL_off"])
        low, high = result.conf_int().loc["sL_off"]
        hits.append(low <= -0.1 <= high)
    assert abs(np.mean(estimates) + 0.1) < 0.003
    assert 0.88 <= np.mean(hits) <= 0.99


def test_homogeneity_and_symmetry_restrictions_are_imposed():
    """Absolute log wages with homogeneity imposed as restrictions = the relative-wage form; the
    restrictions hold in the estimates."""
    absolute = ["lwL", "lwM", "lwH", "lky", "off"]
    restrictions = ["L_lwL + L_lwM + L_lwH = 0", "M_lwL + M_lwM + M_lwH = 0", "L_lwM = M_lwL"]
    result = estimate_sur(
        DATA,
        equations={"L": ("sL", absolute), "M": ("sM", absolute)},
        entity="industry",
        time="year",
        restrictions=restrictions,
    )
    b = result.params
    assert b["L_lwL"] + b["L_lwM"] + b["L_lwH"] == pytest.approx(0, abs=1e-12)
    assert b["M_lwL"] + b["M_lwM"] + b["M_lwH"] == pytest.approx(0, abs=1e-12)
    assert b["L_lwM"] == pytest.approx(b["M_lwL"], abs=1e-12)
    relative = estimate_sur(DATA, equations=SYSTEM, entity="industry", time="year", restrictions=SYMMETRY)
    assert b["L_lwL"] == pytest.approx(relative.params["sL_rwL"], rel=1e-6)
    assert b["L_lwM"] == pytest.approx(relative.params["sL_rwM"], rel=1e-6)
    assert b["L_off"] == pytest.approx(relative.params["sL_off"], rel=1e-6)
    assert result.std_errors["L_off"] == pytest.approx(relative.std_errors["sL_off"], rel=1e-5)


# ---------------------------------------------------------------- cluster-robust, restricted (independent reference)
def _clustered_restricted():
    data = pd.read_csv(HERE / "shares.csv")
    data["cluster"] = (data["industry"] + 1) // 2
    regressors = ["rwL", "rwM", "lky", "off"]
    return estimate_sur(
        data,
        equations={"low": ("sL", regressors), "medium": ("sM", regressors)},
        entity="industry",
        time="year",
        restrictions=["low_rwM = medium_rwL"],
        method="iterated",
        cov_type="clustered",
        cluster="cluster",
    )


def test_clustered_restricted_sur_coefficients_match_independent_reference():
    reference = pd.read_csv(HERE.parent / "sur_clustered" / "reference.csv").set_index("term")
    result = _clustered_restricted()
    np.testing.assert_allclose(result.params[reference.index], reference["estimate"], rtol=1e-6)
    assert result.params["low_rwM"] == pytest.approx(result.params["medium_rwL"], abs=1e-12)
    assert result.diagnostics["clusters"] == 13  # 25 industries in pairs


def test_clustered_restricted_sur_std_errors_match_independent_reference():
    reference = pd.read_csv(HERE.parent / "sur_clustered" / "reference.csv").set_index("term")
    result = _clustered_restricted()
    np.testing.assert_allclose(result.std_errors[reference.index], reference["std_error"], rtol=1e-6)


def test_cluster_needs_clustered_cov_type():
    data = pd.read_csv(HERE / "shares.csv")
    with pytest.raises(EstimationError, match="cluster"):
        estimate_sur(
            data, equations={"low": ("sL", ["rwL"])}, entity="industry", time="year", cov_type="robust", cluster="year"
        )


def _legacy_sample(data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The common sample as the estimators laid it out before the array path: dropna, sorted index."""
    return data.dropna(subset=columns).set_index(["industry", "year"]).sort_index()[columns]


@pytest.mark.parametrize("entity_dtype", ["int64", "object", "string[pyarrow]"])
def test_sample_order_and_checksum_do_not_depend_on_row_order_or_entity_type(entity_dtype):
    """The array path keeps the rows of `dropna().set_index([entity, time]).sort_index()`: shuffled rows, text
    entities and a row with a missing share give the same estimates, and the data checksum is that of the
    sorted sample (entity, time and the used columns)."""
    from replication.estimators.data import frame_checksum, sorted_complete_rows

    data = DATA.copy()
    data.loc[7, "sM"] = np.nan
    data["industry"] = (
        data["industry"] if entity_dtype == "int64" else ("i" + data["industry"].astype(str).str.zfill(2))
    ).astype(entity_dtype)
    shuffled = data.sample(frac=1.0, random_state=3)
    columns = sorted({"sL", "sM", *REGRESSORS})
    with pytest.raises(EstimationError, match="column 'sM' has 1 missing value"):
        estimate_sur(shuffled, equations=SYSTEM, entity="industry", time="year")
    rows, entities, periods = sorted_complete_rows(shuffled, entity="industry", time="year", columns=columns)
    legacy = _legacy_sample(shuffled, columns)
    np.testing.assert_array_equal(shuffled.iloc[rows][columns].to_numpy(), legacy.to_numpy())
    assert list(pd.unique(entities)) == list(range(legacy.index.get_level_values(0).nunique()))
    assert periods.max() + 1 == legacy.index.get_level_values(1).nunique()
    complete = shuffled.dropna(subset=columns)
    result = estimate_sur(complete, equations=SYSTEM, entity="industry", time="year", restrictions=SYMMETRY)
    ordered = estimate_sur(complete.sort_values(["industry", "year"]), equations=SYSTEM, entity="industry", time="year")
    assert result.data_checksum == frame_checksum(_legacy_sample(complete, columns).reset_index())
    assert ordered.data_checksum == result.data_checksum
    baseline = estimate_sur(DATA.drop(index=7), equations=SYSTEM, entity="industry", time="year", restrictions=SYMMETRY)
    np.testing.assert_allclose(result.params.to_numpy(), baseline.params.to_numpy(), rtol=1e-12, atol=1e-15)
    assert list(result.params.index) == list(baseline.params.index)


def test_entity_dummies_instead_of_entity_effects_give_the_same_slopes():
    """Frisch-Waugh-Lovell across the two paths: entity effects swept out, or entered as absorbed dummies
    with a constant (entity_effects = False): the same slopes, standard errors and names."""
    swept = estimate_sur(DATA, equations=SYSTEM, entity="industry", time="year", restrictions=SYMMETRY)
    dummies = estimate_sur(
        DATA.assign(ind=DATA["industry"]),
        equations=SYSTEM,
        entity="industry",
        time="year",
        restrictions=SYMMETRY,
        entity_effects=False,
        absorb=["ind"],
    )
    slopes = [f"{eq}_{term}" for eq in SYSTEM for term in REGRESSORS]
    np.testing.assert_allclose(dummies.params[slopes], swept.params[slopes], rtol=1e-8)
    np.testing.assert_allclose(dummies.std_errors[slopes], swept.std_errors[slopes], rtol=1e-6)
    assert set(dummies.params.index) == {"sL_const", "sM_const", *slopes}  # the dummies are swept, not stored
    assert dummies.diagnostics["absorbed_effects"] == {"ind": DATA["industry"].nunique() - 1}


@pytest.mark.parametrize("cov_type", ["unadjusted", "robust", "clustered"])
@pytest.mark.parametrize("entity_effects", [True, False])
def test_swept_absorbed_effects_equal_their_dummies_among_the_regressors(cov_type, entity_effects):
    """Frisch-Waugh-Lovell for the restricted GLS: absorbing group-year effects by the sweep gives the slopes,
    every covariance, Sigma, the R² and the degrees of freedom of the system that carries the same dummies as
    regressors in every equation (restrictions on the slopes imposed in both)."""
    data = DATA.assign(group_year=(DATA["industry"] % 3).astype(str) + "_" + DATA["year"].astype(str))
    levels = sorted(data["group_year"].unique())
    explicit = pd.DataFrame({f"gy{i}": (data["group_year"] == level).astype(float) for i, level in enumerate(levels)})
    explicit = explicit.iloc[:, 1:]
    if entity_effects:  # each group's first year is spanned by the group's entities' effects
        firsts = {f"gy{i}" for i, level in enumerate(levels) if level.endswith(f"_{DATA['year'].min()}")}
        explicit = explicit.drop(columns=sorted(firsts & set(explicit.columns)))
    wide = pd.concat([data, explicit], axis=1)
    dummy_system = {eq: (dep, [*regs, *explicit.columns]) for eq, (dep, regs) in SYSTEM.items()}
    options = {"entity": "industry", "time": "year", "restrictions": SYMMETRY, "cov_type": cov_type}
    options["entity_effects"] = entity_effects
    if cov_type == "clustered":
        options["cluster"] = "industry"
    swept = estimate_sur(data, equations=SYSTEM, absorb=["group_year"], **options)
    dummies = estimate_sur(wide, equations=dummy_system, **options)
    names = list(swept.params.index)
    np.testing.assert_allclose(swept.params, dummies.params[names], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(swept.cov, dummies.cov.loc[names, names], rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(swept.diagnostics["sigma"], dummies.diagnostics["sigma"], rtol=1e-9)
    for eq in SYSTEM:
        assert swept.diagnostics["rsquared"][eq] == pytest.approx(dummies.diagnostics["rsquared"][eq], rel=1e-9)
    assert swept.diagnostics["loglik"] == pytest.approx(dummies.diagnostics["loglik"], rel=1e-12)
    assert swept.df_resid == dummies.df_resid
    assert swept.diagnostics["absorbed_effects"] == {"group_year": explicit.shape[1]}


def test_demean_array_equals_the_pandas_within_transformation():
    """The array within transformation (bincount means) against the pandas one every other estimator uses:
    unsorted and unbalanced entities, values far from zero; equal to 1e-12 of the data's scale."""
    from replication.estimators.sweep import demean, demean_array

    rng = np.random.default_rng(5)
    for _ in range(50):
        n = int(rng.integers(1, 300))
        codes = pd.factorize(rng.integers(0, int(rng.integers(1, 30)), size=n), sort=True)[0]
        values = rng.normal(size=(n, 3)) * 10.0 ** rng.integers(-6, 7, size=3) + 10.0 ** rng.integers(0, 6)
        expected = demean(pd.DataFrame(values, index=pd.MultiIndex.from_arrays([codes, np.arange(n)]))).to_numpy()
        scale = np.abs(values).max(axis=0)
        assert (np.abs(demean_array(values, codes) - expected) <= 1e-12 * scale).all()


def test_check_panel_names_the_first_problem_after_its_one_pass_check():
    """The one-pass check (all numeric and finite) leaves every message to the column-by-column checks:
    a missing value, text, an infinite value, a duplicated pair with missing entities; nullable integers
    without missing values pass."""
    from replication.estimators.data import check_panel

    def check(frame):
        check_panel(frame, entity="industry", time="year", columns=["sL", "off"])

    check(DATA.assign(off=DATA["off"].round().astype("Int64")))
    with pytest.raises(EstimationError, match=r"column 'off' has 1 missing value\(s\), first at industry=1, year=1996"):
        check(DATA.assign(off=DATA["off"].where(DATA.index != 1).astype("Float64")))
    with pytest.raises(EstimationError, match="column 'sL' is not numeric"):
        check(DATA.assign(sL=DATA["sL"].astype(str)))
    with pytest.raises(EstimationError, match=r"column 'off' has 2 infinite value\(s\), first at industry=1"):
        check(DATA.assign(off=DATA["off"].where(DATA.index > 1, np.inf)))
    with pytest.raises(EstimationError, match="not unique: industry=nan, year=1995 appears 2 times"):
        check(DATA.assign(industry=DATA["industry"].where(~DATA.index.isin([0, 10]))))


def test_frame_checksum_sees_values_labels_order_and_types():
    """The data checksum changes with any value, column name, row order, index or type, and only then."""
    from replication.estimators.data import frame_checksum

    frame = DATA.head(20).assign(name=[f"i{k}" for k in range(20)])
    base = frame_checksum(frame)
    assert frame_checksum(frame.copy()) == base
    assert frame_checksum(frame.astype({"name": "string[pyarrow]"})) == base  # the same text
    changed = [
        frame.assign(sL=frame["sL"].where(frame.index != 3, frame["sL"] + 1e-15)),
        frame.rename(columns={"sL": "sl"}),
        frame.iloc[::-1],
        frame.iloc[::-1].reset_index(drop=True),
        frame.set_index("industry"),
        frame.assign(year=frame["year"].astype(float)),
        frame.assign(name=frame["name"].where(frame.index != 5, "i50")),
    ]
    assert len({base, *(frame_checksum(c) for c in changed)}) == len(changed) + 1


def test_a_row_without_its_entity_is_left_out_of_the_sample():
    """A row whose entity is missing belongs to no entity: it is left out (as pandas' grouping left it out),
    never a crash in the array path."""
    data = DATA.astype({"industry": float})
    data.loc[3, "industry"] = np.nan
    with_gap = estimate_sur(data, equations=SYSTEM, entity="industry", time="year", restrictions=SYMMETRY)
    without = estimate_sur(data.drop(index=3), equations=SYSTEM, entity="industry", time="year", restrictions=SYMMETRY)
    np.testing.assert_allclose(with_gap.params.to_numpy(), without.params.to_numpy(), rtol=1e-12)
    assert with_gap.nobs == without.nobs


FIT = pd.read_csv(HERE / "shares_systemfit_fit.csv").set_index("model")


def test_loglik_counts_and_likelihood_ratio_match_systemfit():
    """Iterated SUR is maximum likelihood: its Gaussian log-likelihood, the stacked observations, the residual
    degrees of freedom of the dummy-variable system and the LR statistic of symmetry equal systemfit's (an LR
    built on half the observations, as linearmodels 7.1's per-equation `nobs` divided by M gave, is half)."""
    fits = {
        "unrestricted": estimate_sur(DATA, equations=SYSTEM, entity="industry", time="year", tol=1e-12),
        "symmetric": estimate_sur(
            DATA, equations=SYSTEM, entity="industry", time="year", restrictions=SYMMETRY, tol=1e-12
        ),
    }
    for name, result in fits.items():
        expected = FIT.loc[name]
        assert result.diagnostics["loglik"] == pytest.approx(expected["loglik"], rel=1e-9)
        assert result.diagnostics["nobs_stacked"] == expected["nobs"] == 2 * len(DATA)
        assert result.nobs == result.diagnostics["nobs_per_equation"] == len(DATA)
        assert result.df_resid == expected["df_resid"]
    lr = 2 * (fits["unrestricted"].diagnostics["loglik"] - fits["symmetric"].diagnostics["loglik"])
    assert lr == pytest.approx(FIT["lr_symmetry"].iloc[0], rel=1e-5)
