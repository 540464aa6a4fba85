"""Panel data checks and helpers shared by the estimators: index, missing values, lags, checksums.

Terms may carry a lag prefix, ``L<k>.<column>`` (Stata style): ``L1.n`` is ``n`` one period earlier
for the same entity. Lags are taken on the balanced grid of all periods in the data, so a gap in an
entity's years gives a missing lag (not the previous available year).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd

from replication.core.errors import ReplicationError
from replication.core.keys import has_duplicate_keys

LAG = re.compile(r"^L(\d+)\.(.+)$")


class EstimationError(ReplicationError):
    """A model that cannot be estimated as specified (singular design, too few periods, bad data)."""


class NotIdentifiedError(EstimationError):
    """The data cannot identify the model as specified: a regressor without variation of its own (collinear,
    inside the absorbed effects, no data in the sample), a singular GMM weight matrix, too few clusters.
    Reported as "not identified" with this message, never as a number."""


def parse_term(term: str) -> tuple[str, int]:
    """``"L2.n"`` -> ``("n", 2)``; ``"w"`` -> ``("w", 0)``."""
    match = LAG.match(term)
    return (match.group(2), int(match.group(1))) if match else (term, 0)


def check_panel(data: pd.DataFrame, *, entity: str, time: str, columns: list[str]) -> None:
    """Raise :class:`EstimationError` on a missing column, a non-unique (entity, time) pair or a missing
    value in a used column, naming the column and the first offending row."""
    for column in [entity, time, *columns]:
        if column not in data.columns:
            raise EstimationError(f"column {column!r} is not in the data; columns are {list(data.columns)}")
    if has_duplicate_keys(data, (entity, time)):
        duplicated = data.duplicated([entity, time], keep=False).to_numpy()
        row = int(np.flatnonzero(duplicated)[0])
        key = {c: _python(data[c].iloc[row]) for c in (entity, time)}
        same = np.ones(len(data), dtype=bool)
        for c in (entity, time):  # missing values equal to each other, as in `duplicated`
            values = data[c]
            same &= values.eq(values.iloc[row]).to_numpy(dtype=bool, na_value=False) | (
                values.isna().to_numpy() & bool(pd.isna(values.iloc[row]))
            )
        count = int(same.sum())
        raise EstimationError(
            f"(entity, time) is not unique: {entity}={key[entity]!r}, {time}={key[time]!r} appears {count} times"
        )
    if _all_finite_numeric(data, columns):
        return
    for column in columns:
        missing = data[column].isna()
        if missing.any():
            row = data.loc[missing, [entity, time]].iloc[0]
            raise EstimationError(
                f"column {column!r} has {int(missing.sum())} missing value(s), first at "
                f"{entity}={_python(row[entity])!r}, {time}={_python(row[time])!r}; drop or "
                "impute them first"
            )
        if not pd.api.types.is_numeric_dtype(data[column]):
            raise EstimationError(f"column {column!r} is not numeric (dtype {data[column].dtype})")
        infinite = np.isinf(data[column].to_numpy(dtype=float))
        if infinite.any():
            row = data.loc[infinite, [entity, time]].iloc[0]
            raise EstimationError(
                f"column {column!r} has {int(infinite.sum())} infinite value(s), first at "
                f"{entity}={_python(row[entity])!r}, {time}={_python(row[time])!r}"
            )


def _all_finite_numeric(data: pd.DataFrame, columns: list[str]) -> bool:
    """The common case in one pass: every column numeric, no value missing or infinite. ``False`` sends
    :func:`check_panel` to its column-by-column checks, which name the first problem."""
    for column in columns:
        series = data[column]
        if not pd.api.types.is_numeric_dtype(series.dtype):
            return False
        try:
            values = series.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            return False
        if not np.isfinite(values).all():
            return False
    return True


def _python(value: object) -> object:
    """NumPy scalars as Python values (for readable messages)."""
    return value.item() if isinstance(value, np.generic) else value


def balanced_grid(
    data: pd.DataFrame, *, entity: str, time: str, columns: list[str]
) -> tuple[np.ndarray, pd.Index, pd.Index]:
    """Values on the full entity x period grid: array (N, T, len(columns)), NaN where absent."""
    entities = pd.Index(sorted(data[entity].unique()))
    periods = pd.Index(sorted(data[time].unique()))
    grid = np.full((len(entities), len(periods), len(columns)), np.nan)
    e = entities.get_indexer(data[entity])
    t = periods.get_indexer(data[time])
    grid[e, t, :] = data[columns].to_numpy(dtype=float)
    return grid, entities, periods


def lag_grid(values: np.ndarray, lag: int) -> np.ndarray:
    """Shift a (N, T) grid ``lag`` periods forward in time (NaN fill): result[:, t] = values[:, t - lag]."""
    if lag == 0:
        return values.copy()
    out = np.full_like(values, np.nan)
    if lag > 0:
        out[:, lag:] = values[:, :-lag]
    else:
        out[:, :lag] = values[:, -lag:]
    return out


def frame_checksum(data: pd.DataFrame) -> str:
    """SHA-256 of a DataFrame's labels and values (column order and row order matter): the column names, then
    every column and index level as its dtype and bytes (numbers and booleans as stored, anything else as the
    ``repr`` of each value joined by a unit separator). Plain bytes instead of pandas' row hashes: the
    per-call cost of those exceeded a small SUR system's fit."""
    columns = [np.asarray(data.iloc[:, j]) for j in range(data.shape[1])]
    levels = [np.asarray(data.index.get_level_values(i)) for i in range(data.index.nlevels)]
    return arrays_checksum(list(data.columns), [*columns, *levels])


