"""The replication report: ``outputs/report/index.html`` (self-contained, figures embedded) and
``outputs/report/report.md``, built from generated files only.

Every number is read from a generated file (Table 1 comparison, estimates JSON, decomposition, claims,
identifying variation, tidy provenance): the prose says *why* published and replicated numbers differ
and where each number comes from; it types in none. Sections: offshoring intensity (Table 1), the
cross-country figure, productivity, employment, skill structure, decomposition, all claims, data
(coverage, missing origin countries, imputed series, listed anomalies), provenance.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from replication import __version__
from replication.analysis.identification import failures
from replication.core import config
from replication.core.fileio import write_text
from replication.core.layout import Layout
from replication.inputs.stamps import git_commit
from replication.inputs.vintages import country_names
from replication.report.front import Facts, add_front_page, facts, table1_rule
from replication.report.render import Document
from replication.specs.estimate import load_estimates, not_estimable


# ---------------------------------------------------------------------------------------------- sections
def _claims(layout: Layout) -> pd.DataFrame:
    return pd.read_csv(layout.claims, dtype=str, keep_default_na=False)


def _claim_rows(claims: pd.DataFrame, prefix: tuple[str, ...]) -> pd.DataFrame:
    part = claims[claims["id"].str.startswith(prefix)]
    return part[["claim", "published", "ours", "interval", "inference", "verdict", "reason"]].rename(
        columns={
            "claim": "Published claim",
            "published": "Published",
            "ours": "Ours",
            "interval": "95% interval",
            "inference": "Inference",
            "verdict": "Verdict",
            "reason": "Why (the rule that decided)",
        }
    )


def _coefficients(stem: str, variants: list[str], terms: list[str], layout: Layout, equation: str = "") -> pd.DataFrame:
    results = load_estimates(stem, layout)
    missing = not_estimable(stem, layout)
    rows = []
    for variant in variants:
        if variant in missing:  # the data cannot identify it: the reason, never a number
            rows.append({"variant": variant, "term": "", "estimate": "not identified: " + _one_line(missing[variant])})
            continue
        if variant not in results:
            continue
        result = results[variant]
        tidy = result.tidy().set_index("term")
        reasons = failures(result, inference=False)
        for term in terms:
            name = equation + term
            if name in tidy.index and reasons:  # the word, never the number
                rows.append({"variant": variant, "term": term, "estimate": "not identified: " + "; ".join(reasons)})
            elif name in tidy.index:
                r = tidy.loc[name]
                boot = r.get("boot_p_value", math.nan)
                rows.append(
                    {
                        "variant": variant,
                        "term": term,
                        "estimate": r["estimate"],
                        "s.e.": r["std_error"],
                        "p (analytic)": r["p_value"],
                        "p (wild bootstrap)": boot,
                        "N": result.nobs,
                        "inference": result.cov_type,
                    }
                )
    return pd.DataFrame(rows)


def _bottom_line(claims: pd.DataFrame, prefix: tuple[str, ...]) -> str:
    """A section's bottom line, computed from its rows of outputs/claims.csv."""
    part = claims[claims["id"].str.startswith(prefix)]
    if part.empty:
        return "Bottom line: no claim of this section applies to this run."
    parts = []
    for verdict in ("replicated", "not replicated", "inconclusive", "not testable"):
        rows = part[part["verdict"] == verdict]
        if rows.empty:
            continue
        cells = rows[rows["id"].str.match(r"table1_.*_(level|growth)$")]
        named = [_one_line(r["claim"], 90) for _, r in rows.drop(cells.index).iterrows()]
        if len(cells):
            named.append(f"{len(cells)} Table 1 cells")
        parts.append(f"{len(rows)} {verdict} ({'; '.join(named)})")
    return "**Bottom line** (from outputs/claims.csv by the stated rules): " + ", ".join(parts) + "."


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _diagnosed(stem: str, layout: Layout) -> str:
    """Computed reasons why estimates differ or are missing: the variants the data cannot identify (estimation
    stage) and those that fail the identification rules."""
    failed = []
    for sector in ("manufacturing", "market_services"):
        name = f"{stem}_{sector}"
        for variant, reason in not_estimable(name, layout).items():
            failed.append(f"{sector.replace('_', ' ')} {variant} ({_one_line(reason)})")
        for variant, result in load_estimates(name, layout).items():
            reasons = failures(result, inference=False)
            if reasons:
                failed.append(f"{sector.replace('_', ' ')} {variant} ({'; '.join(reasons)})")
    if not failed:
        return "Computed diagnostics: every variant passes the identification rules."
    return "Computed diagnostics: not identified here, so shown as words: " + "; ".join(failed) + "."


