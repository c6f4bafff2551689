"""The lecture slides: one reveal.js deck per chapter notebook, built with the site.

* Unit: the section → slides splitter of ``book/_ext/course_slides.py`` on a
  tiny synthetic notebook.
* Site: every chapter that has a student notebook has a deck in the built
  site; each deck opens offline in Chromium without any problem (as the site's
  pages are read in tests/test_site.py: axe in light mode, colour rules in the
  dark mode the site's stored choice gives), renders its math (typeset at
  build time), has at least three slides, every slide and every displayed
  formula fits the canvas, and the keyboard navigates it; a right-click on a
  formula opens MathJax's menu; every chapter page links its deck.
"""

from __future__ import annotations

import base64
import re
import sys

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import ROOT
from reader import Reader, open_page
from test_site import _dark_checks, _light_checks

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import course_slides  # noqa: E402

CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))

# A 1x1 PNG, for a figure output.
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()


def _notebook() -> nbformat.NotebookNode:
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    figure = code("plt.plot([1, 2])\nplt.show()")
    figure.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"})]
    long_section = "\n\n".join(
        f"Equation {k} follows.\n\n$$\n\\frac{{a_{k}}}{{b}} = c\n\\tag{{{k}}}\n$$" for k in range(1, 7)
    )
    return nbformat.v4.new_notebook(
        cells=[
            md('*Student notebook for the chapter "T".*'),
            md(
                "# A tiny chapter\n\n## Overview\n\nIt proves $a = b$.\nSecond sentence.\n\n$$\na = b\n\\tag{1}\n$$\n\nSee [(2)](other.ipynb)."
            ),
            md(
                "## The proof\n\n### Step 1\n\nWe start.\n\n> **Theorem 1 (Small).**\n>\n> For all $x$, $x = x$.\n\n"
                "### Step 2\n\nProse only.\nMore prose.\n\n- item one\n- item two"
            ),
            figure,
            md("*Figure 1.* A line."),
            md("## Long\n\n" + long_section),
            md("## Exercises\n\nTry these.\n\n> **Exercise 1 (Easy).**\n>\n> Show $y = y$.\n> Then rest."),
        ]
    )


def test_sections_become_slides_with_notes_figures_and_exercises(tmp_path):
    blocks = course_slides.notebook_blocks(_notebook(), {"plt.plot([1, 2])\nplt.show()": "A rising line."})
    deck = course_slides.split_sections(blocks)
    assert deck.title == "A tiny chapter"
    # One horizontal slide per ## section, a vertical page per ### and per continuation page;
    # the exercises leave their section for the closing slide.
    titles = [[(p.title, p.part) for p in stack] for stack in deck.stacks]
    assert titles[0] == [("Overview", (1, 1))]
    assert titles[1] == [("Step 1", (1, 1)), ("Step 2", (1, 1))]
    assert [t for t, _ in titles[2]] == ["Long"] * len(titles[2]) and len(titles[2]) >= 2
    assert len(deck.stacks) == 3 and [e.source.splitlines()[0] for e in deck.exercises] == ["**Exercise 1 (Easy).**"]

    overview = deck.stacks[0][0]
    assert [b.kind for b in overview.visible] == ["lead", "math"]
    assert overview.visible[0].source == "It proves $a = b$."  # the first sentence only
    assert any("Second sentence." in b.source for b in overview.notes)  # the whole prose in the notes
    step1, step2 = deck.stacks[1]
    assert step1.context == "The proof" and [b.kind for b in step1.visible] == ["lead", "statement"]
    assert [b.kind for b in step2.visible] == ["lead", "figure"]  # the list goes into the notes
    assert any(b.kind == "list" for b in step2.notes)
    long_pages = deck.stacks[2]
    equations = [b for page in long_pages for b in page.visible if b.kind == "math"]
    assert len(equations) == 6 and all(sum(b.weight for b in p.visible) <= course_slides.BUDGET for p in long_pages)

    html = course_slides.render_deck(deck, "tiny", mathjax_config={"tex": {}}, site_title="Site", figures_dir=tmp_path)
    assert '<html lang="en">' in html and "<title>A tiny chapter — lecture slides</title>" in html
    assert '<div class="math">\\[a = b\n\\tag{1}\\]</div>' in html
    assert '<span class="math">\\(x = x\\)</span>' in html
    assert 'href="../book/other.html"' in html and '.ipynb"' not in html.replace('tiny.ipynb"', "")
    assert '<img src="tiny/figure-1.png" alt="A rising line.">' in html and "<figcaption>" in html
    assert (tmp_path / "tiny" / "figure-1.png").read_bytes().startswith(b"\x89PNG")
    assert '<aside class="notes tex2jax_ignore">' in html and "<code>$a = b$</code>.\nSecond sentence." in html
    assert "<strong>Exercise 1 (Easy).</strong> Show" in html and 'href="../book/tiny.html"' in html
    assert "http://" not in html and "https://" not in html


