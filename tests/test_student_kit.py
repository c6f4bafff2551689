"""The student kit works for a student who has only the kit.

In an empty temporary directory, outside the repository: unzip the kit that
the site serves and run, in its folder, the commands its README gives for
JupyterLab, as written (``python3`` is ``python3.11``): a fresh virtual
environment, pip brought up to date, then ``pip install`` of its pinned
``requirements-student.txt`` and the wheel next to the notebooks (pip needs
the package index and nothing else, reuses its local cache and, to save
time, compiles no bytecode ahead). Instead of ``jupyter lab``, every notebook
is executed with nbclient (which JupyterLab brings along) in a kernel of that
environment. Every notebook must run to the end without an error, with the
package imported from the environment, not from the repository.

Needs the built site (``./run site``). It takes minutes, most of them pip
installing JupyterLab and its dependencies.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from kit import KIT_NAME, wheel_name  # noqa: E402

RUN_NOTEBOOKS = r"""
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

for name in sys.argv[1:]:
    path = Path(name).resolve()
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"
              and "raises-exception" not in c.get("metadata", {}).get("tags", [])]
    # Untouched, every self-check must say that there is no answer yet (and not raise, nor pass).
    said = ["".join(o.get("text", "") for o in c.outputs) for c in notebook.cells
            if "self-check" in c.get("metadata", {}).get("tags", [])]
    odd = [t for t in said if not re.match(r"Exercise \S+: (no answer yet|not yet: your function returns nothing)", t)]
    print(f"{path.name}: {sum(c.cell_type == 'code' for c in notebook.cells)} code cells, {len(errors)} errors"
          + "".join(f"; self-check said {t!r}" for t in odd), flush=True)
    if errors or odd:
        sys.exit(1)
"""


def student_environment(home: Path, venv: Path) -> dict[str, str]:
    """The environment of a student's shell: no PYTHONPATH, no Jupyter or IPython settings of ours."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JUPYTER", "IPYTHON", "VIRTUAL_ENV", "MPL"))
    }
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
        JUPYTER_DATA_DIR=str(home / ".local/share/jupyter"),
        IPYTHONDIR=str(home / ".ipython"),
        MPLCONFIGDIR=str(home / ".matplotlib"),
        PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
    )
    return env


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: int) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


def readme_commands(readme: str) -> list[list[str]]:
    """The commands of the README's "In JupyterLab on your computer" section (its first indented block)."""
    assert "## In JupyterLab on your computer" in readme, "the kit's README has no section for JupyterLab"
    section = readme.split("## In JupyterLab on your computer", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"(?:^    \S.*\n)+", section, re.M)
    assert block, "the kit's README gives no commands for JupyterLab"
    return [shlex.split(line) for line in block.group(0).splitlines()]


def as_run_here(command: list[str], python: str) -> list[str] | None:
    """A README command as this test runs it: ``python3`` is ``python3.11``; pip quiet, installing without
    compiling bytecode ahead; ``jupyter lab`` is left out (the notebooks are executed by nbclient)."""
    if command[:2] == [".venv/bin/jupyter", "lab"]:
        return None
    if command[0] == "python3":
        command = [python, *command[1:]]
    if "install" in command and (command[0] == ".venv/bin/pip" or command[1:3] == ["-m", "pip"]):
        at = command.index("install") + 1
        command = [*command[:at], "--quiet", "--no-compile", *command[at:]]
    return command


def run_student_kit(kit: Path, workdir: Path) -> list[str]:
    """Do what a student does with ``kit`` in the empty ``workdir``; return the lines the notebook run printed."""
    python = shutil.which("python3.11")
    if python is None:
        pytest.fail("python3.11 is needed to create the student's virtual environment")
    home = workdir / "home"
    home.mkdir()
    with zipfile.ZipFile(kit) as archive:
        archive.extractall(workdir)
    folder = workdir / KIT_NAME
    notebooks = sorted(p.name for p in folder.glob("*.ipynb"))
    assert notebooks, f"no notebooks in {kit.name}"
    assert (folder / wheel_name()).exists() and (folder / "requirements-student.txt").exists()
    commands = readme_commands((folder / "README.md").read_text())
    assert commands[0] == ["python3", "-m", "venv", ".venv"] and commands[-1] == [".venv/bin/jupyter", "lab"], commands
    assert [".venv/bin/pip", "install", "-r", "requirements-student.txt", wheel_name()] in commands, commands
    venv = folder / ".venv"
    env = student_environment(home, venv)
    for command in commands:
        command = as_run_here(command, python)
        if command is not None:
            run(command, folder, env, 1800 if "install" in command else 300)
    where = run([str(venv / "bin/python"), "-c", "import mse_gradient; print(mse_gradient.__file__)"], home, env, 120)
    assert Path(where.strip()).is_relative_to(venv), f"mse_gradient imported from {where.strip()}, not from the venv"
    runner = home / "run_notebooks.py"
    runner.write_text(RUN_NOTEBOOKS)
    out = run([str(venv / "bin/python"), str(runner), *notebooks], folder, env, 1800)
    return out.splitlines()


@pytest.mark.site
def test_student_kit_installs_and_every_notebook_runs(site_dir, tmp_path):
    kit = site_dir / "_downloads" / f"{KIT_NAME}.zip"
    assert kit.exists(), f"the site serves no student kit at {kit}"
    assert (site_dir / "_downloads" / wheel_name()).exists(), "the site serves no wheel"
    workdir = tmp_path / "student"
    workdir.mkdir()
    assert not any(workdir.iterdir())
    lines = run_student_kit(kit, workdir)
    with zipfile.ZipFile(kit) as archive:
        count = sum(name.endswith(".ipynb") for name in archive.namelist())
    assert len(lines) == count and all(line.endswith(" 0 errors") for line in lines), lines
