"""Dynamic panel GMM: Arellano-Bond difference GMM and Blundell-Bond system GMM."""

from replication.estimators.gmm.model import DynamicPanelGMM, GMMStyle

__all__ = ["DynamicPanelGMM", "GMMStyle"]
