r"""The robustness battery of an effect claim: one estimand, one design, every check stated in advance.

An effect claim names an **estimand** :math:`c = g'\beta` of a linear share equation

.. math::  s_{it} = x_{it}'\beta + \text{effects} + u_{it},

either one coefficient (:math:`g = e_k`) or the contribution of a group of regressors at their observed
changes, :math:`g_k = \overline{\Delta x}_k` (the mean over entities of the change between an entity's first
and last year in the sample), which is the change of the share the regressors' observed paths imply (in
share points; x 100: percentage points). The effects are dummies of the design's columns (entity and year
for the cross-country timing design; entity and country-year for the within-country design, which compares
industries of one country in one year) and are partialled out (Frisch-Waugh-Lovell); weighted designs
scale every column by :math:`\sqrt{w_{it}}` first.

Inference on :math:`c` is the restricted wild cluster bootstrap of :mod:`replication.estimators.inference`
after a change of basis that makes :math:`c` one coefficient: with :math:`A` the identity whose row
:math:`k_0` (a term with :math:`g_{k_0} \ne 0`) is :math:`g'`, :math:`y = (XA^{-1})(A\beta)` and
:math:`(A\beta)_{k_0} = c`. With fewer than ``enumerate_below`` clusters every Rademacher sign pattern is
enumerated (the exact wild distribution; with *G* clusters no p-value is below :math:`2/2^G`). CR1 uses
*K* = the number of regressors left after partialling out.

The checks, each re-estimating the same :math:`c` (same :math:`g`):

- clusters at the level of the identifying variation (countries);
- leave one country (group) out, for each group;
- linear trends per country (or per entity: country trends are absorbed by country-year effects);
- observation weights (hours);
- each sub-period;
- without the observations flagged as data spikes: :math:`x_{it} > f \max(x_{i,t-1}, x_{i,t+1})` and
  :math:`x_{it} - \max(x_{i,t-1}, x_{i,t+1}) > m`;
- without the share *q* of observations with the largest influence :math:`|g'(X'X)^{-1}x_i\hat u_i/(1-h_{ii})|`;
- randomisation inference: every derangement (or, when there are many, a seeded sample of permutations
  without fixed points) gives each group another group's series of the permuted regressors (same industry
  and year); :math:`p = (1 + \#\{|t_\pi| \ge |t|\}) / (1 + \#\pi)` with the CR1 t-statistic (the
  observed assignment counted as one draw);
- the Mundlak split: the permuted regressors replaced by their country-year means and the deviations from
  them (year effects), each part's contribution at the observed changes (a diagnostic of which variation
  carries the cross-country design; it overturns nothing).

A check **overturns** a claim of a sign when its estimate has the other sign or its interval contains 0
(randomisation: :math:`p \ge \alpha`); a claim of no effect when its interval excludes 0.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.linalg

from replication.estimators.data import EstimationError
from replication.estimators.inference import BootstrapOptions, WildClusterBootstrap, combination_basis


@dataclass(frozen=True)
class Design:
    """One linear share equation: what is regressed on what, with which effects, clusters and weights."""

    dependent: str
    regressors: tuple[str, ...]
    effects: tuple[str, ...]  # columns whose categories are absorbed (dummies)
    cluster: str
    weights: str | None = None
    trends: str | None = None  # a linear time trend per category of this column (one category dropped)
    time: str = "year"


@dataclass(frozen=True)
class Battery:
    """The battery's settings (``config/skill_analysis.toml [robustness]``)."""

    alpha: float
    group: str  # the unit of the identifying variation: leave-one-out, country clusters, permutations
    enumerate_below: int
    sub_periods: tuple[tuple[int, int], ...]
    weights: str
    influential_share: float
    spike_factor: float
    spike_jump: float
    permutations: int
    seed: int
    options: BootstrapOptions
    group_label: str = "country"  # the group's name in the checks' labels ...
    group_plural: str = "countries"  # ... and its plural


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a column's categories, in their sorted (text) order."""
    return np.unique(values.astype(str).to_numpy(), return_inverse=True)[1].ravel()


def _onehot(values: pd.Series) -> np.ndarray:
    """Dummies of every category but the first (sorted text order)."""
    codes = _codes(values)
    out = np.zeros((len(codes), int(codes.max()) + 1 if len(codes) else 0))
    out[np.arange(len(codes)), codes] = 1.0
    return out[:, 1:]


