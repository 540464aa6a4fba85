"""Task of the exports stage: the referee data with codebooks (``outputs/data/``)."""

from __future__ import annotations

from pathlib import Path

from replication.core import config
from replication.core.layout import Layout
from replication.pipeline import plan
from replication.pipeline.code_deps import Stage

RUN = plan.layout()
EXPORTS = Stage("replication.exports.exports", "write_exports")

if plan.panel_vintages(RUN):

    def task_exports(
        inputs: list[Path] = [
            Layout(RUN.vintage).panel,
            *plan.spec_files("belgium"),
            *(
                [
                    RUN.skill_estimation_panel,
                    *plan.spec_files("skills"),
                    Layout(plan.tradeoff_panel_vintage()).panel,
                    RUN.skill_panel,
                    config.config_dir() / "tradeoff.toml",
                ]
                if RUN.has_skill_channel
                else []
            ),
            *plan.config_files(),
        ],
        code: list[Path] = EXPORTS.code,
        produces: list[Path] = plan.data_exports(RUN),
    ) -> None:
        """The estimation panel, the skill panel (1980 onward) and the trade-off's inputs, each with a codebook
        naming the specs, effects, clusters and small-sample conventions of the estimates built on it."""
        EXPORTS(RUN)
