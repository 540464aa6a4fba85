r"""Stage 3: accounts + offshoring -> the estimation panel, one row per country x industry x year.

Constructed variables (all documented in ``docs/panel.md``); SEA names in capitals:

- ``go``, ``va``, ``ii``: nominal gross output, value added, intermediate inputs (GO, VA, II);
  ``go_real = GO / (GO_P/100)`` and likewise ``va_real``, ``ii_real`` (prices of the base year 1995);
- ``emp`` (EMP, thousands), ``hours`` (H_EMP, millions), ``lab`` (LAB, labour compensation incl. the
  self-employed), ``k_real`` (K_GFCF, real capital stock);
- ``wage = LAB / H_EMP`` (per hour), ``wage_real = wage / (GO_P/100)`` (product wage);
- skill *s* in {ls, ms, hs}: hours shares ``sh_s`` (H_LS, H_MS, H_HS), wage-bill shares ``sb_s``
  (LABLS, ...), wages ``w_s = sb_s LAB / (sh_s H_EMP)``, so that :math:`\sum_s w_s \cdot sh_s H = LAB`;
- ``ict``: ICT capital compensation share (EU KLEMS CAPIT) where available, else missing; the last
  available year is carried forward ``carry_forward_years`` (config) and flagged in ``ict_imputed``;
- ``om_<origin>``, ``os_<origin>``: offshoring intensities as fractions (0-1) of non-energy
  intermediate inputs, origins total/oecd/ceec/asia/high_wage/low_wage; ``om_const_<origin>``,
  ``os_const_<origin>`` the same with every flow at base-year prices (:func:`constant_price_offshoring`);
  ``omo_<origin>``, ``oso_<origin>``: the same over gross output,
  :math:`om \cdot (\text{non-energy inputs}/\text{all inputs}) \cdot II/GO` (the IO table is in USD and
  the accounts in national currency, so the ratio II/GO of the accounts converts the base);
- ``om_up``, ``os_up`` (``om_down``, ``os_down``): total om/os of the industry's domestic suppliers
  (customers), weighted by its domestic intermediate purchases from (sales to) them in that year;
- logs ``ln_<x>``; ``ln_rw_ls = ln(w_ls / w_hs)``, ``ln_rw_ms = ln(w_ms / w_hs)`` (homogeneity);
  ``ln_ky = ln(k_real / go_real)``; ``trend`` = year - first year;
  ``period`` = the year as text (year effects absorbed in SUR systems).

Rows keep missing values where a source lacks data; :func:`coverage` reports, for each sample, the
rows a set of variables loses and why.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from replication.core import config_schemas
from replication.core.errors import ConfigError, ReplicationError
from replication.core.fileio import read_parquet, write_parquet
from replication.core.layout import Layout
from replication.core.progress import say
from replication.core.toml_schema import unknown_name
from replication.inputs.tidy import as_text, interim_path, load_table
from replication.inputs.vintages import load_classification, load_offshoring_config, load_vintage
from replication.measures.offshoring import common_codes

SKILLS = ("ls", "ms", "hs")
ACCOUNTS = {
    "GO": "go",
    "VA": "va",
    "II": "ii",
    "GO_P": "go_p",
    "VA_P": "va_p",
    "II_P": "ii_p",
    "EMP": "emp",
    "H_EMP": "hours",
    "LAB": "lab",
    "COMP": "comp",
    "K_GFCF": "k_real",
}
# skill shares of hours (sh_) and of the wage bill (sb_), WIOD SEA / EU KLEMS names -> panel names
SKILL_ACCOUNTS = {f"H_{s.upper()}": f"sh_{s}" for s in SKILLS} | {f"LAB{s.upper()}": f"sb_{s}" for s in SKILLS}
ACCOUNTS |= SKILL_ACCOUNTS


def panel_config() -> dict:
    return config_schemas.load("panel.toml")


def _log(values: pd.Series) -> pd.Series:
    return np.log(values.where(values > 0))


def accounts_wide(accounts: pd.DataFrame, names: dict[str, str] = ACCOUNTS) -> pd.DataFrame:
    """Accounts as one column per panel variable (``names``: accounts variable -> panel column), indexed by
    country, industry, year."""
    part = accounts[accounts["variable"].isin(list(names))].copy()
    for column in ("country", "industry", "variable"):
        part[column] = as_text(part[column])
    wide = part.pivot_table(
        index=["country", "industry", "year"], columns="variable", values="value", aggfunc="first", observed=True
    )
    return wide.rename(columns=names).reindex(columns=list(names.values()))


def offshoring_wide(intensities: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """om/os by origin as fractions, plus the non-energy share of inputs, by country, industry, year."""
    part = intensities[intensities["sector"].isin(codes)].copy()
    part["column"] = part["measure"] + "_" + part["origin"]
    wide = (
        part.pivot_table(
            index=["country", "sector", "year"], columns="column", values="value", aggfunc="first", dropna=False
        )
        / 100.0
    )
    wide.index = wide.index.set_names(["country", "industry", "year"])
    return wide


def constant_price_offshoring(io_use: pd.DataFrame, accounts: pd.DataFrame, classification) -> pd.DataFrame | None:
    r"""om/os (fractions) with every flow at base-year prices: ``om_const_<origin>``, ``os_const_<origin>``.

    .. math:: om^{g,const}_{cit} = \frac{\sum_{p \in \mathcal{M}} \sum_{s \in g} X_{spcit} / P_{cpt}}
                                       {\sum_{p \notin \mathcal{E}} \sum_{s} X_{spcit} / P_{cpt}}

    :math:`P_{cpt}` is the gross-output price index (GO_P, base year = 100) of the home country's industry
    producing *p*: imported and domestic inputs of a product are deflated alike (no import price indices by
    product and origin are public), so the measure moves away from the current-price one through the relative
    prices of products. ``None`` when the accounts have no GO_P.
    """
    from replication.inputs.vintages import load_country_groups, load_offshoring_config
    from replication.measures.offshoring import industry_intensities

    prices = accounts[as_text(accounts["variable"]) == "GO_P"]
    if prices.empty:
        return None
    price = (
        _lookup(prices, io_use, [("country", "country"), ("year", "year"), ("industry", "product")], "value") / 100.0
    )
    deflated = io_use.assign(value=io_use["value"].to_numpy() / np.where(price > 0, price, np.nan))
    deflated = deflated[np.isfinite(deflated["value"].to_numpy())]
    cfg = load_offshoring_config()
    parts = industry_intensities(deflated, classification, origins=cfg["origins"], groups=load_country_groups())
    with np.errstate(invalid="ignore", divide="ignore"):
        parts["value"] = np.where(parts["denominator"] > 0, parts["numerator"] / parts["denominator"], np.nan)
    parts["column"] = parts["measure"] + "_const_" + parts["origin"]
    wide = parts.pivot_table(
        index=["country", "using_industry", "year"], columns="column", values="value", aggfunc="first", dropna=False
    )
    wide.index = wide.index.set_names(["country", "industry", "year"])
    wide.columns.name = None
    return wide


def _lookup(table: pd.DataFrame, rows: pd.DataFrame, keys: list[tuple[str, str]], column: str) -> np.ndarray:
    """``table[column]`` at each row of ``rows``, matching ``table[a] == rows[b]`` for each key pair ``(a, b)``;
    NaN where ``table`` has no such key (a left join done on small label lists, not on millions of strings).

    Each key's labels are put in one sorted list, the table is laid out as a dense array over the lists'
    product, and every row reads its cell by integer codes."""
    row_codes, table_codes, sizes = [], [], []
    for in_table, in_rows in keys:
        (t_code, r_code), labels = common_codes(table[in_table], rows[in_rows])
        table_codes.append(t_code)
        row_codes.append(r_code)
        sizes.append(len(labels))
    dense = np.full(int(np.prod(sizes)), np.nan)
    dense[np.ravel_multi_index(table_codes, sizes)] = table[column].to_numpy(dtype=float)
    return dense[np.ravel_multi_index(row_codes, sizes)]


def _input_totals(io_use: pd.DataFrame, energy: tuple[str, ...]) -> pd.DataFrame:
    """Non-energy and all intermediate inputs by country, industry, year (for the over-output measure)."""
    value = io_use["value"].to_numpy()
    is_energy = io_use["product"].isin(list(energy)).to_numpy()
    frame = pd.DataFrame(
        {
            "country": io_use["country"],
            "industry": io_use["using_industry"],
            "year": io_use["year"],
            "non_energy": np.where(is_energy, 0.0, value),
            "all_inputs": value,
        }
    )
    totals = frame.groupby(["country", "industry", "year"], observed=True)[["non_energy", "all_inputs"]].sum()
    totals = totals.reset_index()
    totals["country"] = as_text(totals["country"])
    totals["industry"] = as_text(totals["industry"])
    return totals.set_index(["country", "industry", "year"])


def spillover_weights(io_use: pd.DataFrame) -> pd.DataFrame:
    """Domestic intermediate flows supplier -> user by country and year (home country = supplier country)."""
    (home, supplier), _ = common_codes(io_use["country"], io_use["supplying_country"])
    domestic = io_use[home == supplier]
    return pd.DataFrame(
        {
            "country": as_text(domestic["country"]).to_numpy(),
            "year": domestic["year"].astype(int).to_numpy(),
            "supplier": as_text(domestic["product"]).to_numpy(),
            "user": as_text(domestic["using_industry"]).to_numpy(),
            "value": domestic["value"].to_numpy(),
        }
    )


def add_spillovers(panel: pd.DataFrame, flows: pd.DataFrame, *, self_weight: bool) -> pd.DataFrame:
    """Upstream/downstream total om and os (see module notes)."""
    if not self_weight:
        flows = flows[flows["supplier"] != flows["user"]]
    keys = panel.set_index(["country", "industry", "year"])[["om_total", "os_total"]]
    out = panel.set_index(["country", "industry", "year"])
    for direction, own, other in (("up", "user", "supplier"), ("down", "supplier", "user")):
        weights = flows.copy()
        weights["share"] = weights["value"] / weights.groupby(["country", "year", own])["value"].transform("sum")
        linked = weights.join(keys, on=["country", other, "year"])
        for measure in ("om", "os"):
            contribution = linked["share"] * linked[f"{measure}_total"]
            valid = linked[f"{measure}_total"].notna()
            summed = (
                contribution.where(valid).groupby([linked["country"], linked[own], linked["year"]]).sum(min_count=1)
            )
            summed.index = summed.index.set_names(["country", "industry", "year"])
            out[f"{measure}_{direction}"] = summed.reindex(out.index)
    return out.reset_index()


def load_ict(panel_cfg: dict, classification_codes: pd.DataFrame) -> pd.Series | None:
    """ICT capital share mapped to the vintage's industries, or ``None`` when its vintage is not built."""
    ict = panel_cfg.get("ict")
    if not ict or not interim_path(ict["vintage"], "accounts").exists():
        return None
    if ict["concordance"] not in classification_codes.columns:  # another classification: no mapping to it
        return None
    accounts = load_table(ict["vintage"], "accounts")
    variables = as_text(accounts["variable"])
    if not (variables == ict["variable"]).any():
        raise ConfigError(
            "config/panel.toml: [ict] "
            + unknown_name(ict["variable"], variables.unique(), what=f"variable (of the {ict['vintage']} accounts)")
        )
    part = accounts[variables == ict["variable"]]
    series = part.assign(industry=as_text(part["industry"]), country=as_text(part["country"])).set_index(
        ["country", "industry", "year"]
    )["value"]
    mapping = classification_codes.set_index(ict["concordance"])["code"]
    rows = []
    for (country, code, year), value in series.items():
        for target in np.atleast_1d(mapping.get(code, [])):
            rows.append((country, target, year, value))
    frame = pd.DataFrame(rows, columns=["country", "industry", "year", "ict"])
    return frame.set_index(["country", "industry", "year"])["ict"]


