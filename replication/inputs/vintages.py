"""Vintages, classifications and country groups: read from ``config/``, validated, immutable.

A vintage (``config/vintages.toml``) names a source for each tidy table and a classification. A
classification lists industries (= products of the supplying side) and the named groups that define
offshoring (``products``: materials, business_services, energy) and the samples (``sectors``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from replication.core import config, config_schemas
from replication.core.errors import ConfigError

PRODUCT_GROUPS = ("materials", "business_services", "energy")
SECTOR_GROUPS = ("manufacturing", "market_services")


@dataclass(frozen=True)
class Part:
    """Where one tidy table of a vintage comes from: a source module and a dataset or a path, or the same
    table of another vintage (``vintage``: its tidy table is used, so the raw files are read once per build)."""

    source: str
    dataset: str | tuple[str, ...] | None = None
    path: Path | None = None
    anomalies: Path | None = None
    vintage: str | None = None


@dataclass(frozen=True)
class Classification:
    """Industries of a vintage and the named groups built on them."""

    name: str
    industries: pd.DataFrame = field(repr=False)
    products: dict[str, tuple[str, ...]]
    sectors: dict[str, tuple[str, ...]]

    @property
    def codes(self) -> list[str]:
        return self.industries["code"].tolist()

    def sector_of(self) -> dict[str, str]:
        """``{industry code: sector}`` for industries in a sector group."""
        return {code: sector for sector, codes in self.sectors.items() for code in codes}


@dataclass(frozen=True)
class Vintage:
    """A data vintage: its two parts and its classification."""

    name: str
    description: str
    classification: str
    io_use: Part | None
    accounts: Part
    accounts_industry_map: str | None = None
    comparison_notes: tuple[str, ...] = ()
    estimation_panel: bool = False


def _resolve(path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else config.project_root() / p


def vintages_file() -> Path:
    return config.config_dir() / "vintages.toml"


def list_vintages() -> list[str]:
    return sorted(config_schemas.load("vintages.toml").get("vintages", {}))


def _part(entry: object, vintage: str, table: str, vintages: dict) -> Part:
    """Part ``table`` of ``vintage`` from its ``config/vintages.toml`` entry (``vintages``: every entry)."""
    where = f"vintages.{vintage}.{table}"
    if isinstance(entry, dict) and "vintage" in entry:
        return _shared_part(entry, vintage, table, vintages)
    if not isinstance(entry, dict) or "source" not in entry:
        raise ConfigError(f"{vintages_file()}: {where} needs a table with `source` (or `vintage`)")
    if ("dataset" in entry) == ("path" in entry):
        raise ConfigError(f"{vintages_file()}: {where} needs exactly one of `dataset` or `path`")
    path = _resolve(entry["path"]) if "path" in entry else None
    anomalies = config.config_dir() / entry["anomalies"] if "anomalies" in entry else None
    dataset = entry.get("dataset")
    if isinstance(dataset, list):  # one part read from several manifest datasets
        dataset = tuple(dataset)
    return Part(source=entry["source"], dataset=dataset, path=path, anomalies=anomalies)


def _shared_part(entry: dict, vintage: str, table: str, vintages: dict) -> Part:
    """``{ vintage = "other" }``: the same table as vintage ``other``, which must read its own files."""
    where = f"vintages.{vintage}.{table}"
    if set(entry) != {"vintage"}:
        raise ConfigError(f"{vintages_file()}: {where} with `vintage` takes no other key (found {sorted(entry)})")
    other = entry["vintage"]
    own = vintages.get(other, {}).get(table)
    if not isinstance(own, dict) or "vintage" in own or "source" not in own:
        raise ConfigError(
            f"{vintages_file()}: {where} = {{ vintage = {other!r} }} needs vintage {other!r} to read its own {table}"
        )
    if vintages[other].get("classification") != vintages[vintage].get("classification"):
        raise ConfigError(f"{vintages_file()}: {where}: vintage {other!r} has another classification")
    return Part(source=own["source"], vintage=other)


def load_vintage(name: str) -> Vintage:
    """The vintage ``name`` of ``config/vintages.toml``; unknown names list the available ones."""
    vintages = config_schemas.load("vintages.toml").get("vintages", {})
    if name not in vintages:
        raise ConfigError(f"unknown vintage {name!r}; available: {sorted(vintages)}")
    entry = vintages[name]
    return Vintage(
        name=name,
        description=entry.get("description", ""),
        classification=entry["classification"],
        # an accounts-only vintage (e.g. the EU KLEMS country files) has no io_use part
        io_use=_part(entry["io_use"], name, "io_use", vintages) if "io_use" in entry else None,
        accounts=_part(entry.get("accounts"), name, "accounts", vintages),
        accounts_industry_map=entry.get("accounts_industry_map"),
        comparison_notes=tuple(entry.get("comparison_notes", ())),
        estimation_panel=_boolean(entry, "estimation_panel", f"vintages.{name}"),
    )


def _boolean(entry: dict, key: str, where: str) -> bool:
    """A boolean key (``true``/``false`` only: a string such as ``"no"`` is refused, not read as true)."""
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{vintages_file()}: {where}.{key} = {value!r}: expected true or false")
    return value


def load_classification(name: str) -> Classification:
    """Industries and groups of classification ``name``, checked for unknown codes."""
    classes = config_schemas.load("vintages.toml").get("classifications", {})
    if name not in classes:
        raise ConfigError(f"unknown classification {name!r}; available: {sorted(classes)}")
    entry = classes[name]
    rel = entry["industries"]
    path = config.config_dir() / "classifications" / rel if "/" not in rel else _resolve(rel)
    if entry.get("groups_from_table"):  # a user's industry table: read strictly, every cell located
        from replication.inputs.user_csv import Column, check_unique, read_user_csv

        table = read_user_csv(
            path,
            [
                Column("code", "code"),
                Column("name", "text"),
                Column("sector", "choice", choices=(*SECTOR_GROUPS, "other")),
                Column("product_group", "choice", choices=(*PRODUCT_GROUPS, "other")),
            ],
        )
        check_unique(path, table, ["code"])
        table = table.drop(columns="line")
    else:
        try:
            table = pd.read_csv(path, dtype=str, keep_default_na=False)
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: industry table of classification {name!r} not found") from exc
    if "code" not in table.columns:
        raise ConfigError(f"{path}: needs a `code` column; found {list(table.columns)}")
    if table["code"].duplicated().any():
        raise ConfigError(f"{path}: duplicate industry code {table['code'][table['code'].duplicated()].iloc[0]!r}")
    if entry.get("groups_from_table"):
        products, sectors = _groups_from_table(table, path)
    else:
        products = {k: tuple(v) for k, v in entry.get("products", {}).items()}
        sectors = {k: tuple(v) for k, v in entry.get("sectors", {}).items()}
    codes = set(table["code"])
    for kind, groups, required in (("products", products, PRODUCT_GROUPS), ("sectors", sectors, SECTOR_GROUPS)):
        for group in required:
            if group not in groups:
                raise ConfigError(f"classification {name!r}: {kind} group {group!r} is not defined")
        for group, members in groups.items():
            unknown = sorted(set(members) - codes)
            if unknown:
                raise ConfigError(
                    f"classification {name!r}: {kind}.{group} lists unknown industry code(s) "
                    f"{unknown}; the industry table is {path}"
                )
    overlap = set(products["materials"]) & set(products["business_services"]) | (
        (set(products["materials"]) | set(products["business_services"])) & set(products["energy"])
    )
    if overlap:
        raise ConfigError(
            f"classification {name!r}: product(s) {sorted(overlap)} are in more than one of "
            "materials, business_services, energy"
        )
    return Classification(name=name, industries=table, products=products, sectors=sectors)


def _groups_from_table(table: pd.DataFrame, path: Path) -> tuple[dict, dict]:
    """Groups from the ``product_group`` and ``sector`` columns of a user's industry table."""
    for column, allowed in (("product_group", {*PRODUCT_GROUPS, "other"}), ("sector", {*SECTOR_GROUPS, "other"})):
        if column not in table.columns:
            raise ConfigError(f"{path}: needs a `{column}` column (values {sorted(allowed)})")
        bad = ~table[column].isin(allowed)
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise ConfigError(
                f"{path}: row {row + 2}, column `{column}` = {table[column].iloc[row]!r}; allowed {sorted(allowed)}"
            )
    products = {g: tuple(table.loc[table["product_group"] == g, "code"]) for g in PRODUCT_GROUPS}
    sectors = {g: tuple(table.loc[table["sector"] == g, "code"]) for g in SECTOR_GROUPS}
    return products, sectors


