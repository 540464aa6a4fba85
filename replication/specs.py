"""Estimation specs (``estimations/**/*.toml``): read, validate, and run them.

A spec is declarative: the data (a CSV or parquet panel, entity and time columns, derived columns as
pandas expressions, a sample filter), the model (estimator, dependent variable, regressors and the
estimator's options) and the inference. Every key is checked against a closed list: a typo is an
error that names the key and the allowed ones. See ``docs/specs.md`` for every field.

Example (``estimations/validation/emplUK_ab1991_a1.toml``)::

    title = "Arellano and Bond (1991), Table 4, column a1"
    [data]
    path = "data/raw/validation/EmplUK.csv"
    entity = "firm"
    time = "year"
    [data.columns]
    n = "log(emp)"
    [model]
    estimator = "difference_gmm"
    dependent = "n"
    regressors = ["L1.n", "L2.n", "w", "L1.w"]
    gmm = [{ variable = "n", lags = [2, 99] }]
    steps = 1
    [inference]
    cov_type = "robust"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from replication import config
from replication.errors import ConfigError
from replication.estimators.data import NotIdentifiedError
from replication.estimators.gmm import DynamicPanelGMM, GMMStyle
from replication.estimators.inference import BootstrapOptions
from replication.estimators.iv import estimate_iv
from replication.estimators.results import Results
from replication.estimators.static import estimate_static
from replication.estimators.system import estimate_sur
from replication.fileio import read_toml
from replication.layout import Layout

ESTIMATORS = ("pooled", "within", "first_difference", "iv2sls", "ivgmm", "difference_gmm", "system_gmm", "sur")
KEYS = {
    "top": {"title", "description", "data", "model", "inference", "reference", "report", "variants"},
    "data": {"path", "panel", "entity", "time", "columns", "sample", "dropna"},
    "variant": {"name", "description", "data", "model", "inference"},
    "model": {
        "pooled": {"estimator", "dependent", "regressors", "time_effects", "constant", "weights", "absorb"},
        "within": {"estimator", "dependent", "regressors", "time_effects", "entity_trends", "weights", "absorb"},
        "first_difference": {"estimator", "dependent", "regressors", "time_effects", "constant", "weights"},
        "iv2sls": {"estimator", "dependent", "exog", "endog", "instruments", "entity_effects", "time_effects"},
        "ivgmm": {"estimator", "dependent", "exog", "endog", "instruments", "entity_effects", "time_effects"},
        "difference_gmm": {"estimator", "dependent", "regressors", "gmm", "iv", "time_effects", "steps"},
        "system_gmm": {"estimator", "dependent", "regressors", "gmm", "iv", "time_effects", "steps"},
        "sur": {"estimator", "equations", "entity_effects", "restrictions", "method", "absorb"},
    },
    "inference": {"cov_type", "cluster", "bandwidth", "debiased", "bootstrap"},
    "bootstrap": {"draws", "weights", "seed", "level", "terms"},
    "gmm": {"variable", "lags", "collapse"},
}


@dataclass(frozen=True)
class Spec:
    """A validated estimation spec."""

    path: Path
    title: str
    data: dict
    model: dict
    inference: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict, repr=False)


def _check_keys(section: dict, allowed: set[str], where: str, path: Path) -> None:
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {unknown} in {where}; allowed: {sorted(allowed)}")


def load_spec(path: str | Path) -> Spec:
    """Read and validate a spec file (its main model; variants: :func:`spec_variants`)."""
    path = Path(path)
    raw = read_toml(path, what="spec")
    _check_keys(raw, KEYS["top"], "the spec", path)
    spec = _validate(raw, path, where="")
    names = [v.get("name") for v in raw.get("variants", [])]
    if any(not n for n in names) or len(set(names)) != len(names) or "main" in names:
        raise ConfigError(f"{path}: every [[variants]] needs a unique `name` other than 'main'; got {names}")
    for variant in raw.get("variants", []):
        _check_keys(variant, KEYS["variant"], f"[[variants]] {variant['name']!r}", path)
        _validate(_merge(raw, variant), path, where=f" (variant {variant['name']!r})")
    return spec


def _validate(raw: dict, path: Path, *, where: str) -> Spec:
    for section in ("data", "model"):
        if section not in raw:
            raise ConfigError(f"{path}: missing [{section}] section")
    data, model, inference = raw["data"], raw["model"], raw.get("inference", {})
    _check_keys(data, KEYS["data"], f"[data]{where}", path)
    if ("path" in data) == bool(data.get("panel")):
        raise ConfigError(f"{path}: [data]{where} needs either `path` or `panel = true`")
    for key in ("entity", "time"):
        if key not in data:
            raise ConfigError(f"{path}: [data]{where} needs `{key}`")
    estimator = model.get("estimator")
    if estimator not in ESTIMATORS:
        raise ConfigError(f"{path}: [model]{where} estimator {estimator!r} is not one of {list(ESTIMATORS)}")
    _check_keys(model, KEYS["model"][estimator], f"[model] of a {estimator} spec{where}", path)
    _check_keys(inference, KEYS["inference"], f"[inference]{where}", path)
    _check_keys(inference.get("bootstrap", {}), KEYS["bootstrap"], f"[inference.bootstrap]{where}", path)
    for i, g in enumerate(model.get("gmm", [])):
        _check_keys(g, KEYS["gmm"], f"[model] gmm[{i}]{where}", path)
    return Spec(path=path, title=raw.get("title", path.stem), data=data, model=model, inference=inference, raw=raw)


def _merge(base: dict, variant: dict) -> dict:
    """The spec with a variant's ``data``/``model``/``inference`` tables merged over the main ones.

    A variant that names another estimator inherits only the main model's keys that estimator accepts;
    its own keys are checked like the main ones.
    """
    merged = {k: v for k, v in base.items() if k != "variants"}
    for section in ("data", "model", "inference"):
        if section in variant:
            inherited = dict(base.get(section, {}))
            estimator = variant[section].get("estimator") if section == "model" else None
            if estimator in KEYS["model"]:  # another estimator inherits only the keys it accepts
                inherited = {k: v for k, v in inherited.items() if k in KEYS["model"][estimator]}
            merged[section] = {**inherited, **variant[section]}
    merged["variant"] = variant["name"]
    return merged


def spec_variants(spec: Spec) -> dict[str, Spec]:
    """``{"main": spec, <variant name>: spec with the variant merged}`` in file order."""
    out = {"main": spec}
    for variant in spec.raw.get("variants", []):
        raw = _merge(spec.raw, variant)
        out[variant["name"]] = Spec(
            path=spec.path,
            title=f"{spec.title} [{variant['name']}]",
            data=raw["data"],
            model=raw["model"],
            inference=raw.get("inference", {}),
            raw=raw,
        )
    return out


def spec_source(spec: Spec, layout: Layout | None = None) -> Path:
    """The data file a spec reads: the skill estimation panel (``panel = "skills"``), the vintage's estimation
    panel (``panel = true``), or its ``path`` (relative to the project root)."""
    layout = layout or Layout()
    panel = spec.data.get("panel")
    if panel == "skills":
        return layout.skill_estimation_panel
    if panel:
        return layout.panel
    source = Path(spec.data["path"])
    return source if source.is_absolute() else config.project_root() / source


def read_source(spec: Spec, layout: Layout | None = None) -> pd.DataFrame:
    """The spec's data as read (parquet or CSV); a missing file names the Make target that builds it."""
    source = spec_source(spec, layout)
    if not source.exists():
        panel = spec.data.get("panel")
        target = "skills" if panel == "skills" else "panel" if panel else "data"
        raise ConfigError(f"{spec.path}: data file {relative_to_root(source)} not found (run `make {target}`)")
    return pd.read_parquet(source) if source.suffix == ".parquet" else pd.read_csv(source)


