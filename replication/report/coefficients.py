"""The coefficient plot (report stage): offshoring coefficients by origin with their preferred 95 % intervals
(``Results.preferred``: the wild cluster bootstrap where computed), one panel per estimation; estimates that
fail the identification rules are drawn hollow and grey."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from replication.analysis.identification import failures
from replication.core.layout import Layout
from replication.inputs.stamps import stamp
from replication.report.figures import STYLE, save_figure
from replication.specs.estimate import load_estimates

PLOT_ROWS = [  # (spec, variant, equation prefix, label)
    ("production_manufacturing", "by_origin", "", "Productivity, manufacturing"),
    ("production_market_services", "by_origin", "", "Productivity, market services"),
    ("labour_demand_manufacturing", "by_origin", "", "Employment, manufacturing"),
    ("labour_demand_market_services", "by_origin", "", "Employment, market services"),
    ("skill_shares_manufacturing", "hours", "low_", "Low-skilled hours share, BE manufacturing"),
    ("skill_shares_market_services", "hours", "low_", "Low-skilled hours share, BE market services"),
    ("skill_shares_pooled", "hours", "low_", "Low-skilled hours share, pooled manufacturing"),
]
PLOT_TERMS = {
    "om_oecd": "materials OECD",
    "om_ceec": "materials CEEC",
    "om_asia": "materials ASIA",
    "os_total": "business services",
}


def coefficient_plot(layout: Layout) -> list:
    """Offshoring coefficients by origin with 95 % intervals, one panel per estimation."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(len(PLOT_ROWS), 1, figsize=(7.5, 1.45 * len(PLOT_ROWS) + 0.6), sharex=False)
        for ax, (stem, variant, prefix, label) in zip(axes, PLOT_ROWS, strict=True):
            estimates = load_estimates(stem, layout)
            if variant not in estimates:
                ax.set_title(f"{label}: not estimable", fontsize=8, loc="left")
                continue
            result = estimates[variant]
            terms = set(result.params.index)
            ys = np.arange(len(PLOT_TERMS))
            for y, term in zip(ys, PLOT_TERMS, strict=True):
                name = prefix + term
                if name not in terms:
                    continue
                row = result.preferred(name)  # the wild-bootstrap interval where computed
                boot = row["source"] == "wild bootstrap"
                low, high = row["conf_low"], row["conf_high"]
                low = low if math.isfinite(low) else ax.get_xlim()[0]  # an unbounded interval runs to the edge
                high = high if math.isfinite(high) else ax.get_xlim()[1]
                credible = not failures(result, [name])  # identified, with usable cluster-robust inference
                ax.errorbar(
                    row["estimate"],
                    y,
                    xerr=[[row["estimate"] - low], [high - row["estimate"]]],
                    fmt="s" if boot else "o",
                    color="#1f77b4" if credible else "#9e9e9e",
                    mfc="#1f77b4" if credible else "white",
                    ms=4,
                    capsize=2,
                )
            ax.axvline(0, color="grey", lw=0.8)
            ax.set_yticks(ys, list(PLOT_TERMS.values()), fontsize=7)
            ax.invert_yaxis()
            ax.set_title(label, fontsize=8, loc="left")
            ax.tick_params(axis="x", labelsize=7)
        fig.suptitle(
            f"Offshoring coefficients by origin, 95% intervals ({layout.country}; squares: wild cluster bootstrap, "
            "circles: the model's covariance; filled blue: passes the identification rules, hollow grey: does not)",
            fontsize=9,
        )
        fig.tight_layout()
    return save_figure(fig, layout.coefficient_figure, provenance=stamp(layout.vintage, "estimations/belgium/*.toml"))
