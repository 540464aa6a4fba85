"""The report's front page and the facts it states (read from ``claims.csv`` and the trade-off tables; no number is
typed here): what was replicated and how, the verdicts by study in plain words, the productivity-inclusion answer.
The Dutch summary (:mod:`replication.report.samenvatting`) states the same facts.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field

import pandas as pd

from replication.core.layout import Layout

VERDICTS = ("replicated", "not replicated", "inconclusive", "not testable")
#: the studies in the order of the article, and the claims' sources that belong to each
STUDIES = {
    "FPB article and Table 1": ("FPB article", "FPB article, Table 1", "Figure 2 (OECD 2010)"),
    "Productivity: Michel and Rycx (2014)": (
        "Michel and Rycx (2014)",
        "Michel and Rycx (2014); Hertveldt and Michel (2013)",
    ),
    "Employment: Michel and Rycx (2012)": (
        "Michel and Rycx (2012)",
        "Michel and Rycx (2012); Hertveldt and Michel (2013)",
    ),
    "Skills: Hertveldt and Michel (2013)": ("Hertveldt and Michel (2013)",),
}
#: regressors in words (the front page and the Dutch summary show no variable names)
TERMS = {
    "om_total": "materials offshoring",
    "os_total": "services offshoring",
    "omo_total": "materials offshoring (over output)",
    "oso_total": "services offshoring (over output)",
    "om_const_total": "materials offshoring (constant prices)",
    "os_const_total": "services offshoring (constant prices)",
    "om_oecd": "materials from OECD",
    "om_ceec": "materials from CEEC",
    "om_asia": "materials from ASIA",
    "om_high_wage": "materials from high-wage origins",
    "om_low_wage": "materials from low-wage origins",
    "os_high_wage": "services from high-wage origins",
    "os_low_wage": "services from low-wage origins",
    "om_up": "upstream materials",
    "os_up": "upstream services",
    "om_down": "downstream materials",
    "os_down": "downstream services",
}


def in_words(text: str, terms: dict[str, str] | None = None) -> str:
    """A claims cell with every ``spec:variant:term`` reference and variable name replaced by words (``terms``:
    another language's words; English by default)."""
    terms = TERMS if terms is None else terms
    text = re.sub(r"\b([a-z_]+)_(manufacturing|market_services):([a-z_]+):([a-z_]+)\b", r"\4 (\2, \3)", text)
    text = text.replace("market_services", "market services")
    for name in sorted(terms, key=len, reverse=True):
        text = text.replace(name, terms[name])
    return text


@dataclass(frozen=True)
class SectorAnswer:
    """The all-channels account of one sector over the published period, with its bands."""

    sector: str
    period: str
    output_pct: float
    output_low: float
    output_high: float
    low_jobs_k: float
    low_jobs_low: float
    low_jobs_high: float
    share_held: bool = False  # the skill channel is left out: low-skilled jobs move with hours at the base share


@dataclass(frozen=True)
class Facts:
    """What the front page and the Dutch summary state."""

    vintage: str
    country: str
    counts: dict[str, int]
    by_study: dict[str, dict[str, int]]
    rows: pd.DataFrame
    level: float | None = None
    sectors: list[SectorAnswer] = field(default_factory=list)
    measured: int = 0
    cases: int = 0
    skill_channel: bool = True


def table1_rule() -> str:
    """The Table 1 rule in words, from its claim in ``config/claims.toml``."""
    from replication.claims.engine import claims_config

    claim = next(c for c in claims_config() if c["kind"] == "table1")
    return (
        f"levels within max({claim['level_abs']:g} pp, {claim['level_rel']:.0%}), growth of the same sign within "
        f"max({claim['growth_abs']:g} pp a year, {claim['growth_rel']:.0%} of the published rate)"
    )


def facts(layout: Layout, claims: pd.DataFrame) -> Facts:
    """The facts of a run: verdict counts, the verdicts by study (Table 1 cells counted in one row) and, where the
    run has it, the trade-off over the first period of ``config/tradeoff.toml [history]``."""
    counts = {v: int((claims["verdict"] == v).sum()) for v in VERDICTS}
    rows, by_study = [], {}
    claims_link = os.path.relpath(layout.claims, layout.report)  # links from the report's folder
    table1_link = os.path.relpath(layout.table1("md"), layout.report)
    for study, sources in STUDIES.items():
        part = claims[claims["source"].isin(sources)]
        by_study[study] = {v: int((part["verdict"] == v).sum()) for v in VERDICTS}
        cells = part[part["id"].str.match(r"table1_.*_(level|growth)$")]
        for position, row in part.drop(cells.index).iterrows():
            ours = " ".join(x for x in (row["ours"], row["interval"]) if x)
            rows.append(
                {
                    "Study": study,
                    "Claim (as published)": row["claim"],
                    "Published": in_words(row["published"]),
                    "Ours (interval)": in_words(ours) or "–",
                    "Verdict": row["verdict"],
                    "Why": in_words(row["reason"]) or "by the stated rule",
                    "Source": f"[{layout.claims.name} line {position + 2}]({claims_link})",
                }
            )
        if len(cells):
            tally = ", ".join(f"{n} {v}" for v, n in cells["verdict"].value_counts().items())
            rows.append(
                {
                    "Study": study,
                    "Claim (as published)": f"Table 1: the {len(cells)} levels and growth rates of the offshoring "
                    "intensities (sector x origin x materials or services)",
                    "Published": "Table 1",
                    "Ours (interval)": f"[Table 1, ours]({table1_link})",
                    "Verdict": cells["verdict"].mode().iloc[0] if len(set(cells["verdict"])) == 1 else "mixed",
                    "Why": f"{tally} ({table1_rule()})",
                    "Source": f"[{layout.claims.name} lines {cells.index.min() + 2}-{cells.index.max() + 2}]"
                    f"({claims_link})",
                }
            )
    out = Facts(
        layout.vintage, layout.country, counts, by_study, pd.DataFrame(rows), skill_channel=layout.has_skill_channel
    )
    if not layout.has_skill_channel or not (layout.tradeoff / "history.csv").exists():
        return out
    history = pd.read_csv(layout.tradeoff / "history.csv")
    level = float(pd.read_csv(layout.tradeoff / "assumptions.csv")["level"].iloc[0])
    total = history[history["channel"] == "all channels"]
    first = total["period"].iloc[0]
    sectors = [
        SectorAnswer(
            r["sector"],
            r["period"],
            r["output_gain_pct"],
            r["output_gain_pct_low"],
            r["output_gain_pct_high"],
            r["low_jobs_change_k"],
            r["low_jobs_change_k_low"],
            r["low_jobs_change_k_high"],
            ":skill" in str(r["left_out"]),
        )
        for _, r in total[total["period"] == first].iterrows()
    ]
    from replication.report.frontier import frontier_points, load

    points = frontier_points(load(layout.tradeoff))
    gain = (points["output_gain_pct_low"] > 0) | (points["output_gain_pct_high"] < 0)
    jobs = (points["low_jobs_change_k_low"] > 0) | (points["low_jobs_change_k_high"] < 0)
    return Facts(
        layout.vintage,
        layout.country,
        counts,
        by_study,
        out.rows,
        level,
        sectors,
        int((gain & jobs).sum()),
        len(points),
    )


def _number(value: float, digits: int) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:,.{digits}f}".replace("-", "−")


