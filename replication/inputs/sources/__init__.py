"""Source modules: raw files of one vintage -> the tidy tables of :mod:`replication.inputs.schemas`.

Each module defines ``read_io_use(files, classification)`` and/or
``read_accounts(files, classification)``; ``files`` are the verified raw files of the part (the
manifest dataset, or the user's path). A reader checks what only it can check (the layout of its
files, accounting identities of the raw tables) and returns a long frame in the schema's columns;
:mod:`replication.inputs.tidy` then applies the listed anomaly fixes and the schema validation.

Adding a vintage = one module here + one entry in ``config/vintages.toml`` (+ the manifest entry when
it is downloaded) + tests.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from types import ModuleType

import pandas as pd

from replication.core.errors import ConfigError


def available_sources() -> list[str]:
    import replication.inputs.sources as package

    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))


def get_reader(source: str, table: str) -> Callable[..., pd.DataFrame]:
    """The function ``read_<table>`` of source module ``source``."""
    if source not in available_sources():
        raise ConfigError(f"unknown source {source!r}; available: {available_sources()}")
    module: ModuleType = importlib.import_module(f"replication.inputs.sources.{source}")
    reader = getattr(module, f"read_{table}", None)
    if reader is None:
        raise ConfigError(f"source {source!r} has no {table} table (no read_{table} function)")
    return reader