def _panel_vintage(vintage_name: str):
    vintage = load_vintage(vintage_name)
    if vintage.accounts_industry_map:
        raise ReplicationError(
            f"vintage {vintage_name!r} maps its accounts to other industries; the panel is "
            "built on vintages whose accounts use the IO classification"
        )
    return vintage, load_classification(vintage.classification)


INPUT_TOTALS = ["non_energy", "all_inputs"]


def build_panel_io(vintage_name: str) -> pd.DataFrame:
    """Stage: the panel's aggregates of the IO table, which need no offshoring intensities, so Make builds them
    beside the offshoring stage (both read the IO table; the panel stage then reads neither it nor the flows):

    - ``domestic_flows.parquet``: the domestic intermediate flows supplier -> user (:func:`spillover_weights`);
    - ``panel_io.parquet``: by country, industry and year, the constant-price
      om/os (:func:`constant_price_offshoring`, when the accounts have GO_P) and the input totals
      (:func:`_input_totals`).
    """
    vintage, classification = _panel_vintage(vintage_name)
    say(f"[panel io] {vintage_name}: constant-price offshoring, input totals, domestic flows")
    io_use = load_table(vintage.name, "io_use")
    constant = constant_price_offshoring(io_use, load_table(vintage.name, "accounts"), classification)
    totals = _input_totals(io_use, classification.products["energy"])
    frame = totals if constant is None else constant.join(totals, how="outer")
    layout = Layout(vintage.name)
    write_parquet(layout.domestic_flows, spillover_weights(io_use))
    write_parquet(layout.panel_io, frame.reset_index())
    return frame


