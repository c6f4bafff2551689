"""The student notebooks: in sync with book/, free of MyST syntax, and converted faithfully.

nbval itself re-runs every notebook in notebooks/ and compares its outputs
(pytest collects them with --nbval, see pyproject.toml).
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import myst_to_notebook as m2n  # noqa: E402

import notebooks as nbtool  # noqa: E402

NOTEBOOK_PATHS = sorted((ROOT / "notebooks").glob("*.ipynb"))
RAW_MYST = [
    (re.compile(r"^\s*(```|:::)\{"), "a MyST directive fence"),
    (re.compile(r"\{(eq|doc|ref|prf:ref|numref|download|term)\}`"), "a MyST role"),
    (re.compile(r"^\$\$\s*\(eq:"), "an equation label"),
    (re.compile(r"^\([\w:.-]+\)=\s*$"), "a MyST target"),
    (re.compile(r"^:(label|class|nonumber):"), "a directive option"),
]


def test_notebooks_exist_for_every_executable_chapter():
    expected = {p.stem for p in m2n.book_pages() if m2n.is_executable(p)}
    assert expected, "no executable chapter found"
    assert {p.stem for p in NOTEBOOK_PATHS} == expected


def test_is_executable_agrees_with_jupytext():
    """``is_executable`` reads only the front matter; jupytext's whole read finds the same kernel."""
    import jupytext

    pages = sorted((ROOT / "book").glob("*.md"))
    assert pages
    for page in pages:
        assert m2n.is_executable(page) == ("kernelspec" in jupytext.read(page, fmt="md:myst").metadata), page.name


def test_notebooks_are_in_sync_with_book():
    problems = nbtool.out_of_date()
    assert not problems, "notebooks/ is out of date; run `./run notebooks`:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_no_raw_myst_and_no_undefined_macros(path):
    notebook = nbformat.read(path, as_version=4)
    macros = m2n.load_macros()
    unexpanded = re.compile(r"\\(" + "|".join(map(re.escape, macros)) + r")(?![A-Za-z])")
    for k, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            for pattern, what in RAW_MYST:
                assert not pattern.search(line), f"{path.name} cell {k}: {what} would show raw in Jupyter: {line!r}"
            assert not unexpanded.search(line), f"{path.name} cell {k}: macro not expanded: {line!r}"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_notebooks_carry_outputs_and_no_solutions(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code if c.source.strip())
    assert any(c.outputs for c in code), f"{path.name} has no stored outputs"
    for cell in code:
        assert "solution" not in cell.metadata.get("tags", [])
    assert notebook.metadata["kernelspec"]["name"] == "python3"


def _convert_text(text: str, tmp_path: Path) -> nbformat.NotebookNode:
    page = tmp_path / "page.md"
    page.write_text(
        "---\nkernelspec:\n  name: python3\n  display_name: Python 3\njupytext:\n"
        "  text_representation:\n    format_name: myst\n---\n" + text
    )
    index = m2n.BookIndex.scan([page, ROOT / "book" / "notation.md"])
    return m2n.convert(page, index, {"btheta": r"\boldsymbol{\theta}"})


def test_converter_translates_the_supported_constructs(tmp_path):
    nb = _convert_text(
        "(top)=\n# Title\n\n"
        "$$\na = \\btheta\n$$ (eq:a)\n\nSee {eq}`eq:a` and {doc}`notation` and {ref}`top`.\n\n"
        "```{prf:theorem} Name\n:label: thm-x\n\nBody $\\btheta$.\n```\n\n"
        "By {prf:ref}`thm-x`.\n\n"
        "````{prf:proof}\n```{note}\ninner\n```\n````\n\n"
        "```{exercise}\n:label: ex-1\n\nDo it.\n```\n\n"
        "```{solution} ex-1\n:class: dropdown\n\nSECRET\n```\n\n"
        "```{code-cell} ipython3\n:tags: [solution]\nsecret = 1\n```\n\n"
        "```{code-cell} ipython3\nx = 1\n```\n",
        tmp_path,
    )
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "\\tag{1}" in text and "See [(1)](#equation-eq-a)" in text
    assert "[Notation](notation.ipynb)" in text and "and [Title](#top)." in text
    assert "**Theorem 1 (Name).**" in text and "By [Theorem 1](#thm-x)." in text
    # every link target exists: anchors named like the site's ids
    for anchor in ('<a id="equation-eq-a"></a>', '<a id="top"></a>', '<a id="thm-x"></a>', '<a id="ex-1"></a>'):
        assert anchor in text
    assert "\\boldsymbol{\\theta}" in text and "\\btheta" not in text
    assert "*Proof.*" in text and "> **Note.**" in text
    assert "**Exercise 1.**" in text
    assert "SECRET" not in text
    assert [c.source for c in nb.cells if c.cell_type == "code"] == ["x = 1"]


