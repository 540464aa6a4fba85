"""The run being built and the files its tasks read and write, from the :class:`~replication.core.layout.Layout`
and the configuration (what the ``task_*.py`` modules declare as dependencies and products).

``python -m replication build --vintage V --country C`` sets ``REPLICATION_VINTAGE`` and ``REPLICATION_COUNTRY``
before pytask collects the task modules, so one collection holds exactly the tasks of that run: its vintage's
data stages, the vintages it reads too (shared tidy tables, the EU KLEMS accounts of the panel, the skill
channel's), its country's analysis and report. Paths of another run are never touched.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from replication.analysis import outputs
from replication.core import config, config_schemas
from replication.core.fileio import read_toml
from replication.core.layout import Layout
from replication.core.layout import shared_tables as shared_tables
from replication.inputs.raw_files import load_manifest
from replication.inputs.vintages import load_offshoring_config, load_vintage
from replication.specs.files import instance_names

TABLES = ("io_use", "accounts")


def layout() -> Layout:
    """The run of this build (``REPLICATION_VINTAGE``, ``REPLICATION_COUNTRY``; the defaults otherwise)."""
    return Layout(
        os.environ.get("REPLICATION_VINTAGE") or config.DEFAULT_VINTAGE,
        os.environ.get("REPLICATION_COUNTRY") or config.DEFAULT_COUNTRY,
    )


def strict() -> bool:
    """``REPLICATION_STRICT=1``: a spec variant the data cannot identify stops the run."""
    return os.environ.get("REPLICATION_STRICT", "") not in ("", "0")


# ---------------------------------------------------------------------------------------------- configuration
def config_files() -> list[Path]:
    """The vintages, classifications and anomaly lists every data stage reads."""
    folder = config.config_dir()
    return [
        folder / "vintages.toml",
        *sorted((folder / "classifications").glob("*.csv")),
        *sorted((folder / "anomalies").glob("*.csv")),
    ]


def published_files() -> list[Path]:
    return sorted(config.published_dir().glob("*.csv"))


def scenario_files() -> list[Path]:
    """The shipped scenarios and the weights files they name (relative to the scenario file's folder)."""
    files = sorted((config.project_root() / "scenarios").glob("*.toml"))
    weights = set()
    for path in files:
        name = read_toml(path, what="scenario").get("weights")
        if isinstance(name, str) and (path.parent / name).is_file():
            weights.add((path.parent / name).resolve())
    return files + sorted(weights)


# ---------------------------------------------------------------------------------------------- data stages
def estimation_panel(vintage: str) -> bool:
    """Whether the vintage's accounts carry what the estimation panel needs (``estimation_panel`` in
    config/vintages.toml); the others stop after the offshoring tables and figures."""
    return load_vintage(vintage).estimation_panel


@functools.cache
def ict_vintage() -> str:
    """The vintage whose accounts give the estimation panel its ICT intensity (config/panel.toml [ict])."""
    return str(config_schemas.load("panel.toml")["ict"]["vintage"])


def skill_sources() -> dict[str, str]:
    skills = config_schemas.load("skill_panel.toml")
    return {k: str(v) for k, v in skills["sources"].items()}


def offshoring_vintages(run: Layout) -> list[str]:
    """Vintages whose offshoring intensities this run computes."""
    names = [run.vintage] if load_vintage(run.vintage).io_use is not None else []
    if run.has_skill_channel:
        names.append(skill_sources()["offshoring_vintage"])
    return sorted(set(names))


def panel_vintages(run: Layout) -> list[str]:
    return [run.vintage] if estimation_panel(run.vintage) else []


def tidy_vintages(run: Layout) -> list[str]:
    """Every vintage whose tidy tables this run reads, and those they take tables from."""
    names = {run.vintage, *offshoring_vintages(run)}
    if panel_vintages(run):
        names.add(ict_vintage())
    if run.has_skill_channel:
        names.add(skill_sources()["accounts_vintage"])
    shared = shared_tables()
    todo, seen = sorted(names), set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += shared.get(name, [])
    return sorted(seen)


def raw_files() -> list[Path]:
    """Every raw file of data/manifest.toml, where the data stage puts it (verified)."""
    return [raw.path for dataset in load_manifest().values() for raw in dataset.files]


def tidy_inputs(vintage: str) -> list[Path]:
    """The raw (or user) files and anomaly lists a vintage's own tables are read from."""
    spec = load_vintage(vintage)
    manifest = load_manifest()
    files: list[Path] = []
    for table in TABLES:
        part = getattr(spec, table)
        if part is None or part.vintage:
            continue
        if part.path is not None:
            files += [part.path, part.path.parent / "industries.csv"]
        else:
            names = part.dataset if isinstance(part.dataset, tuple) else (part.dataset,)
            files += [raw.path for name in names for raw in manifest[name].files]
        if part.anomalies is not None:
            files.append(part.anomalies)
    return sorted(set(files))


def tidy_tables(vintage: str) -> list[Path]:
    """The tidy tables a vintage writes itself (a table taken from another vintage is that vintage's)."""
    spec = load_vintage(vintage)
    own = [t for t in TABLES if getattr(spec, t) is not None and not getattr(spec, t).vintage]
    return [Layout(vintage).tidy_table(t) for t in own]


def tidy_products(vintage: str) -> list[Path]:
    return [*tidy_tables(vintage), Layout(vintage).tidy_record]


def tidy_of(vintage: str) -> list[Path]:
    """A vintage's tidy tables as a later stage reads them: its own and those it takes from others."""
    out = tidy_products(vintage)
    for other in shared_tables().get(vintage, []):
        out += tidy_products(other)
    return sorted(set(out))


# ---------------------------------------------------------------------------------------------- specs
def spec_files(folder: str) -> list[Path]:
    return sorted((config.project_root() / "estimations" / folder).glob("*.toml"))


def spec_folders(run: Layout) -> list[str]:
    """``belgium`` (the run's country) on a panel vintage; ``skills`` with the skill channel."""
    return (["belgium"] if panel_vintages(run) else []) + (["skills"] if run.has_skill_channel else [])


def estimates_of(run: Layout, spec: Path) -> list[Path]:
    """The estimates JSON of every spec a spec file stands for."""
    folder = spec.parent.name
    return [run.estimates_file(folder, name) for name in instance_names(spec)]


def regression_tables_of(run: Layout, spec: Path) -> list[Path]:
    folder = spec.parent.name
    out = []
    for name in instance_names(spec):
        md = run.regression_table_file(folder, name)
        out += [md, md.with_suffix(".tex"), md.with_suffix(".csv")]
    return out


def all_estimates(run: Layout, folder: str) -> list[Path]:
    return [path for spec in spec_files(folder) for path in estimates_of(run, spec)]


# ---------------------------------------------------------------------------------------------- analysis
def analysis_tables() -> tuple[str, ...]:
    return outputs.ANALYSIS_TABLES


def skill_tables() -> tuple[str, ...]:
    return outputs.SKILL_TABLES


def tradeoff_tables() -> tuple[str, ...]:
    return outputs.TRADEOFF_TABLES


def tradeoff_panel_vintage() -> str:
    """The vintage whose panel gives the trade-off its base levels (config/tradeoff.toml)."""
    return str(config_schemas.load("tradeoff.toml")["panel_vintage"])


def table1_here(run: Layout) -> bool:
    """The published Table 1 is about one country: its comparison exists for that country's runs only."""
    return run.country == load_offshoring_config()["table1"]["country"]


def offshoring_tables(run: Layout) -> list[Path]:
    out = [run.offshoring_table]
    if table1_here(run):
        out += [run.table1("csv"), run.origin_coverage]
    return out


def figures(run: Layout) -> list[Path]:
    year = int(load_offshoring_config()["figure_cross_country"]["year"])
    stems = [run.cross_country_figure(year), run.trends_figure]
    return [stem.with_suffix(ext) for stem in stems for ext in (".png", ".pdf")]


def skill_interim(run: Layout) -> list[Path]:
    return [run.skill_selection_interim, run.skill_estimation_panel]


def data_exports(run: Layout) -> list[Path]:
    return run.exports
