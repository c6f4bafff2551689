"""The student notebooks as JupyterLab shows them: math intact, cross-references that are links that land.

Each notebook that tools/myst_to_notebook.py makes from book/ is exported by
nbconvert (lab template), with its Markdown cells rendered the way JupyterLab
renders them: the math is taken out first (JupyterLab's ``removeMath``), the
rest goes through a CommonMark renderer, and the math is put back for
MathJax. That order is what turns a ``> `` quote prefix inside ``$$ … $$``
into part of the formula in JupyterLab, while nbconvert's own Markdown
renderer would hide the problem. The pages are opened in headless Chromium
with the offline MathJax 3 of sphinx-mathjax-offline, configured like
JupyterLab's. The test fails on

* a formula whose TeX has a line starting with ``>`` (a quote prefix inside
  display math), a MathJax error, or a ``$`` left visible in the text;
* a cross-reference that is not a link: an equation number "(N)", "Theorem N",
  "Exercise N", "Figure N"… or the title of a labelled section, in running text
  outside a link;
* a link to a notebook that does not exist, or to an anchor (``#id``) that the
  target notebook does not have.
"""

from __future__ import annotations

import functools
import html
import http.server
import re
import shutil
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import myst_to_notebook as m2n  # noqa: E402
from reader import borrowed_page  # noqa: E402

import notebooks as nbtool  # noqa: E402

MATHJAX_CANDIDATES = [
    Path(sys.prefix)
    / "lib"
    / f"python{sys.version_info.major}.{sys.version_info.minor}"
    / "site-packages"
    / "sphinx-mathjax-offline"
    / "static"
    / "mathjax",
]
KINDS = "Theorem|Lemma|Definition|Proposition|Corollary|Remark|Example|Algorithm|Exercise|Figure"

# A port of the tokenizer of JupyterLab's removeMath (@jupyterlab/rendermime, latex.ts).
_MATH_SPLIT = re.compile(
    r"(\$\$?|\\(?:begin|end)\{[a-z]*\*?\}|\\[{}$]|[{}]|(?:\n\s*)+|@@\d+@@|\\\\(?:\(|\)|\[|\]))", re.I
)


def remove_math(text: str) -> tuple[str, list[str]]:
    """Replace every formula by ``@@k@@`` as JupyterLab does before Markdown; return the text and the formulas."""
    math: list[str] = []
    blocks = _MATH_SPLIT.split(text.replace("\r\n", "\n"))
    start = end = last = None
    braces = 0

    def process(i: int, j: int) -> None:
        block = "".join(blocks[i : j + 1])
        blocks[i] = f"@@{len(math)}@@"
        math.append(block)
        for k in range(i + 1, j + 1):
            blocks[k] = ""

    i = 1
    while i < len(blocks):
        block = blocks[i]
        if block.startswith("@"):
            blocks[i] = f"@@{len(math)}@@"
            math.append(block)
        elif start is not None:
            if block == end:
                if braces:
                    last = i
                else:
                    process(start, i)
                    start = end = last = None
                    braces = 0
            elif re.match(r"\n.*\n", block):
                if last is not None:
                    i = last
                    process(start, i)
                start = end = last = None
                braces = 0
            elif block == "{":
                braces += 1
            elif block == "}" and braces:
                braces -= 1
        else:
            if block in ("$", "$$"):
                start, end, braces = i, block, 0
            elif block in ("\\\\(", "\\\\["):
                start, end, braces = i, ("\\\\)" if block.endswith("(") else "\\\\]"), 0
            elif block.lower().startswith("\\begin"):
                start, end, braces = i, "\\end" + block[6:], 0
        i += 2
    if last is not None:
        process(start, last)
    return "".join(blocks), math


def jupyterlab_markdown(source: str) -> str:
    """Markdown cell → HTML the JupyterLab way: math out, Markdown, math back in (escaped)."""
    from markdown_it import MarkdownIt

    text, math = remove_math(source)
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    return re.sub(r"@@(\d+)@@", lambda m: html.escape(math[int(m.group(1))], quote=False), rendered)


MATHJAX_CONFIG = """
<script>
window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
        processEscapes: true, processEnvironments: true},
  startup: {typeset: true},
};
</script>
<script src="mathjax/tex-chtml-full.js"></script>
"""

PAGE_REPORT = r"""
async () => {
  await MathJax.startup.promise;
  const areas = Array.from(document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown'));
  const math = Array.from(MathJax.startup.document.math).map(m => m.math);
  const errors = Array.from(document.querySelectorAll('mjx-merror'))
                      .map(el => (el.getAttribute('data-mjx-error') || el.textContent).slice(0, 120));
  const dollars = [];
  const plain = [];
  for (const area of areas) {
    const walker = document.createTreeWalker(area, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const parent = node.parentElement;
      if (parent.closest('mjx-container, code, pre')) continue;
      if (node.textContent.includes('$')) dollars.push(node.textContent.trim().slice(0, 100));
      if (parent.closest('a, h1, h2, h3, h4, h5, h6, strong, em')) continue;
      plain.push(node.textContent);
    }
  }
  const ids = Array.from(document.querySelectorAll('[id]')).map(el => el.id);
  const links = Array.from(document.querySelectorAll('.jp-RenderedMarkdown a[href]'))
                     .map(a => ({href: a.getAttribute('href'), text: a.textContent.trim().slice(0, 60)}));
  return {math, errors, dollars, plain, ids, links};
}
"""


