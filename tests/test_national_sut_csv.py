"""The user-data vintage end to end on the synthetic example in tests/fixtures/national_sut_csv/,
and the located errors a user sees for bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from replication.core.errors import DataError
from replication.core.layout import Layout
from replication.inputs.tidy import build_tidy, interim_path
from replication.measures.offshoring import build_offshoring

FIXTURES = Path(__file__).parent / "fixtures" / "national_sut_csv"


@pytest.fixture
def user_data(project: Path) -> Path:
    folder = project / "data" / "raw" / "national_sut_csv"
    shutil.copytree(FIXTURES, folder)
    return folder


def test_example_builds_and_gives_hand_computed_intensities(user_data, project):
    record = build_tidy("national_sut_csv")
    assert record["io_use"]["rows"] == 20 and record["accounts"]["rows"] == 13
    build_offshoring("national_sut_csv")
    result = pd.read_parquet(Layout("national_sut_csv").offshoring)
    value = result.set_index(["sector", "origin", "measure", "year"])["value"]
    # FOOD 2000: non-energy inputs 40+10+5+15+5+25 = 100 (FUEL is energy); materials from abroad 10 (NLD) + 5 (POL)
    assert value[("FOOD", "total", "om", 2000)] == pytest.approx(15.0)
    assert value[("FOOD", "oecd", "om", 2000)] == pytest.approx(10.0)
    assert value[("FOOD", "ceec", "om", 2000)] == pytest.approx(5.0)
    assert value[("FOOD", "total", "os", 2000)] == pytest.approx(5.0)  # ICT from IRL
    # CHEM 2000 imports chemicals of unsplit origin: the group origins of om are unknown, the total is not
    assert value[("CHEM", "total", "om", 2000)] == pytest.approx(100 * 30 / 60)
    assert pd.isna(value[("CHEM", "asia", "om", 2000)])
    assert value[("CHEM", "oecd", "os", 2000)] == 0.0  # no unsplit services: os by origin is known
    assert value[("CHEM", "asia", "om", 2001)] == pytest.approx(50.0)  # 2001 has no unsplit imports
    # manufacturing 2000 = (15 + 30) / (100 + 60); its group origins are unknown because CHEM's are
    assert value[("manufacturing", "total", "om", 2000)] == pytest.approx(100 * 45 / 160)
    assert pd.isna(value[("manufacturing", "ceec", "om", 2000)])
    assert value[("manufacturing", "ceec", "om", 2001)] == pytest.approx(100 * 10 / (100 + 50))
    # ICT (market services) 2000: business services from the USA 15 of 80
    assert value[("market_services", "oecd", "os", 2000)] == pytest.approx(100 * 15 / 80)


@pytest.mark.parametrize(
    ("file", "edit", "message"),
    [
        (
            "io_use.csv",
            lambda f: f.replace("BEL,2000,FOOD,NLD,FOOD,10", "BEL,2000,FOOD,NLD,FOOD,-10"),
            r"io_use\.csv: line 3, column 'value': '-10' is negative",
        ),
        (
            "io_use.csv",
            lambda f: f.replace("BEL,2000,FOOD,NLD,FOOD,10", "BEL,2000,FOOD,NLD,FOOD,ten"),
            r"io_use\.csv: line 3, column 'value': 'ten' is not a number",
        ),
        (
            "io_use.csv",
            lambda f: f.replace("BEL,2000,CHEM,BEL,CHEM,30", "BEL,2000,CHEMX,BEL,CHEM,30"),
            r"io_use\.csv: line 9, column 'using_industry': 'CHEMX' is not a code of the industry table",
        ),
        (
            "io_use.csv",
            lambda f: f + "BEL,2000,FOOD,NLD,FOOD,3\n",
            r"io_use\.csv: lines 3 and 22: the key \(country=BEL, year=2000, .*\) appears 2 times",
        ),
        (
            "io_use.csv",
            lambda f: f.replace("BEL,2000,FOOD,NLD,FOOD,10", "BEL,,FOOD,NLD,FOOD,10"),
            r"io_use\.csv: line 3, column 'year': '' is blank",
        ),
        (
            "io_use.csv",
            lambda f: f.replace("supplying_country,", "origin,"),
            r"io_use\.csv: line 1: the header is .* \(missing \['supplying_country'\]\)",
        ),
        (
            "accounts.csv",
            lambda f: f.replace("BEL,2000,FOOD,H_LS,0.5", "BEL,2000,FOOD,H_LS,0.6"),
            r"accounts\.csv: hours skill shares .* sum to 1\.100000, not 1",
        ),
        (
            "accounts.csv",
            lambda f: f.replace("BEL,2000,FOOD,GO,200", "BEL,2000,FOOD,GO,-200"),
            r"accounts\.csv: negative value of a non-negative variable at row 1",
        ),
        (
            "accounts.csv",
            lambda f: f.replace("BEL,2000,CHEM,VA,90", "BEL,2000,CHEM,VA,10"),
            r"accounts\.csv: GO differs from II \+ VA by 80\.000",
        ),
        (
            "accounts.csv",
            lambda f: f.replace("BEL,2000,CHEM,GO,150", "BEL,2000,CHEM,OUTPUT,150"),
            r"accounts\.csv: line 9, column 'variable': 'OUTPUT' is not one of \['GO', 'II'",
        ),
    ],
)
def test_bad_user_files_give_located_errors(user_data, project, file, edit, message):
    build_tidy("national_sut_csv")  # a good build first
    before = interim_path("national_sut_csv", "io_use").read_bytes()
    path = user_data / file
    path.write_text(edit(path.read_text()))
    with pytest.raises(DataError, match=message):
        build_tidy("national_sut_csv")
    assert interim_path("national_sut_csv", "io_use").read_bytes() == before  # nothing overwritten


def test_bad_industry_table(user_data):
    table = user_data / "industries.csv"
    table.write_text(table.read_text().replace("FOOD,Food products,manufacturing", "FOOD,Food products,industry"))
    with pytest.raises(DataError, match=r"industries\.csv: line 2, column 'sector': 'industry' is not one of"):
        build_tidy("national_sut_csv")


def test_missing_user_files(project):
    with pytest.raises(Exception, match=r"not found"):
        build_tidy("national_sut_csv")


def test_user_data_outputs_carry_the_user_files_sha256(user_data):
    import hashlib

    from replication.inputs.stamps import raw_inputs, stamp

    inputs = raw_inputs("national_sut_csv")
    for name in ("io_use.csv", "accounts.csv", "industries.csv"):
        expected = hashlib.sha256((user_data / name).read_bytes()).hexdigest()
        assert inputs[f"user/data/raw/national_sut_csv/{name}"] == expected
    assert not any(k.startswith("user/") for k in raw_inputs("wiod2013"))
    before = stamp("national_sut_csv")
    (user_data / "io_use.csv").write_text((user_data / "io_use.csv").read_text().replace(",10\n", ",11\n", 1))
    assert stamp("national_sut_csv") != before  # every table footer and figure names the user's data version


def test_tables_built_side_by_side_equal_one_after_the_other(user_data, project, monkeypatch):
    """A vintage's tables built in a forked process beside the first (forced here for small files) give the same
    files and record as one after the other, and an accounts error comes back from the fork whole, with no
    record written."""
    import replication.inputs.tidy as tidy

    monkeypatch.setenv("REPLICATION_TIDY_WORKERS", "1")
    serial = build_tidy("national_sut_csv")
    files = {t: interim_path("national_sut_csv", t).read_bytes() for t in ("io_use", "accounts")}
    record = Layout("national_sut_csv").tidy_record
    record.unlink()
    monkeypatch.setenv("REPLICATION_TIDY_WORKERS", "2")
    monkeypatch.setattr(tidy, "PARALLEL_TIDY_BYTES", 0)
    assert build_tidy("national_sut_csv") == serial
    assert {t: interim_path("national_sut_csv", t).read_bytes() for t in files} == files
    record.unlink()
    accounts = user_data / "accounts.csv"
    accounts.write_text(accounts.read_text().replace("BEL,2000,CHEM,GO,150", "BEL,2000,CHEM,OUTPUT,150"))
    with pytest.raises(DataError, match=r"accounts\.csv: line 9, column 'variable': 'OUTPUT' is not one of"):
        build_tidy("national_sut_csv")
    assert not record.exists()
    monkeypatch.setenv("REPLICATION_TIDY_WORKERS", "0")
    with pytest.raises(Exception, match=r"REPLICATION_TIDY_WORKERS='0': expected a whole number >= 1"):
        build_tidy("national_sut_csv")
