"""The no-op short cut of the build: a record of every file's status, true only while nothing has changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from replication.pipeline import uptodate

RUN = ("wiod2013", "BEL", False)


@pytest.fixture
def project(tmp_path: Path) -> dict[str, Path]:
    """A project tree: a spec, a config file, a task module, a raw input and a product."""
    files = {
        "spec": tmp_path / "estimations" / "belgium" / "production.toml",
        "config": tmp_path / "config" / "claims.toml",
        "task": tmp_path / "replication" / "task_x.py",
        "raw": tmp_path / "data" / "raw" / "a.csv",
        "product": tmp_path / "outputs" / "claims.csv",
    }
    for name, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{name} = 1\n")
    (tmp_path / ".pytask").mkdir()
    files["record"] = uptodate.record_path(tmp_path, *RUN)
    return files


def _record(files: dict[str, Path], started_ns: int | None = None) -> bool:
    declared = [files[k] for k in ("spec", "config", "task", "raw", "product")]
    return uptodate.record(
        files["record"],
        *RUN,
        tasks=7,
        declared=declared,
        products={files["product"]},
        # by default the build started after the fixture's files were written (50 ms later, past the 10 ms slack)
        started_ns=time.time_ns() + 50_000_000 if started_ns is None else started_ns,
    )


def test_an_untouched_run_is_up_to_date(project):
    assert _record(project)
    assert uptodate.unchanged(project["record"], *RUN) == 7


@pytest.mark.parametrize("name", ["spec", "config", "task", "raw", "product"])
def test_an_edit_with_its_modification_time_restored_is_seen(project, name):
    assert _record(project)
    path = project[name]
    before = path.stat()
    path.write_text(path.read_text().replace("1", "2"))  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as cp -p, rsync -a or tar x leave it
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert uptodate.unchanged(project["record"], *RUN) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda p: (p["spec"].parent / "labour_demand.toml").write_text("x = 1\n"),  # a new spec file
        lambda p: (p["config"].parent / "new" / "a.csv").parent.mkdir(),  # a new folder
        lambda p: p["raw"].unlink(),  # a deleted input
        lambda p: p["product"].unlink(),  # a deleted output
        lambda p: p["product"].write_text(""),  # a truncated output
    ],
    ids=["new spec file", "new folder", "deleted input", "deleted output", "truncated output"],
)
def test_a_new_deleted_or_truncated_file_is_seen(project, change):
    assert _record(project)
    change(project)
    assert uptodate.unchanged(project["record"], *RUN) is None


def test_another_run_or_a_damaged_record_is_not_up_to_date(project):
    assert _record(project)
    assert uptodate.unchanged(project["record"], "wiod2013", "DEU", False) is None
    assert uptodate.unchanged(project["record"], "wiod2013", "BEL", True) is None
    project["record"].write_text(project["record"].read_text()[:40])
    assert uptodate.unchanged(project["record"], *RUN) is None
    uptodate.discard(project["record"])
    assert not project["record"].exists()
    assert uptodate.unchanged(project["record"], *RUN) is None


def test_an_input_edited_while_the_build_ran_leaves_no_record(project):
    time.sleep(0.05)
    started = time.time_ns()  # the build starts; it writes its product, and someone edits the spec meanwhile
    project["product"].write_text("product = 2\n")
    assert _record(project, started)
    uptodate.discard(project["record"])
    project["spec"].write_text("spec = 3\n")
    assert not _record(project, started)
    assert not project["record"].exists()


def test_a_declared_file_outside_the_project_is_recorded_and_watched(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("user-data") / "io_use.csv"
    elsewhere.write_text("a,b\n")
    declared = [project["spec"], elsewhere]
    assert uptodate.record(
        project["record"], *RUN, tasks=2, declared=declared, products=set(), started_ns=time.time_ns() + 50_000_000
    )
    assert uptodate.unchanged(project["record"], *RUN) == 2
    elsewhere.write_text("a,c\n")
    assert uptodate.unchanged(project["record"], *RUN) is None
