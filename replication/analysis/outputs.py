"""The tables each analysis stage writes, by name (``<name>.csv``): the writers and the pipeline's declared
products read them from here, so the two cannot disagree (standard library only: the pipeline reads it when it
collects the tasks, before any estimation library is imported)."""

ANALYSIS_TABLES = (
    "identifying_variation",
    "sample_coverage",
    "measure_gaps",
    "imputations",
    "data_coverage",
    "decomposition",
)
SKILL_TABLES = (
    "restriction_tests",
    "falsification",
    "coefficients",
    "ict_moderation",
    "decomposition",
    "between_within",
    "ict_sanity_check",
    "robustness",
    "selection",
)
TRADEOFF_TABLES = ("history", "scenarios", "paths", "industries", "estimates_used", "assumptions")
