"""replication.core.json_text writes what json.dumps(indent=n, sort_keys=True, allow_nan=False) writes, to the byte."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from replication.core.json_text import json_text


def _reference(value: object, indent: int) -> str:
    return json.dumps(value, indent=indent, sort_keys=True, allow_nan=False)


def _random_value(rng: np.random.Generator, depth: int = 0) -> object:
    kind = rng.integers(0, 9 if depth < 4 else 6)
    if kind == 0:
        return float(rng.choice([0.0, -0.0, 1e-300, 5e-324, 1e16, 1.7976931348623157e308, 0.1, -2.5]) * rng.random())
    if kind == 1:
        return int(rng.integers(-(2**62), 2**62))
    if kind == 2:
        return str(rng.choice(["", "plain", 'quote " and \\ backslash', "tab\tnew\nline", "é ü 中 \u2028", "\x00"]))
    if kind == 3:
        return [True, False, None][int(rng.integers(0, 3))]
    if kind == 4:
        return [float(x) for x in rng.normal(0, 10.0 ** rng.integers(-8, 9), int(rng.integers(0, 40)))]
    if kind == 5:
        return np.float64(rng.normal())  # a float subclass: written as the float
    if kind == 6:
        return [_random_value(rng, depth + 1) for _ in range(int(rng.integers(0, 5)))]
    if kind == 7:
        return tuple(_random_value(rng, depth + 1) for _ in range(int(rng.integers(0, 3))))
    keys = [f"k{int(k)}" for k in rng.integers(0, 50, int(rng.integers(0, 6)))]
    return {k: _random_value(rng, depth + 1) for k in keys}


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("indent", [1, 2])
def test_random_values_are_written_as_json_dumps_writes_them(seed, indent):
    value = _random_value(np.random.default_rng(seed))
    assert json_text(value, indent=indent) == _reference(value, indent)


def test_keys_of_other_types_and_empty_containers():
    value = {2: [], 1.5: {}, True: "t", None: [[], {}], "a": [1.0, 2], "b": (0.5, -0.0)}
    with pytest.raises(TypeError):
        _reference(value, 1)  # mixed key types cannot be sorted: both refuse
    with pytest.raises(TypeError):
        json_text(value, indent=1)
    for value in ({2: [], 10: {}, -1: [[], {}]}, {1.5: 1, 0.25: 2}, {"x": {"": [[]]}}):
        assert json_text(value, indent=1) == _reference(value, 1)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused_as_json_dumps_refuses_them(bad):
    for value in ([1.0, bad], {"x": [[0.5], [bad]]}, bad):
        with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
            _reference(value, 1)
        with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
            json_text(value, indent=1)


def test_what_json_cannot_hold_is_refused():
    for value in ([np.int64(3)], {"x": object()}, {1, 2}):
        with pytest.raises(TypeError):
            _reference(value, 1)
        with pytest.raises(TypeError, match="not JSON serializable"):
            json_text(value, indent=1)
