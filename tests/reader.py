"""Open a page of the built site in Chromium the way a reader does, and report what went wrong.

Used by the site tests; kept apart so a failing test can print one clear list
of problems for a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

MATHJAX_READY = """
async () => {
  if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) return false;
  await MathJax.startup.promise;
  if (MathJax.typesetPromise) await MathJax.typesetPromise();
  return true;
}
"""

MATH_REPORT = """
() => {
  const math = Array.from(document.querySelectorAll('.math'));
  const unrendered = math.filter(el => !el.querySelector('mjx-container'))
                         .map(el => el.textContent.trim().slice(0, 80));
  const errors = Array.from(document.querySelectorAll('mjx-merror'))
                      .map(el => (el.getAttribute('data-mjx-error') || el.textContent).slice(0, 120));
  const main = document.querySelector('main') || document.body;
  const text = main.innerText;
  const raw = [];
  for (const pattern of ['\\\\(', '\\\\[', '$$']) { if (text.includes(pattern)) raw.push(pattern); }
  return {count: math.length, rendered: document.querySelectorAll('mjx-container').length,
          unrendered, errors, raw};
}
"""


@dataclass
class PageReport:
    url: str
    console: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    math: dict = field(default_factory=dict)

    def problems(self) -> list[str]:
        out = [f"console: {m}" for m in self.console]
        out += [f"failed request: {r}" for r in self.failed_requests]
        out += [f"request outside the local server: {r}" for r in self.foreign_requests]
        if self.math.get("unrendered"):
            out.append(f"math not rendered by MathJax: {self.math['unrendered'][:3]}")
        if self.math.get("errors"):
            out.append(f"MathJax errors: {self.math['errors'][:3]}")
        if self.math.get("raw"):
            out.append(f"raw TeX delimiters left in the text: {self.math['raw']}")
        return out


def open_page(browser, base_url: str, path: str, *, color_scheme: str = "light", after=None) -> PageReport:
    """Load ``path``, wait for MathJax, and collect every problem a reader would hit.

    ``after(page, report)`` runs extra checks while the page is still open.
    """
    origin = urlsplit(base_url).netloc
    context = browser.new_context(color_scheme=color_scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    report = PageReport(url=f"{base_url}/{path}")

    def on_route(route):
        if urlsplit(route.request.url).netloc not in ("", origin) and not route.request.url.startswith("data:"):
            report.foreign_requests.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", on_route)
    page.on("console", lambda m: report.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: report.console.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: report.failed_requests.append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: report.failed_requests.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
    try:
        page.goto(report.url, wait_until="load")
        page.wait_for_load_state("networkidle")
        has_mathjax = page.evaluate(MATHJAX_READY)
        report.math = page.evaluate(MATH_REPORT)
        if report.math["count"] and not has_mathjax:
            report.console.append("MathJax did not load, but the page has math")
        if after is not None:
            after(page, report)
    finally:
        context.close()
    # A foreign request that was aborted also shows as a failed request: report it once.
    report.failed_requests = [r for r in report.failed_requests if not any(r.startswith(f) for f in report.foreign_requests)]
    return report
