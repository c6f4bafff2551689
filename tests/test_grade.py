"""``./run grade``: every submission graded in its own sandboxed kernel, grades judged by the grader.

One folder is graded once (module fixture) and then inspected: a right, a
wrong, an untouched, an endless-loop, an exiting, a corrupt-JSON, a
not-a-notebook, another chapter's and a cut-down submission, a text file, and
the hostile corpus (``tests/grade_corpus.py``), next to a normal submission.
The submissions are the real student notebook ``notebooks/learning.ipynb``
cut to its exercise section (the chapter's demonstrations take most of the
run time and no exercise needs them), with answer cells filled in; the
grader is given the same cut notebook as the chapter's reference. A second
test grades the full ``notebooks/elementwise.ipynb`` as distributed.
"""

from __future__ import annotations

import csv
import hashlib
import os
import socket
import sys
import threading
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import grade  # noqa: E402
from grade_corpus import (  # noqa: E402
    ELEMENTWISE_RIGHT,
    FORK_MARK,
    RIGHT,
    WRONG,
    fill,
    hostile_submissions,
    trimmed_learning,
)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the grader's sandbox is Linux-only")

# A small output cap, so that the endless printer trips it well before the cell's time limit
# even on a loaded machine.
LIMITS = grade.Limits(cell_seconds=5, notebook_seconds=90, output_kb=256)


