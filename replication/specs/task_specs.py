"""Tasks of the estimation stage: one task per spec file (a file with ``[parameters]`` writes one estimates JSON
per value), generated in a loop over ``estimations/<folder>/*.toml``."""

from __future__ import annotations

from pathlib import Path

from pytask import task

from replication.core import config
from replication.core.layout import Layout
from replication.pipeline import plan
from replication.pipeline.code_deps import Stage

RUN = plan.layout()
ESTIMATE = Stage("replication.specs.estimate", "write_estimates")


def _panel(folder: str) -> list[Path]:
    """What a spec of ``folder`` is estimated on: the run's panel, or the skill channel's estimation panel."""
    if folder == "skills":
        return [RUN.skill_estimation_panel]
    return [Layout(RUN.vintage).panel, config.config_dir() / "panel.toml"]


for _folder in plan.spec_folders(RUN):
    for _spec in plan.spec_files(_folder):

        @task(id=f"{_folder}/{_spec.stem}")
        def task_estimate(
            spec: Path = _spec,
            inputs: list[Path] = _panel(_folder),
            code: list[Path] = ESTIMATE.code,
            produces: list[Path] = plan.estimates_of(RUN, _spec),
        ) -> None:
            """Spec file -> estimates JSON (full precision) of every spec it stands for."""
            ESTIMATE(spec, RUN, strict=plan.strict())
