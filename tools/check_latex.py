"""Compile every generated LaTeX table on a paper page and fail on an overfull box or an empty table.

    python tools/check_latex.py [OUTPUTS]        (default: outputs/; needs pdflatex with booktabs and geometry)

Each ``.tex`` under ``OUTPUTS`` is compiled alone in ``article`` on US letter with 1-inch margins (a 6.5-inch,
468 pt text block, the usual working-paper page) with ``booktabs``. Reported: every table that does not compile,
every overfull box (with its width in pt) and every table without a number in its body. Exit 1 on any.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREAMBLE = r"""\documentclass{article}
\usepackage[letterpaper,margin=1in]{geometry}
\usepackage{booktabs}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\begin{document}
"""
OVERFULL = re.compile(r"Overfull \\[hv]box \(([\d.]+)pt too (wide|high)\)")


def is_empty(text: str) -> bool:
    """Whether a table has no number in its body rows (after a ``\\midrule``, with a column separator)."""
    rows, inside = [], False
    for line in text.splitlines():
        if "\\midrule" in line:
            inside = True
        elif "\\toprule" in line or "\\bottomrule" in line:
            inside = False
        elif inside and "&" in line:
            rows.append(line)
    return not re.search(r"\d", "\n".join(rows))


def check(table: Path, work: Path) -> list[str]:
    """Problems of one table: compile errors, overfull boxes, no number in the body."""
    text = table.read_text(encoding="utf-8")
    problems = ["empty table: no number in its rows"] if is_empty(text) else []
    source = work / "table.tex"
    source.write_text(PREAMBLE + text + "\n\\end{document}\n", encoding="utf-8")
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "table.tex"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    log = (work / "table.log").read_text(encoding="latin-1") if (work / "table.log").exists() else done.stdout
    if done.returncode:
        error = next((line for line in log.splitlines() if line.startswith("!")), "pdflatex failed")
        problems.append(f"does not compile: {error}")
    problems += [f"overfull box, {m.group(1)} pt too {m.group(2)}" for m in OVERFULL.finditer(log)]
    return problems


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    outputs = Path(args[0]) if args else ROOT / "outputs"
    if shutil.which("pdflatex") is None:
        print("error: pdflatex not found (Debian: apt-get install texlive-latex-base texlive-latex-recommended)")
        return 2
    tables = sorted(p for p in outputs.rglob("*.tex") if "benchmarks" not in p.parts)
    # a table with nothing identified is one comment line saying why, and no table (its Markdown says it too)
    placeholders = [p for p in tables if p.read_text(encoding="utf-8").startswith("% no table:")]
    tables = [p for p in tables if p not in placeholders]
    for table in placeholders:
        why = table.read_text(encoding="utf-8").splitlines()[0].removeprefix("% no table:").strip()
        print(f"skipped {table}: no table ({why})")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="offshoring-latex-") as tmp:
        for table in tables:
            problems = check(table, Path(tmp))
            name = table.relative_to(outputs)
            if problems:
                failed += 1
                print(f"FAIL {name}: " + "; ".join(problems))
            else:
                print(f"ok   {name}")
    print(f"{len(tables) - failed} of {len(tables)} LaTeX tables compile and fit a 6.5-inch text block")
    return 1 if failed or not tables else 0


if __name__ == "__main__":
    sys.exit(main())
