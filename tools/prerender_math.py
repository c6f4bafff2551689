"""Typeset the site's math at build time, so that pages show their formulas on load.

``./run site`` calls this after ``jupyter-book build``::

    python tools/prerender_math.py _build/html

Sphinx writes every formula as TeX between ``\\(…\\)`` or ``\\[…\\]`` in an
element of class ``math``, and a ``<script>`` loading MathJax 3 to typeset
them in the reader's browser (seconds on the heaviest pages, during which the
load event waits). Here every such formula of every page is typeset once, by
the same MathJax 3.2.2 running in Node (``tools/math/prerender.mjs``, one Node
process for all the pages that need it), into MathJax's SVG output:

* the macros are those of ``_config.yml`` (``mathjax3_config.tex.macros``,
  defined once); equation numbers and their anchors are Sphinx's and stay
  untouched around the formula, so ``{eq}`` links keep their targets;
* each formula keeps MathJax's assistive MathML (what screen readers read),
  with its TeX source as a MathML ``<annotation encoding="application/x-tex">``;
* the glyphs are SVG paths filled with ``currentColor``, so the math takes
  the colour of the text, in light and dark mode, and needs no web font; each
  glyph a page uses is defined once, in a hidden ``<svg id="course-math-glyphs">``
  at the start of its body, and each formula refers to it (``<use>``);
* MathJax wraps each MathML node in a ``<g data-mml-node>``; a ``<g>`` with no
  other attribute draws nothing and is unwrapped, and one that only moves a
  glyph hands the move to it (``prerender.mjs``: ``flatten``; not the groups
  MathJax's stylesheet selects by name, their children, or a table row's
  cells), which leaves a long chapter page with about a sixth fewer elements
  (the pixels of 330 formulas of three pages, light and dark, were compared
  when it was added: the same);
* a formula is one ``<svg>`` that the browser lays out as a single box (CSS
  layout does not see its characters, as it did with MathJax's CommonHTML
  output), sized in ``ex`` so that it follows the size of the text around it;
* each page gets MathJax's stylesheet for the SVG output, inline in its head;
* the MathJax runtime is no longer loaded to typeset: ``_static/course-math.js``
  loads it (``tex-svg.js``) only when a reader opens the MathJax menu (right-click or
  Shift+F10 on a formula: "Show Math As", "Copy to Clipboard", zoom…), and
  copying a selection puts each formula's TeX in the copied text.

A TeX error stops the step (and the build) with the page and the formula.

Only pages that Sphinx wrote since the last run are typeset: a processed
page carries ``<meta name="course-math" content="<hash>">`` and is skipped;
a page Sphinx rewrote unchanged is taken from the cache
``_build/.math-cache`` (keyed on the page's content and the renderer), so a
rebuild without changes costs a scan of the files. The cache also keeps each
raw page, so a new renderer (MathJax version, macros, this file) re-typesets
every page.

The lecture slides (``slides/*.html``, written by ``book/_ext/course_slides.py``
with the same MathJax loader and configuration as Sphinx's pages) are typeset
the same way; their reveal.js files (``slides/_reveal/``) are not pages.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = ROOT / "tools" / "math"
SCRIPT = NODE_DIR / "prerender.mjs"
CLIENT_SCRIPT = NODE_DIR / "course-math.js"
CONFIG = ROOT / "_config.yml"
SKIP_DIRS = ("slides/_reveal/", "_static/", "_sources/", "_downloads/", "_images/", "notebooks/", "reports/")
MARKER = re.compile(r'<meta name="course-math" content="([0-9a-f]{64}):([0-9a-f]{16})">')
# MathJax's SVG output; "global": each glyph a page uses is defined once in the
# page, "local": in every formula that uses it (bigger pages, more DOM nodes).
OUTPUT = "svg"
FONT_CACHE = "global"
GLYPHS_ID = "course-math-glyphs"
BODY_OPEN = re.compile(r"<body\b[^>]*>")

MATH_OPEN = re.compile(r'<(?P<tag>span|div)\b[^>]*?\bclass="(?P<cls>[^"]*)"[^>]*>')
MATH_BODY = re.compile(
    r'(?P<eqno>\s*<span class="eqno">(?:(?!</span>).)*</span>)?(?P<pre>\s*)'
    r"(?:\\\((?P<inline>[^<]*?)\\\)|\\\[(?P<display>[^<]*?)\\\])(?P<post>\s*)</(?P<tag>span|div)>",
    re.S,
)
# Sphinx appends a checksum (``?v=…``) to static files it finds already copied into the output.
MATHJAX_SCRIPT = re.compile(
    r'<script defer="defer" src="(?P<prefix>(?:\.\./)*)_static/mathjax/tex-chtml\.js(?:\?v=[0-9a-f]+)?"></script>'
)
MATHJAX_CONFIG = re.compile(r"<script>window\.MathJax = (?P<config>\{.*?\})</script>", re.S)


class MathPrerenderError(RuntimeError):
    """A page's math could not be typeset (TeX error, unrecognised markup, Node missing)."""


