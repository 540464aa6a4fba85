r"""Analysis stage of the skill channel: tests, falsification, ICT moderation, decomposition, sanity check.

Reads the skill estimates (``outputs/skills/estimates/*.json``) and the estimation panel; writes CSV only
(``outputs/skills/``). Every parameter comes from ``config/skill_analysis.toml`` or from the specs.

- **Restriction tests.** Symmetry :math:`\gamma_{LM} = \gamma_{ML}`: the likelihood ratio
  :math:`LR = 2(\ell_u - \ell_r)` of the iterated SUR systems (ML) and the cluster-robust Wald statistic
  :math:`W = (R\hat b - q)'(R\hat V R')^{-1}(R\hat b - q)` on the unrestricted system; homogeneity
  :math:`\sum_s \gamma_{ms} = 0` per equation and jointly (Wald, cluster-robust) in the free-wage system.
- **Belgium against the pool**: joint Wald test of the Belgium interactions (``bel_*``).
- **Falsification**: placebo (a donor country's offshoring of the same industry and year) and leads
  (offshoring of t + 1); each sector's joint cluster-robust Wald tests and wild bootstrap p-values of the
  placebo / lead terms form one Holm family: the sector's gate passes when no adjusted p is below ``alpha``
  (its size is at most ``alpha``). The claims stage (``replication/claims/skill_rules.py``) reads the gate.
- **ICT moderation**: :math:`ME(z) = \beta_{off} + \beta_{off\times ict} z` at the ``low`` and ``high``
  quantiles of ICT intensity in the estimation sample, and their difference, each a linear combination
  :math:`g'\beta` with a restricted wild cluster bootstrap (WCR) interval.
- **Decomposition** (Belgium, one model for every component): with industry weights
  :math:`w_j` (mean of the two years' hours shares), :math:`C_k = \hat\beta_k \sum_j w_j \Delta x_{jk} / \Delta S`,
  the year effects' part :math:`(\hat\lambda_{end} - \hat\lambda_{start})/\Delta S` and the rest
  :math:`1 - \sum_k C_k`. The model is linear without interactions, so the attribution does not depend on the
  order of the factors. Intervals: WCR of each :math:`g'\beta` (the draws of the coefficients' tests). The
  observed change splits (Berman, Bound and Griliches 1994) into :math:`\sum_j \Delta w_j \bar s_j` (between) and
  :math:`\sum_j \bar w_j \Delta s_j` (within).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from replication.analysis.decomposition import bootstrap_for
from replication.analysis.outputs import SKILL_TABLES
from replication.analysis.robust_claims import holm, robustness_table
from replication.core import config, config_schemas
from replication.core.errors import ReplicationError
from replication.core.fileio import read_json, read_parquet, write_csv
from replication.core.layout import Layout
from replication.core.progress import say
from replication.estimators.results import Results
from replication.specs.spec import load_spec, prepare_data, spec_variants


def analysis_config() -> dict:
    return config_schemas.load("skill_analysis.toml")


def skills_dir() -> Path:
    return Layout().skills


def load_variants(stem: str) -> dict[str, Results]:
    path = Layout().skill_estimates / f"{stem}.json"
    if not path.exists():
        raise ReplicationError(f"{path}: not built; run `make all`")
    record = read_json(path)
    return {name: Results.from_dict(data) for name, data in record["variants"].items()}


def wald(result: Results, rows: list[dict[str, float]]) -> tuple[float, int, float]:
    """Cluster-robust Wald test of :math:`R b = 0`; each row maps parameter names to weights."""
    names = list(result.params.index)
    r = np.array([[row.get(n, 0.0) for n in names] for row in rows])
    diff = r @ result.params.to_numpy()
    middle = r @ result.cov.to_numpy() @ r.T
    stat = float(diff @ np.linalg.solve(middle, diff))
    return stat, len(rows), float(stats.chi2.sf(stat, len(rows)))


def restriction_tests(results: dict[str, Results]) -> list[dict]:
    """Symmetry (LR and Wald) with year and with country-year effects; homogeneity (Wald)."""
    rows = []
    symmetry = {"low_ln_rw_ms": 1.0, "medium_ln_rw_ls": -1.0}
    for unrestricted, restricted, effects in (
        ("main", "symmetric", "year effects"),
        ("country_year", "country_year_symmetric", "country-year effects"),
    ):
        u, r = results[unrestricted], results[restricted]
        lr = 2 * (u.diagnostics["loglik"] - r.diagnostics["loglik"])
        rows.append(_test("symmetry (LR, iterated SUR = ML)", effects, lr, 1, float(stats.chi2.sf(lr, 1))))
        rows.append(_test("symmetry (cluster-robust Wald)", effects, *wald(u, [symmetry])))
    free = results["free_wages"]
    per_equation = [{f"{eq}_ln_w_{s}": 1.0 for s in ("ls", "ms", "hs")} for eq in ("low", "medium")]
    for eq, row in zip(("low", "medium"), per_equation, strict=True):
        rows.append(_test(f"homogeneity, {eq}-skilled equation (Wald)", "year effects", *wald(free, [row])))
    rows.append(_test("homogeneity, both equations (Wald)", "year effects", *wald(free, per_equation)))
    return rows


def _test(test: str, model: str, statistic: float, df: int, p: float, **extra: object) -> dict:
    return {"test": test, "model": model, "statistic": statistic, "df": df, "p_value": p, **extra}


def falsification(results: dict[str, Results], *, alpha: float) -> list[dict]:
    """Placebo and lead specifications: joint Wald test and each term's wild p-value, Holm-adjusted over the
    sector's whole family (every specification's joint p and every term's wild p); a specification passes when
    none of its adjusted p-values is below ``alpha``, so the sector's gate has family-wise size ``alpha``."""
    rows = []
    for name, result in results.items():
        sector = "market_services" if name.startswith("ms_") else "manufacturing"
        short = name.removeprefix("ms_")
        if not (short.startswith("placebo_") or short == "leads"):
            continue
        terms = list(result.bootstrap)
        stat, df, p = wald(result, [{t: 1.0} for t in terms])
        donor = short.removeprefix("placebo_").upper()
        kind = "leads (pre-trend)" if short == "leads" else f"placebo: {donor} offshoring"
        wild = [float(result.bootstrap[t]["p_value"]) for t in terms]
        rows.append(_test(kind, name, stat, df, p, sector=sector, min_wild_p=min(wild), _family=[p, *wild]))
    for sector in {r["sector"] for r in rows}:
        members = [r for r in rows if r["sector"] == sector]
        family = [q for r in members for q in r["_family"]]
        adjusted = iter(holm(family))
        for r in members:
            r["holm_min_p"] = min(next(adjusted) for _ in r["_family"])
            r["family_tests"] = len(family)
            r["gate_size"] = alpha
            r["passed"] = bool(r["holm_min_p"] >= alpha)
    for r in rows:
        del r["_family"]
    return rows


