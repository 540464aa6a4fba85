"""Offshoring arithmetic on a tiny IO table computed by hand, and on the real WIOD 2013 tables
against a direct NumPy computation from the raw matrix (an independent path)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replication.inputs.vintages import Classification, load_classification, load_country_groups, load_offshoring_config
from replication.measures.offshoring import (
    group_sums,
    imported_input_share,
    missing_members,
    offshoring_intensities,
    pooled_share,
)

TOY = Classification(
    name="toy",
    industries=pd.DataFrame({"code": ["m", "s", "g", "b", "e", "o"]}),
    products={"materials": ("g",), "business_services": ("b",), "energy": ("e",)},
    sectors={"manufacturing": ("m", "s"), "market_services": ("s",)},
)
ORIGINS = {"total": "foreign", "oecd": "oecd22", "ceec": "ceec10", "asia": "asia10"}
GROUPS = {"oecd22": ("DEU", "GBR", "FRA", "NLD"), "ceec10": ("POL",), "asia10": ("CHN",)}

FLOWS = [  # country, using_industry, supplying_country, product, value
    ("BEL", "m", "BEL", "g", 50),
    ("BEL", "m", "DEU", "g", 20),
    ("BEL", "m", "POL", "g", 5),
    ("BEL", "m", "CHN", "g", 3),
    ("BEL", "m", "RoW", "g", 2),
    ("BEL", "m", "BEL", "b", 10),
    ("BEL", "m", "GBR", "b", 4),
    ("BEL", "m", "BEL", "e", 30),
    ("BEL", "m", "NLD", "e", 40),
    ("BEL", "m", "BEL", "o", 6),
    ("BEL", "m", "FRA", "o", 10),
    ("BEL", "s", "BEL", "b", 40),
    ("BEL", "s", "DEU", "b", 10),
    ("BEL", "s", "CHN", "g", 5),
    ("BEL", "s", "BEL", "o", 45),
    ("DEU", "m", "DEU", "g", 10),
    ("DEU", "m", "BEL", "g", 10),
]


def _io(flows=FLOWS) -> pd.DataFrame:
    frame = pd.DataFrame(flows, columns=["country", "using_industry", "supplying_country", "product", "value"])
    frame.insert(1, "year", 2000)
    frame["value"] = frame["value"].astype(float)
    return frame


def _value(result: pd.DataFrame, country: str, sector: str, origin: str, measure: str) -> float:
    row = result[
        (result["country"] == country)
        & (result["sector"] == sector)
        & (result["origin"] == origin)
        & (result["measure"] == measure)
    ]
    assert len(row) == 1
    return float(row["value"].iloc[0])


# Hand computation, BEL industry m: non-energy inputs 50+20+5+3+2+10+4+6+10 = 110 (energy 30+40 out);
# imported materials 20 (DEU) + 5 (POL) + 3 (CHN) + 2 (RoW) = 30; imported business services 4 (GBR).
# BEL industry s: non-energy inputs 40+10+5+45 = 100; imported materials 5 (CHN); services 10 (DEU).
EXPECTED = {
    ("BEL", "m", "total", "om"): 100 * 30 / 110,
    ("BEL", "m", "oecd", "om"): 100 * 20 / 110,
    ("BEL", "m", "ceec", "om"): 100 * 5 / 110,
    ("BEL", "m", "asia", "om"): 100 * 3 / 110,
    ("BEL", "m", "total", "os"): 100 * 4 / 110,
    ("BEL", "m", "oecd", "os"): 100 * 4 / 110,
    ("BEL", "m", "ceec", "os"): 0.0,
    ("BEL", "s", "total", "om"): 5.0,
    ("BEL", "s", "asia", "om"): 5.0,
    ("BEL", "s", "oecd", "om"): 0.0,
    ("BEL", "s", "total", "os"): 10.0,
    ("BEL", "s", "oecd", "os"): 10.0,
    # sector = sum of numerators / sum of denominators: (30 + 5) / (110 + 100), not the mean of ratios
    ("BEL", "manufacturing", "total", "om"): 100 * 35 / 210,
    ("BEL", "manufacturing", "total", "os"): 100 * 14 / 210,
    ("BEL", "market_services", "total", "om"): 5.0,
    # Belgium is not in OECD22: for Germany it is a foreign origin of no group
    ("DEU", "m", "total", "om"): 50.0,
    ("DEU", "m", "oecd", "om"): 0.0,
}


@pytest.mark.parametrize(
    ("key", "expected"), EXPECTED.items(), ids=lambda v: "-".join(v) if isinstance(v, tuple) else ""
)
def test_hand_computed_intensities(key, expected):
    result = offshoring_intensities(_io(), TOY, origins=ORIGINS, groups=GROUPS)
    assert _value(result, *key) == pytest.approx(expected, rel=1e-12)


def test_output_is_complete_and_denominator_zero_gives_missing():
    result = offshoring_intensities(_io(), TOY, origins=ORIGINS, groups=GROUPS)
    # 2 countries x (2 sectors + 6 industries) x 4 origins x 2 measures x 1 year
    assert len(result) == 2 * 8 * 4 * 2
    # industry g uses nothing: its intensity is undefined, not zero
    assert np.isnan(_value(result, "BEL", "g", "total", "om"))
    assert list(result.columns) == [
        "country",
        "sector",
        "origin",
        "measure",
        "year",
        "numerator",
        "denominator",
        "value",
    ]


def test_categorical_input_gives_the_same_result():
    plain = offshoring_intensities(_io(), TOY, origins=ORIGINS, groups=GROUPS)
    cat = _io()
    for column in ("country", "using_industry", "supplying_country", "product"):
        cat[column] = cat[column].astype("category")
    pd.testing.assert_frame_equal(offshoring_intensities(cat, TOY, origins=ORIGINS, groups=GROUPS), plain)


def test_unsplit_imports_leave_group_origins_missing():
    flows = [
        ("BEL", "m", "BEL", "g", 60),
        ("BEL", "m", "FOREIGN", "g", 40),
        ("BEL", "s", "DEU", "g", 10),
        ("BEL", "s", "BEL", "g", 10),
    ]
    result = offshoring_intensities(_io(flows), TOY, origins=ORIGINS, groups=GROUPS)
    assert _value(result, "BEL", "m", "total", "om") == pytest.approx(40.0)
    assert np.isnan(_value(result, "BEL", "m", "oecd", "om"))
    assert _value(result, "BEL", "s", "oecd", "om") == pytest.approx(50.0)
    assert np.isnan(_value(result, "BEL", "manufacturing", "oecd", "om"))  # contains m
    assert _value(result, "BEL", "market_services", "oecd", "om") == pytest.approx(50.0)
    assert _value(result, "BEL", "manufacturing", "total", "om") == pytest.approx(100 * 50 / 120)
    assert missing_members(GROUPS, ORIGINS, {"BEL", "FOREIGN"}) == {
        k: sorted(GROUPS[v]) for k, v in ORIGINS.items() if v != "foreign"
    }


def test_imported_input_share_counts_all_products():
    shares = imported_input_share(_io())
    bel = shares[shares["country"] == "BEL"].iloc[0]
    # BEL: all inputs 180 + 100 = 280; imported 20+5+3+2+4+40+10 (m) + 10+5 (s) = 99
    assert bel["total"] == 280 and bel["imported"] == 99
    assert bel["share"] == pytest.approx(100 * 99 / 280)
    assert pooled_share(shares, ("BEL", "DEU"), year=2000) == pytest.approx(100 * (99 + 10) / (280 + 20))


def test_missing_members_reports_absent_countries():
    assert missing_members(GROUPS, ORIGINS, {"DEU", "GBR", "POL", "CHN"}) == {
        "oecd": ["FRA", "NLD"],
        "ceec": [],
        "asia": [],
    }


@pytest.mark.realdata
def test_real_wiod_matches_direct_numpy_computation(use_real_project, mirror):
    """om/os of Belgian industry c3 (food) in 1995, straight from the raw 1435 x 1435 matrix."""
    import warnings

    import rdata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wiot = rdata.read_rda(mirror / "wiod2013" / "wiot_1995.RData")["wiot_1995"]
    inter = np.asarray(wiot["inter"], dtype=float)
    countries = [str(c) for c in wiot["countries"]]
    bel = countries.index("BEL")
    column = inter[:, bel * 35 + 2].reshape(41, 35)  # supplying country x product, using BEL c3
    materials = [i - 1 for i in (3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16)]
    services = [27 - 1, 28 - 1, 30 - 1]
    non_energy = [i for i in range(35) if i not in (1, 7, 16)]
    foreign = [i for i in range(41) if i != bel]
    pol = countries.index("POL")
    denominator = column[:, non_energy].sum()
    direct = {
        ("total", "om"): column[np.ix_(foreign, materials)].sum() / denominator * 100,
        ("total", "os"): column[np.ix_(foreign, services)].sum() / denominator * 100,
        ("ceec", "om"): sum(
            column[countries.index(c), materials].sum()
            for c in ("BGR", "EST", "HUN", "LVA", "LTU", "ROM", "SVN", "SVK", "CZE")
        )
        / denominator
        * 100
        + column[pol, materials].sum() / denominator * 100,
    }
    result = pd.read_parquet(use_real_project / "data" / "interim" / "wiod2013" / "offshoring.parquet")
    for (origin, measure), expected in direct.items():
        row = result[
            (result["country"] == "BEL")
            & (result["sector"] == "c3")
            & (result["year"] == 1995)
            & (result["origin"] == origin)
            & (result["measure"] == measure)
        ]
        assert float(row["value"].iloc[0]) == pytest.approx(expected, rel=1e-12)


@pytest.mark.realdata
def test_real_belgian_levels_are_in_the_published_range(use_real_project):
    """Regression values of this vintage (measured with this package at its first release; the direct
    NumPy test above checks the arithmetic independently): manufacturing om total 41.60 in 1995 against
    35.68 published, CEEC 0.41 against 0.55."""
    result = pd.read_parquet(use_real_project / "data" / "interim" / "wiod2013" / "offshoring.parquet")
    bel = result[(result["country"] == "BEL") & (result["sector"] == "manufacturing") & (result["year"] == 1995)]
    values = bel.set_index(["origin", "measure"])["value"]
    assert values[("total", "om")] == pytest.approx(41.6026, abs=5e-4)
    assert values[("ceec", "om")] == pytest.approx(0.4133, abs=5e-4)
    assert values[("oecd", "om")] + values[("ceec", "om")] + values[("asia", "om")] < values[("total", "om")]


def test_config_definitions_match_the_documented_defaults():
    classification = load_classification("wiod2013")
    assert classification.products["energy"] == ("c2", "c8", "c17")
    assert classification.products["business_services"] == ("c27", "c28", "c30")
    assert "c8" not in classification.products["materials"] and len(classification.products["materials"]) == 13
    assert "c29" not in classification.sectors["market_services"]
    assert load_offshoring_config()["origins"]["total"] == "foreign"
    assert len(load_country_groups()["oecd22"]) == 22 and len(load_country_groups()["ceec10"]) == 10


def test_sums_of_selected_flows_equal_sums_with_zeros_bit_for_bit():
    """The intensities sum the selected flows alone (``bincount(group[rows], value[rows])``) where they summed every
    flow with the others set to 0.0: the same bits, signs, zeros and tiny values included (adding 0.0 changes no
    sum that starts at +0.0)."""
    rng = np.random.default_rng(3)
    group = rng.integers(0, 50, 20_000)
    value = rng.lognormal(3, 2, 20_000) * rng.choice([1.0, -1.0, 0.0, -0.0, 1e-300], 20_000)
    for share in (0.0, 0.01, 0.5, 1.0):
        rows = rng.random(20_000) < share
        zeros = np.bincount(group, weights=np.where(rows, value, 0.0), minlength=60)
        assert group_sums(group, value, rows, 60).tobytes() == zeros.tobytes()
