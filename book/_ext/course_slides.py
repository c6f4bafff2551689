"""Lecture slides: one reveal.js deck per chapter, built from its student notebook.

At the end of an HTML build, every chapter that has a student notebook
(``notebooks/<chapter>.ipynb``, generated from ``book/<chapter>.md`` by
``tools/myst_to_notebook.py`` and tested to be in sync with it) gets a deck
``slides/<chapter>.html``. Nothing of the chapter is written twice: the
notebook already has the book-wide equation numbers (``\\tag{N}``), the
shared macros expanded and the theorem-like blocks numbered, and its stored
outputs hold the figures.

The deck, for a 50-minute lecture:

* a title slide (chapter title, "Lecture slides", links to the chapter);
* one slide per ``##`` section, with vertical sub-slides for its ``###``
  subsections and for continuation pages when a section is long. A slide
  shows the section's first sentence, its display equations (with their
  numbers), definitions and theorems, tables and figures (caption as
  ``figcaption``, alt text from the chapter's ``mystnb.image.alt``); a
  section with none of these shows its lists or its paragraphs' first
  sentences. The full prose of the section is in the speaker notes
  (``S``), as text with TeX source;
* a closing slide that lists the exercises and links to the chapter, where
  the solutions are.

reveal.js comes from the PyPI package ``sphinx-revealjs`` (its bundled
``_static/revealjs``), copied once to ``slides/_reveal/``. The math is written
for MathJax (the site's own ``_static/mathjax``, configured with the site's
``mathjax3_config``) in the form Sphinx writes it, and is typeset at build
time with the site's pages (``tools/prerender_math.py``): a deck shows its
formulas at once, and loads MathJax only for its menu. A displayed formula
wider than the slide gets a smaller font until it fits. Everything works
offline, from the file system too.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

SLIDES_DIR = "slides"
ASSETS_DIR = "_reveal"
# Files of the bundled reveal.js that a deck uses (the white and black themes
# load only their local Source Sans Pro fonts; other themes @import web fonts).
REVEAL_FILES = [
    "LICENSE",
    "dist/reset.css",
    "dist/reveal.css",
    "dist/reveal.js",
    "dist/theme/white.css",
    "dist/theme/black.css",
    "dist/theme/fonts/source-sans-pro",
    "plugin/notes/notes.js",
]
STATEMENTS = ("Definition", "Theorem", "Lemma", "Proposition", "Corollary")
BUDGET = 12.0  # lines of body text that fit on a slide under its heading
CHARS_PER_LINE = 80


def reveal_source() -> Path:
    """The reveal.js bundled by the sphinx-revealjs package."""
    import sphinx_revealjs

    return Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"


# --------------------------------------------------------------------------- markdown


def _math_html(content: str, display: bool) -> str:
    text = html.escape(content.strip(), quote=False)
    if display:
        return f'<div class="math">\\[{text}\\]</div>\n'
    return f'<span class="math">\\({text}\\)</span>'


def _markdown(render_math: Callable[[str, bool], str]) -> MarkdownIt:
    """CommonMark + pipe tables + dollar math, math rendered by ``render_math``, raw HTML escaped."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    dollarmath_plugin(md, allow_labels=False, double_inline=True)
    for rule, display in (("math_inline", False), ("math_inline_double", True), ("math_block", True)):
        md.add_render_rule(rule, lambda self, tokens, idx, options, env, d=display: render_math(tokens[idx].content, d))
    return md


def markdown() -> MarkdownIt:
    """Markdown for the slides: math written for MathJax."""
    return _markdown(_math_html)


def _tex_source(content: str, display: bool) -> str:
    """Math as TeX text: for the speaker notes, which the speaker view shows without MathJax."""
    text = html.escape(content.strip(), quote=False)
    return f"<p><code>$${text}$$</code></p>\n" if display else f"<code>${text}$</code>"


def notes_markdown() -> MarkdownIt:
    """Markdown for the speaker notes: math as TeX source."""
    return _markdown(_tex_source)


def _link_notebooks(text: str) -> str:
    """Links between notebooks (``notation.ipynb``) become links to the chapter pages."""
    return re.sub(r'href="([A-Za-z0-9_-]+)\.ipynb(#[^"]*)?"', r'href="../book/\1.html\2"', text)


