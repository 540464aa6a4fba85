"""The pipeline declared once: pytask tasks whose code dependencies cover what their stage really imports, whose
products are the manifest's registry, and whose graph reruns exactly what an edit to a module needs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from replication.pipeline import code_deps

ROOT = Path(__file__).resolve().parent.parent
THIRD_PARTY = ("numpy", "pandas", "scipy", "statsmodels", "linearmodels", "matplotlib.pyplot", "pyarrow.parquet")

PROBE = r"""
import importlib, json, os, sys
for name in {third!r}:
    importlib.import_module(name)
out = {{}}
for module in {modules!r}:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        importlib.import_module(module)
        names = sorted(m for m in sys.modules if m == "replication" or m.startswith("replication."))
        os.write(write, json.dumps(names).encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.waitpid(pid, 0)
    out[module] = json.loads(b"".join(chunks))
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def tasks():
    """The tasks of the default run, collected by pytask (a dry run: nothing is executed or written)."""
    import pytask

    session = pytask.build(paths=[ROOT / "replication"], dry_run=True, verbose=0)
    assert int(session.exit_code) == 0
    return session


def _stages() -> list[code_deps.Stage]:
    import importlib

    for path in sorted((ROOT / "replication").rglob("task_*.py")):
        importlib.import_module(code_deps.module_name(path))
    return list({(s.module, s.function): s for s in code_deps.STAGES}.values())


def test_each_stages_code_covers_what_importing_it_imports():
    """Imported in a fresh process (one fork per stage module), a stage's module loads only project modules that
    its ``code`` dependency lists: an edit to any of them reruns the task."""
    stages = _stages()
    modules = sorted({s.module for s in stages})
    probe = PROBE.format(third=THIRD_PARTY, modules=modules)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    loaded = json.loads(done.stdout.splitlines()[-1])
    for stage in stages:
        declared = {code_deps.module_name(p) for p in stage.code}
        missing = set(loaded[stage.module]) - declared
        assert not missing, (stage, sorted(missing))


def test_function_level_and_dynamic_imports_are_followed():
    """``import`` inside a function and ``importlib.import_module(f"replication.x.{name}")`` count as edges."""
    graph = code_deps.import_graph()
    assert "replication.inputs.sources.wiod2013_wiot" in graph["replication.inputs.sources"]
    assert "replication.inputs.sources.wiod2013_wiot" in code_deps.closure("replication.inputs.tidy")
    assert "replication.panels.panel" in code_deps.closure("replication.panels.skill_panel")
    with pytest.raises(KeyError, match="not a module"):
        code_deps.closure("replication.nope")


def test_every_task_declares_the_code_of_the_stage_it_calls(tasks):
    names = set()
    for task in tasks.tasks:
        code = task.depends_on.get("code")
        assert code, f"{task.name}: no code dependency"
        assert code_deps.stage_for([Path(node.path) for node in code]) is not None, task.name
        names.add(task.name.split("::", 1)[-1].split("[", 1)[0])
    assert {"task_fetch_raw_files", "task_tidy", "task_panel", "task_estimate", "task_claims", "task_report"} <= names


def test_the_manifest_lists_every_output_and_its_producer(tasks):
    """The manifest task depends on every other task's products under outputs/, and its registry names each one's
    task and program (nothing else: no temporary file, no file of another run)."""
    (manifest,) = [t for t in tasks.tasks if t.name.endswith("task_outputs_manifest")]
    registry = json.loads(manifest.depends_on["registry"].value)
    products = {
        str(Path(node.path).relative_to(ROOT))
        for task in tasks.tasks
        if task is not manifest
        for node in pytask_leaves(task.produces)
        if Path(node.path).is_relative_to(ROOT / "outputs")
    }
    assert set(registry) == products and set(manifest.depends_on["outputs"]) == products
    assert registry["outputs/claims.csv"]["program"] == "replication/claims/engine.py"
    assert registry["outputs/report/index.html"]["program"] == "replication/report/document.py"
    assert (
        "estimations/belgium/production.toml"
        in registry["outputs/tables/estimates/production_manufacturing.md"]["reads"]
    )
    assert all(entry["task"] and entry["program"].startswith("replication/") for entry in registry.values())


def _stage_modules(task) -> list[str]:
    """The stage module whose code a task declared."""
    stage = code_deps.stage_for([Path(node.path) for node in task.depends_on["code"]])
    return [stage.module] if stage is not None else []


def pytask_leaves(tree):
    from pytask import PathNode, tree_util

    return [n for n in tree_util.tree_leaves(tree) if isinstance(n, PathNode)]


@pytest.mark.parametrize(
    ("module", "must", "never"),
    [
        ("replication/panels/panel.py", {"task_skill_panel", "task_panel", "task_claims"}, {"task_tidy"}),
        ("replication/analysis/identification.py", {"task_tradeoff", "task_report"}, {"task_panel"}),
        ("replication/report/figures.py", {"task_frontier", "task_figures"}, {"task_estimate", "task_claims"}),
        ("replication/analysis/decomposition.py", {"task_skill_analysis", "task_analysis"}, {"task_offshoring"}),
    ],
)
def test_an_edited_module_reruns_exactly_the_tasks_that_import_it(tasks, module, must, never):
    """The tasks an edit reruns: those whose code lists the module, and what depends on their products (the
    graph pytask walks). The modules the issue found stale under Make are among the cases."""
    path = ROOT / module
    direct = [t for t in tasks.tasks if path in {Path(n.path) for n in t.depends_on["code"]}]
    importers = code_deps.module_name(path)
    assert direct == [t for t in tasks.tasks if importers in code_deps.closure(*_stage_modules(t))]
    rerun = {t.signature for t in direct}
    for task in direct:
        rerun |= tasks.dag.descendants(task.signature)
    names = {t.name.split("::", 1)[-1].split("[", 1)[0] for t in tasks.tasks if t.signature in rerun}
    assert must <= names and not (never & names), (module, sorted(names))


def test_the_graph_of_the_tasks_follows_the_flow(tasks):
    """Every edge of the drawn graph goes from a producer to a task in a later column, and the known hand-offs of
    the flow (raw -> tidy -> offshoring -> panel -> estimates -> claims -> report) are among its edges."""
    from replication.pipeline.graph import from_session

    graph = from_session(tasks)
    columns = graph.columns()
    assert all(columns[a] < columns[b] for a, b in graph.edges)
    for edge in [
        ("fetch_raw_files", "tidy[wiod2013]"),
        ("tidy[wiod2013]", "offshoring"),
        ("offshoring", "panel"),
        ("panel", "estimate[belgium/production]"),
        ("estimate[belgium/production]", "regression_table[belgium/production]"),
        ("analysis", "claims"),
        ("claims", "report"),
    ]:
        assert edge in graph.edges, edge
    assert graph.manifest == "outputs_manifest" and columns[graph.manifest] == max(columns.values())
    assert set(graph.stages.values()) <= {
        "inputs",
        "measures",
        "panels",
        "specs",
        "analysis",
        "claims",
        "exports",
        "report",
        "pipeline",
    }


@pytest.mark.parametrize(
    ("vintage", "country", "says"),
    [
        ("wiod2013", "BEL", ""),
        ("wiod2016", "BEL", "estimation panel"),
        ("wiod2013", "DEU", "skill channel"),
    ],
)
def test_a_run_says_what_it_does_not_build(vintage, country, says):
    from replication.pipeline.build import not_built

    text = not_built(vintage, country)
    assert (says in text) if says else text == ""
    if vintage == "wiod2016":
        assert "estimation_panel = false" in text and "offshoring tables and figures" in text
