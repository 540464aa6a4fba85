"""Renders the productivity-inclusion account (``outputs/tradeoff/*.csv``): the frontier figure and the report
section. Reads the analysis tables only; computes nothing but formatting."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from replication.core.layout import Layout
from replication.report.figures import save_figure


def tradeoff_dir() -> Path:
    return Layout().tradeoff


def available(folder: Path | None = None) -> bool:
    return ((folder or tradeoff_dir()) / "assumptions.csv").exists()


def load(folder: Path | None = None) -> dict[str, pd.DataFrame]:
    folder = folder or tradeoff_dir()
    return {
        name: pd.read_csv(folder / f"{name}.csv") for name in ("history", "scenarios", "estimates_used", "assumptions")
    }


def frontier_points(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All-channel totals (the headline: only what is identified for Belgium) of the historical episode and of
    every scenario, by sector; a scenario beyond the observed changes keeps its extrapolation flag in ``case``."""
    history = tables["history"]
    history = history[history["channel"] == "all channels"].assign(case=lambda f: "history " + f["period"])
    scenarios = tables["scenarios"]
    if not scenarios.empty:
        scenarios = scenarios[scenarios["channel"] == "all channels"]
        flagged = scenarios["extrapolation"].fillna("").astype(str).str.len() > 0
        scenarios = scenarios.assign(
            case=scenarios["scenario"].where(~flagged, scenarios["scenario"] + " (extrapolation)")
        )
    return pd.concat([history, scenarios], ignore_index=True)


def frontier_figure(tables: dict[str, pd.DataFrame], target: Path, *, provenance: str = "") -> list[Path]:
    """Productivity gain (% of output) against the change in low-skilled jobs, with the bands, per sector."""
    points = frontier_points(tables)
    sectors = list(dict.fromkeys(points["sector"]))
    fig, axes = plt.subplots(1, len(sectors), figsize=(5.2 * len(sectors), 4.2), squeeze=False)
    for ax, sector in zip(axes[0], sectors, strict=True):
        part = points[points["sector"] == sector].dropna(subset=["output_gain_pct", "low_jobs_change_k"])
        ax.set_title(sector.replace("_", " "))
        if part.empty:  # no credible low-skilled jobs (or productivity) estimate: no frontier, said so
            ax.text(
                0.5,
                0.5,
                "no frontier: low-skilled jobs have\nno credible estimate in this sector\n"
                "(outputs/tradeoff/history.csv)",
                ha="center",
                va="center",
                transform=ax.transAxes,
                fontsize=8,
            )
            ax.set_axis_off()
            continue
        for _, row in part.iterrows():
            x, y = row["low_jobs_change_k"], row["output_gain_pct"]
            ax.errorbar(
                [x],
                [y],
                xerr=[[x - row["low_jobs_change_k_low"]], [row["low_jobs_change_k_high"] - x]],
                yerr=[[y - row["output_gain_pct_low"]], [row["output_gain_pct_high"] - y]],
                fmt="o",
                capsize=3,
                label=row["case"],
            )
        ax.axhline(0, color="black", lw=0.5)
        ax.axvline(0, color="black", lw=0.5)
        ax.set_xlabel("change in low-skilled jobs (thousands)")
        ax.set_ylabel("productivity gain (% of gross output, at given inputs)")
        ax.legend(fontsize=7, loc="best")
    level = tables["assumptions"]["level"].iloc[0]
    fig.suptitle(f"Productivity against inclusion, Belgium: points and {100 * level:.0f}% bands", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, target, provenance=provenance)


def _fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:,.{digits}f}"


