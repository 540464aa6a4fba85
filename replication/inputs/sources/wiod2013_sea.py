"""WIOD Socio-Economic Accounts, July 2014 release (MATLAB conversion ``WIOD_SEA.mat``) -> accounts.

The struct ``WIOD_SEA`` holds ``dataTable`` (rows x 17 years 1995-2011), and per row ``country``,
``variable`` and ``industry`` (a text description). Rows come in blocks of 36 (``total industries``
then c1..c35 in WIOD order) per country x variable. **The order of the variables differs between
countries** (e.g. Belgium lists H_EMP before EMP), so each block is labelled by its own ``variable``
field; industries are mapped by position because their descriptions are spelled differently across
countries.

Checks: block structure and the ``total industries`` row equal to the sum of the 35 industries for
additive variables (relative tolerance ``TOTAL_TOLERANCE``). The total row is dropped; the schema
checks follow in :mod:`replication.inputs.tidy`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from replication.core.errors import DataError
from replication.inputs.sources._wiod import normalise_country
from replication.inputs.vintages import Classification

ADDITIVE = ("GO", "II", "VA", "COMP", "LAB", "CAP", "EMP", "EMPE", "H_EMP", "H_EMPE", "GFCF")
TOTAL_TOLERANCE = 0.01  # hours totals differ from the industry sum by up to 0.2 %


def read_sea(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(data, country, variable, industry, years)`` arrays of the .mat file."""
    from scipy.io import loadmat

    try:
        mat = loadmat(path, squeeze_me=True, struct_as_record=False)
    except Exception as exc:  # scipy raises several error types on damaged files
        raise DataError(path, f"cannot be read as a MATLAB file ({type(exc).__name__}: {exc})") from exc
    if "WIOD_SEA" not in mat:
        raise DataError(path, f"no struct 'WIOD_SEA'; found {sorted(k for k in mat if not k.startswith('__'))}")
    sea = mat["WIOD_SEA"]
    try:
        fields = [
            np.atleast_1d(np.asarray(getattr(sea, f)))
            for f in ("dataTable", "country", "variable", "industry", "years")
        ]
    except AttributeError as exc:
        raise DataError(path, f"struct 'WIOD_SEA' lacks a field ({exc})") from exc
    data, country, variable, industry, years = fields
    data = np.atleast_2d(data).astype(np.float64)
    if not (len(country) == len(variable) == len(industry) == data.shape[0]):
        raise DataError(path, "fields country/variable/industry do not have one entry per dataTable row")
    if data.shape[1] != len(years):
        raise DataError(path, f"dataTable has {data.shape[1]} columns for {len(years)} years")
    return data, country.astype(str), variable.astype(str), industry.astype(str), years.astype(int)


def read_accounts(files: list[Path], classification: Classification) -> pd.DataFrame:
    """The SEA as a tidy accounts table (35 industries, total row checked then dropped)."""
    (path,) = files
    data, country, variable, _industry, years = read_sea(path)
    codes = classification.codes
    block = len(codes) + 1
    if data.shape[0] % block:
        raise DataError(path, f"{data.shape[0]} rows are not blocks of {block} (total + {len(codes)} industries)")
    n_blocks = data.shape[0] // block
    country_b = country.reshape(n_blocks, block)
    variable_b = variable.reshape(n_blocks, block)
    for labels, name in ((country_b, "country"), (variable_b, "variable")):
        bad = (labels != labels[:, :1]).any(axis=1)
        if bad.any():
            b = int(np.flatnonzero(bad)[0])
            raise DataError(path, f"rows {b * block + 1}-{(b + 1) * block}: field {name!r} changes inside a block")
    values = data.reshape(n_blocks, block, len(years))
    block_country = np.array([normalise_country(c) for c in country_b[:, 0]])
    block_variable = variable_b[:, 0]
    _check_totals(values, block_country, block_variable, years, path)
    industries = values[:, 1:, :]
    tidy = pd.DataFrame(
        {
            "country": np.repeat(block_country, len(codes) * len(years)),
            "year": np.tile(years, n_blocks * len(codes)),
            "industry": np.tile(np.repeat(codes, len(years)), n_blocks),
            "variable": np.repeat(block_variable, len(codes) * len(years)),
            "value": industries.reshape(-1),
        }
    )
    return tidy


def _check_totals(
    values: np.ndarray, countries: np.ndarray, variables: np.ndarray, years: np.ndarray, path: Path
) -> None:
    for b in np.flatnonzero(np.isin(variables, ADDITIVE)):
        total = values[b, 0]
        summed = np.nansum(values[b, 1:], axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.abs(total - summed) / np.abs(total)
        bad = np.isfinite(rel) & (rel > TOTAL_TOLERANCE) & (np.abs(total - summed) > 1)
        if bad.any():
            t = int(np.flatnonzero(bad)[0])
            raise DataError(
                path,
                f"{countries[b]} {variables[b]} {years[t]}: total industries {total[t]:.1f} "
                f"differs from the sum of industries {summed[t]:.1f}",
            )
