"""The raw-data manifest (``data/manifest.toml``): fetch each file, verify its checksum, never overwrite
a good file with a bad one.

A file is taken from ``$REPLICATION_MIRROR/<dataset>/<name>`` when the mirror is set, otherwise from
its ``url``. It is written to a temporary file, its size and SHA-256 are compared with the manifest,
and only then renamed into ``data/raw/<dataset>/<name>``.
"""

from __future__ import annotations

import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from replication.core import config
from replication.core.errors import ConfigError, DataError, ReplicationError
from replication.core.fileio import atomic_path, read_toml, sha256


@dataclass(frozen=True)
class RawFile:
    """One raw file of the manifest."""

    dataset: str
    name: str
    sha256: str
    bytes: int
    url: str

    @property
    def path(self) -> Path:
        """Where the verified file lives in the project."""
        return config.raw_dir() / self.dataset / self.name


@dataclass(frozen=True)
class Dataset:
    """A group of raw files with one provenance (publisher, citation, licence)."""

    name: str
    description: str
    publisher: str
    citation: str
    licence: str
    files: tuple[RawFile, ...]
    repository: str = ""
    commit: str = ""
    obtain: str = ""


def load_manifest(path: Path | None = None) -> dict[str, Dataset]:
    """Read the manifest into ``{dataset name: Dataset}``, checking required keys."""
    path = path or config.manifest_path()
    raw = read_toml(path, what="manifest")
    datasets: dict[str, Dataset] = {}
    for name, entry in raw.get("datasets", {}).items():
        files = []
        for i, f in enumerate(entry.get("files", [])):
            missing = {"name", "sha256", "bytes", "url"} - set(f)
            if missing:
                raise ConfigError(f"{path}: datasets.{name}.files[{i}] lacks {sorted(missing)}")
            files.append(RawFile(name, f["name"], f["sha256"].lower(), int(f["bytes"]), f["url"]))
        meta = {
            k: entry.get(k, "")
            for k in ("description", "publisher", "citation", "licence", "repository", "commit", "obtain")
        }
        datasets[name] = Dataset(name=name, files=tuple(files), **meta)
    return datasets


def get_dataset(name: str, manifest: dict[str, Dataset] | None = None) -> Dataset:
    """A dataset of the manifest by name, with a clear error listing the known ones."""
    manifest = manifest if manifest is not None else load_manifest()
    if name not in manifest:
        raise ConfigError(f"unknown dataset {name!r}; the manifest lists {sorted(manifest)}")
    return manifest[name]


def verify(raw: RawFile, path: Path) -> None:
    """Raise :class:`DataError` unless ``path`` has the manifest's size and SHA-256.

    The message names the file, the expected and actual hash (and size), and what to do.
    """
    size = path.stat().st_size
    actual = sha256(path)
    if size != raw.bytes:
        raise DataError(
            path,
            f"size {size} bytes, expected {raw.bytes} (truncated or wrong file): sha256 expected {raw.sha256}, "
            f"got {actual}; delete it and run `make all` again, or fix the mirror copy",
        )
    if actual != raw.sha256:
        raise DataError(
            path,
            f"sha256 mismatch: expected {raw.sha256}, got {actual} (wrong or corrupted file; replace it with "
            "the published copy and run `make all` again)",
        )


def is_verified(raw: RawFile) -> bool:
    """True when the project's copy exists and matches the manifest."""
    if not raw.path.exists():
        return False
    try:
        verify(raw, raw.path)
    except DataError:
        return False
    return True


def fetch_file(raw: RawFile, *, mirror: Path | None = None) -> str:
    """Put one verified raw file in ``data/raw``; return what was done (``kept``/``copied``/``downloaded``)."""
    if is_verified(raw):
        return "kept"
    with atomic_path(raw.path) as tmp:
        if mirror is not None:
            source = mirror / raw.dataset / raw.name
            if not source.exists():
                raise DataError(
                    source, f"missing from the mirror REPLICATION_MIRROR={mirror}; expected sha256 {raw.sha256}"
                )
            shutil.copyfile(source, tmp)
            how = "copied"
        else:
            if not raw.url:
                raise ReplicationError(
                    f"{raw.dataset}/{raw.name}: no download URL; set "
                    "REPLICATION_MIRROR to a folder that holds it (see data/README.md)"
                )
            try:
                with urllib.request.urlopen(raw.url, timeout=120) as response, open(tmp, "wb") as out:
                    shutil.copyfileobj(response, out)
            except OSError as exc:
                raise ReplicationError(
                    f"{raw.dataset}/{raw.name}: download from {raw.url} failed "
                    f"({exc}); set REPLICATION_MIRROR to a local copy"
                ) from exc
            how = "downloaded"
        try:
            verify(raw, tmp)
        except DataError as exc:
            origin = mirror / raw.dataset / raw.name if mirror is not None else raw.url
            raise DataError(origin, str(exc).split(": ", 1)[1]) from None
    return how


def fetch(
    datasets: list[str] | None = None, *, manifest: dict[str, Dataset] | None = None, progress: bool = True
) -> dict[str, str]:
    """Fetch and verify every file of the named datasets (all by default).

    Returns ``{"dataset/name": action}``. Stops at the first bad file; files already verified stay.
    """
    manifest = manifest if manifest is not None else load_manifest()
    names = datasets or sorted(manifest)
    mirror = config.mirror_dir()
    actions: dict[str, str] = {}
    for name in names:
        for raw in get_dataset(name, manifest).files:
            actions[f"{name}/{raw.name}"] = action = fetch_file(raw, mirror=mirror)
            if progress:
                print(f"  {action:>10}  data/raw/{name}/{raw.name}", flush=True)
    return actions
