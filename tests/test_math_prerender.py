"""The math typeset at build time (tools/prerender_math.py, MathJax 3 in Node).

Unit tests of the step on small pages, then the built site in headless
Chromium: the macros of ``_config.yml`` are expanded, equation numbers and
the ``{eq}`` links to them work, the math (SVG glyphs filled with
``currentColor``) follows the text colour in dark mode, the page requests
nothing outside the site, no web font for its math, and never loads the
MathJax runtime to show its math, the MathJax menu still opens (loaded on demand),
and copying a formula copies its TeX.
"""

from __future__ import annotations

import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT
from reader import open_page

sys.path.insert(0, str(ROOT / "tools"))

import prerender_math as pm  # noqa: E402

MACROS = pm.site_macros()
NODE_READY = shutil.which("node") is not None and (pm.NODE_DIR / "node_modules" / "mathjax").exists()
needs_node = pytest.mark.skipif(not NODE_READY, reason="MathJax for Node not installed: run `./run site` (npm ci)")

PAGE = """<!DOCTYPE html><html><head><title>t</title>
<script>window.MathJax = {{"tex": {{"macros": {{}}}}}}</script>
<script defer="defer" src="../_static/mathjax/tex-chtml.js"></script>
</head><body><p>Cost <span class="math notranslate nohighlight">\\({inline}\\)</span>.</p>
<div class="math notranslate nohighlight" id="equation-eq-t">
<span class="eqno">(7)<a class="headerlink" href="#equation-eq-t" title="Link to this equation">#</a></span>\\[{display}\\]</div>
<p>See <a class="reference internal" href="#equation-eq-t">(7)</a>.</p></body></html>
"""


def _site(
    tmp_path: Path,
    inline: str = r"\MSE(\btheta) &lt; 1",
    display: str = r"\grad \MSE = \frac{2}{m}\X^\top(\X\btheta - \by)",
) -> Path:
    site = tmp_path / "html"
    (site / "book").mkdir(parents=True)
    (site / "_static").mkdir()
    (site / "book" / "page.html").write_text(PAGE.format(inline=inline, display=display))
    (site / "book" / "plain.html").write_text("<html><head></head><body><p>no math</p></body></html>")
    return site


def test_find_formulas_reads_sphinx_markup():
    formulas = pm.find_formulas(PAGE.format(inline="a &lt; b", display="x"))
    assert [(f.tex, f.display) for f in formulas] == [("a < b", False), ("x", True)]
    assert '<span class="eqno">(7)' in formulas[1].head


def test_unrecognised_math_markup_stops_the_step():
    with pytest.raises(pm.MathPrerenderError, match="holds no"):
        pm.find_formulas('<span class="math">$x$</span>')


@needs_node
def test_prerender_expands_macros_keeps_numbers_mathml_and_tex(tmp_path):
    site = _site(tmp_path)
    stats = pm.prerender_site(site, tmp_path / "cache", macros=MACROS, verbose=False)
    assert stats["typeset"] == 1 and stats["formulas"] == 2
    page = (site / "book" / "page.html").read_text()
    assert "\\(" not in page and "\\[" not in page.replace('encoding="application/x-tex"', "")
    assert 'src="../_static/mathjax/tex-chtml.js"' not in page  # no MathJax to typeset on load
    assert 'src="../_static/course-math.js"' in page and (site / "_static" / "course-math.js").exists()
    assert 'data-mathjax="../_static/mathjax/tex-svg.js"' in page  # the menu's MathJax, same output
    assert '"startup": {"typeset": false}' in page
    # \MSE and \btheta of _config.yml: an operator name and a bold theta, no undefined macro left.
    assert "<mi>MSE</mi>" in page and '<mi mathvariant="bold-italic">θ</mi>' in page
    assert "\\btheta" not in re.sub(r"<annotation[^>]*>.*?</annotation>", "", page)
    # The equation number and its anchor stay where Sphinx put them, around the formula.
    assert re.search(r'<div class="math notranslate nohighlight" id="equation-eq-t">\s*<span class="eqno">\(7\)', page)
    assert page.count("<mjx-assistive-mml") == 2 and page.count('<annotation encoding="application/x-tex">') == 2
    assert "\\MSE(\\btheta) &lt; 1</annotation>" in page  # the TeX source, as the author wrote it
    # SVG output: each glyph drawn is defined once, in the page's hidden glyph <svg> at the start of the body.
    assert (
        page.count('<mjx-container class="MathJax" jax="SVG"') == 2 and "woff" not in page and 'jax="CHTML"' not in page
    )
    assert page.count('<svg id="course-math-glyphs"') == 1
    assert re.search(r'<body[^>]*><svg id="course-math-glyphs"', page)
    glyphs = re.search(r'<svg id="course-math-glyphs".*?</svg>', page, re.S).group(0)
    used = set(re.findall(r'<use [^>]*xlink:href="#([^"]+)"', page))
    defined = set(re.findall(r'<path id="([^"]+)"', glyphs))
    assert used and used == defined, used ^ defined
    assert (site / "book" / "plain.html").read_text() == "<html><head></head><body><p>no math</p></body></html>"


