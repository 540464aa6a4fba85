"""``outputs/claims.csv``: one row per published claim with our estimate, interval and verdict.

Claims and the estimates testing them are in ``config/claims.toml``; the verdict rules, stated there before
looking at the numbers and explained in ``docs/claims.md``, are applied here. Verdicts: *replicated*, *not
replicated*, *inconclusive*, *not testable*. A reference ``spec:variant:term`` names a coefficient of the
estimates JSON; every interval and p-value is the wild cluster bootstrap where the spec computes it, else
the model's cluster-robust one (an unadjusted covariance makes the claim not testable,
:mod:`replication.analysis.identification`).

Kinds: ``effect`` (a signed effect), ``null`` (no effect: an equivalence test on the effect of the observed
change of the regressor, with a bound in % of the outcome), ``value`` (a published number inside our
interval), ``data`` (descriptive numbers: level and, with ``tolerance_change``, change judged separately),
``data_min`` (at least a threshold), ``table1`` (Table 1 levels and growth rates, and the article's
statements about them), ``skill_channel`` (the skill claims, :mod:`replication.claims.skill_rules`).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from replication.analysis.identification import failures
from replication.analysis.robust_claims import holm
from replication.claims.battery_rules import robust_verdict
from replication.claims.skill_rules import skill_verdicts
from replication.core import config, config_schemas
from replication.core.errors import ConfigError, ReplicationError
from replication.core.fileio import read_parquet, write_csv
from replication.core.layout import Layout
from replication.core.toml_schema import unknown_name
from replication.inputs.vintages import load_country_groups
from replication.measures.offshoring import pooled_share
from replication.panels.panel import load_panel
from replication.specs.estimate import load_estimates, not_estimable

VERDICTS = ("replicated", "not replicated", "inconclusive", "not testable")


def claims_file() -> dict:
    return config_schemas.load("claims.toml")


def claims_config() -> list[dict]:
    return claims_file()["claim"]


def rules_config() -> dict:
    return claims_file()["rules"]


def studies_config() -> dict:
    """``[studies]``: the country the published studies are about and the last year of each study's sample."""
    return claims_file()["studies"]


# ---------------------------------------------------------------------------------------------- estimates
def _coefficient(reference: str, layout: Layout, *, rules: dict) -> dict:
    """Estimate, interval and p-value (wild bootstrap where available) of ``spec:variant:term``, and the
    reasons it cannot carry a verdict."""
    parts = reference.split(":", 2)
    if len(parts) != 3:
        raise ConfigError(f"config/claims.toml: estimate {reference!r} should be spec:variant:term")
    kind, name, term = parts
    if not layout.estimates_file("belgium", kind).exists():
        from replication.specs.files import instance_names

        names = [
            n
            for p in sorted((config.project_root() / "estimations" / "belgium").glob("*.toml"))
            for n in instance_names(p)
        ]
        if kind not in names:
            raise ConfigError(f"config/claims.toml: {reference}: " + unknown_name(kind, names, what="spec"))
    estimates = load_estimates(kind, layout)
    missing = not_estimable(kind, layout)
    if name not in estimates and name not in missing:
        known = sorted({*estimates, *missing})
        raise ConfigError(f"config/claims.toml: {reference}: " + unknown_name(name, known, what=f"variant of {kind}"))
    if name not in estimates:
        return _not_estimable(missing[name])
    results = estimates[name]
    if term not in results.params.index:
        raise ConfigError(
            f"config/claims.toml: {reference}: "
            + unknown_name(term, [t for t in results.params.index if t != "const"], what=f"term of {kind}:{name}")
        )
    preferred = results.preferred(term)
    return {
        "estimate": preferred["estimate"],
        "low": preferred["conf_low"],
        "high": preferred["conf_high"],
        "p_value": preferred["p_value"],
        "interval": preferred["source"],
        "failures": failures(results, [term], rules=rules),
    }


def _not_estimable(reason: str) -> dict:
    return {
        "estimate": math.nan,
        "low": math.nan,
        "high": math.nan,
        "p_value": math.nan,
        "interval": "",
        "failures": [f"not identified: {' '.join(reason.split())[:160]}"],
    }


