"""``python -m replication build``: run the out-of-date tasks of one run with pytask (what ``make all`` calls).

pytask collects the ``task_*.py`` modules of the package, compares every dependency and product with the state
recorded in ``pytask.lock`` (file contents, so an edit with its modification time restored is still seen) and
runs what changed, its descendants, and any task whose product is missing or was changed since it was written
(a deleted, truncated or replaced interim or output file is rebuilt). ``JOBS`` tasks run side by side in a pool
of worker processes (pytask-parallel, loky) that ends with the build. One build at a time per project folder: a
second one waits for the first (an advisory lock on ``.pytask/build.lock``, released by the kernel when the
holder exits, however it exits).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from replication.core import config
from replication.core.errors import ConfigError, ReplicationError

PACKAGE = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """Hold ``root/.pytask/build.lock`` for the build; wait (saying so once) while another build holds it."""
    folder = root / ".pytask"
    folder.mkdir(exist_ok=True)
    with open(folder / "build.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            print(f"waiting: another build is running in {root} ({holder})", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check_run(vintage: str, country: str) -> None:
    from replication.inputs.vintages import list_vintages

    if vintage not in list_vintages():
        raise ConfigError(f"unknown vintage {vintage!r}; available: {list_vintages()}")
    if not (len(country) == 3 and country.isalpha() and country.isupper()):
        raise ConfigError(f"country {country!r}: expected an ISO3 code such as BEL")


def _failures(session) -> list[str]:
    """One line per failed task: its id and the error (a user-fixable error as it is; anything else named a bug)."""
    from pytask import TaskOutcome

    lines = []
    for report in session.execution_reports:
        if report.outcome != TaskOutcome.FAIL or not report.exc_info:
            continue
        exc = report.exc_info[1]
        name = report.task.name.split("::", 1)[-1]
        if isinstance(exc, ReplicationError):
            lines.append(f"error: {name}: {exc}")
        else:
            lines.append(
                f"error: {name}: {type(exc).__name__}: {exc} (unexpected; TRACEBACK=1 make all shows the traceback)"
            )
    return lines


def build(
    vintage: str = config.DEFAULT_VINTAGE,
    country: str = config.DEFAULT_COUNTRY,
    *,
    jobs: int = 2,
    strict: bool = False,
    dry_run: bool = False,
    quiet: bool = False,
) -> int:
    """Build every output of the run ``(vintage, country)``; the exit code (0: built or already up to date)."""
    import pytask

    _check_run(vintage, country)
    if jobs < 1:
        raise ConfigError(f"JOBS={jobs}: expected a whole number of at least 1")
    os.environ["REPLICATION_VINTAGE"], os.environ["REPLICATION_COUNTRY"] = vintage, country
    os.environ["REPLICATION_STRICT"] = "1" if strict else ""
    root = PACKAGE.parent
    with build_lock(root):
        session = pytask.build(
            paths=[PACKAGE],
            n_workers=jobs,
            parallel_backend="loky" if jobs > 1 else "none",
            dry_run=dry_run,
            show_traceback=os.environ.get("TRACEBACK", "") not in ("", "0"),
            verbose=0 if quiet else 1,
        )
    failures = _failures(session)
    for line in failures:
        print(line, file=sys.stderr)
    code = int(session.exit_code)
    if code == 0 and not dry_run:
        ran = sum(1 for r in session.execution_reports if r.outcome.name == "SUCCESS")
        total = len(session.tasks)
        if ran == 0:
            print(f"nothing to do: all {total} tasks of {vintage}/{country} are up to date")
        elif not quiet:
            print(f"built {vintage}/{country}: {ran} of {total} tasks ran")
    elif code and not failures:
        print(f"error: the build of {vintage}/{country} stopped (pytask exit code {code}; see above)", file=sys.stderr)
    return code
