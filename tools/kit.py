"""Build the package wheel and the student kit that the site serves.

Usage::

    python tools/kit.py [OUTDIR]      # default OUTDIR: _build/html/_downloads

writes into ``OUTDIR``

* ``mse_gradient-<version>-py3-none-any.whl``, the course package, built
  offline (``pip wheel --no-deps --no-build-isolation --no-index``) from a
  copy of ``pyproject.toml``, ``README.md``, ``LICENSE`` and ``src/``, so
  that the build leaves nothing behind in the repository;
* ``mse-gradient-student-kit.zip``, one folder ``mse-gradient-student-kit/``
  with every student notebook of ``notebooks/``, the wheel,
  ``requirements-student.txt`` (the libraries the notebooks import, at the
  versions of ``requirements.txt``, and JupyterLab) and a short ``README.md``.

The site build calls :func:`build_kit` when it finishes (``book/_ext/course_site.py``),
and ``tests/test_student_kit.py`` installs the kit as a student would.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
KIT_NAME = "mse-gradient-student-kit"
JUPYTERLAB = "jupyterlab==4.6.6"  # the student's editor; the newest release when the kit was made
# The package's dependencies, and the libraries of the chapter on autodiff, chunked data
# and conventions (JAX, Dask, Scikit-Learn), pinned to the versions every test runs with.
STUDENT_PACKAGES = ("numpy", "sympy", "matplotlib", "jax", "jaxlib", "dask", "scikit-learn")
ZIP_DATE = (2026, 1, 1, 0, 0, 0)  # fixed member dates: the same inputs give the same zip


def version() -> str:
    """The package version declared in ``pyproject.toml``."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def wheel_name() -> str:
    """File name of the package's wheel, e.g. ``mse_gradient-0.1.0-py3-none-any.whl``."""
    return f"mse_gradient-{version()}-py3-none-any.whl"


def site_url(config_path: Path = ROOT / "_config.yml") -> str:
    """The address the site is published at (``html.baseurl`` in ``_config.yml``), without a trailing slash; "" if unset."""
    config = yaml.safe_load(config_path.read_text()) or {}
    return str((config.get("html") or {}).get("baseurl") or "").rstrip("/")


def wheel_url(base: str | None = None) -> str:
    """Where the site serves the wheel, or "" when the site's address is not configured.

    >>> wheel_url("https://example.org/course/").endswith("/course/_downloads/" + wheel_name())
    True
    >>> wheel_url("")
    ''
    """
    base = site_url() if base is None else base.rstrip("/")
    return f"{base}/_downloads/{wheel_name()}" if base else ""


def student_requirements(requirements: Path = ROOT / "requirements.txt") -> str:
    """``requirements-student.txt``: the libraries the notebooks import, as pinned in ``requirements.txt``, and JupyterLab.

    >>> print(student_requirements().splitlines()[0])
    # Student environment of the course module "The gradient of the MSE".
    """
    pins = {}
    for line in requirements.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    missing = [name for name in STUDENT_PACKAGES if name not in pins]
    if missing:
        raise ValueError(f"requirements.txt pins no version of {missing}")
    lines = [
        '# Student environment of the course module "The gradient of the MSE".',
        "# Install with: pip install -r requirements-student.txt " + wheel_name(),
        *(f"{name}=={pins[name]}" for name in STUDENT_PACKAGES),
        JUPYTERLAB,
    ]
    return "\n".join(lines) + "\n"


def kit_readme() -> str:
    """The kit's README: how to open the notebooks in JupyterLab, in Colab and offline."""
    wheel = wheel_name()
    return f"""# The gradient of the MSE: student kit

This folder holds the student notebooks of the course module "The gradient of the MSE, derived and run",
the course package `mse_gradient` as a wheel ({wheel}),
and the list of what the notebooks need (requirements-student.txt).

## In JupyterLab on your computer

With Python 3.11 or later, in this folder:

    python3 -m venv .venv
    .venv/bin/python -m pip install --upgrade pip
    .venv/bin/pip install -r requirements-student.txt {wheel}
    .venv/bin/jupyter lab

The second line brings pip itself up to date: a new virtual environment starts with the pip its Python shipped with, which can be years old.
(On Windows: `py -m venv .venv`, then `.venv\\Scripts\\python`, `.venv\\Scripts\\pip` and `.venv\\Scripts\\jupyter`.)
Open a notebook and run it from the top (Run > Run All Cells).
After each exercise, write your answer in the answer cell and run the check cell below it.

## In Colab

Upload a notebook (File > Upload notebook), then upload {wheel} into the file panel (the folder icon),
and run `%pip install {wheel}` in a new first cell.
Colab already has NumPy, SymPy and Matplotlib.

## Offline

Install once while you have a network (above); after that the notebooks need no network.
To install on a machine without a network, first download everything on one that has it:

    pip download -r requirements-student.txt -d wheels

then copy the folder and install with `pip install --no-index --find-links wheels -r requirements-student.txt {wheel}`
(leave out the line that brings pip up to date: it needs the network).
"""


def build_wheel(outdir: Path) -> Path:
    """Build the package's wheel into ``outdir`` from a copy of the sources; return its path."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mse-gradient-wheel-") as tmp:
        source = Path(tmp) / "src-copy"
        source.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy2(ROOT / name, source / name)
        shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        built = Path(tmp) / "dist"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "--wheel-dir",
                str(built),
                str(source),
            ],
            check=True,
        )
        wheel = built / wheel_name()
        if not wheel.exists():
            raise RuntimeError(f"pip built {sorted(p.name for p in built.iterdir())}, not {wheel.name}")
        target = outdir / wheel.name
        shutil.copy2(wheel, target)
    return target


def build_kit(outdir: Path = ROOT / "_build" / "html" / "_downloads", notebooks: Path = ROOT / "notebooks") -> Path:
    """Build the wheel and the student kit zip into ``outdir``; return the zip's path.

    Both depend only on the package's sources, ``pyproject.toml``, ``requirements.txt``,
    ``_config.yml``, this module and the notebooks: when none changed since the last
    build (a site rebuild with no change), the files in ``outdir`` are kept.
    """
    found = sorted(notebooks.glob("*.ipynb"))
    if not found:
        raise FileNotFoundError(f"no student notebooks in {notebooks}: run ./run notebooks")
    target = outdir / f"{KIT_NAME}.zip"
    digest = hashlib.sha256()
    inputs = [*sorted((ROOT / "src").rglob("*.py")), ROOT / "pyproject.toml", ROOT / "requirements.txt"]
    for path in [*inputs, ROOT / "_config.yml", Path(__file__), *found]:
        digest.update(path.name.encode() + path.read_bytes())
    stamp = outdir / ".kit-inputs.sha256"
    if (
        stamp.exists()
        and stamp.read_text() == digest.hexdigest()
        and target.exists()
        and (outdir / wheel_name()).exists()
    ):
        return target
    wheel = build_wheel(outdir)
    members = [
        (f"{KIT_NAME}/README.md", kit_readme().encode()),
        (f"{KIT_NAME}/requirements-student.txt", student_requirements().encode()),
        (f"{KIT_NAME}/{wheel.name}", wheel.read_bytes()),
    ]
    members += [(f"{KIT_NAME}/{path.name}", path.read_bytes()) for path in found]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    stamp.write_text(digest.hexdigest())
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    outdir = Path(args[0]) if args else ROOT / "_build" / "html" / "_downloads"
    kit = build_kit(outdir)
    print(f"{outdir / wheel_name()} ({(outdir / wheel_name()).stat().st_size} bytes)")
    print(f"{kit} ({kit.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