def test_converter_keeps_quote_prefixes_out_of_display_math(tmp_path):
    nb = _convert_text(
        "# T\n\n```{prf:theorem} Bound\n:label: thm-b\n\nIf\n\n$$\n0 < \\eta\n< 2\n$$ (eq:b)\n\nthen.\n```\n", tmp_path
    )
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "> $$ 0 < \\eta < 2 \\tag{1} $$" in text
    inside = False
    for line in text.splitlines():  # no line of a multi-line formula starts with the quote prefix
        if line.strip().startswith("$$") and not line.strip().endswith("$$ "):
            inside = not inside if line.strip() == "$$" else inside
        assert not (inside and line.startswith(">")), line


@pytest.mark.parametrize(
    "snippet, message",
    [
        ("```{figure} a.png\n```\n", r"directive \{figure\}"),
        ("See {numref}`x`.\n", r"role \{numref\}"),
        ("See {eq}`eq:nowhere`.\n", "no labelled equation eq:nowhere"),
        ("```{note}\n:width: 3\nx\n```\n", r"option :width:"),
        ("```{note}\nunclosed\n", "unclosed directive"),
    ],
)
def test_converter_refuses_what_it_cannot_translate(tmp_path, snippet, message):
    with pytest.raises(m2n.MystConversionError, match=message):
        _convert_text("# T\n\n" + snippet, tmp_path)


def _figures(notebook: nbformat.NotebookNode) -> list[tuple[int, str, str]]:
    """(cell index, alt text of the chapter, MIME type) of every image output stored in a notebook."""
    found = []
    for k, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            found += [
                (k, cell.metadata.get("alt", ""), mime) for mime in output.get("data", {}) if mime.startswith("image/")
            ]
    return found


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_every_figure_is_described_where_notebook_readers_meet_it(path):
    """Each figure carries the chapter's alt text on its output, and as a text description in the cell after it.

    JupyterLab 4.6 (its image renderer sets only src, width and height), Colab and
    GitHub ignore an output's alt metadata, so the description in the next Markdown
    cell is what a screen reader (or a reader who cannot load the image) gets there.
    """
    notebook = nbformat.read(path, as_version=4)
    chapter = (ROOT / "book" / f"{path.stem}.md").read_text()
    problems = []
    for k, alt, mime in _figures(notebook):
        cell = notebook.cells[k]
        if not alt:
            problems.append(f"cell {k}: a figure without alt text in its chapter (mystnb: image: alt:)")
            continue
        if " ".join(alt.split()[:6]) not in " ".join(chapter.split()):
            problems.append(f"cell {k}: alt text not taken from the chapter: {alt[:60]!r}")
        stored = [o.get("metadata", {}).get(mime, {}).get("alt") for o in cell.outputs if mime in o.get("data", {})]
        if alt not in stored:
            problems.append(f"cell {k}: the {mime} output does not carry the alt text in its metadata")
        following = notebook.cells[k + 1] if k + 1 < len(notebook.cells) else None
        if following is None or following.cell_type != "markdown" or html.escape(alt) not in following.source:
            problems.append(f"cell {k}: no text description of the figure in the next Markdown cell")
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


def test_figure_counts_match_the_chapters():
    """Every figure of a chapter (a code cell with ``mystnb: image: alt:``) reaches its notebook with an image."""
    for path in NOTEBOOK_PATHS:
        chapter = (ROOT / "book" / f"{path.stem}.md").read_text()
        expected = len(re.findall(r"^  image:\n    alt: ", chapter, flags=re.M))
        notebook = nbformat.read(path, as_version=4)
        described = {k for k, alt, _ in _figures(notebook) if alt}
        assert len(described) == expected, (
            f"{path.name}: {len(described)} described figures, the chapter has {expected}"
        )
