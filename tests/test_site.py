"""The built site, read in headless Chromium the way readers use it.

Every page, by one reader in one tab (tests/reader.py: the worker's tab, with
nothing stored for the site): a first visit (the default light mode), a switch
to dark mode with the theme's button, and a reload (the stored choice applies).
On each visit: no console error or warning, no failed request, no request
outside the local server, all math rendered, every image loaded with alt text,
the mode actually applied. axe-core (run offline inside the page) reports no
violation of any impact: every rule in light mode, and in dark mode the colour
rules (the only ones the mode can change), or every rule on the pages with
interactive figures, which redraw in the new colours. The theme's tooltips are
read with every rule in both modes by a test of their own. Figures are shown as
drawn in light mode and are no bright boxes in dark mode.
"""

from __future__ import annotations

import functools
import io
import re

import numpy as np
import pytest
from conftest import SITE, site_pages
from reader import SETTLE, PageReport, Reader, open_page

# The slide decks are read the same way, with their own checks, in tests/test_slides.py.
PAGES = [p for p in site_pages(SITE) if not p.startswith("slides/")] if SITE.exists() else ["index.html"]


# The axe rules whose outcome depends on the colours: the only ones that can differ
# between the light and the dark visit of a page (the DOM is otherwise the same).
COLOUR_RULES = ["color-contrast", "link-in-text-block"]

# axe-core is put into each document once (a navigation or reload takes it away), and
# its colour-contrast rule is told to leave highlighted code (``.highlight``) to
# CODE_CONTRAST below, which judges it exactly once per colour pair instead of once per
# token. Every other rule, link-in-text-block included, sees the whole page. (This
# replaces a context ``exclude``, which axe applies to every rule and checks per node.)
AXE_SETUP = """
() => {
  if (window.__courseAxe) return;
  const rule = axe._audit.rules.find(r => r.id === 'color-contrast');
  const matches = rule.matches;
  axe.configure({rules: [{id: 'color-contrast',
                          matches: (node, virtualNode) => !node.closest('.highlight') && matches(node, virtualNode)}]});
  window.__courseAxe = true;
}
"""


@functools.cache
def _axe_script() -> str:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().axe_script