def answer_en(f: Facts) -> str:
    """The productivity-inclusion answer in two sentences, units and one stated band level."""
    if not f.sectors:
        return ""
    band = f"{100 * f.level:.0f}% band"
    parts = []
    for s in f.sectors:
        name = s.sector.replace("_", " ")
        jobs = (
            f"a change of {_number(s.low_jobs_k, 1)} thousand low-skilled jobs ({band} {_number(s.low_jobs_low, 1)} to "
            f"{_number(s.low_jobs_high, 1)} thousand)"
            if not math.isnan(s.low_jobs_k)
            else "no credible estimate of the change in low-skilled jobs (the skill channel's checks fail there)"
        )
        parts.append(
            f"in {name}, a productivity gain of {_number(s.output_pct, 2)}% of gross output at given inputs "
            f"({band} {_number(s.output_low, 2)} to {_number(s.output_high, 2)}%) and {jobs}"
        )
    held = [s.sector.replace("_", " ") for s in f.sectors if s.share_held]
    held_text = (
        f"In {' and '.join(held)} the low-skilled jobs move with the hours response at each industry's base "
        "low-skilled share: the pooled skill estimates are not identified for Belgium (shown only as a labelled "
        "assumption in section 6b). "
        if held
        else ""
    )
    return (
        f"As offshoring and ICT changed over {f.sectors[0].period}, the estimates imply "
        + "; ".join(parts)
        + ". "
        + held_text
        + "The output gain holds inputs fixed and the job changes hold output fixed: two counterfactuals, shown "
        "side by side. "
        f"A trade-off, with both bands excluding zero, is measured in {f.measured} of the {f.cases} cases of history "
        "and scenarios; in the others the public data cannot tell a productivity gain bought with low-skilled jobs "
        "from none (section 6b)."
    )


def add_front_page(doc, f: Facts, *, study_country: str, study_name: str) -> None:
    """The opening of the report: what and how, the verdicts by study, the trade-off answer, the contents."""
    c = f.counts
    doc.para(
        f"This report re-tests {sum(c.values())} published claims of the Belgian study of offshoring (the Federal "
        "Planning Bureau's summary of Michel and Rycx 2012, 2014 and Hertveldt and Michel 2013) on public data "
        f"(vintage {f.vintage}, country {f.country}), each by a rule stated before the numbers were computed "
        f"(docs/claims.md): {c['replicated']} replicated, {c['not replicated']} not replicated, "
        f"{c['inconclusive']} inconclusive, {c['not testable']} not testable with public data. Intervals are the "
        "wild cluster bootstrap's where the spec computes it (95%), else cluster-robust."
        + (
            f" The studies are about {study_name}: this run's numbers are shown beside theirs and every claim is "
            "judged not testable here."
            if f.country != study_country
            else ""
        )
    )
    answer = answer_en(f)
    if answer:
        doc.para(f"**Productivity and inclusion.** {answer}")
    if not f.skill_channel:
        doc.para(
            "**Not built for this run:** the cross-country skill channel (section 5b) and the productivity-inclusion "
            "account (section 6b) are built with the default vintage and Belgium only (wiod2013/BEL); the claims "
            "they judge are not testable here."
        )
    doc.para("Nederlandstalige samenvatting: [samenvatting.html](samenvatting.html).")
    doc.contents()
    doc.heading(2, "Verdicts by study")
    for study, part in f.rows.groupby("Study", sort=False):
        tally = ", ".join(f"{n} {v}" for v, n in f.by_study[study].items() if n)
        doc.table(part.drop(columns="Study"), f"{study}: {tally} (outputs/claims.csv)")
    doc.collapse_tables()