def bootstrap_engine(spec_path: Path, variant: str, panel: pd.DataFrame):
    """The wild bootstrap engine of a within variant on its own estimation sample (draws and seed from the spec)."""
    spec = spec_variants(load_spec(spec_path))[variant]
    frame, _ = prepare_data(spec, panel)
    engine, columns = bootstrap_for(spec, frame)
    return engine, columns, frame


def ict_moderation(spec_path: Path, panel: pd.DataFrame, cfg: dict) -> list[dict]:
    """Marginal effect of total offshoring at low and high ICT intensity, and the difference."""
    engine, columns, frame = bootstrap_engine(spec_path, cfg["variant"], panel)
    low, high = (float(frame[cfg["moderator"]].quantile(q)) for q in (cfg["low_quantile"], cfg["high_quantile"]))
    off, inter = columns.index(cfg["term"]), columns.index(cfg["interaction"])
    rows = []
    for label, z_low, z_high in (("at low ICT", low, None), ("at high ICT", high, None), ("high minus low", low, high)):
        g = np.zeros(len(columns))
        if z_high is None:
            g[off], g[inter] = 1.0, z_low
        else:
            g[inter] = z_high - z_low
        out = engine.restricted_combination(g)
        rows.append(
            {
                "quantity": f"marginal effect of total offshoring {label}",
                "ict_low": low,
                "ict_high": high,
                "estimate": out["estimate"],
                "cr_std_error": out["std_error"],
                "wild_p_value": out["p_value"],
                "wild_conf_low": out["conf_low"],
                "wild_conf_high": out["conf_high"],
            }
        )
    return rows


def weighted_change(part: pd.DataFrame, column: str, weights: str, start: int, end: int) -> float:
    """:math:`\\sum_j \\bar w_j \\Delta x_j` over industries with the column and weights in both years."""
    a = part[part["year"] == start].set_index("industry")[[column, weights]].dropna()
    b = part[part["year"] == end].set_index("industry")[[column, weights]].dropna()
    common = a.index.intersection(b.index)
    if common.empty:
        return math.nan
    a, b = a.loc[common], b.loc[common]
    w = (a[weights] / a[weights].sum() + b[weights] / b[weights].sum()) / 2
    return float((w * (b[column] - a[column])).sum())


