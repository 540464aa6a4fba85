"""Regression tables of one spec (report stage): read the spec's estimates JSON, write Markdown, LaTeX, CSV.

Layout (esttab / etable): models (the spec's variants) in numbered columns, terms in rows with the standard
error beneath in parentheses and, where bootstrapped, the wild cluster bootstrap p-value beneath in brackets;
footer rows (estimator, inference, N, industries, years, R², GMM instruments, Hansen J and AR(2) p-values);
notes below, with every model written as an equation (``Results.formula()``). Stars from the preferred
inference (``Results.preferred``: the bootstrap p-value where computed, else the analytic one; * 10 %,
** 5 %, *** 1 %). A variant that fails the identification rules (:mod:`replication.analysis.identification`) or that
the data could not identify (the JSON's ``not_estimable``) keeps its column with "not identified" and the
reason in the notes, never a number. Wide tables are split into panels of at most :data:`PANEL_COLUMNS`
models so that the LaTeX fits the text block.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from replication.analysis.identification import failures
from replication.core.fileio import write_csv, write_text
from replication.core.layout import Layout
from replication.estimators.results import Results
from replication.inputs.stamps import stamp
from replication.report.render import latex_escape, to_markdown
from replication.specs.estimate import read_record
from replication.specs.spec import load_specs, relative_to_root, spec_variants

PANEL_COLUMNS = 5


def _stars(p: float) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""


def _label(result: Results, term: str, report: list[str]) -> str | None:
    """The row label of a term, or None when the spec does not report it (SUR terms: ``<equation>: <term>``)."""
    if result.estimator == "sur":
        equation, _, bare = term.partition("_")
        return f"{equation}: {bare}" if bare in report else None
    return term if term in report else None


def long_table(results: dict[str, Results], report: list[str], not_estimable: dict[str, str]) -> pd.DataFrame:
    """Tidy rows of every variant for the reported terms; a variant that is not identified keeps one row per
    term without numbers and says why in ``not_identified``."""
    rows = []
    for variant, result in results.items():
        reasons = failures(result, inference=False)
        tidy = result.tidy()
        labels = [_label(result, str(term), report) for term in tidy["term"]]
        records = tidy.to_dict("records")  # plain dicts: iterrows built a Series per absorbed effect
        for label, row in zip(labels, records, strict=True):
            if label is None:
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
    for variant, reason in not_estimable.items():
        rows.append({"variant": variant, "term": "", "not_identified": reason})
    columns = ["variant", "term", "estimate", "std_error", "p_value", "boot_p_value", "boot_conf_low"]
    return pd.DataFrame(rows, columns=[*columns, "boot_conf_high", "not_identified"])


def footer(result: Results) -> dict[str, str]:
    """The footer cells of one model."""
    g = result.glance()
    rows = {
        "Estimator": result.estimator,
        "Inference": result.cov_type,
        "N": str(result.nobs),
        "Industries": "" if g.n_entities is None else str(g.n_entities),
        "Years": "" if g.n_periods is None else str(g.n_periods),
        "R²": "" if _nan(g.rsquared) else f"{g.rsquared:.3f}",
    }
    if result.estimator.endswith("gmm"):
        identified = not failures(result, inference=False)
        rows["Instruments"] = str(g.n_instruments)
        rows["Hansen p"] = f"{g.hansen_pvalue:.3f}" if identified else "–"
        rows["AR(2) p"] = f"{g.ar2_pvalue:.3f}" if identified and not _nan(g.ar2_pvalue) else "–"
    return rows


def _nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def cells(
    results: dict[str, Results], report: list[str], not_estimable: dict[str, str], order: list[str] | None = None
) -> tuple[list, dict]:
    """Row labels and, per variant, {row label: cell text}: for each term a coefficient row, a standard-error
    row (``term:se``) and a bootstrap row (``term:boot``) where any variant is bootstrapped."""
    long = long_table(results, report, not_estimable)
    terms = list(dict.fromkeys(t for t in long["term"] if t))
    boot_terms = {t for t in terms if long.loc[long["term"] == t, "boot_p_value"].notna().any()}
    labels = []
    for term in terms:
        labels += [term, f"{term}:se"] + ([f"{term}:boot"] if term in boot_terms else [])
    footers = {name: footer(result) for name, result in results.items()}
    footer_labels = list(dict.fromkeys(k for f in footers.values() for k in f))
    table: dict[str, dict[str, str]] = {}
    for variant in [v for v in (order or [*results, *not_estimable]) if v in results or v in not_estimable]:
        column: dict[str, str] = dict.fromkeys([*labels, *footer_labels], "")
        if variant in not_estimable or failures(results[variant], inference=False):
            column[labels[0] if labels else "Estimator"] = "not identified"
            column.update({k: v for k, v in footers.get(variant, {}).items() if k in ("Estimator", "N")})
            table[variant] = column
            continue
        part = long[long["variant"] == variant].set_index("term")
        for term in terms:
            if term not in part.index:
                continue
            r = part.loc[term]
            preferred = r["boot_p_value"] if not math.isnan(r["boot_p_value"]) else r["p_value"]
            column[term] = f"{r['estimate']:.3f}{_stars(preferred)}"
            column[f"{term}:se"] = f"({r['std_error']:.3f})"
            if not math.isnan(r["boot_p_value"]):
                column[f"{term}:boot"] = f"[{r['boot_p_value']:.3f}]"
        column.update(footers[variant])
        table[variant] = column
    return [*labels, *footer_labels], table


def _display(label: str) -> str:
    return "" if label.endswith((":se", ":boot")) else label


def notes(results: dict[str, Results], not_estimable: dict[str, str], variants: list[str], source: str) -> list[str]:
    """The notes under a table: the legend, each model as an equation, and the not-identified reasons."""
    cov = ", ".join(sorted({r.cov_type for r in results.values()})) or "–"
    lines = [
        f"Coefficients; standard errors ({cov}) in parentheses; wild cluster bootstrap p-values (H0: coefficient "
        "= 0) in brackets where computed. * p<0.10, ** p<0.05, *** p<0.01 (bootstrap p where available). R²: "
        "within R² for within models, overall otherwise (first equation for SUR). N: observations used (dynamic "
        "GMM: differenced plus, for system GMM, levels rows).",
    ]
    for number, variant in enumerate(variants, start=1):
        if variant in results:
            reasons = failures(results[variant], inference=False)
            text = f"({number}) {variant}: {results[variant].formula()}"
            if reasons:
                text += f". Not identified: {'; '.join(reasons)}"
        else:
            text = f"({number}) {variant}: not identified: {not_estimable[variant]}"
        lines.append(text)
    lines.append(source)
    return lines


def markdown(title: str, description: str, labels: list[str], table: dict, note_lines: list[str]) -> str:
    variants = list(table)
    frame = pd.DataFrame(
        {"": [_display(label) for label in labels]}
        | {f"({i}) {v}": [table[v][label] for label in labels] for i, v in enumerate(variants, start=1)}
    )
    body = to_markdown(frame, cell=str, align=["", *["r"] * len(variants)])
    return f"# {title}\n\n{description}\n\n{body}\n" + "\n\n".join(note_lines) + "\n"


def latex(title: str, label: str, labels: list[str], table: dict, note_lines: list[str]) -> str:
    """booktabs, ``\\footnotesize``, at most :data:`PANEL_COLUMNS` models per panel, notes in a full-width
    ``minipage`` below; the model names are in the notes (headers are numbers), so a panel's width is bounded
    by its label column and five numeric columns."""
    variants = list(table)
    panels = [variants[i : i + PANEL_COLUMNS] for i in range(0, len(variants), PANEL_COLUMNS)] or [[]]
    lines = [
        r"\begin{table}[!htbp]",
        r"\centering",
        rf"\caption{{{latex_escape(title)}}}",
        rf"\label{{tab:{label}}}",
        r"\footnotesize",
    ]
    for k, panel in enumerate(panels):
        first = variants.index(panel[0]) + 1 if panel else 1
        if len(panels) > 1:
            lines.append(rf"\par\medskip\textit{{Panel {chr(65 + k)}: models ({first})--({first + len(panel) - 1})}}")
            lines.append(r"\par\smallskip")
        lines += [
            r"\begin{tabular}{l" + "r" * len(panel) + "}",
            r"\toprule",
            " & " + " & ".join(f"({first + i})" for i in range(len(panel))) + r" \\",
            r"\midrule",
        ]
        footer_started = False
        for row in labels:
            if not footer_started and row in ("Estimator",):
                lines.append(r"\midrule")
                footer_started = True
            cells_text = [latex_escape(table[v][row]) for v in panel]
            lines.append(latex_escape(_display(row)) + " & " + " & ".join(cells_text) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}"]
    lines.append(r"\par\medskip")
    lines.append(r"\begin{minipage}{\linewidth}\scriptsize")
    lines += [latex_escape(n) + r"\par" for n in note_lines]
    lines += [r"\end{minipage}", r"\end{table}"]
    return "\n".join(lines) + "\n"


NO_TABLE = "% no table:"  # the whole of a .tex file of a spec none of whose models is identified


def write_regression_table(spec_path: Path, layout: Layout | None = None) -> list[Path]:
    """The tables (Markdown, LaTeX, CSV) of every spec a file stands for, from their estimates JSON."""
    layout = layout or Layout()
    folder = Path(spec_path).resolve().parent.name
    written = []
    for name, spec in load_specs(spec_path).items():
        record = read_record(layout.estimates_file(folder, name))
        order = list(spec_variants(spec))  # the spec's order (the JSON's keys are sorted)
        results = {v: Results.from_dict(record["variants"][v]) for v in order if v in record["variants"]}
        missing = record.get("not_estimable", {})
        not_estimable = {v: missing[v] for v in order if v in missing}
        report = list(spec.raw.get("report", []))
        labels, table = cells(results, report, not_estimable, order)
        source = (
            f"Country {layout.country}; {stamp(layout.vintage, relative_to_root(Path(spec_path)))}. Generated by "
            "`make all` from the estimates JSON; do not edit."
        )
        note_lines = notes(results, not_estimable, list(table), source)
        out = layout.regression_table_file(folder, name)
        write_csv(out.with_suffix(".csv"), long_table(results, report, not_estimable))
        if any(not failures(r, inference=False) for r in results.values()):
            write_text(out.with_suffix(".tex"), latex(spec.title, name, labels, table, note_lines))
        else:  # no model is identified: no LaTeX table of words only, a comment that says so (the Markdown says why)
            write_text(
                out.with_suffix(".tex"),
                f"{NO_TABLE} {name}: no model is identified ({layout.country}); see {out.name}\n",
            )
        description = spec.raw.get("description", "").strip()
        write_text(out, markdown(spec.title, description, labels, table, note_lines))
        written.append(out)
    return written
