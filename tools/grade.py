"""Grade a folder of student notebooks: ``./run grade DIR``.

Every ``*.ipynb`` in ``DIR`` is a submission. Each one runs in a fresh
kernel, sandboxed (see :class:`Sandbox`), with a time limit per cell and per
notebook, a memory limit and a cap on the output kept. After each answer cell
the grader runs :func:`mse_gradient.grading.capture` in the kernel, which
ships the answer back as data; the grader judges that data in its own process
with the judges of :mod:`mse_gradient.checks`. Nothing the submission prints
or writes is taken as a grade.

The grader writes ``DIR/grades.csv`` (``student,exercise,passed,message``),
atomically, and prints a table: students × exercises, with a total per
student. It never modifies a submission and never stops on a bad one.

Usage::

    python tools/grade.py DIR [--chapter learning] [--cell-timeout 30] [--notebook-timeout 600]
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import pwd
import queue
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORLD_WRITABLE = ["/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue"]


def _blocked_ancestor(path: str) -> str | None:
    """The highest ancestor of ``path`` that 'nobody' cannot enter, if any."""
    parts = Path(path).parts
    for depth in range(2, len(parts)):
        ancestor = os.path.join(*parts[:depth])
        if not os.stat(ancestor).st_mode & 0o001:
            return ancestor
    return None


def launch(config: dict[str, Any], cmd: list[str]) -> None:
    """Runs inside the new namespaces, as root: set up mounts and limits, drop to nobody, exec the kernel."""

    def mount(*args: str) -> None:
        result = subprocess.run(["mount", *args], capture_output=True, text=True)
        if result.returncode:
            sys.stderr.write(f"grade sandbox: mount {' '.join(args)} failed: {result.stderr}\n")
            sys.exit(97)

    base, work = Path(config["base"]), Path(config["work"])
    if config["mode"] == "root":
        uid, gid = config["uid"], config["gid"]
        mount("--make-rprivate", "/")
        for path in config["hide"]:  # the graded folder: an empty read-only tmpfs over it
            mount("-t", "tmpfs", "-o", "ro,mode=0555,size=4k", "tmpfs", path)
        stages = []
        for k, path in enumerate(config["expose"]):  # bind before the ancestor is covered
            stage = base / "stage" / str(k)
            mount("--bind", path, str(stage))
            stages.append((stage, path))
        ancestors = sorted({a for _, p in stages if (a := _blocked_ancestor(p)) is not None})
        # Fresh /tmp and the like first: a repository or Python that lives under /tmp is
        # bound back into it below, read-only, like one under a directory nobody may enter.
        for path in WORLD_WRITABLE:
            if os.path.isdir(path) and not os.path.islink(path):
                mount("-t", "tmpfs", "-o", f"mode=1777,size={config['tmp_mb']}m,nosuid,nodev", "tmpfs", path)
        for ancestor in ancestors:
            mount("-t", "tmpfs", "-o", "mode=0755,size=1m", "tmpfs", ancestor)
        for stage, path in stages:
            os.makedirs(path, mode=0o755, exist_ok=True)
            mount("--bind", str(stage), path)
            mount("-o", "remount,bind,ro", path)
        mount(
            "-t",
            "tmpfs",
            "-o",
            f"mode=0700,size={config['work_mb']}m,uid={uid},gid={gid},nosuid,nodev",
            "tmpfs",
            str(work),
        )
        copy = work / config["name"]
        shutil.copyfile(base / "submission.ipynb", copy)
        os.chown(copy, uid, gid)
        _copy_mpl_cache(config.get("mpl_cache"), work, uid, gid)
    limits = config["rlimits"]
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, name), (value, value))
    os.chdir(work)
    if config["mode"] == "root":
        os.setgroups([])
        os.setgid(config["gid"])
        os.setuid(config["uid"])
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    except (OSError, AttributeError):
        pass
    os.execve(cmd[0], cmd, os.environ)


def _copy_mpl_cache(cache: str | None, work: Path, uid: int | None, gid: int | None) -> None:
    """Matplotlib's font list, built once by the grader: without it every kernel rebuilds it (seconds)."""
    if not cache or not os.path.isdir(cache):
        return
    target = work / ".matplotlib"
    shutil.copytree(cache, target, dirs_exist_ok=True)
    if uid is not None:
        for path in [target, *target.rglob("*")]:
            os.chown(path, uid, gid)


