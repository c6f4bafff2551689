"""Student notebooks as students get them: downloaded from the built site, run in a fresh kernel."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.site
@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_notebook_downloaded_from_the_site_runs_top_to_bottom(site_url, tmp_path, name):
    with urllib.request.urlopen(f"{site_url}/notebooks/{name}") as response:
        assert response.status == 200
        data = response.read()
    path = tmp_path / name
    path.write_bytes(data)
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{name}: {errors[0].ename}: {errors[0].evalue}"
    checks = [c for c in notebook.cells if "self-check" in c.metadata.get("tags", [])]
    for cell in checks:
        text = "".join(o.get("text", "") for o in cell.outputs)
        assert re.match(r"Exercise \S+: (no answer yet|not yet: your function returns nothing)", text), text


def _solution_sentences() -> dict[str, list[str]]:
    """A distinctive sentence of every solution block in book/, per chapter."""
    found: dict[str, list[str]] = {}
    for page in (ROOT / "book").glob("*.md"):
        text = page.read_text()
        for match in re.finditer(r"^(`{3,4})\{solution\}[^\n]*\n(.*?)^\1\s*$", text, re.M | re.S):
            lines = [ln for ln in match.group(2).splitlines() if ln.strip() and not ln.startswith(":")]
            words = [ln for ln in lines if len(ln) > 40 and "$" not in ln and "`" not in ln]
            if words:
                found.setdefault(page.stem, []).append(words[0].strip())
    return found


def test_solutions_are_not_in_the_student_notebooks():
    sentences = _solution_sentences()
    assert sum(map(len, sentences.values())) >= 5, "expected solution blocks in the book"
    for chapter, lines in sentences.items():
        notebook = ROOT / "notebooks" / f"{chapter}.ipynb"
        if not notebook.exists():
            continue
        text = "\n".join(c.source for c in nbformat.read(notebook, as_version=4).cells)
        for line in lines:
            assert line not in text, f"{notebook.name} contains a solution: {line[:80]!r}"