def effect_verdict(sign: str, estimates: list[dict], *, alpha: float) -> tuple[str, str]:
    """A signed effect: the primary (first) estimate's p below ``alpha`` with the published sign."""
    primary = estimates[0]
    if primary["failures"]:
        return "not testable", "; ".join(primary["failures"])
    if math.isnan(primary["p_value"]) or primary["p_value"] >= alpha:
        return "inconclusive", f"p = {primary['p_value']:.3f} >= {alpha}"
    positive = primary["estimate"] > 0
    if positive == (sign == "positive"):
        return "replicated", f"p = {primary['p_value']:.3f}, published sign"
    return "not replicated", f"p = {primary['p_value']:.3f}, opposite sign"


def observed_change(term: str, layout: Layout, *, sector: str, start: int, end: int) -> float:
    """Hours-weighted mean change of ``term`` over the country's industries of ``sector`` between two years
    (weights: the mean of the two years' hours shares)."""
    part = _sector_rows(load_panel(layout.vintage), layout.country, sector)
    if term not in part.columns or "hours" not in part.columns:  # the run's data cannot build the measure
        return math.nan
    a = part[part["year"] == start].set_index("industry")[[term, "hours"]].dropna()
    b = part[part["year"] == end].set_index("industry")[[term, "hours"]].dropna()
    common = a.index.intersection(b.index)
    if common.empty:
        return math.nan
    a, b = a.loc[common], b.loc[common]
    w = (a["hours"] / a["hours"].sum() + b["hours"] / b["hours"].sum()) / 2
    return float((w * (b[term] - a[term])).sum())


_SECTOR_ROWS: list = [None, {}]  # the panel they were selected from, and its rows by (country, sector)


def _sector_rows(panel: pd.DataFrame, country: str, sector: str) -> pd.DataFrame:
    """The panel's rows of one country and sector, selected once per panel (the claims ask for the same rows
    dozens of times; selecting them from the whole panel each time was most of the claims' time). Only the last
    panel's rows are kept."""
    if _SECTOR_ROWS[0] is not panel:
        _SECTOR_ROWS[:] = [panel, {}]
    rows = _SECTOR_ROWS[1]
    if (country, sector) not in rows:
        rows[(country, sector)] = panel[(panel["country"] == country) & (panel["sector"] == sector)]
    return rows[(country, sector)]


def null_verdict(effects: list[dict], *, bound: float, alpha: float = 0.05) -> tuple[str, str]:
    """Equivalence: each estimate's effect of the observed change (% of the outcome) and its interval.

    The claim is carried by any of its m terms, so significance is judged on Holm-adjusted p-values over the m
    terms (family-wise level ``alpha``). Not testable when an estimate fails its identification rules; not
    replicated when a term's adjusted p is below ``alpha``; replicated when every interval lies within
    ``[-bound, bound]``; otherwise inconclusive (uninformative).
    """
    failed = list(dict.fromkeys(f for e in effects for f in e["failures"]))
    if failed:
        return "not testable", "; ".join(failed)
    if any(math.isnan(e["effect_low"]) or math.isnan(e["p_value"]) for e in effects):
        return "inconclusive", "an interval or a p-value is missing"
    adjusted = holm([e["p_value"] for e in effects])
    family = f"Holm over {len(effects)} term" + ("s" if len(effects) > 1 else "")
    significant = [(e, p) for e, p in zip(effects, adjusted, strict=True) if p < alpha]
    if significant:
        return "not replicated", f"a term is significant ({family}): " + ", ".join(
            f"{e['term']} (adjusted p {p:.3f})" for e, p in significant
        )
    unadjusted = [e["term"] for e in effects if e["effect_low"] > 0 or e["effect_high"] < 0]
    note = f"; unadjusted, an interval excludes 0 ({', '.join(unadjusted)})" if unadjusted else ""
    smallest = f"smallest adjusted p {min(adjusted):.3f}, {family}"
    if all(-bound <= e["effect_low"] and e["effect_high"] <= bound for e in effects):
        return "replicated", f"no term significant ({smallest}){note}; every interval within +-{bound:g}% (equivalence)"
    return "inconclusive", f"no term significant ({smallest}){note}; an interval admits effects beyond +-{bound:g}%"


