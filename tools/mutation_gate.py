"""The mutation gate: the proof chapters must fail, on a named check, against a broken package.

Usage::

    python tools/mutation_gate.py                       # the proof chapters of book/, every mutation
    python tools/mutation_gate.py --book DIR motivation # chapters from another folder (e.g. a scratch copy)

Each *mutation* is a copy of ``src/mse_gradient`` with one deliberate error
written into the source, everywhere that formula lives, so that the
chapters' independent checks (central differences of ``mse``, SymPy's own
derivative of the symbolic MSE) are what must catch it, not a comparison of
two copies of the same broken line:

* ``gradient 1/m``: the factor 2/m of the gradient becomes 1/m (``gradient``,
  ``gradient_by_samples``, ``partial_derivative``/``gradient_by_partials``,
  ``closed_form_gradient``, the element-wise steps 9–11, and the linear term
  of ``mse_expansion``);
* ``residual y - Xθ``: the residual in those formulas changes sign (the MSE,
  which squares it, is unchanged);
* ``numerical forward h/2h``: ``numerical_gradient`` takes a forward difference
  but still divides by 2h (half the derivative).

A chapter's own code cells (read from ``book/<chapter>.md`` by jupytext) run
in a real Jupyter kernel (nbclient) whose ``PYTHONPATH`` puts the mutated copy
first; a first injected cell asserts that the kernel imported that copy.
Execution stops at the first failing cell. The chapter *fails on a named
check* when that cell raised ``AssertionError("✗ <name>: …")`` from
``mse_gradient.verify``. Runs go in parallel (two at a time by default), each
worker's runs one after another in one Python process of its own.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from queue import Empty, Queue

from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chapter_cells import ROOT, CodeCell, code_notebook  # noqa: E402

PACKAGE = ROOT / "src" / "mse_gradient"
PROOF_CHAPTERS = ("motivation", "total_derivative", "elementwise", "two_proofs")
UNBROKEN = "unbroken"

# name -> [(file in src/mse_gradient, old text, new text, how many times it must occur)]
MUTATIONS: dict[str, list[tuple[str, str, str, int]]] = {
    "gradient 1/m": [
        ("gradients.py", "(2.0 / X_b.shape[0]) * (X_b.T @", "(1.0 / X_b.shape[0]) * (X_b.T @", 1),
        ("gradients.py", "((2.0 / m) * total)", "((1.0 / m) * total)", 1),
        ("gradients.py", "float(2.0 / m * total)", "float(1.0 / m * total)", 1),
        ("symbolic.py", "sympy.Rational(2, problem.m) * problem.X.T", "sympy.Rational(1, problem.m) * problem.X.T", 1),
        ("elementwise.py", "sympy.Rational(2, m)", "sympy.Rational(1, m)", 2),
        ("differentials.py", "linear += 2.0 * e_i * step_i", "linear += 1.0 * e_i * step_i", 1),
    ],
    "residual y - Xθ": [
        ("gradients.py", "(X_b.T @ (X_b @ theta - y))", "(X_b.T @ (y - X_b @ theta))", 1),
        (
            "gradients.py",
            "error_i = float(theta_vec @ x_i) - y_vec[i]",
            "error_i = y_vec[i] - float(theta_vec @ x_i)",
            1,
        ),
        ("gradients.py", "(float(theta @ X_b[i]) - y[i])", "(y[i] - float(theta @ X_b[i]))", 1),
        ("symbolic.py", "(problem.X * problem.theta - problem.y)", "(problem.y - problem.X * problem.theta)", 1),
        ("elementwise.py", "residual = [prediction[i] - y[i, 0]", "residual = [y[i, 0] - prediction[i]", 1),
        ("elementwise.py", "e = X * theta - y", "e = y - X * theta", 1),
        (
            "differentials.py",
            "e_i = float(theta_vec @ x_i) - float(y_vec[i])",
            "e_i = float(y_vec[i]) - float(theta_vec @ x_i)",
            1,
        ),
    ],
    "numerical forward h/2h": [
        (
            "gradients.py",
            "f_minus = _scalar(f((flat - step).reshape(theta.shape)))",
            "f_minus = _scalar(f(flat.reshape(theta.shape)))",
            1,
        ),
    ],
}

CHECK_MESSAGE = re.compile(
    r"^✗ (?P<name>.*?): (?=the shapes differ|a value is not finite|max \|actual|does not hold|expected |"
    r"nothing to compare|\w+ raised, but)",
    re.S,
)


@dataclass
class Outcome:
    chapter: str
    mutation: str
    status: str  # "passed", "check" (a named check fired), "error" (something else failed)
    check: str = ""
    where: str = ""
    message: str = ""
    seconds: float = 0.0

    def cell_text(self) -> str:
        if self.status == "passed":
            return "passed (no check fired)"
        if self.status == "check":
            return f"✗ {self.check} [{self.where.split(', ', 1)[-1]}]"
        return f"ERROR {self.message.splitlines()[0][:90] if self.message else ''} [{self.where.split(', ', 1)[-1]}]"


def mutated_package(mutation: str, dest: Path) -> Path:
    """Copy the package into ``dest/mse_gradient`` with ``mutation`` applied; return ``dest``."""
    target = dest / "mse_gradient"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    for filename, old, new, count in MUTATIONS.get(mutation, []):
        path = target / filename
        text = path.read_text(encoding="utf-8")
        found = text.count(old)
        if found != count:
            raise RuntimeError(
                f"mutation {mutation!r}: expected {count} occurrence(s) of {old!r} in src/mse_gradient/{filename}, "
                f"found {found}; update MUTATIONS in tools/mutation_gate.py to follow the package"
            )
        path.write_text(text.replace(old, new), encoding="utf-8")
    return dest


def _first_failure(notebook, cells: list[CodeCell], offset: int) -> tuple[int, dict] | None:
    """(index into ``cells``, error output) of the first cell whose error counts as a failure."""
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            chapter_index = index - offset
            if chapter_index < 0:
                return -1, output
            tagged = "raises-exception" in cells[chapter_index].tags
            is_check = output.get("ename") == "AssertionError" and str(output.get("evalue", "")).startswith("✗")
            if not tagged or is_check:
                return chapter_index, output
    return None


def run_chapter(chapter_path: Path, mutation: str, *, timeout: int = 300) -> Outcome:
    """Execute the chapter's code cells against the mutated package; report what stopped it."""
    start = time.perf_counter()
    notebook, cells = code_notebook(chapter_path)
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        tmp_path = Path(tmp)
        src = mutated_package(mutation, tmp_path / "src")
        work = tmp_path / "work"
        work.mkdir()
        guard = (
            "import mse_gradient as _mg_under_test\n"
            f"assert _mg_under_test.__file__.startswith({str(src)!r}), _mg_under_test.__file__\n"
            "del _mg_under_test"
        )
        import nbformat

        notebook.cells.insert(0, nbformat.v4.new_code_cell(guard))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(src)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        env["MPLBACKEND"] = "agg"
        env.pop("MPLCONFIGDIR", None)
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(work)}},
            record_timing=False,
        )
        crash = ""
        try:
            client.execute(env=env)
        except CellExecutionError as error:
            crash = str(error)
        except Exception as error:  # the kernel died, a timeout: report it, do not hide it
            crash = f"{type(error).__name__}: {error}"
    seconds = time.perf_counter() - start
    failure = _first_failure(notebook, cells, offset=1)
    name = chapter_path.stem
    if failure is None:
        if crash:
            return Outcome(name, mutation, "error", message=crash, seconds=seconds)
        return Outcome(name, mutation, "passed", seconds=seconds)
    index, output = failure
    if index < 0:
        return Outcome(
            name, mutation, "error", where="injected guard cell", message=str(output.get("evalue")), seconds=seconds
        )
    where = cells[index].where()
    evalue = str(output.get("evalue", ""))
    match = CHECK_MESSAGE.match(evalue) if output.get("ename") == "AssertionError" else None
    if match:
        return Outcome(name, mutation, "check", match.group("name"), where, evalue, seconds)
    return Outcome(name, mutation, "error", where=where, message=f"{output.get('ename')}: {evalue}", seconds=seconds)


