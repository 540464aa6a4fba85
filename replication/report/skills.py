"""Report section on the skill channel estimated on EU KLEMS countries (renders ``outputs/skills/*.csv`` only).

Every number in the text is read from the analysis tables; the verdicts come from
``outputs/skills/verdicts.csv`` (rules in ``config/skill_analysis.toml [verdicts]``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from replication.core.layout import Layout


def skills_dir() -> Path:
    return Layout().skills


def available() -> bool:
    return (skills_dir() / "selection.csv").exists()


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(skills_dir() / f"{name}.csv")


def _interval(low: float, high: float, digits: int = 2) -> str:
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def _ci(row: pd.Series, digits: int = 2) -> str:
    """The wild bootstrap interval of a table row."""
    return _interval(row["wild_conf_low"], row["wild_conf_high"], digits)


def _rejected(test: pd.Series, alpha: float = 0.05) -> str:
    """``rejected`` or ``not rejected`` at ``alpha``, from a restriction test's p-value."""
    return "rejected" if test["p_value"] < alpha else "not rejected"


def bottom_line(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Plain-words paragraphs built from the computed tables."""
    selection, coefficients = tables["selection"], tables["coefficients"]
    tests, checks = tables["restriction_tests"], tables["falsification"]
    moderation, contributions = tables["ict_moderation"], tables["decomposition"]
    sanity = tables["ict_sanity_check"]
    manufacturing = selection[selection["sector"] == "manufacturing"]
    services = selection[selection["sector"] == "market_services"]
    chosen = manufacturing.loc[manufacturing["selected"], "country"].tolist()
    chosen_services = services.loc[services["selected"], "country"].tolist()
    bel = manufacturing.set_index("country").loc["BEL"]
    coef = coefficients.set_index(["model", "term"])
    year, cy = coef.loc["low"], coef.loc["low_country_year"]

    def falsification_text(sector: str) -> str:
        part = checks[checks["sector"] == sector]
        failed = part[~part["passed"]]
        label = sector.replace("_", " ").capitalize()
        if failed.empty:
            return (
                f"{label}: all {len(part)} pass (smallest joint p {part['p_value'].min():.3f}, "
                f"smallest wild p {part['min_wild_p'].min():.3f})"
            )
        named = ", ".join(f"{r['test']} (wild p {r['min_wild_p']:.3f})" for _, r in failed.iterrows())
        return f"{label}: {named} fail, so no verdict rests on that sector's estimates"

    bel_test = tests[tests["test"].str.startswith("Belgium")].iloc[0]
    sym = tests[(tests["test"].str.startswith("symmetry (LR")) & (tests["model"] == "year effects")].iloc[0]
    sym_cy = tests[(tests["test"].str.startswith("symmetry (LR")) & (tests["model"] == "country-year effects")].iloc[0]
    hom = tests[tests["test"].str.startswith("homogeneity, both")].iloc[0]
    first = contributions[contributions["period"] == contributions["period"].iloc[0]].set_index("group")
    diff = moderation.iloc[-1]
    mnv = sanity.set_index("model").loc["main"]

    def term(frame: pd.DataFrame, name: str) -> str:
        row = frame.loc[name]
        return f"{row['estimate']:.3f} (wild p {row['wild_p_value']:.3f}, 95% {_ci(row)})"

    paras = [
        f"**Sample.** Manufacturing: {len(chosen)} of {len(manufacturing)} EU KLEMS countries pass the stated rule "
        f"on the variation that identifies the model ({', '.join(chosen)}); market services: {len(chosen_services)} "
        f"({', '.join(chosen_services)}). Belgian manufacturing does not: {bel['reason']} (its industries' "
        "low-skilled shares move almost in step). Most European labour input files copy one skill series to three "
        "manufacturing groups; those countries fail on distinct series. Clusters are skill blocks (copied series), "
        "not industries.",
        f"**Effects (manufacturing, 1995-2005, low-skilled wage-bill share).** With year effects common to all "
        "countries (the aggregate effect, identified by cross-country timing): "
        f"CEEC materials {term(year, 'om_ceec')}, "
        f"OECD materials {term(year, 'om_oecd')}, services {term(year, 'os_total')}, ICT {term(year, 'ict')}. "
        f"With country-year effects (the relative effect between industries of one country and year) every "
        f"offshoring term is insignificant: CEEC {term(cy, 'om_ceec')}, services {term(cy, 'os_total')}.",
        "**Falsification** (placebo: donor countries' offshoring of the same industry and year; leads: offshoring "
        "of t + 1; a check passes when its joint Wald p and every wild p are >= 0.05). "
        f"{falsification_text('manufacturing')}; {falsification_text('market_services')}.",
        f"**Restrictions (5% level).** Symmetry is {_rejected(sym)} with year effects (LR {sym['statistic']:.1f}, "
        f"p {sym['p_value']:.2g}) and {_rejected(sym_cy)} with country-year effects (LR {sym_cy['statistic']:.2f}, "
        f"p {sym_cy['p_value']:.2g}); homogeneity is {_rejected(hom)} (Wald {hom['statistic']:.1f}, "
        f"p {hom['p_value']:.2g}). Nothing is imposed in the estimates that "
        "carry verdicts (equation by equation = the unrestricted system); restricted systems are shown beside them.",
        f"**Belgium against the pool.** Belgium's offshoring and ICT slopes differ from the pooled ones (Wald "
        f"{bel_test['statistic']:.1f}, {int(bel_test['df'])} df, p {bel_test['p_value']:.2g}): the pooled coefficients "
        "cannot stand in for Belgian ones, and Belgium's own data do not identify them.",
        "**ICT moderation.** The marginal effect of total offshoring is "
        f"{moderation.iloc[0]['estimate']:.3f} at low ICT intensity and "
        f"{moderation.iloc[1]['estimate']:.3f} at high ICT intensity; the difference is "
        f"{diff['estimate']:.4f}, 95% {_ci(diff, 4)}"
        + (": no moderation." if diff["wild_conf_low"] <= 0 <= diff["wild_conf_high"] else "."),
        f"**Decomposition (Belgium, {first['observed_change_pp'].iloc[0]:.1f} pp, "
        f"{contributions['period'].iloc[0]}, one model).** Offshoring "
        f"{first.loc['offshoring (total)', 'percent']:.1f}% {_ci(first.loc['offshoring (total)'], 1)} "
        f"(published 35), CEEC materials {first.loc['materials, CEEC', 'percent']:.1f}% "
        f"{_ci(first.loc['materials, CEEC'], 1)} (21), "
        f"services {first.loc['business services', 'percent']:.1f}% (8), ICT "
        f"{first.loc['technology (ICT intensity)', 'percent']:.2f}% (17); common year effects "
        f"{first.loc['common year effects', 'percent']:.1f}%.",
        f"**Sanity check (Michaels, Natraj and Van Reenen 2014).** ICT intensity raises the high-skilled wage-bill "
        f"share in long differences 1980-2004: {mnv['estimate']:.3f} (wild p {mnv['wild_p_value']:.3f}, 95% "
        f"{_ci(mnv)}), the sign MNV report, and it accounts for {100 * mnv['share_of_rise']:.0f}% of the mean rise "
        "of that share (MNV: technology, ICT and R&D together, up to a quarter of the growth in demand for the "
        "highly educated). The panel reproduces the known result where it has the long span; within "
        "manufacturing alone or over 1995-2005 the estimate is imprecise (table below).",
    ]
    verdict = tables["verdicts"].set_index("id")
    words = {v: sorted(verdict.index[verdict["verdict"] == v]) for v in verdict["verdict"].unique()}
    paras.append(
        "**Bottom line.** "
        + "; ".join(f"{v}: {', '.join(ids)}" for v, ids in sorted(words.items()))
        + ". The public data test the direction of the offshoring effect across countries with measured skill "
        "shares (year effects: the aggregate estimand; country-year effects: the relative one). Claims whose "
        "verdict is 'not testable' cannot be judged with public data for the reason given in the table; the "
        "numbers beside them are what the pooled coefficients imply, not a replication."
    )
    return paras


def load_tables() -> dict[str, pd.DataFrame]:
    names = (
        "selection",
        "coefficients",
        "restriction_tests",
        "falsification",
        "ict_moderation",
        "decomposition",
        "between_within",
        "ict_sanity_check",
        "verdicts",
    )
    return {name: _read(name) for name in names}


def add_section(doc) -> None:
    """Section 5b of the report: the skill channel on measured skill data."""
    tables = load_tables()
    doc.heading(3, "5b. The skill channel on measured skill data (EU KLEMS countries)")
    for text in bottom_line(tables):
        doc.para(text)
    doc.table(
        tables["verdicts"],
        "Skill claims and verdicts (rules: config/skill_analysis.toml [verdicts], docs/claims.md; "
        "outputs/skills/verdicts.csv)",
    )
    doc.table(tables["selection"], "Country rule: in or out, and why (outputs/skills/selection.csv)")
    doc.table(
        tables["coefficients"],
        "Low-skilled share equations (outputs/skills/coefficients.csv; cr = cluster-robust by skill block)",
    )
    doc.table(tables["falsification"], "Placebo and lead tests (outputs/skills/falsification.csv)")
    doc.table(
        tables["restriction_tests"],
        "Symmetry, homogeneity and Belgium-against-pool tests (outputs/skills/restriction_tests.csv)",
    )
    doc.table(tables["ict_moderation"], "ICT moderation (outputs/skills/ict_moderation.csv)")
    shown = tables["decomposition"]
    doc.table(
        shown,
        "Decomposition of the change in the Belgian low-skilled hours share, one model "
        "(outputs/skills/decomposition.csv)",
    )
    doc.table(
        tables["between_within"], "Between/within split of the observed change (outputs/skills/between_within.csv)"
    )
    doc.table(
        tables["ict_sanity_check"], "ICT and the high-skilled wage-bill share (outputs/skills/ict_sanity_check.csv)"
    )
