r"""The robustness battery of the Belgian effect claims (``config/claims.toml``): ``claims_robustness.csv``.

Every estimate an ``effect`` or ``null`` claim names (``spec:variant:term``) is re-estimated in its spec's
design (a ``within`` model: industry effects and, with ``time_effects``, year effects; clusters as the spec's)
and run through the battery of :mod:`replication.analysis.robustness`, with the industry as the unit of the
identifying variation (the studies compare industries of one country over time):

- clusters at the level of the identifying variation (the specs cluster by industry already: shown as such);
- leave one industry out, for each industry;
- a linear trend per industry;
- hours weights;
- the sub-periods of ``[robustness.sub_periods]`` (per study);
- without data spikes of the term (the skill battery's rule);
- without the most influential observations;
- randomisation inference: each industry given another industry's whole series of the term (same years);
- the Mundlak split is not run: with one country the country-year means are the year means, which the
  year effects absorb.

The estimand is the term's coefficient. A signed claim (``effect``: its primary estimate) is overturned by a
check whose estimate has the other sign or whose interval contains 0 (randomisation: :math:`p \ge \alpha`). A
claim of no effect (``null``) is carried by any of its *m* terms, so each check is one Holm family over the
claim's terms that share it: the check overturns the claim when a Holm-adjusted p-value is below
:math:`\alpha` (the main rule of :func:`replication.claims.engine.null_verdict`, applied to every check).
Estimates of other estimators (GMM, first differences) or with lags are not re-estimated: their rows say so.
:func:`replication.claims.battery_rules.robust_verdict` turns it into verdicts.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from replication.analysis.robust_claims import COLUMNS, battery_settings, holm
from replication.analysis.robustness import Design, run_battery
from replication.core import config_schemas
from replication.core.fileio import write_csv
from replication.core.layout import Layout
from replication.estimators.data import NotIdentifiedError, parse_term
from replication.specs.estimate import sample_context
from replication.specs.spec import find_spec, prepare_data, read_source, spec_source, spec_variants

BELGIAN_COLUMNS = ["reference", *COLUMNS]


def settings() -> dict:
    """``config/claims.toml [robustness]`` with the alpha of ``[rules]``."""
    cfg = config_schemas.load("claims.toml")
    return {**cfg["robustness"], "alpha": cfg["rules"]["alpha"]}


def spec_design(variant, frame: pd.DataFrame) -> tuple[Design | None, str]:
    """The battery's :class:`Design` of a spec variant, or ``None`` and why it cannot be re-estimated."""
    model = variant.typed_model
    if model.estimator != "within":
        return None, f"a {model.estimator} estimate: the battery re-estimates within models only"
    terms = [model.dependent, *model.regressors]
    lagged = [t for t in terms if parse_term(t)[1]]
    if lagged:
        return None, f"lagged terms ({', '.join(lagged)}): the battery re-estimates static models only"
    entity, time = variant.data["entity"], variant.data["time"]
    effects = (entity, *((time,) if model.time_effects else ()), *model.absorb)
    return (
        Design(
            dependent=model.dependent,
            regressors=tuple(model.regressors),
            effects=effects,
            cluster=variant.inference.get("cluster") or entity,
            weights=model.weights,
            trends=entity if model.entity_trends else None,
            time=time,
        ),
        "",
    )


def reference_battery(
    reference: str, direction: str, cfg: dict, layout: Layout, sources: dict | None = None
) -> list[dict]:
    """One estimate's battery rows (``reference`` = spec:variant:term); ``sources`` keeps the data files read."""
    spec_name, variant_name, term = reference.split(":", 2)
    spec = find_spec(spec_name)
    variant = spec_variants(spec)[variant_name]
    study = spec.path.stem
    base = {"reference": reference, "direction": direction, "estimand": f"coefficient of {term}"}
    sources = {} if sources is None else sources
    path = spec_source(variant, layout)
    if path not in sources:
        sources[path] = read_source(variant, layout)
    data = sources[path]
    try:
        frame, _ = prepare_data(variant, data, country=layout.country, context=sample_context(variant, data, layout))
    except NotIdentifiedError as exc:
        return [{**base, "role": "main", "check": "main design", "status": "not identified", "why": str(exc)}]
    design, why = spec_design(variant, frame)
    if design is None:
        return [{**base, "role": "main", "check": "main design", "status": "not run", "why": why}]
    used = [design.dependent, *design.regressors, *design.effects, design.cluster, design.time, cfg["group"]]
    used += [c for c in (design.weights, cfg["weight_column"]) if c]
    frame = frame[list(dict.fromkeys(used))]  # the battery copies and merges the frame hundreds of times
    periods = cfg["sub_periods"].get(study, [])
    battery = battery_settings({**cfg, "sub_periods": periods})
    rows = run_battery(
        frame,
        design,
        {term: 1.0},
        permute=[term],
        battery=battery,
        entity=design.effects[0],
        unit=None,
        country_year=None,
        direction=direction,
    )
    label = "within-industry design (industry and year effects)" if len(design.effects) > 1 else "industry effects"
    return [{**base, **row, "design": label} for row in rows]


def holm_by_check(rows: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Claims of no effect: one Holm family per claim and check over the claim's terms; a check overturns the
    claim when an adjusted p-value is below ``alpha``."""
    rows = rows.copy()
    null = (rows["direction"] == "zero") & (rows["status"] == "estimated")
    for _, part in rows[null].groupby(["claim", "check", "detail"], sort=False):
        adjusted = holm(part["p_value"].tolist())
        rows.loc[part.index, "holm_p_value"] = adjusted
        if part["role"].iloc[0] == "check":
            rows.loc[part.index, "overturns"] = [p < alpha for p in adjusted]
    return rows


def claims_robustness(layout: Layout) -> pd.DataFrame:
    """Every effect and null claim's battery, one row per estimate and check."""
    cfg = settings()
    rows, sources = [], {}
    for claim_id, direction, references in claim_references():
        for reference in references:
            battery = reference_battery(reference, direction, cfg, layout, sources)
            rows.extend({**row, "claim": claim_id} for row in battery)
    table = pd.DataFrame(rows).reindex(columns=BELGIAN_COLUMNS)
    return holm_by_check(table, float(cfg["alpha"]))


def write_claims_robustness(layout: Layout) -> Path:
    path = layout.claims_robustness
    write_csv(path, claims_robustness(layout))
    return path


def claim_references() -> list[tuple[str, str, list[str]]]:
    """(claim id, direction, estimates) of every ``effect`` claim (its primary estimate, the one its verdict
    reads) and every ``null`` claim (all its estimates)."""
    out = []
    for claim in config_schemas.load("claims.toml")["claim"]:
        if claim["kind"] == "effect":
            out.append((claim["id"], "above" if claim["sign"] == "positive" else "below", claim["estimates"][:1]))
        elif claim["kind"] == "null":
            out.append((claim["id"], "zero", list(claim["estimates"])))
    return out
