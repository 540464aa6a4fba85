"""The one results object all estimators return, and its tidy coefficient table.

``Results`` is immutable; reporting uses :meth:`Results.tidy` only (never estimator internals).
It serialises to JSON at full precision (floats written with ``repr``, NaN as ``null``) and reads
back equal (:meth:`Results.to_json`, :meth:`Results.from_json`).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from replication import __version__

SCHEMA_VERSION = 1


def _clean(value: Any) -> Any:
    """JSON-safe copy: NaN -> None, +-inf -> "inf"/"-inf" (an unbounded interval stays unbounded), numpy
    scalars -> Python, tuples -> lists."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if all(type(v) is float for v in value) and all(map(math.isfinite, value)):
            return list(value)  # finite floats stay as they are (a covariance row: one check, not one call each)
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _restore(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [np.nan if v is None else _restore(v) for v in value]
    if value in ("inf", "-inf"):
        return float(value)
    return np.nan if value is None else value


@dataclass(frozen=True)
class Glance:
    """:meth:`Results.glance`: one row per model; counts are ``None`` where the estimator has none."""

    estimator: str
    nobs: int
    n_entities: int | None
    n_periods: int | None
    rsquared: float
    cov_type: str
    clusters: int | None
    df_resid: int
    n_instruments: int | None
    hansen_pvalue: float
    ar2_pvalue: float


def _count(value: Any) -> int | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)


