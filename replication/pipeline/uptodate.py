"""The no-op short cut of ``python -m replication build``: a run whose every file is exactly as its last successful
build left it is up to date, and is answered without starting pytask.

pytask decides what is out of date by hashing every dependency and product (about 150 MB) after importing the
task modules and the plan; that floor is about 4 s even when nothing runs (benchmarks/README.md). After a build
that succeeds, :func:`record` writes the *status* of every file the build's tasks declared (dependencies, products,
task modules) and of every file and folder under the inputs a plan is made from (``config/``, ``estimations/``,
``scenarios/``, ``replication/``, ``data/``), with the project's ``pyproject.toml``, lock files and pytask's own
state. The status of a path is ``(st_mtime_ns, st_ctime_ns, st_size, st_ino)``: the inode-change time ``st_ctime``
is set by the kernel on every write, rename or ``utime`` call and cannot be set back by ``cp -p``, ``rsync -a`` or
``tar x``, so an edit with its modification time restored still changes it, and a file added to or removed from a
folder changes the folder's.

:func:`unchanged` is true only if the record was written by the same program (Python, package version) for the
same run (vintage, country, strict) and every recorded path still has its recorded status. Anything else, a missing
or unreadable record included, means: ask pytask. The record is removed before pytask starts and written only after
it succeeds, so an interrupted or failed build never leaves one; a file whose status changed while the build ran
(an edit during the build) leaves no record either. The short cut can only send more builds to pytask, never
fewer: pytask stays the one judge of what to rerun.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from replication import __version__

#: the folders (under the project root) whose every file and sub-folder is recorded
WATCHED = ("config", "estimations", "scenarios", "replication", "data")
#: files of the project root that are recorded when present
ROOT_FILES = ("pyproject.toml", "requirements.lock", "pytask.lock", ".pytask/pytask.sqlite3")
SKIPPED_FOLDERS = {"__pycache__", ".pytask"}
FORMAT = 1


def record_path(root: Path, vintage: str, country: str, strict: bool) -> Path:
    """Where the record of one run lives (pytask's state folder; never a declared product)."""
    return root / ".pytask" / f"up-to-date-{vintage}-{country}{'-strict' if strict else ''}.json"


def _status(path: Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino]


def _walk(folder: Path) -> Iterable[Path]:
    """``folder`` and every file and folder below it (bytecode caches skipped)."""
    yield folder
    for parent, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if f not in SKIPPED_FOLDERS)
        base = Path(parent)
        for name in folders:
            yield base / name
        for name in sorted(files):
            if not name.endswith(".pyc"):
                yield base / name


def watched_paths(root: Path, declared: Iterable[Path]) -> list[Path]:
    """The declared files, the folders that hold them, the watched trees and the project's root files."""
    paths = {root, *(root / name for name in ROOT_FILES)}
    for path in declared:
        path = Path(path).absolute()
        paths.add(path)
        paths.update(p for p in path.parents if p.is_relative_to(root))
    for name in WATCHED:
        if (root / name).is_dir():
            paths.update(_walk(root / name))
    return sorted(paths)


def _key(vintage: str, country: str, strict: bool) -> dict[str, object]:
    return {
        "format": FORMAT,
        "python": sys.executable,
        "python_version": sys.version,
        "package": __version__,
        "run": [vintage, country, strict],
    }


def unchanged(where: Path, vintage: str, country: str, strict: bool) -> int | None:
    """The number of tasks of the run if nothing it reads or writes changed since ``where`` was written; else None."""
    try:
        data = json.loads(where.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != _key(vintage, country, strict):
        return None
    statuses = data.get("status")
    if not isinstance(statuses, dict) or not isinstance(data.get("tasks"), int):
        return None
    root = where.parent.parent
    for name, status in statuses.items():
        if _status(root / name) != status:
            return None
    return data["tasks"]


def discard(where: Path) -> None:
    """Remove the record (before a build starts: only a build that succeeds writes a new one)."""
    where.unlink(missing_ok=True)


def record(
    where: Path,
    vintage: str,
    country: str,
    strict: bool,
    *,
    tasks: int,
    declared: Iterable[Path],
    products: set[Path],
    started_ns: int,
) -> bool:
    """Write the record after a successful build; False (and no record) if an input changed while it ran.

    ``started_ns`` is the wall-clock time (``time.time_ns()``) at which the build started: a path that is not a
    product and whose status changed after it (less 10 ms for the file system's coarse clock) was edited while
    the build ran, and the next build must look at it with pytask.
    """
    root = where.parent.parent
    written = {*products, root / "pytask.lock"}
    status: dict[str, list[int]] = {}
    for path in watched_paths(root, declared):
        now = _status(path)
        if now is None:
            continue
        ours = path in written or path.parent == where.parent or not path.is_file()
        if not ours and now[1] > started_ns - 10_000_000:
            return False
        # relative inside the project; absolute for a declared file elsewhere (a user's data, REPLICATION_ROOT)
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        status[name] = now
    text = json.dumps({"key": _key(vintage, country, strict), "tasks": tasks, "status": status}, sort_keys=True)
    temporary = where.with_name(f".{where.name}.{os.getpid()}.tmp")
    temporary.write_text(text + "\n")
    os.replace(temporary, where)
    return True
