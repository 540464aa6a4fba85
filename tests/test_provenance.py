"""outputs/MANIFEST.json: every output with its sha256 and producer; raw-input checksums; version; commit."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from replication import __version__
from replication.core.layout import Layout
from replication.inputs.stamps import build_manifest, producer, write_manifest

REPO = Path(__file__).resolve().parent.parent


def test_manifest_lists_outputs_with_checksums_and_producers(project, monkeypatch):
    shutil.copytree(REPO / "estimations", project / "estimations")
    monkeypatch.setenv("REPLICATION_GIT_COMMIT", "abc123")
    outputs = project / "outputs"
    (outputs / "tables" / "estimates").mkdir(parents=True)
    (outputs / "tables" / "offshoring_BEL.csv").write_text("a,b\n1,2\n")
    (outputs / "tables" / "estimates" / "skill_shares_pooled.md").write_text("# table\n")
    (outputs / "README.md").write_text("not an output\n")
    (outputs / "wiod2016").mkdir()
    (outputs / "wiod2016" / "x.csv").write_text("another vintage\n")
    (outputs / "report_DEU").mkdir()  # another country's run in the same vintage folder
    (outputs / "report_DEU" / "index.html").write_text("German report\n")
    (outputs / "claims_DEU.csv").write_text("id\n")
    manifest = build_manifest(Layout())
    assert manifest["git_commit"] == "abc123" and manifest["package_version"] == __version__
    assert set(manifest["files"]) == {"tables/offshoring_BEL.csv", "tables/estimates/skill_shares_pooled.md"}
    entry = manifest["files"]["tables/offshoring_BEL.csv"]
    assert entry["sha256"] == hashlib.sha256(b"a,b\n1,2\n").hexdigest() and entry["bytes"] == 8
    assert manifest["files"]["tables/estimates/skill_shares_pooled.md"]["spec"] == (
        "estimations/belgium/skill_shares_pooled.toml"
    )
    assert len(manifest["raw_inputs_sha256"]) == 58  # 17 WIOT + SEA + 2 + 36 EU KLEMS + NIOT + EmplUK
    path = write_manifest(Layout())
    assert path == outputs / "MANIFEST.json"
    assert json.loads(path.read_text()) == manifest
    assert path.read_bytes() == write_manifest(Layout()).read_bytes()  # byte-stable
    german = build_manifest(Layout("wiod2013", "DEU"))
    assert set(german["files"]) == {"report_DEU/index.html", "claims_DEU.csv"}
    assert german["files"]["report_DEU/index.html"]["program"] == "replication/report/document.py"
    assert write_manifest(Layout("wiod2013", "DEU")) == outputs / "MANIFEST_DEU.json"


def _producer(relative: str) -> tuple[str, str]:
    layout = Layout()
    return producer(layout, layout.outputs / relative)


def test_producers():
    assert _producer("claims.csv")[0] == "replication/claims/engine.py"
    assert _producer("report/index.html")[0] == "replication/report/document.py"
    assert _producer("figures/imported_inputs_2005.png")[0] == "replication/report/figures.py"
    assert _producer("tables/estimates/production_manufacturing.md") == (
        "replication/report/regression_tables.py",
        "estimations/belgium/production.toml",  # the file that stands for production_manufacturing
    )
    assert _producer("estimates/production_manufacturing.json")[0] == "replication/specs/estimate.py"
    assert _producer("tables/results/decomposition.csv")[0] == "replication/analysis/tables.py"
    german = Layout("wiod2013", "DEU")
    assert (
        producer(german, german.outputs / "tables/results_DEU/sample_coverage.csv")[0]
        == "replication/analysis/tables.py"
    )


def test_skill_channel_producers():
    assert _producer("skills/estimates/skill_shares_eu.json") == (
        "replication/specs/estimate.py",
        "estimations/skills/skill_shares_eu.toml",
    )
    assert _producer("skills/tables/ict_skills_check.md")[1] == "estimations/skills/ict_skills_check.toml"
    assert _producer("skills/selection.csv")[0] == "replication/panels/skill_selection.py"
    assert _producer("skills/decomposition.csv")[0] == "replication/analysis/skill_analysis.py"
    assert _producer("data/skill_panel.csv")[0] == "replication/panels/skill_selection.py"
