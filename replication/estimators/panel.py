r"""Static panel regressions and instrumental variables: thin layers over linearmodels.

Static (:func:`estimate_static`), for :math:`y_{it} = x_{it}'\beta + \alpha_i + \delta_t + u_{it}`:

- ``pooled``: OLS on the levels (``PooledOLS``);
- ``within``: entity effects swept out by demeaning (``PanelOLS(entity_effects=True)``), optional time
  effects and entity-specific linear trends (entity dummies x time, as regressors);
- ``first_difference``: OLS on :math:`\Delta y_{it} = \Delta x_{it}'\beta + \Delta u_{it}` (``FirstDifferenceOLS``).

Instrumental variables (:func:`estimate_iv`): 2SLS or efficient two-step GMM (``IV2SLS``,
``IVGMM``) after sweeping out entity effects by within-demeaning every variable (the degrees of
freedom are reduced by the number of entities); time effects as dummies. First-stage diagnostics:
partial R² and the partial F (Wald) statistic of the excluded instruments for each endogenous
regressor computed with the model's covariance (with one endogenous regressor and a clustered or
robust covariance this is the Kleibergen-Paap rk Wald F); over-identification: Sargan, or Hansen J
for GMM.

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

from typing import Literal

import numpy as np
import pandas as pd

from replication.estimators.data import (
    EstimationError,
    check_panel,
    effect_dummies,
    frame_checksum,
    parse_term,
    redundant_columns,
    with_terms,
)
from replication.estimators.inference import BootstrapOptions, WildClusterBootstrap
from replication.estimators.results import Results

StaticEstimator = Literal["pooled", "within", "first_difference"]
CovType = Literal["unadjusted", "robust", "clustered", "driscoll_kraay"]
COV_TYPES = ("unadjusted", "robust", "clustered", "driscoll_kraay")
STATIC_ESTIMATORS = ("pooled", "within", "first_difference")


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise EstimationError(f"{name} must be one of {list(allowed)}; got {value!r}")


def _cov_config(cov_type: str, *, cluster: pd.Series | None, bandwidth: float | None) -> dict:
    _check_choice("cov_type", cov_type, COV_TYPES)
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


def _prepare(
    data: pd.DataFrame,
    *,
    dependent: str,
    terms: list[str],
    entity: str,
    time: str,
    extra: list[str],
) -> pd.DataFrame:
    base = sorted({dependent, *(parse_term(t)[0] for t in terms), *extra})
    check_panel(data, entity=entity, time=time, columns=base)
    frame = with_terms(data, terms, entity=entity, time=time)
    frame = frame.dropna(subset=[dependent, *terms]).set_index([entity, time]).sort_index()
    if frame.empty:
        raise EstimationError("no complete observation after taking lags")
    return frame


def _check_rank(exog: pd.DataFrame) -> None:
    values = exog.to_numpy(dtype=float)
    rank = np.linalg.matrix_rank(values)
    if rank < values.shape[1]:
        dropped = [c for i, c in enumerate(exog.columns) if np.linalg.matrix_rank(np.delete(values, i, axis=1)) == rank]
        raise EstimationError(
            f"singular design: regressors {list(exog.columns)} are perfectly collinear (candidates to drop: {dropped})"
        )


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
    further fixed effects (e.g. country-year) entered as dummies ``<column>=<level>``.
    """
    from linearmodels.panel import FirstDifferenceOLS, PanelOLS, PooledOLS

    _check_choice("estimator", estimator, STATIC_ESTIMATORS)
    extra = [c for c in (weights, cluster) if c]
    frame = _prepare(data, dependent=dependent, terms=regressors, entity=entity, time=time, extra=extra)
    exog = _exog(
        frame, regressors=regressors, estimator=estimator, absorb=absorb, entity_trends=entity_trends, constant=constant
    )
    _check_rank(
        exog
        if estimator != "within"
        else (exog - exog.groupby(level=0).transform("mean")).drop(columns=["const"], errors="ignore")
    )
    w = frame[weights] if weights else None
    cov = _cov_config(cov_type, cluster=frame[cluster] if cluster else None, bandwidth=bandwidth)
    if estimator == "pooled":
        model = PooledOLS(frame[dependent], exog, weights=w)
    elif estimator == "within":
        model = PanelOLS(
            frame[dependent], exog, entity_effects=True, time_effects=time_effects, weights=w, drop_absorbed=False
        )
    else:
        if time_effects:
            periods = sorted(frame.index.get_level_values(1).unique())
            for p in periods[2:]:
                exog[f"{time}_{p}"] = (frame.index.get_level_values(1) == p).astype(float)
        model = FirstDifferenceOLS(frame[dependent], exog, weights=w)
    # HC0/CR0/Driscoll-Kraay without linearmodels' own effect-count rescaling (count_effects=False), so that
    # the one documented small-sample factor below applies; unadjusted counts the effects in its df
    options = {"auto_df": False, "count_effects": cov_type == "unadjusted"} if estimator == "within" else {}
    fitted = model.fit(debiased=debiased and cov_type == "unadjusted", **options, **cov)
    absorbed = frame.index.get_level_values(0).nunique() if estimator == "within" else 0
    groups = frame[cluster] if cluster else frame.index.get_level_values(0)
    slopes = len(fitted.params) - int(estimator == "within" and "const" in fitted.params.index)
    factor = small_sample_factor(
        cov_type,
        debiased=debiased,
        nobs=int(fitted.nobs),
        k=slopes,
        absorbed=absorbed,
        groups=pd.Series(groups).nunique(),
        periods=frame.index.get_level_values(1).nunique(),
    )
    diagnostics = {
        "rsquared": float(fitted.rsquared),
        "n_entities": int(fitted.entity_info["total"]),
        "n_periods": int(fitted.time_info["total"]),
    }
    if estimator == "within":
        diagnostics["rsquared_within"] = float(fitted.rsquared_within)
    spec = {
        "dependent": dependent,
        "regressors": regressors,
        "estimator": estimator,
        "time_effects": time_effects,
        "entity_trends": entity_trends,
        "absorb": list(absorb or []),
        "weights": weights,
        "cov_type": cov_type,
        "cluster": cluster,
        "bandwidth": bandwidth,
        "debiased": debiased,
        "entity": entity,
        "time": time,
    }
    cov_matrix = fitted.cov.astype(float) * factor
    boot = {}
    if bootstrap is not None:
        boot = _bootstrap(
            frame,
            dependent=dependent,
            exog=exog,
            estimator=estimator,
            weights=weights,
            time_effects=time_effects,
            clusters=np.asarray(groups),
            options=bootstrap,
            terms=list(bootstrap.terms or regressors),
        )
    return Results(
        estimator=estimator,
        bootstrap=boot,
        params=fitted.params.astype(float),
        std_errors=pd.Series(np.sqrt(np.diag(cov_matrix)), index=fitted.params.index),
        cov=cov_matrix,
        nobs=int(fitted.nobs),
        # clustered: the t reference distribution has G - 1 degrees of freedom (the Stata convention for few
        # clusters); otherwise the model's residual degrees of freedom
        df_resid=pd.Series(groups).nunique() - 1 if cov_type == "clustered" else int(fitted.df_resid),
        cov_type=cov_type,
        diagnostics=diagnostics,
        spec=spec,
        data_checksum=frame_checksum(frame[[dependent, *regressors, *extra]].reset_index()),
        dist="t" if debiased else "normal",
    )


