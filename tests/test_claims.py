"""Verdict rules of outputs/claims.csv (config/claims.toml) on constructed cases, and the claim list itself."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from replication.analysis.identification import failures
from replication.claims.engine import (
    VERDICTS,
    claims_config,
    data_rows,
    effect_verdict,
    null_verdict,
    rules_config,
    table1_statements,
    value_verdict,
)
from replication.core.layout import Layout
from replication.estimators.results import Results


def e(estimate: float, p: float, low: float = math.nan, high: float = math.nan, fails=()) -> dict:
    return {"estimate": estimate, "p_value": p, "low": low, "high": high, "failures": list(fails)}


@pytest.mark.parametrize(
    ("sign", "estimates", "verdict"),
    [
        ("positive", [e(1.0, 0.01)], "replicated"),
        ("positive", [e(-1.0, 0.01)], "not replicated"),
        ("positive", [e(1.0, 0.20)], "inconclusive"),
        ("negative", [e(-1.0, 0.04), e(5.0, 0.001)], "replicated"),  # the first estimate is the primary one
        ("positive", [e(1.0, 0.01, fails=["21 instruments >= 14 units"])], "not testable"),
    ],
)
def test_effect_rules(sign, estimates, verdict):
    assert effect_verdict(sign, estimates, alpha=0.05)[0] == verdict


def effect(low: float, high: float, fails=(), p: float = 0.5) -> dict:
    return {"term": "x", "effect_low": low, "effect_high": high, "failures": list(fails), "p_value": p}


@pytest.mark.parametrize(
    ("effects", "verdict"),
    [
        ([effect(-1.5, 1.2), effect(-0.3, 0.4)], "replicated"),  # equivalence: every interval within +-2%
        ([effect(-8.8, 10.7)], "inconclusive"),  # uninformative: the interval admits large effects
        ([effect(0.2, 3.0, p=0.001), effect(-1.0, 1.0)], "not replicated"),  # significant after Holm (0.002)
        # one of eight terms at p 0.01 (its interval excludes 0) is not significant after Holm (0.08)
        ([effect(0.2, 1.8, p=0.01)] + [effect(-1.0, 1.0, p=0.6)] * 7, "replicated"),
        ([effect(-1.0, 1.0, fails=["4 clusters < 6"])], "not testable"),
        ([effect(math.nan, math.nan)], "inconclusive"),
    ],
)
def test_null_claims_by_equivalence(effects, verdict):
    assert null_verdict(effects, bound=2.0)[0] == verdict


@pytest.mark.parametrize(
    ("published", "low", "high", "verdict"),
    [
        (35, 20, 50, "replicated"),
        (35, 40, 60, "not replicated"),
        (8, -2, 15, "inconclusive"),
        (8, math.nan, math.nan, "inconclusive"),
    ],
)
def test_value_rules(published, low, high, verdict):
    assert value_verdict(published, e(0.0, 0.5, low, high))[0] == verdict


def test_data_claim_level_fails_while_the_change_passes(monkeypatch):
    import replication.claims.engine as claims

    monkeypatch.setattr(claims, "_data_measure", lambda measure, layout: [47.0, 25.0])
    claim = {"id": "low", "published": [53, 31], "measure": "m", "tolerance": 5, "tolerance_change": 3}
    rows = {r["id"]: r for r in data_rows(claim, Layout("v", "BEL"))}
    assert rows["low_level"]["verdict"] == "not replicated"  # 47 vs 53: six points off
    assert rows["low_change"]["verdict"] == "replicated"  # -22 vs -22
    assert rows["low_change"]["published"] == "-22" and rows["low_change"]["ours"] == "-22.0"


def test_table1_statements_on_constructed_values(tmp_path):
    rows = []
    for sector in ("manufacturing", "market_services"):
        for origin, g_om, g_os in (("total", 1, 5), ("oecd", 0, 4), ("ceec", 10, 12), ("asia", 6, 16)):
            for measure, g in (("om", g_om), ("os", g_os)):
                level = 30.0 if measure == "om" else 2.0
                for statistic, value in (("1995", level), ("2007", level), ("g", g)):
                    rows.append((sector, origin, measure, statistic, value))
    table = pd.DataFrame(rows, columns=["sector", "origin", "measure", "statistic", "ours"])
    from replication.core import config

    path = config.project_root() / "outputs" / "t.csv"
    out = table1_statements(table, {"id": "table1", "far_larger": 5}, path)
    assert [r["verdict"] for r in out] == ["replicated", "replicated", "replicated"]
    table.loc[(table["origin"] == "asia") & (table["statistic"] == "g"), "ours"] = -1.0  # Asia slower than OECD
    assert table1_statements(table, {"id": "table1", "far_larger": 5}, path)[0]["verdict"] == "not replicated"


def _results(estimator="within", se=0.1, **diagnostics):
    return Results(
        estimator=estimator,
        params=pd.Series({"x": 1.0}),
        std_errors=pd.Series({"x": se}),
        cov=pd.DataFrame([[se**2]], index=["x"], columns=["x"]),
        nobs=100,
        df_resid=90,
        cov_type="clustered",
        diagnostics=diagnostics,
        spec={},
        data_checksum="",
    )


def test_identification_rules_trigger_not_testable():
    assert failures(_results(n_entities=14)) == []
    assert failures(_results(se=np.nan, n_entities=14)) == ["x: non-finite or zero standard error"]
    assert failures(_results(n_entities=4)) == ["4 clusters < 6"]
    assert failures(_results(n_entities=4), inference=False) == []  # a table may print it; a verdict may not
    gmm = _results(
        "system_gmm", n_entities=14, n_instruments=21, generalised_inverse_used=True, hansen_j={"pvalue": 1.0}
    )
    assert failures(gmm, inference=False) == [
        "21 instruments >= 14 units",
        "singular weight matrix (generalised inverse)",
        "degenerate Hansen test (p = 1)",
    ]


def test_every_published_bullet_has_a_claim():
    claims = claims_config()
    ids = [c["id"] for c in claims]
    assert len(ids) == len(set(ids)) == 29
    assert {c["kind"] for c in claims} <= {"effect", "null", "data", "data_min", "table1", "skill_channel"}
    assert set(VERDICTS) == {"replicated", "not replicated", "inconclusive", "not testable"}
    assert rules_config()["alpha"] == 0.05
    for claim in claims:
        assert claim["text"] and claim["source"]
        if claim["kind"] == "null":
            assert claim["bound"] > 0 and len(claim["period"]) == 2


def test_a_verdict_without_a_reason_fails_the_build(monkeypatch):
    """Every claim row states why it got its verdict: an empty reason is an error, not a blank cell."""
    from replication.claims import engine
    from replication.core.errors import ReplicationError
    from replication.core.layout import Layout

    config = [{"id": "some_claim", "source": "s", "text": "t", "kind": "data", "measure": "imported_share:BEL:2005"}]
    monkeypatch.setattr(engine, "claims_config", lambda: config)
    monkeypatch.setattr(
        engine, "claim_rows", lambda claim, layout, rules: [{"id": claim["id"], "verdict": "replicated", "reason": " "}]
    )
    with pytest.raises(ReplicationError, match="claims without a reason for their verdict: some_claim"):
        engine.build_claims(Layout())
