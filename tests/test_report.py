"""Table 1 comparison, figures and the CLI on the real wiod2013 build."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from replication.analysis.table1 import growth_rate, table1_comparison, write_offshoring_csv, write_table1_comparison
from replication.cli import main
from replication.core import config
from replication.report.offshoring_tables import write_table1
from replication.report.render import to_latex, to_markdown

PUBLISHED = config.project_root() / "data" / "published" / "table1_offshoring.csv"


def test_growth_rate_reproduces_published_g_from_published_levels():
    """The published g is the compound annual rate 1995-2007: check it on every row whose levels carry
    enough digits (both >= 1, so the rounding of the levels moves g by less than 0.05)."""
    published = pd.read_csv(PUBLISHED, dtype={"statistic": str})
    wide = published.pivot_table(index=["sector", "origin", "measure"], columns="statistic", values="value")
    precise = wide[(wide["1995"] >= 1) & (wide["2007"] >= 1)]
    assert len(precise) == 6
    computed = growth_rate(precise["1995"], precise["2007"], 12)
    np.testing.assert_allclose(computed, precise["g"], atol=0.05 + 1e-9)


def test_growth_rate_formula():
    assert growth_rate(100.0, 121.0, 2) == pytest.approx(10.0)
    assert np.isnan(growth_rate(0.0, 0.0, 12))


def test_table1_comparison_aligns_and_leaves_missing_years_missing():
    ours = pd.DataFrame(
        {
            "sector": ["manufacturing"] * 2,
            "origin": ["total"] * 2,
            "measure": ["om"] * 2,
            "year": [1995, 2007],
            "value": [40.0, 44.0],
        }
    )
    published = pd.DataFrame(
        {
            "sector": ["manufacturing"] * 3,
            "origin": ["total"] * 3,
            "measure": ["om"] * 3,
            "statistic": ["1995", "2007", "g"],
            "published": [35.68, 38.33, 0.6],
        }
    )
    result = table1_comparison(ours, published, base=1995, end=2007).set_index("statistic")
    assert result.loc["2007", "ours"] == 44.0 and result.loc["2007", "difference"] == pytest.approx(44 - 38.33)
    assert result.loc["g", "ours"] == pytest.approx(100 * ((44 / 40) ** (1 / 12) - 1))
    late = table1_comparison(ours[ours["year"] == 2007], published, base=1995, end=2007).set_index("statistic")
    assert np.isnan(late.loc["1995", "ours"]) and np.isnan(late.loc["g", "ours"])


def test_renderers():
    frame = pd.DataFrame({"Sector": ["A_b & c"], "x": [1.234], "y": [float("nan")]})
    assert to_markdown(frame) == "| Sector | x | y |\n|---|---:|---:|\n| A_b & c | 1.23 | – |\n"
    latex = to_latex(frame, caption="50% of it", label="tab:x")
    assert r"A\_b \& c & 1.23 & – \\" in latex and r"\caption{50\% of it}" in latex


@pytest.mark.realdata
def test_table1_and_csv_on_real_data(use_real_project):
    frame = write_offshoring_csv("wiod2013", "BEL")
    # every sector (2 groups + 35 industries) x origin x measure x year 1995-2011
    assert len(frame) == 37 * 4 * 2 * 17
    assert list(frame.columns) == ["country", "sector", "origin", "measure", "year", "value"]
    comparison = write_table1_comparison("wiod2013", "BEL")
    assert len(comparison) == 48 and len(write_table1("wiod2013", "BEL")) == 48 and comparison["ours"].notna().all()
    tables = use_real_project / "outputs" / "tables"
    markdown = (tables / "table1_offshoring_BEL.md").read_text()
    assert "| Manufacturing | CEEC | 0.55 | 0.41 |" in markdown
    assert "Switzerland, Iceland, Norway, New Zealand" in markdown  # OECD22 members WIOD 2013 lacks
    assert (tables / "table1_offshoring_BEL.tex").read_text().count(r"\\") >= 10
    assert write_table1_comparison("wiod2013", "DEU") is None  # the published table is about Belgium only
    assert write_table1("wiod2013", "DEU") is None


@pytest.mark.slow
@pytest.mark.realdata
def test_cli_writes_byte_identical_outputs_twice(use_real_project, capsys):
    outputs = use_real_project / "outputs"
    assert main(["--quiet", "tables"]) == 0 and main(["-q", "table1"]) == 0
    assert main(["figures", "--quiet"]) == 0
    files = sorted(p for p in outputs.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {
        "offshoring_BEL.csv",
        "table1_offshoring_BEL.md",
        "imported_inputs_2005.png",
        "offshoring_trends_BEL.pdf",
    }
    first = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    assert main(["-q", "tables"]) == 0 and main(["-q", "table1"]) == 0 and main(["-q", "figures"]) == 0
    assert first == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_cli_errors_are_one_line_with_exit_code_2(project, capsys):
    assert main(["tidy", "--vintage", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown vintage 'nope'; available: ['euklems_countries', 'national_sut_csv'" in err
    assert main(["tables", "--country", "BEL"]) == 2
    assert "offshoring.parquet: not built; run `make all VINTAGE=wiod2013`" in capsys.readouterr().err
    # the coefficient figure is its own stage (drawn once the estimates exist); the report only shows it
    assert main(["report", "--country", "BEL"]) == 2
    err = capsys.readouterr().err
    assert err == "error: outputs/figures/offshoring_effects.png: not built; run `make all`\n"


@pytest.mark.realdata
def test_cli_unknown_country_lists_available(use_real_project, capsys):
    assert main(["tables", "--country", "XYZ"]) == 2
    assert "country 'XYZ' is not in vintage 'wiod2013'; available: ['AUS', 'AUT', 'BEL'" in capsys.readouterr().err


def test_cross_country_figure_is_named_per_country(project):
    from replication.core.layout import Layout
    from replication.report.figures import cross_country_figure

    bel, deu, fra = Layout(), Layout("wiod2013", "DEU"), Layout("wiod2013", "FRA")
    assert bel.cross_country_figure(2005).name == "imported_inputs_2005"
    assert deu.cross_country_figure(2005).name == "imported_inputs_2005_DEU"
    bel.figures.mkdir(parents=True)
    for name in ("imported_inputs_2005.png", "imported_inputs_2005_DEU.png", "imported_inputs_2011_DEU.png"):
        (bel.figures / name).write_bytes(b"png")
    assert cross_country_figure(bel).name == "imported_inputs_2005.png"  # never another country's
    assert cross_country_figure(deu).name == "imported_inputs_2011_DEU.png"
    assert cross_country_figure(fra) is None
