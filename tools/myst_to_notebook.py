"""Turn a MyST chapter of the book into a plain-Jupyter student notebook.

JupyterLab and Colab do not understand MyST: a ``{prf:theorem}`` fence, an
``(eq:label)`` after ``$$`` or a ``{eq}`` role would show as raw syntax, and
the LaTeX macros of ``_config.yml`` would not be defined. This module
rewrites each markdown cell into CommonMark + MathJax that both render:

* directives become bold-headed paragraphs or block quotes (numbered per
  notebook, like "Theorem 1"); ``{solution}`` blocks and code cells tagged
  ``solution`` are dropped (the solutions live on the site);
* labelled equations get ``\\tag{N}``, numbered through the whole book in
  table-of-contents order as on the site, and ``{eq}`` references become
  "(N)", a link to the other notebook when the equation is on another page;
* ``{doc}``/``{ref}``/``{prf:ref}`` become links or text;
* the shared macros are expanded in place, so no notebook depends on them;
* a figure caption given in a code cell's ``mystnb`` metadata becomes a
  markdown line after the cell;
* after each exercise that has a self-check in :mod:`mse_gradient.checks`
  come an answer cell (a template binding ``answer``) and a check cell that
  says what is right or wrong when run.

Any MyST construct it does not know raises :class:`MystConversionError`, so
nothing unconverted can reach a notebook.
"""

from __future__ import annotations

import copy
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jupytext
import nbformat
import yaml

from mse_gradient.checks import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"

THEOREM_LIKE = {
    "prf:definition": "Definition",
    "prf:theorem": "Theorem",
    "prf:lemma": "Lemma",
    "prf:proposition": "Proposition",
    "prf:corollary": "Corollary",
    "prf:remark": "Remark",
    "prf:example": "Example",
    "prf:algorithm": "Algorithm",
}
ADMONITIONS = {"note": "Note", "tip": "Tip", "warning": "Warning", "important": "Important", "hint": "Hint"}
KNOWN_OPTIONS = {"label", "class", "nonumber"}

FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[a-zA-Z:-]+)\}\s*(?P<arg>.*)$")
LABELLED_MATH_END = re.compile(r"^\$\$\s*\((?P<label>[^)\s]+)\)\s*$")
TARGET = re.compile(r"^\((?P<label>[A-Za-z0-9_:.-]+)\)=\s*$")
ROLE = re.compile(r"\{(?P<role>[a-zA-Z:-]+)\}`(?P<body>[^`]*)`")
HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*$")
EXERCISE_MARK = "%%answer-cells:"  # splits a markdown cell where an exercise's answer cells go


def anchor_id(label: str, kind: str = "") -> str:
    """The id the site gives a label (Sphinx/docutils ``make_id``), so notebook and site fragments agree.

    >>> anchor_id("td-answer"), anchor_id("eq:td-step", "equation")
    ('td-answer', 'equation-eq-td-step')
    """
    from docutils.nodes import make_id

    return (f"{kind}-" if kind else "") + make_id(label)


def anchor(label: str, kind: str = "") -> str:
    """An empty HTML anchor: JupyterLab, nbconvert, Colab and GitHub all jump to it."""
    return f'<a id="{anchor_id(label, kind)}"></a>'


class MystConversionError(ValueError):
    """A MyST construct that the notebook converter does not translate."""


