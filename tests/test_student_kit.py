"""The student kit works for a student who has only the kit.

In an empty temporary directory, outside the repository: unzip the kit that
the site serves, create a fresh virtual environment with ``python3.11 -m
venv``, ``pip install`` what the kit's README says (its pinned
``requirements-student.txt`` and the wheel next to the notebooks; pip needs
the package index and nothing else, reuses its local cache and, to save
time, compiles no bytecode ahead), and execute every notebook with nbclient
(which JupyterLab brings along) in a kernel of that environment. Every
notebook must run to the end without an error, with the package imported
from the environment, not from the repository.

Needs the built site (``./run site``). It takes minutes, most of them pip
installing JupyterLab and its dependencies.
"""

from __future__ import annotations

import os
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
    venv = workdir / "venv"
    env = student_environment(home, venv)
    run([python, "-m", "venv", str(venv)], workdir, env, 300)
    pip = [str(venv / "bin/pip"), "install", "--quiet", "--no-compile"]
    run([*pip, "-r", "requirements-student.txt", wheel_name()], folder, env, 1800)
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
