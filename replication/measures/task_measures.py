"""Tasks of the measures stage: offshoring intensities of each vintage the run reads."""

from __future__ import annotations

from pathlib import Path

from pytask import task

from replication.core import config
from replication.core.layout import Layout
from replication.pipeline import plan
from replication.pipeline.code_deps import Stage

RUN = plan.layout()
OFFSHORING = Stage("replication.measures.offshoring", "build_offshoring")

for _vintage in plan.offshoring_vintages(RUN):

    @task(id=_vintage)
    def task_offshoring(
        vintage: str = _vintage,
        inputs: list[Path] = [*plan.tidy_of(_vintage), config.config_dir() / "offshoring.toml", *plan.config_files()],
        code: list[Path] = OFFSHORING.code,
        produces: list[Path] = [Layout(_vintage).import_share, Layout(_vintage).offshoring],
    ) -> None:
        """io_use -> om/os intensities by country, industry or sector, origin and year."""
        OFFSHORING(vintage)