def load_macros(config_path: Path = ROOT / "_config.yml") -> dict[str, str]:
    """The zero-argument LaTeX macros shared by site, notebooks and PDF."""
    config = yaml.safe_load(config_path.read_text())
    return dict(config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"])


def expand_macros(text: str, macros: dict[str, str]) -> str:
    r"""Replace ``\name`` by its body wherever ``name`` is a shared macro.

    A macro used as the argument of a command without braces, as in
    ``\hat\btheta``, expands inside braces (``\hat{\boldsymbol{\theta}}``):
    the body has several tokens and the command takes only the first.

    >>> expand_macros(r"$\X\btheta$ and \Xi", {"X": r"\mathbf{X}", "btheta": r"\boldsymbol{\theta}"})
    '$\\mathbf{X}\\boldsymbol{\\theta}$ and \\Xi'
    >>> expand_macros(r"$\hat\btheta$", {"btheta": r"\boldsymbol{\theta}"})
    '$\\hat{\\boldsymbol{\\theta}}$'
    """
    if not macros:
        return text
    names = "|".join(sorted((re.escape(k) for k in macros), key=len, reverse=True))
    pattern = re.compile(rf"(\\[A-Za-z]+\s*)?\\({names})(?![A-Za-z])")

    def replace(match: re.Match[str]) -> str:
        command, body = match.group(1), macros[match.group(2)]
        if command is None:
            return body
        if command.strip()[1:] in macros:  # two macros in a row: both expand on their own
            return macros[command.strip()[1:]] + command[len(command.rstrip()) :] + body
        return f"{command.rstrip()}{{{body}}}"

    # A macro body may itself use macros: expand until nothing changes.
    for _ in range(5):
        new = pattern.sub(replace, text)
        if new == text:
            break
        text = new
    return text
    names = "|".join(sorted((re.escape(k) for k in macros), key=len, reverse=True))
    pattern = re.compile(rf"\\({names})(?![A-Za-z])")
    # A macro body may itself use macros: expand until nothing changes.
    for _ in range(5):
        new = pattern.sub(lambda m: macros[m.group(1)].replace("\\", "\\\\").replace("\\\\", "\\"), text)
        if new == text:
            break
        text = new
    return text


@dataclass
class BookIndex:
    """Labels of the whole book: section targets and page titles."""

    titles: dict[str, str] = field(default_factory=dict)  # doc name -> title
    targets: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (doc, heading)
    # label -> (doc, number): the site numbers labelled equations through the whole
    # book in table-of-contents order, and the notebooks use the same numbers.
    equations: dict[str, tuple[str, int]] = field(default_factory=dict)
    # Theorem-like blocks, exercises and figures are numbered per kind through the
    # whole book, as on the site: label -> (doc, kind, number), and the count of each
    # kind before each page.
    blocks: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    offsets: dict[tuple[str, str], int] = field(default_factory=dict)

    @classmethod
    def scan(cls, pages: list[Path]) -> BookIndex:
        index = cls()
        counts: dict[str, int] = {}
        for page in pages:
            doc = page.stem
            lines = page.read_text().splitlines()
            for kind in set(THEOREM_LIKE.values()) | {"Exercise", "Figure"}:
                index.offsets[(doc, kind)] = counts.get(kind, 0)
            for kind, label in _numbered_items(page):
                counts[kind] = counts.get(kind, 0) + 1
                if label:
                    index.blocks[label] = (doc, kind, counts[kind])
            pending: list[str] = []
            for line in lines:
                math_end = LABELLED_MATH_END.match(line.strip())
                if math_end:
                    index.equations[math_end.group("label")] = (doc, len(index.equations) + 1)
                target = TARGET.match(line)
                heading = HEADING.match(line)
                if target:
                    pending.append(target.group("label"))
                elif heading:
                    title = heading.group("title")
                    if line.startswith("# ") and doc not in index.titles:
                        index.titles[doc] = title
                    for label in pending:
                        index.targets[label] = (doc, title)
                    pending = []
                elif line.strip():
                    pending = []
        return index


def _numbered_items(page: Path) -> list[tuple[str, str | None]]:
    """(kind, label) of every numbered block and captioned figure of a page, in order per kind."""
    items: list[tuple[str, str | None]] = []
    notebook = jupytext.read(page, fmt="md:myst")
    for cell in notebook.cells:
        if cell.cell_type == "code":
            figure = cell.metadata.get("mystnb", {}).get("figure", {})
            if figure.get("caption"):
                items.append(("Figure", figure.get("name")))
            continue
        lines = cell.source.splitlines()
        for k, line in enumerate(lines):
            fence = FENCE_OPEN.match(line.strip())
            if not fence or not (fence.group("name") in THEOREM_LIKE or fence.group("name") == "exercise"):
                continue
            label = None
            for option in lines[k + 1 : k + 6]:
                opt = re.match(r"^:label:\s*(\S+)", option.strip())
                if opt:
                    label = opt.group(1)
                    break
            items.append((THEOREM_LIKE.get(fence.group("name"), "Exercise"), label))
    return items


@dataclass
class PageState:
    """Numbering within one notebook."""

    doc: str
    index: BookIndex
    counters: dict[str, int] = field(default_factory=dict)

    def next(self, kind: str) -> int:
        """The book-wide number of the next block of ``kind`` on this page."""
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return self.index.offsets.get((self.doc, kind), 0) + self.counters[kind]


def _split_options(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    options: dict[str, str] = {}
    k = 0
    while k < len(lines) and re.match(r"^:[a-zA-Z_-]+:", lines[k].strip()):
        key, _, value = lines[k].strip()[1:].partition(":")
        if key not in KNOWN_OPTIONS:
            raise MystConversionError(f"directive option :{key}: is not supported by the notebook converter")
        options[key] = value.strip()
        k += 1
    return options, lines[k:]


def _convert_lines(lines: list[str], state: PageState) -> list[str]:
    """Convert a run of markdown lines, recursing into directive bodies."""
    out: list[str] = []
    in_math = False
    k = 0
    while k < len(lines):
        line = lines[k]
        stripped = line.strip()
        fence = FENCE_OPEN.match(stripped)
        if fence:
            marker = fence.group("fence")
            end = k + 1
            while end < len(lines) and lines[end].strip() != marker:
                end += 1
            if end == len(lines):
                raise MystConversionError(f"unclosed directive {stripped!r} in {state.doc}")
            out.extend(_directive(fence.group("name"), fence.group("arg").strip(), lines[k + 1 : end], state))
            k = end + 1
            continue
        if stripped.startswith("```") or stripped.startswith("~~~"):
            # A plain code block (```python): copy verbatim up to its closing fence.
            marker = re.match(r"^(`{3,}|~{3,})", stripped).group(1)
            end = k + 1
            while end < len(lines) and not lines[end].strip().startswith(marker):
                end += 1
            out.extend(lines[k : end + 1])
            k = end + 1
            continue
        target = TARGET.match(stripped)
        if target:
            # The heading that follows gets an anchor named like the site's, for {ref} links.
            out.append(anchor(target.group("label")))
            k += 1
            continue
        opens_math = stripped.startswith("$$") and not in_math and not (stripped != "$$" and stripped.endswith("$$"))
        if stripped.startswith("$$") and (in_math or opens_math):
            in_math = not in_math
        if opens_math:
            end = k + 1
            while end < len(lines) and not lines[end].strip().startswith("$$"):
                end += 1
            closing = LABELLED_MATH_END.match(lines[end].strip()) if end < len(lines) else None
            if closing:
                indent = line[: len(line) - len(line.lstrip())]
                out.append(f"{indent}{anchor(closing.group('label'), 'equation')}")
        math_end = LABELLED_MATH_END.match(stripped)
        if math_end:
            number = state.index.equations[math_end.group("label")][1]
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}\\tag{{{number}}}")
            out.append(f"{indent}$$")
            k += 1
            continue
        out.append(_roles(line, state))
        k += 1
    return out


def _directive(name: str, arg: str, body: list[str], state: PageState) -> list[str]:
    options, body = _split_options(body)
    if name == "solution":
        return []  # solutions are for the site only
    if name == "explorer":  # interactive on the site only (book/_ext/course_explorers.py)
        text = " ".join(line.strip() for line in body if line.strip())
        return [f"*Interactive figure on the course site ({arg.strip()} explorer): {text}*", ""]
    inner = _convert_lines(body, state)
    while inner and not inner[0].strip():
        inner.pop(0)
    while inner and not inner[-1].strip():
        inner.pop()
    if name in THEOREM_LIKE or name == "exercise":
        kind = THEOREM_LIKE.get(name, "Exercise")
        number = state.next(kind)
        title = f" ({_roles(arg, state)})" if arg else ""
        head = (anchor(options["label"]) if options.get("label") else "") + f"**{kind} {number}{title}.**"
        after = (
            [EXERCISE_MARK + options["label"], ""] if name == "exercise" and options.get("label") in EXERCISES else []
        )
        return _quote([head, ""] + inner) + [""] + after
    if name == "prf:proof":
        return ["*Proof.*", ""] + inner + ["", "$\\blacksquare$", ""]
    if name in ADMONITIONS or name == "admonition":
        title = ADMONITIONS.get(name) or _roles(arg, state)
        if not title:
            raise MystConversionError(f"{{admonition}} needs a title in {state.doc}")
        return _quote([f"**{title}.**", ""] + inner) + [""]
    raise MystConversionError(f"directive {{{name}}} in {state.doc} is not supported by the notebook converter")


def _quote(lines: list[str]) -> list[str]:
    """Block-quote ``lines``, with each display equation on one line.

    JupyterLab and Colab take display math out of the Markdown before they
    parse it, so a ``> `` prefix on a line inside ``$$ … $$`` would become part
    of the formula. On one line, the prefix stays outside the math.
    """
    joined: list[str] = []
    k = 0
    while k < len(lines):
        stripped = lines[k].strip()
        if stripped.startswith("$$") and not (stripped != "$$" and stripped.endswith("$$")):
            end = k + 1
            while end < len(lines) and not lines[end].strip().startswith("$$"):
                end += 1
            body = [piece.strip() for piece in lines[k : end + 1] if piece.strip()]
            if any(piece.lstrip().startswith("%") for piece in body):
                raise MystConversionError(
                    "a TeX comment (%) in display math inside a block cannot be joined to one line"
                )
            joined.append(" ".join(body))
            k = end + 1
            continue
        joined.append(lines[k])
        k += 1
    return [f"> {line}" if line.strip() else ">" for line in joined]


def _roles(text: str, state: PageState) -> str:
    def replace(match: re.Match[str]) -> str:
        role, body = match.group("role"), match.group("body")
        explicit = re.match(r"^(?P<text>.*?)\s*<(?P<target>[^>]+)>$", body)
        label_text, target = (explicit.group("text"), explicit.group("target")) if explicit else (None, body)
        if role == "eq":
            if target not in state.index.equations:
                raise MystConversionError(f"{{eq}}`{target}` in {state.doc}: no labelled equation {target} in the book")
            doc, number = state.index.equations[target]
            return f"[({number})]({_href(doc, state, anchor_id(target, 'equation'))})"
        if role == "doc":
            doc = Path(target).name
            if doc not in state.index.titles:
                raise MystConversionError(f"{{doc}}`{body}` in {state.doc}: no such page in book/")
            return f"[{label_text or state.index.titles[doc]}]({doc}.ipynb)"
        if role in ("ref", "prf:ref") and target in state.index.blocks:  # a numbered block or figure
            doc, kind, number = state.index.blocks[target]
            shown = label_text or f"{kind} {number}"
            return f"[{shown}]({_href(doc, state, anchor_id(target))})"
        if role == "ref":
            if target not in state.index.targets:
                raise MystConversionError(f"{{ref}}`{body}` in {state.doc}: unknown label")
            doc, heading = state.index.targets[target]
            shown = label_text or heading
            return f"[{shown}]({_href(doc, state, anchor_id(target))})"
        if role == "prf:ref":
            raise MystConversionError(f"{{prf:ref}}`{target}` in {state.doc}: no theorem-like block with that label")
        raise MystConversionError(f"role {{{role}}} in {state.doc} is not supported by the notebook converter")

    return ROLE.sub(replace, text)


def _href(doc: str, state: PageState, fragment: str) -> str:
    """A link to ``#fragment`` in this notebook, or in the notebook of ``doc``."""
    return f"#{fragment}" if doc == state.doc else f"{doc}.ipynb#{fragment}"


def book_pages() -> list[Path]:
    """Every chapter listed in ``_toc.yml``, in order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files.extend(section["file"] for section in chapter.get("sections", []))
    return [ROOT / f"{name}.md" for name in files]


def is_executable(page: Path) -> bool:
    """A page becomes a notebook when it has a kernel (a jupytext header).

    Only the page's YAML front matter is read, where jupytext finds its metadata
    (a whole jupytext read of a chapter costs about 40 ms; the test suite asks this at
    collection, in every worker).

    >>> is_executable(ROOT / "book" / "notation.md"), is_executable(ROOT / "book" / "intro.md")
    (True, False)
    """
    text = page.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return False
    end = text.find("\n---\n", 3)
    header = yaml.safe_load(text[4:end]) if end > 0 else None
    return isinstance(header, dict) and "kernelspec" in header


def convert(page: Path, index: BookIndex | None = None, macros: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The student notebook of ``page``, without outputs."""
    index = index or BookIndex.scan(book_pages())
    macros = load_macros() if macros is None else macros
    source_nb = jupytext.read(page, fmt="md:myst")
    state = PageState(doc=page.stem, index=index)

    cells: list[nbformat.NotebookNode] = [nbformat.v4.new_markdown_cell(_preamble(page, index)), *_install_cells()]
    for cell in source_nb.cells:
        tags = list(cell.metadata.get("tags", []))
        if "solution" in tags:
            continue
        if cell.cell_type == "markdown":
            text = "\n".join(_convert_lines(cell.source.splitlines(), state)).strip("\n")
            for k, piece in enumerate(re.split(rf"^{re.escape(EXERCISE_MARK)}(\S+)$", text, flags=re.M)):
                if k % 2:  # an exercise label: its answer cell and its self-check
                    cells.extend(_answer_cells(piece))
                    continue
                piece = expand_macros(re.sub(r"\n{3,}", "\n\n", piece.strip("\n")), macros)
                if piece.strip():
                    cells.append(nbformat.v4.new_markdown_cell(piece))
            continue
        metadata: dict[str, Any] = {}
        kept = [t for t in tags if t not in {"remove-cell", "remove-input", "hide-cell", "hide-input", "hide-output"}]
        if kept:
            metadata["tags"] = kept
        mystnb = cell.metadata.get("mystnb", {})
        alt = " ".join(str(mystnb.get("image", {}).get("alt", "")).split())
        if alt:
            # Where notebook tools look for a figure's alt text (nbconvert's classic template,
            # nbsphinx); tools/notebooks.py also copies it onto the stored image outputs.
            metadata["alt"] = alt
        cells.append(nbformat.v4.new_code_cell(cell.source, metadata=metadata))
        caption = mystnb.get("figure", {}).get("caption")
        lines = []
        if caption:
            number = state.next("Figure")
            text = expand_macros(_roles(caption, state), macros)
            name = mystnb.get("figure", {}).get("name")
            mark = f" {anchor(name)}" if name else ""
            lines.append(f"*Figure {number}.* {text}{mark}")
        if alt:
            # JupyterLab (4.6), Colab and GitHub show an image output without any alt text,
            # whatever its metadata says: the description is text next to the figure instead.
            lines += [
                "",
                f"<details><summary>Text description of the figure</summary>\n\n{html.escape(alt)}\n\n</details>",
            ]
        if lines:
            cells.append(nbformat.v4.new_markdown_cell("\n".join(lines).strip("\n")))

    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": copy.deepcopy(dict(source_nb.metadata["kernelspec"])),
        "language_info": {"name": "python"},
    }
    for k, cell in enumerate(notebook.cells):
        cell["id"] = f"{page.stem[:40]}-{k:03d}"
    leftovers = [c.source for c in notebook.cells if c.cell_type == "markdown" and ROLE.search(c.source)]
    if leftovers:
        raise MystConversionError(f"unconverted MyST role in {page.stem}: {leftovers[0][:200]!r}")
    return notebook