def value_verdict(published: float, estimate: dict) -> tuple[str, str]:
    low, high = estimate["low"], estimate["high"]
    if math.isnan(low) or math.isnan(high):
        return "inconclusive", "no interval"
    if not low <= published <= high:
        return "not replicated", "outside our interval"
    if low <= 0 <= high:
        return "inconclusive", "inside an interval that contains 0"
    return "replicated", "inside our interval, which excludes 0"


# ---------------------------------------------------------------------------------------------- data
def _data_measure(measure: str, layout: Layout) -> list[float]:
    kind, *parts = measure.split(":")
    if kind in ("imported_share", "imported_share_mean"):
        who, year = parts[0], int(parts[1])
        shares = read_parquet(Layout(layout.vintage).import_share)
        groups = load_country_groups()
        if who in groups and kind == "imported_share":
            return [pooled_share(shares, groups[who], year=year)]
        if who in groups:  # unweighted mean of the members' shares
            part = shares[shares["country"].isin(groups[who]) & (shares["year"] == year)]
            return [float(part["share"].mean()) if len(part) else math.nan]
        row = shares[(shares["country"] == who) & (shares["year"] == year)]
        return [float(row["share"].iloc[0]) if len(row) else math.nan]
    if kind == "imported_share_rose":
        start, end = int(parts[0]), int(parts[1])
        shares = read_parquet(Layout(layout.vintage).import_share).pivot_table(
            index="country", columns="year", values="share"
        )
        if start not in shares.columns or end not in shares.columns:
            return [math.nan]
        rose = shares[end] > shares[start]
        return [float(rose.mean() > 0.5 and bool(rose.get(studies_config()["country"], False)))]
    if kind == "low_skill_share":
        sector, start, end = parts[0], int(parts[1]), int(parts[2])
        panel, country = load_panel(layout.vintage), layout.country
        part = panel[(panel["country"] == country) & (panel["sector"] == sector)]
        if not {"sh_ls", "hours"} <= set(panel.columns):
            return [math.nan, math.nan]
        out = []
        for year in (start, end):
            rows = part[part["year"] == year].dropna(subset=["sh_ls", "hours"])
            total = rows["hours"].sum()
            out.append(float(100 * (rows["sh_ls"] * rows["hours"]).sum() / total) if total > 0 else math.nan)
        return out
    if kind == "price_basis_gap":  # constant- minus current-price intensity, pp, input-weighted, by sector
        term, year = parts[0], int(parts[1])
        panel, country = load_panel(layout.vintage), layout.country
        part = panel[(panel["country"] == country) & (panel["year"] == year)]
        const = term.replace("_", "_const_", 1)
        if not {term, const, "ii"} <= set(panel.columns):  # the run's data cannot build the measure
            return [math.nan, math.nan]
        out = []
        for sector in ("manufacturing", "market_services"):
            rows = part[part["sector"] == sector].dropna(subset=[term, const, "ii"])
            weight = rows["ii"] / rows["ii"].sum()
            out.append(float(100 * (weight * (rows[const] - rows[term])).sum()) if len(rows) else math.nan)
        return out
    if kind == "import_origin_share":
        return _import_origin_shares(parts[0].split("+"), [int(y) for y in parts[1:]], layout)
    raise ConfigError(f"config/claims.toml: unknown measure {measure!r}")


def _import_origin_shares(groups: list[str], years: list[int], layout: Layout) -> list[float]:
    """Percent of the country's imported intermediate inputs (all products) supplied by the groups' members,
    for each year (the IO table read once)."""
    from replication.inputs.tidy import as_text, load_table

    country = layout.country
    use = load_table(
        layout.vintage,
        "io_use",
        columns=["country", "year", "supplying_country", "value"],
        filters=[("country", "==", country)],
    )
    use = use[as_text(use["country"]) == country]
    supplier = as_text(use["supplying_country"])
    imported = use[supplier != country]
    members = {c for g in groups for c in load_country_groups()[g]} - {country}
    from_groups = as_text(imported["supplying_country"]).isin(members)
    out = []
    for year in years:
        in_year = imported["year"] == year
        total = imported.loc[in_year, "value"].sum()
        part = imported.loc[in_year & from_groups, "value"].sum()
        out.append(float(100 * part / total) if total > 0 else math.nan)
    return out


