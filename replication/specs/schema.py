"""The spec language, typed: one dataclass per estimator family for ``[model]`` and one for ``[inference]``.

Each field carries its documentation and the estimators it applies to; :func:`validate_model` and
:func:`validate_inference` turn a TOML table into the typed object or raise a one-line
:class:`~replication.core.errors.ConfigError` naming the file, the key and what is allowed (an unknown key, a key
that does not apply to the estimator, e.g. ``cluster`` for GMM or ``bandwidth`` for IV, a value of the wrong type
or outside its choices). ``docs/specs.md``'s key tables are generated from these classes
(:func:`key_tables`; ``make lint`` checks they are current).
"""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from replication.core.errors import ConfigError

STATIC = ("pooled", "within", "first_difference")
IV = ("iv2sls", "ivgmm")
GMM = ("difference_gmm", "system_gmm")
SUR = ("sur",)
ESTIMATORS = (*STATIC, *IV, *GMM, *SUR)


#: the most bootstrap draws a spec may ask for (each draw costs one pass over the clusters' scores)
MAX_DRAWS = 1_000_000
TERM_SYNTAX = re.compile(r"^(?:L([0-9]+)\.)?[A-Za-z_][A-Za-z0-9_]*$")


def _term(value: Any) -> str | None:
    """A column name or a lag ``L<k>.<column>`` with k >= 1."""
    match = TERM_SYNTAX.match(value) if isinstance(value, str) else None
    if match is None:
        return f"{value!r} is not a column name or a lag L<k>.<column>"
    if match.group(1) is not None and int(match.group(1)) < 1:
        return f"{value!r}: a lag L<k> needs k >= 1 (write the column itself for k = 0)"
    return None


def _terms(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "should be a list of strings"
    return next((problem for v in value if (problem := _term(v))), None)


def _nonempty_terms(value: Any) -> str | None:
    return _terms(value) or (None if value else "should name at least one term")


def _between(low: float, high: float, *, open_low: bool = False, open_high: bool = False, integer: bool = False):
    """A rule: a finite number (an integer with ``integer``) inside the bounds."""
    import math

    def rule(value: Any) -> str | None:
        ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type or not math.isfinite(value):
            return "should be " + ("an integer" if integer else "a finite number")
        if value < low or value > high or (open_low and value == low) or (open_high and value == high):
            return f"should be in {'(' if open_low else '['}{low}, {high}{')' if open_high else ']'}"
        return None

    return rule


def _lags(value: Any) -> str | None:
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )
    if not ok or not 1 <= value[0] <= value[1]:
        return "should be [min, max] whole lags with 1 <= min <= max"
    return None


def key(
    doc: str, *, default: Any = MISSING, applies: tuple[str, ...] = (), choices: tuple = (), rule: Any = None
) -> Any:
    """A spec key: its documentation, default, the estimators it applies to (all of the family when empty),
    its allowed values and a further rule (a function returning why a value is refused, or None)."""
    metadata = {"doc": doc, "applies": applies, "choices": choices, "rule": rule}
    if default is MISSING:
        return field(metadata=metadata)
    if isinstance(default, list | dict):
        return field(default_factory=lambda d=default: type(d)(d), metadata=metadata)
    return field(default=default, metadata=metadata)


# ---------------------------------------------------------------------------------------------- [model]
@dataclass(frozen=True, kw_only=True)
class StaticModel:
    """``pooled``, ``within``, ``first_difference`` (linearmodels PooledOLS, FirstDifferenceOLS; within: PanelOLS,
    or the same on the swept data when unweighted with a clustered or robust covariance)."""

    estimator: str = key("`pooled`, `within` or `first_difference`", choices=STATIC)
    dependent: str = key("dependent variable (a column or a lag `L<k>.<column>`)", rule=_term)
    regressors: list = key("regressor terms (columns or lags `L<k>.<column>`, k >= 1)", rule=_nonempty_terms)
    time_effects: bool = key("period effects (within: swept out; pooled, first differences: dummies)", default=False)
    entity_trends: bool = key("entity-specific linear trends", default=False, applies=("within",))
    constant: bool = key(
        "intercept (pooled) or drift (first differences)", default=True, applies=("pooled", "first_difference")
    )
    weights: str | None = key("column of analytic weights", default=None)
    absorb: list = key(
        "columns of further fixed effects (e.g. `country_year`; their coefficients are not stored, their count is in "
        "the diagnostics); a regressor inside them is not identified",
        default=[],
        applies=("pooled", "within"),
    )


