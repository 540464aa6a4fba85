"""Codebooks of the exported data: what each column is, and how the shipped estimates on it are specified.

:func:`spec_notes` reads a validated spec (:mod:`replication.specs.spec`) and states, for its main model and
the variants named, the sample, the equation(s), the effects, the cluster variable, the covariance's
small-sample convention and the wild bootstrap, so a codebook cannot drift from the spec it documents.
"""

from __future__ import annotations

from replication.core.config import relative_to_root
from replication.core.errors import ReplicationError
from replication.specs.spec import Spec, spec_variants

CONVENTIONS = [
    "## Conventions",
    "",
    "- **CR1** (clustered, the specs' default): the cluster sandwich times G/(G-1) x (n-1)/(n-k), G clusters, "
    'k the slope coefficients (absorbed effects not counted; R plm `vcovHC(type = "sss")`); t tests on G-1 '
    "degrees of freedom (`replication/estimators/static.py`).",
    "- **HC1** (robust): n/(n-k-N_absorbed); **unadjusted**: SSR/(n-k-N_absorbed).",
    "- **SUR systems**: the system sandwich by cluster times G/(G-1), no further factor; normal tests "
    "(`replication/estimators/system.py`).",
    "- **GMM**: two-step with the Windmeijer (2005) correction (`replication/estimators/gmm/`).",
    "- **Wild bootstrap**: restricted (the null imposed), wild cluster, by the spec's clusters; p-values and "
    "intervals by test inversion (`replication/estimators/inference.py`); the verdicts use these where present.",
    "",
]
COVARIANCE = {"clustered": "CR1", "robust": "HC1", "unadjusted": "unadjusted", "driscoll_kraay": "Driscoll-Kraay"}


def _effects(spec: Spec) -> str:
    model = spec.typed_model
    entity = spec.data["entity"]
    if model.estimator == "sur":
        parts = [f"entity effects by `{entity}` (swept out)"] if model.entity_effects else []
    elif model.estimator.endswith("gmm"):
        levels = " and the levels equations" if model.estimator == "system_gmm" else ""
        parts = [f"first differences within `{entity}`{levels}"]
    elif model.estimator == "first_difference":
        parts = [f"first differences within `{entity}`"]
    else:
        parts = [f"entity effects by `{entity}`"]
    if getattr(model, "time_effects", False):
        parts.append(f"year effects (`{spec.data['time']}`)")
    parts += [f"effects of `{c}`" for c in getattr(model, "absorb", [])]
    if getattr(model, "entity_trends", False):
        parts.append("a linear trend per entity")
    return "; ".join(parts) or "none"


def _equation(spec: Spec) -> str:
    model = spec.typed_model
    if model.estimator == "sur":
        systems = "; ".join(f"`{e['dependent']}` on `{' + '.join(e['regressors'])}`" for e in model.equations.values())
        return f"seemingly unrelated regressions ({model.method} feasible GLS): {systems}"
    weights = f", weights `{model.weights}`" if getattr(model, "weights", None) else ""
    return f"{model.estimator}: `{model.dependent}` on `{' + '.join(model.regressors)}`{weights}"


def _inference(spec: Spec) -> str:
    inference, model = spec.typed_inference, spec.typed_model
    cov = getattr(inference, "cov_type", None) or ""
    if model.estimator.endswith("gmm"):
        text = "two-step, Windmeijer-corrected s.e." if cov == "windmeijer" else cov
    else:
        cluster = getattr(inference, "cluster", None) or spec.data["entity"]
        name = COVARIANCE.get(cov, cov) if getattr(inference, "debiased", True) else f"{cov}, no small-sample factor"
        text = name + (f" by `{cluster}`" if cov == "clustered" else "")
        if model.estimator == "sur":
            text += " (system sandwich, G/(G-1), normal tests)"
    boot = getattr(inference, "bootstrap", None)
    if boot:
        terms = ", ".join(boot.get("terms", [])) or "every regressor"
        draws = f"{boot.get('weights', 'webb')}, {boot.get('draws')} draws, seed {boot.get('seed')}"
        text += f"; wild bootstrap ({draws}) for {terms}"
    return text


def spec_notes(spec: Spec, variants: list[str] | None = None) -> list[str]:
    """Markdown lines: how the main model and each named variant of ``spec`` are estimated (the conventions the
    names stand for: :data:`CONVENTIONS`)."""
    known = spec_variants(spec)
    lines = [f"### `{spec.name}` (`{relative_to_root(spec.path)}`)", ""]
    for name in variants or ["main"]:
        if name not in known:
            raise ReplicationError(f"{relative_to_root(spec.path)}: no variant {name!r} to document")
        v = known[name]
        lines += [
            f"- **{name}**: {_equation(v)}",
            f"  - sample: `{v.data.get('sample', 'all rows')}`" + (", complete rows" if v.data.get("dropna") else ""),
            f"  - effects: {_effects(v)}",
            f"  - inference: {_inference(v)}",
        ]
    others = [n for n in known if n not in (variants or ["main"])]
    if others:
        lines.append(f"- other variants in the same file: {', '.join(others)}")
    return [*lines, ""]


def column_table(columns: list[str], meanings: dict[str, str], *, what: str) -> list[str]:
    """The codebook's column table; every exported column has a meaning (a build error otherwise)."""
    missing = [c for c in columns if c not in meanings]
    if missing:
        raise ReplicationError(f"{what}: no codebook entry for column(s) {missing}")
    return ["| column | meaning |", "|---|---|", *[f"| `{c}` | {meanings[c]} |" for c in columns], ""]