def data_rows(claim: dict, layout: Layout) -> list[dict]:
    """A data claim's row, or (with ``tolerance_change``) one row for the levels and one for the change."""
    published = claim["published"] if isinstance(claim["published"], list) else [claim["published"]]
    ours = _data_measure(claim["measure"], layout)
    measured = not any(math.isnan(o) for o in ours)
    base = {"references": claim["measure"]}
    level_ok = measured and all(abs(o - p) <= claim["tolerance"] for o, p in zip(ours, published, strict=True))
    rows = [
        {
            **base,
            "id": claim["id"] + ("_level" if "tolerance_change" in claim else ""),
            "published": " -> ".join(f"{p:g}" for p in published),
            "ours": " -> ".join(f"{o:.1f}" for o in ours),
            "inference": f"level tolerance {claim['tolerance']}",
            "verdict": "replicated" if level_ok else "not replicated" if measured else "inconclusive",
            "reason": "every level within the tolerance" if level_ok else "a level outside the tolerance",
        }
    ]
    if "tolerance_change" in claim:
        change_pub, change_ours = published[-1] - published[0], ours[-1] - ours[0]
        ok = measured and abs(change_ours - change_pub) <= claim["tolerance_change"]
        rows.append(
            {
                **base,
                "id": claim["id"] + "_change",
                "published": f"{change_pub:+g}",
                "ours": f"{change_ours:+.1f}",
                "inference": f"change tolerance {claim['tolerance_change']}",
                "verdict": "replicated" if ok else "not replicated" if measured else "inconclusive",
                "reason": "change within the tolerance" if ok else "change outside the tolerance",
            }
        )
    return rows


def table1_rows(claim: dict, layout: Layout) -> list[dict]:
    """Table 1: levels (both years) and growth rates per sector x origin x measure, and the statements."""
    path = layout.table1()
    if not path.exists():
        return [
            {
                "id": claim["id"],
                "references": layout.relative(path),
                "verdict": "not testable",
                "reason": f"no Table 1 comparison for {layout.country} in {layout.vintage} (the published table is "
                f"{studies_config()['country']}'s)",
            }
        ]
    table = pd.read_csv(path, dtype={"statistic": str})
    rows = []
    for (sector, origin, measure), part in table.groupby(["sector", "origin", "measure"], sort=False):
        values = part.set_index("statistic")
        levels = values.drop(index="g")
        tolerance = np.maximum(claim["level_abs"], claim["level_rel"] * levels["published"].abs())
        measured = levels["ours"].notna().all()
        gaps = (levels["ours"] - levels["published"]).abs()
        ok = measured and bool((gaps <= tolerance).all())
        key = f"{claim['id']}_{sector}_{origin}_{measure}"
        worst = (gaps - tolerance).idxmax() if measured else None
        level_reason = (
            "the vintage lacks an origin or a year"
            if not measured
            else "every level within the tolerance"
            if ok
            else f"{worst}: {levels.loc[worst, 'ours']:.2f} against {levels.loc[worst, 'published']:g}, beyond "
            f"{tolerance.loc[worst]:.2f} pp"
        )
        rows.append(
            {
                "id": f"{key}_level",
                "claim": f"Table 1, {sector.replace('_', ' ')}, {origin}, {measure}: levels {', '.join(levels.index)}",
                "published": " -> ".join(f"{v:g}" for v in levels["published"]),
                "ours": " -> ".join(f"{v:.2f}" for v in levels["ours"]),
                "inference": f"tolerance max({claim['level_abs']} pp, {claim['level_rel']:.0%})",
                "references": str(path.relative_to(config.project_root())),
                "verdict": "replicated" if ok else "not replicated" if measured else "not testable",
                "reason": level_reason,
            }
        )
        g_pub, g_ours = float(values.loc["g", "published"]), float(values.loc["g", "ours"])
        if math.isnan(g_ours):
            verdict, reason = "not testable", "the vintage lacks an origin or a year"
        else:
            same = np.sign(g_pub) == np.sign(g_ours)
            allowed = max(claim["growth_abs"], claim["growth_rel"] * abs(g_pub))
            close = abs(g_ours - g_pub) <= allowed
            verdict = "replicated" if same and close else "not replicated"
            reason = (
                ("same sign" if same else "opposite sign")
                + (", within" if close else ", beyond")
                + f" {allowed:.2g} pp a year (gap {abs(g_ours - g_pub):.2g})"
            )
        rows.append(
            {
                "id": f"{key}_growth",
                "claim": f"Table 1, {sector.replace('_', ' ')}, {origin}, {measure}: average annual growth",
                "published": f"{g_pub:g}",
                "ours": f"{g_ours:.1f}",
                "inference": f"same sign and within max({claim['growth_abs']} pp, {claim['growth_rel']:.0%})",
                "references": str(path.relative_to(config.project_root())),
                "verdict": verdict,
                "reason": reason,
            }
        )
    rows += table1_statements(table, claim, path)
    return rows


