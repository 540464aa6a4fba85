"""Spec files as text: named lists and parameters, expanded before validation (standard library only).

A spec file may declare

- ``[lists]``: named term lists, used as ``"@name"`` elements of any list (``regressors = ["@inputs",
  "om_total"]``, ``report = ["@shares"]``), so a long regressor list is written once;
- ``[parameters]``: one parameter with its values, e.g. ``sector = ["manufacturing", "market_services"]``. The
  file then stands for one spec per value, named ``<file stem>_<value>`` (``production.toml`` ->
  ``production_manufacturing`` and ``production_market_services``); in its strings ``{sector}`` is the value and
  ``{sector_label}`` the value with spaces, and a variant with ``only = { sector = "manufacturing" }`` belongs to
  that value only.

:func:`instances` gives the expanded raw tables by name; the Makefile rules (:mod:`replication.core.layout`) and
:mod:`replication.specs.spec` both use it, so the names exist in one place.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

from replication.core.errors import ConfigError
from replication.core.fileio import file_version


def read_raw(path: Path) -> dict:
    """The TOML table of a spec file, or a one-line error naming the file and the TOML problem."""
    try:
        with Path(path).open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: spec file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc


def _expand_lists(value: Any, lists: dict[str, list], path: Path) -> Any:
    if isinstance(value, dict):
        return {k: _expand_lists(v, lists, path) for k, v in value.items()}
    if isinstance(value, list):
        out: list = []
        for item in value:
            if isinstance(item, str) and item.startswith("@") and " " not in item:
                name = item[1:]
                if name not in lists:
                    raise ConfigError(f"{path}: list {item!r} is not defined in [lists]; defined: {sorted(lists)}")
                out += list(lists[name])
            else:
                out.append(_expand_lists(item, lists, path))
        return out
    return value


def _substitute(value: Any, replacements: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, replacements) for v in value]
    if isinstance(value, str):
        for token, text in replacements.items():
            value = value.replace(token, text)
    return value


def instances(path: Path, raw: dict | None = None) -> dict[str, dict]:
    """``{spec name: raw table}`` of a spec file, lists expanded and parameters applied."""
    path = Path(path)
    raw = read_raw(path) if raw is None else raw
    lists = raw.get("lists", {})
    if not isinstance(lists, dict) or not all(isinstance(v, list) for v in lists.values()):
        raise ConfigError(f"{path}: [lists] must map names to lists of terms")
    body = _expand_lists({k: v for k, v in raw.items() if k not in ("lists", "parameters")}, lists, path)
    parameters = raw.get("parameters", {})
    if not parameters:
        return {path.stem: body}
    if len(parameters) != 1 or not isinstance(next(iter(parameters.values())), list):
        raise ConfigError(f"{path}: [parameters] takes one parameter with a list of values; got {parameters}")
    name, values = next(iter(parameters.items()))
    out = {}
    for value in values:
        text = str(value)
        spec = _substitute(body, {f"{{{name}}}": text, f"{{{name}_label}}": text.replace("_", " ")})
        variants = []
        for variant in spec.get("variants", []):
            only = variant.get("only", {})
            unknown = sorted(set(only) - {name})
            if unknown:
                raise ConfigError(f"{path}: variant {variant.get('name')!r}: `only` names unknown parameters {unknown}")
            if (
                name in only
                and only[name] != value
                and value not in (only[name] if isinstance(only[name], list) else [])
            ):
                continue
            variants.append({k: v for k, v in variant.items() if k != "only"})
        if "variants" in spec:
            spec["variants"] = variants
        out[f"{path.stem}_{text}"] = spec
    return out


def instance_names(path: Path) -> list[str]:
    """The names of the specs a file stands for (its stem, or one per parameter value)."""
    return list(_instance_names(file_version(path)))


@functools.lru_cache(maxsize=256)
def _instance_names(version: tuple[Path, int, int, int]) -> tuple[str, ...]:
    return tuple(instances(version[0]))
