"""Where every stage reads and writes: one :class:`Layout` per (vintage, country) run, and nothing else.

The rule, stated once:

- interim data belong to the vintage: ``data/interim/<vintage>/`` (tidy tables, offshoring, panel);
- outputs belong to the vintage folder (``outputs/`` for the default vintage, ``outputs/<vintage>/``
  otherwise) and, inside it, to the country: the default country's files carry no suffix, another
  country's carry ``_<COUNTRY>`` (``estimates_DEU/``, ``claims_DEU.csv``, ``report_DEU/``,
  ``MANIFEST_DEU.json``), so a run for another country or vintage never writes a file of the default run;
- the cross-country skill channel and the trade-off (EU KLEMS countries) exist once, for the default
  vintage: ``data/interim/skills/``, ``outputs/skills/``, ``outputs/tradeoff/``, ``outputs/data/``.

Python asks a ``Layout`` for every path; the Makefile includes the variables that
``python -m replication.core.layout --vintage V --country C`` prints (:meth:`Layout.make_variables`), and the
output manifest names each file's producer from :meth:`Layout.producers`. Only the standard library is
imported here, so Make can call it before the environment exists.
"""

from __future__ import annotations

import argparse
import re
import sys
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
        """Written last by the tidy stage: the file Make checks."""
        return self.interim / "tidy.json"

    @property
    def offshoring(self) -> Path:
        return self.interim / "offshoring.parquet"

    @property
    def import_share(self) -> Path:
        return self.interim / "imported_input_share.parquet"

    @property
    def panel_io(self) -> Path:
        """The panel's aggregates of the IO table (constant-price om/os, input totals); written last by its stage."""
        return self.interim / "panel_io.parquet"

    @property
    def domestic_flows(self) -> Path:
        """Domestic intermediate flows supplier -> user (the spillover weights), written before :attr:`panel_io`."""
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

    def make_rules(self) -> str:
        """Make rules from spec files to estimates and regression tables (grouped targets: a file with
        ``[parameters]`` writes one estimates JSON per value in one command), and the ESTIMATES, REGTABS,
        SKILL_ESTIMATES and SKILL_REGTABS lists. Prerequisite variables are expanded where the Makefile
        includes these rules (after it defines them)."""
        from replication.specs.files import instance_names

        lines = []
        run = f"--vintage {self.vintage} --country {self.country}"
        for folder, prefix, prerequisites, flags in (
            ("belgium", "", "$(PANEL) $(ESTIMATORS)", f" {run}"),
            ("skills", "SKILL_", "$(SKILL_SELECTION) $(ESTIMATORS)", ""),
        ):
            estimates, tables = [], []
            for path in sorted((self.root / "estimations" / folder).glob("*.toml")):
                spec = self.relative(path)
                names = instance_names(path)
                jsons = " ".join(self.relative(self.estimates_file(folder, n)) for n in names)
                mds = " ".join(self.relative(self.regression_table_file(folder, n)) for n in names)
                estimates.append(jsons)
                tables.append(mds)
                lines += [
                    f"{jsons} &: {spec} {prerequisites}",
                    f"\t$(REPLICATION) estimate $(STRICT_FLAG){flags} {spec}",
                    f"{mds} &: {jsons} {spec} $(TABLE_CODE)",
                    f"\t$(REPLICATION) regression-tables{flags} {spec}",
                ]
            lines.insert(0, f"{prefix}ESTIMATES := {' '.join(estimates)}")
            lines.insert(1, f"{prefix}REGTABS := {' '.join(tables)}")
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ the run's files, for the manifest
    def owns(self, path: Path) -> bool:
        """Whether a generated file under :attr:`outputs` belongs to this run, not to another country's run in
        the same vintage folder nor to another vintage's subfolder (what this run's manifest lists)."""
        relative = Path(path).relative_to(self.outputs).as_posix()
        suffix = re.escape(self.suffix)
        country = re.escape(self.country)
        patterns = [
            f"estimates{suffix}/.*",
            f"tables/estimates{suffix}/.*",
            f"tables/results{suffix}/.*",
            f"report{suffix}/.*",
            f"claims{suffix}\\.csv",
            f"tables/offshoring_{country}\\.csv",
            f"tables/table1_offshoring_{country}\\.(csv|md|tex)",
            f"tables/origin_coverage_{re.escape(self.vintage)}\\.csv",
            f"figures/offshoring_trends_{country}\\.(png|pdf)",
            f"figures/imported_inputs_\\d{{4}}{suffix}\\.(png|pdf)",
            f"figures/offshoring_effects{suffix}\\.(png|pdf)",
        ]
        if self.has_skill_channel:
            patterns += ["skills/.*", "tradeoff/.*", "data/.*"]
        return any(re.fullmatch(pattern, relative) for pattern in patterns)

    def make_variables(self) -> dict[str, str]:
        """The paths the Makefile needs, relative to the project root (``TIDY_FROM_<vintage>``: the tidy records
        of the vintages whose tables that vintage shares, built before it)."""
        rel = self.relative
        shared = {
            f"TIDY_FROM_{name}": " ".join(rel(Layout(other).tidy_record) for other in others)
            for name, others in shared_tables().items()
        }
        return {
            **shared,
            "INTERIM": rel(self.interim),
            "OUT": rel(self.outputs),
            "TIDY": rel(self.tidy_record),
            "OFFSHORING": rel(self.offshoring),
            "PANEL_IO": rel(self.panel_io),
            "PANEL": rel(self.panel),
            "TABLES": rel(self.offshoring_table),
            "FIGURES": rel(self.trends_figure.with_suffix(".png")),
            "COEF_FIGURE": rel(self.coefficient_figure.with_suffix(".png")),
            "EST_DIR": rel(self.estimates),
            "REGTAB_DIR": rel(self.regression_tables),
            "ANALYSIS": rel(self.analysis / "decomposition.csv"),
            "RESULTS": rel(self.claims),
            "REPORT": rel(self.report / "index.html"),
            "MANIFEST_FILE": rel(self.manifest),
            "SKILLS_ON": "1" if self.has_skill_channel else "",
            "SKILL_PANEL": rel(self.skill_panel),
            "SKILL_SELECTION": rel(self.skill_estimation_panel),
            "SKILL_EST_DIR": rel(self.skill_estimates),
            "SKILL_REGTAB_DIR": rel(self.skill_regression_tables),
            "SKILL_ANALYSIS": rel(self.skills / "selection.csv"),
            "TRADEOFF_OUT": rel(self.tradeoff / "frontier.png"),
        }

    def producers(self) -> list[tuple[Path, str, str]]:
        """(path or folder, producing module, spec or config) for the manifest; the longest match wins."""
        return [
            (self.tradeoff / "frontier", "replication/report/frontier.py", "config/tradeoff.toml, scenarios/*.toml"),
            (self.tradeoff, "replication/analysis/tradeoff.py", "config/tradeoff.toml, scenarios/*.toml"),
            (self.skill_regression_tables, "replication/report/regression_tables.py", "estimations/skills/"),
            (self.skill_estimates, "replication/specs/estimate.py", "estimations/skills/"),
            (self.skills / "selection", "replication/panels/skill_selection.py", "config/skill_panel.toml [selection]"),
            (self.skills, "replication/analysis/skill_analysis.py", "config/skill_analysis.toml"),
            (self.data_exports, "replication/panels/skill_selection.py", "config/skill_panel.toml"),
            (self.offshoring_table, "replication/report/offshoring_tables.py", "config/offshoring.toml"),
            (self.table1(""), "replication/report/offshoring_tables.py", "config/offshoring.toml [table1]"),
            (self.origin_coverage, "replication/report/offshoring_tables.py", "config/classifications/*.csv"),
            (self.trends_figure, "replication/report/figures.py", "config/offshoring.toml"),
            (
                self.figures / "imported_inputs_",
                "replication/report/figures.py",
                "config/offshoring.toml [figure_cross_country]",
            ),
            (self.coefficient_figure, "replication/report/coefficients.py", "estimations/belgium/*.toml"),
            (self.regression_tables, "replication/report/regression_tables.py", "estimations/belgium/"),
            (self.estimates, "replication/specs/estimate.py", "estimations/belgium/"),
            (self.analysis / "decomposition", "replication/analysis/tables.py", "config/decomposition.toml"),
            (self.analysis / "identifying_variation", "replication/analysis/tables.py", "config/panel.toml"),
            (self.analysis / "sample_coverage", "replication/analysis/tables.py", "estimations/belgium/*.toml"),
            (self.claims, "replication/claims/engine.py", "config/claims.toml"),
            (self.report, "replication/report/document.py", "all generated tables and figures"),
        ]


def shared_tables() -> dict[str, list[str]]:
    """``{vintage: [vintages it takes a tidy table from]}`` (``{ vintage = ... }`` parts of config/vintages.toml)."""
    import tomllib

    with (config.config_dir() / "vintages.toml").open("rb") as handle:
        vintages = tomllib.load(handle).get("vintages", {})
    return {
        name: sorted({part["vintage"] for part in entry.values() if isinstance(part, dict) and "vintage" in part})
        for name, entry in sorted(vintages.items())
    }


def main(argv: list[str] | None = None) -> int:
    """Print the Makefile variables of a run (``NAME := value`` lines)."""
    parser = argparse.ArgumentParser(prog="python -m replication.core.layout", description=main.__doc__)
    parser.add_argument("--vintage", default=config.DEFAULT_VINTAGE)
    parser.add_argument("--country", default=config.DEFAULT_COUNTRY)
    parser.add_argument("--rules", action="store_true", help="print the spec -> estimates -> table rules instead")
    args = parser.parse_args(argv)
    layout = Layout(args.vintage, args.country)
    if args.rules:
        print(layout.make_rules(), end="")
        return 0
    for name, value in layout.make_variables().items():
        print(f"{name} := {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