def table1_statements(table: pd.DataFrame, claim: dict, path) -> list[dict]:
    """The article's statements about Table 1, checked on our values."""
    wide = table.pivot_table(
        index=["sector", "origin", "measure"], columns="statistic", values="ours", dropna=False
    ).reindex(columns=sorted(set(table["statistic"])))
    sectors = sorted(set(table["sector"]))
    years = [y for y in wide.columns if y != "g"]

    def value(sector: str, origin: str, measure: str, statistic: str) -> float:
        key = (sector, origin, measure)
        return float(wide.loc[key, statistic]) if key in wide.index else math.nan

    def holds(pairs: list[tuple[float, float]], *, strict: bool = True) -> bool | None:
        """Every ``a > b`` (``a >= b`` unless ``strict``) of the pairs; None when a value it needs is missing."""
        if not pairs or any(math.isnan(a) or math.isnan(b) for a, b in pairs):
            return None
        return all(a > b if strict else a >= b for a, b in pairs)

    far = claim["far_larger"]
    checks = {
        "fastest growth from CEEC and ASIA (each above OECD, both measures, both sectors)": holds(
            [
                (value(s, o, m, "g"), value(s, "oecd", m, "g"))
                for s in sectors
                for m in ("om", "os")
                for o in ("ceec", "asia")
            ]
        ),
        "services offshoring grows faster than materials offshoring (Total, both sectors)": holds(
            [(value(s, "total", "os", "g"), value(s, "total", "om", "g")) for s in sectors]
        ),
        f"materials far larger than services in manufacturing (om at least {far}x os, Total, both years)": holds(
            [(value("manufacturing", "total", "om", y), far * value("manufacturing", "total", "os", y)) for y in years],
            strict=False,
        ),
    }
    return [
        {
            "id": f"{claim['id']}_statement_{i + 1}",
            "claim": f"Table 1: {text}",
            "published": "true",
            "ours": "" if result is None else str(result).lower(),
            "inference": "computed on our Table 1 values",
            "references": str(path.relative_to(config.project_root())),
            "verdict": "not testable" if result is None else "replicated" if result else "not replicated",
            "reason": "the run's Table 1 lacks a year, origin or sector the statement needs"
            if result is None
            else "the statement holds for every pair it compares"
            if result
            else "a pair it compares does not hold",
        }
        for i, (text, result) in enumerate(checks.items())
    ]