def _exog(
    frame: pd.DataFrame,
    *,
    regressors: list[str],
    estimator: str,
    absorb: list[str] | None,
    entity_trends: bool,
    constant: bool,
) -> pd.DataFrame:
    """Regressor matrix: the terms, absorbed-effect dummies (redundant ones dropped), trends, constant."""
    exog = frame[regressors].astype(float)
    for column in absorb or []:
        if estimator == "first_difference":
            raise EstimationError("absorb is available for pooled and within models")
        if column not in frame.columns:
            raise EstimationError(f"absorb column {column!r} is not in the data")
        block = effect_dummies(frame[column], prefix=column)
        exog = pd.concat([exog, block], axis=1)
        check = exog - exog.groupby(level=0).transform("mean") if estimator == "within" else exog.assign(const=1.0)
        exog = exog.drop(columns=redundant_columns(check, list(block.columns)))
    if entity_trends:
        if estimator != "within":
            raise EstimationError("entity_trends needs estimator = 'within'")
        periods = pd.Index(sorted(frame.index.get_level_values(1).unique()))
        trend = periods.get_indexer(frame.index.get_level_values(1)).astype(float)
        ids = frame.index.get_level_values(0)
        for e in sorted(ids.unique())[1:]:
            exog[f"trend_{e}"] = np.where(ids == e, trend, 0.0)
        exog["trend"] = trend
    if constant and estimator == "first_difference":
        # a drift: the period position differences to 1 (FirstDifferenceOLS rejects a constant column)
        positions = pd.Index(sorted(frame.index.get_level_values(1).unique()))
        exog.insert(0, "const", positions.get_indexer(frame.index.get_level_values(1)).astype(float))
    elif constant:
        exog = pd.concat([pd.Series(1.0, index=exog.index, name="const"), exog], axis=1)
    return exog


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
    frame = _prepare(
        data, dependent=dependent, terms=regressors, entity=entity, time=time, extra=[cluster] if cluster else []
    )
    exog = _exog(frame, regressors=regressors, estimator=estimator, absorb=absorb, entity_trends=False, constant=True)
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
        y = y - y.groupby(level=0).transform("mean")
        x = x - x.groupby(level=0).transform("mean")
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


