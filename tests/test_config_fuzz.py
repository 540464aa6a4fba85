"""Seeded fuzz of every file a researcher edits: each config/*.toml, the scenario files, the weights CSV and the spec
files. Each mutation is valid or invalid by construction (the oracle is this file's own rules, not the schemas):
a wrong type, an out-of-range value, an unknown key or name, a missing required key or a repeated id must give one
line naming the file; a value inside its range, an optional key left out or a harmless edit must be accepted.
Anything else (a traceback, an accepted bad file, a refused good one, a run past its alarm) fails the test."""

from __future__ import annotations

import copy
import json
import math
import random
import signal
import tomllib
from pathlib import Path

import pytest

from replication.analysis.tradeoff import check_base_years, load_scenario, read_weights
from replication.core import config_schemas
from replication.core.errors import ReplicationError
from replication.core.toml_schema import validate
from replication.specs.spec import load_specs

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261202
CHANNELS = ["om_oecd", "om_ceec", "om_asia", "os_total", "ict"]
#: keys a file may leave out (their defaults apply)
OPTIONAL = {"note", "tolerance_change", "description", "trend", "weights", "carry_forward_years", "annual_change"}
OPTIONAL |= {"estimation_panel", "comparison_notes", "accounts_industry_map", "groups_from_table"}
#: tables whose entries are named by the researcher: a new entry is valid (a new group, origin, channel, ...)
OPEN = {"groups", "totals", "interactions", "last_year", "origins", "variant_origins", "min_distinct_series"}
OPEN |= {"channels", "terms"}
#: per key: values inside its range (valid) and outside (invalid), beyond the type mutations every key gets
RANGES = {
    "alpha": ([0.1, 0.01], [0, 1, 5, -0.05]),
    "null_alpha": ([0.2], [0, 1.5]),
    "level": ([0.8, 0.99], [0, 1, 95, 1.5]),
    "draws": ([500, 1], [0, -1, 10**13]),
    "seed": ([7, 0], [-1, -(2**40)]),
    "min_clusters": ([8, 2], [0, 1]),
    "tolerance": ([3, 0], [-5]),
    "bound": ([1.5], [0, -1]),
    "horizon": ([20, 1], [0, 51, 10**7]),
    "base_year": ([2005], [1907, 2100]),
    "carry_forward_years": ([0, 2], [-1, 11]),
    "min_mean_sd": ([0.02], [-0.1, 2]),
    "low_quantile": ([0.1], [0, 1]),
    "level_rel": ([0.2], [-0.1, 1.5]),
    "decimals": ([4], [-1, 40]),
    "hansen_edge": ([1e-5], [0, 0.9]),
    "ict_carry_forward": ([2], [-3]),
}
#: per key: names that do not exist (invalid)
NAMES = {
    "sector": ["services", "Manufacturing"],
    "sectors": [["manufacturing", "services"], [], ["market_services", "market_services"]],
    "weights": ["hour"],
    "variable": ["sh_lss"],
    "vintage": ["wiod2031"],
    "panel_vintage": ["wiod"],
    "accounts_vintage": ["euklems"],
    "equation": ["lows"],
    "share": ["sh_xx"],
    "kind": ["effects"],
    "sign": ["up"],
    "country": ["Belgium", "be"],
    "periods": [[[2007, 1995]], [], [[1995]]],
    "period": [[2004, 1995]],
}


class HangError(Exception):
    pass


def _alarm(signum, frame):
    raise HangError


