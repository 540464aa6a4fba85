r"""Stage 5: contributions of offshoring and technology to the change in the low-skilled share.

For a sector, country and period, with industry weights :math:`w_i` (mean over the two years of the
industry's share of the sector's hours or wage bill) and a share equation
:math:`s_{it} = x_{it}'\beta + \ldots`:

.. math::

    C_G = \frac{\sum_{k \in G} \beta_k \, \overline{\Delta x}_k}{\Delta S}, \qquad
    \overline{\Delta x}_k = \sum_i w_i (x_{i,end} - x_{i,start})

with :math:`\Delta S` the observed change of the sector's aggregate share. An interaction
:math:`x z` is split by the exact mid-point rule
:math:`\Delta(xz) = \bar z \Delta x + \bar x \Delta z`: the first part goes to *x*'s group, the second to
*z*'s. Each :math:`C_G = g_G'\beta` is linear in the coefficients: its delta-method standard error
:math:`\sqrt{g_G' V g_G}/|\Delta S|` is exact. As a check with few clusters, the same contribution is
computed from the single-equation within estimate of the equation (``within_percent``) with its wild
cluster bootstrap interval (WCR on the combination, the draws of the coefficients' tests). Groups and decompositions:
``config/decomposition.toml``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from replication.core import config_schemas
from replication.core.errors import ConfigError, ReplicationError
from replication.estimators.inference import BootstrapOptions
from replication.estimators.results import Results
from replication.estimators.static import static_bootstrap_engine


@dataclass(frozen=True)
class Changes:
    """Weighted changes of the regressors and of the share between two years."""

    delta: pd.Series  # term -> weighted change (interactions split into "<term>@<part>")
    observed: float  # change of the aggregate share
    within: float  # weighted within-industry change of the share
    industries: int


def decomposition_config() -> dict:
    return config_schemas.load("decomposition.toml")


def weighted_changes(
    panel: pd.DataFrame,
    *,
    terms: list[str],
    interactions: dict[str, list[str]],
    share: str,
    weights: str,
    start: int,
    end: int,
) -> Changes:
    """Weighted regressor changes (interaction parts as ``<term>@<x>`` and ``<term>@<z>``) and share changes."""
    base_terms = sorted(
        {t for t in terms if t not in interactions} | {p for t in terms if t in interactions for p in interactions[t]}
    )
    needed = [share, weights, *base_terms]
    a = panel[panel["year"] == start].set_index("industry")[needed]
    b = panel[panel["year"] == end].set_index("industry")[needed]
    common = a.dropna().index.intersection(b.dropna().index)
    if len(common) == 0:
        raise ReplicationError(f"no industry has {needed} in both {start} and {end}")
    a, b = a.loc[common], b.loc[common]
    w = (a[weights] / a[weights].sum() + b[weights] / b[weights].sum()) / 2
    delta = {}
    for term in terms:
        if term in interactions:
            x, z = interactions[term]
            delta[f"{term}@{x}"] = float((w * (a[z] + b[z]) / 2 * (b[x] - a[x])).sum())
            delta[f"{term}@{z}"] = float((w * (a[x] + b[x]) / 2 * (b[z] - a[z])).sum())
        else:
            delta[term] = float((w * (b[term] - a[term])).sum())
    aggregate = lambda f: float((f[weights] * f[share]).sum() / f[weights].sum())  # noqa: E731
    return Changes(
        delta=pd.Series(delta),
        observed=aggregate(b) - aggregate(a),
        within=float((w * (b[share] - a[share])).sum()),
        industries=len(common),
    )


def group_vectors(
    terms: list[str], changes: Changes, groups: dict[str, list[str]], interactions: dict[str, list[str]]
) -> dict[str, pd.Series]:
    """For each group, the vector g over ``terms`` with ``C_G = g'beta / dS``."""
    vectors = {}
    for group, members in groups.items():
        g = pd.Series(0.0, index=terms)
        for term in terms:
            if term in interactions:
                for part in interactions[term]:
                    if part in members:
                        g[term] += changes.delta[f"{term}@{part}"]
            elif term in members:
                g[term] += changes.delta[term]
        vectors[group] = g
    return vectors