def _visible_chars(source: str) -> int:
    """Rough length of markdown once rendered: TeX commands and markup count little."""
    text = re.sub(r"\\[A-Za-z]+", "x", source)
    text = re.sub(r"[{}$*_>|`^\\]", "", text)
    return len(text)


def _text_lines(source: str) -> float:
    return max(1.0, math.ceil(_visible_chars(source) / CHARS_PER_LINE))


def _math_lines(tex: str) -> float:
    rows = [r for r in re.split(r"\\\\", tex) if r.strip()]
    tall = sum(1 for r in rows if re.search(r"\\(frac|sum|prod|int|begin\{[bp]matrix\}|Big|left)", r))
    return 0.6 + 1.2 * len(rows) + 0.8 * tall


# --------------------------------------------------------------------------- blocks


@dataclass
class Block:
    """One top-level element of the chapter, in reading order."""

    kind: str  # heading, math, table, statement, exercise, figure, list, prose
    source: str = ""  # markdown source (for notes and sizes)
    level: int = 0  # heading level
    weight: float = 0.0  # estimated height in lines of text
    figure: dict[str, str] = field(default_factory=dict)  # png (base64), alt, caption


def _groups(tokens: list[Token]) -> list[list[Token]]:
    """Split a token stream into its top-level blocks."""
    groups: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    for token in tokens:
        current.append(token)
        depth += token.nesting
        if depth == 0:
            groups.append(current)
            current = []
    return groups


def _source(lines: list[str], group: list[Token]) -> str:
    start, end = group[0].map or (0, 0)
    return "\n".join(lines[start:end]).strip()


NOTEBOOK_ANCHOR = re.compile(r' ?<a id="[^"]*"></a>\n?')


def markdown_blocks(text: str, md: MarkdownIt | None = None) -> list[Block]:
    """Classify the top-level blocks of one markdown cell."""
    md = md or markdown()
    lines = text.splitlines()
    blocks: list[Block] = []
    for group in _groups(md.parse(text)):
        first = group[0]
        source = _source(lines, group)
        if first.type == "heading_open":
            title = group[1].content
            blocks.append(Block("heading", title, level=int(first.tag[1:])))
        elif first.type == "math_block":
            blocks.append(Block("math", source, weight=_math_lines(first.content)))
        elif first.type == "table_open":
            rows = sum(1 for t in group if t.type == "tr_open")
            blocks.append(Block("table", source, weight=1.0 + 1.15 * rows))
        elif first.type == "blockquote_open":
            head = next((t.content for t in group if t.type == "inline"), "")
            unquoted = re.sub(r"(?m)^>[ ]?", "", source)
            if re.match(rf"^\*\*({'|'.join(STATEMENTS)})\b", head):
                blocks.append(Block("statement", unquoted, weight=1.0 + _body_lines(unquoted)))
            elif re.match(r"^\*\*Exercise\b", head):
                blocks.append(Block("exercise", unquoted))
            else:
                blocks.append(Block("prose", source))
        elif first.type in ("bullet_list_open", "ordered_list_open"):
            blocks.extend(_list_blocks(lines, group))
        elif first.type == "hr":
            continue
        else:
            blocks.append(Block("prose", source, weight=_text_lines(source)))
    return blocks


def _list_blocks(lines: list[str], group: list[Token]) -> list[Block]:
    """A list, cut between items into pieces that fit on a slide."""
    items = [t for t in group if t.type == "list_item_open" and t.level == 1]
    pieces: list[Block] = []
    for item in items:
        start, end = item.map or (0, 0)
        source = "\n".join(lines[start:end]).rstrip()
        weight = _text_lines(source)
        if pieces and pieces[-1].weight + weight <= BUDGET * 0.6:
            pieces[-1].source += "\n" + source
            pieces[-1].weight += weight
        else:
            pieces.append(Block("list", source, weight=weight))
    return pieces


def _body_lines(source: str) -> float:
    """Height of a statement: its text and its display math."""
    parts = re.split(r"\$\$(.*?)\$\$", source, flags=re.S)
    text = sum(_text_lines(p) for p in parts[0::2] if p.strip())
    return text + sum(_math_lines(p) for p in parts[1::2])


