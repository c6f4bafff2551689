"""Sphinx extension with the site-wide fixes and shared settings of the course.

* Drops sphinx-thebe's scripts. Jupyter Book 1 always loads sphinx-thebe,
  which inlines ``const THEBE_JS_URL = …`` once per read pass; on a second
  pass the page declares the constant twice and Chromium reports a
  SyntaxError. The module does not use Thebe (``launch_buttons.thebe`` is
  false), so its scripts have no purpose on our pages.
* Publishes the student notebooks: ``notebooks/*.ipynb`` is copied into the
  site under ``notebooks/`` and every chapter that has one gets a download
  link under its title, so the link works offline in the built site.
* Writes the LaTeX macros of ``mathjax3_config`` (defined once, in
  ``_config.yml``) into the LaTeX preamble, so the PDF uses the same macros
  as the site.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
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


def _notebooks_dir(app: Sphinx) -> Path:
    return Path(app.confdir) / "notebooks"


def add_notebook_link(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Put a download link to the chapter's student notebook under the page title."""
    notebook = _notebooks_dir(app) / f"{Path(pagename).name}.ipynb"
    if doctree is None or not notebook.exists() or "body" not in context:
        return
    depth = pagename.count("/")
    href = "../" * depth + f"notebooks/{notebook.name}"
    link = (
        '<p class="course-notebook-link"><a class="reference download" '
        f'href="{html.escape(href)}" download="{html.escape(notebook.name)}">'
        "Download this chapter as a student notebook (.ipynb)</a> "
        "— runs in JupyterLab or Colab once the <code>mse_gradient</code> package is installed.</p>"
    )
    body, count = re.subn(r"</h1>", lambda match: match.group(0) + link, context["body"], count=1)
    if count:
        context["body"] = body


def copy_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """Copy notebooks/*.ipynb into the built HTML site."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "notebooks"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for notebook in sorted(_notebooks_dir(app).glob("*.ipynb")):
        shutil.copy2(notebook, target / notebook.name)


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
    app.connect("html-page-context", add_notebook_link)
    app.connect("build-finished", copy_notebooks)
    app.connect("config-inited", add_latex_macros)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
