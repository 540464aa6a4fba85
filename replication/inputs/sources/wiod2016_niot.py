"""WIOD 2016 national input-output tables (CSV conversion of ``<ISO>_NIOT_nov16.xlsx``) -> io_use, accounts.

Layout (as converted): UTF-8 with BOM, ``;``-separated, a plain space as thousands separator, whole
millions of USD at current prices. Header ``Year;Code;Description;Origin;<56 industries>;<final use>;GO``,
then a row of industry descriptions. Per year: 56 ``Domestic`` and 56 ``Imports`` product rows and
``TOT`` rows (II_fob, TXSP, EXP_adj, PURR, PURNR, VA, IntTTM, GO).

Imports are by product only, so imported flows get the supplying country ``FOREIGN`` (origin not
split): only the ``total`` origin of the offshoring intensities can be computed. The country is
the first three letters of the file name.

Accounts: GO and VA of the ``TOT`` rows, and II = GO - VA (intermediate inputs at purchasers'
prices, the WIOD definition). Check: domestic + imported inputs = II_fob per industry and year
within ``II_FOB_TOLERANCE`` (rounding of 112 whole numbers).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from replication.core.errors import DataError
from replication.inputs.schemas import UNSPLIT_IMPORTS
from replication.inputs.vintages import Classification

II_FOB_TOLERANCE = 60.0  # USD millions
ORIGINS = {"Domestic": None, "Imports": UNSPLIT_IMPORTS}


def read_niot(path: Path, industries: list[str]) -> pd.DataFrame:
    """The NIOT as a wide frame with numeric industry columns, header checked."""
    try:
        frame = pd.read_csv(path, sep=";", thousands=" ", encoding="utf-8-sig", skiprows=[1], dtype={"Code": str})
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(path, f"cannot be parsed as a ;-separated NIOT ({exc})") from exc
    expected = ["Year", "Code", "Description", "Origin", *industries]
    if list(frame.columns[: len(expected)]) != expected:
        raise DataError(path, f"header should start {expected[:6]}…{expected[-2:]}; found {list(frame.columns[:6])}")
    for column in [*industries, "GO"]:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(path, f"column {column!r}, row {row + 3}: {frame[column].iloc[row]!r} is not a number")
        frame[column] = values
    return frame


def _country(path: Path) -> str:
    return path.name[:3].upper()


def read_io_use(files: list[Path], classification: Classification) -> pd.DataFrame:
    """Domestic and imported intermediate inputs by product of every NIOT file."""
    industries = classification.codes
    frames = []
    for path in files:
        niot = read_niot(path, industries)
        country = _country(path)
        flows = niot[niot["Origin"].isin(ORIGINS)]
        long = flows.melt(
            id_vars=["Year", "Code", "Origin"], value_vars=industries, var_name="using_industry", value_name="value"
        )
        long["supplying_country"] = long["Origin"].map({o: code or country for o, code in ORIGINS.items()})
        _check_ii_fob(niot, long, industries, path)
        long = long.rename(columns={"Year": "year", "Code": "product"})
        long["country"] = country
        frames.append(
            long.loc[long["value"] != 0, ["country", "year", "using_industry", "supplying_country", "product", "value"]]
        )
    return pd.concat(frames, ignore_index=True)


def _check_ii_fob(niot: pd.DataFrame, long: pd.DataFrame, industries: list[str], path: Path) -> None:
    summed = long.groupby(["Year", "using_industry"], sort=False)["value"].sum()
    stated = niot[niot["Code"] == "II_fob"].melt(
        id_vars=["Year"], value_vars=industries, var_name="using_industry", value_name="ii_fob"
    )
    stated = stated.set_index(["Year", "using_industry"])["ii_fob"]
    gap = (summed.reindex(stated.index) - stated).abs()
    bad = gap > II_FOB_TOLERANCE
    if bad.any():
        key = gap[bad].index[0]
        raise DataError(
            path,
            f"year {key[0]}, industry {key[1]}: domestic + imported inputs differ from II_fob "
            f"by {gap[bad].iloc[0]:.0f} (tolerance {II_FOB_TOLERANCE:.0f})",
        )


def read_accounts(files: list[Path], classification: Classification) -> pd.DataFrame:
    """GO, VA and II = GO - VA by industry and year (USD millions, current prices)."""
    industries = classification.codes
    frames = []
    for path in files:
        niot = read_niot(path, industries)
        totals = niot[niot["Code"].isin(["GO", "VA"]) & (niot["Origin"] == "TOT")]
        long = totals.melt(id_vars=["Year", "Code"], value_vars=industries, var_name="industry", value_name="value")
        wide = long.pivot_table(index=["Year", "industry"], columns="Code", values="value", sort=True)
        wide["II"] = wide["GO"] - wide["VA"]
        tidy = wide.stack().rename("value").reset_index().rename(columns={"Year": "year", "Code": "variable"})
        tidy.insert(0, "country", _country(path))
        frames.append(tidy)
    return pd.concat(frames, ignore_index=True)
