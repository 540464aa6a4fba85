"""Productivity versus inclusion: projection arithmetic, bands, refusals and the user's weights file."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from replication.analysis.tradeoff import (
    Elasticities,
    Estimate,
    load_scenario,
    path_by_year,
    project,
    read_weights,
    reweight,
    scenario_changes,
    summarise,
)
from replication.core.errors import ConfigError, DataError

BASE = pd.DataFrame(
    {
        "industry": ["a", "b"],
        "sector": ["manufacturing", "manufacturing"],
        "go_real": [1000.0, 3000.0],  # EUR millions
        "hours": [10.0, 30.0],  # millions of hours
        "emp": [5.0, 20.0],  # thousand persons -> 2 and 1.5 million hours per thousand persons
        "sh_ls": [0.5, 0.2],
    }
)
CHANGES = pd.DataFrame({"industry": ["a", "b"], "om_ceec": [0.01, 0.02], "ict": [0.0, 0.0]})


def _fixed(value: float, draws: int = 50) -> Estimate:
    return Estimate(value=value, draws=np.full(draws, value), source="test")


def test_projection_on_a_hand_made_case():
    elasticities = Elasticities(
        "manufacturing",
        {
            ("om_ceec", "productivity"): _fixed(2.0),
            ("om_ceec", "hours"): _fixed(-5.0),
            ("om_ceec", "skill"): _fixed(-1.0),
        },
    )
    out = project(BASE, CHANGES, elasticities, ["om_ceec", "ict"])
    point = out[(out["channel"] == "om_ceec") & (out["draw"] == -1)].iloc[0]
    d_y = 1000 * math.expm1(0.02) + 3000 * math.expm1(0.04)
    d_h = np.array([10 * math.expm1(-0.05), 30 * math.expm1(-0.10)])
    d_low = (np.array([0.5 - 0.01, 0.2 - 0.02])) * (np.array([10, 30]) + d_h) - np.array([5.0, 6.0])
    assert point["output_gain_meur"] == pytest.approx(d_y)
    assert point["output_gain_pct"] == pytest.approx(100 * d_y / 4000)
    assert point["hours_change_mh"] == pytest.approx(d_h.sum())
    assert point["jobs_change_k"] == pytest.approx(d_h[0] / 2 + d_h[1] / 1.5)
    assert point["low_hours_change_mh"] == pytest.approx(d_low.sum())
    assert point["low_jobs_change_k"] == pytest.approx(d_low[0] / 2 + d_low[1] / 1.5)
    # the ICT channel has no estimate: it contributes nothing and is reported as not identified
    ict = out[(out["channel"] == "ict") & (out["draw"] == -1)].iloc[0]
    assert ict["output_gain_meur"] == 0 and ict["low_jobs_change_k"] == 0
    table = summarise(out, elasticities, level=0.9).set_index("channel")
    assert math.isnan(table.loc["ict", "output_gain_pct"])
    assert table.loc["ict", "productivity_estimate"].startswith("not identified")
    assert table.loc["all channels", "left_out"] == "ict:productivity; ict:hours; ict:skill"


def test_bands_collapse_to_the_point_path_when_the_covariance_is_zero():
    elasticities = Elasticities(
        "manufacturing",
        {
            ("om_ceec", "productivity"): _fixed(2.0),
            ("om_ceec", "hours"): _fixed(-5.0),
            ("om_ceec", "skill"): _fixed(-1.0),
        },
    )
    table = summarise(project(BASE, CHANGES, elasticities, ["om_ceec"]), elasticities, level=0.9)
    for column in ("output_gain_pct", "low_jobs_change_k", "jobs_change_k"):
        np.testing.assert_allclose(table[f"{column}_low"], table[column])
        np.testing.assert_allclose(table[f"{column}_high"], table[column])
    # no ratio of output (at given inputs) to jobs (at given output): two counterfactuals that cannot both hold
    assert not any("ratio" in c or "per_low_job" in c for c in table.columns)


def test_a_not_credible_channel_is_refused_not_filled_in():
    elasticities = Elasticities(
        "market_services",
        {
            ("om_ceec", "productivity"): _fixed(2.0),
            ("om_ceec", "skill"): Estimate(source="skill_shares_eu:ms_low_hours", reason="not credible: placebo fails"),
        },
    )
    table = summarise(project(BASE, CHANGES, elasticities, ["om_ceec"]), elasticities, level=0.9).set_index("channel")
    assert math.isnan(table.loc["om_ceec", "low_jobs_change_k"])  # neither hours nor skill estimate: no number
    assert table.loc["om_ceec", "skill_estimate"].startswith("not credible")


def test_low_skilled_jobs_without_the_skill_channel_hold_the_share():
    """Without a skill estimate the low-skilled jobs move with hours at the base share (s dH), and the row says
    which outcome was left out."""
    elasticities = Elasticities("manufacturing", {("om_ceec", "hours"): _fixed(-5.0)})
    out = project(BASE, CHANGES, elasticities, ["om_ceec"])
    table = summarise(out, elasticities, level=0.9).set_index("channel")
    d_h = np.array([10 * math.expm1(-0.05), 30 * math.expm1(-0.10)])
    assert table.loc["om_ceec", "low_jobs_change_k"] == pytest.approx(0.5 * d_h[0] / 2 + 0.2 * d_h[1] / 1.5)
    assert "om_ceec:skill" in table.loc["all channels", "left_out"]


def test_scenario_changes_add_the_trend_and_the_annual_change(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "x"\nbase_year = 2007\nhorizon = 10\ntrend = true\n[annual_change]\nom_ceec = 0.2\n')
    scenario = load_scenario(path, ["om_ceec", "ict"])
    trend = pd.DataFrame({"industry": ["a", "b"], "om_ceec": [0.012, 0.0], "ict": [0.0, 0.024]})
    delta = scenario_changes(BASE, trend, scenario, ["om_ceec", "ict"], trend_years=12).set_index("industry")
    assert delta.loc["a", "om_ceec"] == pytest.approx(10 * (0.001 + 0.002))
    assert delta.loc["b", "ict"] == pytest.approx(10 * 0.002)


@pytest.mark.parametrize(
    "text, message",
    [
        ('name = "x"\nbase_year = 2007\nhorizon = 10\ncolour = 1\n', "unknown key"),
        ('name = "x"\nbase_year = 2007\nhorizon = 0\n', "horizon"),
        (
            'name = "x"\nbase_year = 2007\nhorizon = 5\n[annual_change]\nom_cee = 1\n',
            r"s.toml:5: \[annual_change\] channel 'om_cee' is unknown \(did you mean 'om_ceec'\?\)",
        ),
        ("base_year = 2007\nhorizon = 5\n", "missing key `name`"),
        (
            'name = "x"\nbase_year = 2007\nhorizon = true\n',
            r"s.toml:3: horizon = true: wrong type; allowed: an integer in \[1, 50\]",
        ),
        ('name = "x"\nbase_year = 2007\nhorizon = 10000000\n', r"horizon = 10000000: out of range"),
        ('name = "x"\nbase_year = 1907\nhorizon = 5\n', r"base_year = 1907: out of range"),
        ('name = "x"\nbase_year = nan\nhorizon = 5\n', r"base_year = nan: wrong type"),
        (
            'name = "x"\nbase_year = 2007\nhorizon = 5\ntrend = "false"\n',
            r"trend = 'false': wrong type; allowed: true or false",
        ),
        (
            'name = "x"\nbase_year = 2007\nhorizon = 5\n[annual_change]\nom_ceec = 1e308\n',
            r"om_ceec = 1e\+308: out of range",
        ),
        (
            'name = "x"\nbase_year = 2007\nhorizon = 5\n[annual_change]\nom_ceec = "0.2"\n',
            r"om_ceec = '0.2': wrong type",
        ),
        (
            'name = "x"\nbase_year = 2007\nhorizon = 5\nweights = "nowhere.csv"\n',
            r"relative to the scenario file's folder",
        ),
    ],
)
def test_bad_scenarios_are_refused(tmp_path, text, message):
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_scenario(path, ["om_ceec", "ict"])


SECTORS = {"a": "manufacturing", "b": "manufacturing", "c": "market_services"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("industry,hours\na,10\nzz,3\n", r"line 3, column industry: unknown industry 'zz'"),
        ("industry,hours\na,10\nb,-1\n", r"line 3, column hours: '-1' must be finite and non-negative"),
        ("industry,hours\na,ten\n", r"line 2, column hours: 'ten' is not a number"),
        ("industry,hours\na,inf\n", r"line 2, column hours"),
        ("industry,share\na,0.5\nb,0.4\nc,1\n", r"shares of manufacturing add up to 0.9"),
        ("industry,hours\na,1\na,2\n", r"line 3, column industry: 'a' appears twice"),
        ("industry,jobs\na,1\n", "needs the columns"),
        ("industry,hours\n", "no rows"),
        ("industry,hours\na,10\n", r"column industry: manufacturing lacks \['b'\]"),
        ("industry,hours\na,0\nb,0\n", r"every manufacturing value is 0"),
        ("", "cannot be read"),
    ],
)
def test_weights_file_validation(tmp_path, text, message):
    path = tmp_path / "weights.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=message) as info:
        read_weights(path, SECTORS)
    assert str(path) in str(info.value)


def test_hours_weights_do_not_depend_on_their_unit(tmp_path):
    """'hours, or any unit proportional to it': hours x 10 give the same base levels, equal to the shares."""
    outs = []
    for text in ("industry,hours\na,3\nb,1\n", "industry,hours\na,30\nb,10\n", "industry,share\na,0.75\nb,0.25\n"):
        path = tmp_path / "weights.csv"
        path.write_text(text)
        outs.append(reweight(BASE, read_weights(path, SECTORS)).set_index("industry"))
    for other in outs[1:]:
        pd.testing.assert_frame_equal(outs[0], other)
    assert outs[0]["hours"].sum() == pytest.approx(BASE["hours"].sum())  # the sector's national hours kept


def test_weights_reweight_the_industries(tmp_path):
    path = tmp_path / "weights.csv"
    path.write_text("industry,share\na,0.75\nb,0.25\nc,1\n")
    weights = read_weights(path, SECTORS)
    out = reweight(BASE, weights[weights["sector"] == "manufacturing"]).set_index("industry")
    assert out.loc["a", "hours"] == pytest.approx(30.0) and out.loc["b", "hours"] == pytest.approx(10.0)
    assert out.loc["a", "go_real"] / out.loc["a", "hours"] == pytest.approx(100.0)  # output per hour kept
    assert out.loc["b", "emp"] == pytest.approx(10.0 / 1.5)  # hours per person kept


def _results(beta: dict[str, float], cov: np.ndarray):
    from replication.estimators.results import Results

    index = list(beta)
    return Results(
        estimator="within",
        params=pd.Series(beta),
        std_errors=pd.Series(np.sqrt(np.diag(cov)), index=index),
        cov=pd.DataFrame(cov, index=index, columns=index),
        nobs=100,
        df_resid=90,
        cov_type="clustered",
        diagnostics={},
        spec={},
        data_checksum="",
        bootstrap={  # a wild interval of +- 2 standard errors unless a test sets its own (_with_wild)
            t: {"conf_low": b - 2 * se, "conf_high": b + 2 * se, "level": 0.95, "p_value": 0.5}
            for (t, b), se in zip(beta.items(), np.sqrt(np.diag(cov)), strict=True)
        },
    )


CFG = {
    "channels": {
        "om_ceec": {
            "productivity": {"spec": "production_{sector}", "variant": "by_origin", "term": "om_ceec"},
            "skill": {"spec": "skill_shares_eu", "variant": {"manufacturing": "low_hours"}, "term": "om_ceec"},
        },
        "ict": {"skill": {"spec": "skill_shares_eu", "variant": {"manufacturing": "low_hours"}, "term": "ict"}},
    }
}


def _with_wild(results, intervals: dict[str, tuple[float, float]], level: float = 0.95, distributions=None):
    """``results`` with the wild intervals ``intervals`` at ``level`` and, per term of ``distributions``, a
    stored confidence distribution ``(levels, low, high)``."""
    from dataclasses import replace

    wild = {t: {"conf_low": lo, "conf_high": hi, "level": level, "p_value": 0.5} for t, (lo, hi) in intervals.items()}
    for term, (levels, low, high) in (distributions or {}).items():
        wild[term]["distribution"] = {"levels": levels, "low": low, "high": high}
    return replace(results, bootstrap=wild)


def test_draws_reproduce_the_wild_intervals_and_keep_the_correlation(tmp_path, monkeypatch):
    from replication.analysis.tradeoff import draw_elasticities

    monkeypatch.setenv("REPLICATION_ROOT", str(tmp_path))  # no falsification table: nothing is refused
    skill = _results({"om_ceec": -0.9, "ict": 0.1}, np.array([[0.04, 0.01], [0.01, 0.09]]))
    cache = {
        "production_manufacturing": (
            {"by_origin": _with_wild(_results({"om_ceec": 1.5}, np.eye(1)), {"om_ceec": (-4.0, 3.0)})},
            {},
        ),
        "skill_shares_eu": ({"low_hours": _with_wild(skill, {"om_ceec": (-1.7, -0.5), "ict": (-0.6, 0.5)})}, {}),
    }
    rng = np.random.Generator(np.random.PCG64(1))
    drawn = draw_elasticities(CFG, "manufacturing", draws=4000, rng=rng, cache=cache)
    for (channel, outcome), (lo, hi) in {
        ("om_ceec", "productivity"): (-4.0, 3.0),  # an asymmetric interval: each side its own scale
        ("om_ceec", "skill"): (-1.7, -0.5),
        ("ict", "skill"): (-0.6, 0.5),
    }.items():
        est = drawn.get(channel, outcome)
        got = np.quantile(est.draws, [0.025, 0.975], method="inverted_cdf")  # order statistics, as the bands
        np.testing.assert_allclose(got, [lo, hi], rtol=1e-12, atol=1e-12)
        assert est.interval == (lo, hi)
    joint = np.column_stack([drawn.get("om_ceec", "skill").draws, drawn.get("ict", "skill").draws])
    assert np.corrcoef(joint.T)[0, 1] == pytest.approx(0.01 / (0.2 * 0.3), abs=0.05)  # one model, joint draws
    assert not drawn.get("ict", "productivity").identified  # no entry in the config: not identified


@pytest.mark.parametrize(
    ("levels", "low", "high", "estimate"),
    [
        # a skewed distribution: long lower tail, short upper one, the estimate inside the narrowest interval
        ([0.2, 0.5, 0.95, 0.998], [-1.0, -1.6, -3.5, -9.0], [-0.8, -0.6, -0.1, 0.3], -0.9),
        # an unbounded side at the outermost level (dropped) and an estimate outside the narrowest interval
        ([0.2, 0.95, 0.998], [0.2, -0.5, -math.inf], [0.4, 1.4, 2.0], 0.1),
    ],
)
def test_draws_reproduce_the_whole_wild_confidence_distribution(tmp_path, monkeypatch, levels, low, high, estimate):
    """With nested intervals stored, the draws' quantiles at (1 -+ L) / 2 are the wild bounds at every level."""
    from replication.analysis.tradeoff import draw_elasticities, tail_probabilities

    monkeypatch.setenv("REPLICATION_ROOT", str(tmp_path))
    main = levels.index(0.95)
    production = _with_wild(
        _results({"om_ceec": estimate}, np.eye(1)),
        {"om_ceec": (low[main], high[main])},
        distributions={"om_ceec": (levels, low, high)},
    )
    cache = {
        "production_manufacturing": ({"by_origin": production}, {}),
        "skill_shares_eu": ({"low_hours": _results({"om_ceec": -0.9, "ict": 0.1}, np.eye(2))}, {}),
    }
    drawn = draw_elasticities(CFG, "manufacturing", draws=5000, rng=np.random.default_rng(7), cache=cache)
    draws = drawn.get("om_ceec", "productivity").draws
    for level, lo, hi in zip(levels, low, high, strict=True):
        if math.isfinite(lo):
            got = np.quantile(draws, tail_probabilities(level), method="inverted_cdf")  # as the bands
            np.testing.assert_allclose(got, [lo, hi], rtol=1e-12, atol=1e-12)
    inner = low[0] <= estimate <= high[0]
    assert (np.quantile(draws, 0.5, method="inverted_cdf") == pytest.approx(estimate)) == inner
    assert np.quantile(draws, 0.0005, method="inverted_cdf") < low[-1 if math.isfinite(low[-1]) else -2]