def _battery_rows(layout: Layout, prefix: tuple[str, ...]) -> pd.DataFrame:
    """The effect and null claims' robustness battery (``claims_robustness.csv``), one row per estimate: the
    battery's re-estimate in the main design, the checks run and those that overturn the claim."""
    from replication.claims.battery_rules import battery_outcome

    table = pd.read_csv(layout.claims_robustness)
    table = table[table["claim"].str.startswith(prefix)]
    rows = []
    for (claim, reference), part in table.groupby(["claim", "reference"], sort=False):
        main = part[part["role"] == "main"].iloc[0]
        randomisation = part[part["check"] == "randomisation inference"]
        failed, _, ran, _ = battery_outcome(part)
        estimated = main["status"] == "estimated"
        rows.append(
            {
                "claim": claim,
                "estimate": reference,
                "main design": (
                    f"{main['estimate']:.3g} [{main['conf_low']:.3g}, {main['conf_high']:.3g}], wild p "
                    f"{main['p_value']:.2f}"
                    if estimated
                    else f"{main['status']}: {main['why']}"
                ),
                "randomisation p": (
                    f"{randomisation['p_value'].iloc[0]:.2f}"
                    if len(randomisation) and randomisation["status"].iloc[0] == "estimated"
                    else ""
                ),
                "checks run": ran,
                "checks against the claim": failed or "none",
            }
        )
    return pd.DataFrame(rows)


def _battery_caption(layout: Layout) -> str:
    return (
        f"Robustness battery of the claims ({layout.relative(layout.claims_robustness)}; config/claims.toml "
        "[robustness]; a signed claim is overturned by a check that flips its sign or puts 0 in its interval, a "
        "claim of no effect by a Holm-adjusted p below alpha over the claim's terms; docs/claims.md)"
    )


def _beyond_the_study(layout: Layout, rules: dict) -> str:
    """Results the study did not report: terms of the full-period and spillover variants that pass the
    identification rules and stay significant after Holm's adjustment over every term screened (the list is
    picked from many variant-by-term estimates)."""
    from replication.analysis.robust_claims import holm

    screened = []
    for stem in (
        "production_manufacturing",
        "production_market_services",
        "labour_demand_manufacturing",
        "labour_demand_market_services",
    ):
        estimates = load_estimates(stem, layout)
        for variant in ("full_period", "spillovers"):
            if variant not in estimates:
                continue
            result = estimates[variant]
            for term, boot in result.bootstrap.items():
                p = boot.get("p_value", math.nan)
                if math.isfinite(p) and not failures(result, [term], rules=rules):
                    screened.append((f"{stem}:{variant}:{term}", float(result.params[term]), p))
    adjusted = holm([p for *_, p in screened]) if screened else []
    found = [
        f"{name} {estimate:.3f} (wild p {p:.3f}, Holm {q:.3f})"
        for (name, estimate, p), q in zip(screened, adjusted, strict=True)
        if q < rules["alpha"]
    ]
    unadjusted = sum(p < rules["alpha"] for *_, p in screened)
    family = (
        f"{len(screened)} full-period and spillover terms screened (identification rules passed); "
        f"{unadjusted} have a wild p below {rules['alpha']:g} before and {len(found)} after Holm's adjustment over "
        "all of them"
    )
    if not found:
        return f"Beyond the study (not claims of the article): {family}, so none is listed as a finding."
    return (
        f"Beyond the study (not claims of the article): {family}: " + "; ".join(found) + ". The article reports "
        "no spillovers and covers shorter periods."
    )


def report_title(layout: Layout) -> str:
    name = country_names().get(layout.country, layout.country)
    return f"Offshoring and its effects for {name}: replication on public data"


