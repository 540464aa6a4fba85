r"""Stage: the cross-country skill panel, one row per country x EU KLEMS industry x year.

Inputs: the EU KLEMS accounts of ``[sources] accounts_vintage`` (skill shares, accounts, ICT capital) and
the WIOD offshoring numerators and denominators of ``offshoring_vintage``; every choice is in
``config/skill_panel.toml``; the variables are documented in ``docs/skill_panel.md``.

Skill *s* in {ls, ms, hs}: hours shares ``sh_s`` (H_LS, ...), wage-bill shares ``sb_s`` (LABLS, ...),
relative wages :math:`\ln(w_s/w_{hs}) = \ln\frac{sb_s/sh_s}{sb_{hs}/sh_{hs}}` (``ln_rw_ls``, ``ln_rw_ms``:
no level data needed), wages :math:`w_s = sb_s\,LAB/(sh_s\,H)` (``ln_w_s``, national currency per hour).

Offshoring by EU KLEMS industry *j* (WIOD industries *i* mapped to *j* by the concordance):

.. math:: om^g_{cjt} = \sum_{i \to j} N^g_{cit} \Big/ \sum_{i \to j} D_{cit}

(numerators and denominators summed, as for a sector), as fractions. Origins: total, OECD22, CEEC10, ASIA10
(a supplier is foreign by construction, so the importer is never in its own origin group) and
``low``/``high``: suppliers whose hourly labour compensation in USD in the base year is below / at least
``ratio`` times the importer's (relative to the importer).

ICT intensity: ``ict_va`` :math:`= CAPIT \cdot CAP / VA` (ICT capital compensation over value added) and
``ln_ict_qph`` :math:`= \ln CAPIT\_QPH` (ICT capital services per hour, an index). ``ln_ky`` :math:`=
\ln(CAP\_QI/VA\_QI)`, ``ln_y`` :math:`= \ln VA\_QI` (volume indices: their levels are absorbed by the
country-industry effects). Placebo columns ``pl_<donor>_<term>`` hold the donor country's offshoring of the
same industry and year; lead columns ``f1_<term>`` the industry's own offshoring of year t + 1.
``sh_ls_sea`` is the WIOD SEA low-skilled hours share of the same industry (hours-weighted over its WIOD
industries), which runs to 2009 where the EU KLEMS labour input files stop in 2005.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from replication.core import config_schemas
from replication.core.errors import ReplicationError
from replication.core.fileio import read_parquet, write_parquet
from replication.core.layout import Layout
from replication.core.progress import say
from replication.inputs.tidy import as_text, load_table
from replication.inputs.vintages import load_classification, load_vintage
from replication.measures.offshoring import common_codes, factor_codes, group_sums
from replication.panels.panel import SKILL_ACCOUNTS, SKILLS, accounts_wide, carry_forward

ACCOUNTS = {
    **SKILL_ACCOUNTS,
    "LAB": "lab",
    "H_EMP": "hours",
    "VA": "va",
    "CAP": "cap",
    "CAPIT": "capit",
    "CAPIT_QPH": "capit_qph",
    "CAP_QI": "cap_qi",
    "VA_QI": "va_qi",
}
ORIGINS = ("total", "oecd", "ceec", "asia")
MEASURES = ("om", "os")


def skill_panel_config() -> dict:
    return config_schemas.load("skill_panel.toml")


def concordance(cfg: dict) -> tuple[pd.Series, dict[str, str]]:
    """WIOD industry -> EU KLEMS industry, and EU KLEMS industry -> sector (manufacturing, market services)."""
    vintage = load_vintage(cfg["sources"]["offshoring_vintage"])
    classification = load_classification(vintage.classification)
    table = classification.industries.set_index("code")[cfg["sources"]["concordance"]]
    sectors = {}
    for code, sector in classification.sector_of().items():
        sectors.setdefault(table[code], sector)
    return table, sectors


def aggregate_offshoring(intensities: pd.DataFrame, mapping: pd.Series, origins: tuple[str, ...]) -> pd.DataFrame:
    """om/os by origin (fractions) of the EU KLEMS industries: numerators and denominators summed."""
    part = intensities[intensities["sector"].isin(mapping.index) & intensities["origin"].isin(origins)].copy()
    part["industry"] = part["sector"].map(mapping)
    keys = ["country", "industry", "year", "measure", "origin"]
    summed = part.groupby(keys, sort=True)[["numerator", "denominator"]].sum(min_count=1)
    unknown = part["numerator"].isna().groupby([part[k] for k in keys], sort=True).any()
    summed.loc[unknown.reindex(summed.index).to_numpy(), "numerator"] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        summed["value"] = np.where(summed["denominator"] > 0, summed["numerator"] / summed["denominator"], np.nan)
    wide = summed["value"].unstack(["measure", "origin"])
    wide.columns = [f"{m}_{o}" for m, o in wide.columns]
    return wide


def hourly_wages_usd(accounts: pd.DataFrame, io_use: pd.DataFrame, *, year: int) -> pd.Series:
    """Mean hourly labour compensation in USD by country in ``year`` (WIOD SEA and WIOT).

    :math:`w_c = (\\sum LAB / \\sum H\\_EMP) / e_c`, with the exchange rate :math:`e_c = \\sum II^{nc} /
    \\sum II^{USD}`: the country's intermediate inputs in national currency (SEA) over the same in USD (WIOT).
    """
    acc = accounts[(accounts["year"] == year) & accounts["variable"].isin(["LAB", "H_EMP", "II"])]
    totals = acc.groupby([as_text(acc["country"]), as_text(acc["variable"])])["value"].sum().unstack()
    use = io_use[io_use["year"] == year]
    usd = use.groupby(as_text(use["country"]), observed=True)["value"].sum()
    rate = totals["II"] / usd.reindex(totals.index)
    return (totals["LAB"] / totals["H_EMP"] / rate).dropna().sort_index()


def wage_origin_offshoring(
    io_use: pd.DataFrame, wages: pd.Series, *, mapping: pd.Series, products: dict, ratio: float, years: range
) -> pd.DataFrame:
    """om/os from low- and high-wage origins *relative to each importer*, by EU KLEMS industry (fractions).

    Sums over millions of flows with :func:`numpy.bincount` on the factorised keys.
    """
    use = io_use[io_use["year"].isin(list(years))]
    (home, supplier), labels = common_codes(use["country"], use["supplying_country"])
    year, year_labels = factor_codes(use["year"].to_numpy())
    using, using_labels = factor_codes(use["using_industry"])
    product, product_labels = factor_codes(use["product"])
    targets = pd.Index(sorted(set(mapping)))
    target_of = targets.get_indexer(pd.Index(np.asarray(using_labels, dtype=str)).map(mapping))
    industry = target_of[using]
    keep = industry >= 0
    wage = wages.reindex(labels).to_numpy(dtype=float)
    value = use["value"].to_numpy(dtype=float)
    product_labels = np.asarray(product_labels, dtype=str)
    sizes = (len(labels), len(year_labels), len(targets))
    key = np.ravel_multi_index((home[keep], year[keep], industry[keep]), sizes)

    kept = value[keep]

    def total(rows: np.ndarray) -> np.ndarray:
        return group_sums(key, kept, rows[keep], int(np.prod(sizes)))

    energy = np.isin(product_labels, products["energy"])[product]
    denominator = total(~energy)
    foreign = supplier != home
    with np.errstate(invalid="ignore"):
        low = wage[supplier] < ratio * wage[home]
        high = wage[supplier] >= ratio * wage[home]
    out = {}
    for name, group in (("om", "materials"), ("os", "business_services")):
        in_group = np.isin(product_labels, products[group])[product] & foreign
        for origin, mask in (("low", low), ("high", high)):
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"{name}_{origin}"] = total(in_group & mask) / denominator
    index = pd.MultiIndex.from_product(
        [np.asarray(labels, dtype=str), np.asarray(year_labels, dtype=int), targets],
        names=["country", "year", "industry"],
    )
    wide = pd.DataFrame(out, index=index)
    wide = wide[(denominator > 0) & ~np.isnan(wage).repeat(len(year_labels) * len(targets))]
    return wide.reorder_levels(["country", "industry", "year"]).sort_index()


def sea_low_share(accounts: pd.DataFrame, mapping: pd.Series) -> pd.Series:
    """WIOD SEA low-skilled hours share by country, EU KLEMS industry and year (hours-weighted)."""
    part = accounts[accounts["variable"].isin(["H_LS", "H_EMP"])]
    wide = part.pivot_table(
        index=[as_text(part["country"]), as_text(part["industry"]), part["year"].astype(int)],
        columns=as_text(part["variable"]),
        values="value",
        aggfunc="first",
    ).dropna()
    wide = wide.reset_index()
    wide.columns = ["country", "industry", "year", *wide.columns[3:]]
    wide["industry"] = wide["industry"].map(mapping)
    wide["low"] = wide["H_LS"] * wide["H_EMP"]
    summed = wide.groupby(["country", "industry", "year"])[["low", "H_EMP"]].sum()
    return (summed["low"] / summed["H_EMP"]).rename("sh_ls_sea")


def construct(panel: pd.DataFrame, *, main_ict: str, carry: int = 0) -> pd.DataFrame:
    """Derived variables of the module notes from the raw columns (a pure function); the ICT measures'
    last observation fills at most ``carry`` later years (``ict_imputed``)."""
    out = panel.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        for skill in SKILLS:
            out[f"ln_w_{skill}"] = np.log(out[f"sb_{skill}"] * out["lab"] / (out[f"sh_{skill}"] * out["hours"]))
        for skill in ("ls", "ms"):
            ratio = (out[f"sb_{skill}"] / out[f"sh_{skill}"]) / (out["sb_hs"] / out["sh_hs"])
            out[f"ln_rw_{skill}"] = np.log(ratio.where(ratio > 0))
        out["ict_va"] = out["capit"] * out["cap"] / out["va"]
        out["ln_ict_qph"] = np.log(out["capit_qph"].where(out["capit_qph"] > 0))
        out["ln_ky"] = np.log((out["cap_qi"] / out["va_qi"]).where(lambda v: v > 0))
        out["ln_y"] = np.log(out["va_qi"].where(out["va_qi"] > 0))
    for column in ("ict_va", "ln_ict_qph"):
        out = carry_forward(out, column, years=carry)
    out["ict_imputed"] = out.pop(f"{main_ict}_imputed")
    out = out.drop(columns=[c for c in out.columns if c.endswith("_imputed") and c != "ict_imputed"])
    out["ict"] = out[main_ict]
    for term in [c for c in out.columns if c.startswith(("om_", "os_"))]:
        out[f"{term}_ict"] = out[term] * out["ict"]
    out["entity"] = out["country"] + ":" + out["industry"]
    out["period"] = out["year"].astype(str)  # year effects as an absorbed column (the SUR systems)
    out["country_year"] = out["country"] + ":" + out["year"].astype(str)
    out["industry_year"] = out["industry"] + ":" + out["year"].astype(str)
    return out


def add_placebo_and_leads(panel: pd.DataFrame, *, donors: list[str], placebo_terms: list[str], lead_terms: list[str]):
    """Placebo columns ``pl_<donor>_<term>`` and lead columns ``f1_<term>`` (see module notes)."""
    out = panel.copy()
    keyed = out.set_index(["country", "industry", "year"])
    for donor in donors:
        donor_rows = (
            keyed.xs(donor, level="country")[placebo_terms] if donor in keyed.index.get_level_values(0) else None
        )
        if donor_rows is None:
            raise ReplicationError(f"placebo donor {donor!r} has no offshoring in the panel")
        joined = out[["industry", "year"]].join(donor_rows, on=["industry", "year"])
        for term in placebo_terms:
            out[f"pl_{donor.lower()}_{term}"] = joined[term].to_numpy()
    nxt = keyed[lead_terms].copy()
    nxt.index = nxt.index.set_levels(nxt.index.levels[2] - 1, level="year")
    joined = out[["country", "industry", "year"]].join(nxt, on=["country", "industry", "year"])
    for term in lead_terms:
        out[f"f1_{term}"] = joined[term].to_numpy()
    return out


def build_skill_panel() -> pd.DataFrame:
    """Stage: EU KLEMS accounts + WIOD offshoring -> ``data/interim/skills/panel.parquet``."""
    cfg = skill_panel_config()
    sources, years = cfg["sources"], cfg["years"]
    mapping, sectors = concordance(cfg)
    span = range(int(years["first"]), int(years["last"]) + 1)
    say("[skill panel] EU KLEMS accounts, WIOD offshoring by EU KLEMS industry, origins relative to the importer")
    accounts = load_table(sources["accounts_vintage"], "accounts")
    panel = accounts_wide(accounts, ACCOUNTS)
    panel = panel[panel.index.get_level_values("year").isin(list(range(int(years["accounts_first"]), span.stop)))]
    path = Layout(sources["offshoring_vintage"]).offshoring
    if not path.exists():
        raise ReplicationError(f"{path}: not built; run `make all VINTAGE={sources['offshoring_vintage']}`")
    offshoring = aggregate_offshoring(read_parquet(path), mapping, ORIGINS)
    wiod_accounts = load_table(sources["offshoring_vintage"], "accounts")
    io_use = load_table(sources["offshoring_vintage"], "io_use")
    wage_cfg = cfg["wage_origins"]
    wages = hourly_wages_usd(wiod_accounts, io_use, year=int(wage_cfg["base_year"]))
    vintage = load_vintage(sources["offshoring_vintage"])
    products = load_classification(vintage.classification).products
    relative = wage_origin_offshoring(
        io_use, wages, mapping=mapping, products=products, ratio=float(wage_cfg["ratio"]), years=span
    )
    offshoring = offshoring.join(relative, how="outer")
    # rows: every country with offshoring (donors included) or EU KLEMS accounts x the EU KLEMS industries of
    # a sector; accounts reach back before the first offshoring year (for the long-run ICT check)
    frame = offshoring.join(panel, how="outer").reset_index()
    frame["year"] = frame["year"].astype(int)
    frame = frame[frame["industry"].isin(list(sectors)) & (frame["year"] < span.stop)]
    frame["sector"] = frame["industry"].map(sectors)
    frame = frame.join(sea_low_share(wiod_accounts, mapping), on=["country", "industry", "year"])
    frame = construct(frame, main_ict=cfg["ict"]["main"], carry=int(years["ict_carry_forward"]))
    frame = add_placebo_and_leads(
        frame,
        donors=list(cfg["placebo"]["donors"]),
        placebo_terms=list(cfg["placebo"]["terms"]),
        lead_terms=list(cfg["leads"]["terms"]),
    )
    frame["wage_usd_base"] = frame["country"].map(wages)
    frame["in_euklems"] = frame["country"].isin(as_text(accounts["country"]).unique())
    frame["off_total"] = frame["om_total"] + frame["os_total"]
    frame["off_total_ict"] = frame["off_total"] * frame["ict"]
    order = {code: i for i, code in enumerate(dict.fromkeys(mapping))}
    frame = frame.sort_values(
        ["country", "industry", "year"], key=lambda s: s.map(order) if s.name == "industry" else s
    )
    frame = frame.reset_index(drop=True)
    write_parquet(Layout().skill_panel, frame)
    return frame
