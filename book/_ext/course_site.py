"""Sphinx extension with the site-wide fixes and shared settings of the course.

* Drops sphinx-thebe's scripts. Jupyter Book 1 always loads sphinx-thebe,
  which inlines ``const THEBE_JS_URL = …`` once per read pass; on a second
  pass the page declares the constant twice and Chromium reports a
  SyntaxError. The module does not use Thebe (``launch_buttons.thebe`` is
  false), so its scripts have no purpose on our pages.
* Writes the LaTeX macros of ``mathjax3_config`` (defined once, in
  ``_config.yml``) into the LaTeX preamble, so the PDF uses the same macros
  as the site.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config


def _is_thebe_script(script: Any) -> bool:
    filename = str(getattr(script, "filename", script) or "")
    body = str(getattr(script, "attributes", {}).get("body", ""))
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body or "thebe@" in filename


def drop_thebe_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Remove sphinx-thebe's inline config and loader from every page."""
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if not _is_thebe_script(s)]


def latex_macros(config: Config) -> str:
    """``\\newcommand`` lines for every zero-argument MathJax macro in the config."""
    macros = (config.mathjax3_config or {}).get("tex", {}).get("macros", {})
    lines = []
    for name, body in sorted(macros.items()):
        if not isinstance(body, str):
            raise ValueError(f"macro \\{name} must be a plain string (no arguments); got {body!r}")
        lines.append(f"\\newcommand{{\\{name}}}{{{body}}}")
    return "\n".join(lines)


def add_latex_macros(app: Sphinx, config: Config) -> None:
    elements = dict(config.latex_elements or {})
    preamble = elements.get("preamble", "")
    elements["preamble"] = preamble + "\n% Macros shared with the site (from _config.yml)\n" + latex_macros(config) + "\n"
    config.latex_elements = elements


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", drop_thebe_scripts, priority=900)
    app.connect("config-inited", add_latex_macros)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
