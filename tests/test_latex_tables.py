"""LaTeX tables fit a paper page: a 12-model regression table is split into panels and compiles without an
overfull box (tools/check_latex.py; pdflatex is installed in CI, where a missing one is a failure)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from replication.estimators.static import estimate_static
from replication.report.regression_tables import PANEL_COLUMNS, cells, latex, notes

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("check_latex", ROOT / "tools" / "check_latex.py")
check_latex = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_latex)


def _results(models: int) -> dict:
    rng = np.random.default_rng(0)
    rows = [
        {"id": e, "year": t, "om_const_total": rng.normal(), "os_const_total": rng.normal(), "y": rng.normal()}
        for e in range(10)
        for t in range(6)
    ]
    data = pd.DataFrame(rows)
    fit = estimate_static(
        data, dependent="y", regressors=["om_const_total", "os_const_total"], entity="id", time="year"
    )
    return {f"long_variant_name_{i}": fit for i in range(models)}


@pytest.mark.skipif(shutil.which("pdflatex") is None and not os.environ.get("CI"), reason="no pdflatex here")
def test_a_wide_regression_table_is_split_into_panels_and_fits_the_page(tmp_path):
    results = _results(12)
    labels, table = cells(results, ["om_const_total", "os_const_total"], {})
    text = latex("A wide table", "wide", labels, table, notes(results, {}, list(table), "source line"))
    assert text.count(r"\begin{tabular}") == -(-12 // PANEL_COLUMNS)  # ceil: 3 panels of at most 5 models
    path = tmp_path / "wide.tex"
    path.write_text(text)
    work = tmp_path / "work"
    work.mkdir()
    assert check_latex.check(path, work) == []


def test_an_empty_table_is_reported():
    empty = "\\begin{tabular}{ll}\n\\toprule\nA & B \\\\\n\\midrule\n\\bottomrule\n\\end{tabular}\n"
    assert check_latex.is_empty(empty)
    assert not check_latex.is_empty(empty.replace("\\midrule\n", "\\midrule\nrow & 1.5 \\\\\n"))


def _rows_of(text: str) -> list[list[str]]:
    """The body rows of each tabular of a LaTeX text."""
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith(r"\begin{tabular}"):
            out.append([])
        elif line == r"\midrule":
            inside = True
        elif line in (r"\bottomrule", r"\end{tabular}"):
            inside = False
        elif inside and "&" in line:
            out[-1].append(line)
    return out


def test_each_table_has_only_the_rows_its_models_fill_and_at_most_the_row_budget():
    from replication.report.regression_tables import MAX_BODY_ROWS, _row_slices

    results = _results(7)
    labels, table = cells(results, ["om_const_total", "os_const_total"], {})
    for variant in list(table)[5:]:  # the second table's models fill no om_const_total row
        table[variant]["om_const_total"] = table[variant]["om_const_total:se"] = ""
    text = latex("t", "t", labels, table, notes(results, {}, list(table), "source"))
    first, second = _rows_of(text)
    assert any(r.startswith("Materials offshoring, constant prices") for r in first)
    assert not any(r.startswith("Materials offshoring, constant prices") for r in second)  # an empty row dropped
    assert text.startswith("% requires: booktabs") and r"\label{tab:t_2}" in text
    # a system's rows beyond the budget: one table per equation, a term never parted from its s.e. row
    rows = [f"{eq}: x{i}{suffix}" for eq in ("low", "medium") for i in range(15) for suffix in ("", ":se")]
    slices = _row_slices([*rows, "Estimator", "N"], len(rows))
    assert [s[0].split(":")[0] for s in slices] == ["low", "medium"]
    assert all(len(s) - 2 <= MAX_BODY_ROWS and s[-2:] == ["Estimator", "N"] for s in slices)


@pytest.mark.skipif(shutil.which("pdflatex") is None and not os.environ.get("CI"), reason="no pdflatex here")
def test_a_table_taller_than_the_page_is_reported(tmp_path):
    rows = "".join(f"row {i} & {i}.5 \\\\\n" for i in range(120))
    tall = "\\begin{table}\n\\begin{tabular}{lr}\n\\toprule\nA & B \\\\\n\\midrule\n" + rows
    tall += "\\bottomrule\n\\end{tabular}\n\\end{table}\n"
    path = tmp_path / "tall.tex"
    path.write_text(tall)
    work = tmp_path / "work"
    work.mkdir()
    assert any("taller than the page" in p for p in check_latex.check(path, work))


def test_a_new_variants_terms_appear_unless_hidden(tmp_path):
    from replication.report.regression_tables import shown_terms
    from replication.specs.spec import load_spec

    path = tmp_path / "s.toml"
    path.write_text(
        'title = "t"\nreport = ["x2"]\nhide = ["z"]\n[data]\npath = "x.csv"\nentity = "id"\ntime = "year"\n'
        '[model]\nestimator = "within"\ndependent = "y"\nregressors = ["x1", "x2", "z"]\n'
        '[[variants]]\nname = "new"\nmodel = { regressors = ["x1", "x3"] }\n'
    )
    assert shown_terms(load_spec(path)) == ["x2", "x1", "x3"]  # report first, then the rest; z hidden
