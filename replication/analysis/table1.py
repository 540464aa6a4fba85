r"""The offshoring intensities of one country as a table, and their comparison with the published Table 1.

``offshoring_<country>.csv``: country, sector, origin, measure, year, value (percent of non-energy
intermediate inputs); sector is ``manufacturing``, ``market_services`` or an industry code.
``table1_offshoring_<country>.csv``: published Table 1 next to ours for the base and end years and the
compound average annual growth rate

.. math:: g = 100\,[(v_{end}/v_{base})^{1/(end-base)} - 1]

``origin_coverage_<vintage>.csv``: the members of each origin group that the vintage's suppliers lack.
The report renders the comparison (:mod:`replication.report.offshoring_tables`); the claims judge it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from replication.core import config
from replication.core.errors import ReplicationError
from replication.core.fileio import read_parquet, write_csv
from replication.core.layout import Layout
from replication.inputs.tidy import load_table
from replication.inputs.vintages import load_country_groups, load_offshoring_config
from replication.measures.offshoring import missing_members

CSV_COLUMNS = ["country", "sector", "origin", "measure", "year", "value"]
TABLE1_SECTORS = ("manufacturing", "market_services")


def growth_rate(base: float | np.ndarray, end: float | np.ndarray, years: int) -> float | np.ndarray:
    """Compound average annual growth rate in percent: ``100 * ((end / base) ** (1 / years) - 1)``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 * (np.power(np.divide(end, base), 1.0 / years) - 1.0)


def load_intensities(vintage: str, country: str) -> pd.DataFrame:
    """The intensities of one country from the offshoring stage, with a clear error if absent."""
    path = Layout(vintage).offshoring
    if not path.exists():
        raise ReplicationError(f"{path}: not built; run `make all VINTAGE={vintage}`")
    frame = read_parquet(path)
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
    sectors = [s for s in TABLE1_SECTORS if s in set(published["sector"])]
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


def write_offshoring_tables(vintage: str, country: str) -> pd.DataFrame | None:
    """The offshoring CSV and (for the published table's country) the Table 1 comparison; the comparison or
    ``None``."""
    write_offshoring_csv(vintage, country)
    return write_table1_comparison(vintage, country)


def read_comparison(layout: Layout) -> pd.DataFrame:
    """The comparison CSV as :func:`table1_comparison` returns it (statistics as text)."""
    path = layout.table1("csv")
    if not path.exists():
        raise ReplicationError(f"{layout.relative(path)}: not built; run `make all`")
    return pd.read_csv(path, dtype={"statistic": str})


def write_table1_comparison(vintage: str, country: str) -> pd.DataFrame | None:
    """The Table 1 comparison CSV and the vintage's origin coverage (only for the country the published table is
    about; ``None`` for another)."""
    cfg = load_offshoring_config()["table1"]
    if country != cfg["country"]:
        return None
    base, end = int(cfg["base_year"]), int(cfg["end_year"])
    published = pd.read_csv(config.published_dir() / "table1_offshoring.csv", dtype={"statistic": str})
    published = published.rename(columns={"value": "published"})
    comparison = table1_comparison(load_intensities(vintage, country), published, base=base, end=end)
    io_countries = set(
        map(str, load_table(vintage, "io_use", columns=["supplying_country"])["supplying_country"].unique())
    )
    missing = missing_members(load_country_groups(), load_offshoring_config()["origins"], io_countries)
    layout = Layout(vintage, country)
    write_csv(layout.table1("csv"), comparison)
    coverage = pd.DataFrame(
        [{"origin": label, "missing_members": " ".join(members)} for label, members in missing.items()]
    )
    write_csv(layout.origin_coverage, coverage)
    return comparison
