"""The Belgian claims' robustness battery (one country, the industry as the unit of the identifying variation), the
rule that turns a battery into a verdict, and the referee exports' codebooks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replication.analysis.robustness import Battery, Design, run_battery
from replication.claims.battery import holm_by_check
from replication.claims.battery_rules import robust_verdict
from replication.core.errors import ReplicationError
from replication.estimators.inference import BootstrapOptions

BATTERY = Battery(
    alpha=0.05,
    group="entity",
    enumerate_below=12,
    sub_periods=((1995, 1999), (2000, 2004)),
    weights="hours",
    influential_share=0.01,
    spike_factor=2.0,
    spike_jump=0.01,
    permutations=49,
    seed=5,
    options=BootstrapOptions(draws=199, weights="webb", seed=3),
    group_label="industry",
    group_plural="industries",
)


def _one_country(beta: float, *, from_year: int = 1995, seed: int = 0) -> pd.DataFrame:
    """14 industries x 10 years of one country; ``y`` responds to ``om`` with ``beta`` from ``from_year`` on."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(14):
        walk = np.cumsum(rng.normal(0, 0.02, 10))
        for t, year in enumerate(range(1995, 2005)):
            om = 0.1 + walk[t]
            rows.append(
                {
                    "entity": f"BEL:i{i}",
                    "year": year,
                    "om": om,
                    "z": rng.normal(),
                    "y": beta * om * (year >= from_year) + rng.normal(0, 0.01),
                    "hours": float(rng.uniform(1, 3)),
                }
            )
    return pd.DataFrame(rows)


def _battery(frame: pd.DataFrame, direction: str) -> pd.DataFrame:
    design = Design(dependent="y", regressors=("om", "z"), effects=("entity", "year"), cluster="entity")
    rows = run_battery(
        frame,
        design,
        {"om": 1.0},
        permute=["om"],
        battery=BATTERY,
        entity="entity",
        unit=None,
        country_year=None,
        direction=direction,
    )
    return pd.DataFrame(rows).assign(direction=direction, claim="c", reference="s:v:om")


def test_one_country_battery_leaves_out_each_industry_and_permutes_whole_industry_series():
    table = _battery(_one_country(2.0), "above")
    checks = table.set_index(["check", "detail"])
    assert (table["check"] == "leave one industry out").sum() == 14
    assert checks.loc[("clusters = industries", "clusters: entity"), "status"] == "not run"  # the main design's
    mundlak = table[table["check"] == "Mundlak split"].iloc[0]
    assert mundlak["status"] == "not run" and "year effects absorb" in mundlak["why"]
    randomisation = table[table["check"] == "randomisation inference"].iloc[0]
    assert randomisation["permutations"] == 49 and randomisation["p_value"] <= 0.05
    main = table[table["role"] == "main"].iloc[0]
    assert main["conf_low"] > 0 and not table.loc[table["role"] == "check", "overturns"].fillna(False).any()


def test_a_replicated_claim_carried_by_one_sub_period_is_not_robust():
    table = _battery(_one_country(1.0, from_year=2000, seed=2), "above")
    main = table[table["role"] == "main"].iloc[0]
    early = table[(table["check"] == "sub-period") & (table["detail"] == "1995-1999")].iloc[0]
    late = table[(table["check"] == "sub-period") & (table["detail"] == "2000-2004")].iloc[0]
    assert main["conf_low"] > 0 and early["overturns"] and not late["overturns"]
    verdict, reason = robust_verdict("replicated", "main test passes", table, null=False)
    assert verdict == "inconclusive" and reason.startswith("not robust: sub-period (1995-1999)")


def test_a_robust_claim_stays_replicated_and_every_reason_counts_the_checks():
    table = _battery(_one_country(2.0), "above")
    verdict, reason = robust_verdict("replicated", "main test passes", table, null=False)
    assert verdict == "replicated" and "checks that overturn it: none" in reason and "run)" in reason
    verdict, reason = robust_verdict("inconclusive", "p = 0.2", table, null=False)
    assert verdict == "inconclusive" and "find the published sign with 0 outside the interval" in reason
    with pytest.raises(ReplicationError, match="without its robustness battery"):
        robust_verdict("replicated", "x", table.iloc[0:0], null=False)


def test_a_null_claims_checks_are_holm_families_over_its_terms():
    rows = pd.DataFrame(
        [
            {"claim": "c", "role": "check", "check": "weights", "detail": "w", "status": "estimated", "p_value": p}
            for p in (0.03, 0.20)
        ]
        + [
            {"claim": "c", "role": "check", "check": "trends", "detail": "t", "status": "estimated", "p_value": p}
            for p in (0.01, 0.50)
        ]
    ).assign(direction="zero")
    out = holm_by_check(rows, 0.05)
    assert out["holm_p_value"].round(6).tolist() == [0.06, 0.2, 0.02, 0.5]
    assert out["overturns"].tolist() == [False, False, True, False]  # p 0.03 alone would have overturned it
    verdict, reason = robust_verdict("replicated", "no term significant", out, null=True)
    assert verdict == "inconclusive" and reason.startswith("not robust: trends")


def test_a_codebook_names_every_column_and_the_specs_clusters_and_convention():
    from replication.exports.codebooks import column_table, spec_notes
    from replication.specs.spec import find_spec

    with pytest.raises(ReplicationError, match=r"no codebook entry for column\(s\) \['b'\]"):
        column_table(["a", "b"], {"a": "x"}, what="outputs/data/t.csv")
    notes = "\n".join(spec_notes(find_spec("production_manufacturing"), ["main", "system_gmm"]))
    assert "entity effects by `entity`; year effects (`year`)" in notes
    assert "CR1 by `entity`; wild bootstrap (webb, 9999 draws, seed 2014) for om_total, os_total" in notes
    assert "two-step, Windmeijer-corrected s.e." in notes
    assert "first differences within `entity` and the levels" in notes
