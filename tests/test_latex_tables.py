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
