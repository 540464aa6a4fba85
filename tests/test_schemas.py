"""The schema's duplicate-key check (integer codes, flagged or sorted) agrees with pandas' ``duplicated`` and
names the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replication.core.errors import DataError
from replication.core.keys import has_duplicate_keys, sorted_and_unique
from replication.inputs.schemas import IO_USE_KEYS, validate_io_use


@pytest.mark.parametrize("limit", [2**26, 0], ids=["flags", "sorted"])
@pytest.mark.parametrize("seed", range(40))
def test_duplicate_check_agrees_with_pandas(seed: int, limit: int, monkeypatch) -> None:
    monkeypatch.setattr("replication.core.keys.BITMAP_LIMIT", limit)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    frame = pd.DataFrame(
        {
            "a": pd.Categorical(rng.choice(["x", "y", "z"], n), categories=["x", "y", "z", "w"]),
            "b": rng.integers(1995, 1998, n).astype(np.int16),
            "c": rng.choice(["p", "q", None], n),  # object column with missing values (equal to each other)
            "d": rng.choice([0.5, 1.5, np.nan], n),
        }
    )
    if seed % 3 == 0:  # categorical with missing codes
        frame.loc[frame.index[: n // 4], "a"] = None
    for keys in (("a",), ("a", "b"), ("a", "b", "c"), ("b", "c", "d"), ("a", "b", "c", "d")):
        assert has_duplicate_keys(frame, keys) == bool(frame.duplicated(list(keys)).any()), keys


@pytest.mark.parametrize("seed", range(20))
def test_sorted_and_unique_agrees_with_pandas(seed: int) -> None:
    """True exactly when ``sort_values(keys)`` would leave the rows where they are and no key repeats (categories
    in their own order, not alphabetical; missing keys never count as sorted)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 40))
    frame = pd.DataFrame(
        {
            "a": pd.Categorical(rng.choice(["x", "y", "z"], n), categories=["z", "x", "y", "w"]),
            "b": rng.integers(1995, 1998, n).astype(np.int16),
            "c": rng.choice(["p", "q", "r"], n),
        }
    )
    if seed % 2:  # a sorted, unique table (the rule's positive side, and often a near miss after a swap)
        frame = frame.drop_duplicates(["a", "b", "c"]).sort_values(["a", "b", "c"]).reset_index(drop=True)
        if seed % 4 == 1 and len(frame) > 2:
            frame = frame.iloc[[1, 0, *range(2, len(frame))]].reset_index(drop=True)
    if seed % 10 == 0 and n:
        frame.loc[frame.index[0], "a"] = None
    for keys in (["a"], ["a", "b"], ["a", "b", "c"], ["b", "c"]):
        expected = (
            not frame[keys].isna().any().any()
            and not frame.duplicated(keys).any()
            and frame.sort_values(keys).index.equals(frame.index)
        )
        assert sorted_and_unique(frame, keys) == expected, keys


def test_duplicate_flow_is_located() -> None:
    row = {"country": "BEL", "year": 2000, "using_industry": "c1", "supplying_country": "BEL", "product": "c2"}
    frame = pd.DataFrame([{**row, "value": 1.0}, {**row, "product": "c3", "value": 2.0}, {**row, "value": 3.0}])
    with pytest.raises(DataError, match=r"duplicate key .*country.*row"):
        validate_io_use(frame, file="io_use.csv", industries=["c1", "c2", "c3"])
    assert list(IO_USE_KEYS) == ["country", "year", "using_industry", "supplying_country", "product"]


def test_a_validated_table_comes_back_in_key_order() -> None:
    """Rows given in any order come back sorted by the keys (industry codes in the classification's order, not
    alphabetical); rows already in that order come back as they are."""
    rows = [
        {"country": c, "year": y, "using_industry": u, "supplying_country": "NLD", "product": "c1", "value": 1.0}
        for c in ("BEL", "AUT")
        for y in (2001, 2000)
        for u in ("c10", "c2")
    ]
    frame = pd.DataFrame(rows)
    out = validate_io_use(frame, file="io_use.csv", industries=["c1", "c2", "c10"])
    keys = list(IO_USE_KEYS)
    assert sorted_and_unique(out, keys) and out.index.equals(pd.RangeIndex(len(out)))
    assert list(out["using_industry"].astype(str))[:2] == ["c2", "c10"]
    pd.testing.assert_frame_equal(out, out.sort_values(keys).reset_index(drop=True))
    again = validate_io_use(
        out.astype({k: "string" for k in keys if k != "year"}), file="x", industries=["c1", "c2", "c10"]
    )
    pd.testing.assert_frame_equal(again, out)


def test_a_data_error_survives_pickling() -> None:
    """Errors come back whole from the processes that estimate variants side by side."""
    import pickle

    error = pickle.loads(pickle.dumps(DataError("io_use.csv", "row 3: bad value")))
    assert isinstance(error, DataError) and str(error) == "io_use.csv: row 3: bad value"
    assert error.file == "io_use.csv" and error.message == "row 3: bad value"
