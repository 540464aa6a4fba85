r"""Analysis stage: productivity versus inclusion, in output and jobs (history and scenarios).

For industry *i* with base-year real gross output :math:`Y_i`, hours :math:`H_i`, low-skilled hours share
:math:`s_i` and hours per person :math:`h_i = H_i / E_i`, a change :math:`\Delta x_{ik}` of driver *k*
(offshoring by origin and type, ICT intensity) moves, through the estimated semi-elasticities
:math:`\beta^Y_k, \beta^H_k, \beta^S_k` of ``config/tradeoff.toml``:

.. math::

    \Delta Y_i = Y_i\,(e^{\sum_k \beta^Y_k \Delta x_{ik}} - 1), \qquad
    \Delta H_i = H_i\,(e^{\sum_k \beta^H_k \Delta x_{ik}} - 1), \qquad
    \Delta s_i = \sum_k \beta^S_k \Delta x_{ik},

    \Delta L_i = (s_i + \Delta s_i)(H_i + \Delta H_i) - s_i H_i \quad\text{(low-skilled hours)}, \qquad
    \text{jobs} = \text{hours} / h_i .

Sector totals sum the industries (weights: base-year hours, or a user's weights file, which replaces
:math:`H_i` and rescales :math:`Y_i` and :math:`E_i` in proportion). The productivity gain of a sector is
:math:`100\,\sum_i \Delta Y_i / \sum_i Y_i` (percent of gross output at given inputs: TFP) and in EUR
millions at the base year's prices, a year at the horizon, and as a percentage of the sector's value added
(:math:`100\,\sum_i \Delta Y_i / \sum_i VA_i`). No ratio of output to jobs is formed: the output gain holds
inputs fixed and the hours response holds output fixed, two counterfactuals that cannot both hold, so they
are shown side by side. A channel's contribution to an outcome it has no credible estimate for is *not
identified* and left out of every total, never filled in. The skill channel's estimates are pooled across
countries: they are used for Belgium only when a test does not reject Belgium's slopes equal to the pooled ones
(``outputs/skills/restriction_tests.csv``); otherwise they enter only the labelled assumption row "if Belgian
industries responded like the pooled ones".

Uncertainty: the draws of each estimate reproduce its wild cluster bootstrap confidence distribution (the
test-inversion intervals at nested levels, stored with the estimate; the interval the claims use is one of
them): :math:`z^{(r)} \sim N(0, R)` with *R* the correlation of the model's cluster-robust covariance (one
model's coefficients keep their correlation; models are drawn independently), and
:math:`\beta^{(r)}_k = \varphi_k(z^{(r)}_k)`, with :math:`\varphi_k` piecewise linear through the knots
:math:`(q_p, b_p)`: :math:`b_p` the wild bound at probability :math:`p = (1 \mp L)/2` of each stored level *L*
(and :math:`b_{1/2} = \hat\beta_k`), :math:`q_p` the draws' own quantile of :math:`z_k` at *p* (an order
statistic; a tail knot on the same order statistic as the one inside it is dropped: too few draws), the outer
segments extended. :math:`\varphi_k` is increasing, so the draws' quantiles at every stored *p* are the wild
bounds exactly: the draws are as wide and as skewed as the bootstrap says at every level, not only at the one
the claims use, and a one-channel outcome monotone in its elasticity has the wild interval, mapped through the
arithmetic, as its band (quantiles are order statistics throughout). An estimate with no finite wild interval,
or too few draws to resolve its interval's own level, is not used. A scenario whose sector change of a driver
exceeds the largest change the data show over the same number of years is flagged as extrapolation.

Assumptions (printed with every table): partial equilibrium; industry output and structure held at the base
year; no wage, price or reallocation response; hours per person equal across skills.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from replication.analysis.identification import failures
from replication.analysis.outputs import TRADEOFF_TABLES
from replication.core import config, config_schemas
from replication.core.config_schemas import SCENARIO
from replication.core.errors import ConfigError, DataError, ReplicationError
from replication.core.fileio import read_json, read_parquet, read_toml, write_csv
from replication.core.layout import Layout
from replication.core.progress import say
from replication.core.toml_schema import find_line, unknown_name, validate
from replication.estimators.results import Results

OUTCOMES = ("productivity", "hours", "skill")
ASSUMPTIONS = (
    "partial equilibrium; industry output and structure held at the base year (or the weights file); "
    "no wage, price or reallocation response; hours per person equal across skills; estimates of different "
    "models drawn independently"
)


@dataclass(frozen=True)
class Estimate:
    """One semi-elasticity with its simulation draws, or the reason it is not used."""

    value: float = math.nan
    draws: np.ndarray | None = None
    source: str = ""
    reason: str = ""
    interval: tuple[float, float] = (math.nan, math.nan)  # the wild cluster bootstrap interval

    @property
    def identified(self) -> bool:
        return self.draws is not None


@dataclass(frozen=True)
class Elasticities:
    """The estimates of every channel x outcome of one sector."""

    sector: str
    table: dict[tuple[str, str], Estimate] = field(default_factory=dict)

    def get(self, channel: str, outcome: str) -> Estimate:
        return self.table.get((channel, outcome), Estimate(reason="not identified: no estimate of the package"))


def tradeoff_config() -> dict:
    return config_schemas.load("tradeoff.toml")


def _estimates_file(spec: str) -> Path:
    folder = "skills" if (config.project_root() / "estimations" / "skills" / f"{spec}.toml").exists() else "belgium"
    return Layout().estimates_for(config.project_root() / "estimations" / folder / f"{spec}.toml")


def _spec_names() -> list[str]:
    """Every spec name of ``estimations/belgium`` and ``estimations/skills`` (instances of parametrised files)."""
    from replication.specs.files import instance_names

    root = config.project_root() / "estimations"
    return sorted(
        n for folder in ("belgium", "skills") for p in (root / folder).glob("*.toml") for n in instance_names(p)
    )


def _load(spec: str, cache: dict) -> tuple[dict[str, Results], dict[str, str]]:
    """A spec's estimated variants and its not-estimable ones (with the reason)."""
    if spec not in cache:
        names = _spec_names()
        if spec not in names:
            raise ConfigError("config/tradeoff.toml: [channels] " + unknown_name(spec, names, what="spec"))
        path = _estimates_file(spec)
        if not path.exists():
            raise ReplicationError(f"{config.relative_to_root(path)}: not built; run `make all`")
        record = read_json(path)
        cache[spec] = (
            {name: Results.from_dict(data) for name, data in record["variants"].items()},
            dict(record.get("not_estimable", {})),
        )
    return cache[spec]


