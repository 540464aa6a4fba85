"""Tasks of the report stage: rendering only (tables, figures, the report pages) from what earlier stages wrote."""

from __future__ import annotations

from pathlib import Path

from pytask import task

from replication.core import config
from replication.core.layout import Layout
from replication.pipeline import plan
from replication.pipeline.code_deps import Stage

RUN = plan.layout()
CONFIG = config.config_dir()
TABLE1 = Stage("replication.report.offshoring_tables", "write_table1")
FIGURES = Stage("replication.report.figures", "write_figures")
REGRESSION_TABLE = Stage("replication.report.regression_tables", "write_regression_table")
COEFFICIENTS = Stage("replication.report.coefficients", "coefficient_plot")
FRONTIER = Stage("replication.report.frontier", "write_frontier")
REPORT = Stage("replication.report.document", "write_report_stage")
DATA = Layout(RUN.vintage)

if plan.table1_here(RUN):

    def task_table1(
        inputs: list[Path] = [
            *plan.offshoring_tables(RUN),
            DATA.offshoring,
            *plan.tidy_of(RUN.vintage),
            CONFIG / "offshoring.toml",
            *plan.config_files(),
        ],
        code: list[Path] = TABLE1.code,
        produces: list[Path] = [RUN.table1("md"), RUN.table1("tex")],
    ) -> None:
        """Table 1, published beside ours, as Markdown and LaTeX."""
        TABLE1(RUN.vintage, RUN.country)


def task_figures(
    inputs: list[Path] = [
        DATA.offshoring,
        DATA.import_share,
        CONFIG / "offshoring.toml",
        *plan.config_files(),
        *plan.published_files(),
    ],
    code: list[Path] = FIGURES.code,
    produces: list[Path] = plan.figures(RUN),
) -> None:
    """The offshoring trends of the run's country and the cross-country comparison."""
    FIGURES(RUN)


for _folder in plan.spec_folders(RUN):
    for _spec in plan.spec_files(_folder):

        @task(id=f"{_folder}/{_spec.stem}")
        def task_regression_table(
            spec: Path = _spec,
            inputs: list[Path] = plan.estimates_of(RUN, _spec),
            code: list[Path] = REGRESSION_TABLE.code,
            produces: list[Path] = plan.regression_tables_of(RUN, _spec),
        ) -> None:
            """A spec's regression tables (Markdown, LaTeX, CSV) from its estimates JSON."""
            REGRESSION_TABLE(spec, RUN)


if plan.panel_vintages(RUN):
    COEFFICIENT_FIGURE = [RUN.coefficient_figure.with_suffix(ext) for ext in (".png", ".pdf")]

    def task_coefficient_figure(
        inputs: list[Path] = [*plan.all_estimates(RUN, "belgium"), *plan.spec_files("belgium")],
        code: list[Path] = COEFFICIENTS.code,
        produces: list[Path] = COEFFICIENT_FIGURE,
    ) -> None:
        """The offshoring coefficients by origin with their intervals."""
        COEFFICIENTS(RUN)

    FRONTIER_FIGURE = [RUN.tradeoff / f"frontier{ext}" for ext in (".png", ".pdf")] if RUN.has_skill_channel else []
    if RUN.has_skill_channel:

        def task_frontier(
            inputs: list[Path] = [RUN.tradeoff / f"{name}.csv" for name in plan.tradeoff_tables()],
            code: list[Path] = FRONTIER.code,
            produces: list[Path] = FRONTIER_FIGURE,
        ) -> None:
            """The productivity-inclusion frontier drawn from the trade-off tables."""
            FRONTIER(RUN.tradeoff)

    def task_report(
        inputs: list[Path] = [
            RUN.claims,
            RUN.claims_robustness,
            *[RUN.analysis / f"{name}.csv" for name in plan.analysis_tables()],
            *[
                p
                for folder in plan.spec_folders(RUN)
                for s in plan.spec_files(folder)
                for p in plan.regression_tables_of(RUN, s)
            ],
            *plan.offshoring_tables(RUN),
            *([RUN.table1("md"), RUN.table1("tex")] if plan.table1_here(RUN) else []),
            *plan.figures(RUN),
            *COEFFICIENT_FIGURE,
            *([RUN.skills / f"{name}.csv" for name in plan.skill_tables()] if RUN.has_skill_channel else []),
            *([RUN.tradeoff / f"{name}.csv" for name in plan.tradeoff_tables()] if RUN.has_skill_channel else []),
            *FRONTIER_FIGURE,
            CONFIG / "claims.toml",
            CONFIG / "decomposition.toml",
            *plan.published_files(),
        ],
        code: list[Path] = REPORT.code,
        produces: list[Path] = [
            RUN.report / "index.html",
            RUN.report / "report.md",
            RUN.report / "samenvatting.html",
            RUN.analysis / "decomposition.md",
            RUN.analysis / "decomposition.tex",
            RUN.analysis / "identifying_variation.md",
        ],
    ) -> None:
        """The rendered analysis tables and the report (HTML, Markdown)."""
        REPORT(RUN)
