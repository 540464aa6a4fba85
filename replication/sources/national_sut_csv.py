"""User-supplied supply-use data in the documented CSV layout (docs/national_sut_csv.md).

Three comma-separated UTF-8 files with a header row:

``io_use.csv``  : ``country,year,using_industry,supplying_country,product,value``
    Intermediate inputs of ``product`` from ``supplying_country`` (ISO3; the reporting country itself
    for domestic supply, ``FOREIGN`` for imports of unknown origin) used by ``using_industry`` of
    ``country``; millions, current prices, one currency per country. E.g. the Planning Bureau's use
    tables of imported products with the National Bank's import origins.
``accounts.csv``: ``country,year,industry,variable,value``
    Industry accounts; variables as in ``config/classifications/variables.csv`` (GO, II, VA, EMP,
    H_EMP, COMP, LAB, skill shares H_LS/H_MS/H_HS and LABLS/LABMS/LABHS as fractions, K_GFCF, ...).
``industries.csv``: ``code,name,sector,product_group``
    The industry/product list; ``sector`` in {manufacturing, market_services, other} and
    ``product_group`` in {materials, business_services, energy, other} define the samples and the
    offshoring numerators and denominator.

The files are read as text and validated by :mod:`replication.tidy` (types, negative flows,
duplicates, unknown codes, identities), errors naming the file, column and row.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from replication.errors import DataError
from replication.schemas import ACCOUNTS_COLUMNS, IO_USE_COLUMNS
from replication.vintages import Classification


def _read(files: list[Path], columns: tuple[str, ...]) -> pd.DataFrame:
    (path,) = files
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(path, f"cannot be read as CSV ({exc})") from exc
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(path, f"missing column(s) {missing}; the layout is {list(columns)}")
    return frame[list(columns)]


def read_io_use(files: list[Path], classification: Classification) -> pd.DataFrame:
    """The user's ``io_use.csv``."""
    return _read(files, IO_USE_COLUMNS)


def read_accounts(files: list[Path], classification: Classification) -> pd.DataFrame:
    """The user's ``accounts.csv``."""
    return _read(files, ACCOUNTS_COLUMNS)
