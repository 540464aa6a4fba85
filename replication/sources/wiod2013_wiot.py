"""WIOD 2013 world input-output tables (R package ``wiod`` copies, ``wiot_YYYY.RData``) -> io_use.

Each file holds one list ``wiot_YYYY`` with ``year``, ``countries`` (41 incl. RoW), ``industries``
(c1..c35), ``inter`` (1435 x 1435 intermediate flows, rows = supplying country x product, columns =
using country x industry, country-major), ``final`` and ``output``. Values are current USD millions,
rounded to whole millions. Only non-zero flows are kept (absent = 0).

Checks: matrix shapes, one country and industry list for all years, no negative intermediate flow,
and the row identity output = intermediate use + final use within ``ROW_IDENTITY_TOLERANCE`` (the
rounding of the published integers leaves gaps of -7 to +113 in 1995-2011).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from replication.errors import DataError
from replication.progress import progress
from replication.sources._wiod import normalise_country
from replication.vintages import Classification

ROW_IDENTITY_TOLERANCE = 150.0  # USD millions


def read_wiot(path: Path) -> dict[str, np.ndarray]:
    """The arrays of one ``wiot_YYYY.RData`` file, with shapes checked."""
    import rdata

    try:
        parsed = rdata.read_rda(path)
    except Exception as exc:  # rdata raises assorted parser errors on damaged files
        raise DataError(path, f"cannot be read as an RData file ({type(exc).__name__}: {exc})") from exc
    if len(parsed) != 1:
        raise DataError(path, f"expected one R object, found {sorted(parsed)}")
    obj = next(iter(parsed.values()))
    missing = {"year", "countries", "industries", "inter", "final", "output"} - set(map(str, obj))
    if missing:
        raise DataError(path, f"R object lacks element(s) {sorted(missing)}")
    arrays = {str(k): np.asarray(v) for k, v in obj.items()}
    n = len(arrays["countries"]) * len(arrays["industries"])
    for key, shape in (("inter", (n, n)), ("output", (n,))):
        if arrays[key].shape != shape:
            raise DataError(path, f"element {key!r} has shape {arrays[key].shape}, expected {shape}")
    if arrays["final"].shape[0] != n:
        raise DataError(path, f"element 'final' has {arrays['final'].shape[0]} rows, expected {n}")
    return arrays


def _check_identities(arrays: dict[str, np.ndarray], path: Path) -> None:
    inter = arrays["inter"].astype(np.float64)
    countries, industries = arrays["countries"], arrays["industries"]
    negative = inter < 0
    if negative.any():
        r, k = np.argwhere(negative)[0]
        ni = len(industries)
        raise DataError(
            path,
            f"negative intermediate flow {inter[r, k]} from {countries[r // ni]}/"
            f"{industries[r % ni]} to {countries[k // ni]}/{industries[k % ni]}",
        )
    gap = arrays["output"] - inter.sum(axis=1) - arrays["final"].astype(np.float64).sum(axis=1)
    bad = np.abs(gap) > ROW_IDENTITY_TOLERANCE
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        ni = len(industries)
        raise DataError(
            path,
            f"row {countries[r // ni]}/{industries[r % ni]}: output {arrays['output'][r]:.0f} "
            f"differs from intermediate + final use by {gap[r]:.0f} (tolerance "
            f"{ROW_IDENTITY_TOLERANCE:.0f})",
        )


def wiot_to_long(arrays: dict[str, np.ndarray]) -> pd.DataFrame:
    """Non-zero intermediate flows of one WIOT as a long table in the io_use layout, in key order within the year
    (using country, using industry, supplying country, product: the matrix read column by column)."""
    countries = pd.Index([normalise_country(str(c)) for c in arrays["countries"]])
    industries = pd.Index([str(i) for i in arrays["industries"]])
    ni = len(industries)
    inter = arrays["inter"]
    cols, rows = np.nonzero(inter.T)
    country_codes = pd.CategoricalDtype(countries)
    industry_codes = pd.CategoricalDtype(industries)
    return pd.DataFrame(
        {
            "country": pd.Categorical.from_codes(cols // ni, dtype=country_codes),
            "year": np.full(rows.size, int(np.ravel(arrays["year"])[0]), dtype=np.int16),
            "using_industry": pd.Categorical.from_codes(cols % ni, dtype=industry_codes),
            "supplying_country": pd.Categorical.from_codes(rows // ni, dtype=country_codes),
            "product": pd.Categorical.from_codes(rows % ni, dtype=industry_codes),
            "value": inter[rows, cols].astype(np.float64),
        }
    )


def _read_ahead(files: list[Path], ahead: int = 2) -> Iterator[tuple[Path, dict[str, np.ndarray]]]:
    """``(path, read_wiot(path))`` in file order, the next ``ahead`` files read meanwhile in threads (bz2
    decompression, half of the reading, releases the GIL; at most ``ahead + 1`` tables are held at once)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=ahead) as pool:
        pending = [pool.submit(read_wiot, path) for path in files[:ahead]]
        for i, path in enumerate(files):
            if i + ahead < len(files):
                pending.append(pool.submit(read_wiot, files[i + ahead]))
            yield path, pending.pop(0).result()


def read_io_use(files: list[Path], classification: Classification) -> pd.DataFrame:
    """All years of the WIOD 2013 tables as one io_use table (validated by :mod:`replication.tidy`)."""
    frames = []
    reference: tuple | None = None
    with warnings.catch_warnings():  # entered once here, not in the reading threads (it is not thread-safe)
        # rdata warns for every file that it has no constructor for the R class "iot" (the list it returns is what
        # is read) and, on a damaged file, about its guesses before failing (that failure is one DataError line)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"rdata(\.|$)")
        for path, arrays in progress(_read_ahead(sorted(files)), desc="WIOD 2013 tables"):
            year = int(np.ravel(arrays["year"])[0])
            stated = re.search(r"(\d{4})", path.name)
            if stated and int(stated.group(1)) != year:
                raise DataError(path, f"file name says {stated.group(1)} but the table is for {year}")
            lists = (tuple(map(str, arrays["countries"])), tuple(map(str, arrays["industries"])))
            if reference is None:
                reference = lists
            elif lists != reference:
                raise DataError(path, "country or industry list differs from the first file's")
            _check_identities(arrays, path)
            frames.append(wiot_to_long(arrays))
    if not frames:
        raise DataError("wiod2013", "no wiot_YYYY.RData file given")
    table = pd.concat(frames, ignore_index=True)
    # country before year, as the tidy table is ordered (a stable sort keeps each year's key order): the table then
    # needs no sort of its 5.7 million rows
    order = np.argsort(table["country"].cat.codes.to_numpy(), kind="stable")
    return table.take(order).reset_index(drop=True)
