"""The built site, read in headless Chromium: every page clean, math rendered, nothing from outside."""

from __future__ import annotations

import pytest

from conftest import SITE, site_pages
from reader import open_page

PAGES = site_pages(SITE) if SITE.exists() else ["index.html"]


@pytest.mark.site
@pytest.mark.parametrize("path", PAGES)
def test_page_reads_cleanly(browser, site_url, path):
    report = open_page(browser, site_url, path)
    assert not report.problems(), f"{path}:\n  " + "\n  ".join(report.problems())


@pytest.mark.site
def test_chapters_are_in_the_site_and_have_math(browser, site_url, site_dir):
    chapters = ["book/intro.html", "book/notation.html"]
    for path in chapters:
        assert (site_dir / path).exists(), path
    report = open_page(browser, site_url, "book/notation.html")
    assert report.math["count"] >= 10 and report.math["rendered"] >= report.math["count"]


@pytest.mark.site
def test_mathjax_is_served_locally(site_dir):
    html = (site_dir / "book" / "notation.html").read_text()
    assert "_static/mathjax/tex-chtml.js" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    assert (site_dir / "_static" / "mathjax" / "tex-chtml.js").exists()
