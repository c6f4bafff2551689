"""Lint and format-check the chapters' code cells with ruff, as if they were one module each.

    python tools/lint_chapters.py          # report; exit 1 on any problem
    python tools/lint_chapters.py --fix    # write ruff's formatting back into book/*.md

Each executable chapter's code cells (``tools/chapter_cells.py``) are joined
into one module named ``book/<chapter>.py`` (so that pyproject.toml's
per-file rules for notebooks apply: imports where a cell needs them, names
redefined from cell to cell) and given to ``ruff check`` on standard input;
a problem is reported at its chapter, cell and Markdown line. Each cell is
also given to ``ruff format`` alone and must come back unchanged.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chapter_cells import ROOT, CodeCell, code_cells  # noqa: E402
from myst_to_notebook import book_pages, is_executable  # noqa: E402


def _ruff() -> str:
    found = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(found).exists():
        raise SystemExit("ruff is not installed: run ./run test (it installs requirements.txt)")
    return found


def chapters() -> list[Path]:
    return [page for page in book_pages() if is_executable(page)]


def _module(cells: list[CodeCell]) -> tuple[str, list[tuple[int, CodeCell, int]]]:
    """The cells joined into one module, and for each module line: (module line, cell, line in the cell)."""
    lines: list[str] = []
    where: list[tuple[int, CodeCell, int]] = []
    for cell in cells:
        if lines:
            lines += ["", ""]
            where += [(len(where) + 1, cell, 0), (len(where) + 2, cell, 0)]
        for k, text in enumerate(cell.source.splitlines()):
            lines.append(text)
            where.append((len(where) + 1, cell, k))
    return "\n".join(lines) + "\n", where


def lint(chapter: Path) -> list[str]:
    """ruff check of the chapter's cells: one line per problem, at its chapter, cell and Markdown line."""
    cells = code_cells(chapter)
    source, where = _module(cells)
    name = f"book/{chapter.stem}.py"
    result = subprocess.run(
        # Import order is checked per cell (below): joined, the imports of two cells look like one block.
        [_ruff(), "check", "--extend-ignore", "I", "--output-format", "json", "--stdin-filename", name, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"ruff check failed on {name}: {result.stderr}")
    problems = []
    for item in json.loads(result.stdout or "[]"):
        row = item["location"]["row"]
        _, cell, k = where[min(row, len(where)) - 1]
        problems.append(f"{cell.where()}, line {cell.first_line + k}: {item['code']} {item['message']}")
    for cell in cells:
        result = subprocess.run(
            [_ruff(), "check", "--select", "I", "--output-format", "json", "--stdin-filename", name, "-"],
            input=cell.source + "\n",
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        for item in json.loads(result.stdout or "[]"):
            problems.append(f"{cell.where()}: {item['code']} {item['message']}")
    return problems


def formatted(cell: CodeCell, chapter: Path) -> str:
    """The cell's source as ``ruff format`` writes it."""
    result = subprocess.run(
        [_ruff(), "format", "--stdin-filename", f"book/{chapter.stem}.py", "-"],
        input=cell.source + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise RuntimeError(f"ruff format failed on {cell.where()}: {result.stderr}")
    return result.stdout.rstrip("\n")


def format_problems(chapter: Path, fix: bool = False) -> list[str]:
    """Cells that ``ruff format`` would change; with ``fix``, write the formatted cells into the chapter."""
    problems = []
    lines = chapter.read_text(encoding="utf-8").splitlines()
    for cell in reversed(code_cells(chapter)):  # from the end: earlier line numbers stay valid
        new = formatted(cell, chapter)
        if new == cell.source.rstrip("\n"):
            continue
        problems.append(f"{cell.where()}: not formatted as `ruff format` writes it")
        if fix:
            start = cell.first_line - 1
            while start < len(lines) and not lines[start].strip() and cell.source.strip():
                start += 1  # a blank line between the fence's options and the code
            old_count = len(cell.source.rstrip("\n").splitlines())
            assert "\n".join(lines[start : start + old_count]) == cell.source.rstrip("\n"), cell.where()
            lines[start : start + old_count] = new.splitlines()
    if fix and problems:
        chapter.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return list(reversed(problems))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fix", action="store_true", help="write ruff's formatting of each cell back into book/*.md")
    args = parser.parse_args(argv)
    problems = []
    for chapter in chapters():
        problems += format_problems(chapter, fix=args.fix)
        problems += lint(chapter)
    for line in problems:
        print(line)
    print(f"{len(problems)} problem(s) in the code cells of {len(chapters())} chapters")
    return 1 if problems and not args.fix else 0


if __name__ == "__main__":
    sys.exit(main())
