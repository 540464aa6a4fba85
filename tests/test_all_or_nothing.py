"""All-or-nothing stages: each stage writes the file Make checks last, so an interrupt between two of its files
leaves that file absent (or old) and the next `make all` redoes the stage.

On a simulated user vintage (national_sut_csv layout): every file rename (``os.replace``, the last step of every
atomic write) is recorded; the Make-checked file of each stage (``Layout.make_variables``) must come last. Then the
estimation and table stages are interrupted (KeyboardInterrupt, as Ctrl-C) after their first file, and rerun.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from replication.cli import main
from replication.core.layout import Layout
from tests.test_end_to_end_simulated import simulate

SPEC = """
title = "simulated production function, {sector_label}"
report = ["ln_hours", "om_total"]
[parameters]
sector = ["manufacturing", "market_services"]
[data]
panel = true
entity = "entity"
time = "year"
sample = "country == @country and sector == '{sector}'"
[model]
estimator = "within"
dependent = "ln_go"
regressors = ["ln_hours", "ln_k", "ln_ii", "om_total", "os_total"]
time_effects = true
"""


@pytest.fixture
def renames(monkeypatch):
    """Targets of every atomic write, in order."""
    done: list[Path] = []
    real = os.replace

    def record(src, dst):
        real(src, dst)
        done.append(Path(dst).resolve())

    monkeypatch.setattr(os, "replace", record)
    return done


def _stage(renames: list[Path], args: list[str]) -> list[Path]:
    start = len(renames)
    assert main(["-q", *args]) == 0, args
    return renames[start:]


@pytest.mark.slow  # every stage of the pipeline in turn (4 s): make test and CI; the interruption test below stays fast
def test_every_stage_writes_its_checked_file_last(project, renames, tmp_path):
    folder = project / "data" / "raw" / "national_sut_csv"
    folder.mkdir(parents=True)
    simulate(folder)
    layout = Layout("national_sut_csv", "BEL")
    checked = {k: (project / v).resolve() for k, v in layout.make_variables().items() if "/" in v}
    run = ["--vintage", "national_sut_csv"]
    assert _stage(renames, ["tidy", *run])[-1] == checked["TIDY"]
    assert _stage(renames, ["offshoring", *run])[-1] == checked["OFFSHORING"]
    assert _stage(renames, ["tables", *run, "--country", "BEL"])[-1] == checked["TABLES"]
    assert _stage(renames, ["figures", *run, "--country", "BEL"])[-1] == checked["FIGURES"]
    panel_io = _stage(renames, ["panel-io", *run])
    assert [p.name for p in panel_io] == ["domestic_flows.parquet", "panel_io.parquet"]
    assert panel_io[-1] == checked["PANEL_IO"]
    assert _stage(renames, ["panel", *run])[-1] == checked["PANEL"]
    spec = tmp_path / "prod.toml"
    spec.write_text(SPEC)
    estimates = _stage(renames, ["estimate", *run, "--country", "BEL", str(spec)])
    assert [p.name for p in estimates] == ["prod_manufacturing.json", "prod_market_services.json"]
    tables = _stage(renames, ["regression-tables", *run, "--country", "BEL", str(spec)])
    for stem in ("prod_manufacturing", "prod_market_services"):  # the Markdown (checked) last for each spec
        own = [p for p in tables if p.stem == stem]
        assert own[0].suffix == ".csv" and own[-1].suffix == ".md", own
    assert tables[-1].name == "prod_market_services.md"


def test_an_interrupted_stage_leaves_its_checked_file_absent_and_a_rerun_completes(project, monkeypatch, tmp_path):
    folder = project / "data" / "raw" / "national_sut_csv"
    folder.mkdir(parents=True)
    simulate(folder)
    run = ["--vintage", "national_sut_csv"]
    for stage in (["tidy", *run], ["offshoring", *run], ["panel-io", *run], ["panel", *run]):
        assert main(["-q", *stage]) == 0
    spec = tmp_path / "prod.toml"
    spec.write_text(SPEC)
    layout = Layout("national_sut_csv", "BEL")
    real = os.replace
    calls = {"n": 0}

    def interrupt_after_first(src, dst):
        calls["n"] += 1
        if calls["n"] > 1:
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(os, "replace", interrupt_after_first)
    assert main(["-q", "estimate", *run, "--country", "BEL", str(spec)]) == 130  # one line, exit 130
    first, second = layout.estimates / "prod_manufacturing.json", layout.estimates / "prod_market_services.json"
    assert first.exists() and not second.exists()  # Make sees a missing target of the group and redoes it
    assert not list(layout.estimates.glob(".*.tmp"))  # no half-written file left behind
    calls["n"] = -100
    assert main(["-q", "estimate", *run, "--country", "BEL", str(spec)]) == 0
    assert second.exists()
    calls["n"] = 2  # the tables: interrupted before the first file
    assert main(["-q", "regression-tables", *run, "--country", "BEL", str(spec)]) == 130
    assert not (layout.regression_tables / "prod_manufacturing.md").exists()
    calls["n"] = -100
    assert main(["-q", "regression-tables", *run, "--country", "BEL", str(spec)]) == 0
    assert (layout.regression_tables / "prod_market_services.md").exists()
