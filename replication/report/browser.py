"""Check a report page in a real headless browser (Debian chromium + chromedriver, via selenium).

It loads the page in a 1280 px wide window, waits for it, and reports: the title, whether every image decoded
(naturalWidth > 0), the headings, the number of tables, the page's height and whether it scrolls sideways, the
in-page links whose target does not exist, literal Markdown in the visible text, and the first table's header and
any cell of it that looks like an identifier (``snake_case_words``). Used by the tests and by CI on
``outputs/report/index.html`` and ``samenvatting.html``.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def browser_available() -> bool:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def inspect_page(path: Path) -> dict:
    """Open ``path`` in headless Chromium and return what it shows."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="report-browser-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
        "--hide-scrollbars",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get(Path(path).resolve().as_uri())
        state = driver.execute_script(
            "return {title: document.title, ready: document.readyState,"
            " images: Array.from(document.images).map(i => ({complete: i.complete, width: i.naturalWidth})),"
            " headings: Array.from(document.querySelectorAll('h1,h2')).map(h => h.textContent),"
            " tables: document.querySelectorAll('table').length,"
            " text: document.body.innerText.length, body: document.body.innerText,"
            " width: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth,"
            " height: document.documentElement.scrollHeight,"
            " links: Array.from(document.querySelectorAll('a[href^=\"#\"]')).map(a => a.getAttribute('href')),"
            " files: Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"
            ".filter(h => !h.startsWith('#') && !h.includes(':')),"
            " ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),"
            " first_header: Array.from(document.querySelectorAll('table')[0]?.querySelectorAll('th') || [])"
            ".map(th => th.textContent),"
            " first_cells: Array.from(document.querySelectorAll('table')[0]?.querySelectorAll('td') || [])"
            ".map(td => td.textContent)};"
        )
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    state["broken_images"] = sum(1 for image in state["images"] if not image["complete"] or image["width"] == 0)
    state["unresolved_links"] = sorted({h for h in state["links"] if h[1:] not in set(state["ids"])})
    state["missing_files"] = sorted({h for h in state["files"] if not (Path(path).parent / h).exists()})
    state["sideways"] = state["width"] > state["viewport"]
    state["markdown"] = sorted(set(re.findall(r"\*\*\S|`[^`\s]|\]\(\S", state.pop("body"))))
    state["identifiers"] = [c for c in state["first_cells"] if IDENTIFIER.match(c.strip())]
    return state


#: a cell that is an identifier rather than words: three or more lower-case words joined by underscores
IDENTIFIER = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+){2,}$")


def problems(state: dict, expected: list[str]) -> list[str]:
    """What a reader would trip over: a page not loaded, a broken image, a missing heading, no table, a table of
    contents link to nowhere, sideways scrolling at 1280 px, Markdown syntax shown as text, a first table without
    a verdict column or with identifiers in it."""
    found = []
    if state["ready"] != "complete":
        found.append("the page did not finish loading")
    if state["broken_images"]:
        found.append(f"{state['broken_images']} broken image(s)")
    missing = [h for h in expected if not any(h in shown for shown in state["headings"])]
    if missing:
        found.append(f"missing headings: {missing}")
    if not state["tables"]:
        found.append("no table")
    if state["unresolved_links"]:
        found.append(f"links to nowhere: {state['unresolved_links']}")
    if state["missing_files"]:
        found.append(f"links to missing files: {state['missing_files']}")
    if state["sideways"]:
        found.append(f"scrolls sideways at 1280 px ({state['width']} px wide, window {state['viewport']} px)")
    if state["markdown"]:
        found.append(f"literal Markdown in the text: {state['markdown']}")
    words = ("verdict", "oordeel", "bevestigd")  # the column, or the verdicts as columns (Dutch summary)
    if state["tables"] and not any(w in h.lower() for h in state["first_header"] for w in words):
        found.append(f"the first table has no verdict column (header {state['first_header']})")
    if state["identifiers"]:
        found.append(f"identifiers in the first table: {state['identifiers'][:5]}")
    return found


def main(argv: list[str]) -> int:
    """``python -m replication.report.browser PAGE [HEADING ...]``: exit 1 unless the page loads, has no broken
    image and shows every HEADING."""
    page, expected = Path(argv[0]), argv[1:]
    state = inspect_page(page)
    print(
        f"{page}: title {state['title']!r}, {len(state['images'])} images ({state['broken_images']} broken), "
        f"{state['tables']} tables, {len(state['headings'])} headings, {len(state['links'])} in-page links, "
        f"{state['height']:,} px tall and {state['width']} px wide in a {state['viewport']} px window"
    )
    found = problems(state, expected)
    for problem in found:
        print(f"error: {page}: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