@dataclass
class Formula:
    start: int
    end: int
    head: str  # the opening tag, the equation number and the whitespace before the TeX
    tail: str  # the whitespace after it and the closing tag
    tex: str
    display: bool


def site_macros(config: Path = CONFIG) -> dict[str, str]:
    """The TeX macros of ``_config.yml``, the one place they are defined."""
    import yaml

    data = yaml.safe_load(config.read_text())
    return dict(data["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"])


def renderer_key(macros: dict[str, str]) -> str:
    """16 hex digits that change when the rendering would: the MathJax version, the scripts, the output, the macros."""
    digest = hashlib.sha256(f"{OUTPUT}:{FONT_CACHE}".encode())
    for path in (NODE_DIR / "package-lock.json", SCRIPT, CLIENT_SCRIPT, Path(__file__)):
        digest.update(path.read_bytes())
    digest.update(json.dumps(macros, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def find_formulas(page: str) -> list[Formula]:
    """Every element of class ``math`` and its TeX, in page order.

    >>> [f.tex for f in find_formulas('<p><span class="math notranslate">\\\\(a &lt; b\\\\)</span></p>')]
    ['a < b']
    >>> f = find_formulas('<div class="math" id="e"><span class="eqno">(1)<a href="#e">#</a></span>\\\\[x\\\\]</div>')[0]
    >>> f.display, f.head
    (True, '<div class="math" id="e"><span class="eqno">(1)<a href="#e">#</a></span>')
    """
    formulas = []
    for opening in MATH_OPEN.finditer(page):
        if "math" not in opening["cls"].split():
            continue
        body = MATH_BODY.match(page, opening.end())
        if body is None or body["tag"] != opening["tag"]:
            snippet = page[opening.start() : opening.start() + 160]
            raise MathPrerenderError(f"an element of class math that holds no \\(…\\) or \\[…\\] formula: {snippet!r}")
        display = body["display"] is not None
        tex = html.unescape(body["display"] if display else body["inline"])
        head = opening.group(0) + (body["eqno"] or "") + body["pre"]
        tail = body["post"] + f"</{body['tag']}>"
        formulas.append(Formula(opening.start(), body.end(), head, tail, tex, display))
    return formulas


def _relative_prefix(relpath: str) -> str:
    return "../" * relpath.count("/")


def rewrite_head(page: str, relpath: str, css: str, marker: str) -> str:
    """Swap the MathJax loader for the lazy menu loader; add the math stylesheet and the marker.

    The menu's MathJax (``tex-svg.js``, loaded on a right-click) typesets the
    formula it takes over with glyphs of its own (``fontCache: "local"``), not
    in the page's ``course-math-glyphs``, which it does not know.
    """
    prefix = _relative_prefix(relpath)

    def loader(match: re.Match) -> str:
        return (
            f'<script defer="defer" src="{prefix}_static/course-math.js" '
            f'data-mathjax="{prefix}_static/mathjax/tex-svg.js"></script>'
        )

    page, count = MATHJAX_SCRIPT.subn(loader, page)
    if count != 1:
        raise MathPrerenderError(f"{relpath}: has math but not the one MathJax <script> Sphinx writes ({count} found)")

    def config(match: re.Match) -> str:
        settings = json.loads(match["config"])
        # Loaded for the menu only: typeset nothing on load (the page is typeset).
        settings.setdefault("startup", {})["typeset"] = False
        settings.setdefault("svg", {})["fontCache"] = "local"
        return f"<script>window.MathJax = {json.dumps(settings)}</script>"

    page, count = MATHJAX_CONFIG.subn(config, page, count=1)
    if count != 1:
        raise MathPrerenderError(
            f"{relpath}: has math but no MathJax configuration <script>window.MathJax = {{…}}</script>"
        )
    style = f'<meta name="course-math" content="{marker}">\n<style id="course-math-css">\n{css}\n</style>\n'
    head_end = page.find("</head>")
    if head_end < 0:
        raise MathPrerenderError(f"{relpath}: no </head>")
    return page[:head_end] + style + page[head_end:]


def assemble(
    page: str, relpath: str, formulas: list[Formula], rendered: list[str], css: str, defs: str, marker: str
) -> str:
    """The page with its formulas typeset, the glyphs they use (``defs``) at the start of the body."""
    body = BODY_OPEN.search(page)
    if body is None or (formulas and body.end() > formulas[0].start):
        raise MathPrerenderError(f"{relpath}: no <body> before the first formula")
    parts, last = [page[: body.end()], defs], body.end()
    for formula, markup in zip(formulas, rendered, strict=True):
        parts += [page[last : formula.start], formula.head, markup, formula.tail]
        last = formula.end
    parts.append(page[last:])
    return rewrite_head("".join(parts), relpath, css, marker)


def run_node(macros: dict[str, str], pages: list[list[Formula]]) -> dict:
    """Typeset every formula of ``pages`` in one Node process."""
    node = shutil.which("node")
    if node is None:
        raise MathPrerenderError("Node.js is needed to typeset the math (Debian: apt-get install nodejs npm)")
    if not (NODE_DIR / "node_modules" / "mathjax" / "package.json").exists():
        raise MathPrerenderError(f"MathJax for Node is not installed: run `npm ci` in {NODE_DIR} (./run site does)")
    request = {
        "macros": macros,
        "fontCache": FONT_CACHE,
        "pages": [{"items": [{"tex": f.tex, "display": f.display} for f in formulas]} for formulas in pages],
    }
    done = subprocess.run(
        [node, str(SCRIPT)], input=json.dumps(request), capture_output=True, text=True, cwd=NODE_DIR, check=False
    )
    if done.returncode != 0:
        raise MathPrerenderError(f"MathJax in Node failed:\n{done.stderr.strip()}")
    return json.loads(done.stdout)


def prerender_site(site: Path, cache: Path, *, macros: dict[str, str] | None = None, verbose: bool = True) -> dict:
    """Typeset the math of every page under ``site`` that needs it; return counts for the log."""
    macros = site_macros() if macros is None else macros
    key = renderer_key(macros)
    (cache / "pages").mkdir(parents=True, exist_ok=True)
    (cache / "raw").mkdir(parents=True, exist_ok=True)
    shutil.copy2(CLIENT_SCRIPT, site / "_static" / "course-math.js")
    stats = {"pages": 0, "skipped": 0, "cached": 0, "typeset": 0, "formulas": 0}
    todo: list[tuple[Path, str, str, list[Formula]]] = []
    for path in sorted(site.rglob("*.html")):
        relpath = path.relative_to(site).as_posix()
        if relpath.startswith(SKIP_DIRS):
            continue
        page = path.read_text(encoding="utf-8")
        done = MARKER.search(page)
        if done:
            if done[2] == key:
                stats["skipped"] += 1
                continue
            raw_copy = cache / "raw" / f"{done[1]}.html"
            if not raw_copy.exists():
                raise MathPrerenderError(
                    f"{relpath} was typeset by another renderer and its source is not cached: run `./run clean` and rebuild"
                )
            page = raw_copy.read_text(encoding="utf-8")
        formulas = find_formulas(page)
        if not formulas:
            if MATHJAX_SCRIPT.search(page):
                raise MathPrerenderError(f"{relpath} loads MathJax but has no formula in an element of class math")
            continue
        stats["pages"] += 1
        raw_sha = hashlib.sha256(page.encode()).hexdigest()
        cached = cache / "pages" / f"{raw_sha}-{key}.html"
        if cached.exists():
            path.write_text(cached.read_text(encoding="utf-8"), encoding="utf-8")
            stats["cached"] += 1
            continue
        (cache / "raw" / f"{raw_sha}.html").write_text(page, encoding="utf-8")
        todo.append((path, relpath, page, formulas))
    if todo:
        result = run_node(macros, [formulas for *_, formulas in todo])
        if result["errors"]:
            lines = [f"  {todo[e['page']][1]}: {e['message']} in {e['tex'].strip()[:120]!r}" for e in result["errors"]]
            raise MathPrerenderError("MathJax could not typeset:\n" + "\n".join(lines))
        for (path, relpath, page, formulas), out in zip(todo, result["pages"], strict=True):
            raw_sha = hashlib.sha256(page.encode()).hexdigest()
            text = assemble(page, relpath, formulas, out["html"], out["css"], out["defs"], f"{raw_sha}:{key}")
            path.write_text(text, encoding="utf-8")
            (cache / "pages" / f"{raw_sha}-{key}.html").write_text(text, encoding="utf-8")
            stats["typeset"] += 1
            stats["formulas"] += len(formulas)
    _prune(site, cache)
    return stats


def _prune(site: Path, cache: Path) -> None:
    """Keep only the cache entries of the pages the site has now."""
    live = set()
    for path in site.rglob("*.html"):
        match = MARKER.search(path.read_text(encoding="utf-8"))
        if match:
            live.add(match[1])
    for entry in list((cache / "raw").glob("*.html")) + list((cache / "pages").glob("*.html")):
        if entry.name[:64] not in live:
            entry.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, nargs="?", default=ROOT / "_build" / "html")
    parser.add_argument("--cache", type=Path, default=None, help="default: <site>/../.math-cache")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        stats = prerender_site(args.site, args.cache or args.site.parent / ".math-cache")
    except MathPrerenderError as error:
        print(f"\n=== the math could not be typeset ===\n{error}", file=sys.stderr)
        return 1
    print(
        f"math: {stats['typeset']} page(s) typeset ({stats['formulas']} formulas), {stats['cached']} from the cache, "
        f"{stats['skipped']} unchanged, in {time.perf_counter() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