def _other_effects(frame: pd.DataFrame, design: Design) -> np.ndarray:
    """The columns of the effects after the first, and of the trends (kept as regressors, so every bootstrap
    draw re-estimates them)."""
    blocks = [_onehot(frame[c]) for c in design.effects[1:]]
    if design.trends:
        t = frame[design.time].to_numpy(dtype=float)
        blocks.append(_onehot(frame[design.trends]) * (t - t.mean())[:, None])
    return np.column_stack(blocks) if blocks else np.zeros((len(frame), 0))


def _independent(columns: np.ndarray) -> np.ndarray:
    """The linearly independent columns (pivoted QR), in their original order."""
    if columns.shape[1] == 0:
        return columns
    _, r, pivots = scipy.linalg.qr(columns, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int(np.sum(diag > 1e-9 * max(diag[0], 1e-300)))
    return columns[:, np.sort(pivots[:rank])]


def partial_out(frame: pd.DataFrame, design: Design) -> tuple[np.ndarray, np.ndarray, int]:
    """Dependent and design matrix ``[regressors, other effects]`` with the first effect partialled out,
    weights applied; and the number of regressor columns (the first ones)."""
    y = frame[design.dependent].to_numpy(dtype=float)
    x = frame[list(design.regressors)].to_numpy(dtype=float)
    both = np.column_stack([y, x, _other_effects(frame, design)])
    w = frame[design.weights].to_numpy(dtype=float) if design.weights else np.ones(len(frame))
    # the first effect's dummies partialled out: the (weighted) deviations from the category means (FWL)
    codes = _codes(frame[design.effects[0]])
    totals = np.zeros((int(codes.max()) + 1, both.shape[1]))
    np.add.at(totals, codes, both * w[:, None])
    means = totals / np.bincount(codes, weights=w)[:, None]
    resid = (both - means[codes]) * np.sqrt(w / w.mean())[:, None]
    k = len(design.regressors)
    return resid[:, 0], np.column_stack([resid[:, 1 : 1 + k], _independent(resid[:, 1 + k :])]), k


def matrices(
    frame: pd.DataFrame, design: Design, g: dict[str, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """(y, X, g over X's columns, the regressors without variation left after the effects)."""
    y, x, k = partial_out(frame, design)
    scale = np.sqrt((x[:, :k] ** 2).sum(axis=0))
    dead = [r for r, s in zip(design.regressors, scale, strict=True) if s < 1e-9 * max(scale.max(), 1e-300)]
    # a regressor collinear with the effects or with the others leaves the fit rank-deficient
    keep = [i for i, r in enumerate(design.regressors) if r not in dead] + list(range(k, x.shape[1]))
    gvec = np.array([g.get(r, 0.0) for r in design.regressors] + [0.0] * (x.shape[1] - k))
    return y, x[:, keep], gvec[keep], dead


def complete_rows(frame: pd.DataFrame, design: Design) -> pd.DataFrame:
    columns = [design.dependent, *design.regressors, *design.effects, design.cluster, design.time]
    if design.weights:
        columns.append(design.weights)
    if design.trends:
        columns.append(design.trends)
    keep = frame[list(dict.fromkeys(columns))].notna().all(axis=1)
    if design.weights:
        keep &= frame[design.weights] > 0
    return frame[keep].reset_index(drop=True)


def fit(frame: pd.DataFrame, design: Design, g: dict[str, float], battery: Battery, *, interval: bool = True) -> dict:
    """Estimate, CR1 standard error, wild p-value and interval of :math:`g'\\beta` in one design.

    Returns ``status`` "not identified" (with the reason) when a term of the estimand has no variation left
    after the effects or when there are fewer than 2 clusters."""
    frame = complete_rows(frame, design)
    base = {"nobs": len(frame), "clusters": int(frame[design.cluster].nunique()) if len(frame) else 0}
    if base["clusters"] < 2:
        return {**base, "status": "not identified", "why": "fewer than 2 clusters"}
    y, x, gvec, dead = matrices(frame, design, g)
    if any(g.get(r, 0.0) for r in dead):
        return {**base, "status": "not identified", "why": f"no variation left in {', '.join(dead)}"}
    if np.linalg.matrix_rank(x) < x.shape[1]:
        return {**base, "status": "not identified", "why": "the regressors are collinear given the effects"}
    if not np.any(gvec):
        return {**base, "status": "not identified", "why": "the estimand is 0 (no observed change)"}
    xb, k0 = combination_basis(x, gvec)
    options = battery.options
    if base["clusters"] < battery.enumerate_below:
        options = replace(options, weights="rademacher", draws=max(99, 2 ** base["clusters"]))
    try:
        engine = WildClusterBootstrap(y, xb, frame[design.cluster].to_numpy(), options=options)
    except (EstimationError, np.linalg.LinAlgError) as exc:
        return {**base, "status": "not identified", "why": str(exc)}
    out = {
        **base,
        "status": "estimated",
        "why": "",
        "estimate": float(engine.beta[k0]),
        "std_error": engine.se(k0),
        "p_value": engine.pvalue(k0, 0.0),
        "enumerated": engine.enumerated,
    }
    if interval:
        out["conf_low"], out["conf_high"] = engine.confidence_interval(k0)
    return out


def observed_change(frame: pd.DataFrame, terms: list[str], *, entity: str, time: str) -> dict[str, float]:
    """Mean over entities of each term's change from the entity's first to its last year in the sample."""
    ordered = frame.sort_values([entity, time])
    first, last = ordered.groupby(entity).first(), ordered.groupby(entity).last()
    return {t: float((last[t] - first[t]).mean()) for t in terms}


def spikes(frame: pd.DataFrame, terms: list[str], *, entity: str, time: str, factor: float, jump: float) -> pd.Series:
    """Rows where some term exceeds ``factor`` times both neighbouring years' values and them by ``jump``."""
    flagged = pd.Series(False, index=frame.index)
    ordered = frame.sort_values([entity, time])
    for term in terms:
        by = ordered.groupby(entity)[term]
        neighbours = pd.concat([by.shift(1), by.shift(-1)], axis=1).max(axis=1, skipna=False)
        spike = (ordered[term] > factor * neighbours) & (ordered[term] - neighbours > jump)
        flagged |= spike.reindex(frame.index, fill_value=False)
    return flagged


def influence(frame: pd.DataFrame, design: Design, g: dict[str, float]) -> np.ndarray:
    r""":math:`|g'(X'X)^{-1}x_i\hat u_i/(1-h_{ii})|` per row of ``complete_rows(frame, design)``."""
    y, x, gvec, _ = matrices(complete_rows(frame, design), design, g)
    xtx_inv = np.linalg.pinv(x.T @ x)
    resid = y - x @ (xtx_inv @ x.T @ y)
    leverage = np.einsum("ij,jk,ik->i", x, xtx_inv, x)
    return np.abs((x @ (xtx_inv @ gvec)) * resid / np.clip(1 - leverage, 1e-12, None))


def derangements(groups: list[str], *, limit: int, seed: int) -> list[dict[str, str]]:
    """Every permutation of ``groups`` without a fixed point, or a seeded sample of ``limit`` of them."""
    n = len(groups)
    if math.factorial(n) <= 50 * limit:
        found = [p for p in itertools.permutations(groups) if all(a != b for a, b in zip(groups, p, strict=True))]
        if len(found) <= limit:
            return [dict(zip(groups, p, strict=True)) for p in found]
        rng = np.random.Generator(np.random.PCG64(seed))
        picks = rng.choice(len(found), size=limit, replace=False)
        return [dict(zip(groups, found[i], strict=True)) for i in sorted(picks)]
    rng = np.random.Generator(np.random.PCG64(seed))
    out: list[dict[str, str]] = []
    while len(out) < limit:
        p = list(rng.permutation(groups))
        if all(a != b for a, b in zip(groups, p, strict=True)):
            out.append(dict(zip(groups, p, strict=True)))
    return out


class Permuter:
    """Gives each group the series of ``terms`` of its donor group, same ``unit`` (industry; ``None``: the groups
    are the units) and year; a row whose donor lacks its unit and year leaves the sample. The rows' positions
    are looked up once, so each permutation is an index operation."""

    def __init__(self, frame: pd.DataFrame, terms: list[str], *, group: str, unit: str | None, time: str) -> None:
        self.frame, self.terms = frame.reset_index(drop=True), terms
        self.groups, group_codes = np.unique(frame[group].astype(str).to_numpy(), return_inverse=True)
        keys = frame[time].astype(str)
        if unit:
            keys = frame[unit].astype(str) + "\x1f" + keys
        key_codes = pd.factorize(keys)[0]
        self.group_codes, self.key_codes = group_codes.ravel(), key_codes
        self.position = np.full((len(self.groups), int(key_codes.max()) + 1), -1)
        self.position[self.group_codes, key_codes] = np.arange(len(frame))
        self.values = self.frame[terms].to_numpy(dtype=float)

    def __call__(self, mapping: dict[str, str]) -> pd.DataFrame:
        index = {name: i for i, name in enumerate(self.groups)}
        by_text = {str(k): str(v) for k, v in mapping.items()}  # the groups are matched as text, like their codes
        donor = np.array([index[by_text[name]] for name in self.groups])
        rows = self.position[donor[self.group_codes], self.key_codes]
        found = rows >= 0
        out = self.frame[found].copy()
        out[self.terms] = self.values[rows[found]]
        return out.reset_index(drop=True)


def t_statistic(frame: pd.DataFrame, design: Design, g: dict[str, float]) -> float:
    """CR1 t-statistic of :math:`g'\\beta` (the randomisation distribution's statistic): the bootstrap engine's,
    whose draws are not used."""
    frame = complete_rows(frame, design)
    y, x, gvec, _ = matrices(frame, design, g)
    xb, k0 = combination_basis(x, gvec)
    options = BootstrapOptions(draws=99, weights="rademacher", seed=0)
    try:
        engine = WildClusterBootstrap(y, xb, frame[design.cluster].to_numpy(), options=options)
    except (EstimationError, np.linalg.LinAlgError):  # a permutation that leaves the model unidentified
        return math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(engine.tstat(k0, 0.0))


def mundlak(frame: pd.DataFrame, design: Design, terms: list[str], g: dict[str, float], by: str) -> Design:
    """Columns ``<term>__mean`` (mean over ``by``: country-year) and ``<term>__dev``; the design using them."""
    for term in terms:
        frame[f"{term}__mean"] = frame.groupby(by)[term].transform("mean")
        frame[f"{term}__dev"] = frame[term] - frame[f"{term}__mean"]
    regressors = [r for r in design.regressors if r not in terms]
    regressors += [f"{t}__{part}" for t in terms for part in ("dev", "mean")]
    return replace(design, regressors=tuple(regressors))


def overturns(row: dict, direction: str, alpha: float) -> bool:
    """Does this check's result overturn a claim of ``direction`` ("below", "above" 0, or "zero")?"""
    if row["check"] == "randomisation inference":
        rejects = bool(row["p_value"] < alpha)
        return rejects if direction == "zero" else not rejects
    low, high, est = row["conf_low"], row["conf_high"], row["estimate"]
    if direction == "zero":
        return bool(low > 0 or high < 0)
    sign = -1.0 if direction == "below" else 1.0
    return bool(sign * est <= 0 or low <= 0 <= high)


def run_battery(
    frame: pd.DataFrame,
    design: Design,
    g: dict[str, float],
    *,
    permute: list[str],
    battery: Battery,
    entity: str,
    unit: str | None,
    country_year: str | None,
    direction: str,
) -> list[dict]:
    """The main design and every check on the same estimand; one row each (``role``: main, check, diagnostic).

    ``unit``: the column whose category a permuted series keeps (industry; ``None`` when the groups are the
    entities); ``country_year``: the column of the Mundlak split's means (``None``: one country, whose
    country-year means are the year means the year effects absorb)."""
    frame = frame.copy()
    rows: list[dict] = []

    def add(check: str, detail: str, data: pd.DataFrame, d: Design, role: str = "check", gg=None) -> None:
        out = fit(data, d, gg if gg is not None else g, battery)
        row = {"check": check, "detail": detail, "role": role, **out}
        if out["status"] == "estimated" and role == "check":
            row["overturns"] = overturns(row, direction, battery.alpha)
        rows.append(row)

    add("main design", f"clusters: {design.cluster}", frame, design, role="main")
    clusters = f"clusters = {battery.group_plural}"
    if design.cluster == battery.group:
        rows.append(
            {
                "check": clusters,
                "detail": f"clusters: {battery.group}",
                "role": "check",
                "status": "not run",
                "why": f"the main design clusters by {battery.group_plural} already",
            }
        )
    else:
        add(clusters, f"clusters: {battery.group}", frame, replace(design, cluster=battery.group))
    groups = sorted(frame[battery.group].dropna().unique())
    for left in groups:
        add(f"leave one {battery.group_label} out", f"without {left}", frame[frame[battery.group] != left], design)
    if country_year and country_year in design.effects:
        add(
            "trends",
            "a linear trend per entity (country trends are absorbed by country-year effects)",
            frame,
            replace(design, trends=entity),
        )
    else:
        add("trends", f"a linear trend per {battery.group_label}", frame, replace(design, trends=battery.group))
    add("weights", f"weights: {battery.weights}", frame, replace(design, weights=battery.weights))
    for start, end in battery.sub_periods:
        part = frame[(frame[design.time] >= start) & (frame[design.time] <= end)]
        add("sub-period", f"{start}-{end}", part, design)
    flagged = spikes(
        frame, permute, entity=entity, time=design.time, factor=battery.spike_factor, jump=battery.spike_jump
    )
    listing = ", ".join(f"{c} {y}" for (c, y), _ in frame[flagged].groupby([battery.group, design.time]).size().items())
    if flagged.any():
        add("data spikes", f"without {int(flagged.sum())} flagged rows ({listing})", frame[~flagged], design)
    else:
        rows.append(
            {
                "check": "data spikes",
                "detail": "no row flagged by the spike rule",
                "role": "check",
                "status": "not run",
                "why": "no row flagged",
            }
        )
    complete = complete_rows(frame, design)
    scores = influence(complete, design, g)
    drop = max(1, math.ceil(battery.influential_share * len(complete)))
    keep = np.argsort(-scores, kind="stable")[drop:]
    add("influential observations", f"without the {drop} most influential rows", complete.iloc[np.sort(keep)], design)
    rows.append(_randomisation(frame, design, g, permute, battery, unit, direction))
    if country_year is None:
        rows.append(
            {
                "check": "Mundlak split",
                "detail": "one country: its country-year means are the year means",
                "role": "diagnostic",
                "status": "not run",
                "why": "the year effects absorb the year means; only deviations across industries identify",
            }
        )
    elif country_year not in design.effects:
        split = mundlak(frame, design, permute, g, country_year)
        for part, label in (("dev", "deviations from country-year means"), ("mean", "country-year means")):
            gg = {f"{t}__{part}": g.get(t, 0.0) for t in permute}
            gg.update({k: v for k, v in g.items() if k not in permute})
            add("Mundlak split", label, frame, split, role="diagnostic", gg=gg)
    else:
        rows.append(
            {
                "check": "Mundlak split",
                "detail": "country-year means absorbed by the design",
                "role": "diagnostic",
                "status": "not run",
                "why": "the within-country design uses only deviations from country-year means",
            }
        )
    return rows


def _randomisation(frame, design, g, permute, battery, unit, direction) -> dict:
    groups = sorted(frame[battery.group].dropna().unique())
    row = {"check": "randomisation inference", "role": "check"}
    if len(groups) < 3:
        return {**row, "detail": "", "status": "not run", "why": f"{len(groups)} groups: no derangement"}
    observed = t_statistic(frame, design, g)
    mappings = derangements(groups, limit=battery.permutations, seed=battery.seed)
    permute_ = Permuter(frame, permute, group=battery.group, unit=unit, time=design.time)
    stats_ = [t_statistic(permute_(m), design, g) for m in mappings]
    stats_ = np.array([s for s in stats_ if math.isfinite(s)])
    p = float((1 + np.sum(np.abs(stats_) >= abs(observed) * (1 - 1e-12))) / (1 + len(stats_)))
    row.update(
        detail=f"{len(stats_)} permutations of whole {battery.group_label} series ({', '.join(permute)})",
        status="estimated",
        why="",
        t_statistic=observed,
        p_value=p,
        permutations=len(stats_),
    )
    row["overturns"] = overturns(row, direction, battery.alpha)
    return row