if __name__ == "__main__" and sys.argv[1:2] == ["--launch"]:  # before the heavy imports
    launch(json.loads(sys.argv[2]), sys.argv[4:])

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

import nbformat  # noqa: E402
from jupyter_client import KernelManager  # noqa: E402

from mse_gradient.checks import EXERCISES  # noqa: E402
from mse_gradient.grading import MARKER, judge_payload  # noqa: E402

CHECK_CALL = re.compile(r"""check\(\s*["']([\w-]+)["']\s*,\s*answer\s*\)""")


@dataclass
class Limits:
    """What one submission may use."""

    cell_seconds: float = 30.0
    notebook_seconds: float = 600.0
    memory_mb: int = 2048  # address space of the kernel (RLIMIT_AS)
    output_kb: int = 1024  # output of one cell; beyond it the cell is stopped and the rest dropped
    work_mb: int = 64  # size of the kernel's working directory (a tmpfs when root)
    file_mb: int = 64  # largest file the kernel may write (RLIMIT_FSIZE)
    processes: int = 512  # RLIMIT_NPROC of the unprivileged user (threads count too)


# ---------------------------------------------------------------------------
# The chapters' notebooks as distributed: what a submission is compared with.


@dataclass
class Reference:
    chapter: str
    labels: list[str]  # exercises, in notebook order
    answer_ids: dict[str, str]  # label -> id of its answer cell
    check_ids: set[str]
    code_cells: list[tuple[str, str]]  # (id, source) of the other code cells, in order
    order: list[tuple[str, str]]  # (id, source) of the code cells but the self-checks, in order


