"""Build the print edition: one PDF of the whole book.

    python tools/pdf.py [--path-output DIR] [--toc FILE]

1. Sphinx's LaTeX builder, through Jupyter Book, writes ``_build/latex/mse-gradient.tex``
   (``-W -n``, like the site). It shares ``_build/.doctrees`` and the execution cache
   ``_build/.jupyter_cache`` with the site, so after ``./run site`` no chapter is re-read
   or re-executed.
2. ``latexmk`` runs XeLaTeX in ``_build/latex`` until cross-references settle.
3. The log is checked (LaTeX errors, undefined references, missing glyphs) and the PDF
   is copied to ``_build/pdf/mse-gradient.pdf`` and, when the site has been built, to
   ``_build/html/mse-gradient.pdf``, where the landing page links it.

Needs TeX Live from Debian (``./run pdf`` installs it when missing).
``--path-output`` builds into ``DIR/_build`` instead (a private build that does not
disturb ``_build``); ``--toc`` uses another table of contents.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "mse-gradient"  # latex.latex_documents.targetname in _config.yml; PDF_NAME in book/_ext/course_site.py
BOOK_FLAGS = ["-W", "-n", "--keep-going"]

# What must not appear in the XeLaTeX log of a good build.
LOG_PROBLEMS = [
    re.compile(r"^! .*$", re.M),  # every TeX error, e.g. "! LaTeX Error: ..." or "! Undefined control sequence."
    re.compile(r"^.*LaTeX Error.*$", re.M),
    re.compile(r"^.*Undefined control sequence.*$", re.M),
    re.compile(r"^.*There were undefined references.*$", re.M),
    re.compile(r"^.*Reference `[^']*' on page \d+ undefined.*$", re.M),
    re.compile(r"^.*Citation `[^']*' on page \d+ undefined.*$", re.M),
    re.compile(r"^.*Label\(s\) may have changed.*$", re.M),
    re.compile(r"^Missing character: .*$", re.M),
]


def log_problems(log: str) -> list[str]:
    """Lines of a LaTeX log that show an error, an undefined reference or a missing glyph.

    >>> log_problems("Missing character: There is no \\u1d40 (U+1D40) in font x!\\nok")
    ['Missing character: There is no \\u1d40 (U+1D40) in font x!']
    >>> log_problems("LaTeX Warning: Reference `eq:a' on page 3 undefined on input line 7.")
    ["LaTeX Warning: Reference `eq:a' on page 3 undefined on input line 7."]
    >>> log_problems("Package hyperref Warning: Token not allowed")
    []
    """
    found: list[str] = []
    for pattern in LOG_PROBLEMS:
        for match in pattern.finditer(log):
            line = match.group(0).strip()
            if line not in found:
                found.append(line)
    return found


def jupyter_book() -> str:
    candidate = Path(sys.executable).parent / "jupyter-book"
    found = str(candidate) if candidate.exists() else shutil.which("jupyter-book")
    if not found:
        sys.exit("jupyter-book is not installed: run `./run pdf`, which sets up .venv")
    return found


def require_tex() -> None:
    missing = [tool for tool in ("latexmk", "xelatex") if not shutil.which(tool)]
    if missing:
        sys.exit(f"missing {', '.join(missing)}: run `./run pdf`, which installs TeX Live from Debian")


def run(cmd: list[str], cwd: Path, log: Path | None = None) -> None:
    print("$", " ".join(cmd), flush=True)
    if log is None:
        result = subprocess.run(cmd, cwd=cwd)
    else:
        with log.open("w") as out:
            result = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        where = f" (output in {log})" if log else ""
        sys.exit(f"failed with exit code {result.returncode}: {' '.join(cmd)}{where}")


def build(path_output: Path, toc: Path | None) -> Path:
    """Build the PDF into ``path_output/_build``; return the stable copy's path."""
    build_dir = path_output / "_build"
    latex_dir = build_dir / "latex"
    started = time.monotonic()

    cmd = [jupyter_book(), "build", str(ROOT), "--builder", "latex", *BOOK_FLAGS]
    if path_output != ROOT:
        cmd += ["--path-output", str(path_output)]
    if toc is not None:
        cmd += ["--toc", str(toc)]
    run(cmd, cwd=ROOT)
    sphinx_done = time.monotonic()

    tex = latex_dir / f"{NAME}.tex"
    if not tex.exists():
        sys.exit(f"Sphinx did not write {tex}: check latex.latex_documents.targetname in _config.yml")
    latexmk_log = latex_dir / "latexmk.out"
    try:
        run(
            ["latexmk", "-pdfxe", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", tex.name],
            cwd=latex_dir,
            log=latexmk_log,
        )
    except SystemExit:
        tex_log = latex_dir / f"{NAME}.log"
        if tex_log.exists():
            print("\n".join(log_problems(tex_log.read_text(errors="replace"))[:20]), file=sys.stderr)
        raise
    latex_done = time.monotonic()

    problems = log_problems((latex_dir / f"{NAME}.log").read_text(errors="replace"))
    if problems:
        sys.exit(f"{latex_dir / (NAME + '.log')} reports problems:\n  " + "\n  ".join(problems[:30]))

    pdf = latex_dir / f"{NAME}.pdf"
    stable = build_dir / "pdf" / pdf.name
    stable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(pdf, stable)
    site = build_dir / "html"
    if (site / "index.html").exists():
        shutil.copy2(pdf, site / pdf.name)
        print(f"copied into the site: {site / pdf.name}")

    pages = page_count(stable)
    print(
        f"PDF: {stable} ({pages} pages); Sphinx {sphinx_done - started:.0f} s, XeLaTeX {latex_done - sphinx_done:.0f} s"
    )
    return stable


def page_count(pdf: Path) -> int | None:
    if not shutil.which("pdfinfo"):
        return None
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(match.group(1)) if match else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--path-output", type=Path, default=ROOT, help="build into DIR/_build (default: the repository)"
    )
    parser.add_argument("--toc", type=Path, default=None, help="table of contents (default: _toc.yml)")
    args = parser.parse_args(argv)
    require_tex()
    build(args.path_output.resolve(), args.toc.resolve() if args.toc else None)


if __name__ == "__main__":
    main()
