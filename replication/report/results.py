"""Stage 5 outputs: decompositions, identifying variation, the coefficient plot and claims.csv.

Reads the estimates JSON of stage 4 (``Results.tidy()`` and covariances) and the estimation panel.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from replication import config
from replication.decomposition import bootstrap_for, decompose, decomposition_config
from replication.fileio import write_csv, write_text
from replication.identification import failures
from replication.models import SPEC_DIR, load_estimates, run_context
from replication.progress import say
from replication.provenance import stamp
from replication.report.figures import STYLE, save_figure
from replication.report.render import to_latex, to_markdown
from replication.specs import add_columns, load_spec, prepare_data, spec_variants


def tables_dir(vintage: str, country: str) -> Path:
    suffix = "" if country == config.DEFAULT_COUNTRY else f"_{country}"
    return config.vintage_outputs_dir(vintage) / "tables" / f"results{suffix}"


def build_decompositions(vintage: str, country: str) -> pd.DataFrame:
    """Every decomposition of ``config/decomposition.toml`` for ``country`` as one long table."""
    cfg = decomposition_config()
    panel, context = run_context(vintage)
    frames = []
    for item in cfg["decomposition"]:
        spec_path = config.project_root() / SPEC_DIR / f"{item['spec']}.toml"
        variants = spec_variants(load_spec(spec_path))
        results = load_estimates(item["spec"], vintage=vintage, country=country)
        if item["variant"] not in results or item["bootstrap_variant"] not in results:
            say(
                f"[results] decomposition {item['name']}: {item['spec']} [{item['variant']}] not estimable for "
                f"{country}; skipped"
            )
            continue
        result = results[item["variant"]]
        sample = add_columns(
            variants[item["variant"]], panel[(panel["country"] == country) & (panel["sector"] == item["sector"])]
        )
        boot_variant = variants[item["bootstrap_variant"]]
        data, _ = prepare_data(boot_variant, panel, country=country, context=context)
        engine = bootstrap_for(boot_variant, data)
        frame = decompose(
            result,
            equation=item.get("equation"),
            panel=sample,
            spec=item,
            groups=cfg["groups"],
            offshoring=cfg["totals"]["offshoring"],
            interactions=cfg.get("interactions", {}),
            bootstrap=engine,
        )
        frame.insert(0, "decomposition", item["name"])
        frame["observed_change_pp"] = 100 * frame.attrs["observed_change"]
        frame["within_change_pp"] = 100 * frame.attrs["within_change"]
        frame["industries"] = frame.attrs["industries"]
        frames.append(frame)
    if not frames:
        say(f"[results] no decomposition is estimable for {vintage}/{country}")
        return pd.DataFrame(
            columns=[
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
        )
    return pd.concat(frames, ignore_index=True)


def write_decompositions(vintage: str, country: str) -> pd.DataFrame:
    table = build_decompositions(vintage, country)
    out = tables_dir(vintage, country)
    write_csv(out / "decomposition.csv", table)
    published = pd.read_csv(config.published_dir() / "decomposition.csv").set_index("group")["percent"]
    cfg = {d["name"]: d for d in decomposition_config()["decomposition"]}
    parts = []
    for name, part in table.groupby("decomposition", sort=False):
        display = pd.DataFrame(
            {
                "Group": part["group"],
                "Published %": [
                    published.get(g, math.nan) if cfg[name]["compare_published"] else math.nan for g in part["group"]
                ],
                "Ours %": part["percent"],
                "95% CI (delta)": [
                    _interval(lo, hi) for lo, hi in zip(part["delta_low"], part["delta_high"], strict=True)
                ],
                "Single-equation within %": part["within_percent"],
                "95% CI (wild bootstrap)": [
                    _interval(lo, hi) for lo, hi in zip(part["boot_low"], part["boot_high"], strict=True)
                ],
            }
        )
        first = part.iloc[0]
        caption = (
            f"{cfg[name]['title']}. Observed change of the aggregate share: {first['observed_change_pp']:.2f} "
            f"pp (weighted within-industry change {first['within_change_pp']:.2f} pp), "
            f"{int(first['industries'])} industries."
        )
        parts.append((caption, display, name))
    markdown = "# Decomposition of the change in the low-skilled share\n\n"
    latex = ""
    for caption, display, name in parts:
        markdown += f"## {caption}\n\n{to_markdown(display)}\n"
        latex += to_latex(display, caption=caption, label=f"tab:decomposition_{name}")
    note = (
        "Contribution = coefficient x weighted change of the regressor / observed change of the share (%); "
        "'Ours' from the system estimate named in the title, with its delta-method interval; the single-equation "
        "within estimate of the same equation, with its wild cluster bootstrap interval, as a check. "
        f"Country {country}; {stamp(vintage, 'config/decomposition.toml')}. Generated by `make results`; "
        "do not edit."
    )
    write_text(out / "decomposition.md", markdown + note + "\n")
    write_text(out / "decomposition.tex", latex + "% " + note + "\n")
    return table


def _interval(low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return "–"
    return f"[{low:.1f}, {high:.1f}]"


def identifying_variation(vintage: str, country: str) -> pd.DataFrame:
    """How much each skill-share sample varies: across industries and within industries over time.

    ``cross_sd``: mean over years of the cross-industry s.d.; ``within_sd``: s.d. after removing
    industry and year means (the variation left for coefficients in a two-way within regression).
    """
    panel, context = run_context(vintage)
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


def write_identifying_variation(vintage: str, country: str) -> pd.DataFrame:
    table = identifying_variation(vintage, country)
    out = tables_dir(vintage, country)
    write_csv(out / "identifying_variation.csv", table)
    text = (
        "# Identifying variation of the skill-share samples, 1995-2007\n\n"
        + to_markdown(table, digits=4)
        + "\ncross_sd: mean over years of the standard deviation across industries; within_sd: standard "
        "deviation left after industry and (country-)year means, the variation a two-way within regression "
        "uses. Belgian manufacturing skill shares in WIOD SEA are imputed (identical across industries "
        "from 2002), so their cross_sd is close to zero.\n"
    )
    write_text(out / "identifying_variation.md", text)
    return table


PLOT_ROWS = [  # (spec, variant, equation prefix, label)
    ("production_manufacturing", "by_origin", "", "Productivity, manufacturing"),
    ("production_market_services", "by_origin", "", "Productivity, market services"),
    ("labour_demand_manufacturing", "by_origin", "", "Employment, manufacturing"),
    ("labour_demand_market_services", "by_origin", "", "Employment, market services"),
    ("skill_shares_manufacturing", "hours", "low_", "Low-skilled hours share, BE manufacturing"),
    ("skill_shares_market_services", "hours", "low_", "Low-skilled hours share, BE market services"),
    ("skill_shares_pooled", "hours", "low_", "Low-skilled hours share, pooled manufacturing"),
]
PLOT_TERMS = {
    "om_oecd": "materials OECD",
    "om_ceec": "materials CEEC",
    "om_asia": "materials ASIA",
    "os_total": "business services",
}


def coefficient_plot(vintage: str, country: str) -> list:
    """Offshoring coefficients by origin with 95 % intervals, one panel per estimation."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(len(PLOT_ROWS), 1, figsize=(7.5, 1.45 * len(PLOT_ROWS) + 0.6), sharex=False)
        for ax, (stem, variant, prefix, label) in zip(axes, PLOT_ROWS, strict=True):
            estimates = load_estimates(stem, vintage=vintage, country=country)
            if variant not in estimates:
                ax.set_title(f"{label}: not estimable", fontsize=8, loc="left")
                continue
            result = estimates[variant]
            tidy = result.tidy().set_index("term")
            ys = np.arange(len(PLOT_TERMS))
            for y, term in zip(ys, PLOT_TERMS, strict=True):
                name = prefix + term
                if name not in tidy.index:
                    continue
                row = tidy.loc[name]
                boot = not math.isnan(row.get("boot_conf_low", math.nan))  # wild-bootstrap interval where computed
                low, high = (
                    (row["boot_conf_low"], row["boot_conf_high"]) if boot else (row["conf_low"], row["conf_high"])
                )
                credible = not failures(result, [name])  # identified, with usable cluster-robust inference
                ax.errorbar(
                    row["estimate"],
                    y,
                    xerr=[[row["estimate"] - low], [high - row["estimate"]]],
                    fmt="s" if boot else "o",
                    color="#1f77b4" if credible else "#9e9e9e",
                    mfc="#1f77b4" if credible else "white",
                    ms=4,
                    capsize=2,
                )
            ax.axvline(0, color="grey", lw=0.8)
            ax.set_yticks(ys, list(PLOT_TERMS.values()), fontsize=7)
            ax.invert_yaxis()
            ax.set_title(label, fontsize=8, loc="left")
            ax.tick_params(axis="x", labelsize=7)
        fig.suptitle(
            f"Offshoring coefficients by origin, 95% intervals ({country}; squares: wild cluster bootstrap, "
            "circles: the model's covariance; filled blue: passes the identification rules, hollow grey: does not)",
            fontsize=9,
        )
        fig.tight_layout()
    suffix = "" if country == config.DEFAULT_COUNTRY else f"_{country}"
    return save_figure(
        fig,
        config.vintage_outputs_dir(vintage) / "figures" / f"offshoring_effects{suffix}",
        provenance=stamp(vintage, "estimations/belgium/*.toml"),
    )


def write_coverage(vintage: str, country: str) -> pd.DataFrame:
    """For every spec's main sample: the panel rows it loses, with the missing variables (why they drop)."""
    from replication.estimators.data import parse_term
    from replication.models import spec_files
    from replication.panel import coverage

    panel, context = run_context(vintage)
    frames = []
    for path in spec_files():
        spec = load_spec(path)
        model = spec.model
        variables = [model.get("dependent"), *model.get("regressors", [])]
        for equation in model.get("equations", {}).values():
            variables += [equation["dependent"], *equation["regressors"]]
        columns = sorted({parse_term(v)[0] for v in variables if v} & set(panel.columns))
        mask = _mask(spec, panel, country, context)
        lost = coverage(panel, sample=mask, variables=columns)
        lost.insert(0, "spec", path.stem)
        frames.append(lost)
    table = pd.concat(frames, ignore_index=True)
    write_csv(tables_dir(vintage, country) / "sample_coverage.csv", table)
    return table


def _mask(spec, panel: pd.DataFrame, country: str, context: dict) -> pd.Series:
    if "sample" not in spec.data:
        return pd.Series(True, index=panel.index)
    selected = panel.query(spec.data["sample"], local_dict={"country": country, **context})
    return panel.index.isin(selected.index)
