"""The code cells of a chapter, with where they are in its Markdown source.

Used by the mutation gate (tests/test_mutation.py), the rule that no check
only prints (tests/test_no_print_checks.py), and the build error messages
(book/_ext/course_site.py, tools/notebooks.py), so that a failing check is
reported as ``book/elementwise.md, code cell 12 (line 180): ✗ step 3 — …``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```\{code-cell\}")


@dataclass(frozen=True)
class CodeCell:
    """One ``{code-cell}`` of a chapter: its number among the code cells (1-based) and its line."""

    chapter: Path
    number: int
    line: int
    source: str
    tags: tuple[str, ...] = field(default=())
    first_line: int = 0  # line of the source's first line (after the fence's options)

    def where(self) -> str:
        try:
            shown = self.chapter.resolve().relative_to(ROOT)
        except ValueError:
            shown = self.chapter
        return f"{shown}, code cell {self.number} (line {self.line})"


def fence_lines(path: Path) -> list[int]:
    """1-based line numbers of the ``{code-cell}`` fences, in order."""
    return [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if FENCE.match(line)]


def _first_source_line(lines: list[str], fence: int) -> int:
    """The 1-based line where the code of the cell fenced at ``fence`` starts."""
    i = fence  # index of the line after the fence (0-based)
    if i < len(lines) and lines[i].strip() == "---":
        i += 1
        while i < len(lines) and lines[i].strip() != "---":
            i += 1
        i += 1
    while i < len(lines) and lines[i].startswith(":"):
        i += 1
    return i + 1


def code_cells(path: Path) -> list[CodeCell]:
    """The chapter's code cells as jupytext reads them, each with its fence's line number."""
    path = Path(path)
    notebook = jupytext.read(path)
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    lines = fence_lines(path)
    text = path.read_text(encoding="utf-8").splitlines()
    if len(lines) != len(cells):
        raise ValueError(f"{path}: jupytext found {len(cells)} code cells but there are {len(lines)} fences")
    return [
        CodeCell(
            path,
            number,
            line,
            cell.source,
            tuple(cell.get("metadata", {}).get("tags", [])),
            _first_source_line(text, line),
        )
        for number, (cell, line) in enumerate(zip(cells, lines), start=1)
    ]


def code_notebook(path: Path) -> tuple[nbformat.NotebookNode, list[CodeCell]]:
    """A notebook holding only the chapter's code cells (same order, tags kept), and those cells."""
    notebook = jupytext.read(Path(path))
    cells = code_cells(path)
    notebook.cells = [
        nbformat.v4.new_code_cell(c.source, metadata={"tags": list(c.tags)} if c.tags else {}) for c in cells
    ]
    return notebook, cells


def locate(path: Path, source: str) -> CodeCell | None:
    """The code cell of ``path`` whose source is ``source`` (whitespace-insensitive), if any."""
    wanted = source.strip()
    for cell in code_cells(path):
        if cell.source.strip() == wanted:
            return cell
    return None


def failure_line(chapter: Path, source: str, ename: str, evalue: str, fallback: str = "") -> str:
    """One line that says where a cell failed and why: ``book/x.md, code cell 12 (line 180): ✗ name: …``.

    ``source`` is the failing cell's code; it is looked up among the chapter's
    code cells. A cell that is not in the chapter (e.g. a self-check cell the
    notebook converter added) is described by ``fallback``.
    """
    cell = locate(chapter, source) if Path(chapter).exists() else None
    where = cell.where() if cell else (fallback or f"{chapter}, a cell not in the chapter's source")
    first = evalue.strip().splitlines()[0] if evalue.strip() else ""
    what = first if ename == "AssertionError" and first.startswith("✗") else f"{ename}: {first}"
    return f"{where}: {what}"
