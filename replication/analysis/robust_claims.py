r"""Effect claims of the skill channel through the robustness battery, and the verdict rule that reads it.

Each claim of ``config/skill_analysis.toml [robustness.claims]`` names a spec variant (its dependent,
regressors, sample and clusters), a design (``within_country``: entity and country-year effects, the study's
comparison of industries of one country; ``cross_country``: entity and year effects, identified by
cross-country timing), an estimand (a coefficient, or the contribution of ``terms`` at their observed
changes) and the claim's direction (``below`` / ``above`` 0, or ``zero`` for a claim of no effect).

**Verdict** (:func:`verdict`), in order:

1. the sector's falsification gate fails -> *not testable*;
2. the main design does not identify the estimand -> *not testable*;
3. a sign claim: the main interval lies on the claimed side -> *replicated* when no check of the battery
   overturns it, else *inconclusive* (reason "not robust:" and the checks); the interval lies on the other
   side -> *not replicated*; it contains 0 -> *inconclusive*;
4. a claim of no effect: the main interval excludes 0, or a term's Holm-adjusted wild p-value is below
   alpha (the claim is carried by any of the terms) -> *not replicated*; else *replicated* when no check
   finds an effect, *inconclusive* (not robust) otherwise.

The other design is estimated too and shown with its label; it does not enter the verdict.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from replication.analysis.robustness import Battery, Design, fit, observed_change, run_battery
from replication.core.errors import ConfigError
from replication.estimators.inference import BootstrapOptions
from replication.specs.spec import load_spec, prepare_data, spec_variants

DESIGNS = {
    "within_country": ("country_year", "within-country design (entity and country-year effects)"),
    "cross_country": ("year", "cross-country timing design (entity and year effects)"),
}


def battery_settings(cfg: dict) -> Battery:
    return Battery(
        alpha=float(cfg["alpha"]),
        group=cfg["group"],
        enumerate_below=int(cfg["enumerate_below"]),
        sub_periods=tuple((int(a), int(b)) for a, b in cfg["sub_periods"]),
        weights=cfg["weight_column"],
        influential_share=float(cfg["influential_share"]),
        spike_factor=float(cfg["spike_factor"]),
        spike_jump=float(cfg["spike_jump"]),
        permutations=int(cfg["permutations"]),
        seed=int(cfg["seed"]),
        options=BootstrapOptions(draws=int(cfg["wild_draws"]), weights="webb", seed=int(cfg["seed"])),
    )


def holm(p_values: list[float]) -> list[float]:
    """Holm (1979) step-down adjusted p-values: :math:`\\tilde p_{(i)} = \\max_{j \\le i} \\min(1, (m-j+1) p_{(j)})`."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted.tolist()


def claim_design(spec_path: Path, claim: dict, panel: pd.DataFrame, design: str) -> tuple[pd.DataFrame, Design]:
    """The claim's variant as a :class:`Design` in ``design`` and its estimation sample."""
    variants = spec_variants(load_spec(spec_path))
    if claim["variant"] not in variants:
        raise ConfigError(f"{spec_path.name}: no variant {claim['variant']!r} (config/skill_analysis.toml)")
    spec = variants[claim["variant"]]
    frame, _ = prepare_data(spec, panel)
    regressors = tuple(spec.model["regressors"])
    missing = [t for t in claim["terms"] if t not in regressors]
    if missing:
        raise ConfigError(f"config/skill_analysis.toml: [robustness.claims] terms {missing} not in {claim['variant']}")
    effect, _ = DESIGNS[design]
    entity = spec.data["entity"]
    return frame, Design(
        dependent=spec.model["dependent"],
        regressors=regressors,
        effects=(entity, effect),
        cluster=spec.inference["cluster"],
        time=spec.data["time"],
    )


def estimand(frame: pd.DataFrame, claim: dict, *, entity: str, time: str) -> dict[str, float]:
    if claim["estimand"] == "coefficient":
        return {claim["terms"][0]: 1.0}
    return observed_change(frame, list(claim["terms"]), entity=entity, time=time)


