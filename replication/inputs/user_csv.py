"""Strict reading of user CSV files (the ``national_sut_csv`` vintage): a file that is wrong never passes and
never crashes.

Every file is read as bytes and checked before pandas sees it: empty file, encoding (UTF-8, an optional BOM),
NUL bytes, delimiter (a semicolon- or tab-separated file gets a hint), the header (the layout's columns, exactly),
header-only files, ragged rows (a row with more or fewer fields than the header, e.g. a truncated last line).
Then every cell by its column's kind:

- ``code``: a code of the classification, exact (no surrounding spaces);
- ``iso3``: an ISO 3166-1 alpha-3 code, exact case (``config/classifications/iso3166_alpha3.csv``, from Debian's
  iso-codes 4.15); ``origin`` also allows ``FOREIGN`` (imports of unknown origin) and ``RoW``;
- ``year``: a whole number in :data:`YEARS` (written as digits);
- ``value``: a finite number with magnitude below :data:`MAX_VALUE` (millions: larger values are typing errors and
  would overflow sums), non-negative where the layout says so; ``NA`` only where a cell may be missing;
- ``choice``: one of the listed words; ``text``: anything but blank.

Blank cells are errors everywhere (a blank value used to be dropped silently, hiding a truncated last line). Every
message names the file, the 1-based line as an editor shows it, the column and the value, in plain types, e.g.
``io_use.csv: line 7, column 'supplying_country': 'bel' is not an ISO 3166 alpha-3 code (exact case, e.g. 'BEL')``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from replication.core import config
from replication.core.errors import DataError

YEARS = (1900, 2100)
MAX_VALUE = 1e15
SPECIAL_ORIGINS = ("FOREIGN", "RoW")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Column:
    """A column of a user file: its name, kind, allowed words and whether a cell may be ``NA``."""

    name: str
    kind: str  # code, iso3, origin, year, value, choice, text
    choices: tuple[str, ...] = ()
    nonnegative: bool = False
    missing_ok: bool = False


@lru_cache(maxsize=1)
def iso3_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-3 codes (249)."""
    table = pd.read_csv(config.config_dir() / "classifications" / "iso3166_alpha3.csv", dtype=str)
    return frozenset(table["iso3"])


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise DataError(path, "not found") from exc
    if not data.strip():
        raise DataError(path, "is empty; the first line must be the header")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise DataError(path, f"line {line}: contains a NUL byte (a binary or UTF-16 file?); save it as UTF-8 CSV")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            path, f"line {line}: not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8 CSV"
        ) from exc


def read_user_csv(path: Path, columns: list[Column]) -> pd.DataFrame:
    """The file's rows as strings, checked (see the module notes), with a ``line`` column (editor lines)."""
    path = Path(path)
    text = _text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    names = [c.name for c in columns]
    try:
        header = next(reader)
    except csv.Error as exc:
        raise DataError(path, f"line 1: cannot be read as CSV ({exc})") from exc
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        sep = next(s for s in (";", "\t", "|") if s in header[0])
        raise DataError(
            path,
            f"line 1: the file is separated by {sep!r}, not commas; save it as comma-separated CSV (columns {names})",
        )
    if header != names:
        missing = [n for n in names if n not in header]
        extra = [h for h in header if h not in names]
        raise DataError(
            path,
            f"line 1: the header is {header}, the layout is {names}"
            + (f" (missing {missing})" if missing else "")
            + (f" (unexpected {extra})" if extra else ""),
        )
    rows, lines = [], []
    try:
        for record in reader:
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # a blank line
            if len(record) != len(names):
                raise DataError(
                    path,
                    f"line {reader.line_num}: {len(record)} field(s), the header has {len(names)} "
                    "(a truncated, ragged or wrongly separated line)",
                )
            rows.append(record)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DataError(path, f"line {reader.line_num}: cannot be read as CSV ({exc})") from exc
    if not rows:
        raise DataError(path, f"has a header but no data rows (columns {names})")
    frame = pd.DataFrame(rows, columns=names)
    frame["line"] = lines
    for column in columns:
        check_column(path, frame, column)
    return frame


def _fail(path: Path, line: int, column: str, value: str, problem: str) -> DataError:
    return DataError(path, f"line {line}, column {column!r}: {value!r} {problem}")


def check_column(path: Path, frame: pd.DataFrame, column: Column, *, codes: set[str] | None = None) -> None:
    """Check every cell of one column (the first bad cell raises, located)."""
    for value, line in zip(frame[column.name].tolist(), frame["line"].tolist(), strict=True):
        problem = cell_problem(value, column, codes=codes)
        if problem:
            raise _fail(path, line, column.name, value, problem)


def cell_problem(value: str, column: Column, *, codes: set[str] | None = None) -> str:
    """Why a cell is wrong for its column, or ``""``."""
    if value == "":
        return "is blank (write NA where a value is missing)" if column.missing_ok else "is blank"
    if value != value.strip():
        return "has spaces around it"
    kind = column.kind
    if kind == "year":
        if not value.isdigit():
            return "is not a whole year"
        if not YEARS[0] <= int(value) <= YEARS[1]:
            return f"is outside the years {YEARS[0]}-{YEARS[1]}"
    elif kind == "value":
        if value == "NA":
            return "" if column.missing_ok else "is NA, but this value may not be missing"
        if not NUMBER.match(value):
            return "is not a number"
        number = float(value)
        if not math.isfinite(number) or abs(number) >= MAX_VALUE:
            return f"is not a finite number below {MAX_VALUE:.0e} in magnitude"
        if column.nonnegative and number < 0:
            return "is negative"
    elif kind in ("iso3", "origin"):
        allowed = iso3_codes() | (set(SPECIAL_ORIGINS) if kind == "origin" else set())
        if value not in allowed:
            extra = " or FOREIGN / RoW" if kind == "origin" else ""
            return f"is not an ISO 3166 alpha-3 code{extra} (exact case, e.g. 'BEL')"
    elif kind == "choice":
        if value not in column.choices:
            shown = list(column.choices[:12]) + (["..."] if len(column.choices) > 12 else [])
            return f"is not one of {shown}"
    elif kind == "code" and codes is not None and value not in codes:
        return f"is not a code of the industry table ({len(codes)} codes, e.g. {sorted(codes)[:5]})"
    return ""


def check_codes(path: Path, frame: pd.DataFrame, column: str, codes: set[str]) -> None:
    """Every cell of ``column`` is one of ``codes`` (the classification's industries, the variables)."""
    check_column(path, frame, Column(column, "code"), codes=codes)


def check_unique(path: Path, frame: pd.DataFrame, keys: list[str]) -> None:
    """No key appears twice; the message names both lines."""
    duplicated = frame.duplicated(keys, keep=False)
    if duplicated.any():
        first = frame[duplicated].iloc[0]
        same = frame[(frame[keys] == first[keys]).all(axis=1)]["line"].tolist()
        key = ", ".join(f"{k}={first[k]}" for k in keys)
        raise DataError(path, f"lines {same[0]} and {same[1]}: the key ({key}) appears {len(same)} times")
