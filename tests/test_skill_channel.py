"""The skill channel: EU KLEMS reader across countries, the country rule, analysis arithmetic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replication.analysis.skill_analysis import between_within, weighted_change
from replication.core.errors import DataError
from replication.inputs.sources import euklems2009
from replication.inputs.vintages import load_classification
from replication.panels.skill_selection import net_change_sd, select_countries, skill_blocks

TWO = load_classification("wiod2013")


# ---------------------------------------------------------------- reader (synthetic files in the EU KLEMS layout)
def _labour_book(path, *, lab_ages=("29", "49", "50PLUS"), ls=60.0):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    shares = {"HS": 10.0, "MS": 100.0 - 10.0 - ls, "LS": ls}
    for measure, ages in (("H", ("29", "49", "50PLUS")), ("LAB", lab_ages)):
        for skill, share in shares.items():
            for age in ages:
                for sex in ("M", "F"):
                    sheet = book.create_sheet(f"{measure}_{skill}_{age}_{sex}")
                    sheet.append(["desc", "code", "_1995", "_1996"])
                    cell = share / (2 * len(ages))
                    sheet.append(["food", "15t16", cell, cell])
                    sheet.append(["total", "TOT", cell, cell])
    book.save(path)
    return path


def test_reader_names_countries_from_file_prefixes(tmp_path):
    files = [
        _labour_book(tmp_path / "ger_labour_input_08I.xlsx", ls=40.0),
        _labour_book(tmp_path / "svn_labour_input_08I.xlsx", lab_ages=("ALL",), ls=30.0),  # 6 LAB sheets
        _labour_book(tmp_path / "usa-sic_labour_input_08I.xlsx"),  # a duplicate: skipped by the config table
    ]
    frame = euklems2009.read_accounts(files, TWO)
    value = frame.set_index(["country", "year", "industry", "variable"])["value"]
    assert set(frame["country"]) == {"DEU", "SVN"}
    assert value[("DEU", 1995, "15t16", "H_LS")] == pytest.approx(0.40)
    assert value[("SVN", 1996, "15t16", "LABLS")] == pytest.approx(0.30)  # summed over 2 sex sheets
    shares = frame[frame["variable"].isin(["H_HS", "H_MS", "H_LS"])].groupby(["country", "year"])["value"].sum()
    np.testing.assert_allclose(shares, 1.0)
    assert "TOT" not in set(frame["industry"])


def test_reader_refuses_an_unknown_country_prefix(tmp_path):
    path = _labour_book(tmp_path / "xyz_labour_input_08I.xlsx")
    with pytest.raises(DataError, match="xyz"):
        euklems2009.read_accounts([path], TWO)


def test_reader_refuses_an_incomplete_age_split(tmp_path):
    path = _labour_book(tmp_path / "aut_labour_input_08I.xlsx", lab_ages=("29", "49"))
    with pytest.raises(DataError, match="partition"):
        euklems2009.read_accounts([path], TWO)


def test_shares_that_do_not_add_up_are_dropped_and_counted(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = _labour_book(tmp_path / "dnk_labour_input_08I.xlsx")
    book = openpyxl.load_workbook(path)
    book["H_LS_29_M"]["C2"] = 50.0  # 1995 hours shares now sum to 140%
    book.save(path)
    shares, dropped = euklems2009.skill_shares(path)
    assert dropped == 1
    cell = shares[(shares["year"] == 1995) & (shares["industry"] == "15t16") & shares["variable"].str.startswith("H_")]
    assert cell["value"].isna().all()


@pytest.mark.realdata
def test_real_files_shares_sum_to_one_and_belgium_equals_its_own_read(mirror):
    folder, bel = mirror / "euklems_2008_2009_countries", mirror / "euklems_2008_2009_bel"
    files = sorted(folder.glob("*.xls")) + sorted(bel.glob("*.xls"))
    frame = euklems2009.read_accounts(files, TWO)
    assert len(set(frame["country"])) == 19  # the SIC copy of the US file is not read twice
    wide = frame[frame["variable"].isin(["H_HS", "H_MS", "H_LS"])].pivot_table(
        index=["country", "industry", "year"], columns="variable", values="value"
    )
    np.testing.assert_allclose(wide.dropna().sum(axis=1), 1.0, atol=1e-3)
    alone = euklems2009.read_accounts(sorted(bel.glob("*.xls")), TWO)
    keys = ["country", "year", "industry", "variable"]
    pooled = frame[frame["country"] == "BEL"].sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(pooled, alone.sort_values(keys).reset_index(drop=True))
    value = pooled.set_index(["year", "industry", "variable"])["value"]
    assert value[(1995, "15t16", "H_LS")] == pytest.approx(0.547, abs=5e-4)  # SOURCE.md


# ---------------------------------------------------------------- the country rule on a constructed case
def _constructed_panel() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    industries = [f"i{j}" for j in range(8)]
    for country in ("AAA", "BBB", "CCC"):
        for j, industry in enumerate(industries):
            for year in range(1995, 2006):
                if country == "AAA":  # varies by industry and year: identifies
                    share = 0.5 - 0.01 * (year - 1995) + 0.02 * j + rng.normal(0, 0.01)
                elif country == "BBB":  # level differences and a common trend only: nothing left
                    share = 0.5 - 0.01 * (year - 1995) + 0.02 * j
                else:  # two blocks of copied series
                    share = 0.4 + 0.05 * (j % 2) + rng.normal(0, 0.01) * 0 + 0.003 * (year - 1995) * (j % 2)
                rows.append(
                    {
                        "country": country,
                        "industry": industry,
                        "year": year,
                        "sector": "manufacturing",
                        "sh_ls": share,
                        "ict": 0.05,
                        "in_euklems": True,
                        "x": 1.0,
                    }
                )
    return pd.DataFrame(rows)


def test_country_rule_on_a_constructed_case():
    cfg = {
        "sectors": ["manufacturing"],
        "variable": "sh_ls",
        "first": 1995,
        "last": 2005,
        "min_sd_net_change": 0.003,
        "min_distinct_series": {"manufacturing": 6},
        "required": ["x"],
        "decimals": 5,
    }
    table, panel = select_countries(_constructed_panel(), cfg)
    table = table.set_index("country")
    assert panel.loc[panel["country"] == "AAA", "selected_manufacturing"].all()
    assert table.loc["AAA", "selected"] and not table.loc["BBB", "selected"] and not table.loc["CCC", "selected"]
    assert table.loc["BBB", "sd_net_change"] == pytest.approx(0.0, abs=1e-12)
    assert "sd of net changes" in table.loc["BBB", "reason"]
    assert table.loc["CCC", "distinct_series"] == 2 and "block-copied" in table.loc["CCC", "reason"]
    assert panel.loc[panel["country"] == "CCC", "skill_block"].nunique() == 2  # the clusters are the blocks
    assert panel.loc[panel["country"] == "AAA", "skill_block"].nunique() == 8


def test_net_change_sd_removes_common_changes():
    frame = _constructed_panel()
    assert net_change_sd(frame[frame["country"] == "BBB"], "sh_ls") == pytest.approx(0.0, abs=1e-12)
    blocks = skill_blocks(frame[frame["country"] == "CCC"], "sh_ls", decimals=5)
    assert blocks.nunique() == 2


# ---------------------------------------------------------------- decomposition arithmetic (hand-made case)
def test_between_within_split_and_weighted_change():
    part = pd.DataFrame(
        {
            "industry": ["a", "b", "a", "b"],
            "year": [1995, 1995, 2005, 2005],
            "share": [0.6, 0.2, 0.4, 0.2],
            "hours": [50.0, 50.0, 25.0, 75.0],
            "x": [0.1, 0.3, 0.2, 0.3],
        }
    )
    split = between_within(part, "share", "hours", 1995, 2005)
    # aggregate 0.4 -> 0.25: within = mean weights (0.375, 0.625) x changes (-0.2, 0) = -0.075
    assert split["observed"] == pytest.approx(-0.15)
    assert split["within"] == pytest.approx(-0.075)
    assert split["between"] == pytest.approx(-0.075)
    assert split["between"] + split["within"] == pytest.approx(split["observed"])
    assert weighted_change(part, "x", "hours", 1995, 2005) == pytest.approx(0.375 * 0.1)


# ---------------------------------------------------------------- verdict rules on constructed tables
RULES = {"alpha": 0.05, "moderation_share": 0.25, "claims_period": "1995-2007"}
PUBLISHED = pd.DataFrame(
    [
        ("decomposition_offshoring_35", "offshoring (total)", 35, "published"),
        ("decomposition_ceec_21", "materials, CEEC", 21, "published"),
        ("decomposition_oecd_0", "materials, OECD", 0, "published"),
        ("decomposition_asia_6", "materials, ASIA", 6, "implied by the package"),
    ],
    columns=["claim", "group", "percent", "origin"],
)


def _battery(claim: str, direction: str, main: tuple[float, float, float], checks=(), terms=()) -> list[dict]:
    """Rows of a claim's battery: the main design and (estimate, low, high, overturns) checks."""
    common = {
        "claim": claim,
        "direction": direction,
        "status": "estimated",
        "why": "",
        "design": "within-country",
        "estimand": "share change implied by the observed changes",
    }
    rows = [
        {
            **common,
            "role": "main",
            "check": "main design",
            "detail": "",
            "estimate": main[0],
            "conf_low": main[1],
            "conf_high": main[2],
            "p_value": 0.01,
        }
    ]
    for name, est, low, high, flips in checks:
        rows.append(
            {
                **common,
                "role": "check",
                "check": name,
                "detail": "without X",
                "estimate": est,
                "conf_low": low,
                "conf_high": high,
                "p_value": 0.5,
                "overturns": flips,
            }
        )
    for term, p, holm in terms:
        rows.append(
            {
                **common,
                "role": "term",
                "check": "term",
                "detail": term,
                "estimate": 0.0,
                "conf_low": -1,
                "conf_high": 1,
                "p_value": p,
                "holm_p_value": holm,
            }
        )
    return rows