@needs_node
def test_a_tex_error_stops_the_step_naming_page_and_formula(tmp_path):
    site = _site(tmp_path, inline=r"\frac{1")
    with pytest.raises(pm.MathPrerenderError, match=r"book/page.html: Missing close brace in '\\\\frac\{1'"):
        pm.prerender_site(site, tmp_path / "cache", macros=MACROS, verbose=False)


@needs_node
def test_unchanged_pages_are_not_typeset_again(tmp_path):
    site, cache = _site(tmp_path), tmp_path / "cache"
    raw = (site / "book" / "page.html").read_text()
    first = pm.prerender_site(site, cache, macros=MACROS, verbose=False)
    typeset = (site / "book" / "page.html").read_text()
    assert first["typeset"] == 1
    assert pm.prerender_site(site, cache, macros=MACROS, verbose=False)["skipped"] == 1  # already typeset
    (site / "book" / "page.html").write_text(raw)  # Sphinx rewrote it unchanged
    again = pm.prerender_site(site, cache, macros=MACROS, verbose=False)
    assert again["cached"] == 1 and again["typeset"] == 0
    assert (site / "book" / "page.html").read_text() == typeset
    # Other macros: a new renderer, every page typeset again from its cached source.
    changed = pm.prerender_site(site, cache, macros={**MACROS, "extra": "x"}, verbose=False)
    assert changed["typeset"] == 1


# --------------------------------------------------------------------------- the built site

PAGE_PATH = "book/notation.html"
TARGET = "equation-eq-notation-mse"


def _prerendered(site_dir: Path) -> None:
    html = (site_dir / PAGE_PATH).read_text()
    if 'name="course-math"' not in html:
        pytest.fail(f"{PAGE_PATH} was not typeset at build time: build with `./run site`")


@pytest.mark.site
def test_site_pages_with_math_are_typeset_at_build_time(site_dir):
    pages = [p for p in (site_dir / "book").glob("*.html") if 'class="math' in p.read_text()]
    decks = list((site_dir / "slides").glob("*.html"))
    assert len(pages) >= 8 and len(decks) >= 8
    pages += decks  # the lecture slides too
    for path in pages:
        html = path.read_text()
        assert 'name="course-math"' in html, f"{path.name} was not typeset at build time"
        assert 'src="../_static/mathjax/tex-chtml.js"' not in html, f"{path.name} still loads MathJax to typeset"
        assert "cdn.jsdelivr" not in html and "unpkg.com" not in html and "fonts.googleapis" not in html


