"""Provenance stamps: the line every table footer and figure carries (spec, package version, git commit,
vintage, one checksum over the raw inputs), and the raw and user inputs' checksums behind it. The outputs
manifest that lists every generated file is the pipeline's (:mod:`replication.pipeline.outputs_manifest`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from replication import __version__
from replication.core import config
from replication.core.fileio import sha256
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
