"""Shared fixtures: the built site, a local HTTP server for it, and headless Chromium."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    # Offline: no host name resolves but the local server's. The pages' requests to other
    # hosts are still seen (tests/reader.py records each as it starts, and each fails the
    # visit); one to a named host fails at once instead of reaching the network.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


def chromium_executable() -> str:
    """Debian's chromium (Playwright's own browser download does not work offline)."""
    for candidate in (os.environ.get("COURSE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and Path(candidate).exists():
            return candidate
    found = shutil.which("chromium")
    if not found:
        pytest.fail("Debian's chromium is not installed: run `./run test`, which installs it")
    return found


@pytest.fixture(scope="session")
def site_dir() -> Path:
    if not (SITE / "index.html").exists():
        pytest.fail(f"no built site at {SITE}: run `./run site` (or `./run test`, which builds it first)")
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on an ephemeral localhost port (also used by tools/bench_math.py)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_url(site_dir: Path) -> Iterator[str]:
    """Serve the built site on an ephemeral localhost port for the session."""
    with serve_directory(site_dir) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def site_pages(site_dir: Path) -> list[str]:
    """Every HTML page of the built site, as paths relative to its root."""
    return sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html") if "_static" not in p.parts)


# pytest-xdist (``./run test`` runs the suite on two workers): tests that share an
# expensive module fixture, and the cells of one notebook under nbval (they share its
# kernel), go to one worker together; every other test is scheduled on its own.
# (A scheduler of our own: xdist 3.8's `loadgroup` marks have no effect under pytest 9,
# whose node ids no longer take the group suffix xdist appends.)
SHARED_FIXTURE_MODULES = {
    "test_grade.py",
    "test_notebook_rendering.py",
    "test_mutation.py",
    "test_student_kit.py",
    "test_explorers.py",
}


def xdist_scope(nodeid: str) -> str:
    """The unit of scheduling of a test: its file for notebooks and shared-fixture modules, else itself.

    >>> xdist_scope("notebooks/learning.ipynb::Cell 3")
    'notebooks/learning.ipynb'
    >>> xdist_scope("tests/test_site.py::test_page_reads_cleanly[book/intro.html-light]")
    'tests/test_site.py::test_page_reads_cleanly[book/intro.html-light]'
    """
    path = nodeid.split("::", 1)[0]
    name = path.rsplit("/", 1)[-1]
    return path if name.endswith(".ipynb") or name in SHARED_FIXTURE_MODULES else nodeid


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    from xdist.scheduler import LoadScopeScheduling

    class CourseScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(nodeid)

    return CourseScheduling(config, log)


# The longest units first, so that neither worker is left with a long one at the end
# (seconds on this machine, measured with --durations; an estimate, only for ordering).
LONG_MODULES = {
    "test_student_kit.py": 60,
    "test_mutation.py": 28,
    "test_grade.py": 27,
    "test_notebook_rendering.py": 19,
    "test_explorers.py": 12,
}


def _expected_cost(item: pytest.Item) -> float:
    path = item.nodeid.split("::", 1)[0]
    name = path.rsplit("/", 1)[-1]
    if name in LONG_MODULES:
        return LONG_MODULES[name]
    if name == "test_site.py" and "[" in item.nodeid:
        page = SITE / item.nodeid.rsplit("[", 1)[1].rstrip("]")
        return page.stat().st_size / 50_000 if page.exists() else 0.0  # about 1 s per 50 kB of HTML
    return 0.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the tests longest first (a stable sort: a notebook's cells and a module's tests keep their order)."""
    order = {id(item): k for k, item in enumerate(items)}
    items.sort(key=lambda item: (-_expected_cost(item), order[id(item)]))