def build_document(layout: Layout, front: Facts | None = None) -> Document:
    from replication.claims.engine import studies_config

    vintage, country = layout.vintage, layout.country
    rel = layout.relative
    doc = Document()
    doc.heading(1, report_title(layout))
    study = studies_config()["country"]
    claims = _claims(layout)
    front = front if front is not None else facts(layout, claims)
    add_front_page(doc, front, study_country=study, study_name=country_names().get(study, study))
    _offshoring_sections(doc, layout, claims)
    _effect_sections(doc, layout, claims)
    _skill_sections(doc, layout, claims)
    _decomposition_sections(doc, layout, claims)
    _closing_sections(doc, layout, claims)
    doc.para(
        f"Generated by `make all` from vintage {vintage} for {country}; replication package {__version__}, git "
        f"commit {git_commit()}. Every number is read from a generated file named beside it ({rel(layout.claims)} "
        "for the verdicts); published numbers come from data/published/ and config/claims.toml."
    )
    return doc


def _offshoring_sections(doc: Document, layout: Layout, claims: pd.DataFrame) -> None:
    """Sections 1 and 2: Table 1 and the cross-country figure."""
    from replication.claims.engine import studies_config

    country = layout.country
    study = studies_config()["country"]
    doc.heading(2, "1. Offshoring intensity (Table 1)")
    table1 = layout.table1()
    if table1.exists():
        doc.para(_bottom_line(claims, ("table1", "three_groups")))
        comparison = pd.read_csv(table1, dtype={"statistic": str})
        wide = comparison.pivot_table(
            index=["sector", "origin"], columns=["measure", "statistic"], values=["published", "ours"], sort=False
        )
        wide.columns = [f"{m} {s} {w}" for w, m, s in wide.columns]
        order = [f"{m} {s} {w}" for m in ("om", "os") for s in ("1995", "2007", "g") for w in ("published", "ours")]
        doc.table(
            wide[[c for c in order if c in wide.columns]].reset_index(),
            f"Published vs ours, % of non-energy intermediate inputs (outputs/tables/{table1.name})",
        )
        note = next(
            (line for line in layout.table1("md").read_text().splitlines() if line.startswith("Ours:")),
            "",
        )
        doc.para(note)
        doc.table(
            _claim_rows(claims, ("table1", "three_groups")),
            f"Table 1 claims: {table1_rule()}; the article's statements (outputs/claims.csv; rules in "
            "config/claims.toml)",
        )
    else:
        doc.para(f"The published Table 1 is about {study}; no comparison for {country}.")
    doc.image(layout.trends_figure.with_suffix(".png"), "om and os by origin (published 1995/2007 as circles)")

    doc.heading(2, "2. Imported intermediate inputs across countries (published Figure 2)")
    doc.para(_bottom_line(claims, ("figure2",)))
    doc.table(_claim_rows(claims, ("figure2",)), "Claims from outputs/claims.csv")
    from replication.report.figures import cross_country_figure

    cross = cross_country_figure(layout)
    if cross is not None:
        doc.image(cross, f"Imported share of intermediate inputs, {cross.stem.split('_')[2]}")
    doc.para(
        "Why they differ: the published figure (OECD 2010) uses the OECD's input-output tables; ours uses the "
        "WIOD world tables (basic prices, no product taxes) and pools the OECD members present in WIOD."
    )


def _effect_sections(doc: Document, layout: Layout, claims: pd.DataFrame) -> None:
    """Sections 3 and 4: productivity and employment."""
    rel = layout.relative
    sections = [
        (
            "3. Productivity (Michel and Rycx 2014)",
            ("productivity",),
            "production",
            ["om_total", "os_total"],
            "Why they differ (measured): the study's FPB accounts at constant prices are confidential; here WIOD SEA "
            "on {samples}; {measures}.",
        ),
        (
            "4. Employment (Michel and Rycx 2012)",
            ("employment",),
            "labour_demand",
            ["om_total", "os_total"],
            "Why they differ (measured): the study measured offshoring over output and by high- and low-wage "
            "origins (the over_output and wage_groups variants); WIOD SEA here, on {samples}; {measures}.",
        ),
    ]
    gaps = pd.read_csv(layout.analysis / "measure_gaps.csv")
    for title, prefix, stem, terms, why in sections:
        doc.heading(2, title)
        doc.para(_bottom_line(claims, prefix))
        doc.table(_claim_rows(claims, prefix), "Claims from outputs/claims.csv")
        doc.table(_battery_rows(layout, prefix), _battery_caption(layout))
        for sector in ("manufacturing", "market_services"):
            frame = _coefficients(
                f"{stem}_{sector}",
                [
                    "main",
                    "first_difference",
                    "full_period",
                    "hours",
                    "over_output",
                    "constant_prices",
                    "system_gmm",
                    "dynamic_system_gmm",
                ],
                [*terms, "omo_total", "oso_total", "om_const_total", "os_const_total"],
                layout,
            )
            doc.table(
                frame,
                f"Offshoring coefficients, {sector.replace('_', ' ')} "
                f"({rel(layout.estimates)}/{stem}_{sector}.json; all variants: "
                f"{rel(layout.regression_tables)}/{stem}_{sector}.md)",
            )
            doc.para(_model_line(f"{stem}_{sector}", layout))
        doc.para(
            why.format(
                samples=_sample_sizes(stem, layout),
                measures=_measure_gaps(gaps[gaps["study"] == stem]),
            )
        )
        doc.para(_diagnosed(stem, layout))
    from replication.claims.engine import rules_config

    doc.para(_beyond_the_study(layout, rules_config()))