def paragraphs(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Plain words built from the tables."""
    history = tables["history"]
    out = []
    for sector, part in history.groupby("sector", sort=False):
        total = part[part["channel"] == "all channels"].iloc[0]
        out.append(
            f"**{sector.replace('_', ' ').capitalize()}, {total['period']}.** Offshoring and ICT as they changed "
            f"imply a productivity gain of {_fmt(total['output_gain_pct'], 2)}% of gross output "
            f"[{_fmt(total['output_gain_pct_low'], 2)}, {_fmt(total['output_gain_pct_high'], 2)}] "
            f"({_fmt(total['output_gain_pct_va'], 2)}% of value added; EUR {_fmt(total['output_gain_meur'], 0)} "
            "million a year at 1995 prices), a change in total jobs of "
            f"{_fmt(total['jobs_change_k'])} thousand [{_fmt(total['jobs_change_k_low'])}, "
            f"{_fmt(total['jobs_change_k_high'])}] and in low-skilled jobs of {_fmt(total['low_jobs_change_k'])} "
            f"thousand [{_fmt(total['low_jobs_change_k_low'])}, {_fmt(total['low_jobs_change_k_high'])}]"
            f" ({int(100 * tables['assumptions']['level'].iloc[0])}% bands from the wild bootstrap confidence "
            "distributions of the estimates used). The output gain holds inputs fixed and the job changes hold output "
            "fixed: two counterfactuals, shown side by side, with no ratio across them."
            + (
                f" Not distinguishable from zero (the band contains 0): {_outcome_words(total)}."
                if isinstance(total["not_distinguishable_from_zero"], str)
                else ""
            )
            + (f" Left out (no credible estimate): {total['left_out']}." if isinstance(total["left_out"], str) else "")
            + _assumption_text(part)
        )
    points = frontier_points(tables)
    gain = points[(points["output_gain_pct_low"] > 0) | (points["output_gain_pct_high"] < 0)]
    jobs = points[(points["low_jobs_change_k_low"] > 0) | (points["low_jobs_change_k_high"] < 0)]
    both = points.index.intersection(gain.index).intersection(jobs.index)
    out.append(
        f"**What the estimates say.** Of {len(points)} cases (history and scenarios, by sector), "
        f"{len(gain)} have a productivity band that excludes zero, {len(jobs)} a low-skilled jobs band that "
        f"excludes zero, and {len(both)} both: "
        + ("; ".join(f"{r['sector'].replace('_', ' ')}: {r['case']}" for _, r in points.loc[both].iterrows()) or "none")
        + ". A trade-off is measured only where both bands exclude zero; elsewhere the public data do not tell a "
        "productivity gain bought with low-skilled jobs from none. The skill channel's estimates are pooled across "
        "countries and not identified for Belgium: the headline holds each industry's low-skilled share at its "
        "base, so its low-skilled job changes come from the hours elasticities alone; the pooled skill "
        "coefficients appear only in the rows labelled as that assumption." + _extrapolation_text(tables)
    )
    out.append(
        "**What they cannot say.** Public WIOD and EU KLEMS data are national: these are figures for Belgium, not "
        "Flanders (a user's own regional weights reweight the industries, see docs/scenarios.md); there are no "
        "individual transitions (who loses a job, who finds one, training); and the account is partial "
        f"equilibrium: {tables['assumptions']['assumption'].iloc[0]}."
    )
    return out


OUTCOME_WORDS = {"output_gain_meur": "output", "jobs_change_k": "jobs", "low_jobs_change_k": "low-skilled jobs"}


def _outcome_words(row: pd.Series) -> str:
    return ", ".join(OUTCOME_WORDS.get(c, c) for c in str(row["not_distinguishable_from_zero"]).split("; "))


def _assumption_text(part: pd.DataFrame) -> str:
    """The labelled assumption row of a sector's first period, if the history has one."""
    rows = part[part["channel"].str.startswith("all channels, if")]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    return (
        f" {row['channel'].removeprefix('all channels, if ').join(('If ', ''))} (an assumption, not an estimate for "
        f"Belgium): low-skilled jobs {_fmt(row['low_jobs_change_k'])} thousand "
        f"[{_fmt(row['low_jobs_change_k_low'])}, {_fmt(row['low_jobs_change_k_high'])}]."
    )


def _extrapolation_text(tables: dict[str, pd.DataFrame]) -> str:
    scenarios = tables["scenarios"]
    if scenarios.empty:
        return ""
    totals = scenarios[scenarios["channel"] == "all channels"]
    flagged = totals[totals["extrapolation"].fillna("").astype(str).str.len() > 0]
    if flagged.empty:
        return " Every scenario stays inside the changes the data show over its horizon."
    names = sorted(set(flagged["scenario"]))
    return (
        f" {len(names)} of {totals['scenario'].nunique()} scenarios move a driver beyond its largest observed change "
        f"over the same number of years ({', '.join(names)}): their numbers are extrapolation, marked in every "
        "table and in the figure, and read as stress tests, not forecasts."
    )


def add_section(doc, figure: Path | None) -> None:
    """Report section: productivity versus inclusion."""
    tables = load()
    doc.heading(2, "6b. Productivity versus inclusion: offshoring and technology in jobs and output")
    for text in paragraphs(tables):
        doc.para(text)
    if figure is not None and figure.exists():
        doc.image(figure, "Productivity gain against the change in low-skilled jobs, history and scenarios")
    columns = [
        "sector",
        "case",
        "output_gain_pct",
        "output_gain_pct_low",
        "output_gain_pct_high",
        "output_gain_pct_va",
        "low_jobs_change_k",
        "low_jobs_change_k_low",
        "low_jobs_change_k_high",
        "not_distinguishable_from_zero",
        "extrapolation",
    ]
    doc.table(frontier_points(tables)[columns], "Frontier: all channels (outputs/tradeoff/history.csv, scenarios.csv)")
    history = tables["history"]
    doc.table(
        history[
            [
                "sector",
                "channel",
                "output_gain_pct",
                "output_gain_meur",
                "jobs_change_k",
                "low_jobs_change_k",
                "not_distinguishable_from_zero",
                "productivity_estimate",
                "hours_estimate",
                "skill_estimate",
            ]
        ],
        "Historical account by channel, with the estimate used for each outcome (outputs/tradeoff/history.csv)",
    )


def write_frontier(folder: Path) -> list[Path]:
    """``frontier.png`` and ``frontier.pdf`` in ``folder`` from its trade-off tables."""
    return frontier_figure(load(folder), folder / "frontier")