def test_html_in_the_source_is_escaped():
    html = course_slides.markdown().render("a <script>x</script> and $a<b$\n\n$$\nc<d\n$$")
    assert "<script>" not in html and "a&lt;b" in html and "c&lt;d" in html


DECK_REPORT = """
() => ({
  slides: Reveal.getTotalSlides(),
  math: document.querySelectorAll('.slides .math').length,
  rendered: document.querySelectorAll('.slides .math mjx-container').length,
  errors: document.querySelectorAll('mjx-merror').length,
  notes: document.querySelectorAll('aside.notes').length,
  title: document.title,
  lang: document.documentElement.lang,
})
"""

OVERFLOWING = """
() => {
  const height = Reveal.getConfig().height * (1 - Reveal.getConfig().margin);
  const out = [];
  for (const slide of Reveal.getSlides()) {
    const at = Reveal.getIndices(slide);
    Reveal.slide(at.h, at.v);
    if (slide.scrollHeight > height + 2) out.push(`#/${at.h}/${at.v || 0} (${slide.scrollHeight}px)`);
    for (const math of slide.querySelectorAll('div.math'))
      if (math.scrollWidth > math.clientWidth + 1) out.push(`#/${at.h}/${at.v || 0}: a formula ${math.scrollWidth}px wide`);
  }
  Reveal.slide(0, 0);
  return out;
}
"""


def _wait_for_deck(page) -> None:
    page.wait_for_function("() => document.documentElement.classList.contains('course-slides-ready')", timeout=20_000)


@pytest.mark.site
def test_every_chapter_notebook_has_a_deck(site_dir):
    assert CHAPTERS, "no student notebooks?"
    decks = sorted(p.stem for p in (site_dir / "slides").glob("*.html"))
    assert decks == CHAPTERS, "a deck for each chapter notebook, and only for those"
    assert not (site_dir / "slides" / "intro.html").exists()
    assets = site_dir / "slides" / course_slides.ASSETS_DIR
    for name in ("dist/reveal.js", "dist/reveal.css", "dist/theme/white.css", "plugin/notes/notes.js"):
        assert (assets / name).exists(), f"reveal.js file {name} is not served by the site"
    assert (site_dir / "_static" / "course-math.js").exists() and (site_dir / "_static/mathjax/tex-svg.js").exists()
    for chapter in CHAPTERS:
        html = (site_dir / "slides" / f"{chapter}.html").read_text()
        # Typeset at build time like the site's pages (tools/prerender_math.py): MathJax is loaded only for its menu.
        assert '<meta name="course-math"' in html and 'data-mathjax="../_static/mathjax/tex-svg.js"' in html
        assert "tex-chtml.js" not in html, f"{chapter}: the deck still loads MathJax to typeset"
        assert '"startup": {"typeset": false}' in html, f"{chapter}: MathJax, loaded for its menu, would typeset again"
        soup = BeautifulSoup(html, "html.parser")
        loaded = [t.get("src") for t in soup.find_all(["script", "img"]) if t.get("src")]
        loaded += [t.get("href") for t in soup.find_all("link") if t.get("href")]
        assert loaded and not [u for u in loaded if re.match(r"^(https?:)?//", u)], f"{chapter}: loads from the web"