def between_within(part: pd.DataFrame, share: str, weights: str, start: int, end: int) -> dict:
    """Berman-Bound-Griliches split of the change of the aggregate share."""
    a = part[part["year"] == start].set_index("industry")[[share, weights]].dropna()
    b = part[part["year"] == end].set_index("industry")[[share, weights]].dropna()
    common = a.index.intersection(b.index)
    a, b = a.loc[common], b.loc[common]
    wa, wb = a[weights] / a[weights].sum(), b[weights] / b[weights].sum()
    total = float((wb * b[share]).sum() - (wa * a[share]).sum())
    between = float(((wb - wa) * (a[share] + b[share]) / 2).sum())
    within = float((((wa + wb) / 2) * (b[share] - a[share])).sum())
    return {"observed": total, "between": between, "within": within, "industries": len(common)}


def decomposition(spec_path: Path, panel: pd.DataFrame, cfg: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contributions to the change of the Belgian low-skilled share, one model for all components."""
    engine, columns, _ = bootstrap_engine(spec_path, cfg["variant"], panel)
    home = panel[(panel["country"] == cfg["country"]) & (panel["sector"] == cfg["sector"])]
    groups = cfg["groups"]
    rows, splits = [], []
    for period in cfg["periods"]:
        start, end, share = int(period["start"]), int(period["end"]), period["share"]
        split = between_within(home, share, cfg["weights"], start, end)
        splits.append({"period": f"{start}-{end}", "share": share, **split})
        scale = 100.0 / split["observed"]
        vectors: dict[str, np.ndarray | None] = {}
        for group, terms in groups.items():
            g = np.zeros(len(columns))
            for term in terms:
                change = weighted_change(home, term, cfg["weights"], start, end)
                if math.isnan(change):
                    g = None
                    break
                g[columns.index(term)] = change
            vectors[group] = g
        offshoring = [vectors[g] for g in cfg["offshoring_groups"]]
        vectors["offshoring (total)"] = None if any(v is None for v in offshoring) else sum(offshoring)
        period_column = f"__period_{end}"
        if period_column in columns and start == int(cfg["base_year"]):
            g = np.zeros(len(columns))
            g[columns.index(period_column)] = 1.0
            vectors["common year effects"] = g
        else:
            vectors["common year effects"] = None
        explained = 0.0
        for group, g in vectors.items():
            row = {
                "period": f"{start}-{end}",
                "share": share,
                "observed_change_pp": 100 * split["observed"],
                "group": group,
            }
            if g is None:
                row.update(
                    percent=math.nan,
                    wild_conf_low=math.nan,
                    wild_conf_high=math.nan,
                    wild_p_value=math.nan,
                    note="not available: a variable of the group has no Belgian data in the end year",
                )
            else:
                out = engine.restricted_combination(g)
                bounds = sorted([out["conf_low"] * scale, out["conf_high"] * scale])
                row.update(
                    percent=out["estimate"] * scale,
                    wild_conf_low=bounds[0],
                    wild_conf_high=bounds[1],
                    wild_p_value=out["p_value"],
                    note="",
                )
                if group in groups or group == "common year effects":
                    explained += row["percent"]
            rows.append(row)
        complete = all(vectors[g] is not None for g in groups) and vectors["common year effects"] is not None
        rows.append(
            {
                "period": f"{start}-{end}",
                "share": share,
                "observed_change_pp": 100 * split["observed"],
                "group": "rest (industry composition and residual)",
                "percent": 100 - explained if complete else math.nan,
                "wild_conf_low": math.nan,
                "wild_conf_high": math.nan,
                "wild_p_value": math.nan,
                "note": "" if complete else "not computed: components missing",
            }
        )
    return pd.DataFrame(rows), pd.DataFrame(splits)


def explained_share(spec_path: Path, variant: str, panel: pd.DataFrame, term: str, estimate: float) -> float:
    r"""Share of the mean long-difference rise of the dependent variable that ``term`` accounts for:
    :math:`\hat\beta\,\overline{\Delta x} / \overline{\Delta y}` over the spec's entities (unweighted means)."""
    spec = spec_variants(load_spec(spec_path))[variant]
    frame, _ = prepare_data(spec, panel)
    entity, time, dependent = spec.data["entity"], spec.data["time"], spec.model["dependent"]
    ordered = frame.sort_values([entity, time])
    first, last = ordered.groupby(entity).first(), ordered.groupby(entity).last()
    rise = float((last[dependent] - first[dependent]).mean())
    return float(estimate * (last[term] - first[term]).mean() / rise) if rise else math.nan


def sample_countries(spec_path: Path, variant: str, panel: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The countries a variant's estimation sample keeps, and those its sample names but ``dropna`` loses (no
    data in a year the differences need)."""
    from dataclasses import replace

    spec = spec_variants(load_spec(spec_path))[variant]
    used, _ = prepare_data(spec, panel)
    named, _ = prepare_data(replace(spec, data={**spec.data, "dropna": False}), panel)
    entity, time = spec.data["entity"], spec.data["time"]
    complete = used.groupby(entity)[time].nunique()
    kept = used[used[entity].isin(complete.index[complete == complete.max()])]
    countries = sorted(set(kept["country"]))
    return countries, sorted(set(named["country"]) - set(countries))


def coefficient_table(results: dict[str, Results], variants: list[str], terms: list[str]) -> pd.DataFrame:
    """Key coefficients across specifications with cluster-robust and wild bootstrap inference."""
    rows = []
    for variant in variants:
        result = results[variant]
        tidy = result.tidy().set_index("term")
        for term in terms:
            name = term if term in result.params.index else f"low_{term}"
            if name not in result.params.index:
                continue
            boot = result.bootstrap.get(term, {})
            rows.append(
                {
                    "model": variant,
                    "term": term,
                    "estimate": float(result.params[name]),
                    "cr_std_error": float(result.std_errors[name]),
                    "cr_p_value": float(tidy.loc[name, "p_value"]),  # the model's own reference distribution
                    "wild_p_value": boot.get("p_value", math.nan),
                    "wild_conf_low": boot.get("conf_low", math.nan),
                    "wild_conf_high": boot.get("conf_high", math.nan),
                    "nobs": result.nobs,
                }
            )
    return pd.DataFrame(rows)


def write_skill_analysis() -> dict[str, pd.DataFrame]:
    """Stage: every analysis table of the skill channel -> ``outputs/skills/*.csv``."""
    cfg = analysis_config()
    say("[skill analysis] restriction tests, falsification, ICT moderation, decomposition, ICT sanity check")
    spec_path = config.project_root() / cfg["spec"]
    results = load_variants(spec_path.stem)
    panel = read_parquet(Layout().skill_estimation_panel)
    alpha = float(cfg["falsification"]["alpha"])
    tests = restriction_tests(results)
    bel = results["belgium_difference"]
    bel_terms = [t for t in bel.params.index if t.startswith("bel_")]
    tests.append(
        _test(
            "Belgium's slopes equal the pooled ones (Wald)",
            "belgium_difference",
            *wald(bel, [{t: 1.0} for t in bel_terms]),
        )
    )
    checks = falsification(results, alpha=alpha)
    coefficients = coefficient_table(results, list(cfg["coefficients"]["variants"]), list(cfg["coefficients"]["terms"]))
    moderation = pd.DataFrame(ict_moderation(spec_path, panel, cfg["ict_moderation"]))
    contributions, splits = decomposition(spec_path, panel, cfg["decomposition"])
    check = load_variants(Path(cfg["sanity_check"]["spec"]).stem)
    sanity = coefficient_table(check, list(check), [cfg["sanity_check"]["term"]])
    check_path = config.project_root() / cfg["sanity_check"]["spec"]
    sanity["share_of_rise"] = [
        explained_share(check_path, variant, panel, cfg["sanity_check"]["term"], estimate)
        for variant, estimate in zip(sanity["model"], sanity["estimate"], strict=True)
    ]
    samples = [sample_countries(check_path, variant, panel) for variant in sanity["model"]]
    sanity.insert(1, "dependent", [spec_variants(load_spec(check_path))[v].model["dependent"] for v in sanity["model"]])
    sanity["countries"] = [len(used) for used, _ in samples]
    sanity["countries_used"] = [" ".join(used) for used, _ in samples]
    sanity["countries_dropped"] = [" ".join(dropped) for _, dropped in samples]
    selection = pd.read_csv(Layout().skill_selection_interim)
    say("[skill analysis] robustness battery of the effect claims")
    robust = robustness_table(cfg["robustness"], spec_path, panel)
    tables = {
        "restriction_tests": pd.DataFrame(tests),
        "falsification": pd.DataFrame(checks),
        "coefficients": coefficients,
        "ict_moderation": moderation,
        "decomposition": contributions,
        "between_within": splits,
        "ict_sanity_check": sanity,
        "robustness": robust,
    }
    published = published_shares()
    period = cfg["verdicts"]["claims_period"]
    by_group = dict(zip(published["group"], published["percent"], strict=True))
    contributions.insert(
        contributions.columns.get_loc("percent"),
        "published",
        [
            by_group.get(g, math.nan) if p == period else math.nan
            for g, p in zip(contributions["group"], contributions["period"], strict=True)
        ],
    )
    tables["selection"] = selection
    assert tuple(tables) == SKILL_TABLES, "the declared tables (SKILL_TABLES) are the ones written"
    for name, frame in tables.items():
        write_csv(skills_dir() / f"{name}.csv", frame)
    return tables


def published_shares() -> pd.DataFrame:
    """``data/published/skill_decomposition.csv``: the published shares of the fall (and the one the package
    implies, labelled as such in its ``origin``)."""
    return pd.read_csv(config.published_dir() / "skill_decomposition.csv")