def _skill_channel(claim: dict, layout: Layout) -> dict:
    """A skill claim judged from the skill stage's tables (``outputs/skills/``) by the rules of
    ``config/skill_analysis.toml`` (:mod:`replication.claims.skill_rules`), built with the default vintage and
    country only."""
    source = "outputs/skills/ (robustness.csv, falsification.csv, decomposition.csv, restriction_tests.csv)"
    if not layout.has_skill_channel:
        return {
            "references": source,
            "verdict": "not testable",
            "reason": "the skill channel is built with the default vintage and country only",
        }
    if not (layout.skills / "robustness.csv").exists():
        raise ConfigError(f"{layout.relative(layout.skills)}: not built; run `make all`")
    table = skill_verdicts(layout).set_index("id")
    if claim["id"] not in table.index:
        raise ConfigError(
            f"config/claims.toml: claim {claim['id']!r} is not a skill claim (config/skill_analysis.toml "
            "[robustness.claims] or data/published/skill_decomposition.csv)"
        )
    row = table.loc[claim["id"]]
    return {
        "published": row["published"],
        "ours": row["ours"],
        "interval": row["interval"],
        "inference": "wild cluster bootstrap (Webb), cluster = skill block",
        "references": source,
        "verdict": row["verdict"],
        "reason": row["reason"],
    }


# ---------------------------------------------------------------------------------------------- robustness
def _battery(claim_id: str, layout: Layout) -> pd.DataFrame:
    """A claim's rows of ``claims_robustness.csv`` (the file read once per version, not once per claim)."""
    path = layout.claims_robustness
    if not path.exists():
        raise ConfigError(f"{layout.relative(path)}: not built; run `make all`")
    table = _read_battery(str(path), path.stat().st_mtime_ns)
    return table[table["claim"] == claim_id]


@functools.lru_cache(maxsize=2)
def _read_battery(path: str, version: int) -> pd.DataFrame:
    return pd.read_csv(path)


# ---------------------------------------------------------------------------------------------- all claims
def claim_rows(claim: dict, layout: Layout, *, rules: dict) -> list[dict]:
    """The row(s) of one claim of ``config/claims.toml``."""
    head = {"id": claim["id"], "source": claim["source"], "claim": claim["text"], "kind": claim["kind"]}
    kind = claim["kind"]
    if kind == "effect":
        estimates = [_coefficient(r, layout, rules=rules) for r in claim["estimates"]]
        verdict, reason = effect_verdict(claim["sign"], estimates, alpha=rules["alpha"])
        verdict, reason = robust_verdict(verdict, reason, _battery(claim["id"], layout), null=False)
        return [
            {
                **head,
                "published": f"{claim['sign']} effect",
                "ours": "; ".join(
                    f"{ref.split(':', 2)[-1]} {e['estimate']:.3g} (p={e['p_value']:.3f})"
                    for ref, e in zip(claim["estimates"], estimates, strict=True)
                ),
                "interval": "; ".join(f"[{e['low']:.3g}, {e['high']:.3g}]" for e in estimates),
                "inference": estimates[0]["interval"],
                "references": " ".join(claim["estimates"]),
                "verdict": verdict,
                "reason": reason,
            }
        ]
    if kind == "null":
        start, end = claim["period"]
        effects = []
        for ref in claim["estimates"]:
            e = _coefficient(ref, layout, rules=rules)
            spec, _, term = ref.split(":", 2)
            sector = next(s for s in ("manufacturing", "market_services") if spec.endswith(s))
            dx = observed_change(term, layout, sector=sector, start=start, end=end)
            ends = sorted([100 * e["low"] * dx, 100 * e["high"] * dx])
            effects.append(
                {
                    **e,
                    "term": ref,
                    "dx": dx,
                    "effect": 100 * e["estimate"] * dx,
                    "effect_low": ends[0],
                    "effect_high": ends[1],
                }
            )
        verdict, reason = null_verdict(effects, bound=claim["bound"], alpha=rules["alpha"])
        verdict, reason = robust_verdict(verdict, reason, _battery(claim["id"], layout), null=True)
        return [
            {
                **head,
                "published": "no significant effect",
                "ours": "; ".join(f"{e['term'].split(':', 2)[-1]} {e['effect']:+.2f}%" for e in effects),
                "interval": "; ".join(f"[{e['effect_low']:+.2f}, {e['effect_high']:+.2f}]" for e in effects),
                "inference": f"{effects[0]['interval']}; effect of the observed {start}-{end} change, % of the "
                f"outcome; equivalence bound +-{claim['bound']:g}%",
                "references": " ".join(claim["estimates"]),
                "verdict": verdict,
                "reason": reason,
            }
        ]
    if kind == "value":
        estimate = _coefficient(claim["estimate"], layout, rules=rules)
        verdict, reason = (
            ("not testable", "; ".join(estimate["failures"]))
            if estimate["failures"]
            else value_verdict(claim["published"], estimate)
        )
        return [
            {
                **head,
                "published": f"{claim['published']:g}",
                "ours": f"{estimate['estimate']:.3g}",
                "interval": f"[{estimate['low']:.3g}, {estimate['high']:.3g}]",
                "inference": estimate["interval"],
                "references": claim["estimate"],
                "verdict": verdict,
                "reason": reason,
            }
        ]
    if kind == "data":
        return [{**head, "interval": "", **row} for row in data_rows(claim, layout)]
    if kind == "data_min":
        ours = _data_measure(claim["measure"], layout)
        ok = all(o >= claim["minimum"] for o in ours)
        return [
            {
                **head,
                "published": f">= {claim['minimum']:g}",
                "ours": " and ".join(f"{o:.1f}" for o in ours),
                "interval": "",
                "inference": claim.get("note", ""),
                "references": claim["measure"],
                "verdict": "replicated" if ok else "not replicated",
                "reason": (
                    f"every value at least {claim['minimum']:g}" if ok else f"a value below {claim['minimum']:g}"
                )
                + (
                    " (a lower bound where the data lack group members: they count as the rest of the world)"
                    if "lacks" in claim.get("note", "")
                    else ""
                ),
            }
        ]
    if kind == "table1":
        return [{**head, **row} for row in table1_rows(claim, layout)]
    if kind == "skill_channel":
        return [{**head, **_skill_channel(claim, layout)}]
    raise ConfigError(f"config/claims.toml: claim {claim['id']!r} has unknown kind {kind!r}")