def load_references(folder: Path) -> dict[str, Reference]:
    refs = {}
    for path in sorted(folder.glob("*.ipynb")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.read(path, as_version=4)
        labels, answer_ids, check_ids, code, order = [], {}, set(), [], []
        cells = nb.cells
        for k, cell in enumerate(cells):
            if cell.cell_type != "code":
                continue
            match = CHECK_CALL.search(cell.source)
            if "self-check" in cell.metadata.get("tags", []) and match and match.group(1) in EXERCISES:
                label = match.group(1)
                labels.append(label)
                check_ids.add(cell.get("id", ""))
                answer_ids[label] = cells[k - 1].get("id", "")
                continue
            elif "answer" not in cell.metadata.get("tags", []):
                code.append((cell.get("id", ""), cell.source))
            order.append((cell.get("id", ""), cell.source))
        refs[path.stem] = Reference(path.stem, labels, answer_ids, check_ids, code, order)
    return refs


def classify(nb: Any, refs: dict[str, Reference]) -> str | None:
    """The chapter whose code cells the submission shares most (None if it shares almost none)."""
    ids = {c.get("id") for c in nb.cells}
    sources = {c.source for c in nb.cells if c.cell_type == "code"}
    best, best_score = None, 0.0
    for name, ref in refs.items():
        keys = list(ref.answer_ids.values()) + [i for i, _ in ref.code_cells]
        if not keys:
            continue
        hits = sum(1 for i in keys if i in ids) + sum(1 for _, s in ref.code_cells if s in sources)
        score = hits / (len(keys) + len(ref.code_cells))
        if score > best_score:
            best, best_score = name, score
    return best if best_score >= 0.3 else None


def structure_problems(nb: Any, ref: Reference, answers: dict[int, str]) -> str:
    """'' when the chapter's code cells are all there, in order; else what is deleted or reordered."""
    cells = nb.cells
    by_id = {c.get("id"): k for k, c in enumerate(cells)}
    where = {label: k for k, label in answers.items()}
    expected: list[tuple[str, str | None]] = []  # (id, source or None for an answer cell) in the chapter's order
    answer_of = {cell_id: label for label, cell_id in ref.answer_ids.items()}
    for cell_id, source in ref.order:
        expected.append((cell_id, None if cell_id in answer_of else source))
    positions, missing = [], 0
    for cell_id, source in expected:
        if source is None:
            k = where.get(answer_of[cell_id])
        else:
            k = by_id.get(cell_id)
            if k is None:
                k = next((j for j, c in enumerate(cells) if c.cell_type == "code" and c.source == source), None)
        if k is None:
            missing += 1
        else:
            positions.append(k)
    reordered = sum(1 for a, b in zip(positions, positions[1:]) if b < a)
    parts = []
    if missing:
        parts.append(f"{missing} of the chapter's {len(expected)} code cells deleted")
    if reordered:
        parts.append(f"{reordered} out of order")
    return ", ".join(parts)


def answer_positions(nb: Any, ref: Reference) -> dict[int, str]:
    """Index of each exercise's answer cell in the submission -> label."""
    cells = nb.cells
    by_id = {c.get("id"): k for k, c in enumerate(cells) if c.cell_type == "code"}
    found: dict[int, str] = {}
    for label in ref.labels:
        k = by_id.get(ref.answer_ids[label])
        if k is None:  # ids lost (some editors drop them): the code cell before the self-check
            for j, c in enumerate(cells):
                m = CHECK_CALL.search(c.source) if c.cell_type == "code" else None
                if m and m.group(1) == label:
                    k = next((i for i in range(j - 1, -1, -1) if cells[i].cell_type == "code"), None)
                    break
        if k is not None and k not in found:
            found[k] = label
    return found


def is_self_check(cell: Any, ref: Reference) -> bool:
    m = CHECK_CALL.search(cell.source)
    return cell.get("id") in ref.check_ids or bool(m and m.group(1) in ref.labels and len(cell.source) < 200)


# ---------------------------------------------------------------------------
# The sandbox.


def _probe(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd + ["true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


NS_FLAGS = ["--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--ipc", "--uts"]


class Sandbox:
    """How kernels are confined on this machine; ``describe()`` says what holds.

    * ``root``: run as root with ``unshare``: new network (no interface but a
      down loopback), PID, mount, IPC and UTS namespaces; the kernel runs as
      ``nobody`` with no-new-privileges, its working directory a fresh
      size-limited tmpfs holding only a copy of the notebook; ``/tmp``,
      ``/var/tmp``, ``/dev/shm`` and ``/run/lock`` are fresh small tmpfs; the
      graded folder is hidden under an empty read-only tmpfs.
    * ``userns``: not root but unprivileged user namespaces work: the same
      namespaces (network, PID), no user switch, no mounts.
    * ``none``: rlimits and a private temporary directory only.
    """

    def __init__(self, force: str | None = None) -> None:
        if force:
            self.mode = force
        elif os.geteuid() == 0 and shutil.which("unshare") and _probe(["unshare", *NS_FLAGS, "--"]):
            self.mode = "root"
        elif shutil.which("unshare") and _probe(["unshare", "--user", "--map-root-user", *NS_FLAGS, "--"]):
            self.mode = "userns"
        else:
            self.mode = "none"
        nobody = pwd.getpwnam("nobody") if self.mode == "root" else None
        self.uid = nobody.pw_uid if nobody else None
        self.gid = nobody.pw_gid if nobody else None

    def describe(self) -> str:
        return {
            "root": "network, PID, mount namespaces; kernel as nobody; private tmpfs; graded folder hidden",
            "userns": "network and PID namespaces (user namespace); kernel as the grader's user; NO hidden folder",
            "none": "NO network isolation, NO process namespace: rlimits and a temporary directory only",
        }[self.mode]

    def prefix(self) -> list[str]:
        if self.mode == "root":
            return ["unshare", *NS_FLAGS, "--"]
        if self.mode == "userns":
            return ["unshare", "--user", "--map-root-user", *NS_FLAGS, "--"]
        return []


def _exposed_paths() -> list[str]:
    """Directories the kernel needs that sit below a directory 'nobody' cannot enter (e.g. a Python under /root),
    or below one the sandbox replaces by a fresh tmpfs (a clone of the repository under /tmp)."""
    needed = {sys.base_prefix, sys.prefix, str(SRC), os.path.dirname(os.path.realpath(sys.executable))}
    out = []
    for path in sorted(needed):
        path = os.path.realpath(path)
        parts = Path(path).parts
        for depth in range(1, len(parts)):
            ancestor = os.path.join(*parts[:depth]) if depth > 1 else "/"
            try:
                if not os.stat(ancestor).st_mode & 0o001 or ancestor in WORLD_WRITABLE:
                    out.append(path)
                    break
            except OSError:
                break
    out = sorted(set(out))
    return [p for p in out if not any(p != q and p.startswith(q + os.sep) for q in out)]


class SandboxKernelManager(KernelManager):
    """A KernelManager whose kernel command goes through the sandbox launcher."""

    wrapper: list[str] = []

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        os.chmod(self.connection_file, 0o644)
        return self.wrapper + cmd


# ---------------------------------------------------------------------------
# Running cells.


@dataclass
class Outcome:
    status: str  # ok, error, timeout, output, died, deadline, exit
    ename: str = ""
    evalue: str = ""
    text: str = ""

    def describe(self, limits: Limits) -> str:
        if self.status == "error":
            if self.ename == "SystemExit":
                return f"exited: it raised SystemExit ({self.evalue or 'sys.exit'})"
            if self.ename == "MemoryError":
                return f"raised MemoryError: it went over the memory limit ({limits.memory_mb} MB)"
            return f"raised {self.ename}: {self.evalue}"[:300]
        return {
            "timeout": f"timed out: it ran longer than {limits.cell_seconds:g} s and was stopped",
            "output": f"printed more than {limits.output_kb} KB: the output was cut and the cell stopped",
            "died": "exited: the kernel ended during this cell (os._exit, a crash, or a killed kernel)",
            "exit": "exited: it asked the kernel to exit",
            "deadline": f"not run: the notebook's time limit ({limits.notebook_seconds:g} s) was reached",
        }.get(self.status, self.status)


class Kernel:
    """One sandboxed kernel for one submission (restarted fresh when it dies)."""

    def __init__(
        self,
        submission: Path,
        name: str,
        sandbox: Sandbox,
        limits: Limits,
        hide: list[str],
        mpl_cache: str | None = None,
    ) -> None:
        self.sandbox, self.limits, self.hide, self.name, self.mpl_cache = sandbox, limits, hide, name, mpl_cache
        parent = None
        if sandbox.mode == "root":  # not under /tmp: the kernel gets a fresh /tmp that would hide it
            if not os.access("/run", os.W_OK):
                raise RuntimeError("the sandbox needs a writable /run")
            parent = "/run"
        self.base = Path(tempfile.mkdtemp(prefix="mse-grade-", dir=parent))
        os.chmod(self.base, 0o711)
        shutil.copyfile(submission, self.base / "submission.ipynb")
        os.chmod(self.base / "submission.ipynb", 0o600)
        self.token = uuid.uuid4().hex
        self.km: SandboxKernelManager | None = None
        self.kc: Any = None
        self.leftovers = 0
        self.log = self.base / "kernel.log"

    def _fresh_dirs(self) -> None:
        for sub in ("run", "work", "stage"):
            shutil.rmtree(self.base / sub, ignore_errors=True)
            (self.base / sub).mkdir()
        expose = _exposed_paths() if self.sandbox.mode == "root" else []
        for k in range(len(expose)):
            (self.base / "stage" / str(k)).mkdir()
        if self.sandbox.mode == "root":
            os.chown(self.base / "run", self.sandbox.uid, self.sandbox.gid)
            os.chmod(self.base / "run", 0o700)
        else:
            shutil.copyfile(self.base / "submission.ipynb", self.base / "work" / self.name)
            _copy_mpl_cache(self.mpl_cache, self.base / "work", None, None)
        self.expose = expose

    def start(self) -> None:
        self._fresh_dirs()
        lim = self.limits
        rlimits = {
            "RLIMIT_AS": lim.memory_mb * 2**20,
            "RLIMIT_FSIZE": lim.file_mb * 2**20,
            "RLIMIT_CORE": 0,
            "RLIMIT_CPU": int(lim.notebook_seconds) + 30,
        }
        if self.sandbox.mode == "root":
            rlimits["RLIMIT_NPROC"] = lim.processes
        config = {
            "mode": self.sandbox.mode,
            "base": str(self.base),
            "work": str(self.base / "work"),
            "name": self.name,
            "uid": self.sandbox.uid,
            "gid": self.sandbox.gid,
            "expose": self.expose,
            "hide": self.hide,
            "tmp_mb": 16,
            "work_mb": lim.work_mb,
            "rlimits": rlimits,
            "mpl_cache": self.mpl_cache,
        }
        launcher = [sys.executable, "-I", str(Path(__file__).resolve()), "--launch", json.dumps(config), "--"]
        km = SandboxKernelManager(kernel_name="python3", transport="ipc", ip=str(self.base / "run" / "kernel"))
        km.connection_file = str(self.base / "run" / "kernel.json")
        km.wrapper = self.sandbox.prefix() + launcher
        work = self.base / "work"
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(work),
            "PYTHONPATH": str(SRC),
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": str(work / ".matplotlib"),
            "IPYTHONDIR": str(work / ".ipython"),
            "JUPYTER_RUNTIME_DIR": str(work / ".jupyter"),
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "LANG": "C.UTF-8",
            "MSE_GRADE_TOKEN": self.token,
        }
        log = open(self.log, "ab")  # noqa: SIM115 - closed in stop()
        self._logfile = log
        km.start_kernel(env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        self.km = km
        self.kc = km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=60)
        except RuntimeError as error:
            tail = self.log.read_text(errors="replace")[-500:]
            self.stop()
            raise RuntimeError(f"the sandboxed kernel did not start: {error}; {tail}") from None
        # the grader's own import, outside the student's time limits
        self.run("import mse_gradient.grading", time.monotonic() + 120, store_history=False, seconds=120)

    def alive(self) -> bool:
        return self.km is not None and self.km.is_alive()

    def run(self, code: str, deadline: float, store_history: bool = True, seconds: float | None = None) -> Outcome:
        """Execute ``code``; stop it at the cell time limit, the notebook deadline or the output cap."""
        if time.monotonic() >= deadline:
            return Outcome("deadline")
        kc, lim = self.kc, self.limits
        msg_id = kc.execute(code, store_history=store_history, allow_stdin=False, stop_on_error=False)
        cell_end = min(time.monotonic() + (seconds or lim.cell_seconds), deadline)
        cap = lim.output_kb * 1024
        text: list[str] = []
        size = 0
        reply = None
        idle = False
        stop_reason = ""
        grace_end = 0.0
        outcome = Outcome("ok")

        def take(msg: dict) -> None:
            """Count one IOPub message of this execution: its output, its error, the kernel going idle."""
            nonlocal size, idle, outcome
            if msg["parent_header"].get("msg_id") != msg_id:
                return
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                idle = True
            elif kind == "stream":
                piece = content.get("text", "")
                size += len(piece)
                if size <= cap:
                    text.append(piece)
            elif kind in ("display_data", "execute_result", "update_display_data"):
                size += sum(len(str(v)) for v in content.get("data", {}).values())
            elif kind == "error":
                outcome = Outcome("error", str(content.get("ename", ""))[:100], str(content.get("evalue", ""))[:300])

        while not (reply is not None and idle):
            now = time.monotonic()
            if not stop_reason and now >= cell_end and size <= cap:
                # The grader itself may have been kept off the CPU (a loaded machine): count the
                # output that has already arrived before calling the cell a timeout.
                while size <= cap:
                    try:
                        take(kc.get_iopub_msg(timeout=0))
                    except queue.Empty:
                        break
                    except Exception:  # noqa: BLE001 - a garbled message (untrusted kernel): dropped
                        continue
            if not stop_reason and (now >= cell_end or size > cap):
                stop_reason = "output" if size > cap else ("timeout" if now < deadline else "deadline")
                self.km.interrupt_kernel()
                grace_end = now + 5
            if stop_reason and now >= grace_end:
                self.stop()  # the kernel ignored the interrupt
                return Outcome(stop_reason)
            try:
                msg = None if idle else kc.get_iopub_msg(timeout=0.1)
            except queue.Empty:
                msg = None
            except Exception:  # noqa: BLE001 - a message the kernel garbled (it is untrusted): drop it
                msg = None
            if reply is None:
                try:
                    candidate = kc.get_shell_msg(timeout=0.1 if idle else 0)
                    if candidate["parent_header"].get("msg_id") == msg_id:
                        reply = candidate
                except queue.Empty:
                    pass
                except Exception:  # noqa: BLE001
                    pass
            if msg is None:
                if not self.alive():
                    self.stop()
                    return Outcome("died")
                continue
            take(msg)
        outcome.text = "".join(text)
        if stop_reason:
            outcome.status = stop_reason
        elif reply["content"].get("status") == "error" and outcome.status != "error":
            c = reply["content"]
            outcome = Outcome("error", str(c.get("ename", "")), str(c.get("evalue", ""))[:300], outcome.text)
        if any(p.get("source") == "ask_exit" for p in reply["content"].get("payload", []) if isinstance(p, dict)):
            self.stop()
            return Outcome("exit", text=outcome.text)
        return outcome

    def sandbox_processes(self) -> list[int]:
        """Processes of this submission other than the kernel (host PIDs)."""
        if self.km is None or self.km.provisioner is None or not self.km.provisioner.has_process:
            return []
        top = self.km.provisioner.process.pid
        procs = _process_table()
        members = {pid for pid, info in procs.items() if info["token"] == self.token}
        if self.sandbox.mode != "none":
            kernel = [pid for pid, info in procs.items() if info["ppid"] == top]
            if kernel:
                ns = procs[kernel[0]]["pidns"]
                members |= {pid for pid, info in procs.items() if info["pidns"] == ns}
            members -= set(kernel)
        members.discard(top)
        # the kernel itself (when there is no namespace, the kernel is the launched process)
        return sorted(members)

    def stop(self) -> None:
        if self.km is not None:
            self.leftovers = max(self.leftovers, len(self.sandbox_processes()))
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001
                pass
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001
                pass
            self.km = None
            self._logfile.close()
        _kill_token(self.token)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def _process_table() -> dict[int, dict[str, Any]]:
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            try:
                env = Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:
                env = b""
            token = re.search(rb"MSE_GRADE_TOKEN=([0-9a-f]+)", env)
            try:
                pidns = os.readlink(f"/proc/{pid}/ns/pid")
            except OSError:
                pidns = ""
            table[pid] = {"ppid": ppid, "token": token.group(1).decode() if token else "", "pidns": pidns}
        except (OSError, IndexError, ValueError):
            continue
    return table


def _kill_token(token: str, wait: float = 10.0) -> None:
    """Kill every process carrying the run's token, and wait until none is left (a killed
    process can take a moment to go on a loaded machine)."""
    deadline = time.monotonic() + wait
    while True:
        alive = [pid for pid, info in _process_table().items() if info["token"] == token]
        if not alive or time.monotonic() > deadline:
            return
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)


# ---------------------------------------------------------------------------
# Grading.


@dataclass
class Row:
    student: str
    exercise: str
    passed: bool
    message: str


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    chapter: str = ""
    seconds: dict[str, float] = field(default_factory=dict)


def _all_rows(student: str, labels: list[str], message: str) -> list[Row]:
    return [Row(student, label, False, message) for label in labels]


def read_submission(path: Path) -> tuple[Any, str]:
    """(notebook, '') or (None, what is wrong with the file)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        return None, f"unreadable file: {error.strerror}"
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        return None, f"unreadable JSON: {str(error)[:120]}"
    try:
        if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
            raise ValueError("no list of cells")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
            nbformat.validate(nb)
    except Exception as error:  # noqa: BLE001 - any malformed structure
        return None, f"not a notebook: {str(error).splitlines()[0][:120] if str(error) else type(error).__name__}"
    return nb, ""


def grade_notebook(
    path: Path, nb: Any, ref: Reference, sandbox: Sandbox, limits: Limits, hide: list[str], mpl_cache: str | None = None
) -> list[Row]:
    student = path.stem
    answers = answer_positions(nb, ref)
    structure = structure_problems(nb, ref, answers)
    results: dict[str, tuple[bool, str]] = {}
    notes: dict[str, list[str]] = collections.defaultdict(list)
    for label in ref.labels:
        if label not in answers.values():
            results[label] = (False, "cells deleted or reordered: the answer cell of this exercise is missing")
    kernel = Kernel(path, path.name, sandbox, limits, hide, mpl_cache)
    deadline = time.monotonic() + limits.notebook_seconds
    replay: list[str] = []
    try:
        try:
            kernel.start()
        except RuntimeError as error:
            return _all_rows(student, ref.labels, f"not graded: {error}"[:300])
        for k, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or is_self_check(cell, ref):
                continue
            label = answers.get(k)
            if not kernel.alive():
                try:
                    kernel.start()
                except RuntimeError as error:
                    for lab in ref.labels:
                        results.setdefault(lab, (False, f"not graded: {error}"[:300]))
                    break
                for code in replay:  # the state the next cells expect
                    kernel.run(code, deadline)
            before = len(kernel.sandbox_processes()) if label else 0
            if label:
                kernel.run('globals().pop("answer", None)', deadline, store_history=False)
            outcome = kernel.run(cell.source, deadline)
            if label and len(kernel.sandbox_processes()) > before:
                notes[label].append("it started processes that outlive the cell (killed at the end)")
            if outcome.status == "ok":
                replay.append(cell.source)
            if not label:
                continue
            if outcome.status != "ok":
                results[label] = (False, f"the answer cell {outcome.describe(limits)}")
                continue
            captured = kernel.run(
                f'from mse_gradient.grading import capture as _mse_grade_capture\n_mse_grade_capture("{label}", globals())',
                deadline,
                store_history=False,
            )
            if captured.status != "ok":
                results[label] = (False, f"checking the answer {captured.describe(limits)}")
                continue
            lines = [line for line in captured.text.splitlines() if line.startswith(MARKER)]
            if not lines:
                results[label] = (False, "not graded: the kernel sent no answer back")
                continue
            results[label] = judge_payload(label, lines[-1][len(MARKER) :])
    finally:
        kernel.close()
    rows = []
    for label in ref.labels:
        passed, message = results.get(label, (False, "not graded: the notebook's time limit was reached"))
        extra = notes.get(label, [])
        if structure:
            extra = [f"cells deleted or reordered ({structure})"] + extra
        if extra:
            message = f"{message} [{'; '.join(extra)}]"
        rows.append(Row(student, label, passed, message))
    return rows


def grade(
    folder: Path,
    chapter: str | None = None,
    limits: Limits | None = None,
    references: Path | None = None,
    sandbox: Sandbox | None = None,
    echo: bool = True,
    output: Path | None = None,
) -> Report:
    """Grade every notebook in ``folder``; write ``folder/grades.csv`` (or ``output``); return the rows."""
    folder = folder.resolve()
    output = (output or folder / "grades.csv").resolve()
    limits = limits or Limits()
    sandbox = sandbox or Sandbox()
    refs = load_references(references or ROOT / "notebooks")
    report = Report()
    submissions: list[tuple[Path, Any, str, str]] = []  # path, notebook, chapter, problem
    for path in sorted(folder.iterdir()):
        if path.name == "grades.csv" or path.name.startswith(".grades-"):
            continue
        if not path.is_file() or path.suffix != ".ipynb":
            report.skipped.append(path.name)
            continue
        nb, problem = read_submission(path)
        submissions.append((path, nb, classify(nb, refs) if nb is not None else "", problem))
    if chapter is None:
        counts = collections.Counter(c for _, _, c, _ in submissions if c and refs[c].labels)
        if not counts:
            raise SystemExit(f"no notebook in {folder} is a chapter with exercises")
        chapter = counts.most_common(1)[0][0]
    if chapter not in refs or not refs[chapter].labels:
        raise SystemExit(f"no chapter with exercises named {chapter!r}; chapters: {sorted(refs)}")
    report.chapter = chapter
    ref = refs[chapter]
    if echo:
        print(f"grading {len(submissions)} notebook(s) of chapter {chapter} in {folder}")
        print(f"isolation: {sandbox.describe()}")
    mpl_cache = tempfile.mkdtemp(prefix="mse-grade-mpl-")
    subprocess.run(
        [sys.executable, "-c", "import matplotlib.font_manager"],
        env={**os.environ, "MPLCONFIGDIR": mpl_cache},
        capture_output=True,
        timeout=300,
    )
    try:
        _grade_all(report, submissions, chapter, ref, sandbox, limits, folder, mpl_cache, echo)
    finally:
        shutil.rmtree(mpl_cache, ignore_errors=True)
    write_csv(output, report.rows)
    if echo:
        print(f"wrote {output}")
        print()
        print(table(report))
    return report


def _grade_all(
    report: Report,
    submissions: list[tuple[Path, Any, str, str]],
    chapter: str,
    ref: Reference,
    sandbox: Sandbox,
    limits: Limits,
    folder: Path,
    mpl_cache: str,
    echo: bool,
) -> None:
    for path, nb, found, problem in submissions:
        start = time.monotonic()
        if problem:
            rows = _all_rows(path.stem, ref.labels, problem)
        elif found != chapter:
            what = f"a notebook of another chapter ({found})" if found else "a notebook of no chapter of this course"
            rows = _all_rows(path.stem, ref.labels, f"{what}; expected {chapter}")
        else:
            try:
                rows = grade_notebook(path, nb, ref, sandbox, limits, [str(folder)], mpl_cache)
            except Exception as error:  # noqa: BLE001 - one submission must never stop the others
                rows = _all_rows(
                    path.stem, ref.labels, f"not graded: the grader failed ({type(error).__name__}: {error})"[:300]
                )
        report.seconds[path.stem] = time.monotonic() - start
        report.rows.extend(rows)
        if echo:
            passed = sum(r.passed for r in rows)
            print(f"  {path.name}: {passed}/{len(rows)} in {report.seconds[path.stem]:.1f} s", flush=True)


def write_csv(target: Path, rows: list[Row]) -> None:
    """Write the grades atomically: a temporary file in the same folder, then os.replace."""
    fd, tmp = tempfile.mkstemp(prefix=".grades-", suffix=".csv", dir=target.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["student", "exercise", "passed", "message"])
            for r in rows:
                writer.writerow([r.student, r.exercise, "true" if r.passed else "false", r.message])
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def table(report: Report) -> str:
    labels = list(dict.fromkeys(r.exercise for r in report.rows))
    students = list(dict.fromkeys(r.student for r in report.rows))
    got = {(r.student, r.exercise): r.passed for r in report.rows}
    width = max([len("student")] + [len(s) for s in students])
    head = [f"{'student':<{width}}"] + [f"{label:>{len(label)}}" for label in labels] + ["total"]
    lines = ["  ".join(head)]
    for s in students:
        marks = [f"{('yes' if got[(s, label)] else 'no'):>{len(label)}}" for label in labels]
        total = sum(got[(s, label)] for label in labels)
        lines.append("  ".join([f"{s:<{width}}"] + marks + [f"{total}/{len(labels)}"]))
    if report.skipped:
        lines.append("")
        lines.append("skipped (not notebooks): " + ", ".join(report.skipped))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--chapter", help="the chapter assigned (default: the one most notebooks are)")
    parser.add_argument("--cell-timeout", type=float, default=Limits.cell_seconds, help="seconds per cell")
    parser.add_argument("--notebook-timeout", type=float, default=Limits.notebook_seconds, help="seconds per notebook")
    parser.add_argument("--memory-mb", type=int, default=Limits.memory_mb, help="address space of a kernel")
    parser.add_argument("--output-kb", type=int, default=Limits.output_kb, help="output kept per cell")
    parser.add_argument("--references", type=Path, help="the chapters' student notebooks (default: notebooks/)")
    parser.add_argument("--output", type=Path, help="where to write the CSV (default: FOLDER/grades.csv)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    limits = Limits(args.cell_timeout, args.notebook_timeout, args.memory_mb, args.output_kb)
    grade(args.folder, args.chapter, limits, args.references, output=args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
