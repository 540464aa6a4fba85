"""Report section on the skill channel estimated on EU KLEMS countries (renders ``outputs/skills/*.csv`` only).

Every number in the text is read from the analysis tables; the verdicts are the skill claims' rows of
``outputs/claims.csv`` (judged by :mod:`replication.claims.skill_rules`, rules in ``config/skill_analysis.toml``).
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
    if name == "verdicts":  # the skill claims' rows of the claims table: one verdict engine
        claims = pd.read_csv(Layout().claims, keep_default_na=False)
        part = claims[claims["kind"] == "skill_channel"]
        return part[["id", "published", "ours", "interval", "verdict", "reason"]].reset_index(drop=True)
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
        family = f"{int(part['family_tests'].iloc[0])} tests, Holm-adjusted, size {part['gate_size'].iloc[0]:g}"
        if failed.empty:
            return (
                f"{label}: the gate passes ({family}; smallest adjusted p {part['holm_min_p'].min():.3f}, "
                f"smallest unadjusted wild p {part['min_wild_p'].min():.3f})"
            )
        named = ", ".join(f"{r['test']} (adjusted p {r['holm_min_p']:.3f})" for _, r in failed.iterrows())
        return f"{label}: {named} fail ({family}), so no verdict rests on that sector's estimates"

    bel_test = tests[tests["test"].str.startswith("Belgium")].iloc[0]
    sym = tests[(tests["test"].str.startswith("symmetry (LR")) & (tests["model"] == "year effects")].iloc[0]
    sym_cy = tests[(tests["test"].str.startswith("symmetry (LR")) & (tests["model"] == "country-year effects")].iloc[0]
    hom = tests[tests["test"].str.startswith("homogeneity, both")].iloc[0]
    first = contributions[contributions["period"] == contributions["period"].iloc[0]].set_index("group")
    diff = moderation.iloc[-1]

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
        robustness_text(tables["robustness"], tables["verdicts"]),
        f"**Coefficients (manufacturing, 1995-2005, low-skilled wage-bill share).** With year effects common to "
        "all countries (cross-country timing design): "
        f"CEEC materials {term(year, 'om_ceec')}, "
        f"OECD materials {term(year, 'om_oecd')}, services {term(year, 'os_total')}, ICT {term(year, 'ict')}. "
        f"With country-year effects (the within-country design: industries of one country and year compared) "
        f"CEEC {term(cy, 'om_ceec')}, OECD {term(cy, 'om_oecd')}, services {term(cy, 'os_total')}. These are "
        "single coefficients; no verdict rests on one of them (the claims' estimands are above).",
        "**Falsification** (placebo: donor countries' offshoring of the same industry and year; leads: offshoring "
        "of t + 1; each sector's placebo and lead tests form one family, Holm-adjusted). "
        f"{falsification_text('manufacturing')}; {falsification_text('market_services')}.",
        f"**Restrictions (5% level).** Symmetry is {_rejected(sym)} with year effects (LR {sym['statistic']:.1f}, "
        f"p {sym['p_value']:.2g}) and {_rejected(sym_cy)} with country-year effects (LR {sym_cy['statistic']:.2f}, "
        f"p {sym_cy['p_value']:.2g}); homogeneity is {_rejected(hom)} (Wald {hom['statistic']:.1f}, "
        f"p {hom['p_value']:.2g}). The equations that carry verdicts leave symmetry free (equation by equation = the "
        "unrestricted system) but impose homogeneity (relative wages as regressors)"
        + (
            ", which its test rejects: the free-wage system is shown beside them."
            if hom["p_value"] < 0.05
            else ", which its test does not reject."
        ),
        f"**Belgium against the pool.** Belgium's offshoring and ICT slopes differ from the pooled ones (Wald "
        f"{bel_test['statistic']:.1f}, {int(bel_test['df'])} df, p {bel_test['p_value']:.2g}): the pooled coefficients "
        "cannot stand in for Belgian ones, and Belgium's own data do not identify them.",
        "**ICT moderation** (year-effects model; ICT intensity "
        f"{diff['ict_low']:.3f} and {diff['ict_high']:.3f}, the low and high quantiles of "
        "config/skill_analysis.toml [ict_moderation]). The marginal "
        f"effect of total offshoring is {moderation.iloc[0]['estimate']:.3f} at low ICT intensity and "
        f"{moderation.iloc[1]['estimate']:.3f} at high ICT intensity; the difference is "
        f"{diff['estimate']:.4f}, 95% {_ci(diff, 4)}. The verdict row says whether that excludes a moderation "
        "of the stated size.",
        f"**Decomposition (Belgium, {first['observed_change_pp'].iloc[0]:.1f} pp, "
        f"{contributions['period'].iloc[0]}, one model).** Offshoring "
        f"{first.loc['offshoring (total)', 'percent']:.1f}% {_ci(first.loc['offshoring (total)'], 1)} "
        f"(published 35), CEEC materials {first.loc['materials, CEEC', 'percent']:.1f}% "
        f"{_ci(first.loc['materials, CEEC'], 1)} (21), "
        f"services {first.loc['business services', 'percent']:.1f}% (8), ICT "
        f"{first.loc['technology (ICT intensity)', 'percent']:.2f}% (17); common year effects "
        f"{first.loc['common year effects', 'percent']:.1f}% (the other countries' common path, imposed on "
        f"Belgium); {_rest(tables['between_within'], first)}.",
        mnv_text(sanity),
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


def mnv_text(sanity: pd.DataFrame) -> str:
    """The Michaels-Natraj-Van Reenen check in words: countries kept and dropped, the three shares, all
    industries and manufacturing (from ``ict_sanity_check.csv``)."""
    rows = sanity.set_index("model")
    main = rows.loc["main"]
    names = {"sb_hs": "high", "sb_ms": "medium", "sb_ls": "low"}

    def one(model: str) -> str:
        r = rows.loc[model]
        return f"{names[r['dependent']]} {r['estimate']:.3f} (wild p {r['wild_p_value']:.3f}, 95% {_ci(r)})"

    long = [m for m in ("main", "medium", "low") if m in rows.index]
    manufacturing = [m for m in ("manufacturing", "manufacturing_medium", "manufacturing_low") if m in rows.index]
    dropped = main["countries_dropped"] if isinstance(main["countries_dropped"], str) else ""
    return (
        f"**Sanity check (Michaels, Natraj and Van Reenen 2014).** Long differences 1980-2004 on "
        f"{int(main['countries'])} countries ({main['countries_used']})"
        + (f"; {dropped} drops out (no skill data in 1980)" if dropped else "")
        + ". The change of ICT intensity on the wage-bill shares, all industries: "
        + "; ".join(one(m) for m in long)
        + f". MNV report polarisation: ICT raises the high-skilled share and lowers the middle one. ICT accounts "
        f"for {100 * main['share_of_rise']:.0f}% of the mean rise of the high-skilled share (MNV: technology, ICT "
        "and R&D together, up to a quarter of the growth in demand for the highly educated). Manufacturing "
        "alone: " + "; ".join(one(m) for m in manufacturing) + "."
    )


def _rest(splits: pd.DataFrame, first: pd.DataFrame) -> str:
    """The decomposition's rest split into the between-industry shift and the unexplained part."""
    row = splits.iloc[0]
    rest = float(first.loc["rest (industry composition and residual)", "percent"])
    between = 100 * row["between"] / row["observed"]
    return (
        f"the rest, {rest:.1f}%, is the between-industry shift ({between:.1f}% of the change, "
        f"Berman-Bound-Griliches) and {rest - between:.1f}% the model leaves unexplained"
    )


