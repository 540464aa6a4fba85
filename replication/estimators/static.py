r"""Static panel regressions: thin layers over linearmodels and statsmodels (instrumental variables: :mod:`.iv`).

Unweighted within models with a clustered or robust covariance (every within spec the build ships) are fitted on
the swept data (:mod:`.within`: the effects partialled out in NumPy, then statsmodels' OLS and sandwich), which
equals ``PanelOLS`` to rounding (tested option by option) at a thirtieth of its time; the other combinations go
to linearmodels' ``PooledOLS``, ``PanelOLS`` and ``FirstDifferenceOLS``.

Effect dummies (``absorb`` columns; period effects of pooled and first-difference models) are regressors of the
fit (exact by Frisch-Waugh-Lovell, and linearmodels' within :math:`R^2` needs their coefficients), but their
coefficients are nuisance parameters: they are counted in ``diagnostics["absorbed_effects"]`` and in the
small-sample factors below, and not stored in the results.

Static (:func:`estimate_static`), for :math:`y_{it} = x_{it}'\beta + \alpha_i + \delta_t + u_{it}`:

- ``pooled``: OLS on the levels (``PooledOLS``);
- ``within``: entity effects swept out by demeaning (``PanelOLS(entity_effects=True)``), optional time
  effects and entity-specific linear trends (entity dummies x time, as regressors);
- ``first_difference``: OLS on :math:`\Delta y_{it} = \Delta x_{it}'\beta + \Delta u_{it}` (``FirstDifferenceOLS``).

Covariances (``cov_type``): ``unadjusted`` (:math:`\hat\sigma^2 = SSR/(n - k - N_{absorbed})`);
``robust`` (White); ``clustered`` (by entity, or by the column ``cluster``); ``driscoll_kraay``
(Bartlett kernel with ``bandwidth`` lags on the cross-sectional sums of the scores; R plm ``vcovSCC``
with ``maxlag = bandwidth``). Small-sample
conventions with ``debiased=True`` (default): clustered :math:`\frac{G}{G-1}\frac{n-1}{n-k}`, *k* the
slope coefficients (R plm ``vcovHC(type = "sss")``; the intercept linearmodels reports in within models
is not counted); robust
:math:`\frac{n}{n-k-N_{absorbed}}`; Driscoll-Kraay :math:`\frac{n-1}{n-k}\frac{T}{T-1}`. With
``debiased=False``: the plain sandwiches (HC0, CR0, Driscoll-Kraay HC0). Tests use t (debiased) or
normal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from replication.estimators.data import (
    EstimationError,
    NotIdentifiedError,
    check_choice,
    check_rank,
    effect_dummies,
    frame_checksum,
    prepare_frame,
    redundant_columns,
)
from replication.estimators.inference import BootstrapOptions, WildClusterBootstrap
from replication.estimators.results import Results
from replication.estimators.sweep import demean
from replication.estimators.within import PanelFit, fit_within

StaticEstimator = Literal["pooled", "within", "first_difference"]
CovType = Literal["unadjusted", "robust", "clustered", "driscoll_kraay"]
COV_TYPES = ("unadjusted", "robust", "clustered", "driscoll_kraay")
STATIC_ESTIMATORS = ("pooled", "within", "first_difference")


def _cov_config(cov_type: str, *, cluster: pd.Series | None, bandwidth: float | None) -> dict:
    check_choice("cov_type", cov_type, COV_TYPES)
    if cov_type == "clustered":
        return (
            {"cov_type": "clustered", "clusters": cluster}
            if cluster is not None
            else {"cov_type": "clustered", "cluster_entity": True}
        )
    if cov_type == "driscoll_kraay":
        config: dict = {"cov_type": "kernel", "kernel": "bartlett"}
        if bandwidth is not None:
            config["bandwidth"] = bandwidth
        return config
    return {"cov_type": cov_type}


@dataclass(frozen=True)
class _Model:
    """The options of one static model, as :func:`estimate_static` received them."""

    dependent: str
    regressors: list[str]
    entity: str
    time: str
    estimator: str
    time_effects: bool
    entity_trends: bool
    constant: bool
    weights: str | None
    cov_type: str
    cluster: str | None
    bandwidth: float | None
    debiased: bool
    absorb: list[str]

    def spec(self) -> dict:
        """The options as the results record them."""
        names = ("dependent", "regressors", "estimator", "time_effects", "entity_trends", "absorb", "weights")
        names += ("cov_type", "cluster", "bandwidth", "debiased", "entity", "time")
        return {name: getattr(self, name) for name in names}


@dataclass(frozen=True)
class _Design:
    """The estimation sample and design of a static model: the complete-case frame, the regressor matrix, the
    effect dummies in it by effect, and the cluster of every observation."""

    frame: pd.DataFrame
    exog: pd.DataFrame
    effects: dict[str, list[str]]
    groups: pd.Series
    extra: list[str]


def estimate_static(
    data: pd.DataFrame,
    *,
    dependent: str,
    regressors: list[str],
    entity: str,
    time: str,
    estimator: StaticEstimator = "within",
    time_effects: bool = False,
    entity_trends: bool = False,
    constant: bool = True,
    weights: str | None = None,
    cov_type: CovType = "clustered",
    cluster: str | None = None,
    bandwidth: float | None = None,
    debiased: bool = True,
    bootstrap: BootstrapOptions | None = None,
    absorb: list[str] | None = None,
) -> Results:
    """Pooled OLS, within or first-difference estimates of a static panel model (see module notes).

    ``weights`` names a column of analytic weights (e.g. industry size); ``cluster`` a column to cluster
    on instead of the entity. ``bootstrap`` adds wild cluster bootstrap p-values (H0: coefficient = 0)
    and intervals for ``bootstrap.terms`` (all regressors when empty), clustered like the covariance;
    entity and time effects are swept out first (Frisch-Waugh-Lovell). ``absorb`` names columns of
    further fixed effects (e.g. country-year), entered as dummies ``<column>=<level>`` and counted, not stored.

    Three steps: :func:`_prepare` (sample, design, identification checks), :func:`_fit` (the point estimates
    and the uncorrected covariance), :func:`_assemble` (small-sample factor, nuisance parameters dropped,
    bootstrap, results).
    """
    check_choice("estimator", estimator, STATIC_ESTIMATORS)
    check_choice("cov_type", cov_type, COV_TYPES)
    model = _Model(
        dependent=dependent,
        regressors=list(regressors),
        entity=entity,
        time=time,
        estimator=estimator,
        time_effects=time_effects,
        entity_trends=entity_trends,
        constant=constant,
        weights=weights,
        cov_type=cov_type,
        cluster=cluster,
        bandwidth=bandwidth,
        debiased=debiased,
        absorb=list(absorb or []),
    )
    design = _prepare(data, model, nested=bootstrap is not None)
    return _assemble(design, _fit(design, model), model, bootstrap)


def _prepare(data: pd.DataFrame, model: _Model, *, nested: bool) -> _Design:
    """The complete-case sample and the design; errors for a rank-deficient design (the within one after the
    sweep), fewer than two clusters of a clustered covariance, and (``nested``: the bootstrap) entities that
    cross clusters."""
    extra = [c for c in (model.weights, model.cluster) if c]
    frame = prepare_frame(
        data, dependent=model.dependent, terms=model.regressors, entity=model.entity, time=model.time, extra=extra
    )
    exog, effects = _exog(
        frame,
        regressors=model.regressors,
        estimator=model.estimator,
        absorb=model.absorb,
        entity_trends=model.entity_trends,
        constant=model.constant,
        time_effects=model.time_effects,
    )
    check_rank(exog if model.estimator != "within" else demean(exog).drop(columns=["const"], errors="ignore"))
    index = frame.index.get_level_values(0)
    groups = frame[model.cluster] if model.cluster else pd.Series(index, index=frame.index)
    if model.cov_type == "clustered" and groups.nunique() < 2:
        raise NotIdentifiedError(f"a clustered covariance needs at least 2 clusters; the sample has {groups.nunique()}")
    if nested and model.estimator == "within" and model.cluster:
        _check_nested(frame, model.cluster)
    return _Design(frame=frame, exog=exog, effects=effects, groups=groups, extra=extra)


def _fit(design: _Design, model: _Model) -> PanelFit:
    """Unweighted within models with a clustered or robust covariance on the swept data, the rest with
    linearmodels."""
    if model.estimator == "within" and model.weights is None and model.cov_type in ("clustered", "robust"):
        return _fit_swept(
            design.frame,
            dependent=model.dependent,
            exog=design.exog,
            cov_type=model.cov_type,
            cluster=model.cluster,
            time_effects=model.time_effects,
        )
    return _fit_linearmodels(
        design.frame,
        dependent=model.dependent,
        exog=design.exog,
        estimator=model.estimator,
        weights=model.weights,
        cov_type=model.cov_type,
        cluster=model.cluster,
        bandwidth=model.bandwidth,
        debiased=model.debiased,
        time_effects=model.time_effects,
    )


def _assemble(design: _Design, fitted: PanelFit, model: _Model, bootstrap: BootstrapOptions | None) -> Results:
    """The results: the covariance times its small-sample factor, the effect dummies' coefficients dropped
    (nuisance parameters: their count goes to the diagnostics), the wild bootstrap, the diagnostics."""
    frame, within = design.frame, model.estimator == "within"
    n_groups = int(design.groups.nunique())
    absorbed = frame.index.get_level_values(0).nunique() if within else 0
    slopes = len(fitted.params) - int(within and "const" in fitted.params.index)
    factor = small_sample_factor(
        model.cov_type,
        debiased=model.debiased,
        nobs=fitted.nobs,
        k=slopes,
        absorbed=absorbed,
        groups=n_groups,
        periods=frame.index.get_level_values(1).nunique(),
    )
    diagnostics = {
        "rsquared": fitted.rsquared,
        "n_entities": fitted.n_entities,
        "n_periods": fitted.n_periods,
        "absorbed_effects": {group: len(columns) for group, columns in design.effects.items()},
    }
    if within:
        diagnostics["rsquared_within"] = fitted.rsquared_within
    dummies = {d for columns in design.effects.values() for d in columns}
    kept = [c for c in fitted.params.index if c not in dummies]
    cov_matrix = fitted.cov.loc[kept, kept] * factor
    boot = {}
    if bootstrap is not None:
        boot = _bootstrap(
            frame,
            dependent=model.dependent,
            exog=design.exog,
            estimator=model.estimator,
            weights=model.weights,
            time_effects=model.time_effects and within,
            clusters=np.asarray(design.groups),
            options=bootstrap,
            terms=list(bootstrap.terms or model.regressors),
        )
    return Results(
        estimator=model.estimator,
        bootstrap=boot,
        params=fitted.params[kept],
        std_errors=pd.Series(np.sqrt(np.diag(cov_matrix)), index=kept),
        cov=cov_matrix,
        nobs=int(fitted.nobs),
        # clustered: the t reference distribution has G - 1 degrees of freedom (the Stata convention for few
        # clusters); otherwise the model's residual degrees of freedom
        df_resid=n_groups - 1 if model.cov_type == "clustered" else fitted.df_resid,
        cov_type=model.cov_type,
        diagnostics=diagnostics,
        spec=model.spec(),
        data_checksum=frame_checksum(frame[[model.dependent, *model.regressors, *design.extra]].reset_index()),
        dist="t" if model.debiased else "normal",
    )


def _fit_swept(
    frame: pd.DataFrame, *, dependent: str, exog: pd.DataFrame, cov_type: str, cluster: str | None, time_effects: bool
) -> PanelFit:
    """An unweighted within model with a clustered or robust covariance, on the swept data (:mod:`.within`)."""
    entity = pd.factorize(frame.index.get_level_values(0), sort=True)[0]
    time = pd.factorize(frame.index.get_level_values(1), sort=True)[0]
    clusters = pd.factorize(frame[cluster].to_numpy(), sort=True)[0] if cluster else None
    return fit_within(
        frame[dependent].to_numpy(dtype=float),
        exog.to_numpy(dtype=float),
        entity,
        time,
        names=list(exog.columns),
        time_effects=time_effects,
        cov_type=cov_type,  # type: ignore[arg-type]
        clusters=clusters,
    )


def _fit_linearmodels(
    frame: pd.DataFrame,
    *,
    dependent: str,
    exog: pd.DataFrame,
    estimator: str,
    weights: str | None,
    cov_type: str,
    cluster: str | None,
    bandwidth: float | None,
    debiased: bool,
    time_effects: bool,
) -> PanelFit:
    """Pooled and first-difference models, and within models with weights or an unadjusted or Driscoll-Kraay
    covariance: linearmodels' ``PooledOLS``, ``FirstDifferenceOLS`` and ``PanelOLS``."""
    from linearmodels.panel import FirstDifferenceOLS, PanelOLS, PooledOLS
    from linearmodels.panel.utility import AbsorbingEffectError

    w = frame[weights] if weights else None
    cov = _cov_config(cov_type, cluster=frame[cluster] if cluster else None, bandwidth=bandwidth)
    if estimator == "pooled":
        model = PooledOLS(frame[dependent], exog, weights=w)
    elif estimator == "within":
        model = PanelOLS(
            frame[dependent], exog, entity_effects=True, time_effects=time_effects, weights=w, drop_absorbed=False
        )
    else:
        model = FirstDifferenceOLS(frame[dependent], exog, weights=w)
    # HC0/CR0/Driscoll-Kraay without linearmodels' own effect-count rescaling (count_effects=False), so that
    # the one documented small-sample factor applies; unadjusted counts the effects in its df
    options = {"auto_df": False, "count_effects": cov_type == "unadjusted"} if estimator == "within" else {}
    try:
        fitted = model.fit(debiased=debiased and cov_type == "unadjusted", **options, **cov)
    except AbsorbingEffectError as exc:
        raise NotIdentifiedError(f"not identified: {exc}") from exc
    return PanelFit(
        params=fitted.params.astype(float),
        cov=fitted.cov.astype(float),
        nobs=int(fitted.nobs),
        df_resid=int(fitted.df_resid),
        rsquared=float(fitted.rsquared),
        rsquared_within=float(fitted.rsquared_within) if estimator == "within" else float("nan"),
        n_entities=int(fitted.entity_info["total"]),
        n_periods=int(fitted.time_info["total"]),
    )