def _tables(
    *,
    effect=(-0.5, -1.0, -0.1),
    effect_checks=(),
    null=(0.0, -0.1, 0.1),
    null_terms=(("om_oecd", 0.5, 1.0),),
    ict=(0.5, 0.1, 0.9),
    placebo_ok=True,
    bel_p=0.5,
    bel_in=False,
):
    groups = ["offshoring (total)", "materials, CEEC", "materials, OECD", "materials, ASIA"]
    robust = (
        _battery("skills_offshoring_manufacturing", "below", effect, effect_checks)
        + _battery("skills_market_services_inconclusive", "zero", null, (), null_terms)
        + _battery("ict_moderates", "above", ict)
    )
    tables = {
        "falsification": pd.DataFrame(
            [{"sector": s, "passed": placebo_ok} for s in ("manufacturing", "market_services")]
        ),
        "ict_moderation": pd.DataFrame(
            [
                {"estimate": -0.2, "wild_conf_low": -0.3, "wild_conf_high": -0.1, "ict_low": 0.0, "ict_high": 0.1},
                {"estimate": -0.2, "wild_conf_low": -0.3, "wild_conf_high": -0.1, "ict_low": 0.0, "ict_high": 0.1},
                {"estimate": 0.0, "wild_conf_low": -0.01, "wild_conf_high": 0.01, "ict_low": 0.0, "ict_high": 0.1},
            ]
        ),
        "restriction_tests": pd.DataFrame(
            [{"test": "Belgium's slopes equal the pooled ones (Wald)", "p_value": bel_p}]
        ),
        "decomposition": pd.DataFrame(
            [
                {"period": "1995-2007", "group": g, "percent": 20.0, "wild_conf_low": 5.0, "wild_conf_high": 40.0}
                for g in groups
            ]
        ),
        "robustness": pd.DataFrame(robust),
    }
    selection = pd.DataFrame([{"sector": "manufacturing", "country": "BEL", "selected": bel_in}])
    return tables, selection


