"""outputs/MANIFEST.json: every declared output with its sha256 and producer; raw-input checksums; version; commit."""

from __future__ import annotations

import hashlib
import json

from replication import __version__
from replication.core import config
from replication.core.layout import Layout
from replication.pipeline.outputs_manifest import build_manifest, registry_entry, write_manifest


def test_manifest_lists_the_registry_with_checksums(project, monkeypatch):
    monkeypatch.setenv("REPLICATION_GIT_COMMIT", "abc123")
    outputs = project / "outputs"
    (outputs / "tables").mkdir(parents=True)
    (outputs / "tables" / "offshoring_BEL.csv").write_text("a,b\n1,2\n")
    (outputs / "tables" / ".offshoring_BEL.csv.x1.tmp").write_text("half")  # never listed: not a declared product
    entry = registry_entry(
        "task_offshoring_tables",
        project / "replication" / "analysis" / "table1.py",
        [project / "config" / "offshoring.toml", project / "data" / "interim" / "x.parquet"],
    )
    assert entry == {
        "task": "task_offshoring_tables",
        "program": "replication/analysis/table1.py",
        "reads": ["config/offshoring.toml"],  # configuration and specs, not interim data
    }
    manifest = build_manifest(Layout(), {"outputs/tables/offshoring_BEL.csv": entry})
    assert manifest["git_commit"] == "abc123" and manifest["package_version"] == __version__
    assert set(manifest["files"]) == {"tables/offshoring_BEL.csv"}
    listed = manifest["files"]["tables/offshoring_BEL.csv"]
    assert listed["sha256"] == hashlib.sha256(b"a,b\n1,2\n").hexdigest() and listed["bytes"] == 8
    assert listed["task"] == "task_offshoring_tables"
    assert len(manifest["raw_inputs_sha256"]) == 58  # 17 WIOT + SEA + 2 + 36 EU KLEMS + NIOT + EmplUK
    path = write_manifest(Layout(), {"outputs/tables/offshoring_BEL.csv": entry})
    assert path == outputs / "MANIFEST.json" and json.loads(path.read_text()) == manifest
    assert path.read_bytes() == write_manifest(Layout(), {"outputs/tables/offshoring_BEL.csv": entry}).read_bytes()
    assert write_manifest(Layout("wiod2013", "DEU"), {}) == outputs / "MANIFEST_DEU.json"
    assert config.project_root() == project
