"""Sphinx extension with the site-wide fixes and shared settings of the course.

* Drops sphinx-thebe's scripts. Jupyter Book 1 always loads sphinx-thebe,
  which inlines ``const THEBE_JS_URL = …`` once per read pass; on a second
  pass the page declares the constant twice and Chromium reports a
  SyntaxError. The module does not use Thebe (``launch_buttons.thebe`` is
  false), so its scripts have no purpose on our pages.
* Publishes the student notebooks: ``notebooks/*.ipynb`` is copied into the
  site under ``notebooks/`` and every chapter that has one gets a download
  link under its title, so the link works offline in the built site.
* Builds the student kit (``tools/kit.py``): the package's wheel and
  ``mse-gradient-student-kit.zip`` (all notebooks, the wheel, the students'
  pinned requirements and a README) go into the site's ``_downloads/``, and
  the landing page and every chapter's download area link both.
* Writes the LaTeX macros of ``mathjax3_config`` (defined once, in
  ``_config.yml``) into the LaTeX preamble, so the PDF uses the same macros
  as the site.
* A failing check stops the build with a message that says where: myst-nb's
  own failure (``nb_execution_raise_on_error``) is a 150-line traceback with
  the cell's source and the check's message at its bottom, and it stops at the
  first failing chapter. Instead every chapter is executed, and each failing
  one is reported in one line, ``book/two_proofs.md, code cell 2 (line 94):
  ✗ numerical vs gradient: …``, as a warning as it happens and together in
  the error that stops the build before any page is written (also without
  ``-W``). The full traceback stays in ``_build/html/reports/<doc>.err.log``.
* The print edition (``tools/pdf.py``): gives the landing page's text an
  unnumbered "Introduction" chapter in the PDF and turns the table of
  contents' captions into parts; the role ``{pdf-edition}`text``` links the
  PDF from the site, and the PDF (``_build/pdf/mse-gradient.pdf``) is copied
  into the site when it has been built.
"""

from __future__ import annotations

import html
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging as sphinx_logging
from sphinx.util import texescape
from sphinx.util.osutil import relative_uri

PDF_NAME = "mse-gradient.pdf"


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


def _kit() -> Any:
    """``tools/kit.py``, the builder of the wheel and the student kit."""
    tools = str(Path(__file__).resolve().parents[2] / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import kit

    return kit


def kit_links(depth: int) -> str:
    """HTML links to the student kit and the wheel, from a page ``depth`` folders below the site root."""
    kit = _kit()
    prefix = "../" * depth + "_downloads/"
    zip_name, wheel = f"{kit.KIT_NAME}.zip", kit.wheel_name()
    return (
        f'<a class="reference download course-kit-link" href="{html.escape(prefix + zip_name)}" '
        f'download="{html.escape(zip_name)}">Student kit (.zip)</a>: all notebooks, the package and how to install them; '
        f'<a class="reference download course-wheel-link" href="{html.escape(prefix + wheel)}" '
        f'download="{html.escape(wheel)}">the package <code>mse_gradient</code> as a wheel</a> '
        f"(<code>pip install {html.escape(wheel)}</code>)."
    )


def add_kit_link_to_landing_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Put the student kit and wheel links under the landing page's title."""
    if doctree is None or pagename != app.config.root_doc or "body" not in context:
        return
    link = f'<p class="course-notebook-link">{kit_links(pagename.count("/"))}</p>'
    body, count = re.subn(r"</h1>", lambda match: match.group(0) + link, context["body"], count=1)
    if count:
        context["body"] = body


def build_student_kit(app: Sphinx, exception: Exception | None) -> None:
    """Build the wheel and the student kit into the site's ``_downloads/``."""
    if exception is not None or app.builder.format != "html":
        return
    _kit().build_kit(Path(app.outdir) / "_downloads", _notebooks_dir(app))


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
        "— runs in JupyterLab or Colab once the <code>mse_gradient</code> package is installed: "
        + kit_links(depth)
        + " "
        f'<a class="reference internal course-slides-link" href="{html.escape("../" * depth)}slides/{notebook.stem}.html">'
        "Lecture slides</a> for this chapter (reveal.js, offline)."
        + "".join(
            f' <a class="reference external course-launch-link" href="{html.escape(url)}">{html.escape(name)}</a>'
            for name, url in launch_links(app.config.html_theme_options, notebook.name)
        )
        + "</p>"
    )
    body, count = re.subn(r"</h1>", lambda match: match.group(0) + link, context["body"], count=1)
    if count:
        context["body"] = body


