"""Tasks of the inputs stage: the raw files fetched and verified, and each vintage's tidy tables."""

from __future__ import annotations

from pathlib import Path

from pytask import task

from replication.core import config
from replication.pipeline import plan
from replication.pipeline.code_deps import Stage

RUN = plan.layout()
FETCH = Stage("replication.inputs.raw_files", "fetch")
TIDY = Stage("replication.inputs.tidy", "build_tidy")


def task_fetch_raw_files(
    manifest: Path = config.manifest_path(),
    code: list[Path] = FETCH.code,
    produces: list[Path] = plan.raw_files(),
) -> None:
    """Every file of data/manifest.toml, copied from the mirror (or downloaded) and checked against its sha256; a
    file changed after verification differs from its recorded state, so this task runs again and replaces it."""
    FETCH(progress=False)


for _vintage in plan.tidy_vintages(RUN):
    _shared = [p for other in plan.shared_tables().get(_vintage, []) for p in plan.tidy_products(other)]

    @task(id=_vintage)
    def task_tidy(
        vintage: str = _vintage,
        inputs: list[Path] = plan.tidy_inputs(_vintage) + plan.config_files() + _shared,
        code: list[Path] = TIDY.code,
        produces: list[Path] = plan.tidy_products(_vintage),
    ) -> None:
        """The vintage's raw files -> validated tidy tables (``io_use``, ``accounts``) and their record."""
        TIDY(vintage)
