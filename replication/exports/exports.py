"""Stage: the referee exports of ``outputs/data/``, each a CSV with a Markdown codebook.

- ``skill_panel.csv``: the pooled EU KLEMS skill panel, every year it has (1980 onward: the window of the
  Michaels-Natraj-Van Reenen check as well as 1995-2007), with the country rule's flags and the skill blocks;
- ``estimation_panel.csv`` (``estimation_panel_<COUNTRY>.csv`` for another country): the run's country's
  rows of the estimation panel, the columns its specs use (``estimations/belgium/``);
- ``tradeoff_inputs.csv``: the base levels and drivers the productivity-inclusion trade-off reads
  (``config/tradeoff.toml``); the elasticities it uses are ``outputs/tradeoff/estimates_used.csv``.

Each codebook names every column and, from the specs themselves (:func:`codebooks.spec_notes`), the sample,
equation, effects, cluster variable, small-sample convention and bootstrap of the estimates built on it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from replication.core.fileio import read_parquet, write_csv, write_text
from replication.core.layout import Layout
from replication.core.progress import say
from replication.exports.codebooks import CONVENTIONS, column_table, spec_notes
from replication.exports.meanings import PANEL, SKILL_PANEL, TRADEOFF
from replication.specs.spec import find_spec, load_specs, spec_variants, used_columns

IDS = ["country", "industry", "entity", "year", "sector"]


def _write(csv: Path, frame: pd.DataFrame, head: list[str], meanings: dict, notes: list[str]) -> None:
    name = Layout().relative(csv)
    write_csv(csv, frame)
    table = column_table(list(frame.columns), meanings, what=name)
    lines = [f"# Codebook: {name}", "", *head, "", *table, *notes, *CONVENTIONS]
    write_text(csv.parent / f"{csv.stem}_codebook.md", "\n".join(lines).rstrip() + "\n")


def export_skill_panel(run: Layout) -> None:
    panel = read_parquet(run.skill_estimation_panel)
    part = panel[panel["in_euklems"]][list(SKILL_PANEL)]
    part = part.sort_values(["country", "sector", "industry", "year"]).reset_index(drop=True)
    first, last = int(part["year"].min()), int(part["year"].max())
    head = [
        f"One row per country x EU KLEMS industry x year ({first}-{last}; EU KLEMS skill shares end in 2005, WIOD "
        "offshoring starts in 1995, so offshoring is empty before 1995).",
        "Built by `replication/panels/skill_panel.py` and `replication/panels/skill_selection.py` from the EU KLEMS "
        "2008/2009 files and the WIOD 2013 tables; empty cells are missing. Shares are fractions (0-1).",
    ]
    skills = find_spec("skill_shares_eu", "skills")
    check = find_spec("ict_skills_check", "skills")
    notes = [
        "## How the shipped estimates on it are specified",
        "",
        *spec_notes(skills, ["main", "low", "low_country_year", "ms_low", "ms_low_country_year", "low_ict"]),
        *spec_notes(check, list(spec_variants(check))),
    ]
    _write(run.data_exports / "skill_panel.csv", part, head, SKILL_PANEL, notes)


def belgian_specs() -> list:
    from replication.specs.estimate import spec_files

    return [spec for path in spec_files("belgium") for spec in load_specs(path).values()]


def export_belgium_panel(run: Layout) -> None:
    specs = belgian_specs()
    used: set[str] = set()
    for spec in specs:
        for variant in spec_variants(spec).values():
            derived = set(variant.data.get("columns", {}))
            used |= {c for c in [*used_columns(variant), *variant.model.get("absorb", [])] if c not in derived}
    panel = read_parquet(Layout(run.vintage).panel)
    columns = [*IDS, *sorted(c for c in used | {"hours", "emp", "go_real", "va_real"} if c not in IDS)]
    part = panel[panel["country"] == run.country][columns].sort_values(["entity", "year"]).reset_index(drop=True)
    head = [
        f"The {run.country} rows of `data/interim/{run.vintage}/panel.parquet` (`replication/panels/panel.py`; "
        "docs/panel.md): one row per industry x year, every column a spec of `estimations/belgium/` uses. "
        "Each spec selects its sample with its `sample` (below); columns a spec derives (`[data.columns]`, e.g. "
        "offshoring x ICT) are computed by the spec from these. The pooled skill-share specs also use other "
        f"countries' rows of the same panel (not exported here). Empty cells are missing.",
    ]
    notes = ["## How the shipped estimates on it are specified", ""]
    for spec in specs:
        notes += spec_notes(spec, list(spec_variants(spec)))
    _write(run.estimation_panel_export, part, head, PANEL, notes)


def export_tradeoff_inputs(run: Layout) -> None:
    from replication.analysis.tradeoff import base_panel, tradeoff_config

    cfg = tradeoff_config()
    channels = list(cfg["channels"])
    base = base_panel(cfg)
    columns = ["country", "industry", "sector", "year", "go_real", "va_real", "hours", "emp", "sh_ls", *channels]
    part = base[columns].sort_values(["sector", "industry", "year"]).reset_index(drop=True)
    head = [
        f"The base levels and drivers of the productivity-inclusion trade-off (`replication/analysis/tradeoff.py`, "
        f"`config/tradeoff.toml`): {cfg['country']}'s industries of {', '.join(cfg['sectors'])} in the "
        f"{cfg['panel_vintage']} panel, every year. The elasticities applied to them, with their wild intervals "
        "and whether each is identified for the country, are `outputs/tradeoff/estimates_used.csv`; the draws "
        "reproduce each interval at the level of `[simulation]`.",
    ]
    sources: dict[str, set[str]] = {}
    for channel in cfg["channels"].values():
        for outcome in ("productivity", "hours", "skill"):
            entry = channel.get(outcome)
            if not entry:
                continue
            variants = entry["variant"] if isinstance(entry["variant"], dict) else None
            for sector in cfg["sectors"]:
                spec = entry["spec"].replace("{sector}", sector)
                sources.setdefault(spec, set()).add(variants[sector] if variants else entry["variant"])
    notes = ["## The estimates the trade-off uses", ""]
    for name, variants in sorted(sources.items()):
        folder = "skills" if name.startswith("skill_shares_eu") else "belgium"
        notes += spec_notes(find_spec(name, folder), sorted(variants))
    _write(run.data_exports / "tradeoff_inputs.csv", part, head, TRADEOFF, notes)


def write_exports(run: Layout) -> None:
    """Stage: every referee export of the run (the skill panel and the trade-off with the skill channel)."""
    say("[exports] referee data with codebooks")
    export_belgium_panel(run)
    if run.has_skill_channel:
        export_skill_panel(run)
        export_tradeoff_inputs(run)
