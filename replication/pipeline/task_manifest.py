"""Task of the pipeline itself: the run's outputs manifest, after every other output (its dependencies and the
registry it lists are attached when pytask has collected the tasks: :mod:`replication.pipeline.hooks`)."""

from __future__ import annotations

import json
from pathlib import Path

from replication.pipeline import plan
from replication.pipeline.code_deps import Stage

RUN = plan.layout()
MANIFEST = Stage("replication.pipeline.outputs_manifest", "write_manifest")


def task_outputs_manifest(
    registry: str | None = None,
    outputs: dict | None = None,
    code: list[Path] = MANIFEST.code,
    produces: Path = RUN.manifest,
) -> None:
    """Every output of the run with its sha256 and producer (``registry``, filled in from the task registry)."""
    if registry is None:
        raise RuntimeError("the outputs manifest needs the task registry (replication.pipeline.hooks)")
    MANIFEST(RUN, json.loads(registry))
