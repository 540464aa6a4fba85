"""Stage 1: raw files of a vintage -> validated tidy tables in ``data/interim/<vintage>/``.

Writes ``io_use.parquet``, ``accounts.parquet`` and ``tidy.json`` (input files with their sha256,
row counts, anomalies applied). Everything after this stage is vintage-agnostic.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from replication import config, manifest
from replication.errors import ReplicationError
from replication.fileio import sha256, write_parquet, write_text
from replication.layout import Layout
from replication.progress import say
from replication.schemas import ACCOUNTS_KEYS, drop_anomalies, validate_accounts, validate_io_use
from replication.sources import get_reader
from replication.vintages import Classification, Part, Vintage, load_classification, load_variables, load_vintage

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
    names = part.dataset if isinstance(part.dataset, tuple) else (part.dataset or "",)
    files = []
    for name in names:
        dataset = manifest.get_dataset(name)
        missing = [raw for raw in dataset.files if not manifest.is_verified(raw)]
        if missing:
            raise ReplicationError(
                f"{missing[0].path}: missing or not verified; run `.venv/bin/python -m replication data "
                f"{dataset.name}` (fetches and verifies it again; `make data` alone does nothing once its stamp exists)"
            )
        files += [raw.path for raw in dataset.files]
    return files


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
    frame = frame.sort_values(list(frame.columns[:-1])).reset_index(drop=True)
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
    for table in TABLES:
        part = getattr(vintage, table)
        if part is None:
            continue
        if part.vintage:  # the other vintage's tidy table, already built from the same raw files
            record[table] = {"from_vintage": part.vintage, **shared_provenance(part.vintage, table)}
            continue
        frame, provenance = build_table(vintage, table)
        write_parquet(interim_path(vintage.name, table), frame)
        record[table] = provenance
    write_text(Layout(vintage.name).tidy_record, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record


def shared_provenance(vintage: str, table: str) -> dict:
    """The provenance of ``vintage``'s tidy ``table`` from its ``tidy.json`` (which must be built)."""
    record = Layout(vintage).tidy_record
    if not record.exists():
        raise ReplicationError(f"{record}: not built; run `make tidy VINTAGE={vintage}` (its {table} is shared)")
    provenance = json.loads(record.read_text()).get(table)
    if provenance is None:
        raise ReplicationError(f"{record}: vintage {vintage!r} has no {table} table")
    return provenance


def load_table(
    vintage: str, table: str, *, columns: list[str] | None = None, filters: list[tuple] | None = None
) -> pd.DataFrame:
    """A tidy table built by :func:`build_tidy`, with a clear error when it is missing; ``columns`` and
    ``filters`` (pyarrow's ``[(column, op, value)]``, rows in file order) read only what a stage uses."""
    path = interim_path(vintage, table)
    if not path.exists():
        raise ReplicationError(f"{path}: not built; run `make tidy VINTAGE={vintage}`")
    return pd.read_parquet(path, columns=columns, filters=filters)
