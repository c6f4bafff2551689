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

sys.path.insert(0, str(Path(__file__).resolve().parent))
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
    return notebook


def build(only: list[str] | None = None) -> None:
    NOTEBOOKS.mkdir(exist_ok=True)
    expected = expected_notebooks()
    for path, notebook in expected.items():
        if only and path.stem not in only:
            continue
        print(f"executing {path.relative_to(ROOT)} ...", flush=True)
        nbformat.write(execute(notebook), path)
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
        build(args.chapters)
        return 0
    problems = out_of_date()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("run `make notebooks` to regenerate notebooks/ from book/", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
