"""No check in book/ only prints: every comparison goes through mse_gradient's check helpers.

A code cell that prints ``np.allclose(...)`` (or a local ``agree`` helper)
shows ``False`` and carries on when the formula is wrong; ``mg.check_close``
and friends raise instead, so the build stops. This test reads every code
cell of every chapter (via jupytext, as the build does) and fails on

* a call of ``print`` whose arguments compute ``allclose``/``isclose``/
  ``array_equal``/``array_equiv`` or call a local comparison helper, directly or
  through a variable assigned from such a call in the same cell (unless that
  variable is also asserted or passed to a ``check_*`` function);
* a local definition of a comparison helper (``def agree``, or any function
  whose body only returns an ``allclose``-style comparison).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from chapter_cells import CodeCell, code_cells  # noqa: E402
from myst_to_notebook import is_executable  # noqa: E402

COMPARISONS = {"allclose", "isclose", "array_equal", "array_equiv"}
HELPER_NAMES = {"agree", "agrees", "close", "same", "approx_equal"}
# Pages with a kernel (a jupytext header) are executed; plain pages such as the
# instructor guide show code blocks that are never run.
CHAPTERS = sorted(p for p in (ROOT / "book").glob("*.md") if is_executable(p))
MAGIC = re.compile(r"^\s*[%!]")


def _called_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _comparison_helpers(tree: ast.AST) -> set[str]:
    """Names of functions defined in the cell that are comparison helpers."""
    helpers = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            name = getattr(node, "name", None)
            if name in HELPER_NAMES:
                helpers.add(name)
                continue
            body = node.body if isinstance(node.body, list) else [ast.Return(node.body)]
            returns = [n for n in body if isinstance(n, ast.Return)]
            if name and returns and any(_uses(r, COMPARISONS, set()) for r in returns):
                helpers.add(name)
    return helpers


def _uses(node: ast.AST, functions: set[str], names: set[str]) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and _called_name(sub) in functions:
            return True
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id in names:
            return True
    return False


def print_only_checks(cell: CodeCell, known_helpers: set[str]) -> list[str]:
    """Human-readable problems of one cell (empty when it has none)."""
    source = "\n".join("" if MAGIC.match(line) else line for line in cell.source.splitlines())
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return [f"{cell.where()}: cannot parse the cell ({error.msg}, line {error.lineno})"]
    problems = []
    local_helpers = _comparison_helpers(tree)
    for name in sorted(local_helpers):
        problems.append(f"{cell.where()}: defines a local comparison helper `{name}`; use mg.check_close / check_that")
    functions = COMPARISONS | known_helpers | local_helpers
    tainted: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            if _uses(node.value, functions, set()):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    tainted |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    checked = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            checked |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        if isinstance(node, ast.Call) and (_called_name(node) or "").startswith("check_"):
            checked |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    unchecked = tainted - checked
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called_name(node) == "print":
            arguments = ast.Module(body=[ast.Expr(a) for a in node.args], type_ignores=[])
            if _uses(arguments, functions, unchecked):
                line = (cell.first_line or cell.line + 1) + node.lineno - 1
                problems.append(
                    f"{cell.where()}, line {line}: prints a comparison instead of checking it: "
                    f"{ast.get_source_segment(source, node) or 'print(...)'}"
                )
    return problems


def _book_helpers() -> set[str]:
    """Comparison helpers defined anywhere in the book (a helper defined in one cell is called in others)."""
    names = set(HELPER_NAMES)
    for chapter in CHAPTERS:
        for cell in code_cells(chapter):
            try:
                names |= _comparison_helpers(ast.parse(cell.source))
            except SyntaxError:
                pass
    return names


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_no_check_only_prints(chapter: Path):
    helpers = _book_helpers()
    problems = [p for cell in code_cells(chapter) for p in print_only_checks(cell, helpers)]
    assert not problems, (
        f"{len(problems)} print-only comparison(s) in {chapter.relative_to(ROOT)}; "
        "a check must raise when false (mg.check_close / check_that / check_differs / check_raises):\n"
        + "\n".join(problems)
    )


# The detector itself, on small cells: it must catch what it claims to catch and nothing else.


def _cell(source: str) -> CodeCell:
    return CodeCell(Path("book/x.md"), 1, 10, source)


@pytest.mark.parametrize(
    "source",
    [
        'print("agree to 1e-12:", np.allclose(a, b, rtol=0, atol=1e-12))',
        'print(f"same: {np.isclose(a, b)}")',
        "print(np.array_equal(a, b))",
        "ok = np.allclose(a, b)\nprint(ok)",
        "def agree(a, b):\n    return np.allclose(a, b)\n",
        "def near(a, b, tol=1e-9):\n    return bool(np.allclose(a, b, atol=tol))\n",
        'print("x", agree(a, b))',
        "for k in range(3):\n    ok = np.isclose(a[k], b[k])\n    print(k, ok)",
    ],
)
def test_detector_flags_print_only_comparisons(source):
    assert print_only_checks(_cell(source), {"agree"})


@pytest.mark.parametrize(
    "source",
    [
        'mg.check_close("x", a, b, atol=1e-12)',
        'ok = np.allclose(a, b)\nmg.check_that("x", ok, "a ≈ b")\nprint(ok)',
        "ok = np.allclose(a, b)\nassert ok\nprint('ok')",
        'print("allclose is a numpy function")',
        "%matplotlib inline\nprint(1)",
        'mg.check_that("shape", value.shape == (3,), str(value.shape))',
    ],
)
def test_detector_accepts_real_checks(source):
    assert print_only_checks(_cell(source), {"agree"}) == []