@pytest.mark.site
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_deck_opens_offline_renders_math_and_navigates_by_keyboard(browser, site_url, chapter):
    found: dict = {}

    def after(page, report):
        _wait_for_deck(page)
        found.update(page.evaluate(DECK_REPORT))
        found["overflowing"] = page.evaluate(OVERFLOWING)
        start = page.evaluate("Reveal.getIndices()")
        page.keyboard.press("ArrowRight")
        found["after_right"] = page.evaluate("Reveal.getIndices()")
        page.keyboard.press("n")
        found["after_n"] = page.evaluate("Reveal.getIndices()")
        found["start"] = start
        page.wait_for_function("() => location.hash.startsWith('#/')", timeout=5_000)
        found["hash"] = page.evaluate("location.hash")
        page.keyboard.press("Escape")
        found["overview"] = page.evaluate("Reveal.isOverview()")
        page.keyboard.press("Escape")
        found["overview_closed"] = not page.evaluate("Reveal.isOverview()")

    def light(page, report):
        _light_checks(page, report)  # every axe rule, as for the site's pages (tests/test_site.py)
        after(page, report)

    with Reader(browser, site_url) as reader:
        report = reader.open(f"slides/{chapter}.html", after=light)
        assert not report.problems(), f"slides/{chapter}.html:\n  " + "\n  ".join(report.problems())
        assert report.theme["theme"] == "light", report.theme
        # The deck has no theme button: the site's stored choice (dark) is applied when it is opened.
        dark = reader.switch_mode("dark", after=_dark_checks)
        assert not dark.problems(), f"slides/{chapter}.html (dark):\n  " + "\n  ".join(dark.problems())
        assert dark.theme["theme"] == "dark" and dark.theme["background"] != dark.theme["text"], dark.theme
    assert found["lang"] == "en" and "lecture slides" in found["title"]
    assert found["slides"] >= 3, found
    assert found["math"] > 0 and found["rendered"] == found["math"] and found["errors"] == 0, found
    assert found["notes"] > 0, "the prose of the chapter is in the speaker notes"
    assert not found["overflowing"], f"slides taller or formulas wider than the canvas: {found['overflowing']}"
    assert found["after_right"] != found["start"], "ArrowRight did not move to the next slide"
    assert found["after_n"] != found["after_right"], "'n' did not move to the next slide"
    assert found["hash"].startswith("#/"), "each slide has its own URL"
    assert found["overview"] and found["overview_closed"], "Esc does not toggle the overview"


def _deck_links(html: str) -> list[tuple[str, str]]:
    """(href, text) of each link of class course-slides-link inside the page's ``<main>``.

    Read from the HTML with a pattern: a chapter page is about 1 MB, which an HTML parser in
    Python takes a quarter of a second to read, and Sphinx writes these links in one form.

    >>> _deck_links('<main><p><a class="reference course-slides-link" href="../slides/x.html">Lecture slides</a></p></main>')
    [('../slides/x.html', 'Lecture slides')]
    >>> _deck_links('<a class="course-slides-link" href="x.html">Lecture slides</a><main></main>')
    []
    """
    start, end = html.find("<main"), html.rfind("</main>")
    links = []
    for match in re.finditer(r"<a\b([^>]*)>(.*?)</a>", html[start:end] if 0 <= start < end else ""):
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))
        if "course-slides-link" in attributes.get("class", "").split():
            links.append((attributes.get("href", ""), re.sub(r"<[^>]+>", "", match.group(2)).strip()))
    return links