@cache
def load_variables() -> pd.DataFrame:
    """The accounts variables (``config/classifications/variables.csv``)."""
    return pd.read_csv(config.config_dir() / "classifications" / "variables.csv", dtype=str)


def load_country_groups() -> dict[str, tuple[str, ...]]:
    """``{group: ISO3 members}`` from ``config/classifications/country_groups.csv``."""
    table = pd.read_csv(config.config_dir() / "classifications" / "country_groups.csv", dtype=str)
    return {g: tuple(part["iso3"]) for g, part in table.groupby("group", sort=True)}


def country_names() -> dict[str, str]:
    """``{ISO3: English name}`` for the countries named in the group table."""
    table = pd.read_csv(config.config_dir() / "classifications" / "country_groups.csv", dtype=str)
    return dict(zip(table["iso3"], table["name"], strict=True))


def load_offshoring_config() -> dict:
    """Origins and reporting choices of ``config/offshoring.toml``, with group names checked."""
    path = config.config_dir() / "offshoring.toml"
    cfg = config_schemas.load("offshoring.toml")
    groups = load_country_groups()
    for label, group in {**cfg.get("origins", {}), **cfg.get("variant_origins", {})}.items():
        if group != "foreign" and group not in groups:
            raise ConfigError(
                f"{path}: origins.{label} = {group!r} is neither 'foreign' nor a group of "
                f"country_groups.csv {sorted(groups)}"
            )
    if "total" not in cfg.get("origins", {}):
        raise ConfigError(f"{path}: origins.total must be defined")
    return cfg
