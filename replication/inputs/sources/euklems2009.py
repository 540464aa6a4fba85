r"""EU KLEMS country files (any country) -> accounts (EU KLEMS industry codes).

Basic file ``<prefix>_output_09I.xls`` (November 2009 release): one sheet per variable (GO, II, VA,
prices, volumes, EMP, H_EMP, COMP, LAB, CAP, CAPIT, CAPIT_QPH, ...), columns ``desc``, ``code``,
``_1970`` ... ``_2007``, values in millions of national currency, thousands of persons, millions of
hours, 1995 = 100 indices, capital compensation shares as fractions.

Labour input file ``<prefix>_labour_input_08I.xls`` (March 2008 release): sheets
``H_<skill>_<age>_<sex>`` and ``LAB_<skill>_<age>_<sex>``, shares of total hours / labour compensation
**in percent**, with ``<age>`` in {29, 49, 50PLUS} or ``ALL`` (Slovenia's LAB sheets). The skill shares
(WIOD SEA names, fractions)

.. math:: H\_s = \frac{1}{100}\sum_{a,x} H\_s\_a\_x, \qquad LABs = \frac{1}{100}\sum_{a,x} LAB\_s\_a\_x

sum the age x sex sheets of skill *s*; a cell is missing when any of its sheets is empty, and the three
shares of a cell are dropped together when they do not add up to one (an incomplete split, e.g. some Danish
industries); the count is returned in ``frame.attrs['incomplete_skill_cells']``.

The file name's prefix names the country through ``config/classifications/euklems_files.csv``
(``ger`` -> DEU, ``uk`` -> GBR, ...); a prefix marked ``use = no`` there (the SIC copy of the US file) is
skipped, an unknown prefix is an error. A country may come with the labour input file only (Canada).
Only the industry codes of the classification's ``euklems`` column are kept; aggregates such as TOT
are dropped; basic-file sheets of variables not in ``config/classifications/variables.csv`` (e.g. the
growth contributions ``GOCon*``) are not read.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from replication.core import config
from replication.core.errors import ConfigError, DataError
from replication.inputs.vintages import Classification, load_variables

SKILLS = ("HS", "MS", "LS")
LABOUR_SHEET = re.compile(r"^(H|LAB)_(HS|MS|LS)_(\w+)_(M|F)$")
FILE_NAME = re.compile(r"^(?P<prefix>[a-z-]+)_(?P<kind>output|labour_input)_\d\dI\.xlsx?$")
YEAR_COLUMN = re.compile(r"_\d{4}")
AGE_SETS = ({"29", "49", "50PLUS"}, {"ALL"})
SHARE_TOLERANCE = 1e-3


def country_files() -> pd.DataFrame:
    """``config/classifications/euklems_files.csv``: file prefix -> ISO3 code, whether it is read, note."""
    path = config.config_dir() / "classifications" / "euklems_files.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    bad = ~table["use"].isin(["yes", "no"])
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ConfigError(f"{path}: line {row + 2}, column `use` = {table['use'].iloc[row]!r}; allowed 'yes', 'no'")
    return table.set_index("prefix")


@dataclass(frozen=True)
class Sheet:
    """One variable sheet: industry codes (rows), years (columns) and the values (NaN where empty)."""

    codes: np.ndarray
    years: np.ndarray
    cells: np.ndarray


def _read_sheets(path: Path, *, keep: set[str] | None = None) -> dict[str, Sheet]:
    """Sheets of a workbook (all but ``Notes``; only ``keep`` when given), header ``desc, code, _YYYY...``.

    Read with ``python_calamine`` directly and converted one block per sheet (pandas' frame construction per
    sheet costs ten times the reading); an empty or non-numeric cell is missing.
    """
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = [n for n in workbook.sheet_names if n != "Notes" and (keep is None or n in keep)]
        raw = {name: workbook.get_sheet_by_name(name).to_python() for name in names}
    except Exception as exc:  # calamine raises its own error types on damaged files
        raise DataError(path, f"cannot be read as a spreadsheet ({type(exc).__name__}: {exc})") from exc
    sheets = {}
    for name, rows in raw.items():
        header = [str(c).strip() for c in rows[0]] if rows else []
        columns = [i for i, c in enumerate(header) if YEAR_COLUMN.fullmatch(c)]
        if "code" not in header or not columns:
            raise DataError(path, f"sheet {name!r} lacks the `code` and `_YYYY` columns")
        at = header.index("code")
        body = [r for r in rows[1:] if len(r) > at and r[at] not in ("", None)]
        width = len(header)
        cells = np.array([list(r[:width]) + [""] * (width - len(r)) for r in body], dtype=object).reshape(-1, width)
        block = cells[:, columns].ravel()
        values = numbers(block)
        sheets[name] = Sheet(
            codes=np.array([_code(c) for c in cells[:, at]], dtype=object),
            years=np.array([int(header[i][1:]) for i in columns]),
            cells=values.reshape(len(body), len(columns)),
        )
    return sheets


def numbers(cells: np.ndarray) -> np.ndarray:
    """Spreadsheet cells (numbers, text, ``""`` or ``None`` for empty) as floats: a cell is ``float(cell)`` when
    Python reads it as a number (a number, or text such as ``"1.5"``), else missing (NaN). The cells are converted
    in one pass when every non-empty cell is readable (the usual sheet), else one by one."""
    empty = (cells == "") | np.equal(cells, None)
    try:
        return np.where(empty, np.nan, cells).astype(float)
    except (TypeError, ValueError):
        return np.array([_number(cell) for cell in cells], dtype=float)


def _number(cell: object) -> float:
    try:
        return float(cell)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _stacked(sheets: list[Sheet], variables: list[str]) -> pd.DataFrame:
    """One or more variable sheets to long (industry, year, value, variable), one after the other, as one frame
    (a frame per sheet, then concatenated, cost more than reading the workbooks)."""
    sizes = [sheet.cells.size for sheet in sheets]
    return pd.DataFrame(
        {
            "industry": np.concatenate([np.repeat(sheet.codes, len(sheet.years)) for sheet in sheets]),
            "year": np.concatenate([np.tile(sheet.years, len(sheet.codes)) for sheet in sheets]),
            "value": np.concatenate([sheet.cells.ravel() for sheet in sheets]),
            "variable": np.repeat(np.array(variables, dtype=object), sizes),
        }
    )


def _code(value: object) -> str:
    """An industry code as text (a code like 20 may be stored as the number 20.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _by_country(files: list[Path]) -> dict[str, dict[str, Path]]:
    """``{ISO3: {"output": path, "labour_input": path}}`` from the file names."""
    table = country_files()
    out: dict[str, dict[str, Path]] = defaultdict(dict)
    for path in files:
        match = FILE_NAME.match(path.name)
        if not match:
            raise DataError(path, "file name is not <country>_output_09I.xls or <country>_labour_input_08I.xls")
        prefix, kind = match.group("prefix"), match.group("kind")
        if prefix not in table.index:
            raise DataError(
                path,
                f"country prefix {prefix!r} is not in config/classifications/euklems_files.csv ({list(table.index)})",
            )
        if table.loc[prefix, "use"] == "no":
            continue
        iso3 = table.loc[prefix, "iso3"]
        if kind in out[iso3]:
            raise DataError(path, f"a second {kind} file for {iso3} (first: {out[iso3][kind].name})")
        out[iso3][kind] = path
    return dict(sorted(out.items()))


def read_accounts(files: list[Path], classification: Classification) -> pd.DataFrame:
    """Basic-file variables plus the skill shares of the labour input files, for every country."""
    keep = set(classification.industries["euklems"]) if "euklems" in classification.industries else None
    # basic-file sheets of other variables are not read, nor skill shares (Japan's basic file repeats them in
    # percent): those come from the labour input file
    variables = set(load_variables()["variable"]) - {f"H_{s}" for s in SKILLS} - {f"LAB{s}" for s in SKILLS}
    frames, incomplete = [], 0
    for iso3, parts in _by_country(files).items():
        pieces = []
        if "output" in parts:
            basic = _read_sheets(parts["output"], keep=variables)
            if basic:
                pieces.append(_stacked(list(basic.values()), list(basic)))
        if "labour_input" in parts:
            shares, dropped = skill_shares(parts["labour_input"])
            pieces.append(shares)
            incomplete += dropped
        tidy = pd.concat(pieces, ignore_index=True)
        if keep is not None:
            tidy = tidy[tidy["industry"].isin(keep)]
        tidy = tidy[tidy["value"].notna()]
        tidy.insert(0, "country", iso3)
        frames.append(tidy)
    if not frames:
        raise DataError(files[0].parent if files else Path("."), "no EU KLEMS country file to read")
    out = pd.concat(frames, ignore_index=True)[["country", "year", "industry", "variable", "value"]]
    out = out.reset_index(drop=True)
    out.attrs["incomplete_skill_cells"] = incomplete
    return out


def skill_shares(path: Path) -> tuple[pd.DataFrame, int]:
    """Skill shares of hours (``H_HS``...) and compensation (``LABHS``...) as fractions, and the number of
    industry-year cells dropped because their three shares do not add up to one."""
    sheets = _read_sheets(path)
    parts: dict[str, list[Sheet]] = defaultdict(list)
    ages: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, sheet in sheets.items():
        match = LABOUR_SHEET.match(name)
        if not match:
            raise DataError(path, f"unexpected sheet {name!r} (expected H_|LAB_<HS|MS|LS>_<age>_<M|F>)")
        measure, skill, age, sex = match.groups()
        variable = f"H_{skill}" if measure == "H" else f"LAB{skill}"
        parts[variable].append(sheet)
        ages[(measure, skill)].add(f"{age}_{sex}")
    out, dropped = [], 0
    for measure, names in (("H", [f"H_{s}" for s in SKILLS]), ("LAB", [f"LAB{s}" for s in SKILLS])):
        cells = {frozenset(ages.get((measure, s), ())) for s in SKILLS}
        if len(cells) != 1:
            raise DataError(
                path, f"{measure}_ sheets differ in their age x sex split across skills: {sorted(map(sorted, cells))}"
            )
        split = next(iter(cells))
        split_ages = {c.rsplit("_", 1)[0] for c in split}
        if split_ages not in AGE_SETS or len(split) != 2 * len(split_ages):
            raise DataError(path, f"{measure}_ sheets: age x sex split {sorted(split)} is not a complete partition")
        aligned = _aligned([sheet for variable in names for sheet in parts[variable]])
        long, off = (_measure_aligned if aligned else _measure_grouped)(parts, names, len(split))
        dropped += off
        out.append(long)
    return pd.concat(out, ignore_index=True), dropped


def _aligned(sheets: list[Sheet]) -> bool:
    """Whether the sheets share one layout: the same industry codes (each once) and years, in the same order."""
    first = sheets[0]
    return len(set(first.codes)) == len(first.codes) and all(
        np.array_equal(s.codes, first.codes) and np.array_equal(s.years, first.years) for s in sheets
    )


def compensated_sum(layers: list[np.ndarray], min_count: int) -> np.ndarray:
    r"""Cell-wise sum of ``layers`` in their order, as pandas' grouped ``sum(min_count=...)`` computes it:
    Kahan-compensated (:math:`y = v - c,\ t = s + y,\ c = (t - s) - y,\ s = t`, a NaN compensation reset to 0),
    missing values skipped, NaN where fewer than ``min_count`` values; so the result is the same to the bit."""
    total = np.zeros(layers[0].shape)
    compensation = np.zeros(layers[0].shape)
    count = np.zeros(layers[0].shape, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        for layer in layers:
            present = ~np.isnan(layer)
            y = layer - compensation
            t = total + y
            step = (t - total) - y
            step[np.isnan(step)] = 0.0
            compensation = np.where(present, step, compensation)
            total = np.where(present, t, total)
            count += present
    total[count < min_count] = np.nan
    return total


def _measure_aligned(parts: dict[str, list[Sheet]], names: list[str], cells: int) -> tuple[pd.DataFrame, int]:
    """:func:`_measure_grouped` for sheets of one layout, on the arrays: the same rows, values and order."""
    first = parts[names[0]][0]
    rows = np.argsort(first.codes, kind="stable")
    years = np.argsort(first.years, kind="stable")
    wide = np.stack(
        [(compensated_sum([s.cells for s in parts[v]], cells) / 100.0)[rows][:, years].ravel() for v in names],
        axis=1,
    )
    complete = ~np.isnan(wide).any(axis=1)
    off = complete & (np.abs(wide.sum(axis=1) - 1.0) > SHARE_TOLERANCE)
    wide[off | ~complete] = np.nan
    codes, periods = first.codes[rows], first.years[years]
    long = pd.DataFrame(
        {
            "industry": np.repeat(codes, len(periods) * len(names)),
            "year": np.tile(np.repeat(periods, len(names)), len(codes)),
            "variable": np.tile(np.array(names, dtype=object), wide.shape[0]),
            "value": wide.ravel(),
        }
    )
    return long, int(off.sum())


def _measure_grouped(parts: dict[str, list[Sheet]], names: list[str], cells: int) -> tuple[pd.DataFrame, int]:
    """The three skill shares of one measure, long: the age x sex sheets of each skill summed by industry and year
    (missing when any is), the cells whose shares do not add up to one dropped (their count returned)."""
    summed = {}
    for variable in names:
        stacked = _stacked(parts[variable], [variable] * len(parts[variable]))
        summed[variable] = stacked.groupby(["industry", "year"], sort=True)["value"].sum(min_count=cells) / 100.0
    wide = pd.DataFrame(summed)
    complete = wide.notna().all(axis=1)
    off = complete & ((wide.sum(axis=1) - 1.0).abs() > SHARE_TOLERANCE)
    wide.loc[off | ~complete] = np.nan
    long = wide.stack().rename("value").reset_index()
    long.columns = ["industry", "year", "variable", "value"]
    return long, int(off.sum())
