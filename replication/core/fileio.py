"""Atomic file writing, staged stages, checked reading and hashing: a failed run never leaves a half-written
output behind, a failing stage changes none of its files, and a damaged file is named with what to do."""

from __future__ import annotations

import contextlib
import contextvars
import csv
import hashlib
import os
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from replication.core.errors import ConfigError, DataError

if (
    TYPE_CHECKING
):  # the standard library only at run time: replication.core.layout (run before the venv) reads spec files
    import pandas as pd


#: the writes of the stage being run (:func:`staged`): (temporary file, target), moved into place at its end, and
#: the process that runs it (a forked helper process writes its own files atomically, unstaged)
_STAGED: contextvars.ContextVar[list[tuple[Path, Path]] | None] = contextvars.ContextVar("staged", default=None)
_STAGED_PID: list[int] = [0]


@contextlib.contextmanager
def staged() -> Iterator[None]:
    """Run a stage so that it changes all of its files or none: every :func:`atomic_path` write inside the block
    stays at its temporary name until the block ends without an error, and then all are moved into place (in
    the order written); on an error every temporary file is removed and the previous files stay as they were.
    Inside a staged block, :func:`current` gives the path where a file just written can be read back."""
    if _STAGED.get() is not None:  # already inside a stage: its end commits
        yield
        return
    pending: list[tuple[Path, Path]] = []
    token = _STAGED.set(pending)
    _STAGED_PID[0] = os.getpid()
    try:
        yield
    except BaseException:
        for tmp, _ in pending:
            tmp.unlink(missing_ok=True)
        raise
    finally:
        _STAGED.reset(token)
    done = 0
    try:  # renames only: an interruption here leaves each file old or new, and no temporary file
        for tmp, target in pending:
            os.replace(tmp, target)
            done += 1
    except BaseException:
        for tmp, _ in pending[done:]:
            tmp.unlink(missing_ok=True)
        raise


def current(path: str | os.PathLike[str]) -> Path:
    """Where ``path``'s newest content is: its staged temporary file when the running stage wrote it, else itself."""
    path = Path(path)
    for tmp, target in reversed(_STAGED.get() or [] if os.getpid() == _STAGED_PID[0] else []):
        if target == path:
            return tmp
    return path


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only on success.

    The temporary file lives in the same folder so that :func:`os.replace` is atomic. On any
    exception it is removed and ``target`` keeps its previous content (or stays absent). Inside
    :func:`staged`, the rename waits for the end of the stage.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600; outputs get the usual permissions
    try:
        yield tmp_path
        pending = _STAGED.get()
        if pending is None or os.getpid() != _STAGED_PID[0]:
            os.replace(tmp_path, target)
        else:
            pending.append((tmp_path, target))
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_text(target: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 text atomically with Unix newlines."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_parquet(target: str | os.PathLike[str], frame: pd.DataFrame) -> None:
    """Write a DataFrame to parquet atomically (no index, zstd, deterministic metadata)."""
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False, compression="zstd")


def write_csv(target: str | os.PathLike[str], frame: pd.DataFrame) -> None:
    """Write a CSV atomically with a fixed float format (12 significant digits) for byte-stable output: what
    ``frame.to_csv(index=False, float_format="%.12g", lineterminator="\\n")`` writes, byte for byte."""
    with atomic_path(target) as tmp:
        cells = csv_cells(frame)
        if cells is None:
            frame.to_csv(tmp, index=False, float_format="%.12g", lineterminator="\n")
            return
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)  # pandas' own settings
            writer.writerow(list(frame.columns))
            writer.writerows(zip(*cells, strict=True))


def csv_cells(frame: pd.DataFrame) -> list[list[str]] | None:
    """Each column's cells as the text pandas' ``to_csv(float_format="%.12g")`` hands to the csv writer (numbers
    ``"%.12g" % value``, missing values and NaN as the empty string, booleans ``True``/``False``), one list
    comprehension per column: pandas formats every number through two Python calls and a missing-value check, the
    larger part of writing the exported panels. ``None`` for what it does not cover (categories, dates, mixed
    objects, column labels other than strings or of several levels, no columns): pandas writes those."""
    import numpy as np
    import pandas as pd

    if frame.columns.nlevels != 1 or frame.shape[1] == 0 or not all(type(c) is str for c in frame.columns):
        return None
    cells = []
    for position, dtype in enumerate(frame.dtypes):
        column = frame.iloc[:, position]
        if isinstance(dtype, np.dtype) and dtype.kind == "f":
            cells.append(["" if v != v else "%.12g" % v for v in column.to_numpy().tolist()])  # noqa: UP031
        elif isinstance(dtype, np.dtype) and dtype.kind in "iub":
            cells.append([str(v) for v in column.to_numpy().tolist()])
        elif (isinstance(dtype, np.dtype) and dtype.kind == "O") or isinstance(dtype, pd.StringDtype):
            values = column.to_numpy(dtype=object, na_value=None).tolist()
            if not all(v is None or type(v) is str for v in values):
                return None
            cells.append(["" if v is None else v for v in values])
        else:
            return None
    return cells


def file_version(path: str | os.PathLike[str]) -> tuple[Path, int, int, int]:
    """``(resolved path, inode, mtime_ns, size)``: a key that changes whenever the file is rewritten (outputs are
    replaced by rename, a new inode), for caching what is read from it within one process."""
    stat = os.stat(path)
    return Path(path).resolve(), stat.st_ino, stat.st_mtime_ns, stat.st_size


def sha256(path: str | os.PathLike[str], *, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def read_toml(path: str | os.PathLike[str], *, what: str = "file") -> dict:
    """Parse a TOML file; a missing or invalid file is a :class:`~replication.core.errors.ConfigError` naming it."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: {what} not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from exc


REBUILT = "`make all` rebuilds it"


def _damaged(path: Path, exc: Exception, advice: str) -> DataError:
    cause = " ".join(f"{type(exc).__name__}: {exc}".split())[:160]
    return DataError(path, f"cannot be read: damaged or truncated ({cause}); {advice}")


def read_parquet(path: str | os.PathLike[str], *, advice: str = REBUILT, **options) -> pd.DataFrame:
    """``pandas.read_parquet`` of a file the pipeline wrote (its staged content inside a stage); a damaged file is
    one :class:`DataError` line ending in ``advice``."""
    import pandas as pd

    path = Path(path)
    try:
        return pd.read_parquet(current(path), **options)
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid and ArrowIOError are ValueError / OSError
        raise _damaged(path, exc, advice) from exc


def read_json(path: str | os.PathLike[str]) -> object:
    """The JSON value of a file the pipeline wrote; a damaged file is one :class:`DataError` line."""
    import json

    path = Path(path)
    try:
        return json.loads(current(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (UnicodeDecodeError, ValueError) as exc:
        raise _damaged(path, exc, REBUILT) from exc