def test_with_few_draws_the_tail_levels_they_cannot_resolve_are_dropped(tmp_path, monkeypatch):
    """200 draws put the 99.8% knots on the order statistics of the 99% ones: they go, the 95% interval stays."""
    from replication.analysis.tradeoff import draw_elasticities, tail_probabilities

    monkeypatch.setenv("REPLICATION_ROOT", str(tmp_path))
    levels, low, high = [0.5, 0.95, 0.99, 0.998], [-1.2, -2.0, -2.6, -3.0], [-0.6, 0.1, 0.5, 0.9]
    production = _with_wild(
        _results({"om_ceec": -0.9}, np.eye(1)), {"om_ceec": (-2.0, 0.1)}, distributions={"om_ceec": (levels, low, high)}
    )
    cache = {
        "production_manufacturing": ({"by_origin": production}, {}),
        "skill_shares_eu": ({"low_hours": _results({"om_ceec": -0.9, "ict": 0.1}, np.eye(2))}, {}),
    }
    drawn = draw_elasticities(CFG, "manufacturing", draws=200, rng=np.random.default_rng(2), cache=cache)
    draws = drawn.get("om_ceec", "productivity").draws
    got = np.quantile(draws, tail_probabilities(0.95), method="inverted_cdf")
    np.testing.assert_allclose(got, [-2.0, 0.1], rtol=1e-12, atol=1e-12)
    few = draw_elasticities(CFG, "manufacturing", draws=1, rng=np.random.default_rng(2), cache=cache)
    assert few.get("om_ceec", "productivity").reason.startswith("not used: too few draws")


