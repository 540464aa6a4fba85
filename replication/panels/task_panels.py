"""Tasks of the panels stage: the estimation panel of a panel vintage and the cross-country skill panel."""

from __future__ import annotations

from pathlib import Path

from pytask import task

from replication.core import config
from replication.core.layout import Layout
from replication.pipeline import plan
from replication.pipeline.code_deps import Stage

RUN = plan.layout()
PANEL_IO = Stage("replication.panels.panel", "build_panel_io")
PANEL = Stage("replication.panels.panel", "build_panel")
SKILL_PANEL = Stage("replication.panels.skill_panel", "build_skill_panel")
SKILL_SELECTION = Stage("replication.panels.skill_selection", "build_selection")
CONFIG = config.config_dir()

for _vintage in plan.panel_vintages(RUN):
    _run = Layout(_vintage)

    @task(id=_vintage)
    def task_panel_io(
        vintage: str = _vintage,
        inputs: list[Path] = [*plan.tidy_of(_vintage), CONFIG / "offshoring.toml", *plan.config_files()],
        code: list[Path] = PANEL_IO.code,
        produces: list[Path] = [_run.domestic_flows, _run.panel_io],
    ) -> None:
        """The panel's aggregates of the IO table: constant-price om/os, input totals, domestic flows."""
        PANEL_IO(vintage)

    @task(id=_vintage)
    def task_panel(
        vintage: str = _vintage,
        inputs: list[Path] = [
            _run.offshoring,
            _run.panel_io,
            *plan.tidy_of(_vintage),
            *plan.tidy_of(plan.ict_vintage()),
            CONFIG / "panel.toml",
            *plan.config_files(),
        ],
        code: list[Path] = PANEL.code,
        produces: Path = _run.panel,
    ) -> None:
        """Accounts + offshoring -> the estimation panel, one row per country x industry x year."""
        PANEL(vintage)


if RUN.has_skill_channel:
    _sources = plan.skill_sources()

    def task_skill_panel(
        inputs: list[Path] = [
            *plan.tidy_of(_sources["accounts_vintage"]),
            *plan.tidy_of(_sources["offshoring_vintage"]),
            Layout(_sources["offshoring_vintage"]).offshoring,
            CONFIG / "skill_panel.toml",
            *plan.config_files(),
        ],
        code: list[Path] = SKILL_PANEL.code,
        produces: Path = RUN.skill_panel,
    ) -> None:
        """The cross-country skill panel: EU KLEMS skill shares with WIOD offshoring, by EU KLEMS industry."""
        SKILL_PANEL()

    def task_skill_selection(
        inputs: list[Path] = [RUN.skill_panel, CONFIG / "skill_panel.toml"],
        code: list[Path] = SKILL_SELECTION.code,
        produces: list[Path] = plan.skill_interim(RUN),
    ) -> None:
        """The country rule and the skill estimation panel."""
        SKILL_SELECTION()
