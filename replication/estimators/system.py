r"""Seemingly unrelated regressions for panel share systems, over linearmodels' ``SUR``.

System: :math:`s^{m}_{it} = x^{m\prime}_{it}\beta_m + \alpha^m_i + u^m_{it}`, :math:`m = 1..M`, with
cross-equation linear restrictions :math:`R\beta = q` (e.g. symmetry :math:`\gamma_{LM} = \gamma_{ML}`).

Entity effects :math:`\alpha^m_i` are swept out by demeaning every variable within entity on the common
sample (rows complete in all equations). Because every equation carries the same unrestricted entity
effects, the Frisch-Waugh-Lovell argument holds for GLS with :math:`\Sigma \otimes I`: coefficients,
residuals, :math:`\hat\Sigma` and the slope covariance equal those of the dummy-variable (LSDV)
system (checked against R systemfit with dummies in ``tests/reference/sur``).

Methods: ``ols`` (equation by equation, restrictions imposed), ``fgls`` (two-step feasible GLS) and
``iterated`` (FGLS iterated to convergence = maximum likelihood; the estimates of a share system
with adding-up do not depend on which share is dropped, Barten 1969). :math:`\hat\Sigma = E'E/n`.
Covariance: ``unadjusted`` :math:`(X'(\hat\Sigma^{-1}\otimes I)X)^{-1}` under the restrictions,
``robust`` (heteroskedasticity-robust, linearmodels' system sandwich) or ``clustered``: with
:math:`A = X'\Omega^{-1}X` and the cluster scores :math:`s_g = X_g'\Omega_g^{-1}\hat u_g` (all equations
of the rows of cluster *g*), :math:`V = \frac{G}{G-1} A^{-1}(\sum_g s_g s_g')A^{-1}`, projected on the
restrictions (linearmodels' ``ClusteredCovariance`` with ``group_debias``, whose factor
:math:`\frac{G}{G-1}\frac{N-1}{N}` (*N* rows of all equations stacked) is rescaled by :math:`N/(N-1)`;
validated against a
reparameterised statsmodels OLS on whitened data in ``tests/reference/sur_clustered``). ``absorb`` names columns of
further fixed effects not nested in the entity (e.g. country-year): their dummies enter every
equation (exact by Frisch-Waugh-Lovell) and are part of ``params`` under ``<column>=<level>``.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd

from replication.estimators.data import (
    EstimationError,
    NotIdentifiedError,
    check_panel,
    demean,
    effect_dummies,
    frame_checksum,
    parse_term,
    redundant_columns,
    unidentified_columns,
    with_terms,
)
from replication.estimators.results import Results

SURMethod = Literal["ols", "fgls", "iterated"]
TERM = re.compile(r"^([+-]?)(\d+(?:\.\d*)?)?(\*?)([A-Za-z_][\w.]*)?$")


def parse_restrictions(restrictions: list[str], names: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Linear restrictions like ``"sL_lwM = sM_lwL"`` or ``"a + b + c = 0"`` as (R, q) over ``names``.

    Parameter names are ``<equation>_<term>``. Each side is a sum of ``[number *] name`` or numbers.
    """
    rows, q = [], []
    for text in restrictions:
        if text.count("=") != 1:
            raise EstimationError(f"restriction {text!r} needs exactly one '='")
        row = pd.Series(0.0, index=names)
        constant = 0.0
        for side, sign in zip(text.split("="), (1.0, -1.0), strict=True):
            for token in re.findall(r"[+-]?[^+-]+", side.replace(" ", "")):
                match = TERM.match(token)
                if not match:
                    raise EstimationError(f"cannot read {token!r} in restriction {text!r}")
                negative, number, star, name = match.groups()
                if (
                    (number is None and name is None)
                    or (star and (number is None or name is None))
                    or (number and name and not star)
                ):
                    raise EstimationError(f"cannot read {token!r} in restriction {text!r}")
                value = (-1.0 if negative == "-" else 1.0) * (float(number) if number else 1.0)
                if name is None:
                    constant -= sign * value
                elif name not in row.index:
                    raise EstimationError(f"unknown parameter {name!r} in restriction {text!r}; parameters: {names}")
                else:
                    row[name] += sign * value
        rows.append(row)
        q.append(constant)
    r = pd.DataFrame(rows, columns=names).reset_index(drop=True)
    return r, pd.Series(q, dtype=float)


