"""Stage 5 (analysis): from the estimates JSON and the estimation panel to CSV tables, nothing rendered.

For one run (:class:`~replication.core.layout.Layout`), in ``outputs/tables/results[_<COUNTRY>]/``:

- ``decomposition.csv``: every decomposition of ``config/decomposition.toml`` (delta-method and wild
  bootstrap intervals; bootstrap parameters from the named spec variant);
- ``identifying_variation.csv``: cross-industry and two-way-within s.d. of the skill-share samples;
- ``sample_coverage.csv``: for every spec's main sample, the panel rows it loses and why;
- ``measure_gaps.csv``: the offshoring measures side by side (non-energy inputs at current prices, over
  output, at constant prices) in the last year of each study's sample (``config/claims.toml [studies]``);
- ``imputations.csv``: imputed or adjusted series, each measured (ICT years carried forward, the years in
  which the manufacturing skill shares are identical across industries, listed raw-data anomalies);
- ``data_coverage.csv``: what the vintages this run reads contain.

The claims (``claims.csv``) are the next stage's (:mod:`replication.claims.engine`). The report stage
renders these files; it computes nothing.
"""

from __future__ import annotations

import math

import pandas as pd

from replication.analysis.decomposition import bootstrap_for, decompose, decomposition_config
from replication.analysis.outputs import ANALYSIS_TABLES
from replication.core import config, config_schemas
from replication.core.errors import ConfigError
from replication.core.fileio import read_json, read_parquet, write_csv
from replication.core.layout import Layout
from replication.core.progress import say
from replication.core.toml_schema import unknown_name
from replication.estimators.data import parse_term
from replication.panels.panel import coverage, load_panel, pooled_countries
from replication.specs.estimate import load_estimates, spec_files
from replication.specs.spec import add_columns, find_spec, load_specs, prepare_data, select_rows, spec_variants

DECOMPOSITION_COLUMNS = [
    "decomposition",
    "group",
    "percent",
    "se",
    "delta_low",
    "delta_high",
    "within_percent",
    "boot_low",
    "boot_high",
    "identified",
    "observed_change_pp",
    "within_change_pp",
    "industries",
]


def read_panel(layout: Layout) -> tuple[pd.DataFrame, dict]:
    """The run's estimation panel and the ``@`` names of the specs' samples."""
    panel = load_panel(layout.vintage)
    return panel, {"pooled_countries": pooled_countries(panel)}


def check_decompositions(cfg: dict) -> None:
    """The names ``config/decomposition.toml`` gives the specs, checked before any data are read: each
    decomposition's spec, variant and bootstrap variant exist, and every group term is a term some decomposition's
    spec names (or an interaction); a typo is one line with a "did you mean", never a silently empty group."""
    known_terms: set[str] = set()
    for item in cfg["decomposition"]:
        variants = spec_variants(find_spec(item["spec"]))
        for key in ("variant", "bootstrap_variant"):
            if item[key] not in variants:
                raise ConfigError(
                    f"config/decomposition.toml: [[decomposition]] {item['name']!r} {key}: "
                    + unknown_name(item[key], variants, what=f"variant of {item['spec']}")
                )
        for variant in variants.values():  # the terms the specs name (whatever the run's data identify)
            model = variant.model
            known_terms.update(model.get("regressors", []))
            for equation in model.get("equations", {}).values():
                known_terms.update(equation["regressors"])
    unknown = sorted({t for terms in cfg["groups"].values() for t in terms} - known_terms - set(cfg["interactions"]))
    if unknown:
        raise ConfigError(
            "config/decomposition.toml: [groups] "
            + unknown_name(unknown[0], sorted(known_terms), what="term (of no decomposition's spec)")
        )


