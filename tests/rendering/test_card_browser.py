"""The notebook card (Verdict._repr_html_) in headless Chromium, inside a page standing in for a
notebook: a table view, the reasoning collapsed, the notebook's own look untouched. Skips
without Chromium, as test_report_browser.py does (and fails under CI, which installs it)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from test_report_browser import browse, chromium, screenshot

import smaf_expert

#: Reads back computed styles into the DOM, so --dump-dom can show them.
PROBE = """<script>
const css = (sel, prop) => getComputedStyle(document.querySelector(sel))[prop];
document.body.dataset.outerH1 = css("h1.notebook", "color");
document.body.dataset.outerP = css("p.notebook", "font-family");
document.body.dataset.cardH3 = css(".smaf-verdict h3", "color");
document.body.dataset.profile = css(".smaf-verdict table.profile", "display");
document.body.dataset.trace = Math.round(
  document.querySelector(".smaf-verdict details").getBoundingClientRect().height);
</script>"""


@pytest.fixture(scope="module")
def card_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """us-india's card in a page with a heading and a paragraph of its own."""
    chromium()
    card = smaf_expert.assess("us-india", 2023)._repr_html_()
    path = tmp_path_factory.mktemp("card") / "card.html"
    path.write_text('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>notebook'
                    '</title></head><body><h1 class="notebook">In [1]</h1><p class="notebook">'
                    f"A cell of the notebook.</p>{card}{PROBE}</body></html>", encoding="utf-8")
    return path


def test_card_is_a_table_view_and_leaves_the_page_alone(tmp_path, card_page):
    """Tables laid out as tables, the reasoning closed, the card's heading in the report's
    accent colour while the page's own heading and text keep the browser's defaults."""
    dom, messages = browse(tmp_path, card_page.as_uri(), "--dump-dom")
    assert messages == []
    body = re.search(r"<body([^>]*)>", dom).group(1)
    probe = dict(re.findall(r'data-([a-z0-9-]+)="([^"]*)"', body))
    assert probe["profile"] == "table"
    assert int(probe["trace"]) < 60  # the closed <details>: its summary line only
    assert probe["card-h3"] == "rgb(30, 58, 138)"
    assert probe["outer-h1"] == "rgb(0, 0, 0)"
    assert "system-ui" not in probe["outer-p"]
    assert not re.search(r"<details[^>]*\sopen", dom)


def test_card_screenshot(tmp_path, card_page):
    """A 1100x1400 screenshot of the card; kept in SMAF_SHOT_DIR when that is set."""
    shot = Path(os.environ.get("SMAF_SHOT_DIR") or tmp_path) / "us-india-card.png"
    screenshot(tmp_path, card_page.as_uri(), shot, 1100, 1400,
               40_000)  # a blank page of that size compresses to a few kB
