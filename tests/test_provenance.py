"""outputs/MANIFEST.json: every output with its sha256 and producer; raw-input checksums; version; commit."""

from __future__ import annotations

import hashlib
import json

from replication import __version__
from replication.provenance import build_manifest, producer, write_manifest


def test_manifest_lists_outputs_with_checksums_and_producers(project, monkeypatch):
    monkeypatch.setenv("REPLICATION_GIT_COMMIT", "abc123")
    outputs = project / "outputs"
    (outputs / "tables" / "estimates").mkdir(parents=True)
    (outputs / "tables" / "offshoring_BEL.csv").write_text("a,b\n1,2\n")
    (outputs / "tables" / "estimates" / "skill_shares_pooled.md").write_text("# table\n")
    (outputs / "README.md").write_text("not an output\n")
    (outputs / "wiod2016").mkdir()
    (outputs / "wiod2016" / "x.csv").write_text("another vintage\n")
    manifest = build_manifest("wiod2013")
    assert manifest["git_commit"] == "abc123" and manifest["package_version"] == __version__
    assert set(manifest["files"]) == {"tables/offshoring_BEL.csv", "tables/estimates/skill_shares_pooled.md"}
    entry = manifest["files"]["tables/offshoring_BEL.csv"]
    assert entry["sha256"] == hashlib.sha256(b"a,b\n1,2\n").hexdigest() and entry["bytes"] == 8
    assert manifest["files"]["tables/estimates/skill_shares_pooled.md"]["spec"] == (
        "estimations/belgium/skill_shares_pooled.toml"
    )
    assert len(manifest["raw_inputs_sha256"]) == 58  # 17 WIOT + SEA + 2 + 36 EU KLEMS + NIOT + EmplUK
    path = write_manifest("wiod2013")
    assert json.loads(path.read_text()) == manifest
    assert path.read_bytes() == write_manifest("wiod2013").read_bytes()  # byte-stable


def test_producers():
    assert producer("claims.csv")[0] == "replication/claims.py"
    assert producer("report/index.html")[0] == "replication/report/document.py"
    assert producer("figures/imported_inputs_2005.png")[0] == "replication/report/figures.py"


def test_skill_channel_producers():
    assert producer("skills/estimates/skill_shares_eu.json") == (
        "replication/models.py",
        "estimations/skills/skill_shares_eu.toml",
    )
    assert producer("tables/estimates/ict_skills_check.md")[1] == "estimations/skills/ict_skills_check.toml"
    assert producer("skills/selection.csv")[0] == "replication/skill_selection.py"
    assert producer("skills/decomposition.csv")[0] == "replication/skill_analysis.py"
    assert producer("data/skill_panel.csv")[0] == "replication/skill_selection.py"