class Runner:
    """A Python process of its own that runs :func:`run_chapter` for one job after another.

    It keeps the Jupyter client's event loops and sockets out of the calling
    process (pytest turns what outlives a test into errors), and it is started
    once per worker rather than once per run: a run's own cost is its kernel.
    A job that takes longer than ``JOB_SECONDS`` kills the runner, and is reported.
    """

    JOB_SECONDS = 900

    def __init__(self) -> None:
        command = [sys.executable, str(Path(__file__).resolve()), "--serve"]
        # stderr (the runner's and its kernels') goes to a file: a pipe nobody reads could fill and block them.
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True
        )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def run(self, chapter_path: Path, mutation: str) -> Outcome:
        timer = threading.Timer(self.JOB_SECONDS, self.process.kill)
        timer.start()
        try:
            self.process.stdin.write(json.dumps([str(chapter_path), mutation]) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()  # one JSON line per job ("" if the runner died)
        except (BrokenPipeError, OSError):
            line = ""
        finally:
            timer.cancel()
        if not line.startswith("{"):
            self.process.kill()
            self.process.wait()
            self.stderr.seek(0)
            error = self.stderr.read()[-2000:]
            return Outcome(chapter_path.stem, mutation, "error", message=f"the runner failed: {line}{error}")
        return Outcome(**json.loads(line))

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.process.stdin.close()  # the runner's end of its jobs
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.stderr.close()


def serve() -> int:
    """The runner's side: a job ``[chapter path, mutation]`` per line of stdin, an outcome per line of stdout.

    Only the outcomes go to stdout: the process's own file descriptor 1, which the
    kernels it starts inherit, is pointed at stderr, so nothing a kernel or a cell
    writes there can be taken for an outcome.
    """
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    with results:
        for line in sys.stdin:
            chapter, mutation = json.loads(line)
            try:
                outcome = run_chapter(Path(chapter), mutation)
            except Exception as error:  # a chapter that cannot be read, a mutation that does not apply
                outcome = Outcome(Path(chapter).stem, mutation, "error", message=f"{type(error).__name__}: {error}")
            print(json.dumps(asdict(outcome)), file=results, flush=True)
    return 0


def run_gate(chapters: list[Path], mutations: list[str] | None = None, *, workers: int = 2) -> list[Outcome]:
    """Every chapter × (unbroken + each mutation), ``workers`` at a time, each worker a :class:`Runner`."""
    names = [UNBROKEN] + list(mutations if mutations is not None else MUTATIONS)
    jobs = [(chapter, mutation) for mutation in names for chapter in chapters]
    # Longest chapters first keeps both workers busy until the end.
    jobs.sort(key=lambda job: -job[0].stat().st_size)
    queue: Queue = Queue()
    for job in jobs:
        queue.put(job)

    def work() -> list[Outcome]:
        runner, done = Runner(), []
        try:
            while True:
                try:
                    job = queue.get_nowait()
                except Empty:
                    return done
                if not runner.alive:  # it died on the last job (reported there): a new one
                    runner.close()
                    runner = Runner()
                done.append(runner.run(*job))
        finally:
            runner.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = [o for found in pool.map(lambda _: work(), range(min(workers, len(jobs)))) for o in found]
    order = {n: i for i, n in enumerate(names)}
    chapter_order = {c.stem: i for i, c in enumerate(chapters)}
    return sorted(outcomes, key=lambda o: (order[o.mutation], chapter_order[o.chapter]))


def table(outcomes: list[Outcome]) -> str:
    """Mutation × chapter → what stopped the run, as a Markdown table."""
    chapters = list(dict.fromkeys(o.chapter for o in outcomes))
    mutations = list(dict.fromkeys(o.mutation for o in outcomes))
    cell = {(o.mutation, o.chapter): o for o in outcomes}
    lines = ["| mutation | " + " | ".join(chapters) + " |", "|---" * (len(chapters) + 1) + "|"]
    for mutation in mutations:
        row = [cell[(mutation, c)].cell_text() if (mutation, c) in cell else "" for c in chapters]
        lines.append(f"| {mutation} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def problems(outcomes: list[Outcome]) -> list[str]:
    """What the gate objects to: an unbroken chapter that fails, a mutant that does not fail on a named check."""
    found = []
    for o in outcomes:
        if o.mutation == UNBROKEN and o.status != "passed":
            found.append(f"{o.chapter} fails with the unbroken package at {o.where}: {o.message}")
        elif o.mutation != UNBROKEN and o.status == "passed":
            found.append(f"{o.chapter} runs to the end with the mutation {o.mutation!r}: no check caught it")
        elif o.mutation != UNBROKEN and o.status == "error":
            found.append(
                f"{o.chapter} with the mutation {o.mutation!r} stops at {o.where} on something that is not a "
                f"named check: {o.message[:300]}"
            )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="*", default=list(PROOF_CHAPTERS), help="chapter file stems")
    parser.add_argument("--book", type=Path, default=ROOT / "book", help="folder of the chapters (default book/)")
    parser.add_argument("--mutation", action="append", choices=list(MUTATIONS), help="only these mutations")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # a Runner's process
    args = parser.parse_args(argv)
    if args.serve:
        return serve()
    start = time.perf_counter()
    outcomes = run_gate([args.book / f"{c}.md" for c in args.chapters], args.mutation, workers=args.workers)
    print(table(outcomes))
    for o in outcomes:
        if o.status != "passed":
            print(f"- {o.mutation} / {o.chapter} ({o.seconds:.1f} s): {o.where}: {o.message.splitlines()[0][:200]}")
    found = problems(outcomes)
    print(f"\n{len(outcomes)} runs in {time.perf_counter() - start:.1f} s; {len(found)} problem(s)")
    for problem in found:
        print("  " + problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
