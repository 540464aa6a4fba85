"""Offshoring figures (PNG and PDF, byte-stable: no timestamps or software tags in the metadata).

``offshoring_trends_<country>``: om and os over time by origin, manufacturing and market services,
with the published 1995 and 2007 values as open markers (Belgium only).
``imported_inputs_<year>``: imported intermediate inputs as a share of all intermediate inputs in one
year for every country of the vintage, the home country highlighted, the pooled share of the OECD
members in the vintage as a line, the published values (OECD 2010) as dashed marks.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator

from replication.analysis.table1 import load_intensities
from replication.core import config
from replication.core.fileio import atomic_path, read_parquet
from replication.core.layout import Layout
from replication.core.progress import say
from replication.inputs.stamps import stamp
from replication.inputs.vintages import country_names, load_country_groups, load_offshoring_config
from replication.measures.offshoring import pooled_share
from replication.report.offshoring_tables import ORIGIN_LABELS, SECTOR_LABELS

COLOURS = {"total": "#1b1b1b", "oecd": "#1f77b4", "ceec": "#d62728", "asia": "#2ca02c"}
MEASURE_LABELS = {"om": "Materials offshoring (om)", "os": "Business-services offshoring (os)"}
DPI = 150
STYLE = {"font.size": 9, "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "offshoring-be"}


def cross_country_figure(layout: Layout) -> Path | None:
    """The run's cross-country figure (the latest year when several), or ``None``."""
    pattern = re.compile(r"imported_inputs_(\d{4})" + re.escape(layout.suffix) + r"\.png")
    found = sorted(p for p in layout.figures.glob("imported_inputs_*.png") if pattern.fullmatch(p.name))
    return found[-1] if found else None


def save_figure(fig: plt.Figure, stem: Path, *, provenance: str = "") -> list[Path]:
    """Write ``stem``.png and ``stem``.pdf atomically with fixed metadata (no dates, no software version) and
    the provenance line in the files' description/subject; close the figure."""
    written = []
    metadata = {
        "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "Subject": provenance or None},
        "png": {"Software": None, "Description": provenance or None},
    }
    # one draw per file: the tight bounding box is measured once, at the PNG's resolution, for both files
    # (`bbox_inches="tight"` laid the whole figure out again per file to find it), and the placeholder layout
    # engine `tight_layout()` leaves (whose presence made every savefig lay out the figure first) is removed,
    # the layout being done; 4 layouts -> 2, the PNG's bytes unchanged
    fig.set_layout_engine(None)
    fig.set_dpi(DPI)
    box = fig.get_tightbbox(fig.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])
    for ext, meta in metadata.items():
        target = stem.with_suffix(f".{ext}")
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=ext, dpi=DPI, metadata=meta, bbox_inches=box)
        written.append(target)
    plt.close(fig)
    return written


