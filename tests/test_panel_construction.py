"""Estimation panel: construction identities on synthetic and real data, skill-variation rule, coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replication.panels.panel import carry_forward, construct, coverage, skill_variation


def _raw() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": ["BEL"] * 2,
            "industry": ["c3", "c3"],
            "year": [1995, 1996],
            "go": [200.0, 230.0],
            "va": [80.0, 90.0],
            "ii": [120.0, 140.0],
            "go_p": [100.0, 115.0],
            "va_p": [100.0, 110.0],
            "ii_p": [100.0, 120.0],
            "emp": [10.0, 10.5],
            "hours": [15.0, 15.5],
            "lab": [60.0, 66.0],
            "comp": [55.0, 60.0],
            "k_real": [300.0, 310.0],
            "sh_ls": [0.5, 0.45],
            "sh_ms": [0.3, 0.33],
            "sh_hs": [0.2, 0.22],
            "sb_ls": [0.4, 0.36],
            "sb_ms": [0.3, 0.32],
            "sb_hs": [0.3, 0.32],
            "om_total": [0.3, 0.32],
            "os_total": [0.02, 0.03],
            "non_energy": [100.0, 110.0],
            "all_inputs": [125.0, 137.5],
        }
    )


def test_construction_identities():
    panel = construct(_raw())
    # deflation: real x price / 100 = nominal
    np.testing.assert_allclose(panel["go_real"] * panel["go_p"] / 100, panel["go"])
    np.testing.assert_allclose(panel["ii_real"] * panel["ii_p"] / 100, panel["ii"])
    # wages x hours = labour compensation, by skill and in total
    total = sum(panel[f"w_{s}"] * panel[f"sh_{s}"] * panel["hours"] for s in ("ls", "ms", "hs"))
    np.testing.assert_allclose(total, panel["lab"])
    np.testing.assert_allclose(panel["wage"] * panel["hours"], panel["lab"])
    # homogeneity variables: log wages relative to the high-skilled wage
    np.testing.assert_allclose(panel["ln_rw_ls"], np.log(panel["w_ls"] / panel["w_hs"]))
    # offshoring over output: om x (non-energy / all inputs) x II / GO
    np.testing.assert_allclose(panel["omo_total"], panel["om_total"] * 0.8 * panel["ii"] / panel["go"])
    assert list(panel["trend"]) == [0, 1]


def test_carry_forward_only_after_the_last_observation():
    frame = pd.DataFrame(
        {"country": "BEL", "industry": "c3", "year": [1, 2, 3, 4, 5], "ict": [0.1, np.nan, 0.3, np.nan, np.nan]}
    )
    out = carry_forward(frame, "ict", years=1)
    assert out["ict"].tolist()[:4] == [0.1, pytest.approx(np.nan, nan_ok=True), 0.3, 0.3]
    assert np.isnan(out["ict"].iloc[4]) and out["ict_imputed"].tolist() == [False, False, False, True, False]


def test_skill_variation_and_coverage():
    panel = pd.DataFrame(
        {
            "country": ["A"] * 4 + ["B"] * 4,
            "sector": "manufacturing",
            "year": [1, 1, 2, 2] * 2,
            "industry": ["x", "y"] * 4,
            "sh_ls": [0.5, 0.5, 0.4, 0.4, 0.5, 0.3, 0.4, 0.2],
            "k": [1, np.nan, 1, 1, 1, 1, 1, 1],
        }
    )
    variation = skill_variation(panel, sector="manufacturing", variable="sh_ls")
    assert variation["A"] == 0 and variation["B"] == pytest.approx(np.std([0.5, 0.3], ddof=1))
    lost = coverage(panel, sample=panel["country"] == "A", variables=["sh_ls", "k"])
    assert lost.to_dict("records") == [{"country": "A", "industry": "y", "year": 1, "missing": "k"}]


@pytest.mark.realdata
def test_real_panel_identities(real_panel):
    bel = real_panel[(real_panel["country"] == "BEL") & real_panel["sh_ls"].notna()]
    np.testing.assert_allclose(bel[["sh_ls", "sh_ms", "sh_hs"]].sum(axis=1), 1.0, atol=1e-3)
    np.testing.assert_allclose(bel[["sb_ls", "sb_ms", "sb_hs"]].sum(axis=1), 1.0, atol=1e-3)
    ok = bel.dropna(subset=["w_ls", "w_ms", "w_hs"])
    total = sum(ok[f"w_{s}"] * ok[f"sh_{s}"] * ok["hours"] for s in ("ls", "ms", "hs"))
    np.testing.assert_allclose(total, ok["lab"], rtol=1e-9)
    # SOURCE.md: H_LS = 0.270804 in every Belgian manufacturing industry in 2007
    manufacturing_2007 = bel[(bel["sector"] == "manufacturing") & (bel["year"] == 2007)]
    np.testing.assert_allclose(manufacturing_2007["sh_ls"], 0.270804, atol=5e-7)
    # ICT from EU KLEMS: c4 and c5 share the 17t19 value; 2007 carried forward from 2006 and flagged
    c4, c5 = (bel[(bel["industry"] == c) & (bel["year"] == 2000)]["ict"].iloc[0] for c in ("c4", "c5"))
    assert c4 == c5 and 0 < c4 < 1
    row2007 = bel[(bel["industry"] == "c9") & (bel["year"] == 2007)].iloc[0]
    row2006 = bel[(bel["industry"] == "c9") & (bel["year"] == 2006)].iloc[0]
    assert row2007["ict_imputed"] and row2007["ict"] == row2006["ict"]
    # offshoring columns are the stage-2 intensities as fractions
    measured = bel.dropna(subset=["om_total"])  # industries without intermediate inputs (c35) have none
    assert len(measured) > 0.9 * len(bel)
    assert measured["om_total"].between(0, 1).all() and (measured["om_ceec"] <= measured["om_total"]).all()


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(pd.Categorical(["BEL", None, "DEU", "BEL"], categories=["DEU", "BEL", "unused"]), name="country"),
        pd.Series(pd.Categorical([1995, 2007, None]), index=[5, 3, 9]),  # numbers as categories, another index
        pd.Series(pd.Categorical(["c1", "c2"]), index=[7, 1], name="product"),
        pd.Series(pd.Categorical([], categories=["a"])),
        pd.Series(["x", None, "y"], dtype="str"),
        pd.Series([1.5, 2.0]),
    ],
)
def test_as_text_gives_what_astype_str_gives(column):
    """The fast path for categorical code columns returns exactly ``astype(str)``: values, missing, dtype, index,
    name."""
    from replication.inputs.tidy import as_text

    pd.testing.assert_series_equal(as_text(column), column.astype(str))