def _exog(
    frame: pd.DataFrame,
    *,
    regressors: list[str],
    estimator: str,
    absorb: list[str] | None,
    entity_trends: bool,
    constant: bool,
    time_effects: bool = False,
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Regressor matrix and the effect dummies in it by effect (``<column>=<level>`` for each absorbed column,
    ``period``: ``<time>_<period>`` of pooled and first-difference models). The matrix: the terms,
    absorbed-effect dummies (redundant ones dropped), period dummies (pooled and first-difference models; within
    models sweep them out), trends, constant.

    A regressor that lies in the span of the absorbed effects (it varies only at their level) is not
    identified: an error, never a coefficient. Period dummies in levels: all periods but the first with a
    constant (pooled) or a drift (first differences: the differenced dummies and the drift are then a full
    set of period effects of the differenced equation), every period without (pooled) or all but the first
    without a drift (first differences: the T - 1 differenced dummies span the T - 1 differenced periods).
    Entity trends: entity dummies x the period's position for all entities but the first, and a common trend unless
    period effects absorb it (each entity's trend is then identified relative to the first entity's).
    """
    exog = frame[regressors].astype(float)
    index_time = frame.index.get_level_values(1)
    periods = sorted(index_time.unique())
    effects = pd.DataFrame(index=frame.index)
    groups: dict[str, list[str]] = {}
    for column in absorb or []:
        if estimator == "first_difference":
            raise EstimationError("absorb is available for pooled and within models")
        if column not in frame.columns:
            raise EstimationError(f"absorb column {column!r} is not in the data")
        dummies = effect_dummies(frame[column], prefix=column)
        groups[column] = list(dummies.columns)
        effects = pd.concat([effects, dummies], axis=1)
    if time_effects and estimator != "within":
        skip = 1 if (constant or estimator == "first_difference") else 0
        skip += 1 if (constant and estimator == "first_difference") else 0
        periodic = {f"{frame.index.names[1]}_{p}": (index_time == p).astype(float) for p in periods[skip:]}
        groups["period"] = list(periodic)
        effects = pd.concat([effects, pd.DataFrame(periodic, index=frame.index)], axis=1)
    if not effects.empty:
        base = _transformed(effects, estimator, constant=constant)
        effects = effects.drop(columns=redundant_columns(base, list(effects.columns)))
        groups = {group: [c for c in columns if c in effects.columns] for group, columns in groups.items()}
        check = _transformed(pd.concat([effects, exog], axis=1), estimator, constant=constant)
        inside = redundant_columns(check, regressors, tol=1e-8)
        if inside:
            raise NotIdentifiedError(
                f"not identified: regressor(s) {inside} vary only at the level of the absorbed or period effects "
                f"({', '.join([*(absorb or []), *(['period'] if time_effects else [])])})"
            )
        exog = pd.concat([exog, effects], axis=1)
    if entity_trends:
        if estimator != "within":
            raise EstimationError("entity_trends needs estimator = 'within'")
        position = pd.Index(periods)
        trend = position.get_indexer(index_time).astype(float)
        ids = frame.index.get_level_values(0)
        for e in sorted(ids.unique())[1:]:
            exog[f"trend_{e}"] = np.where(ids == e, trend, 0.0)
        if not time_effects:  # the common trend lies in the span of the period effects
            exog["trend"] = trend
    if constant and estimator == "first_difference":
        # a drift: the period position differences to 1 (FirstDifferenceOLS rejects a constant column)
        positions = pd.Index(periods)
        exog.insert(0, "const", positions.get_indexer(index_time).astype(float))
    elif constant:
        exog = pd.concat([pd.Series(1.0, index=exog.index, name="const"), exog], axis=1)
    return exog, {group: columns for group, columns in groups.items() if columns or group != "period"}


def _transformed(matrix: pd.DataFrame, estimator: str, *, constant: bool) -> pd.DataFrame:
    """Columns as the estimator sees them, for rank checks: within-demeaned, first-differenced (plus a
    column of ones for the drift), or in levels with the constant first."""
    if estimator == "within":
        return demean(matrix)
    if estimator == "first_difference":
        diffed = matrix.groupby(level=0).diff().dropna()
        return diffed.assign(__drift=1.0)[["__drift", *matrix.columns]] if constant else diffed
    return matrix.assign(__const=1.0)[["__const", *matrix.columns]] if constant else matrix


def _check_nested(frame: pd.DataFrame, cluster: str) -> None:
    """The wild cluster bootstrap of a within model works on entity-demeaned data; it is the standard WCR
    only when every entity lies in one cluster (entity effects nested in the clusters)."""
    spread = frame[cluster].groupby(level=0).nunique()
    if (spread > 1).any():
        entity = spread[spread > 1].index[0]
        raise EstimationError(
            f"the wild cluster bootstrap of a within model needs clusters that nest the entities; entity "
            f"{entity!r} lies in {int(spread.max())} clusters of {cluster!r} (cluster on a coarser column or drop "
            "the bootstrap)"
        )


def static_bootstrap_engine(
    data: pd.DataFrame,
    *,
    dependent: str,
    regressors: list[str],
    entity: str,
    time: str,
    options: BootstrapOptions,
    estimator: StaticEstimator = "within",
    time_effects: bool = False,
    absorb: list[str] | None = None,
    cluster: str | None = None,
) -> tuple[WildClusterBootstrap, list[str]]:
    """The wild cluster bootstrap of a pooled or within model (as :func:`estimate_static` sets it up) and the
    names of its columns, for tests on linear combinations of the coefficients."""
    frame = prepare_frame(
        data, dependent=dependent, terms=regressors, entity=entity, time=time, extra=[cluster] if cluster else []
    )
    exog, _ = _exog(
        frame,
        regressors=regressors,
        estimator=estimator,
        absorb=absorb,
        entity_trends=False,
        constant=True,
        time_effects=time_effects,
    )
    if estimator == "within" and cluster:
        _check_nested(frame, cluster)
    groups = frame[cluster] if cluster else frame.index.get_level_values(0)
    y, x = _effect_free(frame, dependent=dependent, exog=exog, estimator=estimator, time_effects=time_effects)
    return WildClusterBootstrap(y.to_numpy(), x.to_numpy(), np.asarray(groups), options=options), list(x.columns)


def _effect_free(
    frame: pd.DataFrame, *, dependent: str, exog: pd.DataFrame, estimator: str, time_effects: bool
) -> tuple[pd.Series, pd.DataFrame]:
    """Dependent and regressors with entity (and time) effects swept out (Frisch-Waugh-Lovell)."""
    y = frame[dependent].astype(float)
    x = exog.copy()
    if estimator == "within":
        x = x.drop(columns=["const"], errors="ignore")
        if time_effects:
            time_index = frame.index.get_level_values(1)
            periods = {f"__period_{p}": (time_index == p).astype(float) for p in sorted(time_index.unique())[1:]}
            x = pd.concat([x, pd.DataFrame(periods, index=x.index)], axis=1)
        y, x = demean(y), demean(x)
    return y, x


def _bootstrap(
    frame: pd.DataFrame,
    *,
    dependent: str,
    exog: pd.DataFrame,
    estimator: str,
    weights: str | None,
    time_effects: bool,
    clusters: np.ndarray,
    options: BootstrapOptions,
    terms: list[str],
) -> dict:
    """Wild cluster bootstrap summaries by term, on the effect-free (demeaned) data."""
    if estimator == "first_difference" or weights:
        raise EstimationError("the wild cluster bootstrap is available for unweighted pooled and within models")
    y, x = _effect_free(frame, dependent=dependent, exog=exog, estimator=estimator, time_effects=time_effects)
    unknown = [t for t in terms if t not in x.columns]
    if unknown:
        raise EstimationError(f"bootstrap terms {unknown} are not regressors of the model")
    engine = WildClusterBootstrap(y.to_numpy(), x.to_numpy(), clusters, options=options)
    return {term: engine.summary(list(x.columns).index(term)) for term in terms}


def small_sample_factor(
    cov_type: str, *, debiased: bool, nobs: int, k: int, absorbed: int, groups: int, periods: int = 0
) -> float:
    """Factor applied to linearmodels' HC0/CR0 covariance (see the module notes); 1 otherwise."""
    if not debiased:
        return 1.0
    if cov_type == "clustered":
        return groups / (groups - 1) * (nobs - 1) / (nobs - k)
    if cov_type == "robust":
        return nobs / (nobs - k - absorbed)
    if cov_type == "driscoll_kraay":
        return (nobs - 1) / (nobs - k) * periods / (periods - 1)
    return 1.0
