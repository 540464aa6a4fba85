"""Compile every generated LaTeX table on a paper page and fail on a table too wide, too tall or empty.

    python tools/check_latex.py [OUTPUTS]        (default: outputs/; needs pdflatex with booktabs and geometry)

Each ``.tex`` under ``OUTPUTS`` is compiled alone in ``article`` on US letter with 1-inch margins (a 6.5 x 9 inch,
468 x 648 pt text block, the usual working-paper page) with ``booktabs`` and the packages its ``% requires:``
line names. Reported: every table that does not compile, every overfull box (with its size in pt), every float
taller than the page (LaTeX's "Float too large for page") and every table without a number in its body. Exit 1 on
any. All tables together, one after another, go to ``OUTPUTS/paper/tables.pdf`` for a quick look.
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
TOO_TALL = re.compile(r"Float too large for page by ([\d.]+)pt")
REQUIRES = re.compile(r"^% requires:\s*(.+)$", re.M)


def packages(text: str) -> list[str]:
    """The packages a table's ``% requires:`` line names (booktabs is always loaded)."""
    return sorted(
        {p.strip() for m in REQUIRES.finditer(text) for p in m.group(1).split(",") if p.strip()} - {"booktabs"}
    )


def preamble(needed: list[str]) -> str:
    extra = "".join(rf"\usepackage{{{p}}}" + "\n" for p in needed)
    return PREAMBLE.replace(r"\begin{document}", extra + r"\begin{document}")


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


def compile_document(work: Path, stem: str, needed: list[str], body: str, *, timeout: int):
    """``work/<stem>.tex`` (the page's preamble, the packages ``needed``, ``body``) run through pdflatex once."""
    (work / f"{stem}.tex").write_text(preamble(needed) + body + "\n\\end{document}\n", encoding="utf-8")
    return subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{stem}.tex"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def check(table: Path, work: Path) -> list[str]:
    """Problems of one table: compile errors, overfull boxes, no number in the body."""
    text = table.read_text(encoding="utf-8")
    problems = ["empty table: no number in its rows"] if is_empty(text) else []
    done = compile_document(work, "table", packages(text), text, timeout=120)
    log = (work / "table.log").read_text(encoding="latin-1") if (work / "table.log").exists() else done.stdout
    if done.returncode:
        error = next((line for line in log.splitlines() if line.startswith("!")), "pdflatex failed")
        problems.append(f"does not compile: {error}")
    problems += [f"overfull box, {m.group(1)} pt too {m.group(2)}" for m in OVERFULL.finditer(log)]
    problems += [f"a float taller than the page by {m.group(1)} pt" for m in TOO_TALL.finditer(log)]
    return problems


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    outputs = Path(args[0]) if args else ROOT / "outputs"
    if shutil.which("pdflatex") is None:
        print("error: pdflatex not found (Debian: apt-get install texlive-latex-base texlive-latex-recommended)")
        return 2
    tables = sorted(p for p in outputs.rglob("*.tex") if "benchmarks" not in p.parts and "paper" not in p.parts)
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
        book = all_tables(tables, outputs, Path(tmp))
    print(f"{len(tables) - failed} of {len(tables)} LaTeX tables compile and fit a 6.5 x 9 inch text block")
    print(f"every table in one document: {book}" if book else "error: the document of all tables did not compile")
    return 1 if failed or not tables or not book else 0


def all_tables(tables: list[Path], outputs: Path, work: Path) -> Path | None:
    """``outputs/paper/tables.pdf``: every table, each on its own page under its file name (written only when it
    compiles; the previous one stays otherwise)."""
    needed = sorted({p for t in tables for p in packages(t.read_text(encoding="utf-8"))})
    body = []
    for table in tables:
        name = str(table.relative_to(outputs)).replace("_", r"\_")
        body += [r"\clearpage", rf"\noindent\texttt{{{name}}}\par", table.read_text(encoding="utf-8")]
    done = compile_document(work, "tables", needed, "\n".join(body), timeout=600)
    if done.returncode or not (work / "tables.pdf").exists():
        return None
    target = outputs / "paper" / "tables.pdf"
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(".tables.pdf.tmp")
    shutil.copyfile(work / "tables.pdf", temporary)
    temporary.replace(target)
    return target


if __name__ == "__main__":
    sys.exit(main())
