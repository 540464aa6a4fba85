"""The schema's duplicate-key check (integer codes, flagged or sorted) agrees with pandas' ``duplicated`` and
names the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replication.errors import DataError
from replication.keys import has_duplicate_keys
from replication.schemas import IO_USE_KEYS, validate_io_use


@pytest.mark.parametrize("limit", [2**26, 0], ids=["flags", "sorted"])
@pytest.mark.parametrize("seed", range(40))
def test_duplicate_check_agrees_with_pandas(seed: int, limit: int, monkeypatch) -> None:
    monkeypatch.setattr("replication.keys.BITMAP_LIMIT", limit)
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


def test_duplicate_flow_is_located() -> None:
    row = {"country": "BEL", "year": 2000, "using_industry": "c1", "supplying_country": "BEL", "product": "c2"}
    frame = pd.DataFrame([{**row, "value": 1.0}, {**row, "product": "c3", "value": 2.0}, {**row, "value": 3.0}])
    with pytest.raises(DataError, match=r"duplicate key .*country.*row"):
        validate_io_use(frame, file="io_use.csv", industries=["c1", "c2", "c3"])
    assert list(IO_USE_KEYS) == ["country", "year", "using_industry", "supplying_country", "product"]


def test_a_data_error_survives_pickling() -> None:
    """Errors come back whole from the processes that estimate variants side by side."""
    import pickle

    error = pickle.loads(pickle.dumps(DataError("io_use.csv", "row 3: bad value")))
    assert isinstance(error, DataError) and str(error) == "io_use.csv: row 3: bad value"
    assert error.file == "io_use.csv" and error.message == "row 3: bad value"
