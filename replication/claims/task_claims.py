"""Task of the claims stage: every verdict, ``claims.csv``, from config/claims.toml and data/published/."""

from __future__ import annotations

from pathlib import Path

from replication.core import config
from replication.core.layout import Layout
from replication.pipeline import plan
from replication.pipeline.code_deps import Stage

RUN = plan.layout()
CLAIMS = Stage("replication.claims.engine", "write_claims")
ROBUSTNESS = Stage("replication.claims.battery", "write_claims_robustness")

if plan.panel_vintages(RUN):

    def task_claims_robustness(
        inputs: list[Path] = [
            Layout(RUN.vintage).panel,
            *plan.spec_files("belgium"),
            config.config_dir() / "claims.toml",
            *plan.config_files(),
        ],
        code: list[Path] = ROBUSTNESS.code,
        produces: Path = RUN.claims_robustness,
    ) -> None:
        """The robustness battery of every estimate an effect or null claim names."""
        ROBUSTNESS(RUN)

    def task_claims(
        inputs: list[Path] = [
            *plan.all_estimates(RUN, "belgium"),
            RUN.claims_robustness,
            *[RUN.analysis / f"{name}.csv" for name in plan.analysis_tables()],
            *plan.offshoring_tables(RUN),
            Layout(RUN.vintage).panel,
            Layout(RUN.vintage).import_share,
            *plan.tidy_of(RUN.vintage),
            *([RUN.skills / f"{name}.csv" for name in plan.skill_tables()] if RUN.has_skill_channel else []),
            config.config_dir() / "claims.toml",
            *plan.config_files(),
            *plan.published_files(),
        ],
        code: list[Path] = CLAIMS.code,
        produces: Path = RUN.claims,
    ) -> None:
        """One row per published claim: our estimate, its interval, the verdict and its reason."""
        CLAIMS(RUN)