def arrays_checksum(names: list, arrays: list[np.ndarray]) -> str:
    """:func:`frame_checksum` of a frame given as its column names and the arrays of its columns and then its
    index levels (a frame with a default index: ``np.arange(n)`` last)."""
    digest = hashlib.sha256()
    digest.update("|".join(map(str, names)).encode())
    for array in arrays:
        digest.update(f"\x1e{array.dtype.str}:{len(array)}\x1e".encode())
        if array.dtype.kind in "biuf":
            digest.update(np.ascontiguousarray(array).tobytes())
        else:
            digest.update("\x1f".join(map(repr, array.tolist())).encode())
    return digest.hexdigest()


def with_terms(data: pd.DataFrame, terms: list[str], *, entity: str, time: str) -> pd.DataFrame:
    """``data`` with a column per lag term (``L2.x``), lagged on the entity x period grid: a copy, or
    ``data`` itself when no term is a new lag (callers filter it into a new frame)."""
    if all(parse_term(term)[1] == 0 or term in data.columns for term in terms):
        return data
    out = data.copy()
    periods = pd.Index(sorted(data[time].unique()))
    position = pd.Series(periods.get_indexer(data[time]), index=data.index)
    for term in terms:
        variable, lag = parse_term(term)
        if lag == 0 or term in out.columns:
            continue
        if variable not in data.columns:
            raise EstimationError(f"column {variable!r} (in term {term!r}) is not in the data")
        source = pd.Series(data[variable].to_numpy(), index=pd.MultiIndex.from_arrays([data[entity], position]))
        target = pd.MultiIndex.from_arrays([data[entity], position - lag])
        out[term] = source.reindex(target).to_numpy()
    return out


def effect_dummies(values: pd.Series, *, prefix: str) -> pd.DataFrame:
    """Indicator columns ``<prefix>=<level>`` for all levels but the first (sorted), as floats.

    Used to absorb extra fixed effects (e.g. country-year) that are not nested in the entity: by the
    Frisch-Waugh-Lovell theorem, including them as regressors is exact.
    """
    if values.isna().any():
        raise EstimationError(f"effect column {prefix!r} has missing values")
    levels = sorted(values.astype(str).unique())
    codes = pd.Categorical(values.astype(str), categories=levels).codes
    matrix = (codes[:, None] == np.arange(1, len(levels))[None, :]).astype(float)
    return pd.DataFrame(matrix, index=values.index, columns=[f"{prefix}={level}" for level in levels[1:]])


def redundant_columns(matrix: pd.DataFrame, candidates: list[str], *, tol: float = 1e-9) -> list[str]:
    """Columns of ``candidates`` that are linear combinations of the columns before them.

    Householder QR without pivoting: a near-zero diagonal entry of R marks a column spanned by the
    earlier ones. Used to drop effect dummies made redundant by other effects (e.g. country-year
    dummies within country-industry effects: one per country); the slope coefficients are unchanged.
    """
    values = matrix.to_numpy(dtype=float)
    if values.size == 0:
        return []
    r = np.linalg.qr(values, mode="r")
    diagonal = np.abs(np.diag(r))
    scale = np.linalg.norm(values, axis=0)
    dependent = diagonal <= tol * np.maximum(scale, 1.0)
    return [c for c, d in zip(matrix.columns, dependent, strict=True) if d and c in candidates]


