"""Student notebooks as students get them: downloaded from the built site, without the solutions."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.site
@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_notebook_downloaded_from_the_site_is_the_checked_one(site_url, name):
    """The site serves exactly notebooks/NAME, byte for byte.

    Those bytes are run twice elsewhere: by nbval in the notebooks' folder (every
    output compared with the stored one, the self-checks' "no answer yet"
    included), and by tests/test_student_kit.py from the kit, in an empty folder
    with a fresh venv and kernel (no error, every self-check saying "no answer yet").
    """
    with urllib.request.urlopen(f"{site_url}/notebooks/{name}") as response:
        assert response.status == 200
        served = response.read()
    stored = (ROOT / "notebooks" / name).read_bytes()
    assert served == stored, f"the site serves a {name} that differs from notebooks/{name}: rebuild with ./run site"
    notebook = nbformat.reads(served.decode(), as_version=4)
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
