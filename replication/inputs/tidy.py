"""Stage 1: raw files of a vintage -> validated tidy tables in ``data/interim/<vintage>/``.

Writes ``io_use.parquet``, ``accounts.parquet`` and ``tidy.json`` (input files with their sha256,
row counts, anomalies applied). Everything after this stage is vintage-agnostic.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from replication.core import config
from replication.core.errors import ReplicationError
from replication.core.fileio import read_json, read_parquet, sha256, write_parquet, write_text
from replication.core.layout import Layout
from replication.core.progress import say
from replication.inputs import raw_files as manifest
from replication.inputs.schemas import ACCOUNTS_KEYS, drop_anomalies, validate_accounts, validate_io_use
from replication.inputs.sources import get_reader
from replication.inputs.vintages import Classification, Part, Vintage, load_classification, load_variables, load_vintage

TABLES = ("io_use", "accounts")


def interim_path(vintage: str, table: str) -> Path:
    """``data/interim/<vintage>/<table>.parquet``, or the other vintage's when the table is shared."""
    part = getattr(load_vintage(vintage), table, None)
    return Layout(part.vintage if part is not None and part.vintage else vintage).tidy_table(table)


def part_files(part: Part) -> list[Path]:
    """The input files of a vintage part, checked to exist (and, for manifest datasets, verified)."""
    if part.path is not None:
        if not part.path.exists():
            raise ReplicationError(f"{part.path}: not found (source {part.source!r}; see docs/national_sut_csv.md)")
        return [part.path]
    files = []
    for name in _dataset_names(part):
        dataset = manifest.get_dataset(name)
        missing = [raw for raw in dataset.files if not manifest.is_verified(raw)]
        if missing:
            raise ReplicationError(
                f"{missing[0].path}: missing or not verified; run `make all` (it fetches and verifies the raw files "
                f"from the mirror again, REPLICATION_MIRROR or ../shared/data)"
            )
        files += [raw.path for raw in dataset.files]
    return files


def _dataset_names(part: Part) -> tuple[str, ...]:
    """The manifest datasets a vintage part reads (one name or several)."""
    return part.dataset if isinstance(part.dataset, tuple) else (part.dataset or "",)


def accounts_industries(vintage: Vintage, classification: Classification) -> list[str]:
    """Industry codes the accounts may use: the classification's, or its mapped column."""
    column = vintage.accounts_industry_map
    if column is None:
        return classification.codes
    if column not in classification.industries.columns:
        raise ReplicationError(
            f"vintage {vintage.name!r}: accounts_industry_map {column!r} is not a column of "
            f"the {classification.name} industry table"
        )
    return sorted(set(classification.industries[column]))


def _anomalies(part: Part) -> pd.DataFrame:
    if part.anomalies is None:
        return pd.DataFrame()
    return pd.read_csv(part.anomalies, dtype=str)


