r"""Effect claims of the skill channel through the robustness battery (the rule that reads it is the claims
stage's, :mod:`replication.claims.battery_rules`).

Each claim of ``config/skill_analysis.toml [robustness.claims]`` names a spec variant (its dependent,
regressors, sample and clusters), a design (``within_country``: entity and country-year effects, the study's
comparison of industries of one country; ``cross_country``: entity and year effects, identified by
cross-country timing), an estimand (a coefficient, or the contribution of ``terms`` at their observed
changes) and the claim's direction (``below`` / ``above`` 0, or ``zero`` for a claim of no effect).

**Verdict** (:func:`replication.claims.battery_rules.verdict`, the claims stage), in order:

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

from replication.analysis.robustness import Battery, Design, fit, mundlak, observed_change, overturns, run_battery
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
        group_label=cfg.get("group_label", "country"),
        group_plural=cfg.get("group_plural", "countries"),
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


def homogeneity_check(
    frame: pd.DataFrame, design: Design, g: dict, battery: Battery, direction: str, free: dict
) -> dict:
    """The claim's estimand with the restriction the share equation imposes lifted: the relative wages
    (``free["restricted"]``, homogeneity of degree 0 in wages) replaced by the log wages (``free["free"]``)."""
    restricted = [c for c in free["restricted"] if c in design.regressors]
    row = {"check": "homogeneity not imposed", "role": "check"}
    if not restricted:
        return {**row, "detail": "", "status": "not run", "why": "the variant has no relative wages"}
    kept = [r for r in design.regressors if r not in restricted]
    row["detail"] = f"{', '.join(free['free'])} instead of {', '.join(restricted)}"
    row.update(fit(frame, replace(design, regressors=(*kept, *free["free"])), g, battery))
    if row["status"] == "estimated":
        row["overturns"] = overturns(row, direction, battery.alpha)
    return row


def claim_battery(
    claim_id: str, claim: dict, spec_path: Path, panel: pd.DataFrame, battery: Battery, free: dict
) -> list[dict]:
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
    rows.append(homogeneity_check(frame, design, g, battery, claim["direction"], free))
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
    if "country_year" not in other_design.effects:  # what carries the labelled cross-country design
        data = frame.copy()
        split = mundlak(data, other_design, list(claim["permute"]), g, "country_year")
        for part, label in (("dev", "deviations from country-year means"), ("mean", "country-year means")):
            gg = {f"{t}__{part}": g.get(t, 0.0) for t in claim["permute"]}
            gg.update({k: v for k, v in g.items() if k not in claim["permute"]})
            rows.append(
                {
                    "check": "Mundlak split (other design)",
                    "detail": label,
                    "role": "other design",
                    **fit(data, split, gg, battery),
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
        rows.extend(claim_battery(claim_id, claim, spec_path, panel, battery, cfg["homogeneity"]))
    return pd.DataFrame(rows).reindex(columns=COLUMNS)
