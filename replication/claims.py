"""``outputs/claims.csv``: one row per published claim with our estimate, interval and verdict.

Claims and the estimates testing them are in ``config/claims.toml``; the verdict rules are stated there
and in ``docs/claims.md``. A reference ``spec:variant:term`` names a coefficient of the estimates JSON;
``decomposition:<name>:<group>`` a row of the decomposition table.
"""

from __future__ import annotations

import math

import pandas as pd

from replication import config
from replication.errors import ConfigError
from replication.fileio import read_toml, write_csv
from replication.models import load_estimates, run_context
from replication.offshoring import import_share_path, pooled_share
from replication.vintages import load_country_groups

VERDICTS = ("replicated", "not replicated", "inconclusive", "not testable")


def claims_config() -> list[dict]:
    return read_toml(config.config_dir() / "claims.toml", what="claims configuration")["claim"]


def _coefficient(reference: str, *, vintage: str, country: str, decompositions: pd.DataFrame) -> dict:
    """Estimate, interval and p-value (bootstrap where available) of a reference."""
    kind, name, term = reference.split(":", 2)
    if kind == "decomposition":
        row = decompositions[(decompositions["decomposition"] == name) & (decompositions["group"] == term)]
        if row.empty:
            if name in set(decompositions["decomposition"]) or name not in _configured_decompositions():
                raise ConfigError(f"config/claims.toml: no decomposition row {name!r} / {term!r}")
            return _not_estimable()
        r = row.iloc[0]
        low, high = r["delta_low"], r["delta_high"]
        z = r["percent"] / r["se"] if r["se"] and not math.isnan(r["se"]) else math.nan
        from scipy import stats

        p = float(2 * stats.norm.sf(abs(z))) if not math.isnan(z) else math.nan
        return {
            "estimate": r["percent"],
            "low": low,
            "high": high,
            "p_value": p,
            "unit": "% of the change",
            "interval": "delta method",
        }
    estimates = load_estimates(kind, vintage=vintage, country=country)
    if name not in estimates:
        return _not_estimable()
    results = estimates[name]
    tidy = results.tidy().set_index("term")
    if term not in tidy.index:
        raise ConfigError(f"config/claims.toml: term {term!r} is not in {kind}:{name}")
    r = tidy.loc[term]
    boot = "boot_p_value" in tidy.columns and not math.isnan(r.get("boot_p_value", math.nan))
    return {
        "estimate": r["estimate"],
        "low": r["boot_conf_low"] if boot else r["conf_low"],
        "high": r["boot_conf_high"] if boot else r["conf_high"],
        "p_value": r["boot_p_value"] if boot else r["p_value"],
        "unit": "coefficient",
        "interval": "wild bootstrap" if boot else results.cov_type,
    }


def _not_estimable() -> dict:
    return {
        "estimate": math.nan,
        "low": math.nan,
        "high": math.nan,
        "p_value": math.nan,
        "unit": "",
        "interval": "not estimable for this country",
    }


def _configured_decompositions() -> set[str]:
    from replication.decomposition import decomposition_config

    return {d["name"] for d in decomposition_config()["decomposition"]}


def effect_verdict(sign: str, estimates: list[dict]) -> str:
    """Rule for effect claims (see config/claims.toml)."""
    if sign == "none":
        ps = [e["p_value"] for e in estimates]
        if any(math.isnan(p) for p in ps):
            return "inconclusive"
        if all(p >= 0.10 for p in ps):
            return "replicated"
        return "not replicated" if any(p < 0.05 for p in ps) else "inconclusive"
    primary = estimates[0]
    if math.isnan(primary["p_value"]) or primary["p_value"] >= 0.05:
        return "inconclusive"
    positive = primary["estimate"] > 0
    return "replicated" if positive == (sign == "positive") else "not replicated"


def value_verdict(published: float, estimate: dict) -> str:
    low, high = estimate["low"], estimate["high"]
    if math.isnan(low) or math.isnan(high):
        return "inconclusive"
    if not low <= published <= high:
        return "not replicated"
    return "inconclusive" if low <= 0 <= high else "replicated"