def notebook_blocks(notebook: nbformat.NotebookNode, alts: dict[str, str] | None = None) -> list[Block]:
    """The blocks of a student notebook, figures included; the generated preamble cell is skipped.

    ``alts`` maps a code cell's source to the alt text of its figure.
    """
    alts = alts or {}
    md = markdown()
    blocks: list[Block] = []
    cells = list(notebook.cells)
    if cells and cells[0].cell_type == "markdown" and cells[0].source.startswith("*Student notebook"):
        cells = cells[1:]
    for cell in cells:
        if cell.cell_type == "markdown":
            source = NOTEBOOK_ANCHOR.sub("", cell.source)  # link targets of the notebook, not content
            if re.match(r"^\*Figure \d+\.\*", source) and blocks and blocks[-1].kind == "figure":
                blocks[-1].figure["caption"] = source.strip()
                continue
            blocks.extend(markdown_blocks(source, md))
            continue
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                alt = alts.get(cell.source.strip(), "")
                blocks.append(Block("figure", weight=BUDGET - 3, figure={"png": png, "alt": alt, "caption": ""}))
    return blocks


# --------------------------------------------------------------------------- slides


@dataclass
class Page:
    """One slide."""

    title: str  # markdown of the heading
    level: int  # 2 for a section, 3 for a subsection
    context: str = ""  # the section's title, above a subsection's
    part: tuple[int, int] = (1, 1)  # page k of n of the same heading
    visible: list[Block] = field(default_factory=list)
    notes: list[Block] = field(default_factory=list)


@dataclass
class Deck:
    title: str
    stacks: list[list[Page]]  # one horizontal slide per ## section, vertical pages inside
    exercises: list[Block]
    exercise_notes: list[Block]


def _first_sentence(block: Block) -> Block:
    line = block.source.splitlines()[0] if block.source else ""
    return Block("lead", line, weight=_text_lines(line))


def paginate(title: str, level: int, blocks: list[Block], context: str = "", show_prose: bool = False) -> list[Page]:
    """The slides of one heading: what it shows, packed into pages of at most ``BUDGET`` lines.

    A page shows the first sentence of the part and its display equations,
    statements, tables and figures; a part with none of these shows its lists,
    or else the first sentences of its paragraphs (``show_prose``: the whole
    text). Everything not shown in full goes into the notes of the page that
    shows what it leads up to.
    """
    visual = {"math", "table", "statement", "figure"}
    if show_prose:
        mode = "prose"
    elif any(b.kind in visual for b in blocks):
        mode = "visual"
    elif any(b.kind == "list" for b in blocks):
        mode = "lists"
    else:
        mode = "sentences"

    def display(k: int, block: Block) -> Block | None:
        if block.kind in visual:
            return block
        if mode == "prose" and block.kind in ("prose", "list"):
            return Block("text", block.source, weight=block.weight)
        if mode == "lists" and block.kind == "list":
            return block
        if block.kind == "prose" and (k == 0 or mode == "sentences"):
            return _first_sentence(block)
        return None

    pages = [Page(title, level, context)]
    used = 0.0
    pending: list[Block] = []
    sentences = 0
    for k, block in enumerate(blocks):
        shown = display(k, block)
        if shown is not None and shown.kind == "lead":
            sentences += 1
            if sentences > 4:
                shown = None
        if shown is not None:
            crowded = any(b.kind != "lead" for b in pages[-1].visible)
            if crowded and used + shown.weight > BUDGET:
                pages.append(Page(title, level, context))
                used = 0.0
            pages[-1].notes.extend(pending)
            pending = []
            pages[-1].visible.append(shown)
            used += shown.weight
            if shown.kind == "lead":  # the paragraph behind a first sentence
                pages[-1].notes.append(block)
        else:
            pending.append(block)
    pages[-1].notes.extend(pending)
    for k, page in enumerate(pages):
        page.part = (k + 1, len(pages))
    return pages