def _effect_claims() -> dict:
    from replication.core import config_schemas

    return config_schemas.load("skill_analysis.toml")["robustness"]["claims"]


def _row(frame: pd.DataFrame, claim: str) -> pd.Series:
    return frame.set_index("id").loc[claim]


def _judge(claim: str, **kwargs) -> pd.Series:
    from replication.claims.skill_rules import verdicts

    tables, selection = _tables(**kwargs)
    return _row(verdicts(tables, selection, RULES, PUBLISHED, _effect_claims()), claim)


def test_a_robust_effect_is_replicated_and_one_overturned_by_a_check_is_inconclusive():
    claim = "skills_offshoring_manufacturing"
    assert _judge(claim)["verdict"] == "replicated"
    row = _judge(claim, effect_checks=[("leave one country out", 0.1, -0.2, 0.3, True)])
    assert row["verdict"] == "inconclusive" and row["reason"].startswith("not robust: leave one country out")
    assert _judge(claim, effect=(0.5, 0.1, 0.9))["verdict"] == "not replicated"
    assert _judge(claim, effect=(-0.5, -1.0, 0.2))["verdict"] == "inconclusive"
    assert _judge(claim, placebo_ok=False)["verdict"] == "not testable"


def test_a_claim_of_no_effect_is_judged_on_holm_adjusted_terms():
    claim = "skills_market_services_inconclusive"
    assert _judge(claim)["verdict"] == "replicated"
    # p 0.03 alone would reject; Holm over 4 terms makes it 0.12: still no effect
    terms = (("om_oecd", 0.03, 0.12), ("om_ceec", 0.5, 1.0), ("om_asia", 0.6, 1.0), ("os_total", 0.7, 1.0))
    assert _judge(claim, null_terms=terms)["verdict"] == "replicated"
    terms = (("om_oecd", 0.001, 0.004), ("om_ceec", 0.5, 1.0))
    row = _judge(claim, null_terms=terms)
    assert row["verdict"] == "not replicated" and "Holm p 0.004" in row["reason"]
    assert _judge(claim, null=(0.3, 0.1, 0.5))["verdict"] == "not replicated"  # the estimand itself excludes 0