def _read_built(path, target: str, vintage_name: str) -> pd.DataFrame:
    if not path.exists():
        raise ReplicationError(f"{path}: not built; run `make {target} VINTAGE={vintage_name}`")
    return read_parquet(path)


def build_panel(vintage_name: str) -> pd.DataFrame:
    """Stage: the estimation panel of every country of the vintage -> ``data/interim/<vintage>/panel.parquet``."""
    vintage, classification = _panel_vintage(vintage_name)
    cfg = panel_config()
    say(f"[panel] {vintage_name}: accounts, offshoring and spillovers")
    raw_accounts = load_table(vintage.name, "accounts")
    accounts = accounts_wide(raw_accounts)
    layout = Layout(vintage.name)
    intensities = _read_built(layout.offshoring, "offshoring", vintage_name)
    io_aggregates = _read_built(layout.panel_io, "panel", vintage_name).set_index(["country", "industry", "year"])
    offshoring = offshoring_wide(intensities, classification.codes)
    panel = accounts.join(offshoring, how="left")
    constant = [c for c in io_aggregates.columns if c not in INPUT_TOTALS]
    if constant:
        panel = panel.join(io_aggregates[constant], how="left")
    for origin in load_offshoring_config()["origins"]:  # the panel's columns do not depend on the vintage's data:
        for measure in ("om", "os"):  # constant-price measures the accounts cannot build are missing, not absent
            if f"{measure}_{origin}" in panel and f"{measure}_const_{origin}" not in panel:
                panel[f"{measure}_const_{origin}"] = np.nan
    panel = panel.join(io_aggregates[INPUT_TOTALS], how="left")
    ict = load_ict(cfg, classification.industries)
    panel["ict"] = ict.reindex(panel.index) if ict is not None else np.nan
    panel = panel.reset_index()
    panel = carry_forward(panel, "ict", years=int(cfg["ict"].get("carry_forward_years", 0)))
    sector_of = classification.sector_of()
    panel["sector"] = panel["industry"].map(sector_of).fillna("other")
    panel = construct(panel)
    flows = _read_built(layout.domestic_flows, "panel", vintage_name)
    panel = add_spillovers(panel, flows, self_weight=bool(cfg["spillovers"]["self_weight"]))
    order = {c: i for i, c in enumerate(classification.codes)}
    panel = panel.sort_values(
        ["country", "industry", "year"], key=lambda s: s.map(order) if s.name == "industry" else s
    ).reset_index(drop=True)
    write_parquet(layout.panel, panel)
    return panel


