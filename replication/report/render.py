"""The one renderer: tables as Markdown or LaTeX (booktabs) and documents as Markdown or HTML, with fixed
formatting for byte-stable files."""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

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


def significant(value: object) -> str:
    """A number with three significant digits (whole numbers from 10,000), ``–`` when missing; other values as
    text (the report's cells)."""
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.3g}" if abs(value) < 1e4 else f"{value:.0f}"
    return str(value)


def to_markdown(
    frame: pd.DataFrame,
    *,
    digits: int = 2,
    cell: Callable[[object], str] | None = None,
    align: list[str] | None = None,
) -> str:
    """A GitHub-flavoured Markdown table. Cells by ``cell`` (default: :func:`fmt` with ``digits``); ``|`` inside a
    cell becomes ``/``. ``align``: ``"l"``, ``"r"`` or ``""`` (no alignment) per column; default right for numeric
    columns."""
    cell = cell or (lambda v: fmt(v, digits))
    if align is None:
        align = ["r" if pd.api.types.is_numeric_dtype(frame[c]) else "l" for c in frame.columns]
    marks = {"r": "---:", "l": "---", "": "---"}
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join(marks[a] for a in align) + "|"
    rows = [
        "| " + " | ".join(cell(v).replace("|", "/") for v in row) + " |"
        for row in frame.itertuples(index=False, name=None)
    ]
    return "\n".join([header, rule, *rows]) + "\n"


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
    for row in frame.itertuples(index=False, name=None):
        lines.append(" & ".join(latex_escape(fmt(v, digits)) for v in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    if notes:
        lines.append(rf"\par\smallskip\parbox{{\linewidth}}{{\footnotesize {latex_escape(notes)}}}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def slug(text: str) -> str:
    """An HTML id from a heading: lower case, letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


#: a file of the outputs named in a text: linked to it from the page (when it exists)
OUTPUT_FILE = re.compile(r"(?<![\w/\"=])outputs/[\w./-]*\w\.(?:csv|md|json|png|pdf|tex|html)\b")


def inline_html(text: str, files: Callable[[str], str | None] | None = None) -> str:
    """A paragraph's text as HTML: escaped, with Markdown's ``**strong**``, `` `code` `` and ``[text](link)``
    turned into their elements (the report's HTML shows no Markdown syntax); with ``files``, every
    ``outputs/<file>`` it names becomes a link to that file (``files`` gives its address from the page, or None)."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r'<a href="\2">\1</a>', out)
    if files is not None:

        def link(match: re.Match) -> str:
            address = files(match.group(0))
            return f'<a href="{address}">{match.group(0)}</a>' if address else match.group(0)

        out = OUTPUT_FILE.sub(link, out)
    return out


#: whole column names and name fragments of the analysis CSVs, in words (the HTML headers; the CSVs keep the names)
HEADER_WORDS = {
    "not_distinguishable_from_zero": "band contains 0 (not distinguishable from zero)",
    "holm_min_p": "smallest Holm-adjusted p",
    "holm_p_value": "p (Holm-adjusted)",
    "cr_std_error": "s.e. (cluster-robust)",
    "cr_p_value": "p (cluster-robust)",
    "wild_p_value": "p (wild bootstrap)",
    "min_wild_p": "smallest p (wild bootstrap)",
    "wild_conf_low": "wild interval, low",
    "wild_conf_high": "wild interval, high",
    "boot_low": "wild interval, low",
    "boot_high": "wild interval, high",
    "delta_low": "delta-method interval, low",
    "delta_high": "delta-method interval, high",
    "nobs": "N",
}
FRAGMENTS = (
    (r"\boutput_gain_pct_va\b", "productivity gain, % of value added"),
    (r"\boutput_gain_pct\b", "productivity gain, % of gross output"),
    (r"\boutput_gain_meur\b", "productivity gain, EUR million (1995 prices) a year"),
    (r"\blow_jobs_change_k\b", "low-skilled jobs, change (thousands)"),
    (r"\bjobs_change_k\b", "jobs, change (thousands)"),
    ("_", " "),
    (r"\bpp\b", "(pp)"),
    (r"\bsd\b", "s.d."),
    (r"\b(om|os) g (published|ours)\b", r"\1 growth % a year, \2"),
)


def header_label(column: object) -> str:
    """A column name in words (``HEADER_WORDS``, then fragments such as ``output_gain_pct_low`` -> "productivity
    gain, % of gross output, band low"; otherwise underscores become spaces)."""
    text = str(column)
    if text in HEADER_WORDS:
        return HEADER_WORDS[text]
    band = ""
    for end, words in (("_low", ", band low"), ("_high", ", band high")):
        if text.endswith(end) and text[: -len(end)] in (
            "output_gain_pct",
            "output_gain_meur",
            "low_jobs_change_k",
            "jobs_change_k",
        ):
            text, band = text[: -len(end)], words
    for pattern, words in FRAGMENTS:
        text = re.sub(pattern, words, text)
    return text + band


@dataclass
class Document:
    """A list of blocks rendered identically to Markdown and HTML: headings (each with an id), paragraphs,
    tables, images, a table of contents of the level-2 headings, and collapsible detail blocks."""

    blocks: list[tuple] = field(default_factory=list)
    lang: str = "en"

    def heading(self, level: int, text: str) -> None:
        taken = {b[3] for b in self.blocks if b[0] == "h"}
        anchor, n = slug(text), 2
        while anchor in taken:
            anchor, n = f"{slug(text)}-{n}", n + 1
        self.blocks.append(("h", level, text, anchor))

    def para(self, text: str) -> None:
        self.blocks.append(("p", text))

    def table(self, frame: pd.DataFrame, caption: str = "") -> None:
        self.blocks.append(("table", frame, caption))

    def image(self, path: Path, alt: str) -> None:
        self.blocks.append(("img", path, alt))

    def contents(self, title: str = "Contents") -> None:
        """Here: the table of contents (every level-2 heading of the document, linked)."""
        self.blocks.append(("toc", title))

    def details(self, summary: str) -> None:
        """Open a collapsible block (closed in HTML until clicked) that runs to :meth:`end_details`."""
        self.blocks.append(("details", summary))

    def end_details(self) -> None:
        self.blocks.append(("/details",))

    def collapse_tables(self) -> None:
        """From here on every table is a collapsible block (HTML ``<details>``) whose summary is its caption: the
        sections' words stay in view, their detail tables one click away."""
        self.blocks.append(("collapse",))

    def _sections(self) -> list[tuple[str, str]]:
        return [(b[2], b[3]) for b in self.blocks if b[0] == "h" and b[1] == 2]

    def markdown(self, image_root: Path) -> str:
        out = []
        for block in self.blocks:
            if block[0] == "h":
                out.append("#" * block[1] + " " + block[2])
            elif block[0] == "p":
                out.append(block[1])
            elif block[0] == "table":
                frame, caption = block[1], block[2]
                if caption:
                    out.append(f"*{caption}*")
                out.append(to_markdown(frame, cell=significant, align=[""] * len(frame.columns)).rstrip("\n"))
            elif block[0] == "toc":
                out.append(f"**{block[1]}**\n\n" + "\n".join(f"- [{t}](#{a})" for t, a in self._sections()))
            elif block[0] == "details":
                out.append(f"**{block[1]}**")
            elif block[0] in ("/details", "collapse"):
                continue
            else:
                out.append(f"![{block[2]}]({Path('..') / block[1].relative_to(image_root)})")
        return "\n\n".join(out) + "\n"

    def html(self, title: str, *, page: Path | None = None, root: Path | None = None) -> str:
        """The self-contained page; with ``page`` (where it is written) and ``root`` (the project folder), every
        existing ``outputs/<file>`` a paragraph or caption names links to that file."""
        files = None
        if page is not None and root is not None:
            import os

            def files(name: str) -> str | None:
                target = root / name
                return os.path.relpath(target, page.parent) if target.is_file() else None

        body, collapse = [], False
        for block in self.blocks:
            if block[0] == "collapse":
                collapse = True
                continue
            if block[0] == "h":
                body.append(f'<h{block[1]} id="{block[3]}">{html.escape(block[2])}</h{block[1]}>')
            elif block[0] == "p":
                body.append(f"<p>{inline_html(block[1], files)}</p>")
            elif block[0] == "table":
                frame, caption = block[1], block[2]
                head = "".join(f"<th>{html.escape(header_label(c))}</th>" for c in frame.columns)
                rows = "".join(
                    "<tr>"
                    + "".join(
                        f"<td>{inline_html(v) if isinstance(v, str) else html.escape(significant(v))}</td>" for v in row
                    )
                    + "</tr>"
                    for row in frame.itertuples(index=False, name=None)
                )
                cap = f"<caption>{inline_html(caption, files)}</caption>" if caption and not collapse else ""
                table = (
                    f'<div class="table"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
                )
                if collapse:
                    summary = inline_html(caption, files) if caption else "Table"
                    table = f"<details><summary>{summary} ({len(frame)} rows)</summary>{table}</details>"
                body.append(table)
            elif block[0] == "toc":
                items = "".join(f'<li><a href="#{a}">{html.escape(t)}</a></li>' for t, a in self._sections())
                body.append(f'<nav class="toc"><h2>{html.escape(block[1])}</h2><ol>{items}</ol></nav>')
            elif block[0] == "details":
                body.append(f"<details><summary>{inline_html(block[1])}</summary>")
            elif block[0] == "/details":
                body.append("</details>")
            else:
                data = base64.b64encode(block[1].read_bytes()).decode()
                body.append(
                    f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(block[2])}">'
                    f"<figcaption>{html.escape(block[2])}</figcaption></figure>"
                )
        return (
            f'<!DOCTYPE html>\n<html lang="{self.lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
            f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
        )


CSS = (
    "body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;line-height:1.45;"
    "color:#222;overflow-wrap:break-word}div.table{max-width:100%;overflow-x:auto}"
    "table{border-collapse:collapse;margin:1rem 0;font-size:.85rem}th,td{border:1px solid #ccc;"
    "padding:.25rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}th{background:#f3f3f3}"
    "caption{text-align:left;font-style:italic;padding:.3rem 0}img{max-width:100%}figure{margin:1rem 0}"
    "figcaption{font-size:.85rem;color:#555}h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}"
    "code{font-size:.9em;background:#f5f5f5;padding:0 .2em}nav.toc{background:#fafafa;border:1px solid #ddd;"
    "padding:.2rem 1rem}nav.toc h2{margin-top:.6rem;border:0}details{margin:.8rem 0}"
    "summary{cursor:pointer;font-weight:600}td.verdict{white-space:nowrap}"
)
