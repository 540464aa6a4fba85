r"""Instrumental variables on panels: 2SLS or efficient two-step GMM, thin layers over linearmodels.

:func:`estimate_iv`: ``IV2SLS`` or ``IVGMM`` after sweeping out entity effects by within-demeaning every
variable (the degrees of freedom are reduced by the number of entities); time effects as dummies.
First-stage diagnostics: partial R² and the partial F (Wald) statistic of the excluded instruments for each
endogenous regressor computed with the model's covariance (with one endogenous regressor and a clustered or
robust covariance this is the Kleibergen-Paap rk Wald F); over-identification: Sargan, or Hansen J for GMM.
Covariances and small-sample factors as in :mod:`.static` (``unadjusted``, ``robust``, ``clustered``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from replication.estimators.data import EstimationError, check_choice, check_rank, frame_checksum, prepare_frame
from replication.estimators.results import Results
from replication.estimators.static import CovType, small_sample_factor
from replication.estimators.sweep import demean


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

    check_choice("method", method, ("2sls", "gmm"))
    check_choice("cov_type", cov_type, ("unadjusted", "robust", "clustered"))
    if len(instruments) < len(endog):
        raise EstimationError(
            f"under-identified: {len(instruments)} instrument(s) for {len(endog)} endogenous regressor(s)"
        )
    terms = [*exog, *endog, *instruments]
    frame = prepare_frame(
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
        variables = demean(variables)
        absorbed = frame.index.get_level_values(0).nunique()
    else:
        variables.insert(0, "const", 1.0)
    exog_cols = (["const"] if not entity_effects else []) + exog + dummies
    check_rank(variables[[*exog_cols, *endog]])
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
