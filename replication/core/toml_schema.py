"""Typed schemas of the TOML files a researcher edits (``config/*.toml``, scenario files), and their checker.

A schema is a :class:`Table` of :class:`Key` (a typed value), :class:`Table` (a sub-table), :class:`Each` (a table
of named entries that share one schema, e.g. ``[channels.<name>]``) and :class:`Array` (an array of tables, e.g.
``[[claim]]``, optionally one schema per value of a discriminating key). :func:`validate` returns the file's data
with every default filled in, or raises one :class:`~replication.core.errors.ConfigError` line naming the file,
the line (found in the text), the key, the value and what is allowed:

    config/claims.toml:31: [rules] alpha = 5: must be a number in (0, 1)

Types are strict: a boolean only as ``true``/``false`` (never a string or a number), an integer only as an integer
(``horizon = 10.0`` or ``true`` is refused), a number as an integer or a finite float. Unknown keys are refused with
a "did you mean" when a known one is close. :func:`key_tables` writes the Markdown tables of ``docs/config.md``
from the same schemas (``make lint`` checks they are current).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replication.core.errors import ConfigError

REQUIRED = object()
#: the default of a key that may be left out and is then absent from the checked data (not filled in)
OPTIONAL = object()
KINDS = ("str", "int", "number", "bool", "list[str]", "list[int]", "list[number]", "year_pair", "any", "table")


def did_you_mean(value: object, names: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a name is close to ``value``; empty otherwise."""
    close = difflib.get_close_matches(str(value), [str(n) for n in names], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_name(value: object, names: Iterable[str], *, what: str) -> str:
    """The text of a refusal: ``value`` is not one of ``names``, with a "did you mean"."""
    names = sorted(str(n) for n in names)
    shown = names if len(names) <= 12 else [*names[:12], "..."]
    return f"{what} {value!r} is unknown{did_you_mean(value, names)}; known: {shown}"


@dataclass(frozen=True)
class Key:
    """One typed value: its documentation, kind, default (``REQUIRED`` when none), range and allowed values.

    ``low``/``high`` bound numbers (and every integer of an integer list; open bounds with ``open_low``/
    ``open_high``); ``choices`` is a fixed set of values; ``nonempty`` refuses an empty string or list; ``rule``
    is a further check returning the reason a value is refused (or None).
    """

    doc: str
    kind: str = "str"
    default: Any = REQUIRED
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    choices: tuple = ()
    nonempty: bool = False
    rule: Callable[[Any], str | None] | None = None

    def allowed(self) -> str:
        """What the key accepts, in words (the docs' "allowed" column and every refusal)."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        words = {
            "str": "a string",
            "int": "an integer",
            "number": "a number",
            "bool": "true or false",
            "list[str]": "a list of strings",
            "list[int]": "a list of integers",
            "list[number]": "a list of numbers",
            "year_pair": "[start, end], start < end",
            "any": "any value",
            "table": "a table",
        }[self.kind]
        if self.low is not None or self.high is not None:
            lo = "-inf" if self.low is None else _number(self.low)
            hi = "inf" if self.high is None else _number(self.high)
            words += f" in {'(' if self.open_low or self.low is None else '['}{lo}, {hi}"
            words += ")" if self.open_high or self.high is None else "]"
        if self.nonempty:
            words += ", not empty"
        return words

    def check(self, value: Any) -> str | None:
        """The reason ``value`` is refused, or None."""
        problem = _type_problem(value, self.kind, nonempty=self.nonempty)
        if problem:
            return problem
        if self.choices and value not in self.choices:
            return "not allowed" + did_you_mean(value, [str(c) for c in self.choices])
        numbers = _numbers(value, self.kind)
        for number in numbers:
            if self.low is not None and (number < self.low or (self.open_low and number == self.low)):
                return "out of range"
            if self.high is not None and (number > self.high or (self.open_high and number == self.high)):
                return "out of range"
        if self.rule is not None:
            return self.rule(value)
        return None


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _type_problem(value: Any, kind: str, *, nonempty: bool) -> str | None:
    checks: dict[str, Callable[[Any], bool]] = {
        "str": lambda v: isinstance(v, str),
        "int": _is_int,
        "number": _is_number,
        "bool": lambda v: isinstance(v, bool),
        "list[str]": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "list[int]": lambda v: isinstance(v, list) and all(_is_int(x) for x in v),
        "list[number]": lambda v: isinstance(v, list) and all(_is_number(x) for x in v),
        "year_pair": lambda v: isinstance(v, list) and len(v) == 2 and all(_is_int(x) for x in v) and v[0] < v[1],
        "any": lambda v: True,
        "table": lambda v: isinstance(v, dict),
    }
    if not checks[kind](value):
        return "wrong type"
    if nonempty and isinstance(value, (str, list, dict)) and not (value.strip() if isinstance(value, str) else value):
        return "empty"
    return None


def _numbers(value: Any, kind: str) -> list[float]:
    if kind in ("int", "number"):
        return [value]
    if kind in ("list[int]", "list[number]", "year_pair"):
        return list(value)
    return []


@dataclass(frozen=True)
class Table:
    """A TOML table: its documentation and keys (``Key``, ``Table``, ``Each`` or ``Array`` by name)."""

    doc: str
    keys: dict[str, Any]
    optional: bool = False


@dataclass(frozen=True)
class Each:
    """A table whose every entry (any name) has one schema: a :class:`Key` or a :class:`Table`."""

    doc: str
    entry: Any
    optional: bool = False
    names: str = "name"


@dataclass(frozen=True)
class Array:
    """An array of tables (``[[name]]``). With ``by``, the value of that key picks the schema in ``variants``
    (the keys of ``common`` apply to all); ``unique`` names a key whose values must differ."""

    doc: str
    common: dict[str, Key]
    by: str | None = None
    variants: dict[str, dict[str, Key]] = field(default_factory=dict)
    unique: str | None = None
    optional: bool = False


# ---------------------------------------------------------------------------------------------- checking
@dataclass(frozen=True)
class _Where:
    path: Path
    text: str

    def line(self, section: tuple, key: str | None) -> int | None:
        """The line of ``key`` in ``section`` (names and array positions), found in the file's text."""
        return find_line(self.text, section, key)

    def fail(self, section: tuple, key: str | None, message: str) -> ConfigError:
        line = self.line(section, key)
        return ConfigError(f"{self.path}{f':{line}' if line else ''}: {_section_name(section)}{message}")


def _section_name(section: tuple) -> str:
    parts, out = [], ""
    for part in section:
        if isinstance(part, int):
            out = f"[[{'.'.join(parts)}]] #{part + 1} "
        else:
            parts.append(part)
            out = f"[{'.'.join(parts)}] "
    return out


def _header_matches(header: str, names: list[str]) -> bool:
    pieces = [p.strip().strip('"').strip("'") for p in re.split(r"\.(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", header)]
    return pieces == names


def find_line(text: str, section: tuple, key: str | None) -> int | None:
    names = [p for p in section if isinstance(p, str)]
    index = next((p for p in section if isinstance(p, int)), None)
    lines = text.splitlines()
    inside, seen = not names, -1
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith('"') else raw.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?$", line)
        if header:
            is_array = line.startswith("[[")
            if is_array and index is not None and _header_matches(header.group(1), names[:1]):
                seen += 1
                inside = seen == index
                if inside and key is None:
                    return number
            elif not is_array:
                inside = index is None and _header_matches(header.group(1), names)
                if inside and key is None:
                    return number
            elif index is None:
                inside = False
            continue
        if inside and key is not None and re.match(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", raw):
            return number
    if key is not None and not names:
        return None
    return None


def validate(schema: Table, data: dict, *, path: Path, text: str | None = None) -> dict:
    """``data`` (a parsed TOML file) checked against ``schema``, defaults filled in; a one-line ConfigError else."""
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError:
            text = ""
    return _table(schema, data, (), _Where(Path(path), text))


def _value(key: Key, value: Any, section: tuple, name: str, where: _Where) -> Any:
    problem = key.check(value)
    if problem:
        rule = problem not in ("wrong type", "empty", "out of range") and not problem.startswith("not allowed")
        tail = "" if rule else f"; allowed: {key.allowed()}"  # a rule's reason says what is allowed itself
        raise where.fail(section, name, f"{name} = {_shown(value)}: {problem}{tail}")
    return value


def _shown(value: Any) -> str:
    text = repr(value).replace("True", "true").replace("False", "false")
    return text if len(text) <= 60 else text[:57] + "..."


def _keys(allowed: dict, data: dict, section: tuple, where: _Where) -> None:
    for name in data:
        if name not in allowed:
            raise where.fail(
                section,
                name,
                f"unknown key {name!r}{did_you_mean(name, allowed)}; allowed: {sorted(allowed)}",
            )


def _table(schema: Table, data: Any, section: tuple, where: _Where) -> dict:
    if not isinstance(data, dict):
        raise where.fail(section[:-1], section[-1] if section else None, "should be a table")
    _keys(schema.keys, data, section, where)
    out = {}
    for name, part in schema.keys.items():
        if name not in data:
            if isinstance(part, Key):
                if part.default is REQUIRED:
                    raise where.fail(section, None, f"missing key `{name}` ({part.doc}; {part.allowed()})")
                if part.default is not OPTIONAL:
                    out[name] = part.default
            elif not part.optional:
                raise where.fail(section, None, f"missing [{'.'.join([*_names(section), name])}] ({part.doc})")
            continue
        out[name] = _part(part, data[name], (*section, name), name, where)
    return out


def _names(section: tuple) -> list[str]:
    return [p for p in section if isinstance(p, str)]


def _part(part: Any, value: Any, section: tuple, name: str, where: _Where) -> Any:
    if isinstance(part, Key):
        return _value(part, value, section[:-1], name, where)
    if isinstance(part, Table):
        return _table(part, value, section, where)
    if isinstance(part, Each):
        if not isinstance(value, dict):
            raise where.fail(section[:-1], name, f"{name} should be a table of {part.names}s")
        return {entry: _part(part.entry, v, (*section, entry), entry, where) for entry, v in value.items()}
    if isinstance(part, Array):
        return _array(part, value, section, name, where)
    raise TypeError(part)


def _array(part: Array, value: Any, section: tuple, name: str, where: _Where) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise where.fail(section[:-1], name, f"{name} should be an array of tables [[{name}]]")
    out, seen = [], {}
    for i, entry in enumerate(value):
        here = (*section, i)
        keys = dict(part.common)
        if part.by is not None:
            choice = entry.get(part.by)
            if choice not in part.variants:
                shown = _shown(choice) if part.by in entry else "missing"
                raise where.fail(
                    here,
                    part.by if part.by in entry else None,
                    f"{part.by} = {shown}: not allowed{did_you_mean(choice, part.variants)}; allowed: "
                    f"one of {', '.join(repr(v) for v in part.variants)}",
                )
            keys.update(part.variants[choice])
        checked = _table(Table(part.doc, keys), entry, here, where)
        if part.unique is not None:
            key_value = checked.get(part.unique)
            if key_value in seen:
                raise where.fail(
                    here, part.unique, f"{part.unique} = {_shown(key_value)} repeats entry #{seen[key_value] + 1}"
                )
            seen[key_value] = i
        out.append(checked)
    return out


# ---------------------------------------------------------------------------------------------- docs
def key_tables(title: str, schema: Table) -> str:
    """The Markdown key table of one file's schema (every key by its TOML path)."""
    rows = ["| key | allowed | default | meaning |", "|---|---|---|---|"]
    for path, key in _flatten(schema, ""):
        if key.default is REQUIRED or key.default is OPTIONAL:
            default = "required" if key.default is REQUIRED else "optional"
        else:
            default = f"`{_shown(key.default)}`"
        meaning = " ".join(key.doc.split()).replace("|", "\\|")
        rows.append(f"| `{path}` | {key.allowed().replace('|', '/')} | {default} | {meaning} |")
    doc = " ".join(schema.doc.split())
    return f"### `{title}`\n\n{doc}\n\n" + "\n".join(rows) + "\n"


def _flatten(part: Any, prefix: str) -> list[tuple[str, Key]]:
    if isinstance(part, Key):
        return [(prefix, part)]
    if isinstance(part, Table):
        out = []
        for name, sub in part.keys.items():
            out += _flatten(sub, f"{prefix}.{name}" if prefix else name)
        return out
    if isinstance(part, Each):
        return _flatten(part.entry, f"{prefix}.<{part.names}>")
    if isinstance(part, Array):
        out = [(f"[[{prefix}]].{n}", k) for n, k in part.common.items()]
        for variant, keys in part.variants.items():
            out += [(f"[[{prefix}]].{n} ({part.by} = {variant})", k) for n, k in keys.items()]
        return out
    raise TypeError(part)
