"""Source parsers on small synthetic files in the real layouts, and on the real files of the mirror."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import rdata
from scipy.io import savemat

from replication.core.errors import DataError
from replication.inputs.sources import euklems2009, get_reader, wiod2013_sea, wiod2013_wiot, wiod2016_niot
from replication.inputs.vintages import Classification, load_classification

TWO = Classification(
    name="two",
    industries=pd.DataFrame({"code": ["c1", "c2"], "euklems": ["AtB", "C"]}),
    products={"materials": ("c1",), "business_services": ("c2",), "energy": ()},
    sectors={"manufacturing": ("c1",), "market_services": ("c2",)},
)


# ---------------------------------------------------------------- WIOD 2013 world IO tables (RData)
def _write_wiot(path, year=2000, inter=None, output=None):
    inter = (
        np.array([[5, 0, 1, 2], [0, 3, 0, 0], [4, 0, 0, 1], [0, 7, 2, 0]], dtype=np.int32) if inter is None else inter
    )
    final = np.ones((4, 2), dtype=np.int32)
    output = (inter.sum(axis=1) + final.sum(axis=1)).astype(float) if output is None else output
    obj = {
        "year": np.array([year], dtype=np.int32),
        "countries": np.array(["BEL", "ROM"]),
        "industries": np.array(["c1", "c2"]),
        "inter": inter,
        "final": final,
        "output": output,
    }
    rdata.write_rda(path, {f"wiot_{year}": obj})
    return path


def test_wiot_synthetic_to_long(tmp_path):
    frame = wiod2013_wiot.read_io_use([_write_wiot(tmp_path / "wiot_2000.RData")], TWO)
    # rows = supplier (country-major), columns = user; only non-zero flows; ROM -> ROU
    assert len(frame) == 8  # non-zero cells: 3 + 1 + 2 + 2
    flow = frame[
        (frame["country"] == "ROU")
        & (frame["using_industry"] == "c2")
        & (frame["supplying_country"] == "BEL")
        & (frame["product"] == "c1")
    ]
    assert flow["value"].tolist() == [2.0]
    assert frame["value"].sum() == 25
    assert set(frame["year"]) == {2000}


def test_wiot_rows_come_in_key_order(tmp_path):
    """Two years: the table is ordered by using country, year, using industry, supplier, product, so the tidy
    stage needs no sort (and the order is the one the sort gave)."""
    from replication.core.keys import sorted_and_unique
    from replication.inputs.schemas import IO_USE_KEYS

    files = [_write_wiot(tmp_path / f"wiot_{year}.RData", year=year) for year in (2001, 2000)]
    frame = wiod2013_wiot.read_io_use(files, TWO)
    assert len(frame) == 16 and sorted_and_unique(frame, IO_USE_KEYS)
    sorted_frame = frame.sort_values(list(IO_USE_KEYS)).reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, sorted_frame)


def test_wiot_row_identity_violation_is_located(tmp_path):
    path = _write_wiot(tmp_path / "wiot_2000.RData", output=np.array([1000.0, 5.0, 7.0, 11.0]))
    with pytest.raises(DataError, match=r"wiot_2000\.RData: row BEL/c1: output 1000 differs"):
        wiod2013_wiot.read_io_use([path], TWO)


def test_wiot_year_mismatch_and_damaged_file(tmp_path):
    path = _write_wiot(tmp_path / "wiot_2001.RData", year=2000)
    with pytest.raises(DataError, match="file name says 2001 but the table is for 2000"):
        wiod2013_wiot.read_io_use([path], TWO)
    damaged = tmp_path / "wiot_2002.RData"
    damaged.write_bytes(b"not an R file")
    with pytest.raises(DataError, match=r"wiot_2002\.RData: cannot be read as an RData file"):
        wiod2013_wiot.read_io_use([damaged], TWO)


@pytest.mark.realdata
@pytest.mark.filterwarnings("ignore:Missing constructor for R class:UserWarning")  # filtered by read_io_use
def test_wiot_real_file(mirror):
    arrays = wiod2013_wiot.read_wiot(mirror / "wiod2013" / "wiot_2007.RData")
    countries = [str(c) for c in arrays["countries"]]
    usa = countries.index("USA")
    # SOURCE.md: USA gross output 2007 = 25.8 trillion USD (millions here)
    assert arrays["output"][usa * 35 : (usa + 1) * 35].sum() / 1e6 == pytest.approx(25.8, abs=0.05)
    first = wiod2013_wiot.read_wiot(mirror / "wiod2013" / "wiot_1995.RData")
    assert int(first["inter"][0, 0]) == 3107  # AUS c1 -> AUS c1, "3'107" in the package's raw text


# ---------------------------------------------------------------- WIOD SEA (MATLAB)
def _write_sea(path, blocks, years=(1995, 1996)):
    """blocks: list of (country, variable, [total, c1, c2] per year)."""
    data, country, variable, industry = [], [], [], []
    for c, v, rows in blocks:
        for label, row in zip(["total industries", "agriculture", "mining"], rows, strict=True):
            data.append(row)
            country.append(c)
            variable.append(v)
            industry.append(label)
    struct = {
        "dataTable": np.array(data, dtype=float),
        "country": np.array(country, dtype=object),
        "variable": np.array(variable, dtype=object),
        "industry": np.array(industry, dtype=object),
        "years": np.array(years, dtype=float),
        "doc": "synthetic",
    }
    savemat(path, {"WIOD_SEA": struct})
    return path


def test_sea_labels_blocks_by_their_own_variable(tmp_path):
    # the second country lists its variables in another order, as WIOD SEA does for Belgium
    path = _write_sea(
        tmp_path / "sea.mat",
        [
            ("AUT", "GO", [[30, 31], [10, 11], [20, 20]]),
            ("AUT", "EMP", [[3, 3], [1, 1], [2, 2]]),
            ("ROM", "EMP", [[5, 5], [4, 4], [1, 1]]),
            ("ROM", "GO", [[9, 9], [6, 6], [3, 3]]),
        ],
    )
    frame = wiod2013_sea.read_accounts([path], TWO)
    value = frame.set_index(["country", "year", "industry", "variable"])["value"]
    assert value[("ROU", 1995, "c1", "EMP")] == 4 and value[("ROU", 1996, "c2", "GO")] == 3
    assert value[("AUT", 1996, "c1", "GO")] == 11
    assert len(frame) == 2 * 2 * 2 * 2  # countries x variables x industries x years, totals dropped


def test_sea_total_row_must_match_the_sum(tmp_path):
    path = _write_sea(tmp_path / "sea.mat", [("AUT", "GO", [[99, 31], [10, 11], [20, 20]])])
    with pytest.raises(DataError, match=r"AUT GO 1995: total industries 99.0 differs from the sum of industries 30.0"):
        wiod2013_sea.read_accounts([path], TWO)


def test_sea_block_structure_is_checked(tmp_path):
    path = _write_sea(tmp_path / "sea.mat", [("AUT", "GO", [[30, 31], [10, 11], [20, 20]])])
    with pytest.raises(DataError, match="are not blocks of 4"):
        wiod2013_sea.read_accounts(
            [path],
            load_classification("wiod2013").__class__(
                name="three", industries=pd.DataFrame({"code": ["a", "b", "c"]}), products={}, sectors={}
            ),
        )


@pytest.mark.realdata
def test_sea_real_file(mirror):
    frame = wiod2013_sea.read_accounts([mirror / "wiod_sea_2013_mat" / "WIOD_SEA.mat"], load_classification("wiod2013"))
    value = frame.set_index(["country", "year", "industry", "variable"])["value"]
    assert value[("BEL", 1995, "c3", "GO")] == pytest.approx(23218.7)  # SOURCE.md, = EU KLEMS
    # SOURCE.md: H_LS = 0.270804 for every Belgian manufacturing industry in 2007
    manufacturing = [f"c{i}" for i in range(3, 17)]
    h_ls = value.loc[("BEL", 2007, manufacturing, "H_LS")]
    assert np.allclose(h_ls, 0.270804, atol=5e-7)
    assert frame["country"].nunique() == 40 and "ROU" in set(frame["country"])


# ---------------------------------------------------------------- EU KLEMS (spreadsheets)
def _write_euklems(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    years = ["_1995", "_1996"]
    basic = openpyxl.Workbook()
    basic.active.title = "Notes"
    for variable, values in {
        "GO": [[100, 110], [50, 55]],
        "II": [[60, 66], [20, 25]],
        "VA": [[40, 44], [30, 30]],
    }.items():
        sheet = basic.create_sheet(variable)
        sheet.append(["desc", "code", *years])
        sheet.append(["TOTAL", "TOT", 150, 165])
        for code, row in zip(["AtB", "C"], values, strict=True):
            sheet.append([code.lower(), code, *row])
    basic_path = tmp_path / "bel_output_09I.xlsx"
    basic.save(basic_path)
    labour = openpyxl.Workbook()
    labour.active.title = "Notes"
    shares = {"HS": 10.0, "MS": 30.0, "LS": 60.0}  # percent of total, split over 6 age x sex cells
    for measure in ("H", "LAB"):
        for skill, share in shares.items():
            for age in ("29", "49", "50PLUS"):
                for sex in ("M", "F"):
                    sheet = labour.create_sheet(f"{measure}_{skill}_{age}_{sex}")
                    sheet.append(["desc", "code", *years])
                    sheet.append(["agriculture", "AtB", share / 6, share / 6])
    labour_path = tmp_path / "bel_labour_input_08I.xlsx"
    labour.save(labour_path)
    return [basic_path, labour_path]


def test_euklems_synthetic(tmp_path):
    frame = euklems2009.read_accounts(_write_euklems(tmp_path), TWO)
    value = frame.set_index(["year", "industry", "variable"])["value"]
    assert value[(1996, "C", "GO")] == 55
    assert value[(1995, "AtB", "H_LS")] == pytest.approx(0.60)  # six sheets summed, percent -> fraction
    assert value[(1995, "AtB", "LABHS")] == pytest.approx(0.10)
    assert "TOT" not in set(frame["industry"])  # aggregates outside the concordance are dropped
    assert set(frame["country"]) == {"BEL"}


def test_compensated_sum_is_pandas_grouped_sum_to_the_bit():
    """The skill shares' array path sums the age x sex sheets as pandas' grouped ``sum(min_count=...)`` does
    (Kahan-compensated, missing skipped, infinities kept): the same bits on values of very different sizes."""
    rng = np.random.default_rng(11)
    layers = [rng.normal(size=(40, 30)) * 10.0 ** rng.integers(-12, 12, size=(40, 30)) for _ in range(6)]
    for layer in layers:
        layer[rng.uniform(size=layer.shape) < 0.1] = np.nan
    layers[2][0, 0], layers[4][1, 1], layers[5][1, 1] = np.inf, np.inf, -np.inf
    for min_count in (1, 4, 6):
        ours = euklems2009.compensated_sum(layers, min_count)
        long = pd.DataFrame(
            {
                "cell": np.tile(np.arange(layers[0].size), len(layers)),
                "value": np.concatenate([a.ravel() for a in layers]),
            }
        )
        theirs = long.groupby("cell")["value"].sum(min_count=min_count).to_numpy().reshape(layers[0].shape)
        assert np.array_equal(ours.view(np.int64), theirs.view(np.int64)) or np.array_equal(
            ours, theirs, equal_nan=True
        )
        assert np.array_equal(np.isnan(ours), np.isnan(theirs))
        assert np.array_equal(ours[~np.isnan(ours)].view(np.int64), theirs[~np.isnan(theirs)].view(np.int64))


def test_spreadsheet_cells_become_numbers_or_missing():
    """Numbers stay numbers, text Python reads as a number is that number, empty and other text are missing, in
    the one-pass conversion and in the cell-by-cell one (a sheet with unreadable text) alike."""
    readable = np.array([1.5, "", None, 3, "2.5", True], dtype=object)
    np.testing.assert_array_equal(euklems2009.numbers(readable), [1.5, np.nan, np.nan, 3.0, 2.5, 1.0])
    with_text = np.array([1.5, "", None, 3, "2.5", "n.a.", "-"], dtype=object)
    np.testing.assert_array_equal(euklems2009.numbers(with_text), [1.5, np.nan, np.nan, 3.0, 2.5, np.nan, np.nan])


def _skill_sheets(codes, years, rng, *, shuffle=False):
    parts = {}
    for skill in euklems2009.SKILLS:
        sheets = []
        for _ in range(6):
            order = rng.permutation(len(codes)) if shuffle else np.arange(len(codes))
            cells = rng.uniform(0, 100 / 6, size=(len(codes), len(years)))
            cells[rng.uniform(size=cells.shape) < 0.05] = np.nan
            sheets.append(euklems2009.Sheet(np.array(codes, dtype=object)[order], np.array(years), cells[order]))
        parts[f"H_{skill}"] = sheets
    return parts


def test_skill_shares_array_path_equals_the_grouped_path():
    """Sheets of one layout take the array path; it gives the grouped path's frame (rows, order, dtypes, bits) and
    drop count. Sheets whose rows differ in order are not aligned and take the grouped path."""
    rng = np.random.default_rng(5)
    names = [f"H_{s}" for s in euklems2009.SKILLS]
    codes, years = ["C", "AtB", "15t16", "10"], [1997, 1995, 1996]
    parts = _skill_sheets(codes, years, rng)
    # shares of one cell that add up to one, the rest (random) do not: both kinds of rows are exercised
    for skill, share in zip(euklems2009.SKILLS, (0.2, 0.3, 0.5), strict=True):
        for sheet in parts[f"H_{skill}"]:
            sheet.cells[1, 2] = 100 * share / 6
    assert euklems2009._aligned([s for n in names for s in parts[n]])
    fast, fast_off = euklems2009._measure_aligned(parts, names, 6)
    slow, slow_off = euklems2009._measure_grouped(parts, names, 6)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast_off == slow_off > 0 and fast["value"].notna().sum() == 3
    shuffled = _skill_sheets(codes, years, rng, shuffle=True)
    assert not euklems2009._aligned([s for n in names for s in shuffled[n]])


@pytest.mark.realdata
def test_euklems_real_files(mirror):
    folder = mirror / "euklems_2008_2009_bel"
    frame = euklems2009.read_accounts(
        [folder / "bel_output_09I.xls", folder / "bel_labour_input_08I.xls"], load_classification("wiod2013")
    )
    value = frame.set_index(["year", "industry", "variable"])["value"]
    assert value[(1995, "15t16", "GO")] == pytest.approx(23218.7)
    assert value[(1995, "15t16", "H_LS")] == pytest.approx(0.547, abs=5e-4)  # SOURCE.md: about 54.7 %
    assert value[(1995, "24", "H_LS")] == pytest.approx(0.460, abs=5e-3)  # SOURCE.md: about 46.0 %
    assert (2006, "24", "CAPIT") in value.index and (2007, "24", "CAPIT") not in value.index


# ---------------------------------------------------------------- WIOD 2016 NIOT (CSV)
NIOT_HEADER = "\ufeffYear;Code;Description;Origin;c1;c2;CONS_h;GO\n;;;;first;second;;\n"


def _niot_rows(ii_fob_c1=9):
    return (
        "2000;c1;first;Domestic;3;1 200;5;1 209\n"
        "2000;c2;second;Domestic;2;0;1;3\n"
        "2000;c1;first;Imports;4;0;0;4\n"
        "2000;c2;second;Imports;0;1;0;1\n"
        f"2000;II_fob;;TOT;{ii_fob_c1};1 201;;\n"
        "2000;VA;;TOT;20;300;;\n"
        "2000;GO;;TOT;30;1 501;;\n"
    )


def test_niot_synthetic(tmp_path):
    path = tmp_path / "BEL_NIOT_nov16.csv"
    path.write_text(NIOT_HEADER + _niot_rows(), encoding="utf-8")
    io_use = wiod2016_niot.read_io_use([path], TWO)
    flow = io_use.set_index(["using_industry", "supplying_country", "product"])["value"]
    assert flow[("c2", "BEL", "c1")] == 1200  # thousands separator is a space
    assert flow[("c1", "FOREIGN", "c1")] == 4
    accounts = wiod2016_niot.read_accounts([path], TWO).set_index(["industry", "variable"])["value"]
    assert accounts[("c2", "II")] == 1201  # GO - VA


def test_niot_ii_fob_identity(tmp_path):
    path = tmp_path / "BEL_NIOT_nov16.csv"
    path.write_text(NIOT_HEADER + _niot_rows(ii_fob_c1=500), encoding="utf-8")
    with pytest.raises(DataError, match="year 2000, industry c1: domestic \\+ imported inputs differ from II_fob"):
        wiod2016_niot.read_io_use([path], TWO)


@pytest.mark.realdata
def test_niot_real_file(mirror):
    io_use = wiod2016_niot.read_io_use(
        [mirror / "wiod2016_niot" / "BEL_NIOT_nov16.csv"], load_classification("wiod2016")
    )
    assert sorted(io_use["year"].unique()) == list(range(2000, 2015))
    assert set(io_use["supplying_country"]) == {"BEL", "FOREIGN"}


def test_unknown_source_or_table():
    with pytest.raises(Exception, match="unknown source 'nope'"):
        get_reader("nope", "io_use")
    with pytest.raises(Exception, match="has no accounts table"):
        get_reader("wiod2013_wiot", "accounts")