def _skill_sections(doc: Document, layout: Layout, claims: pd.DataFrame) -> None:
    """Section 5 (and 5b, the skill channel): the skill structure."""
    rel = layout.relative
    doc.heading(2, "5. Skill structure (Hertveldt and Michel 2013)")
    doc.para(_bottom_line(claims, ("low_skill", "skills", "ict", "decomposition")))
    doc.table(_claim_rows(claims, ("low_skill", "skills", "ict")), "Claims from outputs/claims.csv")
    results_dir = layout.analysis
    variation = pd.read_csv(results_dir / "identifying_variation.csv")
    doc.table(variation, f"Identifying variation ({rel(results_dir)}/identifying_variation.csv)")
    terms = ["om_oecd", "om_ceec", "om_asia", "os_total", "ict", "om_ceec_ict"]
    for stem in ("skill_shares_manufacturing", "skill_shares_market_services", "skill_shares_pooled"):
        frame = _coefficients(stem, ["main", "hours"], terms, layout, equation="low_")
        doc.table(frame, f"Low-skilled share equation, iterated SUR ({rel(layout.estimates)}/{stem}.json)")
        doc.para(_model_line(stem, layout))
    doc.image(layout.coefficient_figure.with_suffix(".png"), "Offshoring coefficients by origin with 95% intervals")
    bel = variation[
        variation["sample"].str.contains("manufacturing")
        & ~variation["sample"].str.startswith("pooled")
        & (variation["variable"] == "sh_ls")
    ]
    pooled = variation[variation["sample"].str.startswith("pooled") & (variation["variable"] == "sh_ls")]
    if not bel.empty and not pooled.empty:
        doc.para(
            "Why they differ: the study used Belgian skill data by educational attainment at industry level (not "
            f"public); WIOD SEA imputes Belgian "
            f"manufacturing skill shares (cross-industry s.d. of the low-skilled hours share "
            f"{bel['cross_sd'].iloc[0]:.4f}, against {pooled['cross_sd'].iloc[0]:.4f} in the pooled panel), so "
            "the Belgium-only manufacturing system is identified by the common time path of imputed shares; the "
            "pooled panel identifies the offshoring coefficients from countries whose skill shares vary but has "
            "no ICT data."
        )

    from replication.report import skills

    if layout.has_skill_channel and skills.available():
        skills.add_section(doc)


def _decomposition_sections(doc: Document, layout: Layout, claims: pd.DataFrame) -> None:
    """Section 6 (and 6b, the trade-off): the decomposition."""
    rel = layout.relative
    results_dir = layout.analysis
    doc.heading(2, "6. Decomposition of the fall in the low-skilled share")
    doc.para(_bottom_line(claims, ("decomposition",)))
    decomposition = pd.read_csv(results_dir / "decomposition.csv")
    from replication.analysis.decomposition import decomposition_config

    compare = {d["name"]: bool(d.get("compare_published")) for d in decomposition_config()["decomposition"]}
    published = pd.read_csv(config.published_dir() / "decomposition.csv").set_index("group")["percent"]
    doc.para(
        "The decomposition that carries the verdicts is the one-model decomposition of section 5b (pooled "
        "coefficients of the EU KLEMS countries with measured skill data, every component from the same "
        "equation, wild bootstrap intervals). The tables below apply the Belgium-only share systems (year "
        "effects, clustered by industry; weakly identified: Belgian skill shares move almost in step) and the "
        "non-EU WIOD panel (robustness only); published numbers appear only where the study reports them."
    )
    for name, part in decomposition.groupby("decomposition", sort=False):
        shown = part[["group", "percent", "delta_low", "delta_high", "within_percent", "boot_low", "boot_high"]].copy()
        if compare.get(name):
            shown.insert(1, "published", [published.get(g, math.nan) for g in shown["group"]])
        first = part.iloc[0]
        doc.table(
            shown,
            f"{name}: observed change {first['observed_change_pp']:.2f} pp, {int(first['industries'])} "
            f"industries ({rel(results_dir)}/decomposition.csv)",
        )

    from replication.report import frontier

    if layout.has_skill_channel and frontier.available():
        frontier.add_section(doc, frontier.tradeoff_dir() / "frontier.png")


