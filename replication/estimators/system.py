r"""Seemingly unrelated regressions for panel share systems: the panel, effects and names around the restricted
feasible GLS of :mod:`replication.estimators.sur_gls` (linearmodels' ``SUR`` formulas, checked against it).

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
``robust`` (heteroskedasticity-robust system sandwich) or ``clustered``: with
:math:`A = X'\Omega^{-1}X` and the cluster scores :math:`s_g = X_g'\Omega_g^{-1}\hat u_g` (all equations
of the rows of cluster *g*), :math:`V = \frac{G}{G-1} A^{-1}(\sum_g s_g s_g')A^{-1}`, projected on the
restrictions (validated against a
reparameterised statsmodels OLS on whitened data in ``tests/reference/sur_clustered``). ``absorb`` names columns of
further fixed effects not nested in the entity (e.g. country-year), with unrestricted coefficients in every
equation: with *D* their dummies (entity-demeaned with entity effects; the redundant ones dropped), every variable
is swept, :math:`\ddot z = M_D z = z - D(D'D)^{-1}D'z`, before the fit. Because *D* is the same in every
equation, :math:`(\Sigma^{-1}\otimes I)(I_M\otimes M_D) = (I_M\otimes M_D)(\Sigma^{-1}\otimes I)` and the
Frisch-Waugh-Lovell theorem holds for the restricted GLS: slopes, residuals, :math:`\hat\Sigma` and every slope
covariance (unadjusted, robust, clustered) equal those of the system with the dummies as regressors (tested).
The dummies' coefficients are not estimated; their number, by column, is in ``diagnostics["absorbed_effects"]``.
Each equation's :math:`R^2` is measured against its dependent variable before this sweep (as with the dummies
among the regressors).

Counts and likelihood: *n* observations per equation (the rows of the common sample, ``Results.nobs``), *M*
equations, *K* parameters (dummies not counted) and *J* restrictions; residual degrees of freedom
:math:`Mn - (K - J) - M(a + d)` with *a* absorbed entity effects and *d* absorbed dummies (systemfit's
``df.residual`` of the dummy-variable system). The Gaussian log-likelihood at
the estimates, :math:`\ell = -\frac{Mn}{2}(1 + \log 2\pi) - \frac{n}{2}\log|\tilde\Sigma|` with
:math:`\tilde\Sigma = \hat E'\hat E/n` from the final residuals, is the maximum for ``iterated`` (systemfit's
``logLik``); :math:`2(\ell_u - \ell_r)` is the likelihood-ratio statistic of the restrictions (both checked against
systemfit in ``tests/reference/sur``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from replication.estimators.data import (
    EstimationError,
    NotIdentifiedError,
    arrays_checksum,
    check_panel,
    effect_dummies,
    parse_term,
    redundant_columns,
    sorted_complete_rows,
    unidentified_in,
    with_terms,
)
from replication.estimators.results import Results
from replication.estimators.sur_gls import fit_system
from replication.estimators.sweep import demean_array, partial_out

SURMethod = Literal["ols", "fgls", "iterated"]
TERM = re.compile(r"^([+-]?)(\d+(?:\.\d*)?)?(\*?)([A-Za-z_][\w.]*)?$")


def parse_restrictions(restrictions: list[str], names: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Linear restrictions like ``"sL_lwM = sM_lwL"`` or ``"a + b + c = 0"`` as (R, q) over ``names``.

    Parameter names are ``<equation>_<term>``. Each side is a sum of ``[number *] name`` or numbers.
    """
    position = {name: i for i, name in enumerate(names)}
    rows, q = [], []
    for text in restrictions:
        if text.count("=") != 1:
            raise EstimationError(f"restriction {text!r} needs exactly one '='")
        row = np.zeros(len(names))
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
                elif name not in position:
                    raise EstimationError(f"unknown parameter {name!r} in restriction {text!r}; parameters: {names}")
                else:
                    row[position[name]] += sign * value
        rows.append(row)
        q.append(constant)
    r = pd.DataFrame(np.array(rows).reshape(len(rows), len(names)), columns=names)
    return r, pd.Series(q, dtype=float)


