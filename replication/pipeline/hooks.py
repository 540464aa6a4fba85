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
    from replication.pipeline.code_deps import modules, stage_for
    from replication.pipeline.outputs_manifest import registry_entry

    run, (task,) = plan.layout(), manifest
    known = modules()
    registry, outputs = {}, {}
    for other in tasks:
        if other is task:
            continue
        stage = stage_for([n.path for n in _paths(other.depends_on.get("code", []))])
        program = known[stage.module] if stage is not None else Path(other.path)
        name = other.name.split("::", 1)[-1]
        reads = [n.path for n in _paths(other.depends_on)]
        for node in _paths(other.produces):
            if not Path(node.path).is_relative_to(run.outputs):
                continue
            relative = config.relative_to_root(Path(node.path))
            registry[relative] = registry_entry(name, program, reads)
            outputs[relative] = node
    task.depends_on["outputs"] = outputs
    # as JSON text, so that its hash (its state) changes exactly when an entry does
    text = json.dumps(registry, sort_keys=True)
    task.depends_on["registry"] = PythonNode(name="registry", value=text, hash=True)
