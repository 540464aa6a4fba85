"""The project's roots and defaults (and process counts set in the environment); nothing else (every path of a
run: :mod:`replication.core.layout`).

The project root is the folder holding ``pyproject.toml`` (the package is installed in editable
mode), overridable with ``REPLICATION_ROOT``. ``REPLICATION_MIRROR`` names a local folder laid out
as ``<dataset>/<file>`` from which raw files are copied instead of downloaded.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

DEFAULT_COUNTRY = "BEL"
DEFAULT_VINTAGE = "wiod2013"


PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def project_root() -> Path:
    """The project folder (``REPLICATION_ROOT`` or the parent of the package)."""
    env = os.environ.get("REPLICATION_ROOT")
    if not env:
        return PACKAGE_ROOT
    return _resolved(env, "" if os.path.isabs(env) else os.getcwd())


@functools.lru_cache(maxsize=16)
def _resolved(path: str, cwd: str) -> Path:
    """``path`` resolved (relative to ``cwd`` when it is relative): the stages ask for the root thousands of times,
    and resolving it each time was a fifth of the report stage."""
    return (Path(cwd) / path).resolve() if cwd else Path(path).resolve()


def config_dir() -> Path:
    return project_root() / "config"


def manifest_path() -> Path:
    return project_root() / "data" / "manifest.toml"


def raw_dir() -> Path:
    return project_root() / "data" / "raw"


def interim_dir() -> Path:
    return project_root() / "data" / "interim"


def outputs_dir() -> Path:
    return project_root() / "outputs"


def published_dir() -> Path:
    return project_root() / "data" / "published"


def relative_to_root(path: Path) -> str:
    """``path`` relative to the project root where it lies below it, as POSIX text (outputs do not depend on the
    cwd); other paths unchanged."""
    try:
        return Path(path).resolve().relative_to(project_root()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def mirror_dir() -> Path | None:
    """The local mirror named by ``REPLICATION_MIRROR``; when the variable is unset, ``../shared/data`` beside the
    project if it exists (the Makefile's default, so that every command works offline the same way); ``None``
    when it is set to the empty string or no mirror exists."""
    env = os.environ.get("REPLICATION_MIRROR")
    if env is None:
        beside = project_root().parent / "shared" / "data"
        return beside.resolve() if beside.is_dir() else None
    env = env.strip()
    return Path(env).resolve() if env else None


def worker_count(variable: str, default: int = 2) -> int:
    """Processes a stage may run side by side, from the environment variable ``variable`` (``default``, the
    reference machine's cores, when unset; 1 = one after the other)."""
    from replication.core.errors import ReplicationError

    value = os.environ.get(variable, str(default))
    if not value.isdigit() or int(value) < 1:
        raise ReplicationError(f"{variable}={value!r}: expected a whole number >= 1")
    return int(value)