def unidentified_columns(
    transformed: pd.DataFrame, reference: pd.DataFrame, columns: list[str], *, tol: float = 1e-7
) -> list[str]:
    r"""Columns of ``columns`` that the transformed design (demeaned, differenced, with effects before them)
    leaves with almost no variation of their own.

    With :math:`R` from the QR decomposition of the transformed matrix (no pivoting), :math:`|R_{jj}|` is the
    norm of column *j* after projecting out the columns before it; the column is not identified when
    :math:`|R_{jj}| \le tol \cdot \lVert x_j - \bar x_j \rVert` (its variation in ``reference``, the data
    before the transformation). This catches a regressor that is constant within entities up to rounding,
    whose coefficient would otherwise be a number of order :math:`10^8`.
    """
    reference_columns = {name: reference[name].to_numpy(dtype=float) for name in columns if name in transformed}
    return unidentified_in(transformed.to_numpy(dtype=float), list(transformed.columns), reference_columns, tol=tol)


def unidentified_in(
    values: np.ndarray, names: list[str], reference: dict[str, np.ndarray], *, tol: float = 1e-7
) -> list[str]:
    """:func:`unidentified_columns` on arrays: ``values`` the transformed design with columns ``names``, and
    ``reference`` the untransformed values of the columns to check, by name."""
    if values.size == 0:
        return []
    diagonal = np.abs(np.diag(np.linalg.qr(values, mode="r")))
    out = []
    for position, name in enumerate(names):
        if name not in reference:
            continue
        raw = reference[name]
        spread = float(np.linalg.norm(raw - raw.mean()))
        if spread == 0 or diagonal[position] <= tol * spread:
            out.append(name)
    return out


def check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    """Raise :class:`EstimationError` unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise EstimationError(f"{name} must be one of {list(allowed)}; got {value!r}")


def prepare_frame(
    data: pd.DataFrame,
    *,
    dependent: str,
    terms: list[str],
    entity: str,
    time: str,
    extra: list[str],
) -> pd.DataFrame:
    base = sorted({dependent, *(parse_term(t)[0] for t in terms), *extra})
    check_panel(data, entity=entity, time=time, columns=base)
    frame = with_terms(data, terms, entity=entity, time=time)
    frame = frame.dropna(subset=[dependent, *terms]).set_index([entity, time]).sort_index()
    if frame.empty:
        raise EstimationError("no complete observation after taking lags")
    return frame


def check_rank(exog: pd.DataFrame) -> None:
    values = exog.to_numpy(dtype=float)
    rank = np.linalg.matrix_rank(values)
    if rank < values.shape[1]:
        dropped = [c for i, c in enumerate(exog.columns) if np.linalg.matrix_rank(np.delete(values, i, axis=1)) == rank]
        raise NotIdentifiedError(
            f"singular design: regressors {list(exog.columns)} are perfectly collinear (candidates to drop: {dropped})"
        )


def sorted_complete_rows(
    data: pd.DataFrame, *, entity: str, time: str, columns: list[str] | None = None, complete: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of the rows of ``data`` with no missing value in ``columns`` (or where ``complete`` is true) and
    with an entity and a period, in (entity, time) order (the order of ``set_index([entity, time]).sort_index()``),
    with their entity and period codes (0, 1, ... in sorted order of the values, counting only the rows kept)."""
    if complete is None:
        complete = np.ones(len(data), dtype=bool)
        for column in columns or []:
            complete &= ~np.isnan(data[column].to_numpy(dtype=float, na_value=np.nan))
    # a row without its entity or period belongs to no group (pandas' grouping drops it too)
    rows = np.flatnonzero(complete & data[entity].notna().to_numpy() & data[time].notna().to_numpy())
    entity_codes = pd.factorize(data[entity].to_numpy()[rows], sort=True)[0]
    time_codes = pd.factorize(data[time].to_numpy()[rows], sort=True)[0]
    order = np.lexsort((time_codes, entity_codes))
    return rows[order], entity_codes[order], time_codes[order]
