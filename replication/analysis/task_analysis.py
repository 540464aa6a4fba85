"""Tasks of the analysis stage: the Table 1 comparison, the run's analysis tables, the skill channel's tests and
decomposition, and the productivity-inclusion trade-off."""

from __future__ import annotations

from pathlib import Path

from replication.core import config
from replication.core.layout import Layout
from replication.pipeline import plan
from replication.pipeline.code_deps import Stage

RUN = plan.layout()
CONFIG = config.config_dir()
TABLE1 = Stage("replication.analysis.table1", "write_offshoring_tables")
ANALYSIS = Stage("replication.analysis.tables", "write_analysis")
SKILLS = Stage("replication.analysis.skill_analysis", "write_skill_analysis")
TRADEOFF = Stage("replication.analysis.tradeoff", "run_tradeoff")
ANALYSIS_TABLES = [RUN.analysis / f"{name}.csv" for name in plan.analysis_tables()]
SKILL_TABLES = [RUN.skills / f"{name}.csv" for name in plan.skill_tables()]
TRADEOFF_TABLES = [RUN.tradeoff / f"{name}.csv" for name in plan.tradeoff_tables()]


def task_offshoring_tables(
    inputs: list[Path] = [
        Layout(RUN.vintage).offshoring,
        *plan.tidy_of(RUN.vintage),
        CONFIG / "offshoring.toml",
        *plan.config_files(),
        *plan.published_files(),
    ],
    code: list[Path] = TABLE1.code,
    produces: list[Path] = plan.offshoring_tables(RUN),
) -> None:
    """The country's offshoring CSV and, for the country of the published table, the Table 1 comparison."""
    TABLE1(RUN.vintage, RUN.country)


if plan.panel_vintages(RUN):

    def task_analysis(
        inputs: list[Path] = [
            *plan.all_estimates(RUN, "belgium"),
            *plan.spec_files("belgium"),
            Layout(RUN.vintage).panel,
            *[p for v in plan.tidy_vintages(RUN) for p in plan.tidy_products(v)],
            *[Layout(v).offshoring for v in plan.offshoring_vintages(RUN)],
            *plan.offshoring_tables(RUN),
            CONFIG / "decomposition.toml",
            CONFIG / "claims.toml",
            CONFIG / "panel.toml",
            *plan.config_files(),
            *plan.published_files(),
            *(SKILL_TABLES if RUN.has_skill_channel else []),
        ],
        code: list[Path] = ANALYSIS.code,
        produces: list[Path] = ANALYSIS_TABLES,
    ) -> None:
        """Decompositions, identifying variation, sample coverage, measure gaps, imputations, data coverage."""
        ANALYSIS(RUN)


if RUN.has_skill_channel:

    def task_skill_analysis(
        inputs: list[Path] = [
            *plan.all_estimates(RUN, "skills"),
            *plan.spec_files("skills"),
            *plan.skill_interim(RUN),
            CONFIG / "skill_analysis.toml",
            CONFIG / "decomposition.toml",
            config.published_dir() / "skill_decomposition.csv",
        ],
        code: list[Path] = SKILLS.code,
        produces: list[Path] = SKILL_TABLES,
    ) -> None:
        """Restriction tests, falsification, ICT moderation, decomposition and verdicts of the skill channel."""
        SKILLS()

    def task_tradeoff(
        inputs: list[Path] = [
            *plan.all_estimates(RUN, "belgium"),
            *plan.spec_files("belgium"),
            *SKILL_TABLES,
            Layout(plan.tradeoff_panel_vintage()).panel,
            RUN.skill_panel,
            CONFIG / "tradeoff.toml",
            *plan.config_files(),
            *plan.scenario_files(),
        ],
        code: list[Path] = TRADEOFF.code,
        produces: list[Path] = TRADEOFF_TABLES,
    ) -> None:
        """Productivity against low-skilled jobs: the historical account and the shipped scenarios."""
        TRADEOFF()
