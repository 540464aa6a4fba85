"""Provenance of the outputs: ``outputs/MANIFEST.json`` lists every generated file with its sha256, the
program and spec that produced it, the vintage, the raw-input checksums, the package version and the git
commit. Written last by ``make all``; the same inputs and code give the same manifest, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

from replication import __version__, config
from replication.fileio import sha256, write_text
from replication.manifest import load_manifest

PRODUCERS = [  # (path fragment, program, spec or config); the first fragment found in the path wins
    ("tradeoff/frontier", "replication/report/tradeoff.py", "config/tradeoff.toml, scenarios/*.toml"),
    ("tradeoff/", "replication/tradeoff.py", "config/tradeoff.toml, scenarios/*.toml"),
    ("tables/estimates/skill_shares_eu", "replication/report/regression_tables.py", "estimations/skills/{stem}.toml"),
    ("tables/estimates/ict_skills_check", "replication/report/regression_tables.py", "estimations/skills/{stem}.toml"),
    ("skills/estimates", "replication/models.py", "estimations/skills/{stem}.toml"),
    ("skills/selection", "replication/skill_selection.py", "config/skill_panel.toml [selection]"),
    ("skills/", "replication/skill_analysis.py", "config/skill_analysis.toml"),
    ("data/skill_panel", "replication/skill_selection.py", "config/skill_panel.toml"),
    ("tables/offshoring_", "replication/report/offshoring_tables.py", "config/offshoring.toml"),
    ("tables/table1_", "replication/report/offshoring_tables.py", "config/offshoring.toml [table1]"),
    ("tables/origin_coverage_", "replication/report/offshoring_tables.py", "config/classifications/country_groups.csv"),
    ("figures/offshoring_trends_", "replication/report/figures.py", "config/offshoring.toml"),
    ("figures/imported_inputs_", "replication/report/figures.py", "config/offshoring.toml [figure_cross_country]"),
    ("figures/offshoring_effects", "replication/report/results.py", "estimations/belgium/*.toml"),
    ("tables/estimates", "replication/report/regression_tables.py", "estimations/belgium/{stem}.toml"),
    ("estimates", "replication/models.py", "estimations/belgium/{stem}.toml"),
    ("tables/results/decomposition", "replication/decomposition.py", "config/decomposition.toml"),
    ("tables/results/identifying_variation", "replication/report/results.py", "config/panel.toml"),
    ("tables/results/sample_coverage", "replication/report/results.py", "estimations/belgium/*.toml"),
    ("claims", "replication/claims.py", "config/claims.toml"),
    ("report", "replication/report/document.py", "all generated tables and figures"),
]


def git_commit() -> str:
    """The project's git commit (``-dirty`` with uncommitted changes), else ``REPLICATION_GIT_COMMIT``."""
    env = os.environ.get("REPLICATION_GIT_COMMIT")
    if env:
        return env
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=40"],
            cwd=config.project_root(),
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def producer(relative: str) -> tuple[str, str]:
    stem = Path(relative).stem
    for fragment, program, spec in PRODUCERS:
        if fragment in relative:
            return program, spec.format(stem=stem)
    return "make all", ""


def raw_inputs() -> dict[str, str]:
    """sha256 of every raw file of the manifest (the checksums all outputs descend from)."""
    return {f"{d.name}/{f.name}": f.sha256 for d in load_manifest().values() for f in d.files}


def build_manifest(vintage: str) -> dict:
    root = config.vintage_outputs_dir(vintage)
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or relative.startswith(("benchmarks/", "MANIFEST")) or relative == "README.md":
            continue
        if vintage == config.DEFAULT_VINTAGE and relative.split("/")[0] in _other_vintages():
            continue
        program, spec = producer(relative)
        files[relative] = {"sha256": sha256(path), "bytes": path.stat().st_size, "program": program, "spec": spec}
    return {
        "package_version": __version__,
        "git_commit": git_commit(),
        "vintage": vintage,
        "raw_inputs_sha256": raw_inputs(),
        "files": files,
    }


def _other_vintages() -> set[str]:
    from replication.vintages import list_vintages

    return {v for v in list_vintages() if v != config.DEFAULT_VINTAGE}


def write_manifest(vintage: str) -> Path:
    path = config.vintage_outputs_dir(vintage) / "MANIFEST.json"
    write_text(path, json.dumps(build_manifest(vintage), indent=1, sort_keys=True) + "\n")
    return path


def inputs_digest() -> str:
    """One checksum over every raw input's sha256 (the full list is in MANIFEST.json)."""
    joined = "\n".join(f"{k} {v}" for k, v in sorted(raw_inputs().items()))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def stamp(vintage: str, spec: str = "") -> str:
    """The provenance line every table footer and figure carries."""
    parts = [
        f"replication {__version__}",
        f"git {git_commit()[:12]}",
        f"vintage {vintage}",
        f"raw inputs {inputs_digest()}",
    ]
    if spec:
        parts.insert(0, f"spec {spec}")
    return "; ".join(parts)