@dataclass
class _SystemDesign:
    """The common sample of a SUR system (rows complete in every equation, sorted by entity and time) and its
    swept design: one regressor matrix and one dependent column per equation, the parameter names."""

    frame: pd.DataFrame
    rows: np.ndarray
    entity_codes: np.ndarray
    time_codes: np.ndarray
    columns: list[str]
    stored: dict[str, np.ndarray]
    totals: np.ndarray
    xs: list[np.ndarray]
    ys: np.ndarray
    names: list[str]
    absorbed: int
    dummies: list[str]
    counts: dict[str, int]


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
    """Estimate a SUR system; ``equations`` maps a name to ``(dependent, regressors)``.

    Three steps: :func:`_prepare_system` (common sample, entity sweep, absorbed dummies partialled out,
    identification check, design), the restricted feasible GLS (:func:`~.sur_gls.fit_system`) and
    :func:`_assemble_system` (likelihood, diagnostics, degrees of freedom, results).
    """
    if method not in ("ols", "fgls", "iterated"):
        raise EstimationError(f"method must be 'ols', 'fgls' or 'iterated'; got {method!r}")
    if cov_type not in ("unadjusted", "robust", "clustered"):
        raise EstimationError(f"cov_type must be 'unadjusted', 'robust' or 'clustered'; got {cov_type!r}")
    if cluster is not None and cov_type != "clustered":
        raise EstimationError("`cluster` needs cov_type = 'clustered'")
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
    design = _prepare_system(
        data, equations, entity=entity, time=time, entity_effects=entity_effects, absorb=absorb, cluster=cluster
    )
    constraint = None
    if restrictions:
        r, q = parse_restrictions(restrictions, design.names)
        constraint = (r.to_numpy(), q.to_numpy())
    codes = None
    if cov_type == "clustered":
        # one-way clusters (the entity unless `cluster` names another column), CR1-type factor G/(G-1)
        labels = design.frame[cluster].to_numpy()[design.rows] if cluster else design.entity_codes
        codes = pd.factorize(labels)[0]
    fitted = fit_system(
        design.ys,
        design.xs,
        method=method,
        cov_type=cov_type,
        restrictions=constraint,
        clusters=codes,
        constant=[not entity_effects] * len(equations),  # entity-demeaned columns cannot span a constant
        totals=design.totals,
        tol=tol,
        max_iter=max_iter,
    )
    independent = 0 if constraint is None else len(constraint[0])  # linearly independent restrictions
    clusters = 0 if codes is None else int(codes.max()) + 1
    return _assemble_system(design, fitted, spec, independent=independent, clusters=clusters)


def _prepare_system(
    data: pd.DataFrame,
    equations: dict[str, tuple[str, list[str]]],
    *,
    entity: str,
    time: str,
    entity_effects: bool,
    absorb: list[str] | None,
    cluster: str | None,
) -> _SystemDesign:
    """The common sample as arrays (pandas indexing costs more than the fit here), entity-demeaned, the absorbed
    dummies (the redundant ones dropped) partialled out of every column, and an error for a regressor with no
    variation left after the effects."""
    terms = sorted({t for _, regs in equations.values() for t in regs})
    dependents = [dep for dep, _ in equations.values()]
    base = sorted({*dependents, *(parse_term(t)[0] for t in terms)})
    check_panel(data, entity=entity, time=time, columns=base + ([cluster] if cluster else []))
    frame = with_terms(data, terms, entity=entity, time=time)
    columns = sorted({*dependents, *terms})
    stored = {c: np.asarray(frame[c]) for c in columns}  # as stored (the checksum's bytes), then as floats
    full = np.column_stack([frame[c].to_numpy(dtype=float, na_value=np.nan) for c in columns])
    complete = ~np.isnan(full).any(axis=1)
    rows, entity_codes, time_codes = sorted_complete_rows(frame, entity=entity, time=time, complete=complete)
    raw = full[rows]
    position = {c: i for i, c in enumerate(columns)}
    values = raw
    dummies: list[str] = []
    for column in absorb or []:
        if column not in frame.columns:
            raise EstimationError(f"absorb column {column!r} is not in the data")
        block = effect_dummies(pd.Series(frame[column].to_numpy()[rows]), prefix=column)
        position.update({name: values.shape[1] + i for i, name in enumerate(block.columns)})
        values = np.column_stack([values, block.to_numpy()])
        dummies += list(block.columns)
    absorbed = 0
    if entity_effects:
        values = demean_array(values, entity_codes)
        absorbed = int(entity_codes.max(initial=-1)) + 1

    def design(names: list[str], const: str | None = None) -> pd.DataFrame:
        block = pd.DataFrame(values[:, [position[n] for n in names]], columns=names)
        return block if const is None else pd.concat([pd.DataFrame({const: np.ones(len(block))}), block], axis=1)

    counts: dict[str, int] = {}
    if dummies:  # effect dummies made redundant by the other effects (not by the regressors: see below)
        redundant = set(redundant_columns(design(dummies, None if entity_effects else "const"), dummies))
        dummies = [d for d in dummies if d not in redundant]
        counts = {c: sum(d.startswith(f"{c}=") for d in dummies) for c in absorb or []}
    checked = [*dummies, *terms]
    check = values[:, [position[n] for n in checked]]
    if not entity_effects:
        check, checked = np.column_stack([np.ones(len(check)), check]), ["__const", *checked]
    weak = unidentified_in(check, checked, {n: raw[:, position[n]] for n in terms})
    if weak:
        raise NotIdentifiedError(
            f"not identified: regressor(s) {weak} have (almost) no variation left after the entity and absorbed effects"
        )
    totals = np.column_stack([values[:, position[dep]] for dep in dependents])  # what each R² is measured against
    ones = np.ones((len(rows), 0 if entity_effects else 1))
    if dummies:  # swept out in place (Frisch-Waugh-Lovell; see the module notes), the constant column included;
        # `values` is this function's own array here (built with the dummy columns), never the caller's data
        data_columns = [position[c] for c in columns]
        block = values[:, [position[d] for d in dummies]]
        values[:, data_columns], ones = partial_out(values[:, data_columns], block), partial_out(ones, block)
    # parameter k of equation m is ``<m>_<column k>``, in this order
    xs, ys, names = [], [], []
    for name, (dependent, regressors) in equations.items():
        exog_names = list(regressors)
        exog = values[:, [position[n] for n in exog_names]]
        if not entity_effects:
            exog = np.column_stack([ones, exog])
            exog_names = ["const", *exog_names]
        xs.append(exog)
        ys.append(values[:, position[dependent]])
        names += [f"{name}_{column}" for column in exog_names]
    return _SystemDesign(
        frame=frame,
        rows=rows,
        entity_codes=entity_codes,
        time_codes=time_codes,
        columns=columns,
        stored=stored,
        totals=totals,
        xs=xs,
        ys=np.column_stack(ys),
        names=names,
        absorbed=absorbed,
        dummies=dummies,
        counts=counts,
    )


