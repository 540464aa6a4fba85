r"""Stage 2: io_use -> offshoring intensities by country, using industry or sector, origin and year.

For home country :math:`c`, using industry :math:`i`, year :math:`t` and origin group :math:`g`:

.. math::

    om^{g}_{cit} = 100 \, \frac{\sum_{p \in \mathcal{M}} \sum_{s \in g,\, s \neq c} X_{s p c i t}}
                              {\sum_{p \notin \mathcal{E}} \sum_{s} X_{s p c i t}}, \qquad
    os^{g}_{cit} = \text{the same with } p \in \mathcal{S}

:math:`X_{spcit}`: intermediate inputs of product :math:`p` from supplying country :math:`s`;
:math:`\mathcal{M}`, :math:`\mathcal{S}`, :math:`\mathcal{E}`: the classification's ``materials``,
``business_services`` and ``energy`` products; the denominator holds domestic and imported inputs.
The origin ``total`` (``foreign``) is every supplier other than :math:`c`, the rest of the world and
unsplit imports included. Where imports of the numerator's products come with an unsplit origin
(supplying country ``FOREIGN``), the group origins of that cell are missing, not zero, and so is
the sector aggregate containing it. A sector's intensity sums
numerators and denominators over its industries (an input-weighted mean of the industry
intensities). All choices live in ``config/``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from replication.core.fileio import write_parquet
from replication.core.layout import Layout
from replication.core.progress import say
from replication.inputs.schemas import REST_OF_WORLD, UNSPLIT_IMPORTS
from replication.inputs.tidy import as_text, load_table
from replication.inputs.vintages import (
    Classification,
    load_classification,
    load_country_groups,
    load_offshoring_config,
    load_vintage,
)

MEASURES = {"om": "materials", "os": "business_services"}
KEYS = ["country", "year", "using_industry"]


def factor_codes(column: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, labels)`` of a column: categorical codes when it has them, else factorised."""
    if isinstance(column, pd.Series) and isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), np.asarray(column.cat.categories.astype(str))
    codes, labels = pd.factorize(np.asarray(column))
    return codes, np.asarray(labels)


def common_codes(*columns: pd.Series) -> tuple[list[np.ndarray], np.ndarray]:
    """Codes of several columns in one shared label list (to compare e.g. supplier with home)."""
    factors = [factor_codes(c) for c in columns]
    labels = np.unique(np.concatenate([np.asarray(lab, dtype=str) for _, lab in factors]))
    return [np.searchsorted(labels, lab.astype(str))[codes] for codes, lab in factors], labels


