"""EU KLEMS country files for Belgium -> accounts (EU KLEMS industry codes).

``bel_output_09I.xls`` (basic file, November 2009 release): one sheet per variable (GO, II, VA,
prices, volumes, EMP, H_EMP, COMP, LAB, CAP, CAPIT, CAPNIT, ...), columns ``desc``, ``code``,
``_1970`` ... ``_2007``, values in millions of euros, thousands of persons, millions of hours, 1995 = 100
indices, capital compensation shares as fractions.

``bel_labour_input_08I.xls`` (labour input file, March 2008 release): sheets
``H_<skill>_<age>_<sex>`` and ``LAB_<skill>_<age>_<sex>``, shares of total hours / labour
compensation **in percent**. The skill shares ``H_HS``, ``H_MS``, ``H_LS`` and ``LABHS``, ``LABMS``,
``LABLS`` (WIOD SEA names, fractions) are the sums over the six age x sex sheets divided by 100.

Only the industry codes of the vintage's concordance (``euklems`` column of the WIOD 2013 industry
table) are kept; aggregates such as TOT, D or G are dropped.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd

from replication.errors import DataError
from replication.vintages import Classification

SKILLS = ("HS", "MS", "LS")
LABOUR_SHEET = re.compile(r"^(H|LAB)_(HS|MS|LS)_(\w+)_(M|F)$")
COUNTRY = "BEL"


def _read_sheets(path: Path) -> dict[str, pd.DataFrame]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sheets = pd.read_excel(path, sheet_name=None, engine="calamine")
    except Exception as exc:  # calamine raises its own error types on damaged files
        raise DataError(path, f"cannot be read as a spreadsheet ({type(exc).__name__}: {exc})") from exc
    sheets.pop("Notes", None)
    for name, sheet in sheets.items():
        if "code" not in sheet.columns or not any(str(c).startswith("_") for c in sheet.columns):
            raise DataError(path, f"sheet {name!r} lacks the `code` and `_YYYY` columns")
    return sheets


def _long(sheet: pd.DataFrame, variable: str) -> pd.DataFrame:
    """One variable sheet to long (industry, year, value); years are the ``_YYYY`` columns."""
    years = [c for c in sheet.columns if re.fullmatch(r"_\d{4}", str(c))]
    long = sheet.melt(id_vars=["code"], value_vars=years, var_name="year", value_name="value")
    long["year"] = long["year"].str[1:].astype(int)
    long["value"] = pd.to_numeric(long["value"], errors="coerce")
    long["variable"] = variable
    return long.rename(columns={"code": "industry"})


def read_accounts(files: list[Path], classification: Classification) -> pd.DataFrame:
    """Basic-file variables plus the skill shares of the labour input file, for Belgium."""
    by_name = {f.name: f for f in files}
    basic = next((f for n, f in by_name.items() if "output" in n), None)
    labour = next((f for n, f in by_name.items() if "labour" in n), None)
    if basic is None or labour is None:
        raise DataError(files[0].parent, f"needs a basic (…output…) and a labour input file; got {sorted(by_name)}")
    frames = [_long(sheet, name) for name, sheet in _read_sheets(basic).items()]
    frames.append(_skill_shares(labour))
    tidy = pd.concat(frames, ignore_index=True)
    tidy["industry"] = tidy["industry"].astype(str).str.strip()
    keep = set(classification.industries["euklems"]) if "euklems" in classification.industries else None
    if keep is not None:
        tidy = tidy[tidy["industry"].isin(keep)]
    tidy = tidy[tidy["value"].notna()]
    tidy.insert(0, "country", COUNTRY)
    return tidy[["country", "year", "industry", "variable", "value"]].reset_index(drop=True)


def _skill_shares(path: Path) -> pd.DataFrame:
    sheets = _read_sheets(path)
    parts: dict[str, list[pd.DataFrame]] = {}
    for name, sheet in sheets.items():
        match = LABOUR_SHEET.match(name)
        if not match:
            raise DataError(path, f"unexpected sheet {name!r} (expected H_|LAB_<HS|MS|LS>_<age>_<M|F>)")
        measure, skill = match.group(1), match.group(2)
        variable = f"H_{skill}" if measure == "H" else f"LAB{skill}"
        parts.setdefault(variable, []).append(_long(sheet, variable))
    out = []
    for variable, frames in sorted(parts.items()):
        if len(frames) != 6:
            raise DataError(path, f"{variable}: expected 6 age x sex sheets, found {len(frames)}")
        stacked = pd.concat(frames)
        summed = stacked.groupby(["industry", "year"], sort=True)["value"].sum(min_count=6) / 100.0
        frame = summed.reset_index()
        frame["variable"] = variable
        out.append(frame)
    return pd.concat(out, ignore_index=True)
