"""One fit call for every estimator: a typed model and inference (:mod:`replication.specs.schema`) and a panel.

``fit(frame, model, inference, entity=..., time=...)`` dispatches on the model's family to the estimator
(:func:`~replication.estimators.static.estimate_static`, :func:`~replication.estimators.iv.estimate_iv`,
:class:`~replication.estimators.gmm.DynamicPanelGMM`, :func:`~replication.estimators.system.estimate_sur`), passes
the covariance (``inference.cov_type``, clusters, bandwidth, bootstrap) and returns the one
:class:`~replication.estimators.results.Results` shape (``tidy``, ``preferred``, ``wald_test``, ``glance``,
``formula``, ``summary``). The estimators stay callable on their own with plain keywords.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd

from replication.estimators.gmm import DynamicPanelGMM, GMMStyle
from replication.estimators.inference import BootstrapOptions
from replication.estimators.iv import estimate_iv
from replication.estimators.results import Results
from replication.estimators.static import estimate_static
from replication.estimators.system import estimate_sur
from replication.specs.schema import GMMModel, IVModel, StaticModel


def fit(frame: pd.DataFrame, model: Any, inference: Any, *, entity: str, time: str) -> Results:
    """Estimate ``model`` (a ``StaticModel``, ``IVModel``, ``GMMModel`` or ``SURModel``) on ``frame`` with the
    covariance of ``inference`` (the family's inference type)."""
    panel = {"entity": entity, "time": time}
    if isinstance(model, StaticModel):
        boot = inference.bootstrap
        bootstrap = None
        if boot:  # an empty table (a variant's `bootstrap = {}`) switches it off
            bootstrap = BootstrapOptions(**{**boot, "terms": tuple(boot.get("terms", ()))})
        options = {k: v for k, v in asdict(model).items() if k != "estimator"}
        settings = {k: v for k, v in asdict(inference).items() if k != "bootstrap"}
        return estimate_static(frame, estimator=model.estimator, **panel, **options, **settings, bootstrap=bootstrap)
    elif isinstance(model, IVModel):
        options = {k: v for k, v in asdict(model).items() if k != "estimator"}
        method = "2sls" if model.estimator == "iv2sls" else "gmm"
        return estimate_iv(frame, method=method, **panel, **options, **asdict(inference))
    elif isinstance(model, GMMModel):
        gmm = [GMMStyle(g["variable"], tuple(g.get("lags", (2, None))), g.get("collapse", False)) for g in model.gmm]
        transformation = "difference" if model.estimator == "difference_gmm" else "system"
        estimator_obj = DynamicPanelGMM(
            frame,
            gmm=gmm,
            transformation=transformation,
            dependent=model.dependent,
            regressors=list(model.regressors),
            iv=model.iv,
            time_effects=model.time_effects,
            **panel,
        )
        return estimator_obj.fit(steps=model.steps, cov_type=inference.cov_type)
    else:
        equations = {name: (eq["dependent"], list(eq["regressors"])) for name, eq in model.equations.items()}
        return estimate_sur(
            frame,
            equations=equations,
            entity_effects=model.entity_effects,
            restrictions=list(model.restrictions),
            method=model.method,
            absorb=list(model.absorb),
            **panel,
            **asdict(inference),
        )
