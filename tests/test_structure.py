"""The package's structure: the one-way import graph, one basename per job, one layout rule for every path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from replication.core.layout import Layout
from replication.pipeline.code_deps import import_graph

PACKAGE = Path(__file__).resolve().parent.parent / "replication"


def test_estimation_and_analysis_never_import_the_report():
    """Data flows one way: only the report (and the command line that runs every stage) imports report code."""
    offenders = {
        (module, target)
        for module, targets in import_graph().items()
        for target in targets
        if target.startswith("replication.report")
        and not module.startswith("replication.report")
        and module != "replication.cli"
    }
    assert not offenders, offenders


def test_import_graph_has_no_cycle():
    graph = import_graph()
    graph = {m: {t for t in targets if t != "replication"} for m, targets in graph.items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, node, target]))
            if target not in state:
                visit(target, [*path, node])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def test_no_two_modules_share_a_basename():
    names = [p.stem for p in PACKAGE.rglob("*.py") if p.stem not in ("__init__", "__main__")]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    assert not duplicated, duplicated


STAGE_ORDER = (
    "core",
    "inputs",
    "measures",
    "panels",
    "estimators",
    "specs",
    "analysis",
    "claims",
    "exports",
    "report",
    "pipeline",
)


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in STAGE_ORDER else None


def test_no_module_imports_a_later_stage():
    """The folders are the stages in the order data flows: a module imports its own stage or an earlier one (the
    command line, which runs every stage, and the pipeline's task modules excepted)."""
    offenders = []
    for module, targets in import_graph().items():
        stage = _stage(module)
        if stage is None or module.rsplit(".", 1)[-1].startswith("task_"):  # a stage's task declarations
            continue
        for target in targets:
            other = _stage(target)
            if other is not None and STAGE_ORDER.index(other) > STAGE_ORDER.index(stage):
                offenders.append((module, target))
    assert not offenders, offenders


def test_estimators_know_no_spec():
    """The generic estimators import no spec code (the spec -> estimator call is the specs stage's)."""
    offenders = [
        (m, t)
        for m, ts in import_graph().items()
        if m.startswith("replication.estimators")
        for t in ts
        if _stage(t) not in (None, "core", "estimators")
    ]
    assert not offenders, offenders


def test_every_stage_folder_declares_its_tasks_beside_its_code():
    for stage in ("inputs", "measures", "panels", "specs", "analysis", "claims", "exports", "report", "pipeline"):
        assert list((PACKAGE / stage).glob("task_*.py")), stage


def test_another_country_or_vintage_never_shares_a_run_specific_path():
    """A run for DEU or for wiod2016 writes none of the default run's outputs; interim data belong to the vintage."""
    default, german, other = Layout(), Layout("wiod2013", "DEU"), Layout("wiod2016", "BEL")
    for name in (
        "estimates",
        "regression_tables",
        "analysis",
        "claims",
        "claims_robustness",
        "estimation_panel_export",
        "report",
        "manifest",
        "offshoring_table",
    ):
        assert getattr(default, name) != getattr(german, name), name
    assert german.panel == default.panel and german.interim == default.interim  # the vintage's
    assert not german.has_skill_channel and default.has_skill_channel
    for name in ("offshoring_table", "estimates", "claims", "report"):
        assert str(getattr(other, name)).startswith(str(other.outputs)) and other.outputs.name == "wiod2016"
    assert other.panel.relative_to(default.root).as_posix() == "data/interim/wiod2016/panel.parquet"


def test_makefile_is_a_thin_wrapper():
    """`make all` calls the pipeline; no path or rule of the pipeline is written in the Makefile."""
    makefile = (PACKAGE.parent / "Makefile").read_text()
    assert "-m replication $(if $(QUIET),--quiet)" in makefile and "build --vintage $(VINTAGE)" in makefile
    for derived in ("outputs/estimates", "claims_$(COUNTRY)", "report_$(COUNTRY)", "interim/", "tidy.json", "warm"):
        assert derived not in makefile, f"the Makefile derives a path or runs a worker: {derived}"


def test_claims_for_another_country_are_not_judged_against_the_study(monkeypatch):
    """Claims about Belgium in a German run: the German numbers are shown, the verdict is not testable; a
    descriptive claim that names its countries keeps its verdict."""
    import replication.claims.engine as claims

    config = [
        {"id": "effect_claim", "source": "s", "text": "t", "kind": "effect"},
        {"id": "oecd_share", "source": "s", "text": "t", "kind": "data", "measure": "imported_share:OECD:2005"},
    ]
    monkeypatch.setattr(claims, "claims_config", lambda: config)
    monkeypatch.setattr(
        claims,
        "claim_rows",
        lambda claim, layout, rules: [
            {"id": claim["id"], "ours": "0.5", "verdict": "replicated", "reason": "a reason"}
        ],
    )
    german = claims.build_claims(Layout("wiod2013", "DEU")).set_index("id")
    assert german.loc["effect_claim", "verdict"] == "not testable"
    assert "BEL's" in german.loc["effect_claim", "reason"] and german.loc["effect_claim", "ours"] == "0.5"
    assert german.loc["oecd_share", "verdict"] == "replicated"
    belgian = claims.build_claims(Layout()).set_index("id")
    assert (belgian["verdict"] == "replicated").all()
    assert isinstance(belgian, pd.DataFrame)


def test_another_countrys_report_is_titled_for_that_country():
    from replication.report.document import report_title

    assert report_title(Layout()) == "Offshoring and its effects for Belgium: replication on public data"
    german = report_title(Layout("wiod2013", "DEU"))
    assert german == "Offshoring and its effects for Germany: replication on public data"


@pytest.mark.slow  # three make runs and a font cache built from nothing: 1.4 s
def test_figures_use_the_environments_matplotlib_folder_and_matplotlibs_own_fonts(tmp_path):
    """`make` points MPLCONFIGDIR at the environment's folder (never ~/.cache/matplotlib, which another matplotlib
    may have written), and a font cache made there draws with matplotlib's own DejaVu Sans."""
    root = PACKAGE.parent
    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    paths = {}
    venv = Path(sys.prefix) if sys.prefix != sys.base_prefix else None  # the suite's own virtual environment
    for python in ("", "PYTHON=python3", f"PYTHON={sys.executable}"):
        done = subprocess.run(
            ["make", "-s", "--no-print-directory", "--eval", "show-mpl: ; @echo $$MPLCONFIGDIR", "show-mpl"]
            + ([python] if python else []),
            capture_output=True,
            text=True,
            check=True,
            cwd=root,
            env=env,
        )
        paths[python] = done.stdout.strip().splitlines()[-1]
    assert paths[""] == str(root / ".venv" / "matplotlib")
    assert paths["PYTHON=python3"] == str(root / ".build" / "matplotlib")
    assert paths[f"PYTHON={sys.executable}"] == str((venv or root / ".build") / "matplotlib")
    font = subprocess.run(
        [
            sys.executable,
            "-c",
            "import matplotlib as m, matplotlib.font_manager as f; print(m.get_data_path());"
            "print(f.findfont(f.FontProperties(family=m.rcParams['font.family'])))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**env, "MPLCONFIGDIR": str(tmp_path / "mpl")},
    ).stdout.splitlines()
    assert font[1].startswith(font[0]) and font[1].endswith("DejaVuSans.ttf"), font


def test_the_project_root_follows_the_environment_and_the_folder(tmp_path, monkeypatch):
    """``project_root`` is cached but still follows REPLICATION_ROOT, and a relative one the current folder."""
    from replication.core import config

    (tmp_path / "a" / "proj").mkdir(parents=True)
    (tmp_path / "b" / "proj").mkdir(parents=True)
    monkeypatch.delenv("REPLICATION_ROOT", raising=False)
    assert config.project_root() == PACKAGE.parent
    monkeypatch.setenv("REPLICATION_ROOT", str(tmp_path / "a" / "proj"))
    assert config.project_root() == (tmp_path / "a" / "proj").resolve()
    monkeypatch.setenv("REPLICATION_ROOT", "proj")
    for folder in ("a", "b", "a"):
        monkeypatch.chdir(tmp_path / folder)
        assert config.project_root() == (tmp_path / folder / "proj").resolve()
    monkeypatch.delenv("REPLICATION_ROOT")
    assert config.project_root() == PACKAGE.parent
