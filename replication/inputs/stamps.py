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

from replication import __version__
from replication.core import config
from replication.core.fileio import sha256, write_text
from replication.core.layout import Layout
from replication.inputs.raw_files import load_manifest


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


def producer(layout: Layout, path: Path) -> tuple[str, str]:
    """The program and spec/config that wrote ``path`` (:meth:`Layout.producers`; the longest match wins)."""
    best: tuple[int, str, str] = (-1, "make all", "")
    text = path.as_posix()
    for target, program, spec in layout.producers():
        key = target.as_posix()
        if (text == key or text.startswith(key)) and len(key) > best[0]:
            best = (len(key), program, spec)
    program, spec = best[1], best[2]
    if spec.startswith("estimations/") and spec.endswith("/"):  # the spec file that stands for this output
        spec = _spec_file(spec, path.stem)
    return program, spec


def _spec_file(folder: str, name: str) -> str:
    """The spec file of ``folder`` that defines the spec ``name`` (its stem, or a value of its parameters)."""
    from replication.specs.files import instance_names

    for candidate in sorted((config.project_root() / folder).glob("*.toml")):
        if name in instance_names(candidate):
            return f"{folder}{candidate.name}"
    return f"{folder}*.toml"


def raw_inputs(vintage: str | None = None) -> dict[str, str]:
    """sha256 of every raw file of the manifest (the checksums all outputs descend from) and, for a vintage built
    from the user's own files (``path`` parts such as ``national_sut_csv``), of those files too."""
    out = {f"{d.name}/{f.name}": f.sha256 for d in load_manifest().values() for f in d.files}
    out.update(user_inputs(vintage))
    return out


def user_inputs(vintage: str | None) -> dict[str, str]:
    """``{path relative to the project: sha256}`` of the user files a vintage reads (none for manifest data)."""
    if vintage is None:
        return {}
    from replication.inputs.vintages import list_vintages, load_vintage

    if vintage not in list_vintages():
        return {}
    spec = load_vintage(vintage)
    paths = [part.path for part in (spec.io_use, spec.accounts) if part is not None and part.path is not None]
    if paths:  # the user's industry table travels with the data
        paths.append(Path(paths[0]).parent / "industries.csv")
    out = {}
    for path in paths:
        path = Path(path)
        if path.exists():
            out[f"user/{config.relative_to_root(path)}"] = sha256(path)
    return out


def build_manifest(layout: Layout) -> dict:
    """Every output of the run (:meth:`Layout.owns`: not another country's or vintage's) with its sha256, size,
    program and spec."""
    root = layout.outputs
    files = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or not layout.owns(path):
            continue
        program, spec = producer(layout, path)
        files[path.relative_to(root).as_posix()] = {
            "sha256": sha256(path),
            "bytes": path.stat().st_size,
            "program": program,
            "spec": spec,
        }
    return {
        "package_version": __version__,
        "git_commit": git_commit(),
        "vintage": layout.vintage,
        "country": layout.country,
        "raw_inputs_sha256": raw_inputs(layout.vintage),
        "files": files,
    }


def write_manifest(layout: Layout) -> Path:
    write_text(layout.manifest, json.dumps(build_manifest(layout), indent=1, sort_keys=True) + "\n")
    return layout.manifest


def inputs_digest(vintage: str | None = None) -> str:
    """One checksum over every raw input's sha256 (the full list is in MANIFEST.json)."""
    joined = "\n".join(f"{k} {v}" for k, v in sorted(raw_inputs(vintage).items()))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def stamp(vintage: str, spec: str = "") -> str:
    """The provenance line every table footer and figure carries."""
    parts = [
        f"replication {__version__}",
        f"git {git_commit()[:12]}",
        f"vintage {vintage}",
        f"raw inputs {inputs_digest(vintage)}",
    ]
    if spec:
        parts.insert(0, f"spec {spec}")
    return "; ".join(parts)
