"""Sphinx extension: the interactive figures ("explorers") of the site.

``{explorer} learning-rate`` (or ``directional``, ``residuals``) places an
explorer in a chapter. The directive writes, at build time, the numbers the
figure computes with (``mse_gradient.explorers.explorer_payload``) into the
page as JSON, next to an empty container; ``_static/explorers.js`` (plain
JavaScript and SVG, no library, no network) draws the figure from them and
redraws it as the reader moves its sliders. The script is added only to pages
that hold an explorer. Other outputs (the PDF) get nothing: the static figure
next to the explorer stays; the notebook converter drops the directive too.
"""

from __future__ import annotations

import html
import json
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from mse_gradient.explorers import EXPLORER_KINDS, explorer_payload

TITLES = {
    "learning-rate": "Learning-rate explorer",
    "directional": "Directional-derivative explorer",
    "residuals": "Residual explorer",
}


class explorer_node(nodes.General, nodes.Element):
    """An explorer: HTML only."""


class ExplorerDirective(SphinxDirective):
    """``{explorer} kind`` with the reader's description as content."""

    required_arguments = 1
    has_content = True
    option_spec = {"name": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        kind = self.arguments[0].strip()
        if kind not in EXPLORER_KINDS:
            raise self.error(f"unknown explorer {kind!r}; expected one of {', '.join(EXPLORER_KINDS)}")
        node = explorer_node()
        node["kind"] = kind
        node["ident"] = self.options.get("name") or f"explorer-{kind}"
        node["payload"] = explorer_payload(kind)
        node["description"] = " ".join(line.strip() for line in self.content if line.strip())
        return [node]


def visit_explorer_html(self: Any, node: explorer_node) -> None:
    ident = node["ident"]
    payload = json.dumps(node["payload"], separators=(",", ":")).replace("</", "<\\/")
    title = TITLES[node["kind"]]
    self.body.append(
        f'<figure class="explorer" id="{ident}" data-explorer="{node["kind"]}" '
        f'aria-labelledby="{ident}-title" aria-describedby="{ident}-desc">'
        f'<figcaption><strong id="{ident}-title">{title}.</strong> '
        f'<span id="{ident}-desc">{html.escape(node["description"])}</span></figcaption>'
        f'<div class="explorer-body"><noscript>This interactive figure needs JavaScript; '
        f"the static figure above shows the same.</noscript></div>"
        f'<script type="application/json" class="explorer-data">{payload}</script>'
        "</figure>"
    )
    raise nodes.SkipNode


def skip(self: Any, node: explorer_node) -> None:
    raise nodes.SkipNode


def visit_explorer_latex(self: Any, node: explorer_node) -> None:
    """On paper: say what the web edition lets the reader move."""
    from sphinx.util import texescape

    text = texescape.escape(
        f"Interactive figure in the web edition ({TITLES[node['kind']].lower()}): {node['description']}"
    )
    self.body.append("\n\\par\\emph{" + text + "}\\par\n")
    raise nodes.SkipNode


def add_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Load the explorers' script on the pages that hold one (and only there)."""
    if doctree is not None and any(True for _ in doctree.findall(explorer_node)):
        app.add_js_file("explorers.js", defer="defer")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(
        explorer_node,
        html=(visit_explorer_html, None),
        latex=(visit_explorer_latex, None),
        text=(skip, None),
        man=(skip, None),
        texinfo=(skip, None),
    )
    app.add_directive("explorer", ExplorerDirective)
    app.connect("html-page-context", add_script)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
