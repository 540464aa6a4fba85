"""Fuzzing the user-data vintage (national_sut_csv): 200 seeded mutations of the example files.

Each mutation is labelled by what it does to the file: ``invalid`` (the file breaks the documented layout: it must
be refused with a located ReplicationError) or ``maybe`` (the file may still be valid: either outcome is fine, but a
refusal must be clean). Then ``tidy`` and ``offshoring`` run on it. Counted: clean refusals, valid files accepted,
bad files accepted (must be 0), raw exceptions (must be 0); accepted files must give finite intensities.
"""

from __future__ import annotations

import csv
import io
import math
import random
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from replication.core.errors import ReplicationError
from replication.core.layout import Layout
from replication.inputs.tidy import build_tidy
from replication.measures.offshoring import build_offshoring

FIXTURES = Path(__file__).parent / "fixtures" / "national_sut_csv"
KINDS = {
    "io_use.csv": ["iso3", "year", "code", "origin", "code", "value_nonneg"],
    "accounts.csv": ["iso3", "year", "code", "variable", "value_na"],
    "industries.csv": ["code", "name", "sector", "product_group"],
}
INVALID = {
    "iso3": ["", " BEL", "BEL ", "bel", "Bel", "XYZ", "BE", "BELG", "12", "BÉL"],
    "origin": ["", " NLD", "nld", "XYZ", "foreign", "ROW", "rest of world", "N L D"],
    "year": ["", " 2000", "70000", "1850", "3000", "2000.5", "20OO", "-2000", "1e3", "nan"],
    "value": ["", " 10", "ten", "inf", "-inf", "nan", "1e308", "1e16", "--1", "1,5", "0x10", "1e"],
    "value_nonneg": ["-1", "-0.5", "NA"],
    "code": ["", " FOOD", "food", "NOPE", "F OOD"],
    "variable": ["", "go", "OUTPUT", " GO"],
    "name": [""],
    "sector": ["", "industry", "Manufacturing"],
    "product_group": ["", "material", "ENERGY"],
}
MAYBE = {
    "iso3": ["NLD"],
    "origin": ["DEU", "FOREIGN", "RoW", "BEL"],
    "year": ["2001", "1999"],
    "value": ["0", "1.5", "12345.678", "1e3"],
    "value_na": ["NA"],
    "code": ["FOOD", "CHEM", "ICT"],
    "variable": ["GO", "II", "EMP"],
    "name": ["Another name"],
    "sector": ["other", "manufacturing"],
    "product_group": ["other", "materials"],
}


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _cell(rng: random.Random, name: str, text: str) -> tuple[bytes, str, str]:
    rows = _rows(text)
    line = rng.randrange(1, len(rows))
    position = rng.randrange(len(rows[line]))
    kind = KINDS[name][position]
    base = kind.split("_")[0] if kind.startswith("value") else kind
    invalid = INVALID.get(base, []) + (INVALID["value_nonneg"] if kind == "value_nonneg" else [])
    maybe = MAYBE.get(base, []) + (MAYBE["value_na"] if kind == "value_na" else [])
    if rng.random() < 0.7 or not maybe:
        token, label = rng.choice(invalid), "invalid"
    else:
        token, label = rng.choice(maybe), "maybe"
    rows[line][position] = token
    return _csv(rows).encode(), label, f"cell {name}:{line + 1}:{position} = {token!r}"