def split_sections(blocks: list[Block]) -> Deck:
    """Group the blocks by heading: the deck of one chapter."""
    title = ""
    sections: list[dict[str, Any]] = []
    preface: list[Block] = []
    for block in blocks:
        if block.kind == "heading" and block.level == 1:
            title = title or block.source
        elif block.kind == "heading" and block.level == 2:
            sections.append({"title": block.source, "intro": [], "subs": []})
        elif block.kind == "heading" and block.level == 3 and sections:
            sections[-1]["subs"].append({"title": block.source, "blocks": []})
        elif not sections:
            preface.append(block)
        elif sections[-1]["subs"]:
            sections[-1]["subs"][-1]["blocks"].append(block)
        else:
            sections[-1]["intro"].append(block)

    stacks: list[list[Page]] = []
    exercises: list[Block] = []
    exercise_notes: list[Block] = []
    for section in sections:
        everything = section["intro"] + [b for s in section["subs"] for b in s["blocks"]]
        found = [b for b in everything if b.kind == "exercise"]
        if found:
            exercises.extend(found)
        if section["title"].strip().lower() == "exercises":
            exercise_notes.extend(b for b in everything if b.kind != "exercise")
            continue
        intro = [b for b in section["intro"] if b.kind != "exercise"]
        credits = section["title"].strip().lower() == "credits"
        stack: list[Page] = []
        if intro or not section["subs"]:
            stack += paginate(section["title"], 2, intro, show_prose=credits)
        for sub in section["subs"]:
            stack += paginate(
                sub["title"], 3, [b for b in sub["blocks"] if b.kind != "exercise"], context=section["title"]
            )
        stacks.append(stack)
    if preface and stacks:
        stacks[0][0].notes[:0] = preface
    return Deck(title=title, stacks=stacks, exercises=exercises, exercise_notes=exercise_notes)


# --------------------------------------------------------------------------- HTML


class Renderer:
    def __init__(self, chapter: str, figures_dir: Path | None):
        self.chapter = chapter
        self.figures_dir = figures_dir
        self.md = markdown()
        self.notes_md = notes_markdown()
        self.figures = 0

    def inline(self, text: str) -> str:
        return _link_notebooks(self.md.renderInline(text)).strip()

    def block(self, block: Block) -> str:
        if block.kind == "figure":
            return self.figure(block)
        if block.kind == "lead":
            return f'<div class="course-lead">{self.inline(block.source)}</div>'
        if block.kind == "text":
            return f'<div class="course-text">{_link_notebooks(self.md.render(block.source))}</div>'
        if block.kind == "statement":
            return f'<div class="course-statement">{_link_notebooks(self.md.render(block.source))}</div>'
        return _link_notebooks(self.md.render(block.source))

    def figure(self, block: Block) -> str:
        self.figures += 1
        name = f"{self.chapter}/figure-{self.figures}.png"
        if self.figures_dir is not None:
            path = self.figures_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.b64decode(block.figure["png"]))
        caption = block.figure.get("caption", "")
        alt = block.figure.get("alt") or re.sub(r"[*_$]", "", caption) or f"Figure {self.figures}"
        figcaption = f"<figcaption>{self.inline(caption)}</figcaption>" if caption else ""
        return f'<figure class="course-figure"><img src="{html.escape(name)}" alt="{html.escape(alt)}">{figcaption}</figure>'

    def notes(self, blocks: list[Block]) -> str:
        parts = []
        for block in blocks:
            if block.kind == "figure":
                caption = block.figure.get("caption") or ""
                parts.append(f"<p>[Figure] {html.escape(block.figure.get('alt') or caption)}</p>")
            elif block.source:
                parts.append(self.notes_md.render(block.source))
        if not parts:
            return ""
        return '<aside class="notes tex2jax_ignore">' + _link_notebooks("".join(parts)) + "</aside>"

    def page(self, page: Page) -> str:
        k, n = page.part
        suffix = f' <span class="course-part">({k}/{n})</span>' if n > 1 else ""
        head = ""
        if page.context:
            head += f'<p class="course-context">{self.inline(page.context)}</p>'
        tag = "h2" if page.level == 2 else "h3"
        head += f"<{tag}>{self.inline(page.title)}{suffix}</{tag}>"
        body = "\n".join(self.block(b) for b in page.visible)
        return f"<section>\n{head}\n{body}\n{self.notes(page.notes)}\n</section>"


def _plain(markdown_text: str) -> str:
    return re.sub(r"[*_`$\\]", "", markdown_text).strip()


