"""Render a small DataFrame as Markdown or LaTeX (booktabs), with fixed formatting for byte-stable files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def fmt(value: object, digits: int = 2) -> str:
    """A number with ``digits`` decimals (``–`` when missing); other values as text."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | np.floating):
        if isinstance(value, float) and math.isnan(value):
            return "–"
        return f"{value:.{digits}f}"
    return str(value)


def to_markdown(frame: pd.DataFrame, *, digits: int = 2) -> str:
    """A GitHub-flavoured Markdown table; numeric columns right-aligned."""
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    align = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(frame[c]) else "---" for c in frame.columns) + "|"
    rows = ["| " + " | ".join(fmt(v, digits) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, align, *rows]) + "\n"


def latex_escape(text: str) -> str:
    for char, repl in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#")):
        text = text.replace(char, repl)
    return text


def to_latex(
    frame: pd.DataFrame,
    *,
    caption: str,
    label: str,
    notes: str = "",
    digits: int = 2,
    header_rows: list[str] | None = None,
    size: str = r"\small",
) -> str:
    """A booktabs ``table`` environment; ``header_rows`` are extra LaTeX rows above the column names."""
    spec = "".join("r" if pd.api.types.is_numeric_dtype(frame[c]) else "l" for c in frame.columns)
    lines = [
        r"\begin{table}[htbp]",
        r"\centering",
        rf"\caption{{{latex_escape(caption)}}}",
        rf"\label{{{label}}}",
        size,
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
    ]
    lines += header_rows or []
    lines.append(" & ".join(latex_escape(str(c)) for c in frame.columns) + r" \\")
    lines.append(r"\midrule")
    for row in frame.itertuples(index=False):
        lines.append(" & ".join(latex_escape(fmt(v, digits)) for v in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    if notes:
        lines.append(rf"\par\smallskip\parbox{{\linewidth}}{{\footnotesize {latex_escape(notes)}}}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"