def test_an_estimate_without_a_finite_wild_interval_is_not_used(tmp_path, monkeypatch):
    from dataclasses import replace

    from replication.analysis.tradeoff import draw_elasticities

    monkeypatch.setenv("REPLICATION_ROOT", str(tmp_path))
    unbounded = _with_wild(_results({"om_ceec": 1.5}, np.eye(1)), {"om_ceec": (-math.inf, math.inf)})
    none = replace(_results({"om_ceec": -0.9, "ict": 0.1}, np.eye(2)), bootstrap={})
    cache = {"production_manufacturing": ({"by_origin": unbounded}, {}), "skill_shares_eu": ({"low_hours": none}, {})}
    drawn = draw_elasticities(CFG, "manufacturing", draws=100, rng=np.random.default_rng(0), cache=cache)
    assert drawn.get("om_ceec", "productivity").reason.startswith("not used: om_ceec has no finite wild")
    assert drawn.get("ict", "skill").reason.startswith("not used")  # no interval stored at all


def test_a_channel_band_is_its_wild_interval_mapped_through_the_arithmetic(tmp_path, monkeypatch):
    """One channel, one outcome, changes of one sign: the output band is Y (exp(b dx) - 1) at the wild bounds."""
    from replication.analysis.tradeoff import draw_elasticities

    monkeypatch.setenv("REPLICATION_ROOT", str(tmp_path))
    production = _with_wild(_results({"om_ceec": 1.5}, np.eye(1) * 0.25), {"om_ceec": (-0.4, 4.1)})
    cache = {
        "production_manufacturing": ({"by_origin": production}, {}),
        "skill_shares_eu": ({"low_hours": _results({"om_ceec": -0.9, "ict": 0.1}, np.eye(2))}, {}),
    }
    drawn = draw_elasticities(CFG, "manufacturing", draws=20000, rng=np.random.default_rng(3), cache=cache)
    table = summarise(project(BASE, CHANGES, drawn, ["om_ceec"]), drawn, level=0.95).set_index("channel")
    mapped = [1000 * math.expm1(b * 0.01) + 3000 * math.expm1(b * 0.02) for b in (-0.4, 4.1)]
    got = table.loc["om_ceec", ["output_gain_meur_low", "output_gain_meur_high"]].to_numpy(dtype=float)
    np.testing.assert_allclose(got, mapped, rtol=1e-12)  # order statistics of a monotone map: exact
    assert "output_gain_meur" in table.loc["om_ceec", "not_distinguishable_from_zero"]


