"""Duplicate keys in a table, fast: one shared check for the tidy schemas (millions of IO flows) and the
estimators' panel check ((entity, time) pairs)."""

from __future__ import annotations

import numpy as np
import pandas as pd

BITMAP_LIMIT = 2**26  # possible keys up to which duplicates are found with a flag array (64 MB at most)


def has_duplicate_keys(frame: pd.DataFrame, keys: tuple[str, ...]) -> bool:
    """Whether two rows share ``keys``: the columns' integer codes combined into one int64 per row, then one
    flag per possible key set (O(n); the WIOD table's 39 million possible keys: 0.02 s where sorting its 5.7
    million rows took 1.4 s), or sorted when the key space is larger (O(n log n)); pandas' ``duplicated``
    hashes millions of tuples, ten times slower."""
    codes, sizes = [], []
    for key in keys:
        column = frame[key]
        if isinstance(column.dtype, pd.CategoricalDtype):
            code, size = column.cat.codes.to_numpy().astype(np.int64), len(column.cat.categories) + 1
            code = code + 1  # missing (-1) becomes its own code
        else:
            code, uniques = pd.factorize(column, use_na_sentinel=False)
            size = len(uniques)
        codes.append(code)
        sizes.append(max(size, 1))
    if float(np.prod(np.asarray(sizes, dtype=float))) >= 2.0**62:  # the combined code would overflow
        return bool(frame.duplicated(list(keys)).any())
    combined = np.ravel_multi_index(codes, sizes)
    space = int(np.prod(sizes))
    if space <= BITMAP_LIMIT:  # one flag per possible key: a duplicate leaves fewer flags set than rows
        seen = np.zeros(space, dtype=bool)
        seen[combined] = True
        return int(np.count_nonzero(seen)) < len(combined)
    combined.sort()
    return bool((combined[1:] == combined[:-1]).any())


def sorted_and_unique(frame: pd.DataFrame, keys: tuple[str, ...] | list[str]) -> bool:
    """Whether the rows are in the order ``frame.sort_values(keys)`` gives and no two share ``keys``: the keys'
    sort-order codes (a categorical's codes follow its categories, other columns are factorised sorted) combined
    into one int64 per row rise strictly. False when a key has missing values or the code would overflow.

    One pass, O(n): a reader that emits its rows in key order spares the duplicate check and the sort (the
    WIOD table's 5.7 million rows: 0.2 s instead of 1.8 s)."""
    codes, sizes = [], []
    for key in keys:
        column = frame[key]
        if isinstance(column.dtype, pd.CategoricalDtype):
            code, size = column.cat.codes.to_numpy(), len(column.cat.categories)
        else:
            code, uniques = pd.factorize(column, sort=True)
            size = len(uniques)
        if len(code) and code.min() < 0:
            return False
        codes.append(code)
        sizes.append(max(size, 1))
    if len(frame) < 2:
        return True
    if float(np.prod(np.asarray(sizes, dtype=float))) >= 2.0**62:
        return False
    # built in place, one int64 array (ravel_multi_index first converted every code column to its own int64 copy)
    combined = codes[0].astype(np.int64)
    for code, size in zip(codes[1:], sizes[1:], strict=True):
        combined *= size
        combined += code
    return bool((combined[1:] > combined[:-1]).all())