def _assemble_system(design: _SystemDesign, fitted, spec: dict, *, independent: int, clusters: int) -> Results:
    """The results of a fitted system: the Gaussian log-likelihood, the diagnostics, the residual degrees of
    freedom :math:`Mn - (K - J) - M(a + d)` and the checksum of the common sample."""
    n, n_equations, names = len(design.rows), len(spec["equations"]), design.names
    cov_values, sigma = fitted.cov, fitted.sigma
    _, logdet = np.linalg.slogdet(fitted.resids.T @ fitted.resids / n)
    loglik = -n * n_equations / 2 * (1 + np.log(2 * np.pi)) - n / 2 * logdet
    free = len(names) - independent
    diagnostics = {
        "n_equations": n_equations,
        "nobs_per_equation": n,
        "nobs_stacked": n * n_equations,
        "absorbed_entity_effects": design.absorbed,
        "absorbed_effects": design.counts,
        "n_entities": int(design.entity_codes.max(initial=-1)) + 1,
        "n_periods": int(design.time_codes.max(initial=-1)) + 1,
        "iterations": fitted.iterations,
        "restrictions": spec["restrictions"],
        "sigma": sigma.tolist(),
        "rsquared": {name: float(r2) for name, r2 in zip(spec["equations"], fitted.rsquared, strict=True)},
        "loglik": float(loglik),
        **({"clusters": clusters} if clusters else {}),
    }
    entity, time, rows = spec["entity"], spec["time"], design.rows
    return Results(
        estimator="sur",
        params=pd.Series(fitted.params, index=names),
        std_errors=pd.Series(np.sqrt(np.diag(cov_values)), index=names),
        cov=pd.DataFrame(cov_values, index=names, columns=names),
        nobs=n,
        df_resid=n * n_equations - free - (design.absorbed + len(design.dummies)) * n_equations,
        cov_type=spec["cov_type"],
        diagnostics=diagnostics,
        spec=spec,
        # the checksum of the sample as `set_index([entity, time]).sort_index().reset_index()` lays it out
        data_checksum=arrays_checksum(
            [entity, time, *design.columns],
            [np.asarray(design.frame[c])[rows] for c in (entity, time)]
            + [design.stored[c][rows] for c in design.columns]
            + [np.arange(len(rows))],
        ),
    )
