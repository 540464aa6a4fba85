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

import numpy as np
import pandas as pd

from replication.core.errors import ReplicationError
from replication.core.fileio import read_parquet, write_csv, write_parquet
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


def build_selection() -> pd.DataFrame:
    """Stage: the selection table and the estimation panel (see module notes)."""
    cfg = skill_panel_config()["selection"]
    path = Layout().skill_panel
    if not path.exists():
        raise ReplicationError(f"{path}: not built; run `make all`")
    say("[skill selection] identifying variation of the skill shares by country")
    table, panel = select_countries(read_parquet(path), cfg)
    write_csv(Layout().skill_selection_interim, table)
    write_parquet(Layout().skill_estimation_panel, panel)
    return table
