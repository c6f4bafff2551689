"""Submissions for ``tests/test_grade.py``: answers, and the hostile corpus.

Every hostile submission answers wrongly (or not at all) and attacks from its
answer cells, one attack per exercise so that each row says what happened to
it. The right answers are the solutions of ``book/learning.md`` and
``book/elementwise.md``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from mse_gradient.checks import EXERCISES

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
FORK_MARK = "mse-grade-test-orphan"

RIGHT = {
    "learning-ex-best-eta": (
        "def answer(lam_min, lam_max):\n"
        "    eta_star = 2 / (lam_min + lam_max)\n"
        "    return eta_star, 1 - eta_star * lam_min"
    ),
    "learning-ex-scaling": (
        "import mse_gradient as mg\n"
        "from mse_gradient.curvature import max_stable_eta\n\n"
        "X, y = mg.make_linear_data()\n"
        "answer = (max_stable_eta(mg.add_bias(10 * X)), False)"
    ),
    "learning-ex-precedence": "answer = {1, 4}",
}
WRONG = {
    "learning-ex-best-eta": "def answer(lam_min, lam_max):\n    return 1 / lam_max, 0.5",
    "learning-ex-scaling": "answer = (0.1, True)",
    "learning-ex-precedence": "answer = {1, 2}",
}
ELEMENTWISE_RIGHT = {
    "ew-ex-by-hand": "answer = (-4 / 3, -2)",
    "ew-ex-find-error": 'answer = {"rule": "the chain rule", "step": 2, "j": 0}',
    "ew-ex-shapes": 'answer = {"a": (4, 1), "b": None, "c": (1, 4), "d": None}',
    "ew-ex-sympy": "answer = 1",
}


def trimmed_learning() -> nbformat.NotebookNode:
    """notebooks/learning.ipynb: its two opening cells and its exercise section."""
    nb = nbformat.read(NOTEBOOKS / "learning.ipynb", as_version=4)
    first = next(k for k, c in enumerate(nb.cells) if "answer" in c.metadata.get("tags", []))
    start = max(k for k in range(first) if "## Exercises" in nb.cells[k].source)
    out = copy.deepcopy(nb)
    out.cells = nb.cells[:2] + nb.cells[start:]
    return out


def fill(reference: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of ``reference`` with the answer cell of each exercise in ``answers`` replaced."""
    nb = copy.deepcopy(reference)
    for k, cell in enumerate(nb.cells):
        if "self-check" in cell.metadata.get("tags", []):
            label = next(lab for lab in EXERCISES if f'"{lab}"' in cell.source)
            if label in answers:
                nb.cells[k - 1].source = answers[label]
    return nb


def hostile_submissions(reference: nbformat.NotebookNode, folder: str, port: int) -> dict[str, nbformat.NotebookNode]:
    fake = "\n".join(f'print("Exercise {lab}: correct. Well done.")' for lab in EXERCISES)
    payload = 'print("MSE-GRADE-PAYLOAD " + \'{"kind": "value", "value": {"t": "set", "v": [{"t": "int", "v": "1"}, {"t": "int", "v": "4"}]}}\')'
    return {
        # deletes and rewrites its neighbours, writes grades.csv everywhere, prints fake successes
        "hostile_files": fill(
            reference,
            {
                "learning-ex-best-eta": (
                    "import glob, os\n"
                    'for path in glob.glob("../*.ipynb") + glob.glob("../../*.ipynb") + glob.glob("../*/*.ipynb"):\n'
                    "    try:\n        os.remove(path)\n    except OSError:\n        pass\n"
                    f"folder = {folder!r}\n"
                    'for path in glob.glob(os.path.join(folder, "*.ipynb")):\n'
                    '    open(path, "w").write("{}")\n'
                    'open(os.path.join(folder, "normal.ipynb"), "w").write("{}")\n'
                    "answer = ..."
                ),
                "learning-ex-scaling": (
                    'rows = "student,exercise,passed,message\\n" + "".join(\n'
                    '    f"{s},{e},true,correct\\n" for s in ["hostile_files", "normal"] for e in ["learning-ex-best-eta"])\n'
                    'open("grades.csv", "w").write(rows)\n'
                    'open("../grades.csv", "w").write(rows)\n'
                    "answer = (0.1, True)"
                ),
                "learning-ex-precedence": f"{fake}\n{payload}\nanswer = {{2, 3}}",
            },
        ),
        # replaces the self-checks with ones that always pass
        "hostile_patch": fill(
            reference,
            {
                "learning-ex-best-eta": (
                    "import dataclasses\n"
                    "import mse_gradient.checks as checks\n"
                    "import mse_gradient.grading as grading\n"
                    'checks.check = lambda label, answer: print(f"Exercise {label}: correct.")\n'
                    "checks.is_correct = lambda label, answer: True\n"
                    'checks.feedback = lambda label, answer: (True, "correct.")\n'
                    "for label in list(checks.EXERCISES):\n"
                    '    checks.EXERCISES[label] = dataclasses.replace(checks.EXERCISES[label], judge=lambda a: (True, "ok"))\n'
                    'grading.judge_payload = lambda label, payload: (True, "correct.")\n'
                    "grading.feedback = checks.feedback\n"
                    "def answer(lam_min, lam_max):\n    return 0.0, 0.0"
                ),
                "learning-ex-scaling": "answer = (0.5, True)",
                "learning-ex-precedence": "answer = {3}",
            },
        ),
        # memory without bound, output without end, a network connection
        "hostile_resources": fill(
            reference,
            {
                "learning-ex-best-eta": "hog = []\nwhile True:\n    hog.append(bytes(100_000_000))  # calloc: address space, no page touched",
                "learning-ex-scaling": 'del hog  # this cell tests the output cap, not the memory limit\nwhile True:\n    print("x" * 10_000)',
                "learning-ex-precedence": (
                    "import socket\n"
                    f'socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"leak")\n'
                    "answer = {1}"
                ),
            },
        ),
        # a process that outlives its kernel
        "hostile_fork": fill(
            reference,
            {
                "learning-ex-best-eta": (
                    "import subprocess, sys\n"
                    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', "
                    f"'{FORK_MARK}'], start_new_session=True,\n"
                    "                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
                    "def answer(lam_min, lam_max):\n    return 1.0, 1.0"
                ),
            },
        ),
    }
