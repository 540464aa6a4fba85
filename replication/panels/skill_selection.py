r"""Stage: which countries' skill data identify the share equations, by a rule stated in advance.

For country *c* (sector and years of ``config/skill_panel.toml [selection]``), with :math:`s_{cjt}` the
low-skilled share of industry *j*:

.. math::

    \Delta s_{cjt} = s_{cjt} - s_{cj,t-1}, \qquad
    e_{cjt} = \Delta s_{cjt} - \frac{1}{J}\sum_{k} \Delta s_{ckt}, \qquad
    \text{sd\_net\_change}_c = \operatorname{sd}_{j,t}(e_{cjt}),

the variation that country-industry effects (levels) and country-year effects (common changes) leave to
identify the slopes. The repeated-value detector groups industries whose whole share series are equal (to
``decimals``): such a *block* is one measured series copied to several industries (the EU KLEMS labour input
files of most countries report three manufacturing groups); ``distinct_series`` counts the blocks. Block
ids (``skill_block`` = country:first industry of the block) are the cluster of the estimations, since the
copied shares of one block share every error.

Writes ``data/interim/skills/estimation_panel.parquet`` (the panel with ``skill_block`` and ``selected``) and
``selection.csv`` (one row per country: the measures, in/out and why).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from replication.core import config
from replication.core.errors import ReplicationError
from replication.core.fileio import read_parquet, read_toml, write_csv, write_parquet, write_text
from replication.core.layout import Layout
from replication.core.progress import say
from replication.panels.skill_panel import skill_panel_config


def net_change_sd(part: pd.DataFrame, variable: str) -> float:
    """s.d. of the annual within-industry changes net of the country-year mean change (one country)."""
    frame = part.sort_values(["industry", "year"])
    change = frame.groupby("industry")[variable].diff()
    net = change - change.groupby(frame["year"]).transform("mean")
    return float(net.std()) if net.notna().sum() > 1 else float("nan")


def skill_blocks(part: pd.DataFrame, variable: str, *, decimals: int) -> pd.Series:
    """Block id of each industry of one country: industries with equal share series share a block."""
    wide = part.pivot_table(index="year", columns="industry", values=variable, aggfunc="first").round(decimals)
    signature = wide.T.apply(lambda row: tuple(row.fillna(-1.0)), axis=1)
    names: dict[tuple, str] = {}  # the first industry of each block names it
    for industry in wide.columns:
        names.setdefault(signature[industry], industry)
    return signature.map(names).rename("block")


def select_countries(panel: pd.DataFrame, cfg: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(selection table, panel with ``skill_block`` and ``selected_<sector>``) by the rule of the module notes,
    applied to each sector of ``cfg["sectors"]`` separately; ``selected`` is the first sector's flag."""
    tables, blocks = [], []
    for sector in cfg["sectors"]:
        table, block = _select_sector(panel, cfg, sector)
        tables.append(table)
        blocks.append(block)
    table = pd.concat(tables, ignore_index=True)
    if not table.loc[table["sector"] == cfg["sectors"][0], "selected"].any():
        raise ReplicationError("no country passes the skill-data rule of config/skill_panel.toml [selection]")
    out = panel.merge(pd.concat(blocks, ignore_index=True), on=["country", "industry"], how="left")
    out["skill_block"] = np.where(
        out["block"].notna(), out["country"] + ":" + out["block"].fillna(""), out["country"] + ":" + out["industry"]
    )
    out = out.drop(columns="block")
    out["skill_block_id"] = pd.factorize(out["skill_block"], sort=True)[0]  # numeric cluster codes
    for sector in cfg["sectors"]:
        chosen = set(table.loc[(table["sector"] == sector) & table["selected"], "country"])
        out[f"selected_{sector}"] = out["country"].isin(chosen)
    out["selected"] = out[f"selected_{cfg['sectors'][0]}"]
    return table, out