def test_a_scenario_beyond_the_observed_changes_is_flagged():
    from replication.analysis.tradeoff import extrapolation

    part = pd.DataFrame(
        {
            "industry": ["a", "b"] * 3,
            "year": [2000, 2000, 2005, 2005, 2010, 2010],
            "hours": [10.0, 30.0] * 3,
            "om_ceec": [0.01, 0.02, 0.015, 0.025, 0.02, 0.03],  # +0.5 pp every five years
        }
    )
    base = part[part["year"] == 2010]
    inside = {"om_ceec": np.array([0.004, 0.004])}
    beyond = {"om_ceec": np.array([0.02, 0.02])}
    assert extrapolation(part, base, inside, ["om_ceec"], 5) == ""
    flag = extrapolation(part, base, beyond, ["om_ceec"], 5)
    assert flag.startswith("extrapolation: om_ceec +2.00 pp vs at most 0.50 pp observed over 5 years")
    longer = extrapolation(part, base, inside, ["om_ceec"], 20)  # a horizon longer than the data
    assert "the data's whole span, shorter than 20" in longer


def test_pooled_skill_estimates_enter_only_the_labelled_assumption(tmp_path, monkeypatch):
    from replication.analysis.tradeoff import pooled_skill_reason, without_pooled_skill

    monkeypatch.setenv("REPLICATION_ROOT", str(tmp_path))
    (tmp_path / "outputs" / "skills").mkdir(parents=True)
    tests = pd.DataFrame({"test": ["Belgium's slopes equal the pooled ones (Wald)"], "p_value": [1e-9]})
    tests.to_csv(tmp_path / "outputs" / "skills" / "restriction_tests.csv", index=False)
    assumed = Elasticities("manufacturing", {("om_ceec", "skill"): _fixed(-1.0), ("om_ceec", "hours"): _fixed(-5.0)})
    headline = without_pooled_skill(assumed)
    assert not headline.get("om_ceec", "skill").identified and headline.get("om_ceec", "hours").identified
    assert headline.get("om_ceec", "skill").reason.startswith("not identified for Belgium: its slopes differ")
    tests.assign(p_value=0.4).to_csv(tmp_path / "outputs" / "skills" / "restriction_tests.csv", index=False)
    assert pooled_skill_reason("manufacturing") == ""
    assert without_pooled_skill(assumed) is assumed
    assert pooled_skill_reason("market_services").startswith("not identified for Belgium: no test")