def plot_trends(intensities: pd.DataFrame, *, country: str, published: pd.DataFrame | None) -> plt.Figure:
    """2 x 2 panels (sector x measure), one line per origin, log scale (origins differ 100-fold)."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(2, 2, figsize=(9, 6.5), sharex=True)
        for row, sector in enumerate(SECTOR_LABELS):
            for col, measure in enumerate(MEASURE_LABELS):
                ax = axes[row, col]
                part = intensities[(intensities["sector"] == sector) & (intensities["measure"] == measure)]
                for origin, colour in COLOURS.items():
                    line = part[part["origin"] == origin].sort_values("year")
                    if line["value"].notna().any():
                        ax.plot(line["year"], line["value"], color=colour, lw=1.6, label=ORIGIN_LABELS[origin])
                    if published is not None:
                        pub = published[
                            (published["sector"] == sector)
                            & (published["measure"] == measure)
                            & (published["origin"] == origin)
                            & (published["statistic"] != "g")
                        ]
                        ax.plot(
                            pub["statistic"].astype(int),
                            pub["value"],
                            ls="none",
                            marker="o",
                            mfc="none",
                            color=colour,
                            ms=6,
                        )
                ax.set_yscale("log")
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
                ax.set_title(f"{SECTOR_LABELS[sector]}: {MEASURE_LABELS[measure]}")
                ax.set_ylabel("% of non-energy intermediate inputs")
                ax.grid(alpha=0.3, which="both", lw=0.5)
        handles, labels = axes[0, 0].get_legend_handles_labels()
        if published is not None:
            handles.append(plt.Line2D([], [], ls="none", marker="o", mfc="none", color="grey"))
            labels.append("published (1995, 2007)")
        fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
        fig.suptitle(f"Offshoring intensity by origin, {country_names().get(country, country)}")
        fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    return fig


def plot_cross_country(
    shares: pd.DataFrame, *, country: str, year: int, pooled: float, benchmark: str, published: pd.DataFrame
) -> plt.Figure:
    """Bars sorted by share, ``country`` highlighted, pooled benchmark as a horizontal line."""
    data = shares[shares["year"] == year].sort_values("share", ascending=False)
    names = country_names()
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(10, 4.5))
        colours = ["#d62728" if c == country else "#9aa7b5" for c in data["country"]]
        ax.bar(data["country"], data["share"], color=colours)
        ax.axhline(pooled, color="#1f77b4", lw=1.4, label=f"{benchmark} members in the data, pooled: {pooled:.1f}%")
        pub = published.set_index("series")["value"]
        if country in pub.index:
            ax.axhline(
                float(pub[country]),
                color="#d62728",
                ls="--",
                lw=1,
                label=f"published {names.get(country, country)} (OECD 2010): {pub[country]:.0f}%",
            )
        if "oecd_average" in pub.index:
            ax.axhline(
                float(pub["oecd_average"]),
                color="#1f77b4",
                ls="--",
                lw=1,
                label=f"published OECD average (OECD 2010): {pub['oecd_average']:.0f}%",
            )
        own = float(data.loc[data["country"] == country, "share"].iloc[0])
        ax.annotate(
            f"{own:.1f}%",
            (list(data["country"]).index(country), own),
            ha="center",
            va="bottom",
            fontsize=8,
            color="#d62728",
        )
        ax.set_ylabel("% of all intermediate inputs")
        ax.set_title(f"Imported intermediate inputs as a share of all intermediate inputs, {year}")
        ax.tick_params(axis="x", rotation=90, labelsize=7)
        ax.legend(frameon=False, loc="upper right", fontsize=8)
        fig.tight_layout()
    return fig


#: the fewest countries a cross-country figure compares (a vintage of one country's table draws none)
MIN_COMPARED = 3


def plot_no_comparison(vintage: str, *, country: str, countries: int) -> plt.Figure:
    """The cross-country figure of a vintage that holds too few countries to compare: a note, never a bar chart
    of one country drawn as if it were a comparison."""
    fig, ax = plt.subplots(figsize=(7.0, 2.2))
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        f"No cross-country comparison: vintage {vintage} holds the input-output table of {countries} "
        f"countr{'y' if countries == 1 else 'ies'} ({country}).\nThe published Figure 2 (imported intermediate "
        "inputs across OECD countries) is compared in the default vintage (wiod2013).",
        ha="center",
        va="center",
        fontsize=9,
        wrap=True,
        transform=ax.transAxes,
    )
    return fig


def write_figures(layout: Layout) -> list[Path]:
    """Both offshoring figures of the run's country (paths from :class:`~replication.core.layout.Layout`)."""
    vintage, country = layout.vintage, layout.country
    cfg = load_offshoring_config()
    intensities = load_intensities(vintage, country)
    published = None
    if country == cfg["table1"]["country"]:
        published = pd.read_csv(config.published_dir() / "table1_offshoring.csv", dtype={"statistic": str})
    configured = year = int(cfg["figure_cross_country"]["year"])
    benchmark = cfg["figure_cross_country"]["benchmark_group"]
    shares = read_parquet(layout.import_share)
    years = sorted(int(y) for y in shares["year"].unique())
    if year not in years:  # the configured year is not in this vintage: its latest year, named in the title
        say(f"[figures] {vintage} has no {year} table; the cross-country figure uses {years[-1]}")
        year = years[-1]
    countries = int(shares.loc[shares["year"] == year, "country"].nunique())
    if countries < MIN_COMPARED:  # one country's table: no comparison to draw, and the figure says so
        figure = plot_no_comparison(vintage, country=country, countries=countries)
    else:
        pooled = pooled_share(shares, load_country_groups()[benchmark], year=year)
        cross = pd.read_csv(config.published_dir() / "cross_country_2005.csv")
        figure = plot_cross_country(
            shares, country=country, year=year, pooled=pooled, benchmark="OECD", published=cross
        )
    written = save_figure(
        figure,
        layout.cross_country_figure(configured),  # the file keeps the configured year's name (a declared product)
        provenance=stamp(vintage, "config/offshoring.toml [figure_cross_country]"),
    )
    written += save_figure(
        plot_trends(intensities, country=country, published=published),
        layout.trends_figure,
        provenance=stamp(vintage, "config/offshoring.toml"),
    )
    return written
