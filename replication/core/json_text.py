"""Indented JSON text, byte for byte what ``json.dumps(value, indent=n, sort_keys=True, allow_nan=False)`` writes,
several times faster on long lists of floats.

With ``indent``, the json module encodes in Python, one element at a time (its C encoder serves only compact
text): an estimates file with covariance matrices of 200,000 numbers took most of its spec's stage to write. Here a
list of finite floats is written in one join of ``float.__repr__`` (what the json module writes for each float);
everything else follows the json module's rules: keys sorted, ``", "`` inside no line, ``": "`` after keys, ASCII
escapes, ``[]`` and ``{}`` when empty, ``ValueError`` for NaN or infinity, ``TypeError`` for what JSON cannot hold.
"""

from __future__ import annotations

import json
import math
from typing import Any

_escape = json.encoder.encode_basestring_ascii  # the json module's own string encoder (ensure_ascii)


def json_text(value: Any, *, indent: int) -> str:
    """``json.dumps(value, indent=indent, sort_keys=True, allow_nan=False)``, byte for byte."""
    return _encode(value, indent, 0)


def _float(value: float) -> str:
    if math.isfinite(value):
        return float.__repr__(value)
    raise ValueError("Out of range float values are not JSON compliant: " + repr(value))


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True or key is False or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _encode(value: Any, indent: int, level: int) -> str:
    if isinstance(value, str):
        return _escape(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    inner = "\n" + " " * (indent * (level + 1))
    outer = "\n" + " " * (indent * level)
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        if all(type(v) is float for v in value) and all(map(math.isfinite, value)):
            items = map(float.__repr__, value)  # the fast path: a vector or a matrix row of numbers
        else:
            items = (_encode(v, indent, level + 1) for v in value)
        return "[" + inner + ("," + inner).join(items) + outer + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        pairs = sorted(value.items())
        return (
            "{"
            + inner
            + ("," + inner).join(_escape(_key(k)) + ": " + _encode(v, indent, level + 1) for k, v in pairs)
            + outer
            + "}"
        )
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