class _TableRowSvg(HTMLParser):
    """Each ``<svg>`` that is a child of a child of an mtable group (``mtable > g > svg`` in MathJax's CSS)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "svg" and len(self.stack) >= 2 and self.stack[-2] == ("g", "mtable"):
            if not {"data-table", "data-labels"} & set(attributes):
                self.found.append(self.stack[-1][1])
        self.stack.append((tag, attributes.get("data-mml-node") or ""))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass


@pytest.mark.site
def test_formulas_carry_no_group_that_draws_nothing(site_dir):
    """tools/math/prerender.mjs unwraps a ``<g>`` that only names its MathML node (it draws nothing of its
    own), but not the nodes MathJax's stylesheet selects by name (mtable, merror, maction), their children,
    nor a table row's cells, so that the stylesheet's child combinators match what they matched."""
    bare_seen = set()
    for path in sorted((site_dir / "book").glob("*.html")) + sorted((site_dir / "slides").glob("*.html")):
        page = path.read_text()
        bare = set(re.findall(r'<g data-mml-node="(\w+)">', page))
        assert bare <= {"mtable", "merror", "maction", "mtr", "mlabeledtr", "mtd"}, (path.name, sorted(bare))
        bare_seen |= bare
        moved = re.findall(r'<g data-mml-node="(?!mtr"|mtd")\w+" transform="[^"]*"><use [^>]*></use></g>', page)
        assert not moved, (path.name, moved[:3])
        rows = _TableRowSvg()
        for formula in re.findall(r"<mjx-container\b.*?</mjx-container>", page, re.S):
            if 'data-mml-node="mtable"' in formula:
                rows.feed(formula)
        assert not rows.found, f"{path.name}: an <svg> moved into a table row (mtable > g > svg): {rows.found[:3]}"
    assert "mtable" in bare_seen, "no table in the chapters? the guard above would test nothing"


@pytest.mark.site
def test_equation_number_and_eq_link_work(browser, site_url, site_dir):
    _prerendered(site_dir)

    def follow(page, report):
        number = page.eval_on_selector(f"#{TARGET} .eqno", "el => el.firstChild.textContent.trim()")
        report.extra += [] if re.fullmatch(r"\(\d+\)", number) else [f"equation number {number!r}"]
        assert page.locator(f"#{TARGET} mjx-container[display='true']").count() == 1
        link = page.locator(f'main a.reference.internal[href="#{TARGET}"]').first
        assert link.inner_text() == number, "the {eq} link shows another number than the equation"
        link.click()
        page.wait_for_timeout(300)
        box = page.eval_on_selector(f"#{TARGET}", "el => el.getBoundingClientRect().toJSON()")
        if not (0 <= box["top"] < 900):
            report.extra.append(f"following the {{eq}} link did not bring the equation into view: {box}")

    report = open_page(browser, site_url, PAGE_PATH, after=follow)
    assert not report.problems(), "\n".join(report.problems())
    assert report.math["prerendered"] and not report.math["runtime"]


# SVG output: a glyph is a <use> of a path, painted with the fill (and stroke) of the formula's <svg>,
# which MathJax sets to currentColor: both must compute to the colour of the text around it.
COLOURS = """
() => {
  const para = Array.from(document.querySelectorAll('main p')).find(p => p.querySelector('mjx-container svg use'));
  const glyph = para.querySelector('mjx-container svg use');
  const style = getComputedStyle(glyph);
  return {text: getComputedStyle(para).color, math: style.fill, before: style.stroke, color: style.color};
}
"""


@pytest.mark.site
def test_math_follows_the_text_colour_in_light_and_dark_mode(browser, site_url, site_dir):
    _prerendered(site_dir)
    seen = {}
    for mode in ("light", "dark"):
        report = open_page(
            browser,
            site_url,
            PAGE_PATH,
            color_scheme=mode,
            after=lambda p, r, mode=mode: seen.update({mode: p.evaluate(COLOURS)}),
        )
        assert not report.problems(), "\n".join(report.problems())
        assert seen[mode]["math"] == seen[mode]["before"] == seen[mode]["text"], f"{mode}: {seen[mode]}"
    assert seen["light"]["math"] != seen["dark"]["math"]


@pytest.mark.site
def test_offline_no_request_outside_the_site_and_fonts_from_the_site(browser, site_url, site_dir):
    _prerendered(site_dir)
    requests: list[str] = []

    def collect(page, report):
        page.wait_for_function("document.fonts.status === 'loaded'")
        requests.extend(page.evaluate("performance.getEntriesByType('resource').map(r => r.name)"))

    report = open_page(browser, site_url, "book/elementwise.html", after=collect)
    assert not report.problems(), "\n".join(report.problems())  # includes: no request outside the local server
    assert not report.foreign_requests
    # SVG output: the math needs no web font (its glyphs are paths in the page); any font comes from the site.
    fonts = [r for r in requests if re.search(r"\.(woff2?|ttf|otf)(\?|$)", r)]
    assert all(r.startswith(f"{site_url}/") for r in fonts), fonts
    assert not [r for r in fonts if "/mathjax/" in r], fonts
    assert report.math["rendered"] and not report.math["brokenGlyphs"]
    assert not [r for r in requests if "/mathjax/" in r and r.endswith(".js")], "the MathJax runtime was loaded"


@pytest.mark.site
def test_mathjax_menu_loads_on_demand_and_copy_gives_tex(browser, site_url, site_dir):
    _prerendered(site_dir)
    found = {}

    def interact(page, report):
        # Copying a paragraph copies each formula's TeX.
        found["copied"] = page.evaluate(
            """() => {
              const para = Array.from(document.querySelectorAll('main p')).find(
                p => Array.from(p.querySelectorAll('annotation')).some(a => a.textContent === '\\\\X'));
              const range = document.createRange(); range.selectNodeContents(para);
              const sel = document.getSelection(); sel.removeAllRanges(); sel.addRange(range);
              const event = new ClipboardEvent('copy', {clipboardData: new DataTransfer(), bubbles: true, cancelable: true});
              document.dispatchEvent(event);
              return event.clipboardData.getData('text/plain');
            }"""
        )
        formula = page.locator(f"#{TARGET} mjx-container")
        formula.click(button="right")
        page.wait_for_selector(".CtxtMenu_Menu", state="visible", timeout=30_000)
        found["menu"] = page.inner_text(".CtxtMenu_Menu")
        found["tex"] = page.evaluate("Array.from(MathJax.startup.document.math).map(m => m.math).join(' ')")
        page.keyboard.press("Escape")

    report = open_page(browser, site_url, PAGE_PATH, after=interact)
    assert not report.console and not report.failed_requests and not report.foreign_requests, report.problems()
    assert "Show Math As" in found["menu"] and "Copy to Clipboard" in found["menu"], found["menu"]
    assert "\\MSE(\\btheta)" in found["tex"]
    assert "$\\X$" in found["copied"] and "\\(" not in found["copied"], found["copied"]


def test_the_mathjax_script_is_found_with_or_without_sphinx_checksum():
    """Sphinx writes ``tex-chtml.js?v=<checksum>`` once the file is in the output: both forms are replaced."""
    for src in ("../_static/mathjax/tex-chtml.js", "../_static/mathjax/tex-chtml.js?v=20daa33d"):
        match = pm.MATHJAX_SCRIPT.search(f'<script defer="defer" src="{src}"></script>')
        assert match and match.group("prefix") == "../", src
