"""Verdict rules of outputs/claims.csv (config/claims.toml) and the claim list itself."""

from __future__ import annotations

import math

import pytest

from replication.claims import VERDICTS, claims_config, effect_verdict, value_verdict


def e(estimate: float, p: float, low: float = math.nan, high: float = math.nan) -> dict:
    return {"estimate": estimate, "p_value": p, "low": low, "high": high}


@pytest.mark.parametrize(
    ("sign", "estimates", "verdict"),
    [
        ("positive", [e(1.0, 0.01)], "replicated"),
        ("positive", [e(-1.0, 0.01)], "not replicated"),
        ("positive", [e(1.0, 0.20)], "inconclusive"),
        ("negative", [e(-1.0, 0.04), e(5.0, 0.001)], "replicated"),  # the first estimate is the primary one
        ("none", [e(1.0, 0.50), e(2.0, 0.11)], "replicated"),
        ("none", [e(1.0, 0.50), e(2.0, 0.01)], "not replicated"),
        ("none", [e(1.0, 0.07)], "inconclusive"),
        ("none", [e(1.0, math.nan)], "inconclusive"),
    ],
)
def test_effect_rules(sign, estimates, verdict):
    assert effect_verdict(sign, estimates) == verdict


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
    assert value_verdict(published, e(0.0, 0.5, low, high)) == verdict


def test_every_published_bullet_has_a_claim():
    claims = claims_config()
    ids = [c["id"] for c in claims]
    assert len(ids) == len(set(ids)) == 17
    assert {c["kind"] for c in claims} <= {"effect", "value", "data", "skill_channel"}
    assert set(VERDICTS) == {"replicated", "not replicated", "inconclusive", "not testable"}
    for claim in claims:
        assert claim["text"] and claim["source"]
