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

import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import pandas as pd

from replication.core import config
from replication.core.config import relative_to_root
from replication.core.errors import ConfigError
from replication.core.fileio import read_parquet
from replication.core.layout import Layout
from replication.estimators.data import NotIdentifiedError
from replication.estimators.results import Results
from replication.specs.files import instance_names, instances
from replication.specs.fit import fit
from replication.specs.schema import (
    ESTIMATORS,
    allowed_keys,
    family,
    validate_inference,
    validate_model,
)

KEYS = {
    "top": {"title", "description", "data", "model", "inference", "reference", "report", "hide", "variants"},
    "data": {"path", "panel", "entity", "time", "columns", "sample", "dropna"},
    "variant": {"name", "description", "data", "model", "inference"},
}


@dataclass(frozen=True)
class Spec:
    """A validated estimation spec: ``data``, ``model`` and ``inference`` as written, and the typed ``[model]``
    and ``[inference]`` of the estimator's family (:mod:`replication.specs.schema`) with every default filled."""

    path: Path
    name: str
    title: str
    data: dict
    model: dict
    inference: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict, repr=False)
    typed_model: Any = field(default=None, repr=False)
    typed_inference: Any = field(default=None, repr=False)
    variants: dict[str, Spec] = field(default_factory=dict, repr=False)  # the validated variants (main spec only)


def _check_keys(section: dict, allowed: set[str], where: str, path: Path) -> None:
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {unknown} in {where}; allowed: {sorted(allowed)}")


def load_specs(path: str | Path) -> dict[str, Spec]:
    """Every spec a file stands for, by name (its stem, or ``<stem>_<value>`` per value of its
    ``[parameters]``; :mod:`replication.specs.files`), each validated with its variants."""
    path = Path(path)
    return {name: _checked(raw, path, name) for name, raw in instances(path).items()}


def load_spec(path: str | Path) -> Spec:
    """Read and validate a spec file that stands for one spec (its main model; variants: :func:`spec_variants`)."""
    specs = load_specs(path)
    if len(specs) != 1:
        raise ConfigError(f"{path}: stands for the specs {sorted(specs)} (its [parameters]); name one of them")
    return next(iter(specs.values()))


def find_spec(name: str, folder: str = "belgium") -> Spec:
    """The spec called ``name`` among the files of ``estimations/<folder>/``."""
    for path in sorted((config.project_root() / "estimations" / folder).glob("*.toml")):
        if name in instance_names(path):
            return load_specs(path)[name]
    raise ConfigError(f"no spec named {name!r} in estimations/{folder}/")


def _checked(raw: dict, path: Path, name: str) -> Spec:
    _check_keys(raw, KEYS["top"], "the spec", path)
    spec = _validate(raw, path, where="", name=name)
    names = [v.get("name") for v in raw.get("variants", [])]
    if any(not n for n in names) or len(set(names)) != len(names) or "main" in names:
        raise ConfigError(f"{path}: every [[variants]] needs a unique `name` other than 'main'; got {names}")
    variants = {}
    for variant in raw.get("variants", []):
        _check_keys(variant, KEYS["variant"], f"[[variants]] {variant['name']!r}", path)
        merged = _merge(raw, variant)
        checked = _validate(merged, path, where=f" (variant {variant['name']!r})", name=name)
        variants[variant["name"]] = replace(checked, title=f"{spec.title} [{variant['name']}]")
    return replace(spec, variants=variants)


def _validate(raw: dict, path: Path, *, where: str, name: str = "") -> Spec:
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
    typed_model = validate_model(model, path=path, where=where)
    typed_inference = validate_inference(inference, typed_model.estimator, path=path, where=where)
    return Spec(
        path=path,
        name=name or path.stem,
        title=raw.get("title", path.stem),
        data=data,
        model=model,
        inference=inference,
        raw=raw,
        typed_model=typed_model,
        typed_inference=typed_inference,
    )


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
            if estimator in ESTIMATORS:  # another estimator inherits only the keys it accepts
                _, model_cls, _ = family(estimator)
                accepted = {f.name for f in fields(model_cls)} & set(allowed_keys(model_cls, estimator))
                inherited = {k: v for k, v in inherited.items() if k in accepted}
            merged[section] = {**inherited, **variant[section]}
    model = merged.get("model", {})
    if "model" in variant and model.get("estimator") in ESTIMATORS:
        # another estimator inherits only the inference keys it accepts; the variant's own keys are checked (an
        # empty `bootstrap = {}`, "off", is a no-op for estimators without a bootstrap)
        _, _, inference_cls = family(model["estimator"])
        accepted = set(allowed_keys(inference_cls, model["estimator"]))
        own = dict(variant.get("inference", {}))
        if own.get("bootstrap") == {} and "bootstrap" not in accepted:
            own.pop("bootstrap")
        inherited = {k: v for k, v in base.get("inference", {}).items() if k in accepted}
        merged["inference"] = {**inherited, **own}
    merged["variant"] = variant["name"]
    return merged


def spec_variants(spec: Spec) -> dict[str, Spec]:
    """``{"main": spec, <variant name>: spec with the variant merged}`` in file order (validated once, when the
    file was loaded)."""
    return {"main": spec, **spec.variants}


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
    if source.exists() and not source.is_file():
        raise ConfigError(f"{spec.path}: [data] path = {relative_to_root(source)!r} is a folder, not a data file")
    if not source.exists():
        panel = spec.data.get("panel")
        target = "skills" if panel == "skills" else "panel" if panel else "data"
        raise ConfigError(f"{spec.path}: data file {relative_to_root(source)} not found (run `make {target}`)")
    advice = "`make all` rebuilds it" if spec.data.get("panel") else "check the spec's [data] path"
    return read_parquet(source, advice=advice) if source.suffix == ".parquet" else pd.read_csv(source)


def named_columns(frame: pd.DataFrame, expression: str) -> pd.DataFrame:
    """The columns of ``frame`` that a pandas expression may name: every identifier in it that is a column (all
    columns when it quotes a name in backticks). ``frame.eval``/``frame.query`` first make a Series of every
    column of the frame they are called on, 14 ms per call on the 300-column panel; on these columns alone
    the result is the same (same rows, index and values)."""
    if "`" in expression:
        return frame
    names = dict.fromkeys(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", expression))
    return frame[[name for name in names if name in frame.columns]]


def select_rows(frame: pd.DataFrame, sample: str, local_dict: dict) -> pd.DataFrame:
    """``frame.query(sample, local_dict=...)``, evaluated on the columns the sample names."""
    return frame.loc[named_columns(frame, sample).eval(sample, local_dict=local_dict)]


def add_columns(spec: Spec, frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with the spec's derived columns (``[data.columns]``, pandas expressions)."""
    frame = frame.copy()
    for name, expression in spec.data.get("columns", {}).items():
        try:
            frame[name] = named_columns(frame, expression).eval(expression)
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
            frame = select_rows(frame, spec.data["sample"], local)
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
    model, inference = spec.typed_model, spec.typed_inference
    result = fit(frame, model, inference, entity=spec.data["entity"], time=spec.data["time"])
    full_spec = {
        "file": relative_to_root(spec.path),
        "name": spec.name,
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