def _dump_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value == math.inf else "-inf" if value == -math.inf else repr(value))
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_dump_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_dump_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def dump_toml(data: dict, prefix: str = "") -> str:
    """TOML text of ``data``: scalars and inline values first, then tables, then arrays of tables."""
    lines, tables, arrays = [], [], []
    for key, value in data.items():
        name = json.dumps(key)
        if isinstance(value, dict) and value and (all(isinstance(v, dict) for v in value.values()) or not prefix):
            tables.append((name, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arrays.append((name, value))
        else:
            lines.append(f"{name} = {_dump_value(value)}")
    text = "\n".join(lines) + ("\n" if lines else "")
    for name, value in tables:
        full = f"{prefix}.{name}" if prefix else name
        text += f"\n[{full}]\n" + dump_toml(value, full)
    for name, entries in arrays:
        full = f"{prefix}.{name}" if prefix else name
        for entry in entries:
            text += f"\n[[{full}]]\n" + dump_toml(entry, full)
    return text


def _leaves(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        for i, value in enumerate(data):
            yield from _leaves(value, (*path, i))
    else:
        yield path, data


def _set(data, path, value):
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _delete(data, path):
    for part in path[:-1]:
        data = data[part]
    del data[path[-1]]


def _type_mutations(value):
    """Values of another type than ``value`` (all invalid)."""
    if isinstance(value, bool):
        return ["no", 1]
    if isinstance(value, int):
        return [float(value) + 0.5, True, str(value)]
    if isinstance(value, float):
        return [str(value), math.nan, False]
    if isinstance(value, str):
        return [1, False]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return [[1, 2], "x"]
    return []


def mutations(data: dict, rng: random.Random, count: int):
    """``count`` seeded (mutated data, expected valid?, description)."""
    leaves = [(p, v) for p, v in _leaves(data) if p]
    out = []
    while len(out) < count:
        path, value = rng.choice(leaves)
        key = next(part for part in reversed(path) if isinstance(part, str))
        choices = [("type", v, False) for v in _type_mutations(value)]
        valid, invalid = RANGES.get(key, ([], []))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            choices += [("range", v, True) for v in valid] + [("range", v, False) for v in invalid]
        if "ict" not in path:  # the ICT variable is a column of the accounts: checked where they are read
            choices += [("name", v, False) for v in NAMES.get(key, []) if type(v) is type(value)]
        choices += [("unknown key", None, False), ("delete", None, key in OPTIONAL)]
        if isinstance(value, str) and key in ("title", "text", "description", "label", "source", "note", "name"):
            choices += [("edit text", value + " (edited)", True)] * 2
        if isinstance(value, bool):
            choices += [("flip", not value, True)] * 2
        choices += [("reorder", None, True)] * 2  # the same keys in another order
        kind, new, ok = rng.choice(choices)
        mutated = copy.deepcopy(data)
        if kind == "unknown key":
            parent = mutated
            for part in path[:-1]:
                parent = parent[part]
            if not isinstance(path[-1], str):
                continue
            parent[path[-1][:-1] + "x" if len(path[-1]) > 2 else path[-1] + "x"] = parent[path[-1]]
            description = f"unknown key beside {path}"
            ok = len(path) >= 2 and path[-2] in OPEN
        elif kind == "reorder":
            parent = mutated
            for part in path[:-1]:
                parent = parent[part]
            items = list(parent.items())[::-1]
            parent.clear()
            parent.update(items)
            description = f"keys of {path[:-1]} reversed"
        elif kind == "delete":
            if isinstance(path[-1], int) or (len(path) >= 2 and path[-2] in OPEN):
                continue  # removing a named group may or may not orphan a reference: no fixed answer
            _delete(mutated, path)
            description = f"delete {path}"
            ok = ok or (len(path) >= 2 and path[-2] == "annual_change")
        else:
            _set(mutated, path, new)
            description = f"{kind}: {path} = {new!r}"
        out.append((mutated, ok, description))
    return out


def _check(run, ok: bool, description: str, path: Path, counts: dict) -> None:
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(60)
    try:
        run()
        accepted, message = True, ""
    except ReplicationError as exc:
        accepted, message = False, str(exc)
    except HangError:
        pytest.fail(f"hang: {description}")
    except Exception as exc:  # a traceback
        pytest.fail(f"traceback ({type(exc).__name__}: {exc}) for {description}")
    finally:
        signal.alarm(0)
    if ok:
        assert accepted, f"valid file refused ({description}): {message}"
    else:
        assert not accepted, f"bad file accepted: {description}"
        assert "\n" not in message and path.name in message, f"not one line naming the file: {message!r}"
    counts["valid" if ok else "invalid"] += 1


@pytest.mark.parametrize("name", sorted(config_schemas.SCHEMAS))
def test_config_files(name, tmp_path):
    source = ROOT / "config" / name
    data = tomllib.loads(source.read_text())
    assert tomllib.loads(dump_toml(data)) == data  # the writer round-trips the shipped file
    rng, counts = random.Random(f"{SEED}-{name}"), {"valid": 0, "invalid": 0}
    path = tmp_path / name
    for mutated, ok, description in mutations(data, rng, 30):
        text = dump_toml(mutated)
        path.write_text(text)

        def run(text=text):
            checked = validate(config_schemas.SCHEMAS[name], tomllib.loads(text), path=path, text=text)
            problem = config_schemas.CROSS.get(name, lambda d: None)(checked)
            if problem:
                raise ReplicationError(f"{path}: {problem}")

        _check(run, ok, f"{name}: {description}", path, counts)
    assert counts["invalid"] >= 10


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "scenarios").glob("*.toml")))
def test_scenario_files(name, tmp_path):
    data = tomllib.loads((ROOT / "scenarios" / name).read_text())
    data.setdefault("annual_change", {"om_ceec": 0.1})
    rng, counts = random.Random(f"{SEED}-{name}"), {"valid": 0, "invalid": 0}
    path = tmp_path / name
    for mutated, ok, description in mutations(data, rng, 12):
        path.write_text(dump_toml(mutated))
        _check(
            lambda: check_base_years([load_scenario(path, CHANNELS)], list(range(1995, 2008))),
            ok,
            f"{name}: {description}",
            path,
            counts,
        )