def render_deck(
    deck: Deck,
    chapter: str,
    *,
    mathjax_config: dict[str, Any],
    site_title: str,
    figures_dir: Path | None = None,
    has_notebook: bool = True,
) -> str:
    """The HTML of one deck (figures are written under ``figures_dir`` when given)."""
    r = Renderer(chapter, figures_dir)
    chapter_href = f"../book/{chapter}.html"
    notebook_link = (
        f' · <a href="../notebooks/{chapter}.ipynb" download="{chapter}.ipynb">student notebook</a>'
        if has_notebook
        else ""
    )
    slides = [
        '<section class="course-title">\n'
        f"<h1>{r.inline(deck.title)}</h1>\n"
        '<p class="course-kind">Lecture slides</p>\n'
        f'<p class="course-site">{html.escape(site_title)}</p>\n'
        f'<p class="course-links"><a href="{chapter_href}">Read the chapter</a>{notebook_link}</p>\n'
        '<p class="course-keys">→ / Space: next · Esc: overview · S: speaker notes · F: full screen</p>\n'
        "</section>"
    ]
    for stack in deck.stacks:
        if len(stack) == 1:
            slides.append(r.page(stack[0]))
        else:
            slides.append("<section>\n" + "\n".join(r.page(p) for p in stack) + "\n</section>")
    items = []
    for exercise in deck.exercises:
        lines = [line for line in exercise.source.splitlines() if line.strip()]
        head = re.sub(r"\*\*(.*?)\.?\*\*", r"\1", lines[0]).strip().rstrip(".") if lines else "Exercise"
        first = lines[1] if len(lines) > 1 else ""
        items.append(f"<li><strong>{r.inline(head)}.</strong> {r.inline(first)}</li>")
    closing_title = "Exercises" if items else "After the lecture"
    listing = f'<ol class="course-exercises">{"".join(items)}</ol>' if items else ""
    solutions = "with the solutions to the exercises, folded away" if items else "with every proof, check and figure"
    slides.append(
        '<section class="course-closing">\n'
        f"<h2>{closing_title}</h2>\n{listing}\n"
        f'<p class="course-links"><a href="{chapter_href}">The chapter</a>, {solutions}{notebook_link}</p>\n'
        f"{r.notes(deck.exercise_notes + deck.exercises)}\n</section>"
    )
    title = f"{_plain(deck.title)} — lecture slides"
    return TEMPLATE.format(
        title=html.escape(title),
        assets=ASSETS_DIR,
        mathjax_config=json.dumps(mathjax_config),
        # A reference to a target of the same chapter (``#equation-…`` in the notebook) leads to
        # the chapter page: the deck has no such anchor. Slide links (``#/3``) stay.
        slides=re.sub(r'href="#(?!/)', f'href="{chapter_href}#', "\n".join(slides)),
    )


TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="../_static/favicon.png">
<link rel="stylesheet" href="{assets}/dist/reset.css">
<link rel="stylesheet" href="{assets}/dist/reveal.css">
<script>
/* The site's light or dark mode (pydata-sphinx-theme keeps it in localStorage). */
(function () {{
  var mode = null;
  try {{ mode = localStorage.getItem("mode"); }} catch (e) {{}}
  var dark = mode === "dark" || (mode === "auto" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  document.documentElement.dataset.mode = mode || "light";
  var link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "{assets}/dist/theme/" + (dark ? "black" : "white") + ".css";
  document.head.appendChild(link);
}})();
</script>
<link rel="stylesheet" href="{assets}/course-slides.css">
<!-- MathJax's configuration and loader as Sphinx writes them: tools/prerender_math.py typesets the
     deck at build time and puts its menu loader (_static/course-math.js) in their place. -->
<script>window.MathJax = {mathjax_config}</script>
<script defer="defer" src="../_static/mathjax/tex-chtml.js"></script>
</head>
<body>
<main class="course-deck">
<div class="reveal">
<div class="slides">
{slides}
</div>
</div>
</main>
<script src="{assets}/dist/reveal.js"></script>
<script src="{assets}/plugin/notes/notes.js"></script>
<script src="{assets}/course-slides.js"></script>
</body>
</html>
"""

CSS = """/* Lecture slides of the course module (book/_ext/course_slides.py). */
.reveal { font-size: 30px; }
.reveal h1, .reveal h2, .reveal h3 { text-transform: none; letter-spacing: 0; }
.reveal h1 { font-size: 2.1em; }
.reveal h2 { font-size: 1.45em; margin-bottom: 0.5em; }
.reveal h3 { font-size: 1.3em; margin-bottom: 0.5em; }
.reveal .slides section { text-align: left; }
.reveal .slides section.course-title, .reveal .slides section.course-title p { text-align: center; }
/* reveal.js gives .reveal role="application", which <main> may not take: the deck sits inside <main>. */
main.course-deck { height: 100%; }
.reveal .slide-number { left: 8px; right: auto; color: var(--r-main-color); background-color: var(--r-background-color); font-size: 14px; }
.reveal .course-kind { font-size: 1.3em; margin-top: 0.8em; }
.reveal .course-site, .reveal .course-keys { font-size: 0.7em; }
.reveal .course-keys { margin-top: 2em; }
.reveal .course-part { font-size: 0.6em; font-weight: normal; }
.reveal .course-context { font-size: 0.65em; margin: 0 0 0.2em 0; }
.reveal .course-lead, .reveal .course-text p { font-size: 0.85em; line-height: 1.35; margin: 0 0 0.6em 0; }
.reveal .course-text p { margin-bottom: 0.5em; }
.reveal .slides section p, .reveal .slides section li { line-height: 1.35; }
.reveal ul, .reveal ol { display: block; margin-left: 1.2em; font-size: 0.85em; }
.reveal li { margin-bottom: 0.25em; }
.reveal div.math { margin: 0.3em 0; overflow-x: auto; overflow-y: hidden; }
.reveal .course-statement { border-left: 0.2em solid var(--r-link-color); padding: 0.1em 0 0.1em 0.7em; margin: 0.4em 0 0.6em 0; font-size: 0.85em; }
.reveal .course-statement p { margin: 0.25em 0; }
.reveal table { font-size: 0.7em; margin: 0.3em 0; }
.reveal table th, .reveal table td { padding: 0.25em 0.6em; }
.reveal .course-figure { margin: 0; text-align: center; }
.reveal .course-figure img { max-height: 15em; max-width: 100%; margin: 0.2em auto; background: #fff; }
.reveal .course-figure figcaption { font-size: 0.6em; line-height: 1.3; text-align: left; }
.reveal ol.course-exercises { list-style: none; margin-left: 0; }
.reveal .course-exercises li { margin-bottom: 0.5em; }
.reveal .course-links { font-size: 0.8em; }
/* reveal.js's white theme links (#2a76dd) reach 4.4:1 on white; WCAG AA asks 4.5:1. */
html[data-theme="light"] .reveal { --r-link-color: #1a5fb4; --r-link-color-hover: #0b4a8f; }
html[data-theme="light"] .reveal .controls { color: #1a5fb4; }
"""

JS = """/* Lecture slides of the course module (book/_ext/course_slides.py). */
(function () {
  var config = {
    hash: true,
    width: 1280,
    height: 720,
    margin: 0.04,
    center: true,
    slideNumber: "c/t",
    transition: "slide",
    plugins: [RevealNotes],
  };
  var height = config.height * (1 - config.margin);

  /* A displayed formula wider than the slide, and a slide whose content is taller than
     the canvas, get a smaller font (the math is sized in ex: it follows). */
  function fitWidths(slide) {
    slide.querySelectorAll("div.math").forEach(function (math) {
      math.style.fontSize = "";
      var scale = 1;
      while (math.scrollWidth > math.clientWidth + 1 && scale > 0.6) {
        scale -= 0.05;
        math.style.fontSize = scale.toFixed(2) + "em";
      }
    });
  }

  function fit(slide) {
    if (!slide || slide.classList.contains("stack")) return;
    slide.style.fontSize = "";  /* from the slide's own size, whatever an earlier visit set */
    fitWidths(slide);
    var size = 1;
    while (slide.scrollHeight > height && size > 0.6) {
      size -= 0.05;
      slide.style.fontSize = size.toFixed(2) + "em";
      fitWidths(slide);  /* a smaller slide may give its formulas back some of their size */
    }
  }

  Reveal.initialize(config).then(function () {
    var mathjax = window.MathJax && MathJax.startup && MathJax.startup.promise ? MathJax.startup.promise : Promise.resolve();
    /* The first fit measures the text in the theme's own font, once it has loaded. */
    Promise.all([mathjax, document.fonts ? document.fonts.ready : null]).then(function () {
      fit(Reveal.getCurrentSlide());
      Reveal.layout();
      document.documentElement.classList.add("course-slides-ready");
    });
    Reveal.on("slidechanged", function (event) {
      fit(event.currentSlide);
      Reveal.layout();
    });
    /* The overview shows every slide, also those not visited yet: their formulas fit its width.
       (Their height is not measured there: the overview lays the slides out in its own way.) */
    Reveal.on("overviewshown", function () {
      Reveal.getSlides().forEach(fitWidths);
    });
  });
})();
"""


# --------------------------------------------------------------------------- Sphinx


def figure_alts(page: Path) -> dict[str, str]:
    """Alt text of each figure cell of a chapter source, keyed by the cell's code."""
    import jupytext

    if not page.exists():
        return {}
    alts = {}
    for cell in jupytext.read(page, fmt="md:myst").cells:
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt")
        if cell.cell_type == "code" and alt:
            alts[cell.source.strip()] = alt
    return alts


def build_deck(
    notebook_path: Path, chapter_source: Path, out_dir: Path, *, mathjax_config: dict, site_title: str
) -> int:
    """Write ``out_dir/<chapter>.html`` and its figures; returns the number of slides."""
    chapter = notebook_path.stem
    notebook = nbformat.read(notebook_path, as_version=4)
    deck = split_sections(notebook_blocks(notebook, figure_alts(chapter_source)))
    figures = out_dir / chapter
    if figures.exists():
        shutil.rmtree(figures)
    text = render_deck(deck, chapter, mathjax_config=mathjax_config, site_title=site_title, figures_dir=out_dir)
    (out_dir / f"{chapter}.html").write_text(text)
    return 2 + sum(len(stack) for stack in deck.stacks)


def copy_reveal(target: Path) -> None:
    source = reveal_source()
    if target.exists():
        shutil.rmtree(target)
    for name in REVEAL_FILES:
        src, dst = source / name, target / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    (target / "course-slides.css").write_text(CSS)
    (target / "course-slides.js").write_text(JS)


def chapters_with_slides(confdir: Path) -> list[Path]:
    """The student notebooks: every chapter that has one gets a deck."""
    return sorted((confdir / "notebooks").glob("*.ipynb"))


def build_slides(app: Sphinx, exception: Exception | None) -> None:
    """build-finished: write the decks into the HTML site."""
    if exception is not None or app.builder.format != "html":
        return
    out_dir = Path(app.outdir) / SLIDES_DIR
    out_dir.mkdir(exist_ok=True)
    mathjax_config = dict(app.config.mathjax3_config or {})
    confdir = Path(app.confdir)
    notebooks = chapters_with_slides(confdir)
    # The decks depend only on the notebooks, the chapters, this module and the settings:
    # when none changed since the decks were written (a rebuild with no change), keep them.
    digest = hashlib.sha256()
    for path in [Path(__file__), *notebooks, *(confdir / "book" / f"{n.stem}.md" for n in notebooks)]:
        digest.update(str(path.name).encode() + (path.read_bytes() if path.exists() else b""))
    digest.update(
        json.dumps([mathjax_config, app.config.html_title, app.config.project], sort_keys=True, default=str).encode()
    )
    stamp = out_dir / ".inputs.sha256"
    decks = [out_dir / f"{n.stem}.html" for n in notebooks]
    if stamp.exists() and stamp.read_text() == digest.hexdigest() and all(d.exists() for d in decks):
        logger.info(f"lecture slides: {len(decks)} decks unchanged")
        return
    for stale in out_dir.glob("*.html"):
        stale.unlink()
    copy_reveal(out_dir / ASSETS_DIR)
    for notebook in notebooks:
        count = build_deck(
            notebook,
            confdir / "book" / f"{notebook.stem}.md",
            out_dir,
            mathjax_config=mathjax_config,
            site_title=app.config.html_title or app.config.project or "",
        )
        logger.info(f"lecture slides: {SLIDES_DIR}/{notebook.stem}.html ({count} slides)")
    stamp.write_text(digest.hexdigest())


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("build-finished", build_slides)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
