"""The print edition: one PDF of the whole book, built by ``./run pdf`` (tools/pdf.py).

Checks the built PDF, not the build: every page of ``_toc.yml`` is in it by its title,
the XeLaTeX log has no error, undefined reference or missing glyph, the LaTeX preamble
has the site's macros, and the landing page of the built site links the PDF.
``./run test`` builds the site and then the PDF before running these.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("COURSE_BUILD_DIR", ROOT / "_build"))  # another build (e.g. a private one) to check
TOC = Path(os.environ.get("COURSE_TOC", ROOT / "_toc.yml"))
NAME = "mse-gradient"
PDF = BUILD / "pdf" / f"{NAME}.pdf"
LATEX = BUILD / "latex"


def _load_pdf_tool():
    spec = importlib.util.spec_from_file_location("course_pdf_tool", ROOT / "tools" / "pdf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pdf_tool = _load_pdf_tool()


def toc_files(toc: dict) -> list[str]:
    """Every page of a Jupyter Book table of contents, root first, in order."""
    files = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key, []))

    for key in ("parts", "chapters", "sections"):
        walk(toc.get(key, []))
    return files


def page_title(source: Path) -> str:
    """The first ``#`` heading of a MyST page (outside front matter and code fences)."""
    text = source.read_text()
    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[1]
    in_fence = None
    for line in text.splitlines():
        fence = re.match(r"^\s*(`{3,}|~{3,}|:{3,})", line)
        if fence:
            mark = fence.group(1)
            if in_fence is None:
                in_fence = mark
            elif mark.startswith(in_fence[0]) and len(mark) >= len(in_fence):
                in_fence = None
            continue
        if in_fence is None and re.match(r"^# \S", line):
            return line[2:].strip()
    raise AssertionError(f"{source} has no '# ' title")


def normalize(text: str) -> str:
    """Compare text as a reader does: ligatures, quotes, dashes, case and line breaks ignored."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"}))
    return re.sub(r"\s+", " ", text).casefold().strip()


def title_fragments(title: str) -> list[str]:
    """The plain-text pieces of a Markdown title: math and markup removed."""
    pieces = re.split(r"\$[^$]*\$|\{[a-z:-]+\}`[^`]*`", title)
    fragments = []
    for piece in pieces:
        piece = re.sub(r"[*`]|\\", "", piece).strip(" ,.:;!?()")
        if piece:
            fragments.append(normalize(piece))
    return fragments


@pytest.fixture(scope="session")
def pdf() -> Path:
    if not PDF.exists():
        pytest.fail(f"no PDF at {PDF}: build it with `./run pdf` (`./run test` builds it before the tests)")
    return PDF


@pytest.fixture(scope="session")
def pdf_text(pdf: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing: `./run pdf` installs poppler-utils with TeX Live")
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="session")
def latex_log(pdf: Path) -> str:
    log = LATEX / f"{NAME}.log"
    if not log.exists():
        pytest.fail(f"no XeLaTeX log at {log}: rebuild the PDF with `./run pdf`")
    return log.read_text(errors="replace")


def test_log_problem_patterns():
    assert pdf_tool.log_problems("! LaTeX Error: File `bbm.sty' not found.")
    assert pdf_tool.log_problems("! Undefined control sequence.")
    assert pdf_tool.log_problems("LaTeX Warning: There were undefined references.")
    assert pdf_tool.log_problems("Missing character: There is no ᵀ (U+1D40) in font [FreeMono.otf]")
    assert not pdf_tool.log_problems("Overfull \\hbox (2.0pt too wide) in paragraph at lines 1--2")


def test_every_page_of_the_toc_is_in_the_pdf(pdf_text):
    text = normalize(pdf_text)
    joined = normalize(re.sub(r"-\n", "", pdf_text))
    files = toc_files(yaml.safe_load(TOC.read_text()))
    missing = []
    for file in files:
        title = page_title(ROOT / f"{file}.md")
        for fragment in title_fragments(title):
            if fragment not in text and fragment not in joined:
                missing.append(f"{file}: {title!r} (no {fragment!r})")
    assert not missing, "chapter titles missing from the PDF:\n  " + "\n  ".join(missing)


def test_latex_log_is_clean(latex_log):
    problems = pdf_tool.log_problems(latex_log)
    assert not problems, "XeLaTeX log:\n  " + "\n  ".join(problems[:40])


def test_no_unresolved_references_in_the_text(pdf_text):
    assert "??" not in pdf_text, "the PDF shows '??' for a reference that LaTeX could not resolve"


def test_page_count_is_sane(pdf):
    pages = pdf_tool.page_count(pdf)
    chapters = len(toc_files(yaml.safe_load(TOC.read_text())))
    assert pages is not None, "pdfinfo could not read the PDF"
    assert chapters + 2 <= pages <= 40 * chapters + 10, f"{pages} pages for {chapters} pages of the table of contents"


def test_solutions_are_printed_with_their_exercises(pdf_text):
    files = toc_files(yaml.safe_load(TOC.read_text()))
    if not any("{solution}" in (ROOT / f"{file}.md").read_text() for file in files):
        pytest.skip("no chapter has a solution yet")
    assert "Solution to Exercise" in pdf_text


def test_latex_uses_the_macros_of_the_site(pdf):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    macros = config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    tex = (LATEX / f"{NAME}.tex").read_text()
    for name, body in macros.items():
        assert f"\\newcommand{{\\{name}}}{{{body}}}" in tex, f"\\{name} is not defined in the LaTeX preamble"


def test_landing_page_links_the_pdf(pdf):
    site = BUILD / "html"
    toc = yaml.safe_load(TOC.read_text())
    landing = site / f"{toc['root']}.html"
    if not landing.exists():
        pytest.fail(f"no built site at {site}: run `./run test`, which builds the site and then the PDF")
    hrefs = re.findall(r'href="([^"#?]*' + re.escape(f"{NAME}.pdf") + r')"', landing.read_text())
    assert hrefs, f"{landing} does not link {NAME}.pdf"
    for href in hrefs:
        target = (landing.parent / unquote(href)).resolve()
        assert target.exists(), f"{landing.name} links {href}, but {target} is not in the site: run `./run pdf`"
        assert target.read_bytes() == pdf.read_bytes(), f"{target} is not the PDF just built: run `./run pdf`"


def test_pdf_carries_its_document_information(pdf):
    """Title, author, subject and keywords in the PDF's metadata (what a PDF reader and a library catalogue show)."""
    import subprocess

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert fields.get("Title", "").strip() == config["title"], info
    assert fields.get("Author", "").strip() == config["author"], info
    assert "gradient" in fields.get("Subject", ""), info
    assert "linear regression" in fields.get("Keywords", ""), info