def build_decompositions(layout: Layout) -> pd.DataFrame:
    """Every decomposition of ``config/decomposition.toml`` for the run's country as one long table."""
    cfg = decomposition_config()
    check_decompositions(cfg)
    panel, context = read_panel(layout)
    country = layout.country
    frames = []
    for item in cfg["decomposition"]:
        variants = spec_variants(find_spec(item["spec"]))
        results = load_estimates(item["spec"], layout)
        if item["variant"] not in results or item["bootstrap_variant"] not in results:
            say(f"[analysis] decomposition {item['name']}: {item['spec']} [{item['variant']}] not identified; skipped")
            continue
        sample = add_columns(
            variants[item["variant"]], panel[(panel["country"] == country) & (panel["sector"] == item["sector"])]
        )
        boot_variant = variants[item["bootstrap_variant"]]
        data, _ = prepare_data(boot_variant, panel, country=country, context=context)
        frame = decompose(
            results[item["variant"]],
            equation=item.get("equation"),
            panel=sample,
            spec=item,
            groups=cfg["groups"],
            offshoring=cfg["totals"]["offshoring"],
            interactions=cfg.get("interactions", {}),
            bootstrap=bootstrap_for(boot_variant, data),
        )
        frame.insert(0, "decomposition", item["name"])
        frame["observed_change_pp"] = 100 * frame.attrs["observed_change"]
        frame["within_change_pp"] = 100 * frame.attrs["within_change"]
        frame["industries"] = frame.attrs["industries"]
        frames.append(frame)
    if not frames:
        say(f"[analysis] no decomposition is identified for {layout.vintage}/{country}")
        return pd.DataFrame(columns=DECOMPOSITION_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def identifying_variation(panel: pd.DataFrame, context: dict, country: str) -> pd.DataFrame:
    """How much each skill-share sample varies: across industries and within industries over time.

    ``cross_sd``: mean over years of the cross-industry s.d.; ``within_sd``: s.d. after removing industry and
    (country-)year means (the variation left for coefficients in a two-way within regression).
    """
    samples = {
        f"{country} manufacturing": (panel["country"] == country) & (panel["sector"] == "manufacturing"),
        f"{country} market services": (panel["country"] == country) & (panel["sector"] == "market_services"),
        "pooled manufacturing (" + ", ".join(context["pooled_countries"]) + ")": (
            panel["country"].isin(context["pooled_countries"]) & (panel["sector"] == "manufacturing")
        ),
    }
    rows = []
    for label, mask in samples.items():
        part = panel[mask & (panel["year"] <= 2007)]
        for variable in ("sh_ls", "sb_ls", "ln_rw_ls", "om_ceec", "os_total", "ict"):
            data = part[["entity", "year", "country", variable]].dropna()
            if data.empty:
                rows.append(
                    {"sample": label, "variable": variable, "rows": 0, "cross_sd": math.nan, "within_sd": math.nan}
                )
                continue
            cross = data.groupby(["country", "year"])[variable].std().mean()
            resid = data[variable] - data.groupby("entity")[variable].transform("mean")
            resid = resid - resid.groupby([data["country"], data["year"]]).transform("mean")
            rows.append(
                {
                    "sample": label,
                    "variable": variable,
                    "rows": len(data),
                    "cross_sd": float(cross),
                    "within_sd": float(resid.std()),
                }
            )
    return pd.DataFrame(rows)


def sample_coverage(panel: pd.DataFrame, context: dict, country: str) -> pd.DataFrame:
    """For every Belgian spec's main sample: the panel rows it loses, with the missing variables."""
    frames = []
    specs = [spec for path in spec_files("belgium") for spec in load_specs(path).values()]
    for spec in specs:
        model = spec.model
        variables = [model.get("dependent"), *model.get("regressors", [])]
        for equation in model.get("equations", {}).values():
            variables += [equation["dependent"], *equation["regressors"]]
        columns = sorted({parse_term(v)[0] for v in variables if v} & set(panel.columns))
        if "sample" in spec.data:
            selected = select_rows(panel, spec.data["sample"], {"country": country, **context})
            mask = pd.Series(panel.index.isin(selected.index), index=panel.index)
        else:
            mask = pd.Series(True, index=panel.index)
        lost = coverage(panel, sample=mask, variables=columns)
        lost.insert(0, "spec", spec.name)
        frames.append(lost)
    return pd.concat(frames, ignore_index=True)


def measure_gaps(panel: pd.DataFrame, country: str) -> pd.DataFrame:
    """Input-weighted sector means (%) of materials offshoring over non-energy inputs, over output and at
    constant prices, in the last year of each study's sample (``config/claims.toml [studies]``). A measure the
    run's data cannot build (e.g. constant prices without price indices) is missing (NaN), never dropped silently:
    the others are still compared."""
    measures = ("om_total", "omo_total", "om_const_total")
    rows = []
    for study, year in studies_config()["last_year"].items():
        part = panel[(panel["country"] == country) & (panel["year"] == int(year))]
        for sector in ("manufacturing", "market_services"):
            data = part[part["sector"] == sector]
            if "ii" not in data or data["ii"].dropna().empty:
                continue
            values = {}
            for column in measures:
                pair = data[["ii", column]].dropna() if column in data else data.iloc[0:0][["ii"]]
                w = pair["ii"] / pair["ii"].sum() if len(pair) else None
                values[column] = 100 * float((w * pair[column]).sum()) if w is not None else math.nan
            if all(math.isnan(v) for v in values.values()):
                continue
            rows.append({"study": study, "sector": sector, "year": int(year), **values})
    return pd.DataFrame(rows, columns=["study", "sector", "year", "om_total", "omo_total", "om_const_total"])


def imputations(panel: pd.DataFrame, country: str, *, identical_sd: float = 1e-4) -> pd.DataFrame:
    """Imputed or adjusted series of the run's country, each with what was measured."""
    own = panel[panel["country"] == country]
    ict = own[own["ict"].notna()]
    measured_years = sorted(ict.loc[~ict["ict_imputed"], "year"].unique())
    carried = sorted(ict.loc[ict["ict_imputed"], "year"].unique())
    manufacturing = own[own["sector"] == "manufacturing"]
    spread = manufacturing.groupby("year")["sh_ls"].std()
    identical = spread[spread < identical_sd].index
    first_identical = int(identical.min()) if len(identical) else None
    anomalies = sum(len(pd.read_csv(p)) for p in sorted((config.config_dir() / "anomalies").glob("*.csv")))
    return pd.DataFrame(
        [
            {
                "series": "ICT capital intensity (EU KLEMS CAPIT)",
                "treatment": (
                    f"measured {measured_years[0]}-{measured_years[-1]}"
                    + (f"; last year carried forward to {', '.join(map(str, carried))}" if carried else "")
                    if measured_years
                    else "no ICT data for this country"
                ),
                "rows": int(own["ict_imputed"].sum()),
                "measured": "",
            },
            {
                "series": "Skill shares of manufacturing industries (WIOD SEA)",
                "treatment": (
                    f"identical across industries (imputed) from {first_identical}"
                    if first_identical is not None
                    else "vary across industries in every year"
                ),
                "rows": int((manufacturing["year"] >= first_identical).sum()) if first_identical else 0,
                "measured": f"largest cross-industry s.d. of the low-skilled hours share in those years "
                f"{float(spread[identical].max()) if len(identical) else float('nan'):.6f}",
            },
            {
                "series": "Listed raw-data anomalies (WIOD SEA, EU KLEMS)",
                "treatment": "set to missing (config/anomalies/)",
                "rows": anomalies,
                "measured": "",
            },
        ]
    )


def data_coverage(layout: Layout) -> pd.DataFrame:
    """What the vintages this run reads contain (its own, the EU KLEMS accounts of its panel, and the EU KLEMS
    countries of the skill channel when built): sources, rows, and the offshoring years and countries of the run's
    own vintage (the same table whatever other runs were built before)."""
    names = [layout.vintage]
    if layout.vintage == "wiod2013":
        names.append("wiod2013_euklems")
    if layout.has_skill_channel:
        names.append("euklems_countries")
    rows = []
    for name in names:
        run = Layout(name, layout.country)
        if not run.tidy_record.exists():
            continue
        data = read_json(run.tidy_record)
        years, countries = "", ""
        # only the run's own intensities: another vintage's are built by its own run, which this one never reads
        if name == layout.vintage and run.offshoring.exists():
            frame = read_parquet(run.offshoring, columns=["country", "year"])
            years = f"{frame['year'].min()}-{frame['year'].max()}"
            countries = str(frame["country"].nunique())
        rows.append(
            {
                "vintage": name,
                "io_use source": data["io_use"]["source"] if "io_use" in data else "none (accounts only)",
                "io_use rows": data["io_use"]["rows"] if "io_use" in data else 0,
                "accounts source": data["accounts"]["source"],
                "accounts rows": data["accounts"]["rows"],
                "offshoring years": years,
                "countries": countries,
                "anomalies set missing": len(data["accounts"]["anomalies_set_missing"]),
            }
        )
    return pd.DataFrame(rows)


def write_analysis(layout: Layout) -> dict[str, pd.DataFrame]:
    """Every analysis table of the run (:data:`ANALYSIS_TABLES`)."""
    panel, context = read_panel(layout)
    tables = {
        "identifying_variation": identifying_variation(panel, context, layout.country),
        "sample_coverage": sample_coverage(panel, context, layout.country),
        "measure_gaps": measure_gaps(panel, layout.country),
        "imputations": imputations(panel, layout.country),
        "data_coverage": data_coverage(layout),
        "decomposition": build_decompositions(layout),
    }
    assert tuple(tables) == ANALYSIS_TABLES, "the declared tables (ANALYSIS_TABLES) are the ones written"
    for name, table in tables.items():
        write_csv(layout.analysis / f"{name}.csv", table)
    return tables


def studies_config() -> dict:
    """``config/claims.toml [studies]``: the country the published studies are about and the last year of each
    study's sample (read here too: the claims stage comes after this one)."""
    return config_schemas.load("claims.toml")["studies"]