def _data_measure(measure: str, *, vintage: str, country: str) -> list[float]:
    kind, *parts = measure.split(":")
    if kind == "imported_share":
        who, year = parts[0], int(parts[1])
        shares = pd.read_parquet(import_share_path(vintage))
        groups = load_country_groups()
        if who in groups:
            return [pooled_share(shares, groups[who], year=year)]
        row = shares[(shares["country"] == who) & (shares["year"] == year)]
        return [float(row["share"].iloc[0]) if len(row) else math.nan]
    if kind == "imported_share_rose":
        start, end = int(parts[0]), int(parts[1])
        shares = pd.read_parquet(import_share_path(vintage)).pivot_table(
            index="country", columns="year", values="share"
        )
        if start not in shares.columns or end not in shares.columns:
            return [math.nan]
        rose = shares[end] > shares[start]
        return [float(rose.mean() > 0.5 and bool(rose.get("BEL", False)))]
    if kind == "low_skill_share":
        sector, start, end = parts[0], int(parts[1]), int(parts[2])
        panel, _ = run_context(vintage)
        part = panel[(panel["country"] == country) & (panel["sector"] == sector)]
        out = []
        for year in (start, end):
            rows = part[part["year"] == year].dropna(subset=["sh_ls", "hours"])
            total = rows["hours"].sum()
            out.append(float(100 * (rows["sh_ls"] * rows["hours"]).sum() / total) if total > 0 else math.nan)
        return out
    raise ConfigError(f"config/claims.toml: unknown measure {measure!r}")


def _skill_channel(claim: dict, *, country: str) -> dict:
    """A skill claim judged by the skill channel's analysis (``outputs/skills/verdicts.csv``, rules in
    ``config/skill_analysis.toml [verdicts]``); Belgian claims only for the Belgian run."""
    if country != config.DEFAULT_COUNTRY:
        return {
            "published": "",
            "ours": "",
            "interval": "",
            "inference": "",
            "references": "outputs/skills/verdicts.csv",
            "verdict": "not testable",
            "reason": f"the skill channel is analysed for {config.DEFAULT_COUNTRY} only",
        }
    path = config.outputs_dir() / "skills" / "verdicts.csv"
    if not path.exists():
        raise ConfigError(f"{path}: not built; run `make skills`")
    table = pd.read_csv(path).set_index("id")
    if claim["id"] not in table.index:
        raise ConfigError(f"config/claims.toml: claim {claim['id']!r} has no row in {path}")
    row = table.loc[claim["id"]]
    return {
        "published": row["published"],
        "ours": row["ours"],
        "interval": row["interval"],
        "inference": "wild cluster bootstrap (Webb), cluster = skill block",
        "references": "outputs/skills/verdicts.csv",
        "verdict": row["verdict"],
        "reason": row["reason"],
    }


def build_claims(vintage: str, country: str, decompositions: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for claim in claims_config():
        row = {"id": claim["id"], "source": claim["source"], "claim": claim["text"], "kind": claim["kind"]}
        if claim["kind"] == "effect":
            estimates = [
                _coefficient(ref, vintage=vintage, country=country, decompositions=decompositions)
                for ref in claim["estimates"]
            ]
            row.update(
                published="no significant effect" if claim["sign"] == "none" else f"{claim['sign']} effect",
                ours="; ".join(
                    f"{ref.split(':', 2)[-1]} {e['estimate']:.3g} (p={e['p_value']:.3f})"
                    for ref, e in zip(claim["estimates"], estimates, strict=True)
                ),
                interval="; ".join(f"[{e['low']:.3g}, {e['high']:.3g}]" for e in estimates),
                inference=estimates[0]["interval"],
                references=" ".join(claim["estimates"]),
                verdict=effect_verdict(claim["sign"], estimates),
            )
        elif claim["kind"] == "value":
            estimate = _coefficient(claim["estimate"], vintage=vintage, country=country, decompositions=decompositions)
            row.update(
                published=str(claim["published"]),
                ours=f"{estimate['estimate']:.1f}",
                interval=f"[{estimate['low']:.1f}, {estimate['high']:.1f}]",
                inference=estimate["interval"],
                references=claim["estimate"],
                verdict=value_verdict(claim["published"], estimate),
            )
        elif claim["kind"] == "skill_channel":
            row.update(_skill_channel(claim, country=country))
        elif claim["kind"] == "data":
            published = claim["published"] if isinstance(claim["published"], list) else [claim["published"]]
            ours = _data_measure(claim["measure"], vintage=vintage, country=country)
            measured = not any(math.isnan(o) for o in ours)
            ok = measured and all(abs(o - p) <= claim["tolerance"] for o, p in zip(ours, published, strict=True))
            row.update(
                published=" -> ".join(str(p) for p in published),
                ours=" -> ".join(f"{o:.1f}" for o in ours),
                interval="",
                inference=f"tolerance {claim['tolerance']}",
                references=claim["measure"],
                verdict="replicated" if ok else "not replicated" if measured else "inconclusive",
            )
        else:
            raise ConfigError(f"config/claims.toml: claim {claim['id']!r} has unknown kind {claim['kind']!r}")
        rows.append(row)
    return pd.DataFrame(rows)


def write_claims(vintage: str, country: str, decompositions: pd.DataFrame) -> pd.DataFrame:
    table = build_claims(vintage, country, decompositions)
    suffix = "" if country == config.DEFAULT_COUNTRY else f"_{country}"
    write_csv(config.vintage_outputs_dir(vintage) / f"claims{suffix}.csv", table)
    return table
