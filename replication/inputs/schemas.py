"""The two tidy tables every source yields, and their validation on load.

``io_use``  : country, year, using_industry, supplying_country, product, value
    Intermediate inputs of ``product`` supplied from ``supplying_country`` to ``using_industry`` of
    ``country`` in ``year`` (millions, current prices, the vintage's currency). A supplying country
    equal to ``country`` is domestic supply; ``RoW`` is the rest of the world of a multi-region
    table; ``FOREIGN`` stands for imports whose origin the vintage does not split. Flows absent
    from the table are zero.
``accounts``: country, year, industry, variable, value
    Industry accounts; ``variable`` is one of ``config/classifications/variables.csv``.

Validation checks columns, types, missing and negative values, duplicate keys and unknown codes,
and reports the file, column and first offending row; the validated table comes back sorted by its keys (a
reader that emits its rows in key order is not sorted again: one pass over the keys' codes shows that they
rise, which also rules out duplicates).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from replication.core.errors import DataError
from replication.core.keys import has_duplicate_keys, sorted_and_unique

IO_USE_KEYS = ("country", "year", "using_industry", "supplying_country", "product")
IO_USE_COLUMNS = (*IO_USE_KEYS, "value")
ACCOUNTS_KEYS = ("country", "year", "industry", "variable")
ACCOUNTS_COLUMNS = (*ACCOUNTS_KEYS, "value")
UNSPLIT_IMPORTS = "FOREIGN"
REST_OF_WORLD = "RoW"
SHARE_TOLERANCE = 1e-6


def _row_text(frame: pd.DataFrame, mask: np.ndarray | pd.Series) -> str:
    """Describe the first row where ``mask`` holds, with its position and values."""
    position = int(np.flatnonzero(np.asarray(mask))[0])
    row = frame.iloc[position]
    values = ", ".join(f"{k}={row[k]!r}" for k in frame.columns)
    return f"row {position + 1} ({values}); {int(np.asarray(mask).sum())} such row(s)"


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], file: object) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(file, f"missing column(s) {missing}; found {list(frame.columns)}")


def _coerce(frame: pd.DataFrame, keys: tuple[str, ...], file: object) -> pd.DataFrame:
    """Keys to categoricals (year to int16), value to float64, with located errors."""
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for key in keys:
        column = frame[key].reset_index(drop=True)
        if column.isna().any():
            raise DataError(file, f"column {key!r} has missing values at {_row_text(frame, column.isna())}")
        if key == "year":
            years = pd.to_numeric(column, errors="coerce")
            bad = years.isna() | (years != years.round())
            if bad.any():
                raise DataError(file, f"column 'year' is not a whole number at {_row_text(frame, bad)}")
            out[key] = years.astype("int16")
        else:
            out[key] = (
                column.astype("string").astype("category")
                if not isinstance(column.dtype, pd.CategoricalDtype)
                else column
            )
    raw_value = frame["value"].reset_index(drop=True)
    value = pd.to_numeric(raw_value, errors="coerce").astype("float64")
    bad = value.isna() & raw_value.notna()
    if bad.any():
        raise DataError(file, f"column 'value' is not numeric at {_row_text(frame, bad)}")
    out["value"] = value
    return out


def _check_codes(frame: pd.DataFrame, column: str, allowed: Iterable[str], file: object) -> None:
    """Raise on codes outside ``allowed``; then order the column's categories as ``allowed``."""
    allowed = list(dict.fromkeys(allowed))
    allowed_set = set(allowed)
    values = frame[column]
    unknown = sorted(
        set(values.cat.categories if isinstance(values.dtype, pd.CategoricalDtype) else values.unique()) - allowed_set
    )
    if unknown:
        mask = values.isin(unknown)
        if mask.any():
            raise DataError(
                file,
                f"column {column!r} has unknown code(s) {unknown[:10]} at "
                f"{_row_text(frame, mask)}; allowed: {allowed[:60]}",
            )
    frame[column] = frame[column].cat.set_categories(allowed)


def _check_duplicates(frame: pd.DataFrame, keys: tuple[str, ...], file: object) -> bool:
    """Raise on two rows sharing ``keys`` (located in the rows as given); return whether the rows are already in
    key order (then one pass over the keys' codes answers both)."""
    if sorted_and_unique(frame, keys):
        return True
    if has_duplicate_keys(frame, keys):
        dup = frame.duplicated(list(keys), keep=False)
        raise DataError(file, f"duplicate key {list(keys)} at {_row_text(frame, dup)}")
    return False


def _in_key_order(frame: pd.DataFrame, keys: tuple[str, ...], ordered: bool) -> pd.DataFrame:
    """The validated table sorted by its keys (categories in their set order), index 0..n-1."""
    return frame if ordered else frame.sort_values(list(keys)).reset_index(drop=True)


def validate_io_use(
    frame: pd.DataFrame, *, file: object, industries: Iterable[str], products: Iterable[str] | None = None
) -> pd.DataFrame:
    """Return ``frame`` in the io_use schema (categorical keys, int16 year, float64 value), in key order.

    Raises
    ------
    DataError
        Missing columns or values, non-numeric or negative or non-finite values, unknown industry or
        product codes, duplicate keys; the message names ``file``, the column and the first bad row.
    """
    _require_columns(frame, IO_USE_COLUMNS, file)
    out = _coerce(frame, IO_USE_KEYS, file)
    value = out["value"].to_numpy()
    bad = ~np.isfinite(value)
    if bad.any():
        raise DataError(file, f"column 'value' is missing or not finite at {_row_text(out, bad)}")
    if (value < 0).any():
        raise DataError(file, f"negative intermediate flow in column 'value' at {_row_text(out, value < 0)}")
    industries = list(industries)
    _check_codes(out, "using_industry", industries, file)
    _check_codes(out, "product", industries if products is None else products, file)
    return _in_key_order(out, IO_USE_KEYS, _check_duplicates(out, IO_USE_KEYS, file))