def launch_links(theme_options: dict, notebook_name: str) -> list[tuple[str, str]]:
    """Binder and Colab links for a student notebook, when ``repository.url`` is a GitHub URL.

    With no repository URL in ``_config.yml`` there is nothing to launch from,
    so no button is made (rather than a broken one).

    >>> launch_links({"repository_url": "https://github.com/o/r", "repository_branch": "main"}, "a.ipynb")[1]
    ('Open in Colab', 'https://colab.research.google.com/github/o/r/blob/main/notebooks/a.ipynb')
    >>> launch_links({"repository_url": ""}, "a.ipynb")
    []
    """
    url = (theme_options or {}).get("repository_url") or ""
    match = re.match(r"^https://github\.com/([^/]+)/([^/#?]+?)(?:\.git)?/?$", url)
    if not match:
        return []
    owner, repo = match.groups()
    branch = (theme_options or {}).get("repository_branch") or "main"
    path = f"notebooks/{notebook_name}"
    return [
        ("Launch on Binder", f"https://mybinder.org/v2/gh/{owner}/{repo}/{branch}?labpath={path}"),
        ("Open in Colab", f"https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/{path}"),
    ]


ROOT_REDIRECT = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta http-equiv="Refresh" content="0; url={target}">
</head>
<body><p><a href="{target}">{title}</a></p></body>
</html>
"""


def write_root_redirect(app: Sphinx, exception: Exception | None) -> None:
    """Replace the bare redirect that sphinx-external-toc writes as the site's index.html,
    and put the site's icon at /favicon.ico.

    The redirect's one ``<meta>`` line has no language or title. It declares
    no icon either (the fetch would be cut short by the redirect), so a
    browser asks for /favicon.ico, which therefore has to exist.
    """
    index = Path(app.outdir) / "index.html"
    if exception is not None or app.builder.format != "html" or not index.exists():
        return
    match = re.search(r'url=([^"\s]+)', index.read_text())
    if not match:
        return
    title = html.escape(app.config.html_title or app.config.project)
    index.write_text(ROOT_REDIRECT.format(title=title, target=html.escape(match.group(1))))
    if app.config.html_favicon:
        from PIL import Image  # Pillow comes with matplotlib

        with Image.open(Path(app.confdir) / app.config.html_favicon) as icon:
            icon.save(Path(app.outdir) / "favicon.ico", sizes=[(32, 32), (64, 64)])


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
    elements["preamble"] = (
        preamble
        + "\n% Macros shared with the site (from _config.yml)\n"
        + latex_macros(config)
        + "\n"
        + pdf_metadata(config)
    )
    config.latex_elements = elements


PDF_SUBJECT = "The gradient of the mean squared error of linear regression, derived twice and checked by computation"
PDF_KEYWORDS = (
    "gradient, mean squared error, linear regression, matrix calculus, gradient descent, Hands-On Machine Learning"
)


def pdf_metadata(config: Config) -> str:
    """hyperref's document information: title and author from _config.yml, subject and keywords."""

    def tex(text: str) -> str:
        return texescape.escape(str(text))

    return (
        "% Document information of the PDF (pdfinfo shows it)\n"
        "\\AtBeginDocument{\\hypersetup{"
        f"pdftitle={{{tex(config.html_title or config.project)}}}, pdfauthor={{{tex(config.author)}}}, "
        f"pdfsubject={{{tex(PDF_SUBJECT)}}}, pdfkeywords={{{tex(PDF_KEYWORDS)}}}"
        "}}\n"
    )


class pdf_edition_link(nodes.inline):
    """Text that links to the PDF in the site, and is plain text in the PDF."""


