r"""The skill channel's claims (``kind = "skill_channel"`` in ``config/claims.toml``), judged from the skill
stage's tables (``outputs/skills/``) by the rules of ``config/skill_analysis.toml``:

- the effect claims (``[robustness.claims]``: estimand, design, direction, the published words and sector) from
  their robustness battery (``robustness.csv``) and the sector's falsification gate (``falsification.csv``):
  :func:`replication.claims.battery_rules.verdict`;
- ICT moderation: the same rule, and whether the interaction's interval over the stated ICT range
  (``ict_moderation.csv``) excludes a moderation of ``moderation_share`` of the effect at low ICT;
- the decomposition claims (``data/published/skill_decomposition.csv``): *not testable* when Belgium's skill
  data fail the country rule and a Wald test rejects Belgian = pooled slopes (``restriction_tests.csv``);
  otherwise the published share against the contribution's wild interval (``decomposition.csv``): outside ->
  *not replicated*; inside an interval containing 0 -> *inconclusive*; inside one excluding 0 -> *replicated*
  (a published 0: *replicated* when the interval contains 0).
"""

from __future__ import annotations

import math

import pandas as pd

from replication.analysis.skill_analysis import published_shares
from replication.claims.battery_rules import verdict
from replication.core import config_schemas
from replication.core.errors import ReplicationError
from replication.core.layout import Layout

TABLES = ("falsification", "ict_moderation", "restriction_tests", "decomposition", "robustness", "selection")


def _ci(row: pd.Series, digits: int = 3) -> str:
    return f"[{row['wild_conf_low']:.{digits}f}, {row['wild_conf_high']:.{digits}f}]"


def _moderation_size(moderation: pd.DataFrame, main: pd.Series, share: float) -> str:
    """Whether the interaction's interval, over the stated ICT range, excludes a moderation of the stated size
    (``share`` of the absolute marginal effect of offshoring at low ICT, year-effects model)."""
    low = moderation.iloc[0]
    span = float(low["ict_high"] - low["ict_low"])
    bound = share * abs(float(low["estimate"]))
    lo, hi = main["conf_low"] * span, main["conf_high"] * span
    size = f"{share:.0%} of the marginal effect at low ICT, {bound:.4f}"
    where = f"over the ICT range {low['ict_low']:.3f}-{low['ict_high']:.3f} the interval is [{lo:.4f}, {hi:.4f}]"
    if -bound < lo and hi < bound:
        return f"{where}: it excludes a moderation of {size} (no moderation of that size)"
    return f"{where}: it does not exclude a moderation of {size}"


def verdicts(
    tables: dict[str, pd.DataFrame],
    selection: pd.DataFrame,
    rules: dict,
    published: pd.DataFrame,
    effect_claims: dict[str, dict],
) -> pd.DataFrame:
    """The skill claims: the effect claims of ``[robustness.claims]`` from their robustness battery
    (:func:`replication.claims.battery_rules.verdict`), the decomposition claims by the rule of
    ``config/skill_analysis.toml [verdicts]`` (wild bootstrap)."""
    alpha = float(rules["alpha"])
    checks = tables["falsification"]
    gate = {s: bool(part["passed"].all()) for s, part in checks.groupby("sector")}
    robust = tables["robustness"]
    rows = []

    def add(claim_id: str, said: str, ours: str, interval: str, verdict_: str, reason: str) -> None:
        rows.append(
            {
                "id": claim_id,
                "published": said,
                "ours": ours,
                "interval": interval,
                "verdict": verdict_,
                "reason": reason,
            }
        )

    for claim_id, claim in effect_claims.items():
        said, sector = claim["published"], claim["sector"]
        scale = 100.0 if claim["estimand"] == "observed_change" else 1.0  # share changes in pp
        part = robust[robust["claim"] == claim_id]
        if part.empty:
            raise ReplicationError(f"config/skill_analysis.toml: no [robustness.claims.{claim_id}] table")
        main = part[part["role"] == "main"].iloc[0]
        result, reason, ours = verdict(part, alpha=alpha, gate_passed=gate.get(sector, False), unit_scale=scale)
        unit = " pp of the share" if scale == 100.0 else ""
        if claim_id == "ict_moderates" and main["status"] == "estimated":
            reason += "; " + _moderation_size(tables["ict_moderation"], main, float(rules["moderation_share"]))
        interval = (
            f"[{scale * main['conf_low']:.3g}, {scale * main['conf_high']:.3g}]{unit}"
            if main["status"] == "estimated"
            else ""
        )
        add(claim_id, said, f"{ours}; {main['estimand']}" if ours else main["estimand"], interval, result, reason)

    tests = tables["restriction_tests"]
    bel_p = float(tests.loc[tests["test"].str.startswith("Belgium"), "p_value"].iloc[0])
    bel_row = selection[(selection["sector"] == "manufacturing") & (selection["country"] == "BEL")]
    bel_in = bool(bel_row["selected"].iloc[0]) if len(bel_row) else False
    contributions = tables["decomposition"]
    part = contributions[contributions["period"] == rules["claims_period"]].set_index("group")
    for _, claim in published.iterrows():
        claim_id, group, value = claim["claim"], claim["group"], float(claim["percent"])
        said = f"{value:g}%" + ("" if claim["origin"] == "published" else f" ({claim['origin']})")
        row = part.loc[group]
        ours = f"{row['percent']:.1f}% (pooled coefficients x Belgian changes, {rules['claims_period']})"
        interval = _ci(row, 1)
        if not bel_in and bel_p < alpha:
            add(
                claim_id,
                said,
                ours,
                interval,
                "not testable",
                f"Belgian skill data fail the rule and Belgium's slopes differ from the pool (Wald p {bel_p:.2g})",
            )
        elif math.isnan(row["percent"]):
            add(claim_id, said, ours, interval, "not testable", "the component has no Belgian data in the end year")
        elif value == 0:
            inside = row["wild_conf_low"] <= 0 <= row["wild_conf_high"]
            add(
                claim_id,
                said,
                ours,
                interval,
                "replicated" if inside else "not replicated",
                "the interval contains 0" if inside else "the interval excludes 0",
            )
        elif not row["wild_conf_low"] <= value <= row["wild_conf_high"]:
            add(claim_id, said, ours, interval, "not replicated", "the published value is outside the interval")
        elif row["wild_conf_low"] <= 0 <= row["wild_conf_high"]:
            add(claim_id, said, ours, interval, "inconclusive", "the interval contains 0 and the published value")
        else:
            add(claim_id, said, ours, interval, "replicated", "the published value is inside an interval excluding 0")
    return pd.DataFrame(rows)


_CACHE: dict = {}


def skill_verdicts(layout: Layout) -> pd.DataFrame:
    """Every skill claim's row, from the skill stage's tables (read once per build of the claims)."""
    folder = layout.skills
    key = tuple((folder / f"{name}.csv").stat().st_mtime_ns for name in TABLES)
    if _CACHE.get("key") != key:
        tables = {name: pd.read_csv(folder / f"{name}.csv") for name in TABLES}
        cfg = config_schemas.load("skill_analysis.toml")
        selection = tables.pop("selection")
        _CACHE.update(
            key=key,
            table=verdicts(tables, selection, cfg["verdicts"], published_shares(), cfg["robustness"]["claims"]),
        )
    return _CACHE["table"]