def falsified_sectors() -> set[str]:
    """Sectors whose skill-channel placebo or lead checks fail (their skill estimates carry no number)."""
    path = Layout().skills / "falsification.csv"
    if not path.exists():
        return set()
    checks = pd.read_csv(path)
    return set(checks.loc[~checks["passed"].astype(bool), "sector"])


POOLED_ASSUMPTION = "all channels, if Belgian industries responded like the pooled ones"


def pooled_skill_reason(sector: str, *, alpha: float = 0.05) -> str:
    """Why the pooled skill estimates do not stand for Belgium in ``sector`` ("" when a test does not reject
    Belgium's slopes equal to the pooled ones there)."""
    path = Layout().skills / "restriction_tests.csv"
    tests = pd.read_csv(path) if path.exists() else pd.DataFrame(columns=["test", "p_value"])
    row = tests[tests["test"].str.startswith("Belgium's slopes")]
    if sector == "manufacturing" and len(row):
        p = float(row["p_value"].iloc[0])
        if p >= alpha:
            return ""
        return f"not identified for Belgium: its slopes differ from the pooled ones (Wald p {p:.2g})"
    return "not identified for Belgium: no test of Belgium's slopes against the pooled ones in this sector"


def without_pooled_skill(elasticities: Elasticities) -> Elasticities:
    """The headline elasticities: the pooled skill estimates replaced by the reason they do not stand for Belgium."""
    reason = pooled_skill_reason(elasticities.sector)
    if not reason:
        return elasticities
    table = {
        key: (
            Estimate(source=est.source, reason=reason, value=est.value) if key[1] == "skill" and est.identified else est
        )
        for key, est in elasticities.table.items()
    }
    return Elasticities(sector=elasticities.sector, table=table)


def tail_probabilities(level: float) -> tuple[float, float]:
    """:math:`((1 - L)/2, (1 + L)/2)`, rounded to 12 decimals so that the knots of :func:`wild_knots` and the
    bands of :func:`summarise` pick the same order statistic (``(1 - 0.95) / 2`` is not ``0.025`` in binary)."""
    return round((1 - level) / 2, 12), round((1 + level) / 2, 12)


def wild_knots(boot: Mapping, beta: float) -> tuple[np.ndarray, np.ndarray] | str:
    """The probabilities and bounds a term's draws reproduce: ``(1 -+ L) / 2`` and the wild bounds at every level
    *L* of its stored confidence distribution (the interval's own level only, for an estimate stored without
    one), and the median 0.5 at the estimate when the narrowest interval holds it. A level with an infinite
    bound (an unbounded side of a very wide interval) is dropped: the map extrapolates beyond the last finite
    knot. A message when the interval itself is not finite."""
    level = boot.get("level")
    low, high = boot.get("conf_low", math.nan), boot.get("conf_high", math.nan)
    if level is None or not (math.isfinite(low) and math.isfinite(high)):
        return "no finite wild bootstrap interval"
    stored = boot.get("distribution") or {"levels": [level], "low": [low], "high": [high]}
    pairs = [
        (float(lv), float(lo), float(hi))
        for lv, lo, hi in zip(stored["levels"], stored["low"], stored["high"], strict=True)
        if math.isfinite(lo) and math.isfinite(hi)
    ]
    probs = [p for lv, *_ in pairs for p in tail_probabilities(lv)]
    values = [v for _, lo, hi in pairs for v in (lo, hi)]
    _, inner_low, inner_high = min(pairs)  # the narrowest interval
    if inner_low <= beta <= inner_high:  # else the distribution's median is not the estimate: no knot there
        probs, values = [0.5, *probs], [beta, *values]
    order = np.argsort(probs, kind="stable")
    return np.asarray(probs)[order], np.asarray(values)[order]


def _resolved(at: np.ndarray) -> np.ndarray:
    """Which knots the draws resolve: moving outwards from the middle, a knot whose order statistic equals the
    one inside it (too few draws for its tail probability) is dropped, with every knot beyond it."""
    keep = np.ones(len(at), dtype=bool)
    middle = len(at) // 2
    for outward in (range(middle - 1, -1, -1), range(middle + 1, len(at))):
        inner = middle
        for i in outward:
            if at[i] == at[inner] or not keep[inner]:
                keep[i] = False
            inner = i
    return keep


