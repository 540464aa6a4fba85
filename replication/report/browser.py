"""Check a report page in a real headless browser (Debian chromium + chromedriver, via selenium).

It loads the page, waits for it, and reports: the title, whether every image decoded (naturalWidth > 0),
the headings and the number of tables. Used by the tests and by CI on ``outputs/report/index.html``.
"""

from __future__ import annotations

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
            " text: document.body.innerText.length};"
        )
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    state["broken_images"] = sum(1 for image in state["images"] if not image["complete"] or image["width"] == 0)
    return state


def main(argv: list[str]) -> int:
    """``python -m replication.report.browser PAGE [HEADING ...]``: exit 1 unless the page loads, has no broken
    image and shows every HEADING."""
    page, expected = Path(argv[0]), argv[1:]
    state = inspect_page(page)
    missing = [h for h in expected if not any(h in shown for shown in state["headings"])]
    print(
        f"{page}: title {state['title']!r}, {len(state['images'])} images ({state['broken_images']} broken), "
        f"{state['tables']} tables, {len(state['headings'])} headings"
    )
    if state["ready"] != "complete" or state["broken_images"] or missing or not state["tables"]:
        print(f"missing headings: {missing}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