def add_columns(spec: Spec, frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with the spec's derived columns (``[data.columns]``, pandas expressions)."""
    frame = frame.copy()
    for name, expression in spec.data.get("columns", {}).items():
        try:
            frame[name] = frame.eval(expression)
        except Exception as exc:  # pandas raises several types for a bad expression
            raise ConfigError(
                f"{spec.path}: [data.columns] {name} = {expression!r} cannot be evaluated ({exc})"
            ) from exc
    return frame


def prepare_data(
    spec: Spec, frame: pd.DataFrame, *, country: str = config.DEFAULT_COUNTRY, context: dict | None = None
) -> tuple[pd.DataFrame, int]:
    """Derived columns, the sample and (``dropna``) the rows missing a used variable; returns the frame
    and the number of rows dropped. In ``sample``, ``@country`` is the country of the run and ``@<name>``
    any entry of ``context`` (e.g. ``@pooled_countries``)."""
    frame = add_columns(spec, frame)
    if "sample" in spec.data:
        local = {"country": country, **(context or {})}
        try:
            frame = frame.query(spec.data["sample"], local_dict=local)
        except Exception as exc:
            raise ConfigError(
                f"{spec.path}: [data] sample {spec.data['sample']!r} cannot be evaluated ({exc})"
            ) from exc
    if frame.empty:
        raise NotIdentifiedError(f"the sample {spec.data.get('sample', '')!r} selects no row")
    dropped = 0
    if spec.data.get("dropna"):
        columns = [c for c in used_columns(spec) if c in frame.columns]
        empty = [c for c in columns if frame[c].isna().all()]
        if empty:
            raise NotIdentifiedError(f"no data in the sample for {', '.join(empty)}")
        complete = frame[columns].notna().all(axis=1)
        dropped = int((~complete).sum())
        frame = frame[complete]
    return frame.reset_index(drop=True), dropped


def run_spec(
    spec: Spec,
    data: pd.DataFrame | None = None,
    *,
    layout: Layout | None = None,
    country: str = config.DEFAULT_COUNTRY,
    context: dict | None = None,
) -> Results:
    """Estimate the spec's model and return the results with the spec attached.

    ``data`` replaces the spec's source file (e.g. the estimation panel already in memory); the derived
    columns, sample and ``dropna`` of the spec apply to it either way.
    """
    source = read_source(spec, layout) if data is None else data
    frame, dropped = prepare_data(spec, source, country=country, context=context)
    model, inference = dict(spec.model), dict(spec.inference)
    estimator = model.pop("estimator")
    panel = {"entity": spec.data["entity"], "time": spec.data["time"]}
    boot = inference.pop("bootstrap", None)
    bootstrap = None
    if boot:  # an empty table (a variant's `bootstrap = {}`) switches it off
        boot = dict(boot)
        boot["terms"] = tuple(boot.get("terms", ()))
        bootstrap = BootstrapOptions(**boot)
    if estimator in ("pooled", "within", "first_difference"):
        result = estimate_static(frame, estimator=estimator, **panel, **model, **inference, bootstrap=bootstrap)
    elif estimator in ("iv2sls", "ivgmm"):
        _no_bootstrap(bootstrap, estimator, spec)
        inference.pop("bandwidth", None)
        result = estimate_iv(frame, method="2sls" if estimator == "iv2sls" else "gmm", **panel, **model, **inference)
    elif estimator in ("difference_gmm", "system_gmm"):
        _no_bootstrap(bootstrap, estimator, spec)
        steps = model.pop("steps", 2)
        gmm = [
            GMMStyle(g["variable"], tuple(g.get("lags", (2, None))), g.get("collapse", False)) for g in model.pop("gmm")
        ]
        transformation = "difference" if estimator == "difference_gmm" else "system"
        estimator_obj = DynamicPanelGMM(frame, gmm=gmm, transformation=transformation, **panel, **model)
        result = estimator_obj.fit(steps=steps, cov_type=inference.get("cov_type"))
    else:
        _no_bootstrap(bootstrap, estimator, spec)
        equations = {name: (eq["dependent"], list(eq["regressors"])) for name, eq in model.pop("equations").items()}
        result = estimate_sur(frame, equations=equations, **panel, **model, **inference)
    full_spec = {
        "file": relative_to_root(spec.path),
        "title": spec.title,
        **{k: v for k, v in spec.raw.items() if k != "variants"},
    }
    diagnostics = {**result.diagnostics, "estimator_options": result.spec, "rows_dropped_missing": dropped}
    return Results(**{**result.__dict__, "spec": full_spec, "diagnostics": diagnostics})


def used_columns(spec: Spec) -> list[str]:
    """Data columns the spec's model uses (lags mapped to their variables), for ``dropna``."""
    from replication.estimators.data import parse_term

    model, terms = spec.model, []
    for key in ("dependent", "weights"):
        if model.get(key):
            terms.append(model[key])
    for key in ("regressors", "exog", "endog", "instruments", "iv"):
        terms += list(model.get(key, []))
    terms += [g["variable"] for g in model.get("gmm", [])]
    for equation in model.get("equations", {}).values():
        terms += [equation["dependent"], *equation["regressors"]]
    if spec.inference.get("cluster"):
        terms.append(spec.inference["cluster"])
    return sorted({parse_term(t)[0] for t in terms})


def _no_bootstrap(bootstrap: BootstrapOptions | None, estimator: str, spec: Spec) -> None:
    if bootstrap is not None:
        raise ConfigError(
            f"{spec.path}: [inference.bootstrap] is available for pooled and within models, not {estimator}"
        )


def relative_to_root(path: Path) -> str:
    """``path`` relative to the project root where it lies below it (outputs do not depend on the cwd)."""
    try:
        return str(path.resolve().relative_to(config.project_root()))
    except ValueError:
        return str(path)