def wild_draws(results: Results, terms: list[str], *, draws: int, rng: np.random.Generator) -> np.ndarray | str:
    """(draws, terms) elasticities whose quantiles reproduce each term's wild confidence distribution (module
    docstring), or why there are none."""
    beta = results.params[terms].to_numpy()
    knots = []
    for j, term in enumerate(terms):
        found = wild_knots(results.bootstrap.get(term, {}), float(beta[j]))
        if isinstance(found, str):
            return f"not used: {term} has {found}"
        knots.append(found)
    cov = results.cov.loc[terms, terms].to_numpy()
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(se)) and np.all(se > 0)):
        return "not identified: non-finite estimate"
    corr = cov / np.outer(se, se)
    z = rng.multivariate_normal(np.zeros(len(terms)), corr, size=draws, method="eigh")
    out = np.empty_like(z)
    for j, (probs, values) in enumerate(knots):
        # the knots sit at the draws' own quantiles of z, so the draws' quantiles at probs are the values exactly
        at = np.quantile(z[:, j], probs, method="inverted_cdf")
        keep = _resolved(at)
        main = tail_probabilities(float(results.bootstrap[terms[j]]["level"]))
        if not all(np.isin(main, probs[keep])):
            return f"not used: too few draws to reproduce the wild interval of {terms[j]}"
        probs, values, at = probs[keep], values[keep], at[keep]
        slopes = np.diff(values) / np.diff(at)
        inner = np.interp(z[:, j], at, values)
        out[:, j] = np.where(
            z[:, j] < at[0],
            values[0] + (z[:, j] - at[0]) * slopes[0],
            np.where(z[:, j] > at[-1], values[-1] + (z[:, j] - at[-1]) * slopes[-1], inner),
        )
    return out


def draw_elasticities(
    cfg: dict, sector: str, *, draws: int, rng: np.random.Generator, cache: dict | None = None
) -> Elasticities:
    """The estimates of ``config/tradeoff.toml [channels]`` for a sector, with draws from their wild confidence
    distributions (:func:`wild_draws`; one model's coefficients are drawn jointly). An estimate that fails the
    identification rules
    (:mod:`replication.analysis.identification`) or, for the skill outcome, whose sector fails its placebo or lead
    checks
    is not used.
    """
    cache = {} if cache is None else cache
    failed = falsified_sectors()
    table: dict[tuple[str, str], Estimate] = {}
    by_model: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for channel, entry in cfg["channels"].items():
        for outcome in OUTCOMES:
            if outcome not in entry:
                continue
            ref = entry[outcome]
            variant = ref["variant"][sector] if isinstance(ref["variant"], dict) else ref["variant"]
            spec = ref["spec"].format(sector=sector)
            if outcome == "skill" and sector in failed:
                table[(channel, outcome)] = Estimate(
                    source=f"{spec}:{variant}", reason="not credible: the sector's placebo or lead check fails"
                )
                continue
            by_model.setdefault((spec, variant), []).append((channel, outcome, ref["term"]))
    for (spec, variant), members in sorted(by_model.items()):
        estimated, not_estimable = _load(spec, cache)
        results = estimated.get(variant)
        source = f"{spec}:{variant}"
        if results is None and variant not in not_estimable:
            known = sorted({*estimated, *not_estimable})
            raise ConfigError(
                "config/tradeoff.toml: [channels] " + unknown_name(variant, known, what=f"variant of {spec}")
            )
        if results is None:
            reason = " ".join(not_estimable[variant].split())[:160]
            for channel, outcome, _ in members:
                table[(channel, outcome)] = Estimate(source=source, reason=f"not estimated: {reason}")
            continue
        terms = [term for _, _, term in members]
        missing = [t for t in terms if t not in results.params.index]
        if missing:
            raise ConfigError(
                "config/tradeoff.toml: [channels] "
                + unknown_name(missing[0], [t for t in results.params.index if t != "const"], what=f"term of {source}")
            )
        reasons = failures(
            results, terms
        )  # the package's identification rules (replication/analysis/identification.py)
        if reasons:
            for channel, outcome, _ in members:
                table[(channel, outcome)] = Estimate(source=source, reason="not identified: " + "; ".join(reasons))
            continue
        simulated = wild_draws(results, terms, draws=draws, rng=rng)
        if isinstance(simulated, str):
            for channel, outcome, _ in members:
                table[(channel, outcome)] = Estimate(source=source, reason=simulated)
            continue
        for j, (channel, outcome, term) in enumerate(members):
            boot = results.bootstrap[term]
            table[(channel, outcome)] = Estimate(
                value=float(results.params[term]),
                draws=simulated[:, j],
                source=source,
                interval=(float(boot["conf_low"]), float(boot["conf_high"])),
            )
    return Elasticities(sector=sector, table=table)


