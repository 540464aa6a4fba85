"""Shared fixtures: an isolated project folder, the real-data mirror, and small synthetic layouts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def mirror_path() -> Path | None:
    """The mirror of verified raw files: $REPLICATION_MIRROR, else ../shared/data beside the project."""
    env = os.environ.get("REPLICATION_MIRROR")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "data")
    return next((p.resolve() for p in candidates if (p / "wiod2013").is_dir()), None)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away project root holding copies of config/ and data/ (manifest, published)."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "config", root / "config")
    (root / "data").mkdir(parents=True)
    shutil.copy(REPO / "data" / "manifest.toml", root / "data" / "manifest.toml")
    shutil.copytree(REPO / "data" / "published", root / "data" / "published")
    monkeypatch.setenv("REPLICATION_ROOT", str(root))
    monkeypatch.setenv("REPLICATION_QUIET", "1")
    monkeypatch.delenv("REPLICATION_MIRROR", raising=False)
    return root


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The real raw files; CI always has them (tests fail there, rather than skip, without them)."""
    path = mirror_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI run without the data mirror (../shared/data or REPLICATION_MIRROR)")
        pytest.skip("no data mirror (set REPLICATION_MIRROR or put shared/data beside the project)")
    return path


@pytest.fixture(scope="session")
def real_project(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Path:
    """A project folder with the real wiod2013 tidy tables and offshoring built once per session."""
    root = tmp_path_factory.mktemp("real") / "project"
    shutil.copytree(REPO / "config", root / "config")
    (root / "data").mkdir(parents=True)
    shutil.copy(REPO / "data" / "manifest.toml", root / "data" / "manifest.toml")
    shutil.copytree(REPO / "data" / "published", root / "data" / "published")
    saved = {k: os.environ.get(k) for k in ("REPLICATION_ROOT", "REPLICATION_MIRROR", "REPLICATION_QUIET")}
    os.environ.update(REPLICATION_ROOT=str(root), REPLICATION_MIRROR=str(mirror), REPLICATION_QUIET="1")
    try:
        from replication.inputs.raw_files import fetch
        from replication.inputs.tidy import build_tidy
        from replication.measures.offshoring import build_offshoring

        fetch(["wiod2013", "wiod_sea_2013_mat", "euklems_2008_2009_bel"], progress=False)
        build_tidy("wiod2013")
        build_tidy("wiod2013_euklems")
        build_offshoring("wiod2013")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return root


@pytest.fixture
def use_real_project(real_project: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the package at the session's real-data project."""
    monkeypatch.setenv("REPLICATION_ROOT", str(real_project))
    monkeypatch.setenv("REPLICATION_MIRROR", str(mirror))
    monkeypatch.setenv("REPLICATION_QUIET", "1")
    return real_project


@pytest.fixture(scope="session")
def real_panel(real_project: Path):
    """The real wiod2013 estimation panel, built once per session."""
    import pandas as pd

    saved = os.environ.get("REPLICATION_ROOT")
    os.environ["REPLICATION_ROOT"] = str(real_project)
    try:
        from replication.panels.panel import build_panel, build_panel_io

        build_panel_io("wiod2013")
        build_panel("wiod2013")
    finally:
        if saved is None:
            os.environ.pop("REPLICATION_ROOT", None)
        else:
            os.environ["REPLICATION_ROOT"] = saved
    return pd.read_parquet(real_project / "data" / "interim" / "wiod2013" / "panel.parquet")


REAL_DATA_FIXTURES = {"mirror", "real_project", "use_real_project"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that uses the data mirror is a ``realdata`` test (the fast tier deselects them)."""
    for item in items:
        if REAL_DATA_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.realdata)
