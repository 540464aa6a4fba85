r"""Instrumental variables on panels: 2SLS or efficient two-step GMM, thin layers over linearmodels.

:func:`estimate_iv`: ``IV2SLS`` or ``IVGMM`` after sweeping out entity effects by within-demeaning every
variable (the degrees of freedom are reduced by the number of entities); time effects as dummies.
First-stage diagnostics: partial R² and the partial F (Wald) statistic of the excluded instruments for each
endogenous regressor computed with the model's covariance (with one endogenous regressor and a clustered or
robust covariance this is the Kleibergen-Paap rk Wald F); over-identification: Sargan, or Hansen J for GMM.
Covariances and small-sample factors as in :mod:`.static` (``unadjusted``, ``robust``, ``clustered``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from replication.estimators.data import EstimationError, check_choice, check_rank, frame_checksum, prepare_frame
from replication.estimators.results import Results
from replication.estimators.static import CovType, small_sample_factor
from replication.estimators.sweep import demean


@dataclass(frozen=True)
class _Design:
    """The estimation sample of an IV model and its variables after the entity sweep (period dummies added)."""

    frame: pd.DataFrame
    variables: pd.DataFrame
    exog_cols: list[str]
    periods: list[str]
    groups: pd.Series
    absorbed: int


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
    """2SLS or two-step efficient GMM with entity effects swept out (see module notes).

    Three steps: :func:`_prepare` (sample, sweep, period dummies, rank check), :func:`_fit` (linearmodels),
    :func:`_assemble` (small-sample factor, first-stage and over-identification diagnostics; the period dummies'
    coefficients are nuisance parameters, counted in ``diagnostics["absorbed_effects"]`` and not stored).
    """
    check_choice("method", method, ("2sls", "gmm"))
    check_choice("cov_type", cov_type, ("unadjusted", "robust", "clustered"))
    if len(instruments) < len(endog):
        raise EstimationError(
            f"under-identified: {len(instruments)} instrument(s) for {len(endog)} endogenous regressor(s)"
        )
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
    design = _prepare(data, spec)
    return _assemble(design, _fit(design, spec), spec, debiased=debiased)


def _prepare(data: pd.DataFrame, spec: dict) -> _Design:
    """Complete cases; every variable within-demeaned by entity (``entity_effects``; a constant otherwise); period
    dummies (all periods but the first) with ``time_effects``; the exogenous design checked for full rank."""
    dependent, time, cluster = spec["dependent"], spec["time"], spec["cluster"]
    terms = [*spec["exog"], *spec["endog"], *spec["instruments"]]
    frame = prepare_frame(
        data, dependent=dependent, terms=terms, entity=spec["entity"], time=time, extra=[cluster] if cluster else []
    )
    variables = frame[[dependent, *terms]].astype(float)
    periods: list[str] = []
    if spec["time_effects"]:
        index_time = frame.index.get_level_values(1)
        for p in sorted(index_time.unique())[1:]:
            periods.append(f"{time}_{p}")
            variables[periods[-1]] = (index_time == p).astype(float)
    absorbed = 0
    if spec["entity_effects"]:
        variables = demean(variables)
        absorbed = frame.index.get_level_values(0).nunique()
    else:
        variables.insert(0, "const", 1.0)
    exog_cols = (["const"] if not spec["entity_effects"] else []) + list(spec["exog"]) + periods
    check_rank(variables[[*exog_cols, *spec["endog"]]])
    groups = frame[cluster] if cluster else pd.Series(frame.index.get_level_values(0), index=frame.index)
    return _Design(frame, variables, exog_cols, periods, groups, absorbed)


def _fit(design: _Design, spec: dict):
    """linearmodels' ``IV2SLS`` or ``IVGMM`` (two steps, the weight matrix of the covariance's kind)."""
    from linearmodels.iv import IV2SLS, IVGMM

    v, cov_type = design.variables, spec["cov_type"]
    cov = (
        {"clusters": pd.Series(pd.factorize(design.groups)[0], index=design.frame.index)}
        if cov_type == "clustered"
        else {}
    )
    arguments = (
        v[spec["dependent"]],
        v[design.exog_cols] if design.exog_cols else None,
        v[spec["endog"]],
        v[spec["instruments"]],
    )
    if spec["method"] == "gmm":
        model = IVGMM(*arguments, weight_type=cov_type, **cov)
        return model.fit(cov_type=cov_type, debiased=cov_type == "unadjusted", iter_limit=2, **cov)
    return IV2SLS(*arguments).fit(cov_type=cov_type, debiased=cov_type == "unadjusted", **cov)


def _assemble(design: _Design, fitted, spec: dict, *, debiased: bool) -> Results:
    """The results: covariance times its small-sample factor (as :mod:`.static`; unadjusted: the entity means'
    degrees of freedom), period dummies dropped, first-stage and over-identification diagnostics."""
    cov_type, endog, instruments = spec["cov_type"], spec["endog"], spec["instruments"]
    n, k, absorbed = int(fitted.nobs), len(fitted.params), design.absorbed
    if cov_type == "unadjusted":  # linearmodels divides by n - k; the entity means used N more
        factor = (n - k) / (n - k - absorbed)
    else:
        factor = small_sample_factor(
            cov_type, debiased=debiased, nobs=n, k=k, absorbed=absorbed, groups=int(design.groups.nunique())
        )
    kept = [c for c in fitted.params.index if c not in set(design.periods)]
    cov_matrix = fitted.cov.astype(float).loc[kept, kept] * factor
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
        "absorbed_effects": {"entity": absorbed, "period": len(design.periods)},
    }
    if len(instruments) > len(endog):
        test = fitted.j_stat if spec["method"] == "gmm" else fitted.sargan
        diagnostics["overid"] = {
            "name": "hansen_j" if spec["method"] == "gmm" else "sargan",
            "stat": float(test.stat),
            "pvalue": float(test.pval),
            "df": int(test.df),
        }
    terms = [*spec["exog"], *endog, *instruments]
    return Results(
        estimator="iv2sls" if spec["method"] == "2sls" else "ivgmm",
        params=fitted.params.astype(float)[kept],
        std_errors=pd.Series(np.sqrt(np.diag(cov_matrix)), index=kept),
        cov=cov_matrix,
        nobs=n,
        df_resid=n - k - absorbed,
        cov_type=cov_type,
        diagnostics=diagnostics,
        spec=spec,
        data_checksum=frame_checksum(design.frame[[spec["dependent"], *terms]].reset_index()),
        dist="t" if debiased else "normal",
    )