SECTOR_OF = {"c3": "manufacturing", "c4": "manufacturing", "c5": "manufacturing", "c20": "market_services"}
WEIGHTS = [
    ("industry,hours\nc3,10\nc4,20\nc5,5\n", True, "valid hours"),
    ("industry,hours\nc3,100\nc4,200\nc5,50\n", True, "hours x 10"),
    ("industry,hours\nc3,10\nc4,0\nc5,5\n", True, "one industry at 0"),
    ("industry,share\nc3,0.5\nc4,0.25\nc5,0.25\nc20,1\n", True, "valid shares"),
    ("industry,hours\nc3,10\nc4,20\n", False, "an industry left out"),
    ("industry,hours\nc3,0\nc4,0\nc5,0\n", False, "all zeros"),
    ("industry,hours\nc3,-1\nc4,20\nc5,5\n", False, "negative"),
    ("industry,hours\nc3,ten\nc4,20\nc5,5\n", False, "not a number"),
    ("industry,hours\nc3,nan\nc4,20\nc5,5\n", False, "nan"),
    ("industry,hours\nc3,inf\nc4,20\nc5,5\n", False, "inf"),
    ("industry,hours\nc3,1\nc3,2\nc4,20\nc5,5\n", False, "repeated"),
    ("industry,hours\nc3,1\nc4,20\nc5,5\nzz,1\n", False, "unknown industry"),
    ("industry,share\nc3,0.5\nc4,0.4\nc5,0.3\n", False, "shares not adding up"),
    ("industry,jobs\nc3,1\n", False, "wrong column"),
    ("industry,hours,share\nc3,1,1\n", False, "two value columns"),
    ("industry,hours\n", False, "no rows"),
    ("", False, "empty"),
    ("\xff\xfe", False, "not text"),
]


@pytest.mark.parametrize(("text", "ok", "description"), WEIGHTS, ids=[w[2] for w in WEIGHTS])
def test_weights_files(tmp_path, text, ok, description):
    path = tmp_path / "weights.csv"
    path.write_bytes(text.encode("latin-1"))
    _check(lambda: read_weights(path, SECTOR_OF), ok, description, path, {"valid": 0, "invalid": 0})


SPEC_CASES = [
    ("[inference.bootstrap]\nlevel = 95", False),
    ("[inference.bootstrap]\nlevel = 1.5", False),
    ("[inference.bootstrap]\nlevel = 0", False),
    ("[inference.bootstrap]\nlevel = nan", False),
    ("[inference.bootstrap]\nlevel = 0.9", True),
    ("[inference.bootstrap]\ndraws = 0", False),
    ("[inference.bootstrap]\ndraws = 10000000000000", False),
    ("[inference.bootstrap]\ndraws = 999", True),
    ("[inference.bootstrap]\nseed = -1", False),
    ("[inference.bootstrap]\nseed = 1.5", False),
    ('[inference.bootstrap]\nweights = "mammen"', False),
    ("[inference.bootstrap]\nterms = [1]", False),
]


