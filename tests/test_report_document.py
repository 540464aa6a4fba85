"""The report document: Markdown and HTML from the same blocks, self-contained HTML checked in headless
Chromium (images decode, headings and tables shown)."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from replication.report.browser import browser_available, inspect_page
from replication.report.document import Document


def _document(tmp_path):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    image = tmp_path / "figures" / "line.png"
    image.parent.mkdir()
    fig.savefig(image)
    plt.close(fig)
    doc = Document()
    doc.heading(1, "Report title")
    doc.para("A <paragraph> & text")
    doc.heading(2, "1. Offshoring intensity (Table 1)")
    doc.table(
        pd.DataFrame({"sector": ["manufacturing"], "om 1995 published": [35.68], "om 1995 ours": [41.6026]}),
        "Published vs ours",
    )
    doc.image(image, "a figure")
    return doc, image


def test_markdown_and_html_share_the_content(tmp_path):
    doc, _ = _document(tmp_path)
    markdown = doc.markdown(tmp_path)
    assert "## 1. Offshoring intensity (Table 1)" in markdown
    assert "| manufacturing | 35.7 | 41.6 |" in markdown and "![a figure](../figures/line.png)" in markdown
    page = doc.html("t")
    assert "A &lt;paragraph&gt; &amp; text" in page and 'src="data:image/png;base64,' in page
    assert "<th>om 1995 ours</th>" in page and 'src="figures' not in page  # self-contained


@pytest.mark.slow
@pytest.mark.skipif(not browser_available() and not os.environ.get("CI"), reason="no chromium/selenium here")
def test_page_loads_in_headless_chromium(tmp_path):
    doc, _ = _document(tmp_path)
    page = tmp_path / "index.html"
    page.write_text(doc.html("Replication report"))
    state = inspect_page(page)
    assert state["ready"] == "complete" and state["title"] == "Replication report"
    assert len(state["images"]) == 1 and state["broken_images"] == 0
    assert "1. Offshoring intensity (Table 1)" in state["headings"] and state["tables"] == 1
    broken = tmp_path / "broken.html"
    broken.write_text(page.read_text().replace("data:image/png;base64,", "data:image/png;base64,AAAA"))
    assert inspect_page(broken)["broken_images"] == 1  # the check can fail