def test_skill_estimates_of_a_falsified_sector_are_refused(tmp_path, monkeypatch):
    from replication.analysis.tradeoff import draw_elasticities

    monkeypatch.setenv("REPLICATION_ROOT", str(tmp_path))
    (tmp_path / "outputs" / "skills").mkdir(parents=True)
    pd.DataFrame({"sector": ["manufacturing"], "passed": [False]}).to_csv(
        tmp_path / "outputs" / "skills" / "falsification.csv", index=False
    )
    cache = {"production_manufacturing": ({"by_origin": _results({"om_ceec": 1.5}, np.eye(1))}, {})}
    drawn = draw_elasticities(CFG, "manufacturing", draws=10, rng=np.random.default_rng(0), cache=cache)
    assert drawn.get("om_ceec", "productivity").identified
    skill = drawn.get("om_ceec", "skill")
    assert not skill.identified and skill.reason.startswith("not credible")


def test_an_industry_weighted_to_zero_adds_nothing():
    elasticities = Elasticities(
        "manufacturing", {("om_ceec", "hours"): _fixed(-5.0), ("om_ceec", "skill"): _fixed(-1.0)}
    )
    base = BASE.assign(hours=[0.0, 30.0], emp=[0.0, 20.0], go_real=[0.0, 3000.0])
    point = project(base, CHANGES, elasticities, ["om_ceec"]).query("channel == 'om_ceec' and draw == -1").iloc[0]
    d_h = 30 * math.expm1(-0.10)
    assert point["jobs_change_k"] == pytest.approx(d_h / 1.5)
    assert point["low_jobs_change_k"] == pytest.approx(((0.2 - 0.02) * (30 + d_h) - 6.0) / 1.5)


