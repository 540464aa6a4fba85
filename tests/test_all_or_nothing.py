"""An interrupted stage leaves no half-written file, and its missing products make the next build rerun it.

On a simulated user vintage (national_sut_csv layout) the estimation and table stages are interrupted
(KeyboardInterrupt, as Ctrl-C) after their first file (every file is written to a temporary name and renamed), and
rerun. pytask reruns a task whose declared product is missing or differs from the state it recorded.
"""

from __future__ import annotations

import os

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
    assert first.exists() and not second.exists()  # a declared product is missing: the next build reruns the task
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