COUNTRY_FREE_MEASURES = ("imported_share", "imported_share_mean", "imported_share_rose")


def about_study_country(claim: dict) -> bool:
    """Whether a claim is about the published study's own country (its numbers are that country's), as opposed
    to a descriptive claim whose measure names its countries explicitly (e.g. ``imported_share:OECD:2005``)."""
    if claim["kind"] in ("data", "data_min"):
        return claim["measure"].split(":")[0] not in COUNTRY_FREE_MEASURES
    return True


def build_claims(layout: Layout) -> pd.DataFrame:
    """Every claim of ``config/claims.toml`` for the run. The published numbers are those of the study's country
    (``[studies] country``): for another country, a claim about the study's country is shown with that
    country's numbers beside the published ones but judged *not testable* (a German estimate does not test a
    Belgian result)."""
    rules = rules_config()
    study = studies_config()["country"]
    rows = []
    for claim in claims_config():
        for row in claim_rows(claim, layout, rules=rules):
            if layout.country != study and about_study_country(claim):
                row = {
                    **row,
                    "verdict": "not testable",
                    "reason": f"the published numbers are {study}'s; {layout.country}'s shown for comparison only",
                }
            rows.append(row)
    columns = [
        "id",
        "source",
        "claim",
        "kind",
        "published",
        "ours",
        "interval",
        "inference",
        "references",
        "verdict",
        "reason",
    ]
    table = pd.DataFrame(rows).reindex(columns=columns)
    bad = set(table["verdict"]) - set(VERDICTS)
    if bad:
        raise ConfigError(f"verdicts outside {VERDICTS}: {sorted(bad)}")
    empty = table.loc[table["reason"].fillna("").astype(str).str.strip() == "", "id"].tolist()
    if empty:
        raise ReplicationError(f"claims without a reason for their verdict: {', '.join(empty)}")
    return table


def write_claims(layout: Layout) -> pd.DataFrame:
    table = build_claims(layout)
    write_csv(layout.claims, table)
    return table