def test_industry_outcomes_match_the_projection():
    from replication.analysis.tradeoff import industry_outcomes

    elasticities = Elasticities(
        "manufacturing",
        {
            ("om_ceec", "productivity"): _fixed(2.0),
            ("om_ceec", "hours"): _fixed(-5.0),
            ("om_ceec", "skill"): _fixed(-1.0),
        },
    )
    by_industry = industry_outcomes(BASE, CHANGES, elasticities, ["om_ceec", "ict"]).set_index("industry")
    assert by_industry.loc["a", "productivity_index"] == pytest.approx(100 * math.exp(0.02))
    assert by_industry.loc["b", "low_share_after"] == pytest.approx(0.18)
    total = project(BASE, CHANGES, elasticities, ["om_ceec", "ict"]).query("channel == 'all channels' and draw == -1")
    assert by_industry["low_jobs_change_k"].sum() == pytest.approx(total["low_jobs_change_k"].iloc[0])


def test_an_estimate_that_fails_identification_is_not_used(tmp_path, monkeypatch):
    from replication.analysis.tradeoff import draw_elasticities

    monkeypatch.setenv("REPLICATION_ROOT", str(tmp_path))
    few = _results({"om_ceec": 1.5}, np.eye(1))
    few.diagnostics["n_entities"] = 4  # fewer clusters than the rules allow
    skill = _results({"om_ceec": -0.9, "ict": 0.1}, np.eye(2) * 0.01)
    skill.diagnostics["n_entities"] = 57
    cache = {"production_manufacturing": ({"by_origin": few}, {}), "skill_shares_eu": ({"low_hours": skill}, {})}
    drawn = draw_elasticities(CFG, "manufacturing", draws=10, rng=np.random.default_rng(0), cache=cache)
    assert drawn.get("om_ceec", "skill").identified
    estimate = drawn.get("om_ceec", "productivity")
    assert not estimate.identified and "4 clusters < 6" in estimate.reason


