"""Lint habits: ruff (lint and format) over the code, the chapters' code cells, and codespell over the prose.

The rules live in pyproject.toml (``[tool.ruff]``, ``[tool.codespell]``); the
chapters' cells are checked by ``tools/lint_chapters.py`` (run it with
``--fix`` to format them).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CODE = ["src", "tests", "tools", "book/_ext"]
PROSE = ["book", "README.md", "CONTRIBUTING.md"]


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)


def test_ruff_check():
    result = _run(str(BIN / "ruff"), "check", "--output-format", "concise", *CODE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = _run(str(BIN / "ruff"), "format", "--check", *CODE)
    assert result.returncode == 0, "run `.venv/bin/ruff format src tests tools book/_ext`:\n" + result.stdout


def test_chapter_code_cells_are_linted_and_formatted():
    result = _run(sys.executable, "tools/lint_chapters.py")
    assert result.returncode == 0, (
        "run `.venv/bin/python tools/lint_chapters.py --fix`:\n" + result.stdout + result.stderr
    )


def test_codespell():
    result = _run(str(BIN / "codespell"), *PROSE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_linters_find_problems(tmp_path):
    """Each gate fails on a planted problem (an unused import, bad formatting, a misspelling)."""
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nx=1\n")
    assert _run(str(BIN / "ruff"), "check", "--isolated", "--select", "F", str(bad)).returncode == 1
    assert _run(str(BIN / "ruff"), "format", "--check", "--isolated", str(bad)).returncode == 1
    prose = tmp_path / "bad.md"
    prose.write_text("The gradient is teh vector of partial derivatives.\n")
    assert _run(str(BIN / "codespell"), str(prose)).returncode != 0
