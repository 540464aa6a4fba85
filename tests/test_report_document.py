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


def test_the_contents_link_every_section_and_the_html_shows_no_markdown(tmp_path):
    doc, _ = _document(tmp_path)
    doc.contents()
    doc.heading(2, "1. Offshoring intensity (Table 1)")  # a repeated heading gets its own id
    doc.para("**Bottom line** with `code` and [a link](other.html).")
    doc.collapse_tables()
    doc.table(pd.DataFrame({"a_b": [1.0]}), "Detail")
    page = doc.html("t")
    assert 'id="1-offshoring-intensity-table-1"' in page and 'id="1-offshoring-intensity-table-1-2"' in page
    assert (
        '<a href="#1-offshoring-intensity-table-1">' in page and '<a href="#1-offshoring-intensity-table-1-2">' in page
    )
    assert "<strong>Bottom line</strong>" in page and "<code>code</code>" in page and '<a href="other.html">' in page
    assert "**" not in page.split("<body>")[1]
    assert "<details><summary>Detail (1 rows)</summary>" in page and "<th>a b</th>" in page


@pytest.mark.slow
@pytest.mark.skipif(not browser_available() and not os.environ.get("CI"), reason="no chromium/selenium here")
def test_the_browser_check_can_fail(tmp_path):
    """A good page passes; a link to nowhere, a table wider than the window, Markdown shown as text and a first
    table of identifiers without a verdict column are each found."""
    from replication.report.browser import problems

    good = Document()
    good.heading(1, "Report")
    good.contents()
    good.heading(2, "Verdicts")
    good.table(pd.DataFrame({"Claim": ["services raised productivity"], "Verdict": ["replicated"]}))
    page = tmp_path / "good.html"
    page.write_text(good.html("good"))
    assert problems(inspect_page(page), ["Verdicts"]) == []
    bad = tmp_path / "bad.html"
    wide = "<table><tr><th>id</th></tr><tr><td>productivity_services_manufacturing</td></tr></table>"
    wide += "<div style='width:3000px'>x</div><p>**Bottom line** shown raw</p><a href='#nowhere'>x</a>"
    wide += "<a href='no_such_file.csv'>y</a>"
    bad.write_text(f"<!DOCTYPE html><html><head><title>b</title></head><body>{wide}</body></html>")
    found = " ".join(problems(inspect_page(bad), []))
    for text in (
        "links to nowhere",
        "missing files",
        "scrolls sideways",
        "literal Markdown",
        "no verdict column",
        "identifiers",
    ):
        assert text in found, text


def test_files_named_in_the_text_link_to_them(tmp_path):
    (tmp_path / "outputs" / "tables").mkdir(parents=True)
    (tmp_path / "outputs" / "tables" / "a.csv").write_text("x\n1\n")
    doc = Document()
    doc.para("From outputs/tables/a.csv, not from outputs/tables/missing.csv.")
    page = doc.html("t", page=tmp_path / "outputs" / "report" / "index.html", root=tmp_path)
    assert '<a href="../tables/a.csv">outputs/tables/a.csv</a>' in page
    assert "outputs/tables/missing.csv" in page and 'href="../tables/missing.csv"' not in page