def test_spec_files(tmp_path):
    """Mutations of a within spec's [inference.bootstrap] and [model], written as a spec file and loaded."""
    base = (
        'title = "t"\n[data]\npath = "tests/reference/panel/panel.csv"\nentity = "id"\ntime = "year"\n'
        '[model]\nestimator = "within"\ndependent = "y"\nregressors = REGRESSORS\n[inference]\ncov_type = "COV"\n'
    )
    cases = [
        (base.replace("REGRESSORS", '["x1", "x2"]').replace("COV", "clustered") + extra, ok) for extra, ok in SPEC_CASES
    ]
    for regressors, ok in [
        ('["x1", "x2"]', True),
        ("[1, 2]", False),
        ('["L0.x1"]', False),
        ('["L1.x1"]', True),
        ("[]", False),
        ('"x1"', False),
        ('["x 1"]', False),
    ]:
        cases.append((base.replace("REGRESSORS", regressors).replace("COV", "clustered"), ok))
    for cov, ok in [
        ('driscoll_kraay"\nbandwidth = -3\n#"', False),
        ('driscoll_kraay"\nbandwidth = 2\n#"', True),
        ("white", False),
    ]:
        cases.append((base.replace("REGRESSORS", '["x1"]').replace("COV", cov), ok))
    gmm = (
        'title = "g"\n[data]\npath = "x.csv"\nentity = "id"\ntime = "year"\n[model]\nestimator = "difference_gmm"\n'
        'dependent = "n"\nregressors = ["L1.n"]\ngmm = [{ variable = "n", lags = LAGS }]\n'
    )
    cases += [
        (gmm.replace("LAGS", lags), ok)
        for lags, ok in [("[2]", False), ("[0, 3]", False), ("[3, 2]", False), ("[2, 99]", True), ('["2", "3"]', False)]
    ]
    sur = 'title = "s"\n[data]\npath = "x.csv"\nentity = "id"\ntime = "year"\n[model]\nestimator = "sur"\n'
    cases += [
        (sur + "equations = {}\n", False),
        (sur + '[model.equations.low]\ndependent = "y"\nregressors = ["x"]\n', True),
    ]
    counts = {"valid": 0, "invalid": 0}
    for i, (text, ok) in enumerate(cases):
        path = tmp_path / f"spec_{i}.toml"
        path.write_text(text)
        _check(lambda path=path: load_specs(path), ok, f"spec case {i}: {text!r}", path, counts)
    assert counts["invalid"] >= 20 and counts["valid"] >= 5


def test_the_fuzz_covers_at_least_200_mutations():
    """The arithmetic of the families above (a guard that a later edit keeps the fuzz this large)."""
    configs = 30 * len(config_schemas.SCHEMAS)
    scenarios = 12 * len(list((ROOT / "scenarios").glob("*.toml")))
    assert configs + scenarios + len(WEIGHTS) + len(SPEC_CASES) + 17 >= 200


@pytest.mark.parametrize(
    "text",
    [
        'name = "x"\nbase_year = 1907\nhorizon = 10\n',
        'name = "x"\nbase_year = 2007\nhorizon = 10\ntrend = "false"\n',
        'name = "x"\nbase_year = 2007\nhorizon = 10\n[annual_change]\nos_total = 1e308\n',
        'name = "x"\nbase_year = 2007\nhorizon = 10\n[annual_change]\nservices = 0.2\n',
        'name = "x"\nbase_year = 2007\nhorizon = 10\nweights = "missing.csv"\n',
    ],
)
def test_a_refused_scenario_run_touches_no_output(tmp_path, capsys, text):
    """Through the documented command: one line naming the scenario file, exit 2, the output folder as it was."""
    from replication import cli

    out = tmp_path / "tradeoff"
    out.mkdir()
    (out / "scenarios.csv").write_text("previous results\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    scenario = tmp_path / "bad.toml"
    scenario.write_text(text)
    assert cli.main(["scenarios", str(scenario), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.toml" in err, err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
