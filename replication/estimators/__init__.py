"""Generic panel estimators: any panel DataFrame, any variables; the Belgian choices live in the specs.

Public API
----------
- :func:`estimate_static` — pooled OLS, within (entity effects, time effects, trends), first differences
- :func:`estimate_iv` — 2SLS / efficient GMM with first-stage and over-identification diagnostics
- :class:`DynamicPanelGMM`, :class:`GMMStyle` — Arellano-Bond difference and Blundell-Bond system GMM
- :func:`estimate_sur` — SUR share systems with absorbed effects and cross-equation restrictions
- :class:`WildClusterBootstrap`, :class:`BootstrapOptions` — restricted wild cluster bootstrap
- the spec -> estimator call (``replication.specs.fit``) belongs to the spec language, not here
- :class:`Results` — the one results object (``tidy()``, ``preferred()``, ``wald_test()``, ``glance()``,
  ``formula()``, ``summary()``, JSON round trip)

Every estimator is validated against an independent implementation or a published table
(``docs/specs.md``, section "Validation").
"""

from replication.estimators.data import EstimationError
from replication.estimators.gmm import DynamicPanelGMM, GMMStyle
from replication.estimators.inference import BootstrapOptions, WildClusterBootstrap
from replication.estimators.iv import estimate_iv
from replication.estimators.results import Results
from replication.estimators.static import estimate_static
from replication.estimators.system import estimate_sur

__all__ = [
    "BootstrapOptions",
    "DynamicPanelGMM",
    "EstimationError",
    "GMMStyle",
    "Results",
    "WildClusterBootstrap",
    "estimate_iv",
    "estimate_static",
    "estimate_sur",
]
