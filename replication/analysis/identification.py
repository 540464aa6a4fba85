"""Analysis: when an estimate is *not identified* (or its inference not usable), by rules stated in advance.

One rule set for the claims (``replication/claims/engine.py``) and the tables of the report, which print "not
identified" in place of such an estimate's numbers. The thresholds live in ``config/claims.toml [rules]``.

- non-finite coefficient or standard error, or a zero standard error (a rank-deficient design);
- dynamic GMM: instruments at least as many as units (the weight matrix cannot be estimated), a singular
  weight matrix (generalised inverse used), or a degenerate Hansen test (p-value within ``hansen_edge`` of 0
  or 1);
- fewer clusters than ``min_clusters`` (cluster-robust and wild-bootstrap inference need more);
- no cluster-robust inference: an unadjusted covariance and no wild bootstrap.
"""

from __future__ import annotations

import math

import numpy as np

from replication.estimators.results import Results

DEFAULTS = {"min_clusters": 6, "hansen_edge": 1e-6}


def failures(
    result: Results, terms: list[str] | None = None, *, rules: dict | None = None, inference: bool = True
) -> list[str]:
    """The reasons why ``result`` (or its ``terms``) cannot carry a number; empty when it can.

    ``inference=False`` checks the estimate alone (what a table may print); ``True`` adds the checks on its
    inference (clusters, covariance) that a verdict needs.
    """
    rules = {**DEFAULTS, **(rules or {})}
    reasons = []
    names = [n for n in (terms or list(result.params.index)) if n in result.params.index]
    # as arrays: a pooled model has hundreds of terms and this runs for every table cell and claim
    params = result.params.reindex(names).to_numpy(dtype=float)
    std_errors = result.std_errors.reindex(names).to_numpy(dtype=float)
    usable = np.isfinite(params) & np.isfinite(std_errors) & (std_errors > 0)
    bad = [n for n, ok in zip(names, usable, strict=True) if not ok]
    if len(bad) == 1:
        reasons.append(f"{bad[0]}: non-finite or zero standard error")
    elif bad:
        reasons.append(f"{len(bad)} terms with non-finite or zero standard errors ({bad[0]}, ...)")
    d = result.diagnostics
    if result.estimator.endswith("gmm"):
        if d.get("n_instruments", 0) >= d.get("n_entities", math.inf):
            reasons.append(f"{d['n_instruments']} instruments >= {d['n_entities']} units")
        if d.get("generalised_inverse_used"):
            reasons.append("singular weight matrix (generalised inverse)")
        p = d.get("hansen_j", {}).get("pvalue", math.nan)
        if isinstance(p, float) and (p <= rules["hansen_edge"] or p >= 1 - rules["hansen_edge"]):
            reasons.append(f"degenerate Hansen test (p = {p:.3g})")
    if not inference:
        return reasons
    clusters = d.get("clusters", d.get("n_entities"))
    # one vocabulary: `clustered` (and GMM's `windmeijer`, clustered by entity) are cluster-robust; `robust` is
    # heteroskedasticity-robust only, `unadjusted` neither
    clustered = result.cov_type in ("clustered", "windmeijer") and isinstance(clusters, int)
    if clustered and clusters < rules["min_clusters"]:
        reasons.append(f"{clusters} clusters < {rules['min_clusters']}")
    if result.cov_type in ("unadjusted", "robust") and not result.bootstrap:
        reasons.append(f"no cluster-robust inference ({result.cov_type} covariance)")
    return reasons
