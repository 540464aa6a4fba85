"""A vintage may take a tidy table from another (``io_use = { vintage = "wiod2013" }``): the raw files are read
once per build, the table and its provenance are the other vintage's, and Make builds that vintage first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replication.core.errors import ConfigError, ReplicationError
from replication.core.layout import Layout, shared_tables
from replication.inputs.tidy import build_tidy, interim_path, load_table
from replication.inputs.vintages import load_vintage

REPO = Path(__file__).resolve().parent.parent


def test_wiod2013_euklems_reads_wiod2013s_tables(use_real_project: Path) -> None:
    record = json.loads(Layout("wiod2013_euklems").tidy_record.read_text())
    own = json.loads(Layout("wiod2013").tidy_record.read_text())
    assert record["io_use"] == {"from_vintage": "wiod2013", **own["io_use"]}
    assert not Layout("wiod2013_euklems").tidy_table("io_use").exists()  # no second copy, no second parse
    assert interim_path("wiod2013_euklems", "io_use") == Layout("wiod2013").tidy_table("io_use")
    assert len(load_table("wiod2013_euklems", "io_use")) == own["io_use"]["rows"]
    assert interim_path("wiod2013_euklems", "accounts") == Layout("wiod2013_euklems").tidy_table("accounts")


def _edit_vintages(project: Path, old: str, new: str) -> None:
    path = project / "config" / "vintages.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        ('io_use = { vintage = "wiod2013", source = "x" }', "takes no other key"),
        ('io_use = { vintage = "euklems_countries" }', "needs vintage 'euklems_countries' to read its own io_use"),
        ('io_use = { vintage = "nosuch" }', r"io_use.vintage: vintage 'nosuch' is unknown"),
        ('io_use = { vintage = "wiod2016" }', "has another classification"),
    ],
)
def test_a_shared_part_is_checked(project: Path, replacement: str, message: str) -> None:
    _edit_vintages(project, 'io_use = { vintage = "wiod2013" }', replacement)
    with pytest.raises(ConfigError, match=message):
        load_vintage("wiod2013_euklems")


def test_the_sharing_vintage_needs_the_other_built_first(project: Path) -> None:
    _edit_vintages(project, 'accounts = { source = "euklems2009", dataset = "euklems_2008_2009_bel" }', "")
    _edit_vintages(
        project, "[vintages.wiod2013_euklems]", '[vintages.wiod2013_euklems]\naccounts = { vintage = "wiod2013" }'
    )
    assert load_vintage("wiod2013_euklems").accounts.vintage == "wiod2013"
    with pytest.raises(ReplicationError, match=r"wiod2013/tidy.json: not built; run `make all VINTAGE=wiod2013`"):
        build_tidy("wiod2013_euklems")


def test_the_pipeline_builds_the_other_vintage_first() -> None:
    """A vintage that takes a tidy table from another depends on that vintage's tidy products (so it is built
    after it, and every raw file is read once per build)."""
    from replication.pipeline import plan

    assert shared_tables()["wiod2013_euklems"] == ["wiod2013"]
    wiod = plan.tidy_products("wiod2013")
    assert set(wiod) <= set(plan.tidy_of("wiod2013_euklems"))
    assert plan.tidy_tables("wiod2013_euklems") == [Layout("wiod2013_euklems").tidy_table("accounts")]
    assert "wiod2013" in plan.tidy_vintages(Layout("wiod2013_euklems"))