@dataclass(frozen=True)
class Results:
    """Estimates with their inference and diagnostics.

    Attributes
    ----------
    estimator : str
        Method name (``within``, ``first_difference``, ``pooled``, ``iv2sls``, ``ivgmm``,
        ``difference_gmm``, ``system_gmm``, ``sur``).
    params, std_errors : Series
        Coefficients and standard errors indexed by term.
    cov : DataFrame
        Covariance matrix of ``params``.
    nobs, df_resid : int
        Observations used (a SUR system: per equation) and the degrees of freedom of the t/F reference
        distributions: residual degrees of freedom, or G - 1 with a clustered covariance of G clusters (static
        panel models).
    cov_type : str
        Inference behind ``std_errors`` (``unadjusted``, ``robust``, ``clustered``, ``driscoll_kraay``,
        ``windmeijer``, ...).
    diagnostics : dict
        Estimator-specific statistics (R², instrument count, Hansen J, AR(2), first-stage F, ...), each a
        number or a dict with ``stat``, ``pvalue``, ``df``.
    spec : dict
        The specification that produced the estimates.
    data_checksum : str
        SHA-256 of the estimation sample (see :func:`replication.estimators.data.frame_checksum`).
    bootstrap : dict
        Wild-bootstrap p-values and intervals by term, when computed.
    dist : str
        Reference distribution for tests on ``params``: ``normal`` or ``t`` (with ``df_resid``).
    """

    estimator: str
    params: pd.Series
    std_errors: pd.Series
    cov: pd.DataFrame
    nobs: int
    df_resid: int
    cov_type: str
    diagnostics: dict = field(default_factory=dict)
    spec: dict = field(default_factory=dict)
    data_checksum: str = ""
    bootstrap: dict = field(default_factory=dict)
    dist: str = "normal"
    package_version: str = __version__

    @property
    def tstats(self) -> pd.Series:
        return self.params / self.std_errors

    @property
    def pvalues(self) -> pd.Series:
        t = self.tstats.abs()
        if self.dist == "t":
            return pd.Series(2 * stats.t.sf(t, self.df_resid), index=self.params.index)
        return pd.Series(2 * stats.norm.sf(t), index=self.params.index)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        q = stats.t.ppf(0.5 + level / 2, self.df_resid) if self.dist == "t" else stats.norm.ppf(0.5 + level / 2)
        return pd.DataFrame({"lower": self.params - q * self.std_errors, "upper": self.params + q * self.std_errors})

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """One row per term: estimate, std_error, statistic, p_value, conf_low, conf_high (+ bootstrap)."""
        ci = self.conf_int(level)
        out = pd.DataFrame(
            {
                "term": self.params.index,
                "estimate": self.params.to_numpy(),
                "std_error": self.std_errors.to_numpy(),
                "statistic": self.tstats.to_numpy(),
                "p_value": self.pvalues.to_numpy(),
                "conf_low": ci["lower"].to_numpy(),
                "conf_high": ci["upper"].to_numpy(),
            }
        )
        if self.bootstrap:
            for key in ("p_value", "conf_low", "conf_high"):
                out[f"boot_{key}"] = [self.bootstrap.get(term, {}).get(key, np.nan) for term in out["term"]]
        return out

    def preferred(self, term: str) -> dict:
        """The inference a verdict uses for ``term``: the wild cluster bootstrap p-value and interval where they
        were computed, else the model's covariance (``cov_type``). Keys: estimate, std_error, p_value,
        conf_low, conf_high, source (``"wild bootstrap"`` or the ``cov_type``)."""
        estimate, se = float(self.params[term]), float(self.std_errors[term])
        boot = self.bootstrap.get(term, {})
        if boot and not math.isnan(boot.get("p_value", math.nan)):
            return {
                "estimate": estimate,
                "std_error": se,
                "p_value": float(boot["p_value"]),
                "conf_low": float(boot.get("conf_low", math.nan)),
                "conf_high": float(boot.get("conf_high", math.nan)),
                "source": "wild bootstrap",
            }
        ci = self.conf_int().loc[term]
        return {
            "estimate": estimate,
            "std_error": se,
            "p_value": float(self.pvalues[term]),
            "conf_low": float(ci["lower"]),
            "conf_high": float(ci["upper"]),
            "source": self.cov_type,
        }

    def wald_test(self, restrictions: pd.DataFrame | np.ndarray, values: np.ndarray | None = None) -> dict:
        r"""Wald test of :math:`R\beta = q` with the model's covariance: :math:`W = (R\hat\beta - q)'
        (R V R')^{-1} (R\hat\beta - q)`, :math:`\chi^2_J` (``dist = "normal"``) or :math:`W/J \sim
        F(J, df_{resid})` (``dist = "t"``). ``restrictions``: a (J, K) matrix, or a DataFrame whose columns
        name the parameters (missing ones are 0)."""
        if isinstance(restrictions, pd.DataFrame):
            r = restrictions.reindex(columns=self.params.index, fill_value=0.0).to_numpy(dtype=float)
        else:
            r = np.atleast_2d(np.asarray(restrictions, dtype=float))
        q = np.zeros(r.shape[0]) if values is None else np.asarray(values, dtype=float)
        gap = r @ self.params.to_numpy() - q
        middle = r @ self.cov.to_numpy() @ r.T
        stat = float(gap @ np.linalg.solve(middle, gap))
        j = r.shape[0]
        if self.dist == "t":
            return {
                "stat": stat / j,
                "pvalue": float(stats.f.sf(stat / j, j, self.df_resid)),
                "df": (j, self.df_resid),
                "dist": "F",
            }
        return {"stat": stat, "pvalue": float(stats.chi2.sf(stat, j)), "df": j, "dist": "chi2"}

    def glance(self) -> Glance:
        """One-row model summary (broom style, typed): estimator, nobs, entities, periods, R², covariance,
        clusters, degrees of freedom, and the GMM instrument count, Hansen J and AR(2) p-values (NaN where the
        estimator has none)."""
        d = self.diagnostics
        r2 = d.get("rsquared_within", d.get("rsquared", math.nan))
        return Glance(
            estimator=self.estimator,
            nobs=int(self.nobs),
            n_entities=_count(d.get("n_entities", d.get("absorbed_entity_effects"))),
            n_periods=_count(d.get("n_periods", d.get("years"))),
            rsquared=float(next(iter(r2.values()))) if isinstance(r2, dict) else float(r2),
            cov_type=self.cov_type,
            clusters=_count(d.get("clusters")),
            df_resid=int(self.df_resid),
            n_instruments=_count(d.get("n_instruments")),
            hansen_pvalue=float(d.get("hansen_j", {}).get("pvalue", math.nan)),
            ar2_pvalue=float(d.get("ar2", {}).get("pvalue", math.nan)),
        )

    def formula(self) -> str:
        """The model in one line, fixest style: ``y ~ x1 + x2 | entity + year; vcov: CR1(entity); wild
        bootstrap Webb 9,999`` (SUR: one ``y ~ x`` per equation joined by ``,``)."""
        return model_formula(self.diagnostics.get("estimator_options", self.spec), self.estimator, self.bootstrap)

    def summary(self) -> str:
        """Plain-text summary: the formula, the coefficient table and :meth:`glance`."""
        table = self.tidy().to_string(index=False, float_format=lambda v: f"{v:.6g}")
        facts = ", ".join(f"{k} = {v}" for k, v in asdict(self.glance()).items() if v is not None and not _missing(v))
        return f"{self.formula()}\n{table}\n{facts}"

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict:
        data = asdict(self)
        data["params"] = {"index": [str(k) for k in self.params.index], "values": self.params.tolist()}
        data["std_errors"] = self.std_errors.reindex(self.params.index).tolist()
        data["cov"] = {"index": list(self.cov.index), "values": self.cov.to_numpy().tolist()}
        data["schema_version"] = SCHEMA_VERSION
        return _clean(data)

    def to_json(self, path: str | Path | None = None) -> str:
        """JSON text (floats at full precision); written atomically to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"
        if path is not None:
            from replication.core.fileio import write_text

            write_text(path, text)
        return text

    @classmethod
    def from_dict(cls, data: dict) -> Results:
        data = dict(data)
        data.pop("schema_version", None)
        raw = data.pop("params")
        # numbers straight to float arrays: numpy reads None as NaN and "inf"/"-inf" as infinities, as _restore
        # does, without a Python call per element (a pooled model's covariance has 30,000)
        params = pd.Series(np.array(raw["values"], dtype=float), index=raw["index"], dtype=float)
        std_errors = pd.Series(np.array(data.pop("std_errors"), dtype=float), index=raw["index"], dtype=float)
        cov_raw = data.pop("cov")
        cov = pd.DataFrame(
            np.array(cov_raw["values"], dtype=float).reshape(len(cov_raw["index"]), -1),
            index=cov_raw["index"],
            columns=cov_raw["index"],
        )
        return cls(params=params, std_errors=std_errors, cov=cov, **{k: _restore(v) for k, v in data.items()})

    @classmethod
    def from_json(cls, text_or_path: str | Path) -> Results:
        text = str(text_or_path)
        if not text.lstrip().startswith("{"):
            text = Path(text_or_path).read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text))

    def equals(self, other: Results) -> bool:
        """Exact equality of every number and field (NaN equal to NaN)."""
        return json.dumps(self.to_dict(), sort_keys=True) == json.dumps(other.to_dict(), sort_keys=True)


def _missing(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


VCOV_NAMES = {
    "clustered": "CR1",
    "robust": "HC1",
    "unadjusted": "iid",
    "driscoll_kraay": "DK",
    "windmeijer": "Windmeijer",
}


def model_formula(options: dict, estimator: str, bootstrap: dict | None = None) -> str:
    """The model of an estimator's options (``Results.diagnostics["estimator_options"]``) as one line."""
    entity, time = options.get("entity", "entity"), options.get("time", "time")
    effects = []
    if estimator == "within" or options.get("entity_effects"):
        effects.append(entity)
    if options.get("time_effects"):
        effects.append(time)
    effects += list(options.get("absorb", []) or [])
    if options.get("entity_trends"):
        effects.append(f"{entity}[trend]")
    if estimator == "sur":
        equations = options.get("equations", {})
        body = ", ".join(f"{dep} ~ {' + '.join(regs)}" for dep, regs in equations.values())
        body = f"SUR({body})"
    elif estimator in ("iv2sls", "ivgmm"):
        exog = " + ".join(options.get("exog", [])) or "1"
        body = f"{options.get('dependent')} ~ {exog} | {' + '.join(options.get('endog', []))} ~ " + " + ".join(
            options.get("instruments", [])
        )
    elif estimator.endswith("_gmm") or estimator in ("difference_gmm", "system_gmm"):
        gmm = ", ".join(f"gmm({g['variable']}, {g['lags'][0]}:{g['lags'][1]})" for g in options.get("gmm", []))
        body = f"{options.get('dependent')} ~ {' + '.join(options.get('regressors', []))} | {gmm}"
    else:
        body = f"{options.get('dependent')} ~ {' + '.join(options.get('regressors', []))}"
        if estimator == "first_difference":
            body = f"D({body})"
    if effects:
        body += " | " + " + ".join(effects)
    cov = options.get("cov_type", "")
    vcov = cov if estimator.endswith("gmm") else VCOV_NAMES.get(cov, cov)
    if cov == "clustered":
        cluster = options.get("cluster")
        vcov += f"({cluster if isinstance(cluster, str) and cluster else entity})"
    text = f"{body}; {estimator}; vcov: {vcov}"
    first = next(iter((bootstrap or {}).values()), None)
    if first:
        text += f"; wild bootstrap {str(first.get('weights', '')).capitalize()} {int(first.get('draws', 0)):,}"
    return text