def test_moderation_verdict_states_the_range_and_the_bound():
    row = _judge("ict_moderates", ict=(0.0, -0.05, 0.05))
    # range 0.1, bound 0.25 x 0.2 = 0.05: the interval x range [-0.005, 0.005] excludes it
    assert row["verdict"] == "inconclusive" and "excludes a moderation" in row["reason"]
    row = _judge("ict_moderates", ict=(0.0, -5.0, 5.0))
    assert row["verdict"] == "inconclusive" and "does not exclude a moderation" in row["reason"]
    assert _judge("ict_moderates")["verdict"] == "replicated"


def test_decomposition_values_not_testable_when_belgium_differs_from_the_pool():
    from replication.claims.skill_rules import verdicts

    tables, selection = _tables(bel_p=0.001, bel_in=False)
    frame = verdicts(tables, selection, RULES, PUBLISHED, _effect_claims()).set_index("id")
    assert (frame.loc[frame.index.str.startswith("decomposition_"), "verdict"] == "not testable").all()
    tables, selection = _tables(bel_p=0.5)  # the pool may stand in: the value rule applies
    frame = verdicts(tables, selection, RULES, PUBLISHED, _effect_claims()).set_index("id")
    assert frame.loc["decomposition_ceec_21", "verdict"] == "replicated"  # 21 in [5, 40], 0 excluded
    assert frame.loc["decomposition_offshoring_35", "verdict"] == "replicated"
    assert frame.loc["decomposition_oecd_0", "verdict"] == "not replicated"  # 0 outside [5, 40]
    assert "implied by the package" in frame.loc["decomposition_asia_6", "published"]
    assert (frame["reason"].str.len() > 0).all()


def test_wage_origin_offshoring_by_hand():
    """om/os from lower- and higher-wage origins relative to the importer, on a table small enough to add up by
    hand; no services come from a lower-wage origin (an empty selection gives 0, not integer zeros)."""
    from replication.panels.skill_panel import wage_origin_offshoring

    flows = [("A", "p1", 5.0), ("B", "p1", 3.0), ("C", "p1", 2.0), ("C", "p2", 4.0), ("A", "p3", 7.0)]
    io_use = pd.DataFrame(
        {
            "country": pd.Categorical(["A"] * 5, categories=["A", "B", "C"]),
            "year": np.full(5, 2000, dtype=np.int16),
            "using_industry": pd.Categorical(["u1"] * 5),
            "supplying_country": pd.Categorical([f[0] for f in flows], categories=["A", "B", "C"]),
            "product": pd.Categorical([f[1] for f in flows]),
            "value": [f[2] for f in flows],
        }
    )
    out = wage_origin_offshoring(
        io_use,
        pd.Series({"A": 10.0, "B": 2.0, "C": 20.0}),
        mapping=pd.Series({"u1": "X"}),
        products={"energy": ["p3"], "materials": ["p1"], "business_services": ["p2"]},
        ratio=0.5,
        years=range(2000, 2001),
    )
    assert list(out.index) == [("A", "X", 2000)]
    row = out.iloc[0]
    assert row["om_low"] == 3 / 14 and row["om_high"] == 2 / 14
    assert row["os_low"] == 0.0 and row["os_high"] == 4 / 14
    assert out.dtypes.eq(np.float64).all()


def test_restriction_wording_follows_the_p_value():
    """The report's sentence on symmetry and homogeneity says rejected or not from the computed p-value at 5%."""
    from replication.report.skills import _rejected

    assert _rejected(pd.Series({"p_value": 0.049})) == "rejected"
    assert _rejected(pd.Series({"p_value": 0.05})) == "not rejected"
    assert _rejected(pd.Series({"p_value": 0.16})) == "not rejected"
