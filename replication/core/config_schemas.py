"""The schema of every configuration file a researcher edits (``config/*.toml``) and of the scenario files
(``scenarios/*.toml``), in the terms of :mod:`replication.core.toml_schema`. ``docs/config.md``'s key tables are
generated from them (``python -m replication config-docs``; ``make lint`` checks they are current).

Names that live in another file are checked where both are known: vintages here (``config/vintages.toml``),
spec variants and terms where the estimates are read, data columns where the data are.
"""

from __future__ import annotations

import tomllib
from typing import Any

from replication.core import config
from replication.core.errors import ConfigError
from replication.core.toml_schema import OPTIONAL, Array, Each, Key, Table, did_you_mean, unknown_name

SECTORS = ("manufacturing", "market_services")
#: the largest number of simulation or bootstrap draws a file may ask for (memory grows with it)
MAX_DRAWS = 100_000
#: the years a configuration may name (the data of every shipped vintage lie inside)
FIRST_YEAR, LAST_YEAR = 1970, 2030
YEAR = {"kind": "int", "low": FIRST_YEAR, "high": LAST_YEAR}
SHARE = ["sh_ls", "sh_ms", "sh_hs", "sb_ls", "sb_ms", "sb_hs", "sh_ls_sea"]


def _vintage(value: Any) -> str | None:
    """A vintage of ``config/vintages.toml``."""
    try:
        names = tomllib.loads((config.config_dir() / "vintages.toml").read_text(encoding="utf-8")).get("vintages", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None  # the vintages file's own check reports it
    return None if value in names else f"not a vintage of config/vintages.toml{did_you_mean(value, names)}"


def _iso3(value: Any) -> str | None:
    return None if len(value) == 3 and value.isalpha() and value.isupper() else "not an ISO3 code such as BEL"


def _iso3_list(value: Any) -> str | None:
    bad = [v for v in value if not (len(v) == 3 and v.isalpha() and v.isupper())]
    return f"{bad} are not ISO3 codes" if bad else None


def _sectors(value: Any) -> str | None:
    bad = [v for v in value if v not in SECTORS]
    return f"{bad[0]!r} is not a sector{did_you_mean(bad[0], SECTORS)}; sectors: {list(SECTORS)}" if bad else None


def _unique(value: Any) -> str | None:
    return None if len(set(value)) == len(value) else "repeats a value"


def _periods(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "should be a non-empty list of [start, end] pairs"
    for pair in value:
        ok = (
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(y, int) and not isinstance(y, bool) for y in pair)
        )
        if not ok or not FIRST_YEAR <= pair[0] < pair[1] <= LAST_YEAR:
            return f"{pair!r} is not [start, end] with {FIRST_YEAR} <= start < end <= {LAST_YEAR}"
    return None


def _variant_by_sector(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return None
    if isinstance(value, dict) and value and all(isinstance(v, str) and v for v in value.values()):
        return _sectors(list(value))
    return "should be a variant name or a table sector -> variant name"


def _year_periods(value: Any) -> str | None:
    for i, entry in enumerate(value):
        if not isinstance(entry, dict) or set(entry) != {"start", "end", "share"}:
            return f"entry {i + 1} should be {{ start, end, share }}"
        start, end = entry["start"], entry["end"]
        if not all(isinstance(y, int) and not isinstance(y, bool) for y in (start, end)) or not start < end:
            return f"entry {i + 1}: start < end, both whole years"
        if entry["share"] not in SHARE:
            return f"entry {i + 1}: share {entry['share']!r} is not one of {SHARE}"
    return None


def _group_table(what: str) -> Each:
    return Each(f"{what}: name -> list of terms", Key("terms", kind="list[str]", nonempty=True), names="group")


ALPHA = {"kind": "number", "low": 0, "high": 1, "open_low": True, "open_high": True}

# ---------------------------------------------------------------------------------------------- panel.toml
PANEL = Table(
    "The estimation panel (replication/panels/panel.py, docs/panel.md).",
    {
        "ict": Table(
            "ICT intensity: EU KLEMS ICT capital compensation share, mapped to the vintage's industries",
            {
                "vintage": Key("vintage whose accounts give ICT", rule=_vintage),
                "variable": Key("accounts variable of ICT capital compensation (e.g. CAPIT)", nonempty=True),
                "concordance": Key("column of the classification's industry table that maps to it", nonempty=True),
                "carry_forward_years": Key(
                    "the last ICT observation fills at most this many later years (flagged ict_imputed)",
                    kind="int",
                    default=0,
                    low=0,
                    high=10,
                ),
            },
        ),
        "skill_variation": Table(
            "countries of the pooled skill panel: skill shares that vary across industries",
            {
                "sector": Key("sector the rule is measured on", choices=SECTORS),
                "variable": Key("skill share measured", choices=tuple(SHARE)),
                "min_mean_sd": Key("smallest mean cross-industry s.d. kept", kind="number", low=0, high=1),
            },
        ),
        "spillovers": Table(
            "upstream and downstream offshoring",
            {"self_weight": Key("count the industry among its own suppliers and customers", kind="bool")},
        ),
    },
)

# the robustness battery's settings (replication/analysis/robustness.py), shared by the skill claims
# (config/skill_analysis.toml) and the Belgian effect claims (config/claims.toml)
_BATTERY = {
    "alpha": Key("level of the checks", **ALPHA),
    "group": Key("column of the unit of the identifying variation", nonempty=True),
    "enumerate_below": Key("enumerate Rademacher patterns below this many clusters", kind="int", low=2, high=16),
    "wild_draws": Key("Webb draws", kind="int", low=99, high=100_000),
    "seed": Key("seed", kind="int", low=0),
    "weight_column": Key("weights column of the weighted check", nonempty=True),
    "influential_share": Key("share of the most influential rows left out", **ALPHA),
    "spike_factor": Key("a spike exceeds its neighbours by this factor", kind="number", low=1, high=100),
    "spike_jump": Key("and by this amount", kind="number", low=0, high=1),
    "permutations": Key("largest number of permutations", kind="int", low=10, high=100_000),
}

# ---------------------------------------------------------------------------------------------- claims.toml
_CLAIM_COMMON = {
    "id": Key("claim id (unique; the row of outputs/claims.csv)", nonempty=True),
    "source": Key("the publication the claim is from", nonempty=True),
    "text": Key("the claim in words", nonempty=True),
    "kind": Key("verdict rule (docs/claims.md)"),
    "note": Key("a remark shown with the verdict", default=""),
}
_ESTIMATES = Key(
    "estimates testing it, `spec:variant:term` (the first is the primary one)", kind="list[str]", nonempty=True
)
_MEASURE = Key("the descriptive measure (docs/claims.md)", nonempty=True)
CLAIMS = Table(
    "Published claims and the verdict rules (replication/claims/engine.py, docs/claims.md).",
    {
        "studies": Table(
            "whose numbers the published claims are",
            {
                "country": Key("the country of the studies", rule=_iso3),
                "last_year": Each("last year of each study's sample", Key("year", **YEAR), names="study"),
            },
        ),
        "rules": Table(
            "rules of every verdict",
            {
                "alpha": Key("significance level of effect verdicts", **ALPHA),
                "min_clusters": Key("fewest clusters an estimate may have", kind="int", low=2, high=10_000),
                "hansen_edge": Key(
                    "a Hansen p-value this close to 0 or 1 is degenerate", kind="number", low=0, high=0.5, open_low=True
                ),
            },
        ),
        "robustness": Table(
            "the robustness battery of the effect and null claims (replication/claims/battery.py)",
            {
                **{k: v for k, v in _BATTERY.items() if k != "alpha"},
                "group_label": Key("the unit's name in the checks' labels", nonempty=True),
                "group_plural": Key("its plural", nonempty=True),
                "sub_periods": Each(
                    "sub-periods of each study (the spec file's stem)",
                    Key("sub-periods [start, end]", kind="any", rule=_periods),
                    names="study",
                ),
            },
        ),
        "claim": Array(
            "one entry per published claim",
            _CLAIM_COMMON,
            by="kind",
            unique="id",
            variants={
                "effect": {
                    "sign": Key("the published sign", choices=("positive", "negative")),
                    "estimates": _ESTIMATES,
                },
                "null": {
                    "bound": Key("equivalence bound, % of the outcome", kind="number", low=0, high=100, open_low=True),
                    "period": Key("years of the observed change", kind="year_pair", low=FIRST_YEAR, high=LAST_YEAR),
                    "estimates": _ESTIMATES,
                },
                "value": {
                    "published": Key("the published number", kind="number"),
                    "estimates": _ESTIMATES,
                },
                "data": {
                    "published": Key(
                        "the published number, or [level, level]",
                        kind="any",
                        rule=lambda v: (
                            None
                            if (isinstance(v, (int, float)) and not isinstance(v, bool))
                            or (
                                isinstance(v, list)
                                and len(v) == 2
                                and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
                            )
                            else "should be a number or two numbers [first, last]"
                        ),
                    ),
                    "measure": _MEASURE,
                    "tolerance": Key("largest gap of each level", kind="number", low=0, high=100),
                    "tolerance_change": Key(
                        "largest gap of the change (a claim of its own)",
                        kind="number",
                        low=0,
                        high=100,
                        default=OPTIONAL,
                    ),
                },
                "data_min": {
                    "minimum": Key("the smallest value that replicates", kind="number"),
                    "measure": _MEASURE,
                },
                "table1": {
                    "level_abs": Key("level tolerance, percentage points", kind="number", low=0, high=100),
                    "level_rel": Key("or this fraction of the published level", kind="number", low=0, high=1),
                    "growth_abs": Key(
                        "growth-rate tolerance, percentage points a year", kind="number", low=0, high=100
                    ),
                    "growth_rel": Key("or this fraction of the published growth rate", kind="number", low=0, high=1),
                    "far_larger": Key("'far larger': at least this many times", kind="number", low=1, high=1000),
                },
                "skill_channel": {},
            },
        ),
    },
)

# ---------------------------------------------------------------------------------------------- decomposition.toml
DECOMPOSITION = Table(
    "Decompositions of the fall in a low-skilled share (replication/analysis/decomposition.py).",
    {
        "groups": _group_table("contribution groups"),
        "totals": Each(
            "totals over groups: name -> list of group names",
            Key("groups", kind="list[str]", nonempty=True),
            names="total",
        ),
        "interactions": Each(
            "interaction terms: name -> [term, moderator]",
            Key("the two terms", kind="list[str]", rule=lambda v: None if len(v) == 2 else "should be two terms"),
            names="interaction",
        ),
        "decomposition": Array(
            "one entry per decomposition",
            {
                "name": Key("name (file and row label)", nonempty=True),
                "title": Key("title of its table", nonempty=True),
                "spec": Key("spec (estimations/belgium/<spec>.toml instance)", nonempty=True),
                "variant": Key("variant of the spec whose coefficients are used", nonempty=True),
                "equation": Key("equation of the share system", choices=("low", "medium")),
                "bootstrap_variant": Key("within or pooled variant giving the wild bootstrap draws", nonempty=True),
                "sector": Key("sector", choices=SECTORS),
                "share": Key("the share decomposed", choices=tuple(SHARE)),
                "weights": Key("industry weights of the sector means", choices=("hours", "lab")),
                "start": Key("first year", **YEAR),
                "end": Key("last year (after start)", **YEAR),
                "compare_published": Key("shown beside the published decomposition", kind="bool"),
            },
            unique="name",
        ),
    },
)

# ---------------------------------------------------------------------------------------------- tradeoff.toml
_ESTIMATE_REF = Table(
    "the estimate carrying a channel to an outcome",
    {
        "spec": Key("spec name (`{sector}` is replaced by the sector)", nonempty=True),
        "variant": Key("variant (or a table sector -> variant)", kind="any", rule=_variant_by_sector),
        "term": Key("coefficient", nonempty=True),
    },
    optional=True,
)
TRADEOFF = Table(
    "Productivity versus inclusion (replication/analysis/tradeoff.py, docs/scenarios.md).",
    {
        "country": Key("country of the base levels", rule=_iso3),
        "panel_vintage": Key("vintage whose panel gives the base levels", rule=_vintage),
        "sectors": Key("sectors simulated", kind="list[str]", nonempty=True, rule=lambda v: _sectors(v) or _unique(v)),
        "ict_concordance": Key("classification column mapping EU KLEMS industries to the panel's", nonempty=True),
        "simulation": Table(
            "the simulated bands",
            {
                "draws": Key("number of draws", kind="int", low=1, high=MAX_DRAWS),
                "seed": Key("seed of numpy's PCG64", kind="int", low=0, high=2**63 - 1),
                "level": Key("band level (central share of the draws)", **ALPHA),
            },
        ),
        "history": Table(
            "the historical account",
            {"periods": Key("[start, end] periods; the first gives the trend", kind="any", rule=_periods)},
        ),
        "channels": Each(
            "channels: label and the estimate carrying it to each outcome",
            Table(
                "one channel",
                {
                    "label": Key("label in tables and figures", nonempty=True),
                    "productivity": _ESTIMATE_REF,
                    "hours": _ESTIMATE_REF,
                    "skill": _ESTIMATE_REF,
                },
            ),
            names="channel",
        ),
    },
)

# ---------------------------------------------------------------------------------------------- skill_analysis.toml
SKILL_ANALYSIS = Table(
    "The skill channel's tests, decomposition and verdicts (replication/analysis/skill_analysis.py).",
    {
        "spec": Key("the skill-share spec file", nonempty=True),
        "falsification": Table("placebo and lead checks", {"alpha": Key("level of the checks", **ALPHA)}),
        "coefficients": Table(
            "the coefficient table",
            {
                "variants": Key("variants shown", kind="list[str]", nonempty=True, rule=_unique),
                "terms": Key("terms shown", kind="list[str]", nonempty=True, rule=_unique),
            },
        ),
        "ict_moderation": Table(
            "offshoring effect at low and high ICT intensity",
            {
                "variant": Key("variant with the interaction", nonempty=True),
                "term": Key("offshoring term", nonempty=True),
                "interaction": Key("interaction term", nonempty=True),
                "moderator": Key("the moderating variable", nonempty=True),
                "low_quantile": Key("low ICT quantile", **ALPHA),
                "high_quantile": Key("high ICT quantile (above low)", **ALPHA),
            },
        ),
        "decomposition": Table(
            "the Belgian decomposition of the skill channel",
            {
                "variant": Key("variant whose coefficients are used", nonempty=True),
                "country": Key("country decomposed", rule=_iso3),
                "sector": Key("sector", choices=SECTORS),
                "weights": Key("industry weights", choices=("hours", "lab")),
                "base_year": Key("base year of the year effects", **YEAR),
                "offshoring_groups": Key("groups summed as offshoring", kind="list[str]", nonempty=True),
                "periods": Key("periods { start, end, share }", kind="any", rule=_year_periods),
                "groups": _group_table("contribution groups"),
            },
        ),
        "sanity_check": Table(
            "the Michaels-Natraj-Van Reenen check",
            {"spec": Key("spec file", nonempty=True), "term": Key("ICT term", nonempty=True)},
        ),
        "verdicts": Table(
            "the skill channel's verdict rules",
            {
                "alpha": Key("significance level", **ALPHA),
                "moderation_share": Key("smallest share of the effect ICT must offset", kind="number", low=0, high=1),
                "claims_period": Key("period of the decomposition claims, `start-end`", nonempty=True),
            },
        ),
        "robustness": Table(
            "the robustness battery of the effect claims (replication/analysis/robustness.py)",
            {
                **_BATTERY,
                "sub_periods": Key("sub-periods [start, end]", kind="any", rule=_periods),
                "homogeneity": Table(
                    "the check that lifts the homogeneity restriction",
                    {
                        "restricted": Key("regressors that impose it (relative wages)", kind="list[str]", rule=_unique),
                        "free": Key("the regressors that replace them (log wages)", kind="list[str]", rule=_unique),
                    },
                ),
                "claims": Each(
                    "one effect claim",
                    Table(
                        "an effect claim's test",
                        {
                            "published": Key("the study's words, shown beside ours", nonempty=True),
                            "sector": Key("sector whose falsification gate the claim needs", choices=SECTORS),
                            "variant": Key("spec variant (dependent, regressors, sample, clusters)", nonempty=True),
                            "design": Key("design of the verdict", choices=("within_country", "cross_country")),
                            "estimand": Key("what is tested", choices=("observed_change", "coefficient")),
                            "terms": Key("terms of the estimand", kind="list[str]", nonempty=True, rule=_unique),
                            "direction": Key("the claim's sign", choices=("below", "above", "zero")),
                            "permute": Key(
                                "series a randomisation draw takes from another country", kind="list[str]", rule=_unique
                            ),
                        },
                    ),
                    names="claim",
                ),
            },
        ),
    },
)

# ---------------------------------------------------------------------------------------------- skill_panel.toml
SKILL_PANEL = Table(
    "The pooled skill panel (replication/panels/skill_panel.py, docs/skill_panel.md).",
    {
        "sources": Table(
            "the vintages it is built from",
            {
                "accounts_vintage": Key("EU KLEMS skill shares, accounts, ICT capital", rule=_vintage),
                "offshoring_vintage": Key("WIOD offshoring by industry and origin", rule=_vintage),
                "concordance": Key("classification column mapping the offshoring industries", nonempty=True),
            },
        ),
        "years": Table(
            "years",
            {
                "first": Key("first year of offshoring", **YEAR),
                "accounts_first": Key("first year of the accounts", **YEAR),
                "last": Key("last year", **YEAR),
                "ict_carry_forward": Key("years the last ICT value fills", kind="int", low=0, high=10),
            },
        ),
        "ict": Table("ICT intensity", {"main": Key("the ICT column", nonempty=True)}),
        "wage_origins": Table(
            "the high- and low-wage origin split",
            {
                "base_year": Key("year of the wage comparison", **YEAR),
                "ratio": Key(
                    "high-wage: at least this ratio to the country's wage", kind="number", low=0, open_low=True
                ),
            },
        ),
        "placebo": Table(
            "donor placebos",
            {
                "donors": Key(
                    "donor countries", kind="list[str]", nonempty=True, rule=lambda v: _iso3_list(v) or _unique(v)
                ),
                "terms": Key("terms replaced", kind="list[str]", nonempty=True, rule=_unique),
            },
        ),
        "leads": Table("lead checks", {"terms": Key("terms led", kind="list[str]", nonempty=True, rule=_unique)}),
        "selection": Table(
            "the country selection rule",
            {
                "sectors": Key(
                    "sectors the rule is applied to",
                    kind="list[str]",
                    nonempty=True,
                    rule=lambda v: _sectors(v) or _unique(v),
                ),
                "variable": Key("skill share measured", choices=tuple(SHARE)),
                "first": Key("first year", **YEAR),
                "last": Key("last year", **YEAR),
                "min_sd_net_change": Key("smallest s.d. of net changes", kind="number", low=0, high=1),
                "min_distinct_series": Each(
                    "fewest distinct industry series by sector",
                    Key("count", kind="int", low=1, high=1000),
                    names="sector",
                ),
                "required": Key("columns every kept row has", kind="list[str]", nonempty=True),
                "decimals": Key("decimals of the series comparison", kind="int", low=0, high=15),
            },
        ),
    },
)

# ---------------------------------------------------------------------------------------------- offshoring.toml
OFFSHORING = Table(
    "Offshoring measures and Table 1 (replication/measures/offshoring.py).",
    {
        "origins": Each(
            "origin groups of the measures: suffix -> country group",
            Key("country group", nonempty=True),
            names="origin",
        ),
        "variant_origins": Each(
            "origin groups of the variant measures", Key("country group", nonempty=True), names="origin"
        ),
        "table1": Table(
            "Table 1",
            {
                "base_year": Key("first year", **YEAR),
                "end_year": Key("last year", **YEAR),
                "country": Key("country", rule=_iso3),
            },
        ),
        "figure_cross_country": Table(
            "the cross-country figure",
            {"year": Key("year", **YEAR), "benchmark_group": Key("country group of the benchmark bar", nonempty=True)},
        ),
    },
)


# ---------------------------------------------------------------------------------------------- vintages.toml
def _part(value: Any) -> str | None:
    """``{ source, dataset | path, anomalies }`` or ``{ vintage }``."""
    if set(value) == {"vintage"}:
        return None if isinstance(value["vintage"], str) and value["vintage"] else "vintage should be a vintage name"
    unknown = sorted(set(value) - {"source", "dataset", "path", "anomalies"})
    if "vintage" in value:
        return "with `vintage` (the same table as that vintage's) takes no other key"
    if unknown:
        allowed = ["source", "dataset", "path", "anomalies"]
        return f"unknown key {unknown[0]!r}{did_you_mean(unknown[0], allowed)}; keys: {allowed} (or vintage alone)"
    if not isinstance(value.get("source"), str) or not value["source"]:
        return "needs `source` (a reader of replication/inputs/sources)"
    if ("dataset" in value) == ("path" in value):
        return "needs exactly one of `dataset` (data/manifest.toml) or `path` (a CSV of yours)"
    dataset = value.get("dataset")
    if dataset is not None and not (
        (isinstance(dataset, str) and dataset)
        or (isinstance(dataset, list) and dataset and all(isinstance(d, str) for d in dataset))
    ):
        return "dataset should be a dataset name or a list of them"
    for key in ("path", "anomalies"):
        if key in value and (not isinstance(value[key], str) or not value[key]):
            return f"{key} should be a file name"
    return None


VINTAGES = Table(
    "Data vintages and industry classifications (replication/inputs/vintages.py, docs/DESIGN.md).",
    {
        "vintages": Each(
            "one entry per vintage (`make all VINTAGE=<name>`)",
            Table(
                "a vintage",
                {
                    "description": Key("one line on the data", default=""),
                    "classification": Key("its industry classification ([classifications.<name>])", nonempty=True),
                    "io_use": Key(
                        "input-output use table: { source, dataset | path, anomalies } or { vintage }",
                        kind="table",
                        default=OPTIONAL,
                        rule=_part,
                    ),
                    "accounts": Key(
                        "industry accounts: { source, dataset | path, anomalies } or { vintage }",
                        kind="table",
                        rule=_part,
                    ),
                    "accounts_industry_map": Key(
                        "classification column mapping the accounts' industries", default=OPTIONAL, nonempty=True
                    ),
                    "estimation_panel": Key(
                        "its accounts carry what the estimation panel needs", kind="bool", default=False
                    ),
                    "comparison_notes": Key("how the data differ from the study's", kind="list[str]", default=[]),
                },
            ),
            names="vintage",
        ),
        "classifications": Each(
            "one entry per industry classification",
            Table(
                "a classification",
                {
                    "industries": Key("its industry table (config/classifications/ or a path of yours)", nonempty=True),
                    "products": Table(
                        "product groups of the offshoring measures (industry codes)",
                        {
                            group: Key(f"{group.replace('_', ' ')} industries", kind="list[str]", nonempty=True)
                            for group in ("materials", "business_services", "energy")
                        },
                        optional=True,
                    ),
                    "sectors": Table(
                        "the two samples (industry codes)",
                        {
                            sector: Key(f"{sector.replace('_', ' ')} industries", kind="list[str]", nonempty=True)
                            for sector in SECTORS
                        },
                        optional=True,
                    ),
                    "groups_from_table": Key(
                        "the industry table's product_group and sector columns define the groups",
                        kind="bool",
                        default=False,
                    ),
                },
            ),
            names="classification",
        ),
    },
)


def _vintage_names(data: dict) -> str | None:
    for name, entry in data["vintages"].items():
        if entry["classification"] not in data["classifications"]:
            return f"[vintages.{name}] classification: " + unknown_name(
                entry["classification"], data["classifications"], what="classification"
            )
        for part in ("io_use", "accounts"):
            other = entry.get(part, {}).get("vintage")
            if other is not None and other not in data["vintages"]:
                return f"[vintages.{name}] {part}.vintage: " + unknown_name(other, data["vintages"], what="vintage")
    for name, entry in data["classifications"].items():
        if not entry["groups_from_table"] and not ({"products", "sectors"} <= set(entry)):
            return f"[classifications.{name}] needs [products] and [sectors] tables (or groups_from_table = true)"
    return None


# ---------------------------------------------------------------------------------------------- scenarios
SCENARIO = Table(
    "A trade-off scenario (scenarios/*.toml, docs/scenarios.md): the annual change of each channel over a horizon.",
    {
        "name": Key("name (rows of the outputs)", nonempty=True),
        "description": Key("description", default=""),
        "base_year": Key("the year the scenario starts from (a year of the base data)", **YEAR),
        "horizon": Key("years simulated", kind="int", low=1, high=50),
        "trend": Key("add each channel's historical trend", kind="bool", default=False),
        "annual_change": Each(
            "percentage points a year, by channel",
            Key("percentage points a year", kind="number", low=-5, high=5),
            optional=True,
            names="channel",
        ),
        "weights": Key(
            "CSV of industry hours or hours shares (relative to the scenario file)",
            default=None,
            rule=lambda v: None if v is None or (isinstance(v, str) and v) else "should be a file name",
        ),
    },
)


# ---------------------------------------------------------------------------------------------- labels.toml
LABELS = Table(
    "Labels of the regression terms in the regression tables (replication/report/regression_tables.py).",
    {"terms": Each("term -> label", Key("label", nonempty=True), names="term")},
)


def load(name: str) -> dict:
    """``config/<name>`` read and checked against its schema (defaults filled in) and the names one part of the
    file gives another; one ConfigError line else."""
    from replication.core.fileio import read_toml
    from replication.core.toml_schema import validate

    path = config.config_dir() / name
    shown = config.relative_to_root(path)
    data = validate(SCHEMAS[name], read_toml(path, what="configuration"), path=shown)
    if name in CROSS:
        problem = CROSS[name](data)
        if problem:
            raise ConfigError(f"{shown}: {problem}")
    return data


def _decomposition_names(data: dict) -> str | None:
    for total, groups in data["totals"].items():
        for group in groups:
            if group not in data["groups"]:
                return f"[totals] {total}: " + unknown_name(group, data["groups"], what="group")
    return None


def _skill_analysis_names(data: dict) -> str | None:
    dec = data["decomposition"]
    for group in dec["offshoring_groups"]:
        if group not in dec["groups"]:
            return "[decomposition] offshoring_groups: " + unknown_name(group, dec["groups"], what="group")
    moderation = data["ict_moderation"]
    if not moderation["low_quantile"] < moderation["high_quantile"]:
        return "[ict_moderation] low_quantile must be below high_quantile"
    return None


def _years_in_order(data: dict) -> str | None:
    years = data["years"]
    if not years["accounts_first"] <= years["first"] <= years["last"]:
        return "[years] needs accounts_first <= first <= last"
    selection = data["selection"]
    if not selection["first"] < selection["last"]:
        return "[selection] needs first < last"
    return None


def _decomposition_years(data: dict) -> str | None:
    for item in data["decomposition"]:
        if not item["start"] < item["end"]:
            return f"[[decomposition]] {item['name']!r}: start = {item['start']} must be before end = {item['end']}"
    return _decomposition_names(data)


def _tradeoff_names(data: dict) -> str | None:
    """Every variant table names a variant for each simulated sector; history periods are in order."""
    for channel, entry in data["channels"].items():
        for outcome in ("productivity", "hours", "skill"):
            variant = entry.get(outcome, {}).get("variant")
            if isinstance(variant, dict):
                missing = [s for s in data["sectors"] if s not in variant]
                if missing:
                    return f"[channels.{channel}] {outcome}.variant names no variant for the sector(s) {missing}"
    return None


def _table1_years(data: dict) -> str | None:
    t1 = data["table1"]
    return None if t1["base_year"] < t1["end_year"] else "[table1] base_year must be before end_year"


SCHEMAS: dict[str, Table] = {
    "panel.toml": PANEL,
    "claims.toml": CLAIMS,
    "decomposition.toml": DECOMPOSITION,
    "tradeoff.toml": TRADEOFF,
    "skill_analysis.toml": SKILL_ANALYSIS,
    "skill_panel.toml": SKILL_PANEL,
    "offshoring.toml": OFFSHORING,
    "vintages.toml": VINTAGES,
    "labels.toml": LABELS,
}


#: checks of the names and orders one part of a file gives another (after the schema)
CROSS = {
    "decomposition.toml": _decomposition_years,
    "skill_analysis.toml": _skill_analysis_names,
    "skill_panel.toml": _years_in_order,
    "offshoring.toml": _table1_years,
    "tradeoff.toml": _tradeoff_names,
    "vintages.toml": _vintage_names,
}


def docs_tables() -> str:
    """The generated block of ``docs/config.md``: one key table per file."""
    from replication.core.toml_schema import key_tables

    blocks = [key_tables(f"config/{name}", schema) for name, schema in SCHEMAS.items()]
    blocks.append(key_tables("scenarios/*.toml", SCENARIO))
    return "\n".join(blocks)