def robustness_text(robust: pd.DataFrame, verdicts: pd.DataFrame) -> str:
    """The effect claims' estimands, main-design results, which checks of the battery overturn them, and what
    carries the labelled other design (its Mundlak split)."""
    verdict = verdicts.set_index("id")
    parts = []
    for claim, rows in robust.groupby("claim", sort=False):
        main = rows[rows["role"] == "main"].iloc[0]
        checks = rows[rows["role"] == "check"]
        ran = checks[checks["status"] == "estimated"]
        flips = int(ran["overturns"].astype(bool).sum())
        scale = 100.0 if main["estimand"].startswith("share change") else 1.0
        unit = " pp" if scale == 100.0 else ""

        def value(row: pd.Series, *, scale: float = scale, unit: str = unit) -> str:
            if row["status"] != "estimated":
                return "not identified"
            p = "wild p < 0.001" if row["p_value"] < 0.001 else f"wild p {row['p_value']:.2f}"
            return (
                f"{scale * row['estimate']:.3g}{unit} (95% [{scale * row['conf_low']:.3g}, "
                f"{scale * row['conf_high']:.3g}], {p})"
            )

        against = "find an effect" if main["direction"] == "zero" else "flip its sign or put 0 in its interval"
        text = (
            f"{claim}: {main['estimand']}, {main['design']}: {value(main)}; {flips} of {len(ran)} checks "
            f"{against}; verdict {verdict.loc[claim, 'verdict']}"
        )
        other = rows[rows["check"] == "other design"]
        split = rows[rows["check"] == "Mundlak split (other design)"].set_index("detail")
        if len(other):
            text += f". Beside it, the {other.iloc[0]['detail']} (decides nothing): {value(other.iloc[0])}"
            if len(split) == 2:
                text += (
                    f", of which the deviations from country-year means give "
                    f"{value(split.loc['deviations from country-year means'])} and the country-year means "
                    f"{value(split.loc['country-year means'])} (Mundlak split)"
                )
        parts.append(text)
    return (
        "**Effect claims and their robustness battery** (outputs/skills/robustness.csv; each check "
        "re-estimates the claim's estimand). " + ". ".join(parts) + "."
    )


def robustness_shown(robust: pd.DataFrame) -> pd.DataFrame:
    """The battery as shown: one row per check, the columns a reader needs."""
    columns = [
        "claim",
        "role",
        "check",
        "detail",
        "status",
        "estimate",
        "conf_low",
        "conf_high",
        "p_value",
        "holm_p_value",
        "clusters",
        "overturns",
        "why",
    ]
    return robust[columns]


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
        "robustness",
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
        "Skill claims and verdicts (rules: config/skill_analysis.toml, docs/claims.md; the skill rows of "
        "outputs/claims.csv)",
    )
    doc.table(
        robustness_shown(tables["robustness"]),
        "Robustness battery of the effect claims (outputs/skills/robustness.csv; rules: docs/claims.md; "
        "estimates in share units; overturns: the check flips the sign or puts 0 in the interval)",
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