def _answer_cells(label: str) -> list[nbformat.NotebookNode]:
    """The answer cell (a template that binds ``answer``) and the self-check of an exercise."""
    return [
        nbformat.v4.new_markdown_cell("*Your answer* (then run the check below it):"),
        nbformat.v4.new_code_cell(EXERCISES[label].template.rstrip("\n"), metadata={"tags": ["answer"]}),
        nbformat.v4.new_code_cell(
            f'from mse_gradient.checks import check\n\ncheck("{label}", answer)', metadata={"tags": ["self-check"]}
        ),
    ]


def _preamble(page: Path, index: BookIndex) -> str:
    """The first cell: what the notebook is, how a student installs the package, where the solutions are."""
    from kit import KIT_NAME, site_url, wheel_name  # tools/kit.py, next to this module

    title = index.titles.get(page.stem, page.stem)
    site, wheel = site_url(), wheel_name()
    book = f"[the book's site]({site}/book/{page.stem}.html)" if site else "the book's site"
    has_exercises = any(doc == page.stem and label in EXERCISES for label, (doc, _, _) in index.blocks.items())
    lines = [
        f'*Student notebook for the chapter "{title}" of the course module '
        '"The gradient of the MSE, derived and run".*',
        "",
        "**Before you run it**, install the course package `mse_gradient` once, in the Python environment of this "
        f"notebook's kernel, from its wheel `{wheel}` (download it from {book}, under the chapter's title, "
        f"into the folder of this notebook; the student kit `{KIT_NAME}.zip` has it next to all the notebooks).",
        f"In a terminal in that folder: `pip install {wheel}`; with the kit's `requirements-student.txt` you also get "
        f"JupyterLab and the tested versions of NumPy, SymPy and Matplotlib: `pip install -r requirements-student.txt {wheel}`.",
        "In Colab: uncomment and run the cell below."
        if site
        else f"In Colab: upload `{wheel}` into the file panel, then run `%pip install {wheel}` in a new cell.",
        "",
        "Then run the cells from top to bottom.",
    ]
    if has_exercises:
        lines.append(
            "After each exercise, write your answer in the answer cell and run the check below it: it says what is "
            f"right, or what is wrong. The solutions are on {book}, folded away under each exercise."
        )
    return "\n".join(lines)


def _install_cells() -> list[nbformat.NotebookNode]:
    """With the site's address configured: a Colab-ready install cell, commented out (a no-op when run as is)."""
    from kit import wheel_url

    url = wheel_url()
    if not url:
        return []
    source = f"# In Colab, or wherever mse_gradient is not installed: remove the # below and run this cell.\n# %pip install {url}"
    return [nbformat.v4.new_code_cell(source, metadata={"tags": ["install"]})]
