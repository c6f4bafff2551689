"""The built site, read in headless Chromium the way readers use it.

Every page, in light and in dark mode: no console error or warning, no failed
request, no request outside the local server, all math rendered by MathJax,
every image loaded with alt text, the mode actually applied, and no
accessibility violation of any impact by axe-core (run offline inside the page).
"""

from __future__ import annotations

import re

import pytest
from conftest import SITE, site_pages
from reader import open_page

PAGES = site_pages(SITE) if SITE.exists() else ["index.html"]


# The axe rules whose outcome depends on the colours: the only ones that can differ
# between the light and the dark visit of a page (the DOM is otherwise the same).
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def _axe(page, report, only: list[str] | None = None, context: dict | None = None):
    """axe-core inside the page; every violation, of any impact, becomes a problem of the report."""
    from axe_playwright_python.sync_playwright import Axe

    # preload=False: axe would otherwise re-fetch the theme's `@import "../basic.css"`
    # resolved against the page instead of the stylesheet (a 404 no reader sees).
    options = {"resultTypes": ["violations"], "preload": False}
    if only:
        options["runOnly"] = {"type": "rule", "values": only}
    results = Axe().run(page, context=context, options=options)
    for violation in results.response["violations"]:
        # Every impact counts, minor and moderate included (landmarks, roles, empty headers).
        targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
        report.extra.append(f"axe {violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")


def _axe_colours(page, report):
    _axe(page, report, only=COLOUR_RULES)


@pytest.mark.site
@pytest.mark.parametrize("path", PAGES)
def test_first_visit_is_clean(browser, site_url, path):
    """Nothing stored yet: the site's default mode must be valid and applied."""
    report = open_page(browser, site_url, path, color_scheme=None)
    assert not report.problems(), f"{path} (first visit):\n  " + "\n  ".join(report.problems())
    assert report.theme["theme"] in ("light", "dark"), f"{path}: no valid mode on a first visit: {report.theme}"


@pytest.mark.site
@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_page_reads_cleanly(browser, site_url, path, mode):
    """Every axe rule in light mode; in dark mode the colour rules, the only ones the mode can change."""
    report = open_page(browser, site_url, path, color_scheme=mode, after=_axe if mode == "light" else _axe_colours)
    assert not report.problems(), f"{path} ({mode} mode):\n  " + "\n  ".join(report.problems())
    if path.endswith("index.html") and path.count("/") == 0:
        return  # the root index.html is a redirect page without the theme
    assert report.theme["theme"] == mode, f"{path}: the {mode} mode was not applied: {report.theme}"
    assert report.theme["background"] != report.theme["text"]


def _chapter_pages(site_dir):
    return sorted(p.relative_to(site_dir).as_posix() for p in (site_dir / "book").glob("*.html"))


@pytest.mark.site
def test_every_chapter_page_has_math_and_its_notebook_link(browser, site_url, site_dir):
    chapters = _chapter_pages(site_dir)
    assert "book/notation.html" in chapters and "book/intro.html" in chapters
    report = open_page(browser, site_url, "book/notation.html")
    assert report.math["count"] >= 10 and report.math["rendered"] >= report.math["count"]
    for path in chapters:
        html = (site_dir / path).read_text()
        notebook = SITE.parent.parent / "notebooks" / (path.split("/")[-1].replace(".html", ".ipynb"))
        if notebook.exists():
            assert f'href="../notebooks/{notebook.name}"' in html, f"{path} does not link its student notebook"


@pytest.mark.site
def test_search_finds_the_chapters(browser, site_url, site_dir):
    page = browser.new_page()
    try:
        page.goto(f"{site_url}/search.html?q=gradient", wait_until="load")
        page.wait_for_selector("#search-results ul.search li", timeout=20_000)
        page.wait_for_load_state("networkidle")
        hits = page.eval_on_selector_all(
            "#search-results ul.search li a", "els => els.map(a => a.getAttribute('href'))"
        )
    finally:
        page.close()
    found = {re.sub(r"[?#].*$", "", h) for h in hits}
    chapters_with_gradient = {
        p for p in _chapter_pages(site_dir) if "gradient" in (site_dir / p).read_text().lower() and "intro" not in p
    }
    assert chapters_with_gradient, "no chapter mentions the gradient?"
    missing = [p for p in chapters_with_gradient if p not in found]
    assert not missing, f"search for 'gradient' misses {missing}; found {sorted(found)}"


@pytest.mark.site
def test_mathjax_is_served_locally(site_dir):
    html = (site_dir / "book" / "notation.html").read_text()
    assert "_static/mathjax/tex-chtml.js" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    assert (site_dir / "_static" / "mathjax" / "tex-chtml.js").exists()
