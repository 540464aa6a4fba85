"""The Table 1 comparison rendered for reading (``table1_offshoring_<country>.{md,tex}``) from the CSV the
analysis stage computed (:mod:`replication.analysis.table1`: levels, growth rates, origin coverage); nothing
is computed here but the wording of the note on why the numbers differ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from replication.analysis.table1 import load_intensities, read_comparison
from replication.core.fileio import write_text
from replication.core.layout import Layout
from replication.inputs.schemas import UNSPLIT_IMPORTS
from replication.inputs.stamps import stamp
from replication.inputs.tidy import load_table
from replication.inputs.vintages import (
    country_names,
    load_offshoring_config,
    load_vintage,
)
from replication.report.render import fmt, latex_escape, to_markdown

SECTOR_LABELS = {"manufacturing": "Manufacturing", "market_services": "Market services"}
ORIGIN_LABELS = {"total": "Total", "oecd": "OECD", "ceec": "CEEC", "asia": "ASIA"}


def _wide_for_display(comparison: pd.DataFrame, base: int, end: int) -> pd.DataFrame:
    rows = []
    for (sector, origin), part in comparison.groupby(["sector", "origin"], sort=False):
        row: dict[str, object] = {"Sector": SECTOR_LABELS[sector], "Origin": ORIGIN_LABELS.get(origin, origin)}
        values = part.set_index(["measure", "statistic"])
        for measure in ("om", "os"):
            for statistic in (str(base), str(end), "g"):
                for who in ("published", "ours"):
                    label = f"{measure} {statistic} {'pub.' if who == 'published' else 'ours'}"
                    row[label] = float(values.loc[(measure, statistic), who])
        rows.append(row)
    return pd.DataFrame(rows)


def table1_latex(display: pd.DataFrame, *, base: int, end: int, caption: str, label: str, notes: str) -> str:
    """Table 1 for a paper page: one panel per measure (materials, business services), years over pairs of
    published / ours columns, the notes in a full-width minipage below."""
    lines = [r"\begin{table}[!htbp]", r"\centering", rf"\caption{{{latex_escape(caption)}}}", rf"\label{{{label}}}"]
    lines.append(r"\footnotesize")
    for letter, (measure, title) in zip(
        "AB", (("om", "materials (om)"), ("os", "business services (os)")), strict=True
    ):
        lines += [
            rf"\par\medskip\textit{{Panel {letter}: offshoring of {title}}}\par\smallskip",
            r"\begin{tabular}{llrrrrrr}",
            r"\toprule",
            rf" & & \multicolumn{{2}}{{c}}{{{base}}} & \multicolumn{{2}}{{c}}{{{end}}} "
            r"& \multicolumn{2}{c}{g} \\",
            r"\cmidrule(lr){3-4}\cmidrule(lr){5-6}\cmidrule(lr){7-8}",
            r"Sector & Origin & pub. & ours & pub. & ours & pub. & ours \\",
            r"\midrule",
        ]
        for _, row in display.iterrows():
            cells = [row["Sector"], row["Origin"]]
            for statistic in (str(base), str(end), "g"):
                cells += [fmt(row[f"{measure} {statistic} pub."]), fmt(row[f"{measure} {statistic} ours"])]
            lines.append(" & ".join(latex_escape(str(c)) for c in cells) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}"]
    lines += [
        r"\par\medskip",
        rf"\begin{{minipage}}{{\linewidth}}\scriptsize {latex_escape(notes)}\end{{minipage}}",
        r"\end{table}",
    ]
    return "\n".join(lines) + "\n"


def _summary(comparison: pd.DataFrame) -> dict[str, object]:
    comparison = comparison.dropna(subset=["ours"])
    g = comparison[comparison["statistic"] == "g"]
    same_sign = int((np.sign(g["published"]) == np.sign(g["ours"])).sum())
    levels = comparison[comparison["statistic"] != "g"]
    return {
        "g_same_sign": same_sign,
        "g_rows": len(g),
        "median_abs_level_gap": float(levels["difference"].abs().median()),
    }


def differences_note(
    *, vintage: str, comparison: pd.DataFrame, missing: dict[str, list[str]], years: list[int], split_by_origin: bool
) -> str:
    """Why our numbers differ from the published ones: the vintage's ``comparison_notes``, the origin
    coverage and facts measured on this run."""
    names = country_names()
    info = load_vintage(vintage)
    reasons = list(info.comparison_notes)
    lacking = "; ".join(
        f"{label.upper()}: {', '.join(names.get(c, c) for c in members)}"
        for label, members in missing.items()
        if members
    )
    if split_by_origin and lacking:
        reasons.append(
            f"origin-group members absent from the vintage stay in the rest of the world "
            f"(counted in Total only): {lacking}"
        )
    compared = sorted({int(s) for s in comparison["statistic"] if s != "g"})
    absent = [y for y in compared if y not in years]
    measured = []
    if absent:
        measured.append(
            f"the vintage covers {min(years)}-{max(years)}, so {', '.join(map(str, absent))} and g are not available"
        )
    summary = _summary(comparison)
    if summary["g_rows"]:
        measured.append(f"the sign of the growth rate g agrees in {summary['g_same_sign']} of {summary['g_rows']} rows")
    measured.append(f"the median absolute gap in levels is {summary['median_abs_level_gap']:.2f} percentage points")
    return (
        f"Ours: vintage `{vintage}` ({info.description}). Published: FPB supply-use tables at constant prices "
        "with National Bank import-origin data (not public). Why they differ: "
        + "; ".join(f"({i}) {r}" for i, r in enumerate(reasons, 1))
        + ". Measured: "
        + "; ".join(measured)
        + "."
    )


def write_table1(vintage: str, country: str) -> pd.DataFrame | None:
    """Table 1 rendered (Markdown, LaTeX) from the analysis stage's comparison CSV (only for the country the
    published table is about)."""
    cfg = load_offshoring_config()["table1"]
    if country != cfg["country"]:
        return None
    base, end = int(cfg["base_year"]), int(cfg["end_year"])
    layout = Layout(vintage, country)
    comparison = read_comparison(layout)
    coverage = pd.read_csv(layout.origin_coverage, dtype=str, keep_default_na=False)
    missing = {row.origin: row.missing_members.split() for row in coverage.itertuples()}
    years = sorted(int(y) for y in load_intensities(vintage, country)["year"].unique())
    io_countries = set(
        map(str, load_table(vintage, "io_use", columns=["supplying_country"])["supplying_country"].unique())
    )
    note = differences_note(
        vintage=vintage,
        comparison=comparison,
        missing=missing,
        years=years,
        split_by_origin=UNSPLIT_IMPORTS not in io_countries,
    )
    display = _wide_for_display(comparison, base, end)
    title = (
        f"Table 1: offshoring intensity, {country_names().get(country, country)}, % of non-energy "
        f"intermediate inputs, published vs replication ({vintage})"
    )
    provenance = f"Generated by `make all`; do not edit. {stamp(vintage, 'config/offshoring.toml')}."
    markdown = (
        f"# {title}\n\n{to_markdown(display)}\n"
        f"g: compound average annual growth rate {base}-{end}, %. pub.: published; ours: this replication.\n\n"
        f"{note}\n\n{provenance}\n"
    )
    write_text(layout.table1("md"), markdown)
    latex = table1_latex(
        display,
        base=base,
        end=end,
        caption=title,
        label=f"tab:table1_{country.lower()}",
        notes=f"g: compound average annual growth rate {base}-{end}, %. {note} {provenance}",
    )
    write_text(layout.table1("tex"), latex)
    return comparison