def decompose(
    result: Results,
    *,
    equation: str | None,
    panel: pd.DataFrame,
    spec: dict,
    groups: dict,
    offshoring: list[str],
    interactions: dict,
    bootstrap: tuple | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Contributions (percent of the observed change) with delta-method and bootstrap intervals."""
    prefix = f"{equation}_" if equation else ""
    terms = [
        t[len(prefix) :]
        for t in result.params.index
        if t.startswith(prefix) and "=" not in t and t[len(prefix) :] != "const"
    ]
    changes = weighted_changes(
        panel,
        terms=terms,
        interactions=interactions,
        share=spec["share"],
        weights=spec["weights"],
        start=spec["start"],
        end=spec["end"],
    )
    vectors = group_vectors(terms, changes, groups, interactions)
    vectors["offshoring (total)"] = sum((vectors[g] for g in offshoring), pd.Series(0.0, index=terms))
    names = [prefix + t for t in terms]
    beta = result.params[names].to_numpy()
    cov = result.cov.loc[names, names].to_numpy()
    z = stats.norm.ppf(0.5 + level / 2)
    scale = 100.0 / changes.observed
    rows = []
    for group, g in vectors.items():
        value = float(g.to_numpy() @ beta) * scale
        se = float(np.sqrt(g.to_numpy() @ cov @ g.to_numpy())) * abs(scale)
        row = {
            "group": group,
            "percent": value,
            "se": se,
            "delta_low": value - z * se,
            "delta_high": value + z * se,
            "within_percent": math.nan,
            "boot_low": math.nan,
            "boot_high": math.nan,
            "identified": bool(np.any(g.to_numpy() != 0)),
        }
        if bootstrap is not None and row["identified"]:
            engine, columns = bootstrap
            vector = np.array([g.get(c, 0.0) for c in columns])
            if np.any(vector != 0) and set(g.index[g != 0]) <= set(columns):
                out = engine.restricted_combination(vector, level=level)
                bounds = sorted([out["conf_low"] * scale, out["conf_high"] * scale])
                row["within_percent"] = out["estimate"] * scale
                row["boot_low"], row["boot_high"] = bounds
        if not row["identified"]:
            row.update(percent=math.nan, se=math.nan, delta_low=math.nan, delta_high=math.nan)
        rows.append(row)
    explained = sum(r["percent"] for r in rows if r["group"] in groups and r["identified"])
    rows.append(
        {
            "group": "unexplained (fixed effects and residual)",
            "percent": 100.0 - explained,
            "se": math.nan,
            "delta_low": math.nan,
            "delta_high": math.nan,
            "within_percent": math.nan,
            "boot_low": math.nan,
            "boot_high": math.nan,
            "identified": True,
        }
    )
    frame = pd.DataFrame(rows)
    frame.attrs.update(observed_change=changes.observed, within_change=changes.within, industries=changes.industries)
    return frame


def bootstrap_for(variant_spec, data: pd.DataFrame) -> tuple:
    """The wild cluster bootstrap engine of a within or pooled spec variant (same design as its estimate), with
    the draws, weights and seed of the variant's ``[inference.bootstrap]`` (the :class:`BootstrapOptions`
    defaults where it names none)."""
    model = variant_spec.model
    if model["estimator"] not in ("within", "pooled"):
        raise ConfigError(f"{variant_spec.path}: bootstrap_variant must be a within or pooled model")
    boot = variant_spec.inference.get("bootstrap") or {}
    options = BootstrapOptions(**{k: boot[k] for k in ("draws", "weights", "seed", "level") if k in boot})
    return static_bootstrap_engine(
        data,
        dependent=model["dependent"],
        regressors=list(model["regressors"]),
        entity=variant_spec.data["entity"],
        time=variant_spec.data["time"],
        options=options,
        estimator=model["estimator"],
        time_effects=bool(model.get("time_effects", False)),
        absorb=model.get("absorb") or None,
        cluster=variant_spec.inference.get("cluster"),
    )
