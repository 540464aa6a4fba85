"""Stage 4: tables, figures and report from the generated tables (never from estimator internals)."""