def _closing_sections(doc: Document, layout: Layout, claims: pd.DataFrame) -> None:
    """Sections 7 to 9: all claims, data, provenance."""
    country = layout.country
    rel = layout.relative
    results_dir = layout.analysis
    doc.heading(2, "7. All claims")
    doc.table(claims[["id", "source", "claim", "published", "ours", "interval", "verdict"]], rel(layout.claims))

    doc.heading(2, "8. Data")
    doc.table(
        pd.read_csv(results_dir / "data_coverage.csv", dtype=str, keep_default_na=False),
        "Coverage of the vintages this run reads (data/interim/<vintage>/tidy.json and the offshoring tables)",
    )
    origin = layout.origin_coverage
    if origin.exists():
        doc.table(
            pd.read_csv(origin, keep_default_na=False),
            "Origin-group members missing from the vintage (they stay in the rest of the world)",
        )
    doc.table(
        pd.read_csv(results_dir / "imputations.csv", keep_default_na=False), f"Imputed or adjusted series ({country})"
    )

    doc.heading(2, "9. Provenance")
    doc.para(
        f"{rel(layout.manifest)} lists every output of this run with its sha256, program, spec, the raw-input "
        "checksums, "
        "the package version and the git commit; data/manifest.toml lists the raw files with their sources."
    )


def _measure_gaps(gaps: pd.DataFrame) -> str:
    """The offshoring measures side by side (analysis stage, ``measure_gaps.csv``)."""
    texts = [
        f"{r.sector.replace('_', ' ')} {r.year}: materials offshoring {r.om_total:.1f}% of non-energy inputs, "
        f"{r.omo_total:.1f}% of output, {r.om_const_total:.1f}% at 1995 prices"
        for r in gaps.itertuples(index=False)
    ]
    return "; ".join(texts) or "no offshoring measures for this country"


def _model_line(stem: str, layout: Layout) -> str:
    """The main model of a spec as one equation (fixest style, ``Results.formula``)."""
    results = load_estimates(stem, layout)
    if "main" not in results:
        return f"Model ({stem}, main): not identified."
    return f"Model ({stem}, main): `{results['main'].formula()}`."


def _sample_sizes(stem: str, layout: Layout) -> str:
    """'<industries> industries x <years> years of <sector>' for the main estimates of each sector."""
    parts = []
    for sector in ("manufacturing", "market_services"):
        results = load_estimates(f"{stem}_{sector}", layout)
        if "main" in results:
            d = results["main"].diagnostics
            parts.append(f"{d.get('n_entities')} {sector.replace('_', ' ')} industries x {d.get('n_periods')} years")
    return " and ".join(parts) or "no estimable sample"


def write_report(layout: Layout) -> list[Path]:
    """``index.html``, ``report.md`` and the Dutch summary ``samenvatting.html``."""
    from replication.report.samenvatting import build_samenvatting

    claims = _claims(layout)
    front = facts(layout, claims)  # one set of facts for the front page and the Dutch summary
    doc = build_document(layout, front)
    out = layout.report
    write_text(out / "report.md", doc.markdown(layout.outputs))
    write_text(out / "index.html", doc.html(report_title(layout), page=out / "index.html", root=config.project_root()))
    summary = build_samenvatting(front, claims)
    write_text(out / "samenvatting.html", summary.html("Delokalisatie en haar effecten: samenvatting"))
    return [out / "index.html", out / "report.md", out / "samenvatting.html"]


def write_report_stage(layout: Layout) -> list[Path]:
    """The report stage: the decomposition and identifying-variation tables rendered, then the report pages."""
    from replication.report.analysis_tables import write_decomposition_tables, write_identifying_variation_table

    write_decomposition_tables(layout)
    write_identifying_variation_table(layout)
    return write_report(layout)
