"""pytask hooks of the project (registered as the ``replication`` plugin in pyproject.toml's entry points).

After collection, the outputs manifest task gets every other task's products under the run's outputs folder as
its dependencies (so it runs after them, and again when any of them changes) and the registry it writes: for
each output, the task that declared it, that task's stage code and the configuration it read.
"""

from __future__ import annotations

import json
from pathlib import Path

from pytask import PathNode, PythonNode, hookimpl, tree_util

MANIFEST_TASK = "task_outputs_manifest"


def _paths(tree) -> list[PathNode]:
    return [node for node in tree_util.tree_leaves(tree) if isinstance(node, PathNode)]


@hookimpl(trylast=True)
def pytask_collect_modify_tasks(session, tasks) -> None:
    manifest = [t for t in tasks if t.name.endswith(MANIFEST_TASK)]
    if len(manifest) != 1:
        return
    from replication.core import config
    from replication.pipeline import plan
    from replication.pipeline.outputs_manifest import registry_entry

    run, (task,) = plan.layout(), manifest
    registry, outputs = {}, {}
    for other in tasks:
        if other is task:
            continue
        code = [n.path for n in _paths(other.depends_on.get("code", []))]
        program = code[0] if code else Path(other.path)
        stage = getattr(other.function, "__module__", "")
        reads = [n.path for n in _paths(other.depends_on)]
        for node in _paths(other.produces):
            if not Path(node.path).is_relative_to(run.outputs):
                continue
            relative = config.relative_to_root(Path(node.path))
            name = other.name.split("::", 1)[-1]
            stage_file = _stage_file(other, stage, code) or program
            registry[relative] = registry_entry(name, stage_file, reads)
            outputs[relative] = node
    task.depends_on["outputs"] = outputs
    # as JSON text, so that its hash (its state) changes exactly when an entry does
    text = json.dumps(registry, sort_keys=True)
    task.depends_on["registry"] = PythonNode(name="registry", value=text, hash=True)


def _stage_file(task, module: str, code: list[Path]) -> Path | None:
    """The stage module a task calls (its ``Stage``'s module, found in the task module's globals)."""
    from replication.pipeline.code_deps import STAGES, modules

    source = task.function.__code__.co_names
    for stage in STAGES:
        for name in source:
            if getattr(task.function, "__globals__", {}).get(name) is stage:
                return modules()[stage.module]
    return None