def _write(path: Path, nb) -> None:
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def listener():
    """A local TCP listener: a connection from a submission would be counted here."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted.append(conn)

    threading.Thread(target=serve, daemon=True).start()
    probe = socket.create_connection(server.getsockname())  # the listener answers on the grader's side
    probe.close()
    for _ in range(100):
        if accepted:
            break
        threading.Event().wait(0.05)
    assert len(accepted) == 1, "the test's own connection to the listener did not arrive"
    accepted.clear()
    yield server.getsockname()[1], accepted
    server.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory, listener):
    port, accepted = listener
    refs = tmp_path_factory.mktemp("refs")
    reference = trimmed_learning()
    _write(refs / "learning.ipynb", reference)
    _write(refs / "elementwise.ipynb", nbformat.read(ROOT / "notebooks" / "elementwise.ipynb", as_version=4))
    folder = tmp_path_factory.mktemp("submissions")
    _write(folder / "normal.ipynb", fill(reference, RIGHT))
    _write(folder / "wrong.ipynb", fill(reference, WRONG))
    _write(folder / "untouched.ipynb", reference)
    _write(folder / "loop.ipynb", fill(reference, {**RIGHT, "learning-ex-best-eta": "while True:\n    pass"}))
    _write(
        folder / "exits.ipynb",
        fill(
            reference,
            {
                **RIGHT,
                "learning-ex-best-eta": "import sys\nsys.exit(3)",
                "learning-ex-scaling": "import os\nos._exit(0)",
            },
        ),
    )
    cut = fill(reference, RIGHT)
    k = next(i for i, c in enumerate(cut.cells) if "learning-ex-scaling" in c.source and c.cell_type == "code")
    del cut.cells[k - 1 : k + 1]  # the answer cell and the self-check of the second exercise
    _write(folder / "deleted.ipynb", cut)
    good = nbformat.writes(fill(reference, RIGHT)).encode()
    (folder / "corrupt.ipynb").write_bytes(good[: len(good) // 2])
    (folder / "plain.ipynb").write_text('{"hello": "world"}')
    (folder / "other.ipynb").write_bytes((ROOT / "notebooks" / "elementwise.ipynb").read_bytes())
    (folder / "notes.txt").write_text("not a notebook")
    for name, nb in hostile_submissions(reference, str(folder), port).items():
        _write(folder / f"{name}.ipynb", nb)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    report = grade.grade(folder, limits=LIMITS, references=refs, echo=False)
    print({k: round(v, 1) for k, v in report.seconds.items()})
    with open(folder / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return folder, before, report, rows, accepted


def _rows(rows, student):
    return {r["exercise"]: r for r in rows if r["student"] == student}


def test_csv_has_a_row_per_student_and_exercise(graded):
    folder, _, report, rows, _ = graded
    students = {p.stem for p in folder.glob("*.ipynb")}
    assert {r["student"] for r in rows} == students
    assert len(rows) == 3 * len(students)
    assert set(rows[0]) == {"student", "exercise", "passed", "message"}
    assert {r["passed"] for r in rows} <= {"true", "false"}
    assert report.skipped == ["notes.txt"]
    assert not list(folder.glob(".grades-*")), "the temporary CSV was left behind"
    assert "notes.txt" in grade.table(report)


def test_submissions_are_untouched(graded):
    folder, before, *_ = graded
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.name != "grades.csv"}
    assert after == {k: v for k, v in before.items() if k != "grades.csv"}


def test_right_wrong_untouched(graded):
    rows = graded[3]
    assert all(r["passed"] == "true" and r["message"].startswith("correct.") for r in _rows(rows, "normal").values())
    wrong = _rows(rows, "wrong")
    assert all(r["passed"] == "false" for r in wrong.values())
    # the self-check's diagnosis reaches the table (the judge names what is wrong, not the answer)
    assert "the best rate makes the two equal" in wrong["learning-ex-best-eta"]["message"]
    untouched = _rows(rows, "untouched")
    assert all(r["passed"] == "false" for r in untouched.values())
    assert "no answer yet" in untouched["learning-ex-scaling"]["message"]


def test_loop_and_exits_do_not_hide_the_next_exercises(graded):
    rows = graded[3]
    loop = _rows(rows, "loop")
    assert loop["learning-ex-best-eta"]["message"].startswith("the answer cell timed out")
    assert loop["learning-ex-scaling"]["passed"] == loop["learning-ex-precedence"]["passed"] == "true"
    exits = _rows(rows, "exits")
    assert "exited: it raised SystemExit" in exits["learning-ex-best-eta"]["message"]
    assert "exited: the kernel ended" in exits["learning-ex-scaling"]["message"]
    assert exits["learning-ex-precedence"]["passed"] == "true"


def test_bad_files(graded):
    rows = graded[3]
    assert all(r["message"].startswith("unreadable JSON") for r in _rows(rows, "corrupt").values())
    assert all(r["message"].startswith("not a notebook") for r in _rows(rows, "plain").values())
    assert all("another chapter (elementwise)" in r["message"] for r in _rows(rows, "other").values())
    deleted = _rows(rows, "deleted")
    assert deleted["learning-ex-scaling"]["passed"] == "false"
    assert "answer cell of this exercise is missing" in deleted["learning-ex-scaling"]["message"]
    assert deleted["learning-ex-best-eta"]["passed"] == "true"
    assert "cells deleted or reordered" in deleted["learning-ex-best-eta"]["message"]


def test_hostile_submissions_earn_nothing_and_say_what_happened(graded):
    folder, _, _, rows, accepted = graded
    hostile = [r for r in rows if r["student"].startswith("hostile_")]
    assert len(hostile) == 12
    assert [r for r in hostile if r["passed"] == "true"] == []
    files = _rows(rows, "hostile_files")
    # the graded folder is hidden: under a fresh /tmp (where pytest puts it) or an empty read-only tmpfs
    assert any(s in files["learning-ex-best-eta"]["message"] for s in ("No such file", "Read-only file system"))
    assert "PermissionError" in files["learning-ex-scaling"]["message"]  # ../grades.csv
    assert files["learning-ex-precedence"]["message"].startswith("not yet")  # printed "correct", answered wrong
    patch = _rows(rows, "hostile_patch")
    assert "do not match the check's inputs" in patch["learning-ex-best-eta"]["message"]
    assert patch["learning-ex-scaling"]["message"].startswith("not yet")
    res = _rows(rows, "hostile_resources")
    assert "MemoryError" in res["learning-ex-best-eta"]["message"]
    assert "printed more than" in res["learning-ex-scaling"]["message"]
    assert "Network is unreachable" in res["learning-ex-precedence"]["message"]
    assert accepted == [], "a submission reached the local listener"
    fork = _rows(rows, "hostile_fork")
    assert "started processes that outlive the cell" in fork["learning-ex-best-eta"]["message"]


def test_no_process_or_directory_left_behind(graded):
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                environ = Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:
                continue
            assert FORK_MARK.encode() not in cmdline
            assert b"MSE_GRADE_TOKEN=" not in environ
    assert not list(Path("/run").glob("mse-grade-*"))


def test_the_distributed_notebook_grades(tmp_path):
    """The full elementwise notebook, answers filled in, graded against notebooks/ as shipped."""
    reference = nbformat.read(ROOT / "notebooks" / "elementwise.ipynb", as_version=4)
    _write(tmp_path / "ada.ipynb", fill(reference, ELEMENTWISE_RIGHT))
    report = grade.grade(
        tmp_path, chapter="elementwise", limits=grade.Limits(cell_seconds=60, notebook_seconds=300), echo=False
    )
    assert [(r.exercise, r.passed) for r in report.rows] == [(label, True) for label in ELEMENTWISE_RIGHT], report.rows


def test_output_over_the_cap_is_not_called_a_timeout_when_the_grader_looks_late(tmp_path, monkeypatch):
    """On a loaded machine the grader may first look at a cell's messages after its time limit.

    Output over the cap that had already arrived then still makes the cell "output", not "timeout"
    (seen once in CI: the hostile flood of output was reported as timed out).
    """
    import types

    path = tmp_path / "student.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    limits = grade.Limits(cell_seconds=1, notebook_seconds=60, output_kb=64)
    kernel = grade.Kernel(path, path.name, grade.Sandbox(), limits, hide=[])
    kernel.start()
    try:
        real = grade.time
        calls = []

        def late_monotonic() -> float:
            calls.append(None)
            if len(calls) == 3:  # the run's first look at the messages: the grader was off the CPU for 2 s
                real.sleep(2)
            return real.monotonic()

        fake = types.SimpleNamespace(**{k: getattr(real, k) for k in dir(real) if not k.startswith("_")})
        fake.monotonic = late_monotonic
        monkeypatch.setattr(grade, "time", fake)
        outcome = kernel.run('print("x" * 100_000, flush=True)\nimport time\ntime.sleep(20)', real.monotonic() + 60)
    finally:
        monkeypatch.undo()
        kernel.close()  # stops the kernel and removes its directory
    assert len(calls) >= 3
    assert outcome.status == "output", outcome