def group_sums(group: np.ndarray, value: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    """The values of the selected rows summed by group code (0 to ``size`` - 1), in row order: bit for bit the sums
    of ``np.where(rows, value, 0.0)`` (adding 0.0 changes no sum that starts at +0.0), without a full-length weight
    array per sum (millions of flows)."""
    sums = np.bincount(group[rows], weights=value[rows], minlength=size)
    return sums.astype(np.float64, copy=False)  # numpy gives integer zeros when nothing is selected


def origin_masks(
    supplier: np.ndarray,
    home: np.ndarray,
    labels: np.ndarray,
    origins: Mapping[str, str],
    groups: Mapping[str, tuple[str, ...]],
) -> dict[str, np.ndarray]:
    """Boolean mask of the flows from each origin; ``supplier``/``home`` are codes into ``labels``.

    Every origin is foreign (supplier != home); ``foreign`` means all foreign suppliers.
    """
    foreign = supplier != home
    return {
        label: foreign if group == "foreign" else foreign & np.isin(labels, groups[group])[supplier]
        for label, group in origins.items()
    }


def industry_intensities(
    io_use: pd.DataFrame,
    classification: Classification,
    *,
    origins: Mapping[str, str],
    groups: Mapping[str, tuple[str, ...]],
) -> pd.DataFrame:
    """Numerator and denominator of om/os by country, year, using industry and origin.

    Returns a frame with columns country, year, using_industry, origin, measure, numerator,
    denominator (the vintage's currency, millions). Using countries named ``RoW`` are skipped.
    Sums are taken with :func:`numpy.bincount` over the factorised keys (millions of flows).
    """
    product, product_labels = factor_codes(io_use["product"])
    (home, supplier), country_labels = common_codes(io_use["country"], io_use["supplying_country"])
    year, years = factor_codes(io_use["year"].to_numpy())
    industry, industries = factor_codes(io_use["using_industry"])
    value = io_use["value"].to_numpy(dtype=np.float64)
    sizes = (len(country_labels), len(years), len(industries))
    group = np.ravel_multi_index((home, year, industry), sizes)
    n_groups = int(np.prod(sizes))
    index = pd.MultiIndex.from_product([country_labels, years, industries], names=KEYS)

    def total(rows: np.ndarray) -> np.ndarray:
        return group_sums(group, value, rows, n_groups)

    def any_of(rows: np.ndarray) -> np.ndarray:
        return np.bincount(group[rows], minlength=n_groups) > 0

    def of_products(members: tuple[str, ...]) -> np.ndarray:
        return np.isin(product_labels, members)[product]

    denominator = total(~of_products(classification.products["energy"]))
    present = np.bincount(group, minlength=n_groups) > 0
    masks = origin_masks(supplier, home, country_labels, origins, groups)
    unsplit = (
        supplier == np.searchsorted(country_labels, UNSPLIT_IMPORTS)
        if UNSPLIT_IMPORTS in country_labels
        else np.zeros(value.size, dtype=bool)
    )
    pieces = []
    for measure, product_group in MEASURES.items():
        in_group = of_products(classification.products[product_group])
        # imports of unsplit origin in the numerator's products: the group origins are unknown there
        unknown = any_of(in_group & unsplit)
        for origin, mask in masks.items():
            numerator = total(in_group & mask)
            if origins[origin] != "foreign":
                numerator[unknown] = np.nan
            piece = pd.DataFrame({"numerator": numerator, "denominator": denominator}, index=index)[
                present
            ].reset_index()
            piece["origin"] = origin
            piece["measure"] = measure
            pieces.append(piece)
    out = _complete(pd.concat(pieces, ignore_index=True), classification)
    return out[out["country"] != REST_OF_WORLD].reset_index(drop=True)


def _complete(frame: pd.DataFrame, classification: Classification) -> pd.DataFrame:
    """One row per country x year x industry of the classification x origin x measure (zeros filled)."""
    index = pd.MultiIndex.from_product(
        [
            sorted(frame["country"].unique()),
            sorted(frame["year"].unique()),
            classification.codes,
            list(frame["origin"].unique()),  # first-appearance order (iterating the column is slow)
            list(MEASURES),
        ],
        names=["country", "year", "using_industry", "origin", "measure"],
    )
    full = frame.set_index(index.names).reindex(index)
    absent = full["denominator"].isna()  # no flow at all: zero, not unknown
    full.loc[absent, ["numerator", "denominator"]] = 0.0
    return full.reset_index()


def offshoring_intensities(
    io_use: pd.DataFrame,
    classification: Classification,
    *,
    origins: Mapping[str, str],
    groups: Mapping[str, tuple[str, ...]],
) -> pd.DataFrame:
    """Intensities (percent) for every industry and for each sector group of the classification.

    Returns a long frame with columns country, sector, origin, measure, year, numerator,
    denominator, value; ``sector`` is an industry code or a sector group name; ``value`` is
    ``100 * numerator / denominator`` and missing where the denominator is zero.
    """
    by_industry = industry_intensities(io_use, classification, origins=origins, groups=groups)
    frames = [by_industry.rename(columns={"using_industry": "sector"})]
    for sector, members in classification.sectors.items():
        part = by_industry[by_industry["using_industry"].isin(members)]
        keys = [part[k] for k in ("country", "year", "origin", "measure")]
        summed = part[["numerator", "denominator"]].groupby(keys, sort=False).sum()
        # one unknown industry numerator makes the sector's unknown
        unknown = part["numerator"].isna().groupby(keys, sort=False).any()
        summed.loc[unknown.reindex(summed.index).to_numpy(), "numerator"] = np.nan
        summed = summed.reset_index()
        summed["sector"] = sector
        frames.append(summed)
    out = pd.concat(frames, ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["value"] = np.where(out["denominator"] > 0, 100.0 * out["numerator"] / out["denominator"], np.nan)
    order = {
        "sector": [*classification.sectors, *classification.codes],
        "origin": list(origins),
        "measure": list(MEASURES),
    }
    for column, categories in order.items():
        out[column] = pd.Categorical(out[column], categories=categories)
    out = out.sort_values(["country", "sector", "origin", "measure", "year"]).reset_index(drop=True)
    for column in order:
        out[column] = as_text(out[column])
    return out[["country", "sector", "origin", "measure", "year", "numerator", "denominator", "value"]]


def imported_input_share(io_use: pd.DataFrame) -> pd.DataFrame:
    """Imported intermediate inputs as a share of all intermediate inputs (all products).

    Returns country, year, imported, total, share (percent); ``RoW`` is skipped.
    """
    (home, supplier), labels = common_codes(io_use["country"], io_use["supplying_country"])
    # ascending years and each row's code (hashed: np.unique sorted the millions of rows)
    year, years = pd.factorize(io_use["year"].to_numpy(), sort=True)
    value = io_use["value"].to_numpy(dtype=np.float64)
    group = home * len(years) + year
    n_groups = len(labels) * len(years)
    total = np.bincount(group, weights=value, minlength=n_groups)
    imported = group_sums(group, value, supplier != home, n_groups)
    present = np.bincount(group, minlength=n_groups) > 0
    out = pd.DataFrame(
        {
            "country": np.repeat(labels, len(years)),
            "year": np.tile(years, len(labels)).astype(io_use["year"].dtype),
            "imported": imported,
            "total": total,
        }
    )[present]
    out = out[out["country"] != REST_OF_WORLD].reset_index(drop=True)
    out["share"] = 100.0 * out["imported"] / out["total"]
    return out


def pooled_share(shares: pd.DataFrame, members: tuple[str, ...], *, year: int) -> float:
    """Pooled share (percent) of a country group: sum of imports over sum of inputs of its members."""
    part = shares[shares["country"].isin(members) & (shares["year"] == year)]
    total = part["total"].sum()
    return float(100.0 * part["imported"].sum() / total) if total > 0 else float("nan")


def missing_members(
    groups: Mapping[str, tuple[str, ...]], origins: Mapping[str, str], available: set[str]
) -> dict[str, list[str]]:
    """Members of each origin group that the vintage lacks (they remain in RoW / unsplit imports).

    A vintage whose imports are not split by origin (supplier ``FOREIGN``) lacks every member.
    """
    if UNSPLIT_IMPORTS in available:
        available = set()
    return {label: sorted(set(groups[group]) - available) for label, group in origins.items() if group != "foreign"}


def build_offshoring(vintage_name: str) -> pd.DataFrame:
    """Stage: the vintage's io_use -> ``offshoring.parquet`` and ``imported_input_share.parquet``."""
    vintage = load_vintage(vintage_name)
    io_use = load_table(vintage.name, "io_use")
    cfg = load_offshoring_config()
    say(f"[offshoring] {vintage.name}: intensities by country, industry, origin and year")
    origins = {**cfg["origins"], **cfg.get("variant_origins", {})}
    intensities = offshoring_intensities(
        io_use, load_classification(vintage.classification), origins=origins, groups=load_country_groups()
    )
    write_parquet(Layout(vintage.name).import_share, imported_input_share(io_use))
    write_parquet(Layout(vintage.name).offshoring, intensities)
    return intensities