def carry_forward(panel: pd.DataFrame, column: str, *, years: int) -> pd.DataFrame:
    """Fill the last ``years`` missing values after an industry's final observation of ``column`` with that
    observation (flagged in ``<column>_imputed``); interior gaps stay missing."""
    out = panel.sort_values(["country", "industry", "year"]).copy()
    out[f"{column}_imputed"] = False
    if years <= 0:
        return out
    groups = out.groupby(["country", "industry"], sort=False)[column]
    last_year = out["year"].where(out[column].notna()).groupby([out["country"], out["industry"]]).transform("max")
    filled = groups.ffill(limit=years)
    fill = out[column].isna() & filled.notna() & (out["year"] > last_year) & (out["year"] - last_year <= years)
    out.loc[fill, column] = filled[fill]
    out.loc[fill, f"{column}_imputed"] = True
    return out


def construct(panel: pd.DataFrame) -> pd.DataFrame:
    """Derived variables of the module notes from the raw columns (a pure function, tested on its own)."""
    out = panel.copy()
    for name in ("go", "va", "ii"):
        out[f"{name}_real"] = out[name] / (out[f"{name}_p"] / 100.0)
    out["wage"] = out["lab"] / out["hours"]
    out["wage_real"] = out["wage"] / (out["go_p"] / 100.0)
    for skill in SKILLS:
        out[f"w_{skill}"] = out[f"sb_{skill}"] * out["lab"] / (out[f"sh_{skill}"] * out["hours"])
    with np.errstate(divide="ignore", invalid="ignore"):
        base = (out["non_energy"] / out["all_inputs"]) * (out["ii"] / out["go"])
    for column in [c for c in out.columns if c.startswith(("om_", "os_"))]:
        out[column.replace("om_", "omo_", 1).replace("os_", "oso_", 1)] = out[column] * base
    for name in ("go_real", "va_real", "ii_real", "hours", "emp", "k_real", "wage_real"):
        out[f"ln_{name.removesuffix('_real')}"] = _log(out[name])
    out["ln_rw_ls"] = _log(out["w_ls"] / out["w_hs"])
    out["ln_rw_ms"] = _log(out["w_ms"] / out["w_hs"])
    out["ln_ky"] = _log(out["k_real"] / out["go_real"])
    out["trend"] = out["year"] - out["year"].min()
    out["entity"] = out["country"] + ":" + out["industry"]
    out["country_year"] = out["country"] + ":" + out["year"].astype(str)
    out["period"] = out["year"].astype(str)  # year effects as an absorbed column (SUR systems)
    return out