def _simulated(*, seed: int, draws: int, extra: dict | None = None) -> Elasticities:
    """om_ceec on all three outcomes and ict on productivity, each with normal draws (and ``extra`` estimates)."""
    rng = np.random.default_rng(seed)
    table = {
        ("om_ceec", "productivity"): Estimate(value=2.0, draws=rng.normal(2.0, 1.0, draws), source="test"),
        ("om_ceec", "hours"): Estimate(value=-5.0, draws=rng.normal(-5.0, 2.0, draws), source="test"),
        ("om_ceec", "skill"): Estimate(value=-1.0, draws=rng.normal(-1.0, 0.5, draws), source="test"),
        ("ict", "productivity"): Estimate(value=0.5, draws=rng.normal(0.5, 0.2, draws), source="test"),
    }
    return Elasticities("manufacturing", {**table, **(extra or {})})


def test_the_all_channels_projection_alone_equals_its_rows_of_the_full_one():
    """The year-by-year paths project all channels together only: the same rows and summary (bands, ratio and
    the channels left out) as the all-channels rows of the full projection."""
    elasticities = _simulated(seed=7, draws=200)
    channels = ["om_ceec", "ict"]
    changes = CHANGES.assign(ict=[0.03, 0.01])
    full = project(BASE, changes, elasticities, channels)
    alone = project(BASE, changes, elasticities, channels, all_channels_only=True)
    expected = full[full["channel"] == "all channels"].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, expected)
    summary = summarise(full, elasticities, level=0.9)
    row = summarise(alone, elasticities, level=0.9, channels=channels)
    expected_row = summary[summary["channel"] == "all channels"].reset_index(drop=True)
    pd.testing.assert_frame_equal(row, expected_row[row.columns])
    # the full summary's other columns are the single channels' estimate names, empty on this row
    assert expected_row.drop(columns=row.columns).isna().all(axis=None)
    assert summary.set_index("channel").loc["all channels", "left_out"] == "ict:hours; ict:skill"


@pytest.mark.parametrize("trend_on", [True, False])
def test_the_year_by_year_path_equals_a_projection_per_year(trend_on):
    """:func:`path_by_year` (arrays, levels aligned once) gives exactly the rows of projecting and summarising
    each year's changes on their own, as the stage did before, trend or not, with a channel not identified."""
    elasticities = _simulated(seed=11, draws=300, extra={("ict", "skill"): Estimate(source="test", reason="placebo")})
    channels = ["om_ceec", "ict"]
    base = BASE.iloc[::-1].reset_index(drop=True)  # levels in another order than the trend's industries
    trend = pd.DataFrame({"industry": ["a", "b"], "om_ceec": [0.012, 0.03], "ict": [0.0, 0.024]})
    scenario = {"name": "x", "base_year": 2007, "horizon": 7, "trend": trend_on, "annual_change": {"om_ceec": 0.3}}
    path = path_by_year(base, trend, scenario, elasticities, channels, trend_years=12, level=0.9)
    expected = pd.concat(
        [
            summarise(
                project(
                    base,
                    scenario_changes(base, trend, {**scenario, "horizon": year}, channels, trend_years=12),
                    elasticities,
                    channels,
                    all_channels_only=True,
                ),
                elasticities,
                level=0.9,
                channels=channels,
            ).assign(year=2007 + year)
            for year in range(1, 8)
        ],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(path, expected, check_exact=True)
    assert path["left_out"].eq("ict:hours; ict:skill").all()
    assert path["output_gain_meur"].abs().min() > 0