def claim_battery(claim_id: str, claim: dict, spec_path: Path, panel: pd.DataFrame, battery: Battery) -> list[dict]:
    """Every row of one claim's battery, the other design and (claims of no effect) each term's main test."""
    frame, design = claim_design(spec_path, claim, panel, claim["design"])
    entity = design.effects[0]
    g = estimand(frame, claim, entity=entity, time=design.time)
    rows = run_battery(
        frame,
        design,
        g,
        permute=list(claim["permute"]),
        battery=battery,
        entity=entity,
        unit="industry",
        country_year="country_year",
        direction=claim["direction"],
    )
    other = next(d for d in DESIGNS if d != claim["design"])
    other_design = replace(design, effects=(entity, DESIGNS[other][0]))  # same variant, same sample
    rows.append(
        {
            "check": "other design",
            "detail": DESIGNS[other][1],
            "role": "other design",
            **fit(frame, other_design, g, battery),
        }
    )
    if claim["direction"] == "zero":
        for term in claim["terms"]:
            rows.append({"check": "term", "detail": term, "role": "term", **fit(frame, design, {term: 1.0}, battery)})
        terms = [r for r in rows if r["role"] == "term" and r["status"] == "estimated"]
        for row, adjusted in zip(terms, holm([r["p_value"] for r in terms]), strict=True):
            row["holm_p_value"] = adjusted
    for row in rows:
        row.update(
            claim=claim_id,
            design=DESIGNS[claim["design"]][1] if row["role"] != "other design" else DESIGNS[other][1],
            estimand=_estimand_label(claim, g),
            direction=claim["direction"],
        )
    return rows


def _estimand_label(claim: dict, g: dict[str, float]) -> str:
    if claim["estimand"] == "coefficient":
        return f"coefficient of {claim['terms'][0]}"
    changes = ", ".join(f"{t} {100 * v:+.2f} pp" for t, v in g.items())
    return f"share change implied by the observed changes ({changes})"


COLUMNS = [
    "claim",
    "role",
    "check",
    "detail",
    "design",
    "estimand",
    "direction",
    "status",
    "why",
    "estimate",
    "std_error",
    "p_value",
    "holm_p_value",
    "conf_low",
    "conf_high",
    "nobs",
    "clusters",
    "enumerated",
    "permutations",
    "overturns",
]


def robustness_table(cfg: dict, spec_path: Path, panel: pd.DataFrame) -> pd.DataFrame:
    """``outputs/skills/robustness.csv``: every effect claim's battery."""
    battery = battery_settings(cfg)
    rows = []
    for claim_id, claim in cfg["claims"].items():
        rows.extend(claim_battery(claim_id, claim, spec_path, panel, battery))
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def _fmt(row: pd.Series, scale: float) -> str:
    return f"{scale * row['estimate']:.3g} [{scale * row['conf_low']:.3g}, {scale * row['conf_high']:.3g}]"


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
    checks = rows[rows["role"] == "check"]
    not_run = checks[checks["status"] != "estimated"]
    skipped = "; ".join(f"{r['check']} not run ({r['why']})" for _, r in not_run.iterrows())
    failed = checks[(checks["status"] == "estimated") & (checks["overturns"].fillna(False).astype(bool))]
    names = ", ".join(
        dict.fromkeys(
            f"{r['check']}" + (f" ({r['detail']})" if r["check"] in ("leave one country out", "sub-period") else "")
            for _, r in failed.iterrows()
        )
    )
    tail = f"; {skipped}" if skipped else ""
    low, high = main["conf_low"], main["conf_high"]
    if direction in ("below", "above"):
        sign = -1.0 if direction == "below" else 1.0
        if sign * high > 0 and sign * low > 0:
            if failed.empty:
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
    if failed.empty:
        return "replicated", f"no effect in the main design ({adjusted}) and no check finds one{tail}", ours
    return "inconclusive", f"not robust: {names} find an effect ({adjusted}){tail}", ours
