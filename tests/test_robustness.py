"""The robustness battery on constructed panels: a robust effect is replicated, an effect carried by one country or
by countries' aggregate time paths is not, Holm's adjustment, the spike rule and the main fit against the package's
own wild bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replication.analysis.robust_claims import holm
from replication.analysis.robustness import Battery, Design, derangements, fit, run_battery, spikes
from replication.claims.battery_rules import verdict
from replication.estimators.inference import BootstrapOptions

BATTERY = Battery(
    alpha=0.05,
    group="country",
    enumerate_below=12,
    sub_periods=((1995, 1999), (2000, 2004)),
    weights="hours",
    influential_share=0.01,
    spike_factor=2.0,
    spike_jump=0.01,
    permutations=49,
    seed=7,
    options=BootstrapOptions(draws=199, weights="webb", seed=11),
)
COUNTRIES = [f"C{i}" for i in range(1, 9)]


def _panel(beta: dict[str, float], *, path_only: bool = False, seed: int = 0) -> pd.DataFrame:
    """8 countries x 6 industries x 10 years. ``om`` varies by industry within a country (a random walk) and by a
    country-year path; the share responds with ``beta[country]`` to the industry variation, or (``path_only``) to
    the country-year path alone."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in COUNTRIES:
        path = np.cumsum(rng.normal(0, 0.01, 10))
        for i in range(6):
            walk = np.cumsum(rng.normal(0, 0.01, 10))
            level = rng.normal(0, 0.05)
            for t, year in enumerate(range(1995, 2005)):
                om = 0.1 + path[t] + walk[t]
                driver = path[t] if path_only else walk[t]
                share = 0.3 + level + beta.get(c, 0.0) * driver + 0.02 * path[t] * (not path_only)
                rows.append(
                    {
                        "country": c,
                        "industry": f"i{i}",
                        "entity": f"{c}:i{i}",
                        "year": year,
                        "country_year": f"{c}:{year}",
                        "om": om,
                        "z": rng.normal(),
                        "share": share + rng.normal(0, 0.001),
                        "hours": float(rng.uniform(1, 3)),
                    }
                )
    return pd.DataFrame(rows)


def _design(effects: str) -> Design:
    return Design(dependent="share", regressors=("om", "z"), effects=("entity", effects), cluster="entity")


def _judge(frame: pd.DataFrame, effects: str, direction: str = "below") -> tuple[str, str, pd.DataFrame]:
    rows = run_battery(
        frame,
        _design(effects),
        {"om": 1.0},
        permute=["om"],
        battery=BATTERY,
        entity="entity",
        unit="industry",
        country_year="country_year",
        direction=direction,
    )
    table = pd.DataFrame(rows).assign(direction=direction, design=effects, estimand="coefficient of om")
    result, reason, _ = verdict(table, alpha=0.05, gate_passed=True)
    return result, reason, table


@pytest.mark.slow  # a whole battery: about 3 s
def test_a_robust_effect_is_replicated():
    result, reason, table = _judge(_panel({c: -1.0 for c in COUNTRIES}), "country_year")
    assert result == "replicated", reason
    main = table[table["role"] == "main"].iloc[0]
    assert main["estimate"] == pytest.approx(-1.0, abs=0.05)
    checks = table[table["role"] == "check"]
    assert set(checks["check"]) >= {
        "clusters = countries",
        "leave one country out",
        "trends",
        "weights",
        "sub-period",
        "influential observations",
        "randomisation inference",
    }
    assert not checks["overturns"].fillna(False).astype(bool).any()


@pytest.mark.slow  # a whole battery: about 3 s
def test_an_effect_carried_by_one_country_is_inconclusive():
    frame = _panel({"C1": -8.0})
    result, reason, table = _judge(frame, "country_year")
    assert result == "inconclusive", reason
    loco = table[(table["check"] == "leave one country out") & (table["detail"] == "without C1")].iloc[0]
    assert bool(loco["overturns"])  # without C1 there is nothing left
    if reason.startswith("not robust"):
        assert "without C1" in reason


@pytest.mark.slow  # a whole battery: about 3 s
def test_an_effect_carried_by_country_time_paths_is_not_replicated_in_the_within_country_design():
    frame = _panel({c: -1.0 for c in COUNTRIES}, path_only=True)
    result, reason, _ = _judge(frame, "country_year")
    assert result == "inconclusive" and reason.startswith("the main design's interval contains 0"), reason
    # the cross-country design finds it, and its Mundlak split puts it on the country-year means
    _, _, table = _judge(frame, "year")
    mundlak = table[table["check"] == "Mundlak split"].set_index("detail")
    means = mundlak.loc["country-year means"]
    assert means["estimate"] < -0.5 and means["conf_high"] < 0  # (attenuated: the means hold the walks' average)
    assert abs(mundlak.loc["deviations from country-year means", "estimate"]) < 0.2


def test_the_main_fit_of_a_single_coefficient_is_the_restricted_wild_bootstrap_of_the_estimator():
    """The battery's fit (first effect partialled out, the other effects as columns) equals the package's
    within estimator with time effects and its wild bootstrap, on the same draws."""
    from replication.estimators.static import static_bootstrap_engine

    frame = _panel({c: -1.0 for c in COUNTRIES}, seed=3)
    frame["cluster"] = pd.factorize(frame["entity"])[0]
    ours = fit(frame, Design("share", ("om", "z"), ("entity", "year"), "cluster"), {"om": 1.0}, BATTERY)
    engine, columns = static_bootstrap_engine(
        frame,
        dependent="share",
        regressors=["om", "z"],
        entity="entity",
        time="year",
        options=BATTERY.options,
        time_effects=True,
        cluster="cluster",
    )
    j = columns.index("om")
    assert ours["estimate"] == pytest.approx(engine.beta[j], rel=1e-10)
    assert ours["p_value"] == pytest.approx(engine.pvalue(j, 0.0), abs=1e-12)
    np.testing.assert_allclose([ours["conf_low"], ours["conf_high"]], engine.confidence_interval(j), rtol=1e-8)


def test_few_clusters_are_enumerated_and_cannot_reject_below_two_over_two_to_the_g():
    frame = _panel({c: -1.0 for c in COUNTRIES[:5]})
    frame = frame[frame["country"].isin(COUNTRIES[:5])]
    out = fit(frame, Design("share", ("om", "z"), ("entity", "year"), "country"), {"om": 1.0}, BATTERY)
    assert out["enumerated"] and out["clusters"] == 5
    assert out["p_value"] >= 2 / 2**5


def test_holm_adjustment():
    assert holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert holm([0.2]) == [0.2]


def test_the_spike_rule_flags_an_isolated_jump_only():
    frame = pd.DataFrame(
        {
            "entity": ["a"] * 5 + ["b"] * 5,
            "year": list(range(1995, 2000)) * 2,
            "om": [0.01, 0.012, 0.05, 0.013, 0.014, 0.01, 0.02, 0.03, 0.04, 0.05],  # a 1997 spike; b a steady rise
        }
    )
    flagged = spikes(frame, ["om"], entity="entity", time="year", factor=2.0, jump=0.01)
    assert frame.loc[flagged, ["entity", "year"]].to_numpy().tolist() == [["a", 1997]]


def test_derangements_have_no_fixed_point_and_are_all_listed_when_few():
    found = derangements(["A", "B", "C", "D", "E"], limit=1000, seed=1)
    assert len(found) == 44
    assert all(all(k != v for k, v in m.items()) for m in found)
    sample = derangements([f"c{i}" for i in range(12)], limit=50, seed=1)
    assert len(sample) == 50 and all(all(k != v for k, v in m.items()) for m in sample)
