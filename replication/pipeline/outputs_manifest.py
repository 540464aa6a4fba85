"""``outputs/MANIFEST.json``: every output of the run with its sha256, size, the task that wrote it, that task's
stage code and the configuration and spec files it read, the raw-input checksums, the package version and the
git commit. Built from the task registry (the collected pytask tasks): only declared products are listed, so a
temporary or stray file never is; the same inputs and code give the same manifest, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

from replication import __version__
from replication.core import config
from replication.core.fileio import sha256, write_text
from replication.core.layout import Layout
from replication.inputs.stamps import git_commit, raw_inputs

SOURCE_FOLDERS = ("config", "estimations", "scenarios", "data/published")


def registry_entry(task_name: str, code: Path, dependencies: list[Path]) -> dict[str, object]:
    """What the manifest says of one output's producer: its task, its stage code, the configuration and spec
    files it read (paths relative to the project)."""
    root = config.project_root()
    sources = sorted(
        config.relative_to_root(p)
        for p in dependencies
        if p.is_relative_to(root) and config.relative_to_root(p).startswith(SOURCE_FOLDERS)
    )
    return {"task": task_name, "program": config.relative_to_root(code), "reads": sources}


def build_manifest(layout: Layout, registry: dict[str, dict]) -> dict:
    """``registry``: ``{output path relative to the project: registry_entry(...)}`` of this run's products under
    its outputs folder."""
    files = {}
    for relative, entry in sorted(registry.items()):
        path = config.project_root() / relative
        files[path.relative_to(layout.outputs).as_posix()] = {
            "sha256": sha256(path),
            "bytes": path.stat().st_size,
            **entry,
        }
    return {
        "package_version": __version__,
        "git_commit": git_commit(),
        "vintage": layout.vintage,
        "country": layout.country,
        "raw_inputs_sha256": raw_inputs(layout.vintage),
        "files": files,
    }


def write_manifest(layout: Layout, registry: dict[str, dict]) -> Path:
    write_text(layout.manifest, json.dumps(build_manifest(layout, registry), indent=1, sort_keys=True) + "\n")
    return layout.manifest