def _mathjax_dir() -> Path:
    for candidate in MATHJAX_CANDIDATES:
        if (candidate / "tex-chtml-full.js").exists():
            return candidate
    pytest.fail("the offline MathJax of sphinx-mathjax-offline is not installed (requirements.txt)")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, browser) -> dict[str, dict]:
    """Every converted notebook exported to HTML and opened in Chromium: name -> page report."""
    from nbconvert import HTMLExporter

    out = tmp_path_factory.mktemp("rendered")
    shutil.copytree(_mathjax_dir(), out / "mathjax")
    exporter = HTMLExporter(template_name="lab")
    exporter.register_filter("markdown2html", jupyterlab_markdown)
    names = []
    for path, notebook in nbtool.expected_notebooks().items():
        body, _ = exporter.from_notebook_node(notebook)
        body = re.sub(
            r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", lambda _: MATHJAX_CONFIG, body, flags=re.S
        )
        (out / f"{path.stem}.html").write_text(body, encoding="utf-8")
        names.append(path.stem)
    handler = functools.partial(_Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    reports = {}
    try:
        # The worker's tab for all the notebooks (a new tab costs more CPU than loading a page in one).
        current: list[list[str]] = [[]]  # the page errors of the notebook on screen
        listeners = {"pageerror": lambda error: current[0].append(f"page error: {error}")}
        with borrowed_page(browser, listeners) as page:
            for name in names:
                current[0] = []
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/{name}.html", wait_until="load")
                report = page.evaluate(PAGE_REPORT)
                # This notebook's list, which keeps growing until the next notebook is opened.
                report["page_errors"] = current[0]
                reports[name] = report
    finally:
        server.shutdown()
        server.server_close()
    return reports


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


# The chapters that become notebooks (the names only: converting them all is the fixture's work, on one worker).
NOTEBOOKS = sorted(p.stem for p in m2n.book_pages() if m2n.is_executable(p))


@functools.cache
def _section_titles() -> frozenset[str]:
    """Titles of the labelled sections of the book, as they read in running text (math left out; read once)."""
    index = m2n.BookIndex.scan(m2n.book_pages())
    titles = set()
    for _doc, heading in index.targets.values():
        if "$" in heading or len(heading) < 12:
            continue
        titles.add(heading)
    return frozenset(titles)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_math_renders_without_quote_marks_or_stray_dollars(rendered, name):
    report = rendered[name]
    problems = [
        f"formula with a quote prefix '>' inside: {tex.strip()[:120]!r}"
        for tex in report["math"]
        if re.search(r"(^|\n)\s*>", tex)
    ]
    problems += [f"MathJax error: {e}" for e in report["errors"]]
    problems += [f"'$' visible in the text: {t!r}" for t in report["dollars"]]
    problems += report["page_errors"]
    assert report["math"], f"{name}: no math typeset at all"
    assert not problems, f"notebooks/{name}.ipynb as JupyterLab renders it:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_cross_references_are_links(rendered, name):
    text = "\n".join(rendered[name]["plain"])
    problems = [
        f"equation number not linked: …{m.group(0)}…" for m in re.finditer(r"(?<![\w(])\(\d{1,3}\)(?![\w)])", text)
    ]
    problems += [f"reference not linked: {m.group(0)!r}" for m in re.finditer(rf"\b(?:{KINDS}) \d+\b(?!\.\d)", text)]
    problems += [
        f"section title in running text, not a link: {title!r}" for title in _section_titles() if title in text
    ]
    assert not problems, f"notebooks/{name}.ipynb:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_internal_link_lands(rendered, name):
    problems = []
    for link in rendered[name]["links"]:
        href = link["href"]
        if re.match(r"^[a-z]+:", href):  # http(s), mailto: not ours
            continue
        target, _, fragment = href.partition("#")
        doc = Path(target).stem if target else name
        if target and (not target.endswith(".ipynb") or doc not in rendered):
            problems.append(f"link to a notebook that does not exist: {href} ({link['text']!r})")
            continue
        if fragment and fragment not in rendered[doc]["ids"]:
            problems.append(f"link to a missing anchor: {href} ({link['text']!r}); {doc} has no id {fragment!r}")
        if not fragment and not target:
            problems.append(f"empty link: {link['text']!r}")
    assert not problems, f"notebooks/{name}.ipynb:\n" + "\n".join(problems)


def test_the_renderer_reproduces_jupyterlab_quote_bug():
    """The JupyterLab-style rendering keeps the quote prefix inside multi-line display math (the bug it must catch)."""
    bad = "> **Theorem.**\n>\n> $$\n> 0 < \\eta < 2\n> $$\n"
    assert any(re.search(r"(^|\n)\s*>", tex) for tex in remove_math(bad)[1])
    good = m2n._quote(["**Theorem.**", "", "$$", "0 < \\eta < 2", "\\tag{3}", "$$"])
    assert not any(re.search(r"(^|\n)\s*>", tex) for tex in remove_math("\n".join(good))[1])
