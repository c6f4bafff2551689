"""The built site as files: links resolve offline, rebuilds are cached, executions agree.

* Every internal link, image, script and stylesheet of every page points at a
  file of the site, and every ``#anchor`` at an id of its target page.
* A second build with no change re-executes no notebook (jupyter-cache).
* Two independent clean executions agree: the site build executes book/*.md,
  ``./run notebooks`` executed notebooks/; their text outputs must be identical.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from conftest import ROOT, SITE, site_pages

LINK_ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src", "iframe": "src", "source": "src"}
EXTERNAL = re.compile(r"^(https?:|mailto:|data:|javascript:|tel:)", re.I)


class _Scan(HTMLParser):
    """One pass over a page: its ids and anchor names, and every (tag, link) of LINK_ATTRIBUTES."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        wanted = LINK_ATTRIBUTES.get(tag)
        if wanted and values.get(wanted):
            self.links.append(values[wanted])


@cache
def _scan(path: Path) -> _Scan:
    scan = _Scan()
    scan.feed(path.read_text(errors="replace"))
    scan.close()
    return scan


def _ids(path: Path) -> frozenset[str]:
    return frozenset(_scan(path).ids)


def broken_links(site_dir: Path) -> list[str]:
    """Every internal reference of the site that does not resolve, as 'page: target (why)'."""
    problems = []
    for rel in site_pages(site_dir):
        page = site_dir / rel
        for target in _scan(page).links:
            if EXTERNAL.match(target):
                continue
            parts = urlsplit(target)
            if parts.netloc:
                problems.append(f"{rel}: {target} (absolute URL to another host)")
                continue
            path = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if path.is_dir():
                path = path / "index.html"
            if not path.is_relative_to(site_dir.resolve()) or not path.exists():
                problems.append(f"{rel}: {target} (no such file)")
                continue
            fragment = unquote(parts.fragment)
            if fragment and path.suffix == ".html" and fragment not in _ids(path):
                problems.append(f"{rel}: {target} (no anchor #{fragment})")
    return problems


@pytest.mark.site
def test_no_broken_internal_links_or_anchors(site_dir):
    problems = broken_links(site_dir)
    assert not problems, f"{len(problems)} broken internal link(s):\n  " + "\n  ".join(problems[:40])


def test_link_checker_finds_broken_links(tmp_path):
    (tmp_path / "a.html").write_text('<p id="here"></p><a href="#here">ok</a><a href="b.html#there">x</a>')
    (tmp_path / "b.html").write_text(
        '<img src="missing.png"><a href="a.html#nowhere">y</a><a href="https://x.org">z</a>'
    )
    problems = sorted(broken_links(tmp_path))
    assert problems == sorted(
        [
            "a.html: b.html#there (no anchor #there)",
            "b.html: missing.png (no such file)",
            "b.html: a.html#nowhere (no anchor #nowhere)",
        ]
    )


def _book_command() -> list[str]:
    return [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "-W", "-n", "--keep-going"]


@pytest.mark.site
@pytest.mark.serial  # it rebuilds _build/html: ./run test runs it after the parallel tests
def test_rebuild_without_changes_executes_nothing(site_dir):
    start = time.perf_counter()
    result = subprocess.run(_book_command(), capture_output=True, text=True, cwd=ROOT, env=dict(os.environ))
    seconds = time.perf_counter() - start
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    executed = re.findall(r"^(\S+): Executing notebook", output, re.M)
    assert not executed, f"a build with no change re-executed {executed}"
    timings = SITE.parent / "timings.txt"
    clean = timings.read_text().strip() if timings.exists() else "unknown"
    print(f"\nno-change rebuild: {seconds:.1f} s; clean build: {clean}")


def _text_outputs(cell) -> list[str]:
    """Text outputs; consecutive stream chunks are joined (kernels split them at random)."""
    texts: list[str] = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            head = f"{output.name}: "
            if texts and texts[-1].startswith(head):
                texts[-1] += output.text
            else:
                texts.append(head + output.text)
        elif output.output_type in ("execute_result", "display_data") and "text/plain" in output.data:
            texts.append(f"text/plain: {output.data['text/plain']}")
        elif output.output_type == "error":
            texts.append(f"error: {output.ename}: {output.evalue}")
    return texts


@pytest.mark.site
@pytest.mark.parametrize("notebook", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_site_and_notebook_executions_agree(site_dir, notebook):
    """The site's execution of book/<x>.md and the stored notebook print exactly the same text."""
    from jupyter_cache import get_cache

    source = ROOT / "book" / notebook.name.replace(".ipynb", ".md")
    cache = get_cache(SITE.parent / ".jupyter_cache")
    records = [r for r in cache.list_cache_records() if Path(r.uri) == source]
    if not records:
        pytest.fail(f"the site build has no cached execution of {source.name}")
    executed = cache.get_cache_bundle(max(records, key=lambda r: r.created).pk).nb
    site_cells = [c for c in executed.cells if c.cell_type == "code"]
    student_cells = [c for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    by_source = {}
    for cell in site_cells:
        by_source.setdefault(cell.source, []).append(cell)
    compared = 0
    for cell in student_cells:
        if "nbval-ignore-output" in cell.metadata.get("tags", []) or cell.source not in by_source:
            continue
        twin = by_source[cell.source].pop(0)
        assert _text_outputs(cell) == _text_outputs(twin), f"{notebook.name}: outputs differ for\n{cell.source[:300]}"
        compared += 1
    assert compared >= len(student_cells) // 2, f"{notebook.name}: only {compared} cells could be compared"