def estimate_sur(
    data: pd.DataFrame,
    *,
    equations: dict[str, tuple[str, list[str]]],
    entity: str,
    time: str,
    entity_effects: bool = True,
    restrictions: list[str] | None = None,
    method: SURMethod = "iterated",
    cov_type: Literal["unadjusted", "robust", "clustered"] = "unadjusted",
    cluster: str | None = None,
    absorb: list[str] | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> Results:
    """Estimate a SUR system; ``equations`` maps a name to ``(dependent, regressors)``."""
    from linearmodels.system import SUR

    if method not in ("ols", "fgls", "iterated"):
        raise EstimationError(f"method must be 'ols', 'fgls' or 'iterated'; got {method!r}")
    if cov_type not in ("unadjusted", "robust", "clustered"):
        raise EstimationError(f"cov_type must be 'unadjusted', 'robust' or 'clustered'; got {cov_type!r}")
    if cluster is not None and cov_type != "clustered":
        raise EstimationError("`cluster` needs cov_type = 'clustered'")
    terms = sorted({t for _, regs in equations.values() for t in regs})
    dependents = [dep for dep, _ in equations.values()]
    base = sorted({*dependents, *(parse_term(t)[0] for t in terms)})
    check_panel(data, entity=entity, time=time, columns=base + ([cluster] if cluster else []))
    frame = with_terms(data, terms, entity=entity, time=time)
    frame = frame.dropna(subset=[*dependents, *terms]).set_index([entity, time]).sort_index()
    variables = frame[sorted({*dependents, *terms})].astype(float)
    dummies: list[str] = []
    for column in absorb or []:
        if column not in frame.columns:
            raise EstimationError(f"absorb column {column!r} is not in the data")
        block = effect_dummies(frame[column], prefix=column)
        variables = pd.concat([variables, block], axis=1)
        dummies += list(block.columns)
    absorbed = 0
    if entity_effects:
        variables = demean(variables)
        absorbed = frame.index.get_level_values(0).nunique()
    if dummies:  # effect dummies made redundant by the other effects (not by the regressors: see below)
        check = variables[dummies]
        if not entity_effects:
            check = check.assign(const=1.0)[["const", *dummies]]
        redundant = set(redundant_columns(check, dummies))
        dummies = [d for d in dummies if d not in redundant]
    regressors_all = sorted({t for _, regs in equations.values() for t in regs})
    check = variables[[*dummies, *regressors_all]]
    if not entity_effects:
        check = check.assign(__const=1.0)[["__const", *dummies, *regressors_all]]
    weak = unidentified_columns(check, frame[regressors_all], regressors_all)
    if weak:
        raise NotIdentifiedError(
            f"not identified: regressor(s) {weak} have (almost) no variation left after the entity and absorbed effects"
        )
    system = {}
    for name, (dependent, regressors) in equations.items():
        exog = variables[[*regressors, *dummies]].copy()
        if not entity_effects:
            exog = pd.concat([pd.Series(1.0, index=exog.index, name="const"), exog], axis=1)
        system[name] = {"dependent": variables[dependent], "exog": exog}
    model = SUR(system)
    names = list(model.param_names)
    if restrictions:
        r, q = parse_restrictions(restrictions, names)
        model.add_constraints(r, q)
    options: dict = {"cov_type": cov_type}
    groups = 0
    if cov_type == "clustered":
        # one-way clusters (the entity unless `cluster` names another column), CR1-type factor G/(G-1)
        labels = frame[cluster] if cluster else pd.Series(frame.index.get_level_values(0), index=frame.index)
        codes = pd.factorize(np.asarray(labels))[0]
        groups = int(codes.max()) + 1
        options.update(clusters=pd.DataFrame({"cluster": codes}, index=frame.index), group_debias=True)
    if method == "ols":
        options["method"] = "ols"
    else:
        options.update(method="gls", iterate=method == "iterated", tol=tol, iter_limit=max_iter)
    fitted = model.fit(**options)
    n = int(fitted.nobs / len(equations))
    cov = fitted.cov.astype(float)
    if cov_type == "clustered":  # linearmodels' group_debias is G/(G-1) (N-1)/N, N the stacked rows: keep G/(G-1)
        stacked = int(fitted.nobs)
        cov = cov * stacked / (stacked - 1)
    diagnostics = {
        "n_equations": len(equations),
        "nobs_per_equation": n,
        "absorbed_entity_effects": absorbed,
        "n_entities": int(frame.index.get_level_values(0).nunique()),
        "n_periods": int(frame.index.get_level_values(1).nunique()),
        "iterations": int(getattr(fitted, "iterations", 1)),
        "restrictions": list(restrictions or []),
        "sigma": np.asarray(fitted.sigma, dtype=float).tolist(),
        "rsquared": {name: float(fitted.equations[name].rsquared) for name in equations},
        "loglik_concentrated": float(-n / 2 * np.log(np.linalg.det(np.asarray(fitted.sigma, dtype=float)))),
        **({"clusters": groups} if groups else {}),
    }
    spec = {
        "equations": {k: [v[0], list(v[1])] for k, v in equations.items()},
        "entity_effects": entity_effects,
        "restrictions": list(restrictions or []),
        "absorb": list(absorb or []),
        "method": method,
        "cov_type": cov_type,
        "cluster": cluster,
        "entity": entity,
        "time": time,
    }
    return Results(
        estimator="sur",
        params=fitted.params.astype(float),
        std_errors=pd.Series(np.sqrt(np.diag(cov)), index=cov.index),
        cov=cov,
        nobs=int(fitted.nobs),
        df_resid=int(fitted.nobs) - len(names) - absorbed * len(equations),
        cov_type=cov_type,
        diagnostics=diagnostics,
        spec=spec,
        data_checksum=frame_checksum(frame[sorted({*dependents, *terms})].reset_index()),
    )