def _structural(rng: random.Random, name: str, text: str) -> tuple[bytes, str, str]:
    data = text.encode()
    rows = _rows(text)
    kind = rng.choice(
        [
            "truncate",
            "empty",
            "header_only",
            "no_header",
            "semicolon",
            "tab",
            "latin1",
            "nul",
            "extra_field",
            "missing_field",
            "duplicate_line",
            "bom",
            "crlf",
            "blank_line",
            "delete_line",
            "swap_header",
            "utf16",
        ]
    )
    if kind == "truncate":
        cut = rng.randrange(len(rows[0][0]) + 1, len(data) - 1)
        at_line_end = data[cut - 1 : cut] == b"\n"
        return data[:cut], "maybe" if at_line_end else "invalid", f"{name} truncated at byte {cut}"
    if kind == "empty":
        return b"", "invalid", f"{name} empty"
    if kind == "header_only":
        return _csv(rows[:1]).encode(), "invalid", f"{name} header only"
    if kind == "no_header":
        return _csv(rows[1:]).encode(), "invalid", f"{name} without header"
    if kind in ("semicolon", "tab"):
        sep = ";" if kind == "semicolon" else "\t"
        return "\n".join(sep.join(r) for r in rows).encode() + b"\n", "invalid", f"{name} separated by {sep!r}"
    if kind == "latin1":
        line = rng.randrange(1, len(rows))
        rows[line][0] = rows[line][0] + "é"
        return _csv(rows).encode("latin-1"), "invalid", f"{name} latin-1 byte on line {line + 1}"
    if kind == "nul":
        cut = rng.randrange(len(data))
        return data[:cut] + b"\x00" + data[cut:], "invalid", f"{name} NUL at {cut}"
    if kind == "extra_field":
        line = rng.randrange(1, len(rows))
        rows[line].append("1")
        return _csv(rows).encode(), "invalid", f"{name} extra field on line {line + 1}"
    if kind == "missing_field":
        line = rng.randrange(1, len(rows))
        rows[line] = rows[line][:-1]
        return _csv(rows).encode(), "invalid", f"{name} missing field on line {line + 1}"
    if kind == "duplicate_line":
        line = rng.randrange(1, len(rows))
        rows.insert(line, list(rows[line]))
        return _csv(rows).encode(), "invalid", f"{name} line {line + 1} duplicated"
    if kind == "bom":
        return b"\xef\xbb\xbf" + data, "maybe", f"{name} with a BOM"
    if kind == "crlf":
        return data.replace(b"\n", b"\r\n"), "maybe", f"{name} with CRLF"
    if kind == "blank_line":
        line = rng.randrange(1, len(rows))
        return (_csv(rows[:line]) + "\n" + _csv(rows[line:])).encode(), "maybe", f"{name} blank line {line + 1}"
    if kind == "delete_line":
        line = rng.randrange(1, len(rows))
        del rows[line]
        return _csv(rows).encode(), "maybe" if len(rows) > 1 else "invalid", f"{name} line {line + 1} deleted"
    if kind == "swap_header":
        i, j = rng.sample(range(len(rows[0])), 2)
        rows[0][i], rows[0][j] = rows[0][j], rows[0][i]
        return _csv(rows).encode(), "invalid", f"{name} header columns {i} and {j} swapped"
    return text.encode("utf-16"), "invalid", f"{name} as UTF-16"


def mutations(seed: int, count: int) -> list[tuple[str, bytes, str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        name = rng.choice(sorted(KINDS))
        text = (FIXTURES / name).read_text(encoding="utf-8")
        data, label, what = (_cell if rng.random() < 0.6 else _structural)(rng, name, text)
        out.append((name, data, label, what))
    return out


@pytest.mark.slow
def test_200_mutations_no_raw_exception_and_no_bad_file_accepted(project):
    folder = project / "data" / "raw" / "national_sut_csv"
    counts: Counter = Counter()
    raw, accepted_bad = [], []
    for name, data, label, what in mutations(seed=20261126, count=200):
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(FIXTURES, folder)
        (folder / name).write_bytes(data)
        try:
            build_tidy("national_sut_csv")
            build_offshoring("national_sut_csv")
        except ReplicationError as exc:
            counts["refused"] += 1
            assert "\n" not in str(exc), what  # one line
            continue
        except Exception as exc:  # a raw exception: the defect this test exists for
            raw.append(f"{what}: {type(exc).__name__}: {exc}")
            continue
        if label == "invalid":
            accepted_bad.append(what)
            continue
        counts["valid accepted"] += 1
        values = pd.read_parquet(Layout("national_sut_csv").offshoring)["value"].to_numpy(dtype=float)
        assert not np.isinf(values).any(), what
        assert all(math.isnan(v) or 0 <= v <= 100 for v in values), what
    print(f"fuzz: {dict(counts)}, raw exceptions {len(raw)}, bad files accepted {len(accepted_bad)}")
    assert not raw, raw
    assert not accepted_bad, accepted_bad
    assert counts["refused"] >= 100 and counts["valid accepted"] >= 10  # the mutations exercise both outcomes
