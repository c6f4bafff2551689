"""Benchmark: how long a reader waits for the math, before and after typesetting it at build time.

    .venv/bin/python tools/bench_math.py [--runs 7] [--pages N] [--decks N] [--before DIR] [--after DIR]

Opens the heaviest pages (most formulas) of the built site, and its heaviest
lecture slide decks, in headless
Chromium (Debian's, driven by Playwright) from a local server, warm (one
visit first, not counted), and measures per visit, from the start of the
navigation:

* time to math: until every element of class ``math`` holds MathJax's output,
  MathJax (when the page loads it) has finished, and the fonts are loaded;
* load: the load event's end (it waited for MathJax's typesetting before);
* first paint (after only): the first contentful paint, which on a page
  typeset at build time already shows the formulas of the first screen
  (before, it showed their raw TeX).

"after" is the built site (``_build/html``, typeset at build time by
``tools/prerender_math.py``); "before" is the same site with each page as
Sphinx wrote it, typeset by MathJax in the browser: the raw pages kept in
``_build/.math-cache/raw`` (or ``--before DIR``, a site built without the
step). Prints the median of ``--runs`` visits per page in a table.

A benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tools"))

from prerender_math import MARKER  # noqa: E402

MEASURE = """
(() => {
  window.__mathTimes = null;
  let mathjaxDone = false;
  function mathjaxFinished() {
    const mj = window.MathJax;
    if (!mj || !mj.startup || !mj.startup.promise) return !document.querySelector('script[src*="mathjax/tex-chtml"]');
    if (!mj.__benchHooked) { mj.__benchHooked = true; mj.startup.promise.then(() => { mathjaxDone = true; }); }
    return mathjaxDone;
  }
  function typeset() {
    const math = document.querySelectorAll('.math');
    if (math.length === 0) return false;
    for (const el of math) if (!el.querySelector('mjx-container')) return false;
    return true;
  }
  function poll() {
    if (document.readyState !== 'loading' && mathjaxFinished() && typeset()) {
      const typesetAt = performance.now();
      document.fonts.ready.then(() => {
        window.__mathTimes = {typeset: typesetAt, math: performance.now(), count: document.querySelectorAll('.math').length};
      });
      return;
    }
    requestAnimationFrame(poll);
  }
  requestAnimationFrame(poll);
})();
"""

LOAD = "() => performance.getEntriesByType('navigation')[0].loadEventEnd"
PAINT = "() => (performance.getEntriesByName('first-contentful-paint')[0] || {startTime: NaN}).startTime"


def client_side_copy(site: Path, cache: Path, target: Path) -> Path:
    """The site with every page typeset at build time put back as Sphinx wrote it (from the cache)."""
    shutil.copytree(site, target)
    for path in target.rglob("*.html"):
        match = MARKER.search(path.read_text(encoding="utf-8"))
        if match:
            raw = cache / "raw" / f"{match[1]}.html"
            if not raw.exists():
                raise SystemExit(f"no raw copy of {path.relative_to(target)} in {cache}: pass --before DIR")
            shutil.copy2(raw, path)
    return target


def heaviest_pages(site: Path, count: int, folder: str = "book") -> list[tuple[str, int]]:
    sizes = []
    for path in (site / folder).glob("*.html"):
        text = path.read_text(encoding="utf-8")
        formulas = sum(1 for m in re.finditer(r'class="([^"]*)"', text) if "math" in m[1].split())
        sizes.append((formulas, path.relative_to(site).as_posix()))
    return [(p, n) for n, p in sorted(sizes, reverse=True)[:count]]


def measure(browser, base_url: str, path: str, runs: int) -> dict[str, list[float]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(MEASURE)
    times: dict[str, list[float]] = {"math": [], "load": [], "paint": []}
    try:
        for visit in range(runs + 1):  # the first visit warms the cache and is not counted
            page = context.new_page()
            page.goto(f"{base_url}/{path}", wait_until="load")
            page.wait_for_function("window.__mathTimes !== null", timeout=120_000)
            result = page.evaluate("window.__mathTimes")
            load = page.evaluate(LOAD)
            paint = page.evaluate(PAINT)
            page.close()
            if visit:
                times["math"].append(result["math"] / 1000)
                times["load"].append(load / 1000)
                times["paint"].append(paint / 1000)
    finally:
        context.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pages", type=int, default=3, help="how many of the heaviest pages")
    parser.add_argument("--decks", type=int, default=2, help="how many of the heaviest slide decks")
    parser.add_argument("--after", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument(
        "--before", type=Path, default=None, help="a site typeset in the browser (default: from the cache)"
    )
    args = parser.parse_args(argv)

    from conftest import CHROMIUM_ARGS, chromium_executable, serve_directory
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        before = args.before or client_side_copy(args.after, args.after.parent / ".math-cache", Path(tmp) / "html")
        pages = heaviest_pages(args.after, args.pages) + heaviest_pages(args.after, args.decks, "slides")
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
            try:
                with serve_directory(before) as before_url, serve_directory(args.after) as after_url:
                    for path, formulas in pages:
                        old = measure(browser, before_url, path, args.runs)
                        new = measure(browser, after_url, path, args.runs)
                        rows.append((path, formulas, old, new))
            finally:
                browser.close()

    med = statistics.median
    print(f"\nTime to math in headless Chromium, localhost, warm; median of {args.runs} visits (seconds)\n")
    print(
        "| page | formulas | before: math | before: load | after: math | after: load | after: first paint | math speed-up |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for path, formulas, old, new in rows:
        print(
            f"| {path} | {formulas} | {med(old['math']):.2f} | {med(old['load']):.2f} | "
            f"{med(new['math']):.2f} | {med(new['load']):.2f} | {med(new['paint']):.2f} | "
            f"{med(old['math']) / med(new['math']):.1f}× |"
        )
    print("\nbefore: MathJax 3 typesets in the browser; after: typeset at build time (tools/prerender_math.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