@pytest.mark.site
def test_every_chapter_page_links_its_deck(browser, site_url, site_dir):
    for chapter in CHAPTERS:
        links = _deck_links((site_dir / "book" / f"{chapter}.html").read_text())
        assert links == [(f"../slides/{chapter}.html", "Lecture slides")], f"{chapter} does not link its deck: {links}"
        assert (site_dir / "book" / links[0][0]).resolve().exists()
    intro = (site_dir / "book" / "intro.html").read_text()
    assert "course-slides-link" not in intro, "a page without a notebook has no deck"

    chapter = CHAPTERS[0]
    with Reader(browser, site_url) as reader:
        page = reader.page
        page.goto(f"{site_url}/book/{chapter}.html", wait_until="load")
        page.click("a.course-slides-link")
        page.wait_for_url(f"**/slides/{chapter}.html*")
        _wait_for_deck(page)
        assert page.evaluate("Reveal.isReady()")
        page.click("section.present a[href$='.html']")  # the title slide links back to the chapter
        page.wait_for_url(f"**/book/{chapter}.html")


@pytest.mark.site
def test_a_formula_on_a_slide_opens_the_mathjax_menu_and_zooms(browser, site_url):
    """The decks' math is typeset at build time (tools/math/course-math.js, as on the site's pages):

    a right-click on a formula loads MathJax for its menu; once a zoom trigger is chosen
    (MathJax keeps it in localStorage), a click zooms any formula, one MathJax does not own yet too.
    """
    found = {}
    formula = "section.present:not(.stack) div.math mjx-container"

    def menu_and_zoom(page, report):
        _wait_for_deck(page)
        page.locator(formula).first.click(button="right")
        page.wait_for_selector(".CtxtMenu_Menu", state="visible", timeout=30_000)
        found["menu"] = page.inner_text(".CtxtMenu_Menu")
        page.keyboard.press("Escape")
        page.evaluate("localStorage.setItem('MathJax-Menu-Settings', JSON.stringify({zoom: 'Click'}))")
        page.goto(page.url.replace("#/3/1", "#/4/3"))
        page.reload()
        _wait_for_deck(page)
        assert not page.evaluate("Boolean(window.MathJax && MathJax.startup && MathJax.startup.document)")
        page.locator(formula).last.click()
        page.wait_for_selector(".CtxtMenu_Info mjx-container", state="visible", timeout=30_000)
        found["zoomed"] = page.inner_text(".CtxtMenu_Info")

    report = open_page(browser, site_url, "slides/total_derivative.html#/3/1", after=menu_and_zoom)
    assert not report.problems(), "\n".join(report.problems())
    assert "Show Math As" in found["menu"] and "Math Settings" in found["menu"], found["menu"]
    assert "MathJax Zoomed Expression" in found["zoomed"], found["zoomed"]


@pytest.mark.site
def test_the_overview_shows_every_slide_fitted(browser, site_url):
    """Esc right after opening a deck: the slides not visited yet fit too (total_derivative's (13) is too wide)."""
    found = {}

    def overview(page, report):
        _wait_for_deck(page)
        page.keyboard.press("Escape")
        page.wait_for_function("() => Reveal.isOverview()", timeout=5_000)
        found["wide"] = page.evaluate(
            """() => Array.from(document.querySelectorAll('.slides div.math'))
                       .filter(m => m.scrollWidth > m.clientWidth + 1).map(m => m.scrollWidth)"""
        )
        found["shrunk"] = page.evaluate("document.querySelectorAll('.slides div.math[style*=font-size]').length")
        found["slides"] = page.evaluate(
            "Array.from(document.querySelectorAll('.slides section:not(.stack)')).filter(s => s.style.fontSize).length"
        )

    report = open_page(browser, site_url, "slides/total_derivative.html", after=overview)
    assert not report.problems(), "\n".join(report.problems())
    assert not found["wide"] and found["shrunk"] >= 1, found
    assert found["slides"] <= 1, f"the overview gave {found['slides']} slides a smaller font: only fit() on a visit may"


@pytest.mark.site
def test_dark_mode_of_the_site_gives_a_dark_deck(browser, site_url):
    report = open_page(browser, site_url, f"slides/{CHAPTERS[0]}.html", color_scheme="dark")
    assert not report.problems(), "\n".join(report.problems())
    assert report.theme["theme"] == "dark" and report.theme["background"] != "rgb(255, 255, 255)", report.theme