def pdf_edition_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{pdf-edition}`the whole book as one PDF``: a link to the print edition."""
    return [pdf_edition_link(rawtext, text)], []


def visit_pdf_edition_html(self: Any, node: pdf_edition_link) -> None:
    href = relative_uri(self.builder.get_target_uri(self.builder.current_docname), PDF_NAME)
    self.body.append(f'<a class="reference external course-pdf-link" href="{html.escape(href)}">')


def depart_pdf_edition_html(self: Any, node: pdf_edition_link) -> None:
    self.body.append("</a>")


def _pass(self: Any, node: nodes.Node) -> None:
    pass


def copy_pdf(app: Sphinx, exception: Exception | None) -> None:
    """Copy the print edition into the built HTML site when it has been built."""
    if exception is not None or app.builder.format != "html":
        return
    pdf = Path(app.outdir).parent / "pdf" / PDF_NAME
    if pdf.exists():
        shutil.copy2(pdf, Path(app.outdir) / PDF_NAME)


class LatexBookStructure(SphinxPostTransform):
    """Shape the PDF like the site's table of contents.

    Sphinx's LaTeX writer drops the root page's title and makes each of its
    sections a numbered chapter. Instead, the root page's text becomes one
    unnumbered chapter, "Introduction", with its sections as unnumbered
    sections, and each caption of ``_toc.yml`` becomes a ``\\part`` before
    its chapters. Runs on the assembled book (LaTeX builder only).
    """

    default_priority = 900
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        if self.env.docname != self.config.root_doc:
            return
        root = next((c for c in self.document.children if isinstance(c, nodes.section)), None)
        if root is None or not root.children or not isinstance(root[0], nodes.title):
            return
        wrappers = [c for c in root.children[1:] if isinstance(c, nodes.compound) and "toctree-wrapper" in c["classes"]]
        content = [c for c in root.children[1:] if c not in wrappers]
        captions = [t.get("caption") for t in self.env.get_doctree(self.config.root_doc).findall(addnodes.toctree)]
        engine = self.config.latex_engine

        intro = nodes.section(ids=["course-introduction"], names=["course-introduction"])
        intro += nodes.title("Introduction", "Introduction")
        intro += nodes.raw("", r"\markboth{Introduction}{Introduction}", format="latex")
        intro.extend(content)
        children: list[nodes.Node] = [
            root[0],
            nodes.raw(
                "", r"\edef\coursesecnumdepth{\the\value{secnumdepth}}\setcounter{secnumdepth}{-1}", format="latex"
            ),
            intro,
            nodes.raw("", r"\setcounter{secnumdepth}{\coursesecnumdepth}", format="latex"),
        ]
        for index, wrapper in enumerate(wrappers):
            caption = captions[index] if index < len(captions) else None
            if caption:
                children.append(nodes.raw("", rf"\part{{{texescape.escape(caption, engine)}}}", format="latex"))
            children.append(wrapper)
        root.children = []
        root.extend(children)


class LatexExerciseReferences(SphinxPostTransform):
    """Print references to exercises with their number in the PDF.

    sphinx-exercise writes each exercise's LaTeX anchor as ``exercise:<label>``
    and its number as plain text, while Sphinx's LaTeX writer turns a
    ``{ref}`` to it into ``\\ref{<doc>:<label>}``, an undefined reference
    ("Exercise ??"). Here such references become a link to the anchor that
    exists, with the number the site shows.
    """

    default_priority = 20  # after the references are resolved
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        registry = getattr(self.env, "sphinx_exercise_registry", {})
        for node in list(self.document.findall(addnodes.number_reference)):
            target = node.get("refid") or node.get("refuri", "").rpartition("#")[2]
            label = next((lab for lab in registry if target == lab or target.endswith(":" + lab)), None)
            if label is None:
                continue
            text = texescape.escape(node.astext(), self.config.latex_engine)
            node.replace_self(nodes.raw("", rf"\hyperref[exercise:{label}]{{{text}}}", format="latex"))


def one_search_box(app: Sphinx, config: Config) -> None:
    """Keep the theme's header empty, as sphinx-book-theme intends.

    sphinx-book-theme 1.3 sets ``navbar_persistent`` to nothing in its
    theme.conf, but pydata-sphinx-theme 0.17 (which it pins) fills the option
    with a search button whenever the *user's* ``html_theme_options`` lack
    it, ignoring the inheriting theme's default. Every page then showed a top
    bar holding a second search box next to the sidebar's. Stating the
    book theme's own default here restores one search box per page.
    """
    config.html_theme_options.setdefault("navbar_persistent", [])


ANSI = re.compile(r"\x1b\[[0-9;]*m")
CELL_SEPARATOR = "------------------"
logger = sphinx_logging.getLogger(__name__)


def take_over_execution_errors(app: Sphinx, config: Config) -> None:
    """Let myst-nb warn (not raise) on a failing cell; :func:`stop_on_failed_checks` raises instead."""
    app.course_stop_on_cell_error = bool(getattr(config, "nb_execution_raise_on_error", False))  # type: ignore[attr-defined]
    if app.course_stop_on_cell_error:  # type: ignore[attr-defined]
        config.nb_execution_raise_on_error = False


def describe_cell_error(chapter: Path, traceback_text: str) -> str:
    """One line for nbclient's CellExecutionError text: chapter, code cell, line, and the check's message."""
    text = ANSI.sub("", traceback_text)
    source = ""
    parts = text.split(CELL_SEPARATOR)
    if len(parts) >= 3:
        source = parts[1].strip("\n")
    lines = [line for line in text.splitlines() if line.strip()]
    last = next(
        (line for line in reversed(lines) if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b", line)), ""
    )
    ename, _, evalue = last.partition(": ")
    ename = ename.rpartition(".")[2]
    import sys

    tools = Path(__file__).resolve().parents[2] / "tools"
    if str(tools) not in sys.path:
        sys.path.insert(0, str(tools))
    from chapter_cells import failure_line

    return failure_line(chapter, source, ename, evalue, fallback=f"{chapter.name}, a cell that was not found")


def report_failed_cells(app: Sphinx, doctree: Any) -> None:
    """Right after a page is read (and executed): say which cell and check failed, in one line."""
    try:
        from myst_nb.sphinx_ import NbMetadataCollector
    except ImportError:  # pragma: no cover - myst-nb is always installed with the book
        return
    docname = app.env.docname
    data = NbMetadataCollector.get_doc_data(app.env).get(docname, {}).get("exec_data") or {}
    failures = getattr(app.env, "course_failed_cells", {})
    failures.pop(docname, None)
    if data.get("traceback"):
        line = describe_cell_error(Path(app.env.doc2path(docname)), data["traceback"])
        failures[docname] = line
        logger.warning(f"a cell failed: {line}", type="course", subtype="check", location=docname)
    app.env.course_failed_cells = failures  # type: ignore[attr-defined]


def forget_failed_cells(app: Sphinx, env: Any, docname: str) -> None:
    getattr(env, "course_failed_cells", {}).pop(docname, None)


def stop_on_failed_checks(app: Sphinx, env: Any) -> None:
    """After every page is read: stop the build, before writing, if a cell of a chapter failed."""
    failures = getattr(env, "course_failed_cells", {})
    if failures and getattr(app, "course_stop_on_cell_error", True):
        lines = "\n".join(f"  {failures[d]}" for d in sorted(failures))
        reports = Path(app.outdir) / "reports"
        raise ExtensionError(
            f"\n{'=' * 79}\nA cell of {len(failures)} chapter(s) failed; the book is not built:\n{lines}\n"
            f"(full tracebacks: {reports}/<chapter>.err.log)\n{'=' * 79}"
        )


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", one_search_box)
    app.add_js_file("course-site.js", defer="defer")  # book/_static: tooltips inside their landmark
    app.add_node(
        pdf_edition_link,
        html=(visit_pdf_edition_html, depart_pdf_edition_html),
        latex=(_pass, _pass),
        text=(_pass, _pass),
        man=(_pass, _pass),
        texinfo=(_pass, _pass),
    )
    app.add_role("pdf-edition", pdf_edition_role)
    app.add_post_transform(LatexBookStructure)
    app.add_post_transform(LatexExerciseReferences)
    app.connect("build-finished", copy_pdf)
    app.connect("html-page-context", drop_thebe_scripts, priority=900)
    app.connect("html-page-context", add_notebook_link)
    app.connect("build-finished", copy_notebooks)
    app.connect("build-finished", build_student_kit)
    app.connect("html-page-context", add_kit_link_to_landing_page)
    app.connect("build-finished", write_root_redirect, priority=900)
    app.setup_extension("course_slides")
    app.connect("config-inited", add_latex_macros)
    app.connect("config-inited", take_over_execution_errors)
    app.connect("doctree-read", report_failed_cells)
    app.connect("env-purge-doc", forget_failed_cells)
    app.connect("env-updated", stop_on_failed_checks)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
