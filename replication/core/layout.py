"""Where every stage reads and writes: one :class:`Layout` per (vintage, country) run, and nothing else.

The rule, stated once:

- interim data belong to the vintage: ``data/interim/<vintage>/`` (tidy tables, offshoring, panel);
- outputs belong to the vintage folder (``outputs/`` for the default vintage, ``outputs/<vintage>/``
  otherwise) and, inside it, to the country: the default country's files carry no suffix, another
  country's carry ``_<COUNTRY>`` (``estimates_DEU/``, ``claims_DEU.csv``, ``report_DEU/``,
  ``MANIFEST_DEU.json``), so a run for another country or vintage never writes a file of the default run;
- the cross-country skill channel and the trade-off (EU KLEMS countries) exist once, for the default
  vintage: ``data/interim/skills/``, ``outputs/skills/``, ``outputs/tradeoff/``, ``outputs/data/``.

Every stage and every pytask task asks a ``Layout`` for its paths (the tasks declare them as their
dependencies and products); nothing else derives a path. Only the standard library is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from replication.core import config


@dataclass(frozen=True)
class Layout:
    """Paths of one run: whose data (``country``) from which data vintage (``vintage``)."""

    vintage: str = config.DEFAULT_VINTAGE
    country: str = config.DEFAULT_COUNTRY

    # ------------------------------------------------------------------ the run
    @property
    def default_vintage(self) -> bool:
        return self.vintage == config.DEFAULT_VINTAGE

    @property
    def default_country(self) -> bool:
        return self.country == config.DEFAULT_COUNTRY

    @property
    def suffix(self) -> str:
        """``""`` for the default country, ``"_<COUNTRY>"`` otherwise."""
        return "" if self.default_country else f"_{self.country}"

    @property
    def root(self) -> Path:
        return config.project_root()

    def relative(self, path: Path) -> str:
        """``path`` relative to the project root (as the Makefile and the manifest name it)."""
        return config.relative_to_root(path)

    # ------------------------------------------------------------------ interim data (the vintage's)
    @property
    def interim(self) -> Path:
        return config.interim_dir() / self.vintage

    def tidy_table(self, table: str) -> Path:
        return self.interim / f"{table}.parquet"

    @property
    def tidy_record(self) -> Path:
        """The tidy stage's record of the tables it wrote (sources, rows, anomalies set missing)."""
        return self.interim / "tidy.json"

    @property
    def offshoring(self) -> Path:
        return self.interim / "offshoring.parquet"

    @property
    def import_share(self) -> Path:
        return self.interim / "imported_input_share.parquet"

    @property
    def panel_io(self) -> Path:
        """The panel's aggregates of the IO table (constant-price om/os, input totals)."""
        return self.interim / "panel_io.parquet"

    @property
    def domestic_flows(self) -> Path:
        """Domestic intermediate flows supplier -> user (the spillover weights)."""
        return self.interim / "domestic_flows.parquet"

    @property
    def panel(self) -> Path:
        return self.interim / "panel.parquet"

    # ------------------------------------------------------------------ outputs (the vintage's, the country's)
    @property
    def outputs(self) -> Path:
        return config.outputs_dir() if self.default_vintage else config.outputs_dir() / self.vintage

    @property
    def tables(self) -> Path:
        return self.outputs / "tables"

    @property
    def figures(self) -> Path:
        return self.outputs / "figures"

    @property
    def offshoring_table(self) -> Path:
        return self.tables / f"offshoring_{self.country}.csv"

    def table1(self, extension: str = "csv") -> Path:
        return self.tables / f"table1_offshoring_{self.country}.{extension}"

    @property
    def origin_coverage(self) -> Path:
        """The vintage's supplier coverage by origin group (the same for every country of the vintage)."""
        return self.tables / f"origin_coverage_{self.vintage}.csv"

    @property
    def trends_figure(self) -> Path:
        """Without extension (``.png`` and ``.pdf`` are written)."""
        return self.figures / f"offshoring_trends_{self.country}"

    def cross_country_figure(self, year: int) -> Path:
        return self.figures / f"imported_inputs_{year}{self.suffix}"

    @property
    def estimates(self) -> Path:
        return self.outputs / f"estimates{self.suffix}"

    @property
    def regression_tables(self) -> Path:
        return self.tables / f"estimates{self.suffix}"

    @property
    def analysis(self) -> Path:
        """Decompositions, identifying variation and sample coverage of the country's estimates."""
        return self.tables / f"results{self.suffix}"

    @property
    def coefficient_figure(self) -> Path:
        return self.figures / f"offshoring_effects{self.suffix}"

    @property
    def claims(self) -> Path:
        return self.outputs / f"claims{self.suffix}.csv"

    @property
    def claims_robustness(self) -> Path:
        """The robustness battery of the effect and null claims (replication/claims/battery.py)."""
        return self.outputs / f"claims_robustness{self.suffix}.csv"

    @property
    def report(self) -> Path:
        return self.outputs / f"report{self.suffix}"

    @property
    def manifest(self) -> Path:
        return self.outputs / f"MANIFEST{self.suffix}.json"

    # ------------------------------------------------------------------ the cross-country skill channel and trade-off
    @property
    def has_skill_channel(self) -> bool:
        """The EU KLEMS skill channel and the trade-off are built with the default vintage and country."""
        return self.default_vintage and self.default_country

    @property
    def skills_interim(self) -> Path:
        return config.interim_dir() / "skills"

    @property
    def skill_panel(self) -> Path:
        return self.skills_interim / "panel.parquet"

    @property
    def skill_estimation_panel(self) -> Path:
        return self.skills_interim / "estimation_panel.parquet"

    @property
    def skill_selection_interim(self) -> Path:
        return self.skills_interim / "selection.csv"

    @property
    def skills(self) -> Path:
        return config.outputs_dir() / "skills"

    @property
    def skill_estimates(self) -> Path:
        return self.skills / "estimates"

    @property
    def skill_regression_tables(self) -> Path:
        return self.skills / "tables"

    @property
    def tradeoff(self) -> Path:
        return config.outputs_dir() / "tradeoff"

    @property
    def data_exports(self) -> Path:
        return config.outputs_dir() / "data"

    @property
    def estimation_panel_export(self) -> Path:
        """The run's country's estimation panel for referees (replication/exports/exports.py)."""
        return self.outputs / "data" / f"estimation_panel{self.suffix}.csv"

    @property
    def exports(self) -> list[Path]:
        """Every referee export with its codebook (``<stem>_codebook.md``): the estimation panel, and with the
        skill channel the skill panel and the trade-off's inputs."""
        csvs = [self.estimation_panel_export]
        if self.has_skill_channel:
            csvs += [self.data_exports / "skill_panel.csv", self.data_exports / "tradeoff_inputs.csv"]
        return [p for csv in csvs for p in (csv, csv.parent / f"{csv.stem}_codebook.md")]

    # ------------------------------------------------------------------ specs -> estimates
    def estimates_file(self, folder: str, name: str) -> Path:
        """The estimates JSON of the spec ``name`` of ``estimations/<folder>/``: skill-channel specs to
        ``outputs/skills/estimates/``, validation specs to ``outputs/validation/``, the others to the run's
        ``estimates`` folder."""
        return self._spec_outputs(folder, tables=False) / f"{name}.json"

    def regression_table_file(self, folder: str, name: str) -> Path:
        """The Markdown regression table of a spec (``.tex`` and ``.csv`` beside it), as :meth:`estimates_file`."""
        return self._spec_outputs(folder, tables=True) / f"{name}.md"

    def _spec_outputs(self, folder: str, *, tables: bool) -> Path:
        if folder == "skills":
            return self.skill_regression_tables if tables else self.skill_estimates
        if folder == "validation":
            return config.outputs_dir() / "validation"
        return self.regression_tables if tables else self.estimates

    def estimates_for(self, spec: Path) -> Path:
        """The estimates JSON of a spec file that stands for one spec (named after the file)."""
        return self.estimates_file(Path(spec).resolve().parent.name, Path(spec).stem)


def shared_tables() -> dict[str, list[str]]:
    """``{vintage: [vintages it takes a tidy table from]}`` (``{ vintage = ... }`` parts of config/vintages.toml)."""
    import tomllib

    with (config.config_dir() / "vintages.toml").open("rb") as handle:
        vintages = tomllib.load(handle).get("vintages", {})
    return {
        name: sorted({part["vintage"] for part in entry.values() if isinstance(part, dict) and "vintage" in part})
        for name, entry in sorted(vintages.items())
    }
