"""Regenerate or check the student notebooks in ``notebooks/`` from ``book/``.

Usage::

    python tools/notebooks.py build   # convert every executable chapter, run it, store outputs
    python tools/notebooks.py check   # fail if notebooks/ is out of date with book/

``build`` writes ``notebooks/<chapter>.ipynb`` for every page of ``_toc.yml``
that has a kernel, executes it in a fresh kernel with ``notebooks/`` as the
working directory, and removes notebooks whose chapter is gone. ``check``
converts again without executing and compares everything but the outputs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chapter_cells import failure_line  # noqa: E402
from myst_to_notebook import ROOT, BookIndex, book_pages, convert, is_executable, load_macros  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"


def expected_notebooks() -> dict[Path, nbformat.NotebookNode]:
    """Unexecuted notebooks, keyed by their path in notebooks/."""
    pages = book_pages()
    index = BookIndex.scan(pages)
    macros = load_macros()
    return {NOTEBOOKS / f"{p.stem}.ipynb": convert(p, index, macros) for p in pages if is_executable(p)}


def _skeleton(notebook: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.cell_type, c.source, tuple(c.get("metadata", {}).get("tags", []))) for c in notebook.cells]


def out_of_date() -> list[str]:
    """Human-readable reasons why notebooks/ does not match book/ (empty when in sync)."""
    problems = []
    expected = expected_notebooks()
    for path, notebook in expected.items():
        if not path.exists():
            problems.append(f"{path.relative_to(ROOT)} is missing")
            continue
        stored = nbformat.read(path, as_version=4)
        if _skeleton(stored) != _skeleton(notebook):
            problems.append(f"{path.relative_to(ROOT)} differs from its source in book/")
        elif any(c.cell_type == "code" and c.source.strip() and c.execution_count is None for c in stored.cells):
            problems.append(f"{path.relative_to(ROOT)} has code cells without stored outputs")
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        if path not in expected:
            problems.append(f"{path.relative_to(ROOT)} has no chapter in book/ (stale)")
    return problems


def execute(notebook: nbformat.NotebookNode, timeout: int = 600) -> nbformat.NotebookNode:
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name=notebook.metadata["kernelspec"]["name"],
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        record_timing=False,
    )
    client.execute()
    return label_images(notebook)


def label_images(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Copy each figure cell's alt text (set by the converter) onto its image outputs' metadata.

    That is where a display's alt text goes (``IPython.display.Image(alt=…)``
    writes it there; nbconvert's classic template and nbsphinx read it).
    """
    for cell in notebook.cells:
        alt = cell.get("metadata", {}).get("alt")
        if cell.cell_type != "code" or not alt:
            continue
        for output in cell.get("outputs", []):
            for mime in output.get("data", {}):
                if mime.startswith("image/"):
                    output.setdefault("metadata", {}).setdefault(mime, {})["alt"] = alt
    return notebook


class ChapterFailed(Exception):
    """A cell of a chapter's notebook raised; the message says where (chapter, cell, line) and which check."""


def failed_cell(notebook: nbformat.NotebookNode) -> tuple[int, nbformat.NotebookNode, dict] | None:
    """(index, cell, error output) of the first cell with an error output that was not allowed to raise."""
    for index, cell in enumerate(notebook.cells):
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, cell, output
    return None


def execute_chapter(path: Path, notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Execute a chapter's notebook; on a failing cell raise ChapterFailed naming chapter, cell and check."""
    try:
        return execute(notebook)
    except CellExecutionError as error:
        found = failed_cell(notebook)
        chapter = ROOT / "book" / f"{path.stem}.md"
        if found is None:
            raise ChapterFailed(f"{chapter.relative_to(ROOT)}: {error}") from None
        index, cell, output = found
        line = failure_line(
            chapter,
            cell.source,
            output.get("ename", ""),
            str(output.get("evalue", "")),
            fallback=f"{path.relative_to(ROOT)}, cell {index + 1} (added by the converter)",
        )
        raise ChapterFailed(line) from None


def build(only: list[str] | None = None) -> None:
    NOTEBOOKS.mkdir(exist_ok=True)
    expected = expected_notebooks()
    failures = []
    for path, notebook in expected.items():
        if only and path.stem not in only:
            continue
        print(f"executing {path.relative_to(ROOT)} ...", flush=True)
        try:
            nbformat.write(execute_chapter(path, notebook), path)
        except ChapterFailed as failure:
            print(f"FAILED {failure}", file=sys.stderr, flush=True)
            failures.append(str(failure))
    if failures:
        raise ChapterFailed(
            "the notebooks were not all built; a cell failed in:\n" + "\n".join(f"  {f}" for f in failures)
        )
    for path in NOTEBOOKS.glob("*.ipynb"):
        if path not in expected:
            print(f"removing stale {path.relative_to(ROOT)}")
            path.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build", "check"])
    parser.add_argument("chapters", nargs="*", help="with build: only these chapters (file stems)")
    args = parser.parse_args(argv)
    if args.command == "build":
        try:
            build(args.chapters)
        except ChapterFailed as failure:
            print(f"\n{failure}", file=sys.stderr)
            return 1
        return 0
    problems = out_of_date()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("run `make notebooks` to regenerate notebooks/ from book/", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
