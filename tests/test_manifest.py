"""Fetching raw files: checksums verified, bad files rejected with a clear message, good files kept."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from replication.core.errors import DataError, ReplicationError
from replication.inputs import raw_files as manifest

CONTENT = b"year,value\n1995,1\n"


def _write_manifest(root: Path, content: bytes = CONTENT, url: str = "") -> None:
    digest = hashlib.sha256(content).hexdigest()
    (root / "data" / "manifest.toml").write_text(
        "[datasets.toy]\n"
        'description = "toy"\npublisher = "p"\ncitation = "c"\nlicence = "l"\n\n'
        "[[datasets.toy.files]]\n"
        f'name = "toy.csv"\nsha256 = "{digest}"\nbytes = {len(content)}\nurl = "{url}"\n'
    )


def _mirror(tmp_path: Path, content: bytes) -> Path:
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True, exist_ok=True)
    (mirror / "toy" / "toy.csv").write_bytes(content)
    return mirror


def test_fetch_copies_verifies_then_keeps(project, tmp_path, monkeypatch):
    _write_manifest(project)
    monkeypatch.setenv("REPLICATION_MIRROR", str(_mirror(tmp_path, CONTENT)))
    assert manifest.fetch(["toy"], progress=False) == {"toy/toy.csv": "copied"}
    assert (project / "data" / "raw" / "toy" / "toy.csv").read_bytes() == CONTENT
    assert manifest.fetch(["toy"], progress=False) == {"toy/toy.csv": "kept"}


def test_wrong_checksum_names_file_and_both_hashes(project, tmp_path, monkeypatch):
    _write_manifest(project)
    bad = b"year,value\n1995,2\n"  # same size, other bytes
    monkeypatch.setenv("REPLICATION_MIRROR", str(_mirror(tmp_path, bad)))
    with pytest.raises(DataError) as err:
        manifest.fetch(["toy"], progress=False)
    message = str(err.value)
    assert "toy.csv" in message
    assert hashlib.sha256(CONTENT).hexdigest() in message
    assert hashlib.sha256(bad).hexdigest() in message
    assert not (project / "data" / "raw" / "toy" / "toy.csv").exists()
    assert not list((project / "data" / "raw" / "toy").glob("*.tmp"))  # no half-written file left


def test_truncated_file_is_rejected(project, tmp_path, monkeypatch):
    _write_manifest(project)
    monkeypatch.setenv("REPLICATION_MIRROR", str(_mirror(tmp_path, CONTENT[:-4])))
    with pytest.raises(DataError, match=r"toy\.csv: size 14 bytes, expected 18 \(truncated") as err:
        manifest.fetch(["toy"], progress=False)
    assert hashlib.sha256(CONTENT).hexdigest() in str(err.value)
    assert hashlib.sha256(CONTENT[:-4]).hexdigest() in str(err.value)


def test_missing_file_in_mirror(project, tmp_path, monkeypatch):
    _write_manifest(project)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("REPLICATION_MIRROR", str(empty))
    with pytest.raises(DataError, match=r"toy\.csv: missing from the mirror"):
        manifest.fetch(["toy"], progress=False)


def test_bad_mirror_never_overwrites_existing_file(project, tmp_path, monkeypatch):
    _write_manifest(project)
    target = project / "data" / "raw" / "toy" / "toy.csv"
    target.parent.mkdir(parents=True)
    stale = b"something else entirely"
    target.write_bytes(stale)  # a damaged local copy
    monkeypatch.setenv("REPLICATION_MIRROR", str(_mirror(tmp_path, b"year,value\n1995,9\n")))
    with pytest.raises(DataError):
        manifest.fetch(["toy"], progress=False)
    assert target.read_bytes() == stale


def test_no_url_and_no_mirror_explains_what_to_do(project):
    _write_manifest(project, url="")
    with pytest.raises(ReplicationError, match="no download URL; set REPLICATION_MIRROR"):
        manifest.fetch(["toy"], progress=False)


def test_unknown_dataset_lists_known_ones(project):
    with pytest.raises(ReplicationError, match=r"unknown dataset 'nope'; the manifest lists \[.*'wiod2013'"):
        manifest.fetch(["nope"], progress=False)


def test_manifest_entries_are_complete():
    datasets = manifest.load_manifest()
    assert set(datasets) == {
        "wiod2013",
        "wiod_sea_2013_mat",
        "euklems_2008_2009_bel",
        "euklems_2008_2009_countries",
        "wiod2016_niot",
        "validation",
    }
    assert len(datasets["wiod2013"].files) == 17
    for dataset in datasets.values():
        assert dataset.citation and dataset.licence and dataset.publisher
        for raw in dataset.files:
            assert len(raw.sha256) == 64 and raw.bytes > 0
            assert raw.url.startswith("https://") or dataset.obtain


def test_every_mirror_file_matches_the_manifest(mirror):
    for dataset in manifest.load_manifest().values():
        for raw in dataset.files:
            manifest.verify(raw, mirror / dataset.name / raw.name)