def _axe(page, report, only: list[str] | None = None):
    """axe-core inside the page; every violation, of any impact, becomes a problem of the report."""
    if not page.evaluate("() => Boolean(window.__courseAxe)"):
        page.evaluate(_axe_script())
        page.evaluate(AXE_SETUP)
    # preload=False: axe would otherwise re-fetch the theme's `@import "../basic.css"`
    # resolved against the page instead of the stylesheet (a 404 no reader sees).
    options: dict = {"resultTypes": ["violations"], "preload": False}
    if only:
        options["runOnly"] = {"type": "rule", "values": only}
    results = page.evaluate("(options) => axe.run(document, options)", options)
    for violation in results["violations"]:
        # Every impact counts, minor and moderate included (landmarks, roles, empty headers).
        targets = [", ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        report.extra.append(f"axe {violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")


# The contrast of highlighted code and cell outputs (``.highlight``), judged once per
# distinct (colour, background, size, weight) instead of once per token by axe: a code
# block is text in flat colours on one opaque background, where WCAG's ratio is exact,
# and axe spends about half its time on a chapter's thousand-odd tokens. Anything
# this check cannot judge exactly (transparency, a background image) is a problem.
CODE_CONTRAST = """
() => {
  const rgba = c => { const v = c.match(/rgba?\\(([^)]+)\\)/)[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
                      return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
  const channel = x => { x /= 255; return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
  const luminance = c => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const judged = new Map();
  const problems = [];
  let tokens = 0;
  for (const block of document.querySelectorAll('.highlight')) {
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      if (!text.textContent.trim()) continue;
      const el = text.parentElement;
      const style = getComputedStyle(el);
      if (!el.getClientRects().length || style.visibility !== 'visible') continue;
      tokens++;
      let background = null, why = null;
      for (let node = el; node && !background && !why; node = node.parentElement) {
        const s = getComputedStyle(node);
        const c = rgba(s.backgroundColor);
        if (s.backgroundImage !== 'none') why = 'a background image';
        else if (parseFloat(s.opacity) < 1) why = 'opacity ' + s.opacity;
        else if (c[3] === 1) background = c;
        else if (c[3] > 0) why = 'a translucent background ' + s.backgroundColor;
      }
      const colour = rgba(style.color);
      if (!why && colour[3] < 1) why = 'a translucent colour ' + style.color;
      if (!why && !background) why = 'no opaque background';
      const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
      const key = [style.color, background, size, bold].join('|');
      if (judged.has(key)) continue;
      const [hi, lo] = [luminance(colour), luminance(background || [255, 255, 255])].sort((a, b) => b - a);
      const ratio = (hi + 0.05) / (lo + 0.05);
      const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;  // WCAG AA: large text needs 3:1
      judged.set(key, ratio);
      const where = (el.className || el.tagName.toLowerCase()) + ' "' + text.textContent.trim().slice(0, 20) + '"';
      if (why) problems.push(`code contrast cannot be judged exactly at ${where}: ${why}`);
      else if (ratio < needed) problems.push(`code contrast ${ratio.toFixed(2)}:1 < ${needed}:1 at ${where} (${style.color} on ${style.backgroundColor === 'rgba(0, 0, 0, 0)' ? 'rgb(' + background.slice(0, 3).join(', ') + ')' : style.backgroundColor})`);
    }
  }
  return {tokens, combinations: judged.size, problems};
}
"""


def _code_contrast(page, report):
    found = page.evaluate(CODE_CONTRAST)
    report.extra += found["problems"]
    return found


def _every_rule(page, report):
    """Every axe rule (colour contrast outside highlighted code), and the contrast of highlighted code."""
    _axe(page, report)
    _code_contrast(page, report)


def _relative_luminance(rgb: np.ndarray) -> float:
    """Mean WCAG relative luminance (0 black … 1 white) of sRGB values in 0…255."""
    srgb = np.asarray(rgb, dtype=float) / 255
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    return float((linear @ np.array([0.2126, 0.7152, 0.0722])).mean())


def _luminance(png: bytes) -> float:
    """Mean relative luminance of a screenshot."""
    from PIL import Image

    return _relative_luminance(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")))


def _figures(page) -> list[tuple[float, str]]:
    """(luminance, CSS filter) of every figure of the page's executed cells, as shown on screen."""
    images = page.locator("main .cell_output img")
    found = []
    for k in range(images.count()):
        image = images.nth(k)
        image.scroll_into_view_if_needed()
        found.append((_luminance(image.screenshot()), image.evaluate("e => getComputedStyle(e).filter")))
    return found


def _figure_pages() -> set[str]:
    """Pages of the built site whose executed cells drew figures (read from the HTML, not from the browser)."""
    if not SITE.exists():
        return set()
    return {
        p.relative_to(SITE).as_posix()
        for p in (SITE / "book").glob("*.html")
        if re.search(r'class="cell_output[^"]*"(?:(?!class="cell docutils).)*?<img', p.read_text(), re.S)
    }


FIGURE_PAGES = _figure_pages()


def _light_checks(page, report):
    """Every axe rule (as in :func:`_every_rule`); figures shown as drawn (no filter, on white)."""
    _every_rule(page, report)
    figures = _figures(page)
    path = page.url.split("/", 3)[-1].split("#")[0]
    if path in FIGURE_PAGES and not figures:  # the figure checks must not pass for want of figures
        report.extra.append("the page has figures, but none was found on screen (main .cell_output img)")
    for k, (lum, css_filter) in enumerate(figures, start=1):
        if css_filter != "none" or lum <= 0.5:
            report.extra.append(f"figure {k} altered in light mode: filter {css_filter}, luminance {lum:.2f}")


def _dark_checks(page, report):
    """axe's colour rules (every rule on a page with interactive figures); no figure a bright box."""
    # The mode changes the colours and nothing else of the page, except the interactive
    # figures, which redraw themselves in the theme's colours: on their pages every rule
    # runs again (one run of every rule on the page costs what the colour rules on the page
    # and every rule within the figures cost in two runs). (The reader has moved the pointer
    # off the theme button, so no tooltip shows: test_tooltips_stay_inside_landmarks_and_read_well.)
    has_explorers = page.evaluate("() => Boolean(document.querySelector('.explorer[id]'))")
    _axe(page, report, only=None if has_explorers else COLOUR_RULES)
    _code_contrast(page, report)
    background = report.theme["background"]  # the body's computed background, collected before this hook
    red, green, blue = (int(c) for c in background[background.index("(") + 1 : background.index(")")].split(",")[:3])
    page_lum = _relative_luminance(np.array([[red, green, blue]]))
    for k, (lum, _) in enumerate(_figures(page), start=1):
        if lum > page_lum + 0.15:
            report.extra.append(
                f"figure {k} is bright in dark mode: luminance {lum:.2f} on a page of {page_lum:.2f} ({background})"
            )


def _assert_clean(report, path: str, visit: str) -> None:
    assert not report.problems(), f"{path} ({visit}):\n  " + "\n  ".join(report.problems())


@pytest.mark.site
@pytest.mark.parametrize("path", PAGES)
def test_page_reads_cleanly(browser, site_url, path):
    """A reader's visits of a page, in one tab.

    1. First visit, nothing stored: the site's default mode (light) applies;
       every axe rule; figures as drawn.
    2. The reader clicks the theme button until the page is dark: the colour
       rules of axe (every rule on a page with interactive figures); no figure
       left a bright box.
    3. The reader comes back (a reload): the stored dark choice applies from the start.
    """
    with Reader(browser, site_url) as reader:
        first = reader.open(path, after=_light_checks)
        _assert_clean(first, path, "first visit")
        if path == "index.html":
            return  # the root index.html is a redirect page without the theme
        assert first.theme["theme"] == "light", (
            f"{path}: the default mode was not applied on a first visit: {first.theme}"
        )
        live = reader.has_theme_button
        dark = reader.switch_mode("dark", after=_dark_checks)
        _assert_clean(dark, path, "switched to dark mode")
        assert dark.theme["theme"] == "dark", f"{path}: the dark mode was not applied: {dark.theme}"
        assert dark.theme["background"] != dark.theme["text"]
        if live:
            again = reader.reload()
            _assert_clean(again, path, "reloaded in dark mode")
            assert again.theme["theme"] == "dark", f"{path}: the stored dark mode was lost on reload: {again.theme}"


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
    with Reader(browser, site_url) as reader:
        page = reader.page
        page.goto(f"{site_url}/search.html?q=gradient", wait_until="load")
        page.wait_for_selector("#search-results ul.search li", timeout=20_000)
        page.wait_for_load_state("networkidle")
        hits = page.eval_on_selector_all(
            "#search-results ul.search li a", "els => els.map(a => a.getAttribute('href'))"
        )
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
    # Typeset at build time (SVG output): the page loads MathJax only for its menu, from the site.
    assert 'data-mathjax="../_static/mathjax/tex-svg.js"' in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    assert (site_dir / "_static" / "mathjax" / "tex-svg.js").exists()


SHOW_TOOLTIPS = """
async (show) => {
  // The header's drop-down menus open first: their items have tooltips too.
  for (const toggle of document.querySelectorAll('.dropdown-toggle'))
    bootstrap.Dropdown.getOrCreateInstance(toggle)[show ? 'show' : 'hide']();
  const triggers = [...document.querySelectorAll('[data-bs-toggle="tooltip"]')].filter(e => e.getClientRects().length);
  for (const e of triggers) bootstrap.Tooltip.getOrCreateInstance(e)[show ? 'show' : 'hide']();
  return {triggers: triggers.length, tooltips: document.querySelectorAll('.tooltip.show').length};
}
"""


@pytest.mark.site
def test_tooltips_stay_inside_landmarks_and_read_well(browser, site_url):
    """The theme's tooltips (shown while the pointer rests on a header button): every axe rule, both modes.

    One is shown by hovering, as a reader does; then all of them at once through
    Bootstrap's own API, fully faded in (one axe run instead of a hover and its delays
    per button). The page visits of test_page_reads_cleanly move the pointer away.
    """
    with Reader(browser, site_url) as reader:
        reader.open("book/notation.html")  # the header buttons are the same on every chapter page
        page = reader.page
        page.locator(".theme-switch-button").locator("visible=true").first.hover()
        page.wait_for_selector(".tooltip.show", state="visible")
        problems = []
        for mode in ("light", "dark"):
            if mode == "dark":
                page.evaluate(SHOW_TOOLTIPS, False)
                switched = reader.switch_mode("dark")
                problems += [f"switching to dark mode: {p}" for p in switched.problems()]
            shown = page.evaluate(SHOW_TOOLTIPS, True)
            still = page.evaluate(SETTLE)  # the tooltips fade in
            assert shown["triggers"] >= 3 and shown["tooltips"] == shown["triggers"] and not still, (mode, shown, still)
            report = PageReport(url=page.url)
            _axe(page, report)
            problems += [f"{mode} mode: {p}" for p in report.problems()]
        assert not problems, "\n".join(problems)