def _select_sector(panel: pd.DataFrame, cfg: dict, sector: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    variable = cfg["variable"]
    window = panel["year"].between(int(cfg["first"]), int(cfg["last"]))
    rows, blocks = [], []
    for country, part in panel[panel["in_euklems"] & (panel["sector"] == sector) & window].groupby("country"):
        part = part[part[variable].notna()]
        if part.empty:
            rows.append({"sector": sector, "country": country, "selected": False, "reason": f"no {variable} data"})
            continue
        block = skill_blocks(part, variable, decimals=int(cfg["decimals"]))
        blocks.append(pd.DataFrame({"country": country, "industry": block.index, "block": block.to_numpy()}))
        missing = [v for v in cfg["required"] if part[v].isna().all()]
        sd = net_change_sd(part, variable)
        distinct = int(block.nunique())
        minimum = int(cfg["min_distinct_series"][sector])
        reasons = []
        if missing:
            reasons.append(f"no data for {', '.join(missing)}")
        if not sd >= float(cfg["min_sd_net_change"]):
            reasons.append(f"sd of net changes {sd:.4f} < {float(cfg['min_sd_net_change']):.4f}")
        if distinct < minimum:
            reasons.append(f"{distinct} distinct series < {minimum} (block-copied shares)")
        rows.append(
            {
                "sector": sector,
                "country": country,
                "industries": int(part["industry"].nunique()),
                "years": f"{int(part['year'].min())}-{int(part['year'].max())}",
                "mean_share_first_year": float(part.loc[part["year"] == part["year"].min(), variable].mean()),
                "sd_levels": float(part.groupby("year")[variable].std().mean()),
                "sd_net_change": sd,
                "distinct_series": distinct,
                "largest_block": int(block.value_counts().max()),
                "has_ict": bool(part["ict"].notna().any()),
                "selected": not reasons,
                "reason": "; ".join(reasons) if reasons else "passes every criterion",
            }
        )
    return pd.DataFrame(rows), pd.concat(blocks, ignore_index=True)


CODEBOOK = {
    "country": "ISO 3166 alpha-3 code of the country whose industries these are",
    "industry": "EU KLEMS (NACE Rev.1) industry code",
    "entity": "country:industry, the panel unit of the specs (entity effects)",
    "year": "calendar year",
    "sector": "manufacturing or market_services",
    "sh_ls": "low-skilled share of hours worked, fraction (EU KLEMS labour input, H_LS sheets summed / 100)",
    "sh_ms": "medium-skilled share of hours worked, fraction",
    "sh_hs": "high-skilled share of hours worked, fraction",
    "sb_ls": "low-skilled share of the wage bill (labour compensation), fraction",
    "sb_ms": "medium-skilled share of the wage bill, fraction",
    "sb_hs": "high-skilled share of the wage bill, fraction",
    "ln_rw_ls": "ln(w_ls / w_hs), relative hourly wage of the low-skilled",
    "ln_rw_ms": "ln(w_ms / w_hs), relative hourly wage of the medium-skilled",
    "ln_w_ls": "ln hourly wage of the low-skilled, national currency (sb_ls LAB / (sh_ls H_EMP))",
    "ln_w_ms": "ln hourly wage of the medium-skilled, national currency",
    "ln_w_hs": "ln hourly wage of the high-skilled, national currency",
    "ln_ky": "ln(CAP_QI / VA_QI): capital services over value added, volume indices (1995 = 100)",
    "ln_y": "ln VA_QI, value added volume index (1995 = 100)",
    "ict": "ICT capital compensation over value added, CAPIT x CAP / VA, fraction (the specs' ICT intensity)",
    "ln_ict_qph": "ln CAPIT_QPH, ICT capital services per hour worked (index, 1995 = 100)",
    "ict_imputed": "true where ict is the industry's last observation carried forward one year",
    "om_total": "imported materials (all foreign origins) over non-energy intermediate inputs, fraction (WIOD 2013)",
    "om_oecd": "imported materials from OECD22 (other than the country) over non-energy inputs, fraction",
    "om_ceec": "imported materials from CEEC10 (other than the country) over non-energy inputs, fraction",
    "om_asia": "imported materials from ASIA10 (other than the country) over non-energy inputs, fraction",
    "om_low": "imported materials from origins with lower hourly labour compensation (USD, 1995) than the country",
    "om_high": "imported materials from origins with at least the country's hourly labour compensation",
    "os_total": "imported business services over non-energy intermediate inputs, fraction",
    "os_low": "imported business services from lower-wage origins (relative to the country)",
    "os_high": "imported business services from higher-wage origins",
    "off_total": "om_total + os_total",
    "hours": "hours worked by persons engaged, millions (H_EMP)",
    "lab": "labour compensation, millions of national currency (LAB)",
    "sh_ls_sea": "WIOD SEA low-skilled hours share of the industry (hours-weighted over its WIOD industries), fraction",
    "skill_block": "country:industry naming the block of industries whose skill shares are one copied series",
    "skill_block_id": "the skill block as an integer: the specs' cluster variable",
    "selected": "true when the country passes the skill-data rule for manufacturing (config/skill_panel.toml)",
    "selected_market_services": "true when the country passes the rule for market services",
}


def reproduction_notes() -> list[str]:
    """How the shipped skill estimates are specified, from their spec file (so the codebook cannot drift from it):
    sample, equations, effects, covariance and small-sample convention."""
    path = config.project_root() / "estimations" / "skills" / "skill_shares_eu.toml"
    raw = read_toml(path, what="spec")  # read as text: the spec language is a later stage
    lists = raw.get("lists", {})
    model, inference, data = raw["model"], raw.get("inference", {}), raw["data"]

    def terms(names: list[str]) -> list[str]:
        return [t for n in names for t in (lists[n[1:]] if n.startswith("@") else [n])]

    equations = "; ".join(
        f"`{e['dependent']}` on `{' + '.join(terms(e['regressors']))}`" for e in model["equations"].values()
    )
    effects = ["entity effects by `entity` (swept out)"] if model.get("entity_effects", True) else []
    effects += [f"effects of `{column}` (partialled out of every equation)" for column in model.get("absorb", [])]
    return [
        "## Reproducing the shipped estimates (`estimations/skills/skill_shares_eu.toml`, main model)",
        "",
        f"- Sample: `{data.get('sample', 'all rows')}`, rows complete in every variable of the system.",
        f"- Model: seemingly unrelated regressions ({model.get('method', 'iterated')} feasible GLS), {equations}.",
        f"- Effects: {'; '.join(effects)}; `period` is the year.",
        f"- Covariance: {inference.get('cov_type', 'unadjusted')}"
        + (f", by `{inference['cluster']}`" if inference.get("cluster") else "")
        + "; the system sandwich times G/(G-1) (G clusters), no further small-sample factor; tests and intervals"
        " use the normal distribution (`replication/estimators/system.py`).",
        "- Variants (year x country effects, hours shares, first and long differences, symmetry): the same file.",
        "",
    ]


def export_panel(panel: pd.DataFrame) -> tuple[Path, Path]:
    """The analysis panel as CSV with its codebook (``outputs/data/``), for re-estimation in any package."""
    folder = Layout().data_exports
    part = panel[panel["in_euklems"] & panel["year"].between(1995, 2007)][list(CODEBOOK)]
    csv = folder / "skill_panel.csv"
    write_csv(csv, part.sort_values(["country", "sector", "industry", "year"]).reset_index(drop=True))
    lines = [
        "# Codebook: outputs/data/skill_panel.csv",
        "",
        "One row per country x EU KLEMS industry x year (1995-2007; EU KLEMS skill shares end in 2005).",
        "Built by `replication/panels/skill_panel.py` and `replication/panels/skill_selection.py` from the EU KLEMS "
        "2008/2009",
        "files and the WIOD 2013 tables; empty cells are missing. Shares are fractions (0-1).",
        "",
        "| column | meaning |",
        "|---|---|",
        *[f"| `{name}` | {text} |" for name, text in CODEBOOK.items()],
        "",
        *reproduction_notes(),
    ]
    book = folder / "skill_panel_codebook.md"
    write_text(book, "\n".join(lines))
    return csv, book


def build_selection() -> pd.DataFrame:
    """Stage: the selection table and the estimation panel (see module notes)."""
    cfg = skill_panel_config()["selection"]
    path = Layout().skill_panel
    if not path.exists():
        raise ReplicationError(f"{path}: not built; run `make all`")
    say("[skill selection] identifying variation of the skill shares by country")
    table, panel = select_countries(read_parquet(path), cfg)
    export_panel(panel)
    write_csv(Layout().skill_selection_interim, table)
    write_parquet(Layout().skill_estimation_panel, panel)
    return table
