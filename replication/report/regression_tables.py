"""Regression tables of one spec (report stage): read the spec's estimates JSON, write Markdown, LaTeX, CSV.

Layout (esttab / etable): models (the spec's variants) in numbered columns, terms in rows with the standard
error beneath in parentheses and, where bootstrapped, the wild cluster bootstrap p-value beneath in brackets;
footer rows (estimator, inference, N, industries, years, R², GMM instruments, Hansen J and AR(2) p-values);
notes below, with every model written as an equation (``Results.formula()``). Stars from the preferred
inference (``Results.preferred``: the bootstrap p-value where computed, else the analytic one; * 10 %,
** 5 %, *** 1 %). A variant that fails the identification rules (:mod:`replication.analysis.identification`) or that
the data could not identify (the JSON's ``not_estimable``) keeps its column with "not identified" and the
reason in the notes, never a number. Terms are shown by their labels (``config/labels.toml``; the CSV keeps the
specs' names). In LaTeX, a spec with more than :data:`PANEL_COLUMNS` models becomes several tables of at most that
many models (the first the main table, the others its continuation), each with only the rows its models fill and
the notes of its own models, so that every table fits a page in width and height.
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
#: the most coefficient rows (estimates, standard errors, bootstrap p-values) of one LaTeX table: with the footer
#: and the notes, a table of this many rows fits a 9-inch text block at \footnotesize
MAX_BODY_ROWS = 40


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


def term_labels() -> dict[str, str]:
    """``config/labels.toml [terms]``."""
    from replication.core import config_schemas

    return config_schemas.load("labels.toml")["terms"]


def _display(label: str, labels: dict[str, str] | None = None) -> str:
    """A row's label in words: empty for the standard-error and bootstrap rows; ``<equation>: <label>`` for a
    system's terms; the term's own name when it has no label."""
    if label.endswith((":se", ":boot")):
        return ""
    labels = labels or {}
    equation, sep, term = label.partition(": ")
    if sep:
        return f"{equation}: {labels.get(term, term)}"
    return labels.get(label, label)


def notes(results: dict[str, Results], not_estimable: dict[str, str], variants: list[str], source: str) -> list[str]:
    """The notes under a table: the legend, each model as an equation, and the not-identified reasons."""
    cov = ", ".join(sorted({r.cov_type for r in results.values()})) or "–"
    lines = [
        f"Coefficients; standard errors ({cov}) in parentheses; wild cluster bootstrap p-values (H0: coefficient "
        "= 0) in brackets where computed. * p<0.10, ** p<0.05, *** p<0.01 (bootstrap p where available). R²: "
        "within R² for within models (the share of the variation around the industry means that the regressors "
        "explain; it is negative when they explain less than the year effects they are fitted with), overall "
        "otherwise (first equation for SUR). N: observations used (dynamic GMM: differenced plus, for system GMM, "
        "levels rows). Not identified: the data cannot estimate the model (the reason is given), so no number "
        "is shown.",
    ]
    for number, variant in enumerate(variants, start=1):
        if variant in results:
            reasons = failures(results[variant], inference=False)
            text = f"({number}) {variant}: {results[variant].formula()}"
            if reasons:
                text += f". Not identified: {'; '.join(reasons)}"
        else:
            reason = not_estimable[variant].removeprefix("not identified:").strip()
            text = f"({number}) {variant}: not identified: {reason}"
        lines.append(text)
    lines.append(source)
    return lines


def markdown(title: str, description: str, labels: list[str], table: dict, note_lines: list[str]) -> str:
    variants = list(table)
    names = term_labels()
    frame = pd.DataFrame(
        {"": [_display(label, names) for label in labels]}
        | {f"({i}) {v}": [table[v][label] for label in labels] for i, v in enumerate(variants, start=1)}
    )
    body = to_markdown(frame, cell=str, align=["", *["r"] * len(variants)])
    return f"# {title}\n\n{description}\n\n{body}\n" + "\n\n".join(note_lines) + "\n"


def _filled(labels: list[str], table: dict, panel: list[str]) -> list[str]:
    """The rows of ``labels`` that a panel's models fill: a term with its standard-error and bootstrap rows when
    any of them has a cell; a footer row when any cell is not empty."""
    keep, k = [], 0
    while k < len(labels):
        row = labels[k]
        group = [row]
        while k + len(group) < len(labels) and labels[k + len(group)].startswith(row + ":"):
            group.append(labels[k + len(group)])
        if any(table[v][r] for v in panel for r in group):
            keep += group
        k += len(group)
    return keep


def _row_slices(rows: list[str], footer_start: int) -> list[list[str]]:
    """The coefficient rows of one table split into slices of at most :data:`MAX_BODY_ROWS`: by equation (a
    system's ``<equation>: <term>`` rows) when all do not fit, then greedily, a term never parted from its
    standard-error and bootstrap rows. Each slice gets the footer rows."""
    body, footer = rows[:footer_start], rows[footer_start:]
    if len(body) <= MAX_BODY_ROWS:
        return [rows]
    groups: list[list[str]] = []
    for row in body:
        if groups and row.startswith(groups[-1][0] + ":"):
            groups[-1].append(row)
        else:
            groups.append([row])
    slices: list[list[str]] = [[]]
    for group in groups:
        equation = group[0].partition(": ")[0] if ": " in group[0] else ""
        previous = slices[-1][0].partition(": ")[0] if slices[-1] and ": " in slices[-1][0] else ""
        if slices[-1] and (len(slices[-1]) + len(group) > MAX_BODY_ROWS or equation != previous):
            slices.append([])
        slices[-1] += group
    return [s + footer for s in slices]


def latex(title: str, label: str, labels: list[str], table: dict, note_lines: list[str]) -> str:
    """booktabs, ``\\footnotesize``: one table of at most :data:`PANEL_COLUMNS` models each (the first labelled
    ``tab:<label>``, the continuations ``tab:<label>_<k>``), only the rows its models fill, its models' notes in a
    full-width ``minipage`` below; the model names are in the notes (headers are numbers)."""
    variants = list(table)
    names = term_labels()
    legend, models, source = note_lines[0], note_lines[1:-1], note_lines[-1]
    chunks = [variants[i : i + PANEL_COLUMNS] for i in range(0, len(variants), PANEL_COLUMNS)] or [[]]
    parts = []
    for panel in chunks:
        rows = _filled(labels, table, panel)
        footer_start = rows.index("Estimator") if "Estimator" in rows else len(rows)
        parts += [(panel, piece) for piece in _row_slices(rows, footer_start)]
    lines = ["% requires: booktabs"]
    for k, (panel, rows) in enumerate(parts):
        first = variants.index(panel[0]) + 1 if panel else 1
        last = first + len(panel) - 1
        caption = title if len(chunks) == 1 else f"{title}: models ({first})--({last}) of {len(variants)}"
        equation = rows[0].partition(": ")[0] if rows and ": " in rows[0] else ""
        if len(parts) > len(chunks) and equation:
            caption += f", equation {equation}"
        lines += [
            r"\begin{table}[!htbp]",
            r"\centering",
            rf"\caption{{{latex_escape(caption)}}}",
            rf"\label{{tab:{label}{'' if k == 0 else f'_{k + 1}'}}}",
            r"\footnotesize",
            r"\begin{tabular}{l" + "r" * len(panel) + "}",
            r"\toprule",
            " & " + " & ".join(f"({first + i})" for i in range(len(panel))) + r" \\",
            r"\midrule",
        ]
        footer_started = False
        for row in rows:
            if not footer_started and row in ("Estimator",):
                lines.append(r"\midrule")
                footer_started = True
            cells_text = [latex_escape(table[v][row]) for v in panel]
            lines.append(latex_escape(_display(row, names)) + " & " + " & ".join(cells_text) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}", r"\par\medskip", r"\begin{minipage}{\linewidth}\scriptsize"]
        own = models[first - 1 : last] if panel else []
        lines += [latex_escape(n) + r"\par" for n in [legend if k == 0 else "Notes as in the first table.", *own]]
        lines += [latex_escape(source) + r"\par", r"\end{minipage}", r"\end{table}"]
        if k + 1 < len(parts):
            lines.append(r"\clearpage")
    return "\n".join(lines) + "\n"


def shown_terms(spec) -> list[str]:
    """The terms of a spec's table: its ``report`` list first, then every other term of any variant's model in
    the order the variants name them (so a new variant's terms appear without editing ``report``), less ``hide``."""
    hidden = set(spec.raw.get("hide", []))
    terms = [t for t in spec.raw.get("report", []) if t not in hidden]
    for variant in spec_variants(spec).values():
        model = variant.model
        names = [*model.get("regressors", []), *model.get("exog", []), *model.get("endog", [])]
        for equation in model.get("equations", {}).values():
            names += equation["regressors"]
        terms += [t for t in dict.fromkeys(names) if t not in hidden and t not in terms]
    return terms


def run_title(title: str, country: str) -> str:
    """A spec's title for the run's country: the specs are written for Belgium ("Belgian manufacturing"); another
    country's tables name that country instead."""
    if country == "BEL" or "Belgian " not in title:
        return title
    from replication.inputs.vintages import country_names

    return f"{title.replace('Belgian ', '')}, {country_names().get(country, country)}"


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
        report = shown_terms(spec)
        labels, table = cells(results, report, not_estimable, order)
        source = (
            f"Country {layout.country}; {stamp(layout.vintage, relative_to_root(Path(spec_path)))}. Generated by "
            "`make all` from the estimates JSON; do not edit."
        )
        note_lines = notes(results, not_estimable, list(table), source)
        out = layout.regression_table_file(folder, name)
        title = run_title(spec.title, layout.country)
        write_csv(out.with_suffix(".csv"), long_table(results, report, not_estimable))
        if any(not failures(r, inference=False) for r in results.values()):
            write_text(out.with_suffix(".tex"), latex(title, name, labels, table, note_lines))
        else:  # no model is identified: no LaTeX table of words only, a comment that says so (the Markdown says why)
            write_text(
                out.with_suffix(".tex"),
                f"{NO_TABLE} {name}: no model is identified ({layout.country}); see {out.name}\n",
            )
        description = spec.raw.get("description", "").strip()
        write_text(out, markdown(title, description, labels, table, note_lines))
        written.append(out)
    return written
