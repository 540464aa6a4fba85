"""Regression tables of one spec: a column per variant, a row per reported term; Markdown, LaTeX, CSV.

Cells: coefficient, (standard error of the variant's ``cov_type``), and [wild-bootstrap p-value] where
bootstrapped; stars from the bootstrap p-value when present, else the analytic one (* 10 %, ** 5 %,
*** 1 %). Footer rows: estimator, inference, N, industries, years, R², GMM instrument count, Hansen J
and AR(2) p-values. Reads only ``Results.tidy()`` and ``Results.diagnostics``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from replication import config
from replication.estimators.results import Results
from replication.fileio import write_csv, write_text
from replication.identification import failures
from replication.provenance import stamp
from replication.report.render import latex_escape
from replication.specs import load_spec


def _stars(p: float) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""


def long_table(results: dict[str, Results], report: list[str]) -> pd.DataFrame:
    """Tidy rows of every variant for the reported terms (SUR terms as ``<equation>: <term>``); a variant that
    fails the identification rules (:mod:`replication.identification`) keeps its rows without numbers and
    says why in ``not_identified``."""
    rows = []
    for variant, result in results.items():
        reasons = failures(result, inference=False)
        tidy = result.tidy()
        for _, row in tidy.iterrows():
            term = str(row["term"])
            label = term
            if result.estimator == "sur":
                equation, _, bare = term.partition("_")
                if bare not in report:
                    continue
                label = f"{equation}: {bare}"
            elif term not in report:
                continue
            numbers = {
                "estimate": row["estimate"],
                "std_error": row["std_error"],
                "p_value": row["p_value"],
                "boot_p_value": row.get("boot_p_value", math.nan),
                "boot_conf_low": row.get("boot_conf_low", math.nan),
                "boot_conf_high": row.get("boot_conf_high", math.nan),
            }
            if reasons:
                numbers = dict.fromkeys(numbers, math.nan)
            rows.append({"variant": variant, "term": label, **numbers, "not_identified": "; ".join(reasons)})
    return pd.DataFrame(rows)


def footer(result: Results) -> dict[str, str]:
    d = result.diagnostics
    entities = d.get("n_entities", d.get("absorbed_entity_effects", ""))
    rows = {
        "estimator": result.estimator,
        "inference": result.cov_type,
        "N": str(result.nobs),
        "industries": str(entities),
        "years": str(d.get("n_periods", d.get("years", ""))),
    }
    r2 = d.get("rsquared_within", d.get("rsquared"))
    if isinstance(r2, dict):
        r2 = next(iter(r2.values()))
    rows["R²"] = f"{r2:.3f}" if isinstance(r2, float) else ""
    if "n_instruments" in d and result.estimator.endswith("gmm") and "hansen_j" in d:
        rows["instruments"] = str(d["n_instruments"])
        identified = not failures(result, inference=False)
        rows["Hansen p"] = f"{d['hansen_j']['pvalue']:.3f}" if identified else "–"
        rows["AR(2) p"] = f"{d['ar2']['pvalue']:.3f}" if identified and not math.isnan(d["ar2"]["pvalue"]) else "–"
    reasons = failures(result, inference=False)
    if reasons:
        rows["note"] = "not identified: " + "; ".join(reasons)
    return rows


def wide_table(results: dict[str, Results], report: list[str]) -> pd.DataFrame:
    """Display frame: one text column per variant."""
    long = long_table(results, report)
    order = list(dict.fromkeys(long["term"])) if not long.empty else []
    columns = {}
    for variant, result in results.items():
        cells = {}
        part = long[long["variant"] == variant].set_index("term")
        for term in order:
            if term in part.index and part.loc[term, "not_identified"]:
                cells[term] = "not identified"
            elif term in part.index:
                r = part.loc[term]
                p = r["boot_p_value"] if not math.isnan(r["boot_p_value"]) else r["p_value"]
                text = f"{r['estimate']:.3f}{_stars(p)} ({r['std_error']:.3f})"
                if not math.isnan(r["boot_p_value"]):
                    text += f" [{r['boot_p_value']:.3f}]"
                cells[term] = text
            else:
                cells[term] = ""
        for key, value in footer(result).items():
            cells[key] = value
        columns[variant] = cells
    frame = pd.DataFrame(columns)
    frame.index.name = "term"
    return frame.fillna("").reset_index()


def write_regression_table(spec_path: Path, results: dict[str, Results], *, vintage: str, country: str) -> None:
    spec = load_spec(spec_path)
    report = list(spec.raw.get("report", []))
    out = (
        config.vintage_outputs_dir(vintage)
        / "tables"
        / ("estimates" if country == config.DEFAULT_COUNTRY else f"estimates_{country}")
    )
    wide = wide_table(results, report)
    note = (
        f"Coefficient (standard error: {', '.join(sorted({r.cov_type for r in results.values()}))}) "
        "[wild cluster bootstrap p-value, H0: coefficient = 0]; * p<0.10, ** p<0.05, *** p<0.01 (bootstrap "
        f"p where available). R²: the within R² for within models, the overall R² otherwise (per equation for "
        "SUR). N: observations used; for dynamic GMM the rows of the differenced equation plus, for system GMM, "
        "those of the levels equation. 'not identified': the variant fails the identification rules of "
        f"replication/identification.py and its numbers are not shown. Country {country}; "
        f"{stamp(vintage, f'estimations/belgium/{spec_path.name}')}. Generated by `make estimates`; do not edit."
    )
    header = "| " + " | ".join(wide.columns) + " |\n|" + "|".join("---" for _ in wide.columns) + "|\n"
    body = "".join("| " + " | ".join(str(v) for v in row) + " |\n" for row in wide.itertuples(index=False))
    markdown = f"# {spec.title}\n\n{spec.raw.get('description', '').strip()}\n\n{header}{body}\n{note}\n"
    write_text(out / f"{spec_path.stem}.md", markdown)
    spec_cols = "l" + "c" * (len(wide.columns) - 1)
    lines = [
        r"\begin{table}[htbp]",
        r"\centering",
        rf"\caption{{{latex_escape(spec.title)}}}",
        rf"\label{{tab:{spec_path.stem}}}",
        r"\scriptsize",
        rf"\begin{{tabular}}{{{spec_cols}}}",
        r"\toprule",
        " & ".join(latex_escape(str(c)) for c in wide.columns) + r" \\",
        r"\midrule",
    ]
    lines += [" & ".join(latex_escape(str(v)) for v in row) + r" \\" for row in wide.itertuples(index=False)]
    lines += [
        r"\bottomrule",
        r"\end{tabular}",
        rf"\par\smallskip\parbox{{\linewidth}}{{\tiny {latex_escape(note)}}}",
        r"\end{table}",
    ]
    write_text(out / f"{spec_path.stem}.tex", "\n".join(lines) + "\n")
    write_csv(out / f"{spec_path.stem}.csv", long_table(results, report))