@dataclass(frozen=True, kw_only=True)
class IVModel:
    """``iv2sls``, ``ivgmm`` (linearmodels IV2SLS, IVGMM after within-demeaning)."""

    estimator: str = key("`iv2sls` or `ivgmm`", choices=IV)
    dependent: str = key("dependent variable", rule=_term)
    exog: list = key("exogenous regressors", default=[], rule=_terms)
    endog: list = key("endogenous regressors", rule=_nonempty_terms)
    instruments: list = key("excluded instruments (at least as many as `endog`)", rule=_nonempty_terms)
    entity_effects: bool = key("entity effects swept out by within-demeaning", default=True)
    time_effects: bool = key("period dummies", default=False)


@dataclass(frozen=True, kw_only=True)
class GMMStyleSpec:
    """One GMM-style instrument block."""

    variable: str = key("the instrumented variable", rule=_term)
    lags: list = key(
        "`[min, max]` lags, 1 <= min <= max (max may be large: all available)", default=[2, 99], rule=_lags
    )
    collapse: bool = key("one instrument column per lag instead of per period", default=False)


@dataclass(frozen=True, kw_only=True)
class GMMModel:
    """``difference_gmm``, ``system_gmm`` (Arellano-Bond, Blundell-Bond)."""

    estimator: str = key("`difference_gmm` or `system_gmm`", choices=GMM)
    dependent: str = key("dependent variable", rule=_term)
    regressors: list = key("regressor terms, lags of the dependent variable included (`L1.n`)", rule=_nonempty_terms)
    gmm: list = key("GMM-style blocks `{variable, lags = [min, max], collapse}`")
    iv: list | None = key("IV-style terms (default: the regressors without GMM instruments)", default=None, rule=_terms)
    time_effects: bool = key("period dummies", default=True)
    steps: int = key("1 or 2 (two-step with Windmeijer's correction)", default=2, choices=(1, 2))


@dataclass(frozen=True, kw_only=True)
class SURModel:
    """``sur``: seemingly unrelated regressions (share systems) with cross-equation restrictions."""

    estimator: str = key("`sur`", choices=SUR)
    equations: dict = key(
        "`[model.equations.<name>]` tables with `dependent` and `regressors` (at least one equation)",
        rule=lambda v: None if v else "should have at least one [model.equations.<name>] table",
    )
    entity_effects: bool = key("entity effects swept out by demeaning every equation", default=True)
    restrictions: list = key('linear restrictions, e.g. `"low_ln_rw_ms = medium_ln_rw_ls"`', default=[])
    method: str = key(
        "`ols`, `fgls` or `iterated` (maximum likelihood)", default="iterated", choices=("ols", "fgls", "iterated")
    )
    absorb: list = key(
        "columns of further fixed effects, swept out of every equation (their count is in the diagnostics)", default=[]
    )


# ---------------------------------------------------------------------------------------------- [inference]
@dataclass(frozen=True, kw_only=True)
class BootstrapSpec:
    """``[inference.bootstrap]``: the restricted wild cluster bootstrap (pooled and within models)."""

    draws: int = key(
        f"number of draws, 1 to {MAX_DRAWS:,} (all 2^G sign patterns when Rademacher and 2^G <= draws)",
        default=9999,
        rule=_between(1, MAX_DRAWS, integer=True),
    )
    weights: str = key("`webb` (six-point) or `rademacher`", default="webb", choices=("webb", "rademacher"))
    seed: int = key(
        "seed of numpy's PCG64 (a non-negative integer)", default=20261123, rule=_between(0, 2**63 - 1, integer=True)
    )
    level: float = key(
        "confidence level of the test-inversion interval, in (0, 1)",
        default=0.95,
        rule=_between(0, 1, open_low=True, open_high=True),
    )
    terms: list = key("terms to bootstrap (default: every regressor)", default=[], rule=_terms)


