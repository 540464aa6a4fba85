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

from replication.core.errors import DataError
from replication.core.progress import progress
from replication.inputs.sources._wiod import normalise_country
from replication.inputs.vintages import Classification

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


def wiot_flows(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Non-zero intermediate flows of one WIOT as arrays of codes (into the table's country and industry lists) and
    values, in key order within the year: using country, using industry, supplying country, product (the matrix
    read column by column)."""
    ni = len(arrays["industries"])
    inter = arrays["inter"]
    cols, rows = np.nonzero(inter.T)
    code = np.min_scalar_type(-max(len(arrays["countries"]), ni))  # the smallest signed type, as pandas' codes
    return {
        "country": (cols // ni).astype(code),
        "using_industry": (cols % ni).astype(code),
        "supplying_country": (rows // ni).astype(code),
        "product": (rows % ni).astype(code),
        "value": inter[rows, cols].astype(np.float64),
    }


def long_table(
    years: list[tuple[int, dict[str, np.ndarray]]], countries: list[str], industries: list[str]
) -> pd.DataFrame:
    """The years' flows as one io_use table ordered by using country, then year, then the rest of the key (the tidy
    table's order, so it needs no sort): each year's rows of a country are one run, taken country by country."""
    country_codes = pd.CategoricalDtype(pd.Index(countries))
    industry_codes = pd.CategoricalDtype(pd.Index(industries))
    # where each country's run starts and ends in each year's arrays (rows are grouped by using country)
    bounds = [np.searchsorted(flows["country"], np.arange(len(countries) + 1)) for _, flows in years]
    pieces = [
        (y, start[c], start[c + 1])
        for c in range(len(countries))
        for y, start in enumerate(bounds)
        if start[c + 1] > start[c]
    ]

    def column(name: str) -> np.ndarray:
        return np.concatenate([years[0][1][name][:0], *(years[y][1][name][a:b] for y, a, b in pieces)])

    year = np.concatenate([np.zeros(0, np.int16), *(np.full(b - a, years[y][0], np.int16) for y, a, b in pieces)])
    return pd.DataFrame(
        {
            "country": pd.Categorical.from_codes(column("country"), dtype=country_codes),
            "year": year,
            "using_industry": pd.Categorical.from_codes(column("using_industry"), dtype=industry_codes),
            "supplying_country": pd.Categorical.from_codes(column("supplying_country"), dtype=country_codes),
            "product": pd.Categorical.from_codes(column("product"), dtype=industry_codes),
            "value": column("value"),
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
    """All years of the WIOD 2013 tables as one io_use table (validated by :mod:`replication.inputs.tidy`)."""
    years: list[tuple[int, dict[str, np.ndarray]]] = []
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
            years.append((year, wiot_flows(arrays)))
    if reference is None:
        raise DataError("wiod2013", "no wiot_YYYY.RData file given")
    countries = [normalise_country(c) for c in reference[0]]
    return long_table(years, countries, list(reference[1]))