def estimate_iv(
    data: pd.DataFrame,
    *,
    dependent: str,
    exog: list[str],
    endog: list[str],
    instruments: list[str],
    entity: str,
    time: str,
    entity_effects: bool = True,
    time_effects: bool = False,
    method: Literal["2sls", "gmm"] = "2sls",
    cov_type: CovType = "clustered",
    cluster: str | None = None,
    debiased: bool = True,
) -> Results:
    """2SLS or two-step efficient GMM with entity effects swept out (see module notes)."""
    from linearmodels.iv import IV2SLS, IVGMM

    _check_choice("method", method, ("2sls", "gmm"))
    _check_choice("cov_type", cov_type, ("unadjusted", "robust", "clustered"))
    if len(instruments) < len(endog):
        raise EstimationError(
            f"under-identified: {len(instruments)} instrument(s) for {len(endog)} endogenous regressor(s)"
        )
    terms = [*exog, *endog, *instruments]
    frame = _prepare(
        data, dependent=dependent, terms=terms, entity=entity, time=time, extra=[cluster] if cluster else []
    )
    variables = frame[[dependent, *terms]].astype(float)
    absorbed = 0
    if time_effects:
        periods = sorted(frame.index.get_level_values(1).unique())
        for p in periods[1:]:
            variables[f"{time}_{p}"] = (frame.index.get_level_values(1) == p).astype(float)
    dummies = [c for c in variables.columns if c.startswith(f"{time}_")]
    if entity_effects:
        variables = variables - variables.groupby(level=0).transform("mean")
        absorbed = frame.index.get_level_values(0).nunique()
    else:
        variables.insert(0, "const", 1.0)
    exog_cols = (["const"] if not entity_effects else []) + exog + dummies
    _check_rank(variables[[*exog_cols, *endog]])
    groups = frame[cluster] if cluster else pd.Series(frame.index.get_level_values(0), index=frame.index)
    cov = {"clusters": pd.Series(pd.factorize(groups)[0], index=frame.index)} if cov_type == "clustered" else {}
    model = IV2SLS(
        variables[dependent], variables[exog_cols] if exog_cols else None, variables[endog], variables[instruments]
    )
    if method == "gmm":
        weight_type = {"clustered": "clustered", "robust": "robust", "unadjusted": "unadjusted"}[cov_type]
        model = IVGMM(
            variables[dependent],
            variables[exog_cols] if exog_cols else None,
            variables[endog],
            variables[instruments],
            weight_type=weight_type,
            **cov,
        )
        fitted = model.fit(cov_type=cov_type, debiased=cov_type == "unadjusted", iter_limit=2, **cov)
    else:
        fitted = model.fit(cov_type=cov_type, debiased=cov_type == "unadjusted", **cov)
    n, k = int(fitted.nobs), len(fitted.params)
    if cov_type == "unadjusted":  # linearmodels divides by n - k; the entity means used N more
        factor = (n - k) / (n - k - absorbed)
    else:
        factor = small_sample_factor(
            cov_type, debiased=debiased, nobs=n, k=k, absorbed=absorbed, groups=int(groups.nunique())
        )
    cov_matrix = fitted.cov.astype(float) * factor
    first = fitted.first_stage.diagnostics
    diagnostics: dict = {
        "first_stage": {
            e: {
                "partial_r2": float(first.loc[e, "partial.rsquared"]),
                "partial_f": float(first.loc[e, "f.stat"]),
                "partial_f_pvalue": float(first.loc[e, "f.pval"]),
                "distribution": str(first.loc[e, "f.dist"]),
            }
            for e in endog
        },
        "n_instruments": len(instruments),
        "absorbed_entity_effects": absorbed,
    }
    if len(instruments) > len(endog):
        test = fitted.j_stat if method == "gmm" else fitted.sargan
        diagnostics["overid"] = {
            "name": "hansen_j" if method == "gmm" else "sargan",
            "stat": float(test.stat),
            "pvalue": float(test.pval),
            "df": int(test.df),
        }
    spec = {
        "dependent": dependent,
        "exog": exog,
        "endog": endog,
        "instruments": instruments,
        "method": method,
        "entity_effects": entity_effects,
        "time_effects": time_effects,
        "cov_type": cov_type,
        "cluster": cluster,
        "entity": entity,
        "time": time,
    }
    std = pd.Series(np.sqrt(np.diag(cov_matrix)), index=fitted.params.index)
    return Results(
        estimator="iv2sls" if method == "2sls" else "ivgmm",
        params=fitted.params.astype(float),
        std_errors=std,
        cov=cov_matrix,
        nobs=n,
        df_resid=n - k - absorbed,
        cov_type=cov_type,
        diagnostics=diagnostics,
        spec=spec,
        data_checksum=frame_checksum(frame[[dependent, *terms]].reset_index()),
        dist="t" if debiased else "normal",
    )