@dataclass(frozen=True, kw_only=True)
class StaticInference:
    """Covariance of pooled, within and first-difference models."""

    cov_type: str = key(
        "`unadjusted`, `robust`, `clustered` or `driscoll_kraay`",
        default="clustered",
        choices=("unadjusted", "robust", "clustered", "driscoll_kraay"),
    )
    cluster: str | None = key("column to cluster on (default: the entity); needs `clustered`", default=None)
    bandwidth: float | None = key(
        "Driscoll-Kraay lags (0 to 100); needs `driscoll_kraay`", default=None, rule=_between(0, 100)
    )
    debiased: bool = key("small-sample factors and t tests on G - 1 (clustered) degrees of freedom", default=True)
    bootstrap: dict | None = key(
        "`[inference.bootstrap]` (pooled and within only; an empty table switches it off)",
        default=None,
        applies=("pooled", "within"),
    )


@dataclass(frozen=True, kw_only=True)
class IVInference:
    """Covariance of IV models."""

    cov_type: str = key(
        "`unadjusted`, `robust` or `clustered`", default="clustered", choices=("unadjusted", "robust", "clustered")
    )
    cluster: str | None = key("column to cluster on (default: the entity); needs `clustered`", default=None)
    debiased: bool = key("small-sample factors and t tests", default=True)


@dataclass(frozen=True, kw_only=True)
class GMMInference:
    """Covariance of dynamic panel GMM."""

    cov_type: str | None = key(
        "one step: `clustered` (by entity); two steps: `windmeijer` (clustered by entity, Windmeijer-corrected; "
        "default) or `unadjusted`",
        default=None,
        choices=(None, "clustered", "windmeijer", "unadjusted"),
    )


@dataclass(frozen=True, kw_only=True)
class SURInference:
    """Covariance of SUR systems."""

    cov_type: str = key(
        "`unadjusted`, `robust` or `clustered`", default="unadjusted", choices=("unadjusted", "robust", "clustered")
    )
    cluster: str | None = key("column to cluster on (default: the entity); needs `clustered`", default=None)


FAMILIES: dict[str, tuple[tuple[str, ...], type, type]] = {
    "static": (STATIC, StaticModel, StaticInference),
    "iv": (IV, IVModel, IVInference),
    "gmm": (GMM, GMMModel, GMMInference),
    "sur": (SUR, SURModel, SURInference),
}
TYPES = {"str": str, "list": list, "bool": bool, "int": int, "float": (int, float), "dict": dict}


def family(estimator: str) -> tuple[tuple[str, ...], type, type]:
    for estimators, model, inference in FAMILIES.values():
        if estimator in estimators:
            return estimators, model, inference
    raise ValueError(estimator)


def allowed_keys(cls: type, estimator: str) -> list[str]:
    """The keys of ``cls`` that apply to ``estimator``."""
    return [f.name for f in fields(cls) if not f.metadata.get("applies") or estimator in f.metadata["applies"]]


def _build(cls: type, table: dict, *, estimator: str, where: str, path: Path) -> Any:
    """The typed object of a TOML table, or a one-line ConfigError."""
    allowed = allowed_keys(cls, estimator)
    for name in table:
        if name not in allowed:
            known = {f.name for f in fields(cls)}
            why = f"does not apply to {estimator}" if name in known else "is unknown"
            raise ConfigError(f"{path}: {where} key {name!r} {why}; allowed: {sorted(allowed)}")
    values = {}
    for f in fields(cls):
        if f.name not in table:
            if f.default is MISSING and f.default_factory is MISSING:
                raise ConfigError(f"{path}: {where} needs `{f.name}` ({f.metadata['doc']})")
            continue
        value = table[f.name]
        names = [t.strip() for t in str(f.type).split("|")]
        expected = tuple(TYPES[t] for t in names if t in TYPES)
        wrong = not isinstance(value, expected) or (isinstance(value, bool) and "bool" not in names)
        if value is not None and expected and wrong:
            raise ConfigError(f"{path}: {where} {f.name} = {value!r} should be {' or '.join(names)}")
        if f.metadata.get("choices") and value not in f.metadata["choices"]:
            choices = [c for c in f.metadata["choices"] if c is not None]
            raise ConfigError(f"{path}: {where} {f.name} = {value!r} is not one of {choices}")
        rule = f.metadata.get("rule")
        if value is not None and rule is not None and (problem := rule(value)):
            raise ConfigError(f"{path}: {where} {f.name} = {value!r}: {problem}")
        values[f.name] = value
    return cls(**values)


