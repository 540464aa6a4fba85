"""Offshoring outputs: the long CSV per country, the Table 1 comparison (Markdown, LaTeX, CSV) and the
origin-coverage table.

``offshoring_<country>.csv``: country, sector, origin, measure, year, value (percent of non-energy
intermediate inputs); sector is ``manufacturing``, ``market_services`` or an industry code.
``table1_offshoring_<country>.{md,tex,csv}``: published Table 1 next to ours for the base and end
years and the compound average annual growth rate
:math:`g = 100\\,[(v_{end}/v_{base})^{1/(end-base)} - 1]`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from replication import config
from replication.errors import ReplicationError
from replication.fileio import write_csv, write_text
from replication.layout import Layout
from replication.offshoring import missing_members
from replication.provenance import stamp
from replication.report.render import fmt, latex_escape, to_markdown
from replication.schemas import UNSPLIT_IMPORTS
from replication.tidy import load_table
from replication.vintages import (
    country_names,
    load_country_groups,
    load_offshoring_config,
    load_vintage,
)

SECTOR_LABELS = {"manufacturing": "Manufacturing", "market_services": "Market services"}
ORIGIN_LABELS = {"total": "Total", "oecd": "OECD", "ceec": "CEEC", "asia": "ASIA"}
CSV_COLUMNS = ["country", "sector", "origin", "measure", "year", "value"]


def growth_rate(base: float | np.ndarray, end: float | np.ndarray, years: int) -> float | np.ndarray:
    """Compound average annual growth rate in percent: ``100 * ((end / base) ** (1 / years) - 1)``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 * (np.power(np.divide(end, base), 1.0 / years) - 1.0)


def load_intensities(vintage: str, country: str) -> pd.DataFrame:
    """The intensities of one country from the offshoring stage, with a clear error if absent."""
    path = Layout(vintage).offshoring
    if not path.exists():
        raise ReplicationError(f"{path}: not built; run `make offshoring VINTAGE={vintage}`")
    frame = pd.read_parquet(path)
    available = sorted(frame["country"].unique())
    if country not in available:
        raise ReplicationError(f"country {country!r} is not in vintage {vintage!r}; available: {available}")
    return frame[frame["country"] == country].reset_index(drop=True)


def write_offshoring_csv(vintage: str, country: str) -> pd.DataFrame:
    """``tables/offshoring_<country>.csv``: every sector x origin x measure x year (percent)."""
    frame = load_intensities(vintage, country)
    frame = frame.loc[frame["origin"].isin(list(load_offshoring_config()["origins"])), CSV_COLUMNS]
    write_csv(Layout(vintage, country).offshoring_table, frame)
    return frame


def table1_comparison(ours: pd.DataFrame, published: pd.DataFrame, *, base: int, end: int) -> pd.DataFrame:
    """Published vs our values per sector, origin, measure and statistic (base year, end year, g)."""
    sectors = [s for s in SECTOR_LABELS if s in set(published["sector"])]
    part = ours[ours["sector"].isin(sectors) & ours["year"].isin([base, end])]
    wide = part.pivot_table(
        index=["sector", "origin", "measure"], columns="year", values="value", observed=True, dropna=False
    )
    wide = wide.reindex(columns=[base, end])  # a year the vintage lacks stays missing in the comparison
    wide["g"] = growth_rate(wide[base], wide[end], end - base)
    long = (
        wide.rename(columns={base: str(base), end: str(end)})[[str(base), str(end), "g"]]
        .stack(future_stack=True)
        .rename("ours")
        .reset_index()
        .rename(columns={"year": "statistic"})
    )
    merged = published.merge(long, on=["sector", "origin", "measure", "statistic"], how="left", validate="1:1")
    merged["difference"] = merged["ours"] - merged["published"]
    return merged


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
    """Table 1 comparison files for ``country`` (only for the country the published table is about)."""
    cfg = load_offshoring_config()["table1"]
    if country != cfg["country"]:
        return None
    base, end = int(cfg["base_year"]), int(cfg["end_year"])
    published = pd.read_csv(config.published_dir() / "table1_offshoring.csv", dtype={"statistic": str})
    published = published.rename(columns={"value": "published"})
    ours = load_intensities(vintage, country)
    comparison = table1_comparison(ours, published, base=base, end=end)
    io_countries = set(
        map(str, load_table(vintage, "io_use", columns=["supplying_country"])["supplying_country"].unique())
    )
    missing = missing_members(load_country_groups(), load_offshoring_config()["origins"], io_countries)
    years = sorted(int(y) for y in ours["year"].unique())
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
    provenance = f"Generated by `make tables`; do not edit. {stamp(vintage, 'config/offshoring.toml')}."
    layout = Layout(vintage, country)
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
    write_csv(layout.table1("csv"), comparison)
    coverage = pd.DataFrame(
        [{"origin": label, "missing_members": " ".join(members)} for label, members in missing.items()]
    )
    write_csv(layout.origin_coverage, coverage)
    return comparison