def skill_variation(panel: pd.DataFrame, *, sector: str, variable: str) -> pd.Series:
    """Mean over years of the cross-industry standard deviation of ``variable`` in ``sector``, by country."""
    part = panel[(panel["sector"] == sector) & panel[variable].notna()]
    return part.groupby(["country", "year"])[variable].std().groupby("country").mean().sort_values()


def load_panel(vintage: str) -> pd.DataFrame:
    """The vintage's estimation panel, read once per file version in a process (the analysis stage and the claims
    both read it); callers filter it, never modify it."""
    path = Layout(vintage).panel
    if not path.exists():
        raise ReplicationError(f"{Layout(vintage).relative(path)}: not built; run `make all VINTAGE={vintage}`")
    return _read_panel(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _read_panel(path: str, mtime_ns: int) -> pd.DataFrame:  # mtime_ns: the file version is part of the key
    return read_parquet(path)


def pooled_countries(panel: pd.DataFrame) -> list[str]:
    """Countries entering the pooled skill-share panel (rule in ``config/panel.toml [skill_variation]``)."""
    cfg = panel_config()["skill_variation"]
    variation = skill_variation(panel, sector=cfg["sector"], variable=cfg["variable"])
    return sorted(variation[variation >= cfg["min_mean_sd"]].index)


def coverage(panel: pd.DataFrame, *, sample: pd.Series, variables: list[str]) -> pd.DataFrame:
    """Rows of a sample that lack one of ``variables``: country, industry, year and the missing variables."""
    part = panel[sample]
    missing = part[variables].isna()
    lost = part.loc[missing.any(axis=1), ["country", "industry", "year"]].copy()
    lost["missing"] = [", ".join(np.array(variables)[row]) for row in missing[missing.any(axis=1)].to_numpy()]
    return lost.reset_index(drop=True)