def validate_model(model: dict, *, path: Path, where: str = "") -> Any:
    """The typed ``[model]`` of a spec (family chosen by ``estimator``)."""
    estimator = model.get("estimator")
    if estimator not in ESTIMATORS:
        raise ConfigError(f"{path}: [model]{where} estimator {estimator!r} is not one of {list(ESTIMATORS)}")
    _, model_cls, _ = family(estimator)
    typed = _build(model_cls, model, estimator=estimator, where=f"[model]{where}", path=path)
    if isinstance(typed, GMMModel):
        for i, block in enumerate(typed.gmm):
            if not isinstance(block, dict):
                raise ConfigError(f"{path}: [model]{where} gmm[{i}] should be a table {{variable, lags, collapse}}")
            _build(GMMStyleSpec, block, estimator=estimator, where=f"[model]{where} gmm[{i}]", path=path)
    if isinstance(typed, SURModel):
        for name, equation in typed.equations.items():
            unknown = sorted(set(equation) - {"dependent", "regressors"})
            if unknown or {"dependent", "regressors"} - set(equation):
                raise ConfigError(
                    f"{path}: [model.equations.{name}]{where} needs exactly `dependent` and `regressors`; got "
                    f"{sorted(equation)}"
                )
            problem = _term(equation["dependent"]) or _nonempty_terms(equation["regressors"])
            if problem:
                raise ConfigError(f"{path}: [model.equations.{name}]{where} {problem}")
    return typed


def validate_inference(inference: dict, estimator: str, *, path: Path, where: str = "") -> Any:
    """The typed ``[inference]`` for ``estimator``: keys and values the estimator accepts, and the pairs that
    only make sense together (``cluster`` with ``clustered``, ``bandwidth`` with ``driscoll_kraay``)."""
    _, _, inference_cls = family(estimator)
    typed = _build(inference_cls, inference, estimator=estimator, where=f"[inference]{where}", path=path)
    cov_type = getattr(typed, "cov_type", None)
    if getattr(typed, "cluster", None) is not None and cov_type != "clustered":
        raise ConfigError(f"{path}: [inference]{where} `cluster` needs cov_type = 'clustered' (got {cov_type!r})")
    if getattr(typed, "bandwidth", None) is not None and cov_type != "driscoll_kraay":
        raise ConfigError(f"{path}: [inference]{where} `bandwidth` needs cov_type = 'driscoll_kraay'")
    boot = getattr(typed, "bootstrap", None)
    if boot:
        _build(BootstrapSpec, boot, estimator=estimator, where=f"[inference.bootstrap]{where}", path=path)
    return typed


# ---------------------------------------------------------------------------------------------- docs
def _default(f: Any) -> str:
    if f.default is not MISSING:
        return "" if f.default is None else f"`{str(f.default).lower() if isinstance(f.default, bool) else f.default}`"
    if f.default_factory is not MISSING:
        value = f.default_factory()
        return f"`{value}`" if value else ""
    return "required"


def key_tables() -> str:
    """The Markdown key tables of every family (the generated part of ``docs/specs.md``)."""
    blocks = []
    classes = [(FAMILIES[name][1], FAMILIES[name][0]) for name in FAMILIES]
    classes += [(GMMStyleSpec, GMM)]
    classes += [(FAMILIES[name][2], FAMILIES[name][0]) for name in FAMILIES] + [(BootstrapSpec, ("pooled", "within"))]
    for cls, estimators in classes:
        doc = re.sub(r"\s+", " ", cls.__doc__ or "").strip().replace("``", "`")
        lines = [f"### `{cls.__name__}`: {doc}", "", "| key | default | applies to | meaning |", "|---|---|---|---|"]
        for f in fields(cls):
            applies = ", ".join(f.metadata.get("applies") or estimators)
            lines.append(f"| `{f.name}` | {_default(f)} | {applies} | {f.metadata['doc']} |")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


BEGIN, END = "<!-- generated by `python -m replication spec-docs`: begin -->", "<!-- generated: end -->"


def docs_with_tables(text: str) -> str:
    """``docs/specs.md`` with its generated block replaced by the current :func:`key_tables`."""
    return with_block(text, key_tables(), BEGIN, END)


def with_block(text: str, block: str, begin: str, end: str) -> str:
    """``text`` with the part between the markers ``begin`` and ``end`` replaced by ``block``."""
    if begin not in text or end not in text:
        raise ConfigError(f"no generated block ({begin} ... {end}) in the document")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n\n{block}\n{end}{tail}"
