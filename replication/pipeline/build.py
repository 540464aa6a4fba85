"""``python -m replication build``: run the out-of-date tasks of one run with pytask (what ``make all`` calls).

pytask collects the ``task_*.py`` modules of the package, compares every dependency and product with the state
recorded in ``pytask.lock`` (file contents, so an edit with its modification time restored is still seen) and
runs what changed, its descendants, and any task whose product is missing or was changed since it was written
(a deleted, truncated or replaced interim or output file is rebuilt). ``JOBS`` tasks run side by side in a pool
of worker processes (pytask-parallel, loky) that ends with the build. One build at a time per project folder: a
second one waits for the first (an advisory lock on ``.pytask/build.lock``, released by the kernel when the
holder exits, however it exits). A run whose files are all as its last successful build left them is answered
without starting pytask (:mod:`replication.pipeline.uptodate`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from replication.core import config
from replication.core.errors import ConfigError, ReplicationError, os_error_line
from replication.pipeline import uptodate

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


def check_inputs() -> None:
    """Every configuration and scenario file against its schema, before pytask collects a task (the plan reads
    some of them): a bad file is one line here, not a collection error."""
    from replication.analysis.tradeoff import load_scenario
    from replication.core import config_schemas

    for name in config_schemas.SCHEMAS:
        config_schemas.load(name)
    channels = list(config_schemas.load("tradeoff.toml")["channels"])
    for path in sorted((config.project_root() / "scenarios").glob("*.toml")):
        load_scenario(path, channels)


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
        elif isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            lines.append(f"error: {name}: {os_error_line(exc)}")
        else:
            lines.append(
                f"error: {name}: {type(exc).__name__}: {exc} (unexpected; TRACEBACK=1 make all shows the traceback)"
            )
    return lines


def not_built(vintage: str, country: str) -> str:
    """What the run leaves out, and why, in words (empty when it builds every stage)."""
    from replication.core.layout import Layout
    from replication.pipeline import plan

    run = Layout(vintage, country)
    if not plan.panel_vintages(run):
        return (
            "the estimation panel, estimates, claims or report: its accounts lack what the panel needs "
            "(config/vintages.toml estimation_panel = false); it builds the offshoring tables and figures"
        )
    if not run.has_skill_channel:
        return (
            "the skill channel or the trade-off (built with wiod2013/BEL only): its report marks those claims "
            "not testable"
        )
    return ""


def _declared(session) -> tuple[list[Path], set[Path]]:
    """Every path the session's tasks declared (task modules, dependencies, products) and the products alone."""
    from pytask import PathNode, tree_util

    declared: list[Path] = []
    products: set[Path] = set()
    for task in session.tasks:
        declared.append(Path(task.path))
        for tree, into in ((task.depends_on, None), (task.produces, products)):
            for node in tree_util.tree_leaves(tree):
                if isinstance(node, PathNode):
                    declared.append(Path(node.path))
                    if into is not None:
                        into.add(Path(node.path))
    return declared, products


def _run_pytask(jobs: int, *, dry_run: bool, quiet: bool, record: Path | None):
    """One pytask session over the package's task modules; on success, the run's up-to-date record is written."""
    import pytask

    started = time.time_ns()
    session = pytask.build(
        paths=[PACKAGE],
        n_workers=jobs,
        parallel_backend="loky" if jobs > 1 else "none",
        dry_run=dry_run,
        show_traceback=os.environ.get("TRACEBACK", "") not in ("", "0"),
        verbose=0 if quiet else 1,
    )
    if record is not None and int(session.exit_code) == 0:
        declared, products = _declared(session)
        vintage, country = os.environ["REPLICATION_VINTAGE"], os.environ["REPLICATION_COUNTRY"]
        strict = os.environ["REPLICATION_STRICT"] == "1"
        uptodate.record(
            record,
            vintage,
            country,
            strict,
            tasks=len(session.tasks),
            declared=declared,
            products=products,
            started_ns=started,
        )
    return session


def build(
    vintage: str = config.DEFAULT_VINTAGE,
    country: str = config.DEFAULT_COUNTRY,
    *,
    jobs: int = 1,
    strict: bool = False,
    dry_run: bool = False,
    quiet: bool = False,
) -> int:
    """Build every output of the run ``(vintage, country)``; the exit code (0: built or already up to date).

    A run whose files all have the status its last successful build recorded is answered at once
    (:mod:`replication.pipeline.uptodate`); any other is pytask's to judge.
    """
    if jobs < 1:
        raise ConfigError(f"JOBS={jobs}: expected a whole number of at least 1")
    root = PACKAGE.parent
    record = uptodate.record_path(root, vintage, country, strict)
    with build_lock(root):
        if not dry_run and (tasks := uptodate.unchanged(record, vintage, country, strict)) is not None:
            print(f"nothing to do: all {tasks} tasks of {vintage}/{country} are up to date")
            return 0
        _check_run(vintage, country)
        check_inputs()
        os.environ["REPLICATION_VINTAGE"], os.environ["REPLICATION_COUNTRY"] = vintage, country
        os.environ["REPLICATION_STRICT"] = "1" if strict else ""
        if not dry_run:
            uptodate.discard(record)
        session = _run_pytask(jobs, dry_run=dry_run, quiet=quiet, record=None if dry_run else record)
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
        if ran and (left := not_built(vintage, country)):
            print(f"note: {vintage}/{country} does not build {left}")
    elif code and not failures:
        print(f"error: the build of {vintage}/{country} stopped (pytask exit code {code}; see above)", file=sys.stderr)
    return code
