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

The files are read and checked cell by cell by :mod:`replication.inputs.user_csv` (encoding, delimiter, header,
ragged rows, blank cells, ISO codes, years, finite values, codes of the industry table, duplicate keys), every
error naming the file, the line as an editor shows it, the column and the value; then validated like every
vintage by :mod:`replication.inputs.tidy` (shares, identities).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from replication.inputs.schemas import ACCOUNTS_COLUMNS, ACCOUNTS_KEYS, IO_USE_COLUMNS, IO_USE_KEYS
from replication.inputs.user_csv import Column, check_codes, check_unique, read_user_csv
from replication.inputs.vintages import Classification, load_variables

IO_USE_LAYOUT = [
    Column("country", "iso3"),
    Column("year", "year"),
    Column("using_industry", "code"),
    Column("supplying_country", "origin"),
    Column("product", "code"),
    Column("value", "value", nonnegative=True),
]


def accounts_layout() -> list[Column]:
    variables = tuple(load_variables()["variable"])
    return [
        Column("country", "iso3"),
        Column("year", "year"),
        Column("industry", "code"),
        Column("variable", "choice", choices=variables),
        Column("value", "value", missing_ok=True),  # NA: not available (dropped); blank is an error
    ]


def read_io_use(files: list[Path], classification: Classification) -> pd.DataFrame:
    """The user's ``io_use.csv``, every cell checked and located (:mod:`replication.inputs.user_csv`)."""
    (path,) = files
    frame = read_user_csv(path, IO_USE_LAYOUT)
    codes = set(classification.industries["code"])
    check_codes(path, frame, "using_industry", codes)
    check_codes(path, frame, "product", codes)
    check_unique(path, frame, list(IO_USE_KEYS))
    return frame[list(IO_USE_COLUMNS)]


def read_accounts(files: list[Path], classification: Classification) -> pd.DataFrame:
    """The user's ``accounts.csv``, every cell checked and located; ``NA`` values become missing."""
    (path,) = files
    frame = read_user_csv(path, accounts_layout())
    check_codes(path, frame, "industry", set(classification.industries["code"]))
    check_unique(path, frame, list(ACCOUNTS_KEYS))
    frame.loc[frame["value"] == "NA", "value"] = None
    return frame[list(ACCOUNTS_COLUMNS)]
