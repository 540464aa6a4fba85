"""write_csv writes what ``to_csv(index=False, float_format="%.12g", lineterminator="\\n")`` writes, byte for byte,
through its own cell formatting where it covers the columns and through pandas where it does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replication.core.fileio import csv_cells, write_csv

TEXTS = ["", "plain", "a,b", 'say "x"', "two\nlines", "cr\rhere", " lead", "é ü", "1.5", "nan"]


def _pandas(frame: pd.DataFrame, path) -> bytes:
    frame.to_csv(path, index=False, float_format="%.12g", lineterminator="\n")
    return path.read_bytes()


def _random_frame(rng: np.random.Generator) -> pd.DataFrame:
    n = int(rng.integers(0, 30))
    columns = {}
    for i in range(int(rng.integers(1, 7))):
        kind = int(rng.integers(0, 7))
        if kind == 0:
            values = rng.normal(0, 10.0 ** rng.integers(-12, 18), n)
            values[rng.random(n) < 0.2] = np.nan
            values[rng.random(n) < 0.05] = rng.choice([np.inf, -np.inf, -0.0, 0.0, 5e-324])
            columns[f"f{i}"] = values.astype(rng.choice([np.float64, np.float32]))
        elif kind == 1:
            columns[f"i{i}"] = rng.integers(-(2**40), 2**40, n)
        elif kind == 2:
            columns[f"b{i}"] = rng.random(n) < 0.5
        elif kind == 3:
            columns[f"s{i}"] = pd.Series(rng.choice(TEXTS, n), dtype="str")
        elif kind == 4:
            values = rng.choice(TEXTS, n).astype(object)
            values[rng.random(n) < 0.2] = rng.choice([None, np.nan])
            columns[f"o{i}"] = pd.Series(values, dtype=object)
        elif kind == 5:
            columns[f"u{i}"] = rng.integers(0, 255, n).astype(np.uint8)
        else:
            columns[str(rng.choice(TEXTS))] = rng.normal(size=n)  # column names that need quoting
    return pd.DataFrame(columns)


@pytest.mark.parametrize("seed", range(30))
def test_random_frames_are_written_as_pandas_writes_them(tmp_path, seed):
    frame = _random_frame(np.random.default_rng(seed))
    assert csv_cells(frame) is not None
    write_csv(tmp_path / "ours.csv", frame)
    assert (tmp_path / "ours.csv").read_bytes() == _pandas(frame, tmp_path / "pandas.csv")


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"only": ["", "x", ""]}),  # a row of one empty field is written as ""
        pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype="str")}),  # header only
    ],
)
def test_edge_cases_are_written_as_pandas_writes_them(tmp_path, frame):
    write_csv(tmp_path / "ours.csv", frame)
    assert (tmp_path / "ours.csv").read_bytes() == _pandas(frame, tmp_path / "pandas.csv")


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"c": pd.Categorical(["a", "b"]), "x": [1.0, 2.0]}),
        pd.DataFrame({"d": pd.to_datetime(["2007-01-01", "2008-01-01"])}),
        pd.DataFrame({"mixed": pd.Series(["a", 1.5, 2], dtype=object)}),
        pd.DataFrame({"n": pd.array([1, None], dtype="Int64")}),
        pd.DataFrame(),
        pd.DataFrame({1: [1.5], 2.5: ["x"]}),  # labels that are not strings (pandas writes 1.0 as 1)
    ],
)
def test_columns_it_does_not_cover_are_left_to_pandas(tmp_path, frame):
    assert csv_cells(frame) is None
    write_csv(tmp_path / "ours.csv", frame)
    assert (tmp_path / "ours.csv").read_bytes() == _pandas(frame, tmp_path / "pandas.csv")