def project(
    base: pd.DataFrame,
    changes: pd.DataFrame,
    elasticities: Elasticities,
    channels: list[str],
    *,
    all_channels_only: bool = False,
) -> pd.DataFrame:
    """Outcomes by channel (and all channels together) for every draw, summed over the sector's industries;
    ``all_channels_only``: the all-channels rows alone (the year-by-year paths use no other).

    ``base``: industry rows with ``go_real`` (EUR millions, base-year prices), ``hours`` (millions), ``emp``
    (thousands), ``sh_ls``; ``changes``: the same industries with one column of :math:`\\Delta x` per channel.
    Returns one row per (channel, draw) with output_gain_meur (EUR millions), output_gain_pct,
    hours_change_mh (millions of hours), jobs_change_k (thousand persons), low_hours_change_mh and
    low_jobs_change_k; draw = -1 holds the point values.
    """
    levels = Levels.of(base)
    changes = changes.set_index("industry").reindex(levels.industries)
    frames = []
    groups = (
        {"all channels": channels} if all_channels_only else {**{c: [c] for c in channels}, "all channels": channels}
    )
    for group, members in groups.items():
        sums = levels.outcomes(_exponents(changes, elasticities, members))
        n_rows = len(sums["output_gain_meur"])
        frames.append(pd.DataFrame({"channel": group, "draw": np.arange(-1, n_rows - 1), **sums}))
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class Levels:
    """A sector's base levels by industry as arrays: real gross output :math:`Y_i`, hours :math:`H_i`, the
    low-skilled share :math:`s_i` and persons per hour :math:`E_i / H_i` (0 where an industry has no hours)."""

    industries: pd.Index
    output: np.ndarray
    hours: np.ndarray
    low_share: np.ndarray
    persons_per_hour: np.ndarray
    value_added: np.ndarray

    @classmethod
    def of(cls, base: pd.DataFrame) -> Levels:
        frame = base.set_index("industry")
        y, h, e, s = (frame[c].to_numpy(dtype=float) for c in ("go_real", "hours", "emp", "sh_ls"))
        va = frame["va_real"].to_numpy(dtype=float) if "va_real" in frame else np.full_like(y, np.nan)
        persons_per_hour = np.divide(e, h, out=np.zeros_like(h), where=h > 0)  # an industry weighted to 0 adds 0
        return cls(frame.index, y, h, s, persons_per_hour, va)

    def outcomes(self, exponent: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Sector totals per row of the (1 + draws, industries) exponents (the module's equations): the
        columns of :func:`project` after ``channel`` and ``draw``."""
        y, h, s, per_hour = self.output, self.hours, self.low_share, self.persons_per_hour
        d_y = y * np.expm1(exponent["productivity"])
        d_h = h * np.expm1(exponent["hours"])
        d_low = (s + exponent["skill"]) * (h + d_h) - s * h
        total_y, total_va = y.sum(), self.value_added.sum()
        nan = np.full(d_y.shape[0], np.nan)
        return {
            "output_gain_meur": d_y.sum(axis=1),
            "output_gain_pct": 100 * d_y.sum(axis=1) / total_y if total_y > 0 else nan,
            "output_gain_pct_va": 100 * d_y.sum(axis=1) / total_va if total_va > 0 else nan,
            "hours_change_mh": d_h.sum(axis=1),
            "jobs_change_k": (d_h * per_hour).sum(axis=1),
            "low_hours_change_mh": d_low.sum(axis=1),
            "low_jobs_change_k": (d_low * per_hour).sum(axis=1),
        }


def _exponents(
    changes: pd.DataFrame | Mapping[str, np.ndarray], elasticities: Elasticities, members: list[str]
) -> dict[str, np.ndarray]:
    """:math:`\\sum_k \\beta_k \\Delta x_{ik}` per outcome as a (1 + draws, industries) array: row 0 the point
    estimates, then one row per draw (the channels' draws are aligned: row r of every estimate is draw r).
    ``changes``: one column (or array) of :math:`\\Delta x` per channel, industries aligned with the levels."""
    estimates = {o: [elasticities.get(c, o) for c in members] for o in OUTCOMES}
    n_draws = max((len(est.draws) for ests in estimates.values() for est in ests if est.identified), default=0)
    columns = {channel: np.asarray(changes[channel], dtype=float) for channel in members}
    n = len(changes) if isinstance(changes, pd.DataFrame) else len(next(iter(changes.values()), ()))
    out = {}
    for outcome, ests in estimates.items():
        total = np.zeros((1 + n_draws, n))
        for channel, est in zip(members, ests, strict=True):
            if est.identified:
                coefficients = np.concatenate([[est.value], est.draws])[:, None]  # (1 + draws, 1)
                total += coefficients * columns[channel][None, :]
        out[outcome] = total
    return out


def industry_outcomes(base: pd.DataFrame, changes: pd.DataFrame, elasticities: Elasticities, channels: list[str]):
    """Point outcomes of all channels together by industry: productivity index (base = 100), hours, the
    low-skilled share, low-skilled hours and jobs, each before and after."""
    levels = Levels.of(base)
    exponent = _exponents(changes.set_index("industry").reindex(levels.industries), elasticities, channels)
    h, s, persons_per_hour = levels.hours, levels.low_share, levels.persons_per_hour
    hours_after = h * np.exp(exponent["hours"][0])
    share_after = s + exponent["skill"][0]
    return pd.DataFrame(
        {
            "industry": levels.industries,
            "productivity_index": 100 * np.exp(exponent["productivity"][0]),
            "hours_base_mh": h,
            "hours_after_mh": hours_after,
            "low_share_base": s,
            "low_share_after": share_after,
            "low_hours_after_mh": share_after * hours_after,
            "low_jobs_change_k": (share_after * hours_after - s * h) * persons_per_hour,
        }
    )


def quantiles(values: pd.Series | np.ndarray, qs: tuple[float, ...]) -> tuple[float, ...]:
    """The ``qs`` quantiles of the non-missing values (order statistics, ``method="inverted_cdf"``: the draws'
    quantiles of :func:`wild_draws` are then the wild bounds exactly), NaN when none; in one pass with numpy on
    the array (pandas' per-call overhead dominated the scenarios stage)."""
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    if not array.size:
        return tuple(math.nan for _ in qs)
    return tuple(float(v) for v in np.quantile(array, list(qs), method="inverted_cdf"))


SUMMED = {  # the columns of a projection and the outcomes whose estimates they use (identified when any is)
    "output_gain_meur": ("productivity",),
    "output_gain_pct": ("productivity",),
    "output_gain_pct_va": ("productivity",),
    "hours_change_mh": ("hours",),
    "jobs_change_k": ("hours",),
    "low_hours_change_mh": ("hours", "skill"),  # without the skill channel: the share held at its base
    "low_jobs_change_k": ("hours", "skill"),
}


def summarise(
    simulated: pd.DataFrame, elasticities: Elasticities, *, level: float, channels: list[str] | None = None
) -> pd.DataFrame:
    """Point value and band of every outcome by channel, the trade-off ratio (EUR of output per low-skilled job
    lost, base-year prices), and which estimate was used; the all-channels row lists the channel x outcome
    pairs left out (not identified or not credible), whose contribution is missing from its totals. The
    channels are those of ``simulated`` unless given (when it holds the all-channels rows alone)."""
    if channels is None:
        channels = [c for c in simulated["channel"].unique() if c != "all channels"]  # in order of appearance
    # plain arrays per channel (pandas' groupby and row access on the string column cost most of the stage)
    codes, names = pd.factorize(simulated["channel"])  # channels in order of appearance
    is_draw = simulated["draw"].to_numpy() >= 0
    columns = {column: simulated[column].to_numpy(dtype=float) for column in SUMMED}
    rows = []
    for k, channel in enumerate(names):
        of_channel = codes == k
        at_point = np.flatnonzero(of_channel & ~is_draw)[0]
        point = {column: float(values[at_point]) for column, values in columns.items()}
        draws = {column: values[of_channel & is_draw] for column, values in columns.items()}
        rows.append(_summary_row(channel, point, draws, elasticities, level=level, channels=channels))
    return pd.DataFrame(rows)


def _summary_row(
    channel: str,
    point: Mapping[str, float],
    draws: Mapping[str, np.ndarray],
    elasticities: Elasticities,
    *,
    level: float,
    channels: list[str],
) -> dict[str, object]:
    """One row of :func:`summarise`: a channel's point values (``point``) and simulated values (``draws``, one
    array per column of :data:`SUMMED`)."""
    lo, hi = tail_probabilities(level)
    n_draws = len(draws["output_gain_meur"])
    row: dict[str, object] = {"channel": channel}
    for column, outcomes in SUMMED.items():
        used = (
            [elasticities.get(channel, outcome) for outcome in outcomes]
            if channel != "all channels"
            else [est for (c, o), est in elasticities.table.items() if o in outcomes]
        )
        identified = any(est.identified for est in used)
        row[column] = float(point[column]) if identified else math.nan
        band = quantiles(draws[column], (lo, hi)) if identified and n_draws else (math.nan, math.nan)
        row[f"{column}_low"], row[f"{column}_high"] = band
    row["not_distinguishable_from_zero"] = "; ".join(
        column
        for column in ("output_gain_meur", "jobs_change_k", "low_jobs_change_k")
        if not math.isnan(row[column]) and not (row[f"{column}_low"] > 0 or row[f"{column}_high"] < 0)
    )
    if channel == "all channels":
        row["left_out"] = "; ".join(
            f"{c}:{o}" for c in channels for o in OUTCOMES if not elasticities.get(c, o).identified
        )
    else:
        for outcome in OUTCOMES:
            est = elasticities.get(channel, outcome)
            row[f"{outcome}_estimate"] = est.source if est.identified else f"{est.reason} ({est.source})".strip()
    return row


# ---------------------------------------------------------------------------------------------- inputs
def base_panel(cfg: dict) -> pd.DataFrame:
    """The country's industries with base levels and drivers, ICT intensity mapped from the skill panel."""
    path = Layout(cfg["panel_vintage"]).panel
    if not path.exists():
        raise ReplicationError(f"{path}: not built; run `make all`")
    panel = read_parquet(path)
    part = panel[(panel["country"] == cfg["country"]) & panel["sector"].isin(cfg["sectors"])].copy()
    part = part.drop(columns=["ict"], errors="ignore")
    from replication.inputs.vintages import load_classification, load_vintage

    skills = read_parquet(Layout().skill_panel, columns=["country", "industry", "year", "ict_va"])
    skills = skills[skills["country"] == cfg["country"]]
    classification = load_classification(load_vintage(cfg["panel_vintage"]).classification)
    mapping = classification.industries.set_index("code")[cfg["ict_concordance"]]
    part["eu_industry"] = part["industry"].map(mapping)
    part = part.merge(
        skills.rename(columns={"industry": "eu_industry", "ict_va": "ict"}),
        on=["country", "eu_industry", "year"],
        how="left",
    )
    return part


def historical_changes(part: pd.DataFrame, channels: list[str], *, start: int, end: int) -> pd.DataFrame:
    """:math:`\\Delta x` of every channel by industry between two years (missing where a year lacks data)."""
    a = part[part["year"] == start].set_index("industry")[channels]
    b = part[part["year"] == end].set_index("industry")[channels]
    return (b - a).reset_index()


def read_weights(path: Path, industries: dict[str, str]) -> pd.DataFrame:
    """A user's weights CSV (columns ``industry`` and ``hours`` or ``share``), validated.

    ``industries`` maps the allowed industry codes to their sector. A sector the file names must have every one
    of its industries (0 allowed) and a positive total; a sector it leaves out keeps its national weights.
    ``share`` values must add up to one within each sector (tolerance 1e-3). Every error names the file, the
    1-based line, the column and the value.
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(path, f"cannot be read as CSV ({type(exc).__name__}: {exc})") from exc
    columns = set(frame.columns)
    if "industry" not in columns or len(columns & {"hours", "share"}) != 1:
        raise DataError(path, f"needs the columns industry and one of hours, share; found {sorted(columns)}")
    if frame.empty:
        raise DataError(path, "has a header but no rows")
    value_column = "hours" if "hours" in columns else "share"
    values = []
    for i, (code, text) in enumerate(zip(frame["industry"], frame[value_column], strict=True)):
        line = i + 2
        if code not in industries:
            raise DataError(
                path, f"line {line}, column industry: unknown industry {code!r}; allowed {sorted(industries)}"
            )
        try:
            value = float(text)
        except ValueError:
            raise DataError(path, f"line {line}, column {value_column}: {text!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise DataError(path, f"line {line}, column {value_column}: {text!r} must be finite and non-negative")
        values.append(value)
    frame[value_column] = values
    duplicated = frame["industry"].duplicated()
    if duplicated.any():
        line = int(np.flatnonzero(duplicated)[0]) + 2
        raise DataError(path, f"line {line}, column industry: {frame['industry'][duplicated].iloc[0]!r} appears twice")
    frame["sector"] = frame["industry"].map(industries)
    for sector, part in frame.groupby("sector"):
        missing = sorted(set(k for k, v in industries.items() if v == sector) - set(part["industry"]))
        if missing:
            raise DataError(
                path,
                f"column industry: {sector} lacks {missing} (list every industry of a sector you weight, 0 allowed)",
            )
        if part[value_column].sum() <= 0:
            raise DataError(path, f"column {value_column}: every {sector} value is 0 (a sector needs a positive total)")
    if value_column == "share":
        totals = frame.groupby("sector")["share"].sum()
        off = totals[(totals - 1).abs() > 1e-3]
        if len(off):
            raise DataError(path, f"column share: the shares of {off.index[0]} add up to {off.iloc[0]:.6g}, not 1")
    return frame.rename(columns={value_column: "weight"})[["industry", "sector", "weight"]].assign(kind=value_column)


def reweight(base: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Base levels with the user's industry structure: each weighted sector's national hours shared out in
    proportion to the user's hours (any unit: only their proportions matter) or shares; output and employment
    scale with hours, so output per hour and hours per person stay the industry's. Industries of sectors the
    file leaves out are unchanged."""
    out = base.set_index("industry")
    w = weights.set_index("industry")["weight"].reindex(out.index)
    weighted = w.notna()
    shares = w / w.groupby(out["sector"]).transform("sum")
    sector_hours = out.groupby("sector")["hours"].transform("sum")
    target = (shares * sector_hours).where(weighted, out["hours"])
    factor = (target / out["hours"]).where(out["hours"] > 0, 0.0).fillna(0.0)
    for column in ("go_real", "hours", "emp"):
        out[column] = out[column] * factor
    return out.reset_index()


# ---------------------------------------------------------------------------------------------- scenarios
def load_scenario(path: Path, channels: list[str]) -> dict:
    """A scenario file (docs/scenarios.md), checked against its schema
    (:data:`~replication.core.config_schemas.SCENARIO`): name, base_year, horizon (1 to 50 years), trend (a
    boolean), per channel the annual change in percentage points (-5 to 5; channels named with a "did you mean"),
    and an optional weights file, resolved relative to the scenario file's folder (``weights_path``)."""
    path = Path(path)
    shown = config.relative_to_root(path)
    raw = validate(SCENARIO, read_toml(path, what="scenario"), path=Path(shown))
    for name in raw.get("annual_change", {}):
        if name not in channels:
            line = find_line(path.read_text(encoding="utf-8"), ("annual_change",), name)
            raise ConfigError(
                f"{shown}{f':{line}' if line else ''}: [annual_change] {unknown_name(name, channels, what='channel')}"
            )
    if raw.get("weights"):
        raw["weights_path"] = (path.parent / raw["weights"]).resolve()
        if not raw["weights_path"].is_file():
            raise ConfigError(
                f"{shown}: weights = {raw['weights']!r}: no such file {raw['weights_path']} (relative to the "
                "scenario file's folder)"
            )
    raw["path"] = shown
    return raw


def check_base_years(scenarios: list[dict], years: list[int]) -> None:
    """Every scenario's base year is a year of the base data (a year outside would have no base levels)."""
    for scenario in scenarios:
        if scenario["base_year"] not in years:
            raise ConfigError(
                f"{scenario['path']}: base_year = {scenario['base_year']}: not a year of the base data "
                f"({min(years)}-{max(years)})"
            )


def scenario_changes(
    base: pd.DataFrame, trend: pd.DataFrame, scenario: dict, channels: list[str], *, trend_years: int
) -> pd.DataFrame:
    """:math:`\\Delta x` over the horizon by industry: horizon x (trend per year if ``trend``, plus the
    scenario's annual change in percentage points / 100)."""
    rates = annual_rates(base, trend, scenario, channels, trend_years=trend_years)
    return pd.DataFrame(
        {"industry": base["industry"].to_numpy(), **{c: scenario["horizon"] * rate for c, rate in rates.items()}}
    )


def annual_rates(
    base: pd.DataFrame, trend: pd.DataFrame, scenario: dict, channels: list[str], *, trend_years: int
) -> dict[str, np.ndarray]:
    """:math:`\\Delta x` per year by channel, industries in the order of ``base``: the trend per year if ``trend``
    plus the scenario's annual change in percentage points / 100."""
    per_year = trend.set_index("industry").reindex(base["industry"].to_numpy()) / trend_years
    rates = {}
    for channel in channels:
        annual = scenario.get("annual_change", {}).get(channel, 0.0) / 100.0
        drift = per_year[channel].fillna(0.0).to_numpy() if scenario.get("trend", False) else np.zeros(len(base))
        rates[channel] = drift + annual
    return rates


def path_by_year(
    base: pd.DataFrame,
    trend: pd.DataFrame,
    scenario: dict,
    elasticities: Elasticities,
    channels: list[str],
    *,
    trend_years: int,
    level: float,
) -> pd.DataFrame:
    """The all-channels summary (:func:`summarise`) after each year 1, ..., horizon of a scenario: year *t*
    applies *t* years of :func:`annual_rates`. The same rows as ``summarise(project(base, scenario_changes(...)
    with horizon t, all_channels_only=True))`` year by year, computed on arrays (the levels aligned once)."""
    levels = Levels.of(base)
    rates = annual_rates(base, trend, scenario, channels, trend_years=trend_years)
    rows = []
    for year in range(1, int(scenario["horizon"]) + 1):
        sums = levels.outcomes(_exponents({c: year * rate for c, rate in rates.items()}, elasticities, channels))
        point = {column: float(values[0]) for column, values in sums.items()}
        draws = {column: values[1:] for column, values in sums.items()}
        rows.append(
            {
                **_summary_row("all channels", point, draws, elasticities, level=level, channels=channels),
                "year": int(scenario["base_year"]) + year,
            }
        )
    return pd.DataFrame(rows)


def sector_change(base: pd.DataFrame, delta: pd.DataFrame | Mapping[str, np.ndarray], channel: str) -> float:
    """Hours-weighted mean change of a driver over the sector's industries (base-year hours)."""
    w = base["hours"].to_numpy(dtype=float)
    values = np.asarray(delta[channel], dtype=float)
    ok = np.isfinite(values) & (w > 0)
    return float((w[ok] * values[ok]).sum() / w[ok].sum()) if ok.any() else math.nan


def largest_observed_change(
    part: pd.DataFrame, channel: str, years: int, cache: dict | None = None
) -> tuple[float, int]:
    """The largest absolute hours-weighted sector change of ``channel`` over any ``years``-year window of the data
    (over the whole span when it is shorter), and the window length used."""
    key = (id(part), channel, years)
    if cache is not None and key in cache:
        return cache[key]
    result = _largest_observed_change(part, channel, years)
    if cache is not None:
        cache[key] = result
    return result


def _largest_observed_change(part: pd.DataFrame, channel: str, years: int) -> tuple[float, int]:
    available = sorted(int(y) for y in part.loc[part[channel].notna(), "year"].unique())
    if len(available) < 2:
        return math.nan, 0
    span = min(years, available[-1] - available[0])
    largest = 0.0
    for start in available:
        if start + span not in available:
            continue
        base = part[part["year"] == start].set_index("industry").reindex(part["industry"].unique())
        changes = historical_changes(part, [channel], start=start, end=start + span).set_index("industry")
        change = sector_change(base, changes.reindex(base.index), channel)
        if math.isfinite(change):
            largest = max(largest, abs(change))
    return largest, span


def extrapolation(
    part: pd.DataFrame, base: pd.DataFrame, delta, channels: list[str], years: int, cache: dict | None = None
) -> str:
    """The drivers a scenario moves beyond what the data show over the same number of years ("" when none)."""
    flags = []
    for channel in channels:
        change = sector_change(base, delta, channel)
        if not math.isfinite(change) or change == 0:
            continue
        largest, span = largest_observed_change(part, channel, years, cache)
        if not math.isfinite(largest):
            flags.append(f"{channel}: no observed change to compare")
        elif abs(change) > largest * (1 + 1e-9) or span < years:
            window = f"{span} years" + ("" if span == years else f", the data's whole span, shorter than {years}")
            flags.append(f"{channel} {100 * change:+.2f} pp vs at most {100 * largest:.2f} pp observed over {window}")
    return "extrapolation: " + "; ".join(flags) if flags else ""


def tradeoff_dir() -> Path:
    return Layout().tradeoff


def run_tradeoff(scenario_paths: list[Path] | None = None, *, out_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Stage: the historical account (each period of ``[history]``) and the scenarios (``scenarios/*.toml`` unless
    paths are given) -> ``outputs/tradeoff/``: ``history.csv``, ``scenarios.csv`` (sector totals at the horizon
    by channel), ``paths.csv`` (all channels, year by year, with bands), ``industries.csv`` (point outcomes by
    industry at the horizon), ``estimates_used.csv`` and ``assumptions.csv``."""
    cfg = tradeoff_config()
    channels = list(cfg["channels"])
    sim = cfg["simulation"]
    rng = np.random.Generator(np.random.PCG64(int(sim["seed"])))
    paths = (
        scenario_paths if scenario_paths is not None else sorted((config.project_root() / "scenarios").glob("*.toml"))
    )
    loaded = [load_scenario(p, channels) for p in paths]  # every scenario checked before any data is read
    say("[trade-off] history and scenarios: productivity against low-skilled jobs")
    panel = base_panel(cfg)
    periods = [(int(a), int(b)) for a, b in cfg["history"]["periods"]]
    start, end = periods[0]  # the trend of the scenarios
    level = float(sim["level"])
    cache: dict = {}
    history, scenarios, paths_out, industries, used = [], [], [], [], []
    sector_of = dict(zip(panel["industry"], panel["sector"], strict=False))
    check_base_years(loaded, sorted(int(y) for y in panel.loc[panel["sector"].isin(cfg["sectors"]), "year"].unique()))
    weights = {}  # read and validated once per scenario that names a weights file
    for scenario in loaded:
        if scenario.get("weights"):
            weights[scenario["name"]] = read_weights(scenario["weights_path"], sector_of)
    columns = ["industry", "sector", "go_real", "va_real", "hours", "emp", "sh_ls"]
    for sector in cfg["sectors"]:
        assumed = draw_elasticities(cfg, sector, draws=int(sim["draws"]), rng=rng, cache=cache)
        elasticities = without_pooled_skill(assumed)  # the headline: only what is identified for Belgium
        part = panel[panel["sector"] == sector]
        observed: dict = {}  # the largest observed changes, by channel and window

        def summaries(base, delta, tag, *, a=assumed, e=elasticities) -> pd.DataFrame:
            table = summarise(project(base, delta, e, channels), e, level=level)
            if e is not a:
                extra = summarise(
                    project(base, delta, a, channels, all_channels_only=True), a, level=level, channels=channels
                )
                table = pd.concat([table, extra.assign(channel=POOLED_ASSUMPTION)], ignore_index=True)
            return table.assign(**tag)

        for a, b in periods:
            base = part[part["year"] == a][columns]
            changes = historical_changes(part, channels, start=a, end=b).fillna(0.0)
            history.append(summaries(base, changes, {"sector": sector, "period": f"{a}-{b}"}))
        trend = historical_changes(part, channels, start=start, end=end)
        for (channel, outcome), est in sorted(elasticities.table.items()):
            status = "used" if est.identified else est.reason
            if assumed.get(channel, outcome).identified and not est.identified:
                status += f"; used only in the row '{POOLED_ASSUMPTION}'"
            used.append(
                {
                    "sector": sector,
                    "channel": channel,
                    "outcome": outcome,
                    "estimate": assumed.get(channel, outcome).value,
                    "wild_conf_low": assumed.get(channel, outcome).interval[0],
                    "wild_conf_high": assumed.get(channel, outcome).interval[1],
                    "source": est.source,
                    "status": status,
                }
            )
        for scenario in loaded:
            base_s = part[part["year"] == int(scenario["base_year"])][columns]
            if scenario["name"] in weights:
                user = weights[scenario["name"]]
                base_s = reweight(base_s, user[user["sector"] == sector])
            tag = {"sector": sector, "scenario": scenario["name"]}
            horizon = int(scenario["horizon"])
            delta = scenario_changes(base_s, trend, scenario, channels, trend_years=end - start)
            flag = extrapolation(part, base_s, delta, channels, horizon, observed)
            scenarios.append(summaries(base_s, delta, {**tag, "horizon": horizon, "extrapolation": flag}))
            industries.append(industry_outcomes(base_s, delta, elasticities, channels).assign(**tag))
            path = path_by_year(base_s, trend, scenario, elasticities, channels, trend_years=end - start, level=level)
            rates = annual_rates(base_s, trend, scenario, channels, trend_years=end - start)
            path["extrapolation"] = [
                extrapolation(part, base_s, {c: t * r for c, r in rates.items()}, channels, t, observed)
                for t in range(1, horizon + 1)
            ]
            paths_out.append(path.assign(**tag)[[c for c in path.columns if c != "year"] + [*tag, "year"]])
    out = {
        "history": pd.concat(history, ignore_index=True),
        "scenarios": pd.concat(scenarios, ignore_index=True) if scenarios else pd.DataFrame(),
        "paths": pd.concat(paths_out, ignore_index=True) if paths_out else pd.DataFrame(),
        "industries": pd.concat(industries, ignore_index=True) if industries else pd.DataFrame(),
        "estimates_used": pd.DataFrame(used),
        "assumptions": pd.DataFrame(
            {"assumption": [ASSUMPTIONS], "level": [level], "draws": [sim["draws"]], "seed": [sim["seed"]]}
        ),
    }
    folder = out_dir or tradeoff_dir()
    assert tuple(out) == TRADEOFF_TABLES, "the declared tables (TRADEOFF_TABLES) are the ones written"
    for name, frame in out.items():
        write_csv(folder / f"{name}.csv", frame)
    return out