def build_table(vintage: Vintage, table: str) -> tuple[pd.DataFrame, dict]:
    """Read, fix listed anomalies and validate one tidy table; return it with its provenance."""
    classification = load_classification(vintage.classification)
    part: Part | None = getattr(vintage, table)
    if part is None:
        raise ReplicationError(f"vintage {vintage.name!r} has no {table} table")
    files = part_files(part)
    say(f"[tidy] {vintage.name}: {table} from {part.source} ({len(files)} file(s))")
    frame = get_reader(part.source, table)(files, classification)
    notes = dict(frame.attrs)
    where = part.path or files[0].parent
    if table == "io_use":
        frame = validate_io_use(frame, file=where, industries=classification.codes)
        applied = pd.DataFrame()
    else:
        frame, applied = drop_anomalies(frame, _anomalies(part), ACCOUNTS_KEYS, file=where)
        frame = validate_accounts(
            frame, file=where, industries=accounts_industries(vintage, classification), variables=load_variables()
        )
    root = config.project_root()
    provenance = {
        "source": part.source,
        "files": {_relative(f, root): sha256(f) for f in files},
        "rows": len(frame),
        "anomalies_set_missing": applied.to_dict(orient="records"),
        **({"reader_notes": notes} if notes else {}),
    }
    return frame, provenance


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def build_tidy(vintage_name: str) -> dict:
    """Build both tidy tables of a vintage into ``data/interim/<vintage>/`` (atomic writes)."""
    vintage = load_vintage(vintage_name)
    record: dict = {
        "vintage": vintage.name,
        "description": vintage.description,
        "classification": vintage.classification,
    }
    own = [t for t in TABLES if getattr(vintage, t) is not None and not getattr(vintage, t).vintage]
    built = _build_tables(vintage.name, own)
    for table in TABLES:
        part = getattr(vintage, table)
        if part is None:
            continue
        if part.vintage:  # the other vintage's tidy table, already built from the same raw files
            record[table] = {"from_vintage": part.vintage, **shared_provenance(part.vintage, table)}
            continue
        record[table] = built[table]
    write_text(Layout(vintage.name).tidy_record, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record


def tidy_workers() -> int:
    """Processes that build a vintage's tables side by side: ``REPLICATION_TIDY_WORKERS`` (default 2, the reference
    machine's cores; 1 = one after the other). Each table is read and written alone, so the files do not depend
    on it."""
    return config.worker_count("REPLICATION_TIDY_WORKERS")


def _build_and_write(vintage_name: str, table: str) -> dict:
    """One table built and written (atomically); its provenance."""
    vintage = load_vintage(vintage_name)
    frame, provenance = build_table(vintage, table)
    write_parquet(interim_path(vintage.name, table), frame)
    return provenance


PARALLEL_TIDY_BYTES = 1_000_000  # raw input below which a forked process costs more than it saves


def _raw_bytes(vintage_name: str, tables: list[str]) -> int:
    """Size of the raw files of ``tables`` that exist (not verified here: each table's build verifies its own,
    and reports a missing or altered file in order)."""
    vintage = load_vintage(vintage_name)
    paths: list[Path] = []
    for table in tables:
        part = getattr(vintage, table)
        if part.path is not None:
            paths.append(part.path)
            continue
        for name in _dataset_names(part):
            try:
                paths += [raw.path for raw in manifest.get_dataset(name).files]
            except ReplicationError:
                continue
    return sum(path.stat().st_size for path in paths if path.exists())


def _build_tables(vintage_name: str, tables: list[str]) -> dict[str, dict]:
    """Provenance of each table built; with :func:`tidy_workers` > 1, the tables after the first are built in a
    forked process meanwhile when their raw files reach ``PARALLEL_TIDY_BYTES`` (the WIOD 2013 accounts, 2 s,
    beside its IO tables, 7 s: the build's first stage had one core idle once the EU KLEMS workbooks were read).
    The record is written after both, so an interrupted or failed build leaves no ``tidy.json`` and Make redoes
    it."""
    if tidy_workers() < 2 or len(tables) < 2 or _raw_bytes(vintage_name, tables[1:]) < PARALLEL_TIDY_BYTES:
        return {table: _build_and_write(vintage_name, table) for table in tables}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(len(tables) - 1, mp_context=multiprocessing.get_context("fork"))
    try:
        later = {table: pool.submit(_build_and_write, vintage_name, table) for table in tables[1:]}
        built = {tables[0]: _build_and_write(vintage_name, tables[0])}
        return {**built, **{table: future.result() for table, future in later.items()}}
    finally:  # a failure or an interrupt: nothing waits for a table not yet started
        pool.shutdown(wait=True, cancel_futures=True)


def shared_provenance(vintage: str, table: str) -> dict:
    """The provenance of ``vintage``'s tidy ``table`` from its ``tidy.json`` (which must be built)."""
    record = Layout(vintage).tidy_record
    if not record.exists():
        raise ReplicationError(f"{record}: not built; run `make all VINTAGE={vintage}` (its {table} is shared)")
    provenance = read_json(record).get(table)
    if provenance is None:
        raise ReplicationError(f"{record}: vintage {vintage!r} has no {table} table")
    return provenance


def as_text(column: pd.Series) -> pd.Series:
    """A column as strings, as ``column.astype(str)`` gives them (missing stays missing): for the tidy tables'
    categorical code columns, the categories converted once and taken by code (``astype`` converts row by row,
    eight times slower on the EU KLEMS accounts' 620,000 rows)."""
    if not isinstance(column.dtype, pd.CategoricalDtype) or not pd.api.types.is_string_dtype(column.cat.categories):
        return column.astype(str)  # numbers as categories print as the row values do (1995.0 beside a missing one)
    labels = column.cat.categories.astype(str)
    codes = column.cat.codes.to_numpy()
    return pd.Series(labels.take(codes, allow_fill=True, fill_value=None), index=column.index, name=column.name)


def load_table(
    vintage: str, table: str, *, columns: list[str] | None = None, filters: list[tuple] | None = None
) -> pd.DataFrame:
    """A tidy table built by :func:`build_tidy`, with a clear error when it is missing; ``columns`` and
    ``filters`` (pyarrow's ``[(column, op, value)]``, rows in file order) read only what a stage uses."""
    path = interim_path(vintage, table)
    if not path.exists():
        raise ReplicationError(f"{path}: not built; run `make all VINTAGE={vintage}`")
    return read_parquet(path, columns=columns, filters=filters)