def validate_accounts(
    frame: pd.DataFrame, *, file: object, industries: Iterable[str], variables: pd.DataFrame
) -> pd.DataFrame:
    """Return ``frame`` in the accounts schema, rows with missing values dropped, in key order.

    ``variables`` is the table of ``config/classifications/variables.csv``: its ``check`` column
    says which variables must be non-negative (``nonnegative``) or lie in [0, 1] (``share``).
    Skill shares of one kind must add up to one (tolerance 1e-3).
    """
    _require_columns(frame, ACCOUNTS_COLUMNS, file)
    out = _coerce(frame, ACCOUNTS_KEYS, file)
    out = out[out["value"].notna()].reset_index(drop=True)
    value = out["value"].to_numpy()
    if np.isinf(value).any():
        raise DataError(file, f"infinite value at {_row_text(out, np.isinf(value))}")
    _check_codes(out, "industry", industries, file)
    _check_codes(out, "variable", variables["variable"], file)
    checks = variables.set_index("variable")["check"]
    kind = out["variable"].astype("string").map(checks).to_numpy()
    negative = (kind != "any") & (value < -SHARE_TOLERANCE)
    if negative.any():
        raise DataError(file, f"negative value of a non-negative variable at {_row_text(out, negative)}")
    above = (kind == "share") & (value > 1 + SHARE_TOLERANCE)
    if above.any():
        raise DataError(file, f"share above 1 at {_row_text(out, above)}")
    ordered = _check_duplicates(out, ACCOUNTS_KEYS, file)
    _check_share_sums(out, file)
    check_output_identity(out, file)
    return _in_key_order(out, ACCOUNTS_KEYS, ordered)


SKILL_SHARE_SETS = {"hours": ("H_HS", "H_MS", "H_LS"), "compensation": ("LABHS", "LABMS", "LABLS")}


def _check_share_sums(accounts: pd.DataFrame, file: object, *, tolerance: float = 1e-3) -> None:
    """Skill shares of hours and of compensation each add up to one where all three are present."""
    for kind, members in SKILL_SHARE_SETS.items():
        part = accounts[accounts["variable"].isin(members)]
        if part.empty:
            continue
        wide = part.pivot_table(
            index=["country", "year", "industry"], columns="variable", values="value", observed=True, aggfunc="first"
        )
        if not set(members) <= set(wide.columns):
            continue
        total = wide[list(members)].dropna().sum(axis=1)
        bad = (total - 1).abs() > tolerance
        if bad.any():
            key = total[bad].index[0]
            raise DataError(
                file,
                f"{kind} skill shares {members} sum to {total[bad].iloc[0]:.6f}, not 1, "
                f"at country/year/industry={key}; {int(bad.sum())} such cell(s)",
            )


def check_output_identity(accounts: pd.DataFrame, file: object, *, rtol: float = 1e-3, atol: float = 1.0) -> None:
    """Gross output = intermediate inputs + value added where all three are reported."""
    part = accounts[accounts["variable"].isin(("GO", "II", "VA"))]
    if part.empty:
        return
    wide = part.pivot_table(
        index=["country", "year", "industry"], columns="variable", values="value", observed=True, aggfunc="first"
    )
    if not {"GO", "II", "VA"} <= set(wide.columns):
        return
    wide = wide.dropna(subset=["GO", "II", "VA"])
    gap = (wide["GO"] - wide["II"] - wide["VA"]).abs()
    bad = gap > atol + rtol * wide["GO"].abs()
    if bad.any():
        key = gap[bad].index[0]
        raise DataError(
            file,
            f"GO differs from II + VA by {gap[bad].iloc[0]:.3f} at country/year/industry={key}; "
            f"{int(bad.sum())} such cell(s)",
        )


def drop_anomalies(
    frame: pd.DataFrame, anomalies: pd.DataFrame, keys: tuple[str, ...], *, file: object
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set the listed cells to missing (drop them) and return ``(frame, applied)``.

    Each anomaly row gives the key columns, the ``value`` the raw data holds (to 9 significant
    digits) and a ``reason``. A listed cell absent from the data or holding another value is an
    error: the list must describe the data it is applied to.
    """
    if anomalies.empty:
        return frame, anomalies
    keyed = frame.reset_index(drop=True)
    mask = np.zeros(len(keyed), dtype=bool)
    for _, anomaly in anomalies.iterrows():
        hit = np.ones(len(keyed), dtype=bool)
        for key in keys:
            target = int(anomaly[key]) if key == "year" else str(anomaly[key])
            hit &= (keyed[key] == target).to_numpy()
        if hit.sum() != 1:
            raise DataError(file, f"listed anomaly {dict(anomaly[list(keys)])} matches {int(hit.sum())} rows, not 1")
        observed = float(keyed.loc[hit, "value"].iloc[0])
        if not np.isclose(observed, float(anomaly["value"]), rtol=1e-8, atol=0):
            raise DataError(
                file,
                f"listed anomaly {dict(anomaly[list(keys)])} expects value {anomaly['value']} "
                f"but the data hold {observed!r}",
            )
        mask |= hit
    return keyed[~mask].reset_index(drop=True), anomalies
