r"""The verdict rules that read a robustness battery (``robustness.csv`` of the skill claims,
``claims_robustness.csv`` of the Belgian effect and null claims): the claims stage's one place for them.

- :func:`verdict`: a skill effect claim from its battery (the rule of
  :mod:`replication.analysis.robust_claims`'s docstring): the falsification gate, the main design's interval on
  the claimed side, and no check of the battery overturning it;
- :func:`robust_verdict`: a Belgian claim's main-test verdict (:mod:`replication.claims.engine`) against its
  battery: a *replicated* verdict that a check overturns becomes *inconclusive (not robust: ...)*;
- :func:`battery_outcome`: which checks overturn a claim, how many ran, which could not run and why.
"""

from __future__ import annotations

import pandas as pd

from replication.analysis.robust_claims import COLUMNS
from replication.core.errors import ReplicationError


def _fmt(row: pd.Series, scale: float) -> str:
    return f"{scale * row['estimate']:.3g} [{scale * row['conf_low']:.3g}, {scale * row['conf_high']:.3g}]"


def _listed(failed: pd.DataFrame, ran: pd.DataFrame) -> str:
    """The checks of ``failed`` by name, with the left-out industry or sub-period where the check has several."""
    parts = []
    for name, part in failed.groupby("check", sort=False):
        several = (name.startswith("leave one") or name == "sub-period") and ran["check"].eq(name).sum() > 1
        details = list(dict.fromkeys(part["detail"]))
        if several and len(details) < ran.loc[ran["check"] == name, "detail"].nunique():
            parts.append(f"{name} ({', '.join(details)})")
        elif several:
            parts.append(f"{name} (all {len(details)})")
        else:
            parts.append(name)
    return ", ".join(parts)


def battery_outcome(rows: pd.DataFrame) -> tuple[str, int, int, list[str]]:
    """(the checks that overturn the claim, grouped by check, "" when none; how many overturn it; how many ran;
    the checks not run and why). A check is one (check, detail) pair; a claim of no effect's check counts once
    over its terms."""
    checks = rows[rows["role"] == "check"]
    ran = checks[checks["status"] == "estimated"].drop_duplicates(["check", "detail"])
    overturning = checks[(checks["status"] == "estimated") & checks["overturns"].fillna(False).astype(bool)]
    failed = overturning.drop_duplicates(["check", "detail"])
    not_run = list(
        dict.fromkeys(f"{r['check']}: {r['why']}" for _, r in checks[checks["status"] != "estimated"].iterrows())
    )
    return _listed(failed, ran), len(failed), len(ran), not_run


def verdict(rows: pd.DataFrame, *, alpha: float, gate_passed: bool, unit_scale: float = 1.0) -> tuple[str, str, str]:
    """(verdict, reason, ours) of one claim from its battery rows (the rule in the module docstring)."""
    rows = rows.reindex(columns=list(dict.fromkeys([*rows.columns, *COLUMNS])))
    main = rows[rows["role"] == "main"].iloc[0]
    direction = main["direction"]
    if not gate_passed:
        return "not testable", "the sector's falsification gate fails (Holm-adjusted, stated size)", ""
    if main["status"] != "estimated":
        return "not testable", f"the main design does not identify the estimand: {main['why']}", ""
    ours = f"{_fmt(main, unit_scale)} ({main['design']})"
    names, _, _, not_run = battery_outcome(rows)
    failed = bool(names)
    tail = f"; not run: {'; '.join(not_run)}" if not_run else ""
    low, high = main["conf_low"], main["conf_high"]
    if direction in ("below", "above"):
        sign = -1.0 if direction == "below" else 1.0
        if sign * high > 0 and sign * low > 0:
            if not failed:
                return "replicated", f"the interval lies {direction} 0 and no check overturns it{tail}", ours
            return "inconclusive", f"not robust: {names} (sign flips or 0 in the interval){tail}", ours
        if sign * high < 0 and sign * low < 0:
            return "not replicated", f"the interval lies on the other side of 0{tail}", ours
        return "inconclusive", f"the main design's interval contains 0 (wild p {main['p_value']:.2f}){tail}", ours
    terms = rows[rows["role"] == "term"]
    significant = terms[terms["holm_p_value"] < alpha]
    if low > 0 or high < 0:
        return "not replicated", "the main design's interval excludes 0", ours
    if not significant.empty:
        listed = ", ".join(f"{r['detail']} (Holm p {r['holm_p_value']:.3f})" for _, r in significant.iterrows())
        return "not replicated", f"a term is significant after Holm's adjustment: {listed}", ours
    adjusted = f"smallest Holm-adjusted term p {terms['holm_p_value'].min():.2f} over {len(terms)} terms"
    if not failed:
        return "replicated", f"no effect in the main design ({adjusted}) and no check finds one{tail}", ours
    return "inconclusive", f"not robust: {names} find an effect ({adjusted}){tail}", ours


def robust_verdict(verdict: str, reason: str, rows: pd.DataFrame, *, null: bool) -> tuple[str, str]:
    """The main test's verdict against the claim's robustness battery (``claims_robustness.csv``): a
    *replicated* verdict that a check overturns becomes *inconclusive (not robust)*; every reason says how many
    checks ran and which overturn the claim (a signed claim that the main test does not replicate: which checks
    would have found it)."""
    if rows.empty:
        raise ReplicationError("a claim without its robustness battery (replication/claims/battery.py)")
    failed, n_failed, ran, not_run = battery_outcome(rows)
    skipped = f"; not run: {'; '.join(not_run)}" if not_run else ""
    if verdict == "replicated" and failed:
        return "inconclusive", f"not robust: {failed}; main test: {reason}{skipped}"
    if verdict == "replicated" or null:
        found = "overturn it" if verdict == "replicated" else "find an effect (Holm over the claim's terms)"
        return verdict, f"{reason}; robustness battery, checks that {found}: {failed or 'none'} ({ran} run){skipped}"
    # one term: every check that ran and does not overturn the claim finds the published sign, 0 outside
    return verdict, (
        f"{reason}; robustness battery: {ran - n_failed} of {ran} checks find the published sign with 0 outside "
        f"the interval{skipped}"
    )
