"""Open a page of the built site in Chromium the way a reader does, and report what went wrong.

Used by the site tests; kept apart so that a failing test prints one clear
list of problems for a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import urlsplit

MATHJAX_READY = """
async () => {
  if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) return false;
  await MathJax.startup.promise;
  if (MathJax.typesetPromise) await MathJax.typesetPromise();
  return true;
}
"""

# Math is "rendered" when every element of class math holds MathJax's output
# (typeset at build time by tools/prerender_math.py, the slide decks' too, or by
# MathJax in the page), none of it is an error, no TeX delimiter is left in
# the text, and every formula carries its MathML for screen readers. On a page
# typeset at build time (``<meta name="course-math">``), each formula also
# keeps its TeX source, and the MathJax runtime must not have been loaded.
MATH_REPORT = """
() => {
  const math = Array.from(document.querySelectorAll('.math'));
  const unrendered = math.filter(el => !el.querySelector('mjx-container'))
                         .map(el => el.textContent.trim().slice(0, 80));
  const containers = Array.from(document.querySelectorAll('mjx-container'));
  const errors = Array.from(document.querySelectorAll('mjx-merror, merror'))
                      .map(el => (el.getAttribute('data-mjx-error') || el.textContent).slice(0, 120));
  const main = document.querySelector('main') || document.body;
  const text = main.innerText;
  const raw = [];
  for (const pattern of ['\\\\(', '\\\\[', '$$']) { if (text.includes(pattern)) raw.push(pattern); }
  const label = el => (el.querySelector('annotation') || el).textContent.trim().slice(0, 80);
  const withoutMathml = containers.filter(el => !el.querySelector('mjx-assistive-mml > math')).map(label);
  const prerendered = !!document.querySelector('meta[name="course-math"]');
  const withoutTex = prerendered
    ? containers.filter(el => !el.querySelector('annotation[encoding="application/x-tex"]')).map(label) : [];
  // SVG output: every glyph a formula draws (<use href="#id">) must be defined in the page.
  const brokenGlyphs = Array.from(new Set(Array.from(document.querySelectorAll('mjx-container use'))
    .map(use => (use.getAttribute('href') || use.getAttribute('xlink:href') || '').slice(1))))
    .filter(id => !document.getElementById(id));
  const runtime = performance.getEntriesByType('resource').map(r => r.name)
                             .filter(name => /\\/mathjax\\/.*\\.js(\\?|$)/.test(name));
  return {count: math.length, rendered: containers.length, unrendered, errors, raw,
          withoutMathml, withoutTex, brokenGlyphs, prerendered, runtime};
}
"""

IMAGE_REPORT = """
() => Array.from(document.querySelectorAll('main img, article img')).map(img => ({
  src: img.getAttribute('src'),
  loaded: img.complete && img.naturalWidth > 0,
  alt: (img.getAttribute('alt') || '').trim(),
}))
"""

THEME_REPORT = """
() => {
  const html = document.documentElement;
  const body = getComputedStyle(document.body);
  const main = document.querySelector('main') || document.body;
  const para = main.querySelector('p') || main;
  return {theme: html.dataset.theme, mode: html.dataset.mode,
          background: body.backgroundColor, text: getComputedStyle(para).color};
}
"""


@dataclass
class PageReport:
    url: str
    console: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    math: dict = field(default_factory=dict)
    images: list[dict] = field(default_factory=list)
    theme: dict = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        out = [f"console: {m}" for m in self.console]
        out += [f"failed request: {r}" for r in self.failed_requests]
        out += [f"request outside the local server: {r}" for r in self.foreign_requests]
        if self.math.get("unrendered"):
            out.append(f"math not rendered (no MathJax output): {self.math['unrendered'][:3]}")
        if self.math.get("errors"):
            out.append(f"MathJax errors: {self.math['errors'][:3]}")
        if self.math.get("raw"):
            out.append(f"raw TeX delimiters left in the text: {self.math['raw']}")
        if self.math.get("withoutMathml"):
            out.append(f"math without its MathML (screen readers): {self.math['withoutMathml'][:3]}")
        if self.math.get("withoutTex"):
            out.append(f"pre-rendered math without its TeX source: {self.math['withoutTex'][:3]}")
        if self.math.get("brokenGlyphs"):
            out.append(f"math glyphs used but not defined in the page: {self.math['brokenGlyphs'][:3]}")
        if self.math.get("prerendered") and self.math.get("runtime"):
            out.append(f"the MathJax runtime was loaded on a page typeset at build time: {self.math['runtime'][:3]}")
        out += [f"image did not load: {i['src']}" for i in self.images if not i["loaded"]]
        out += [f"image without alt text: {i['src']}" for i in self.images if not i["alt"]]
        out += self.extra
        return out


FAVICON = """
() => { const link = document.querySelector('link[rel~="icon"]'); return link ? link.href : null; }
"""


def _evaluate(page, script: str):
    """``page.evaluate``, retried once when a redirect (the root index.html) replaced the document meanwhile."""
    from playwright.sync_api import Error

    try:
        return page.evaluate(script)
    except Error as error:
        if "context was destroyed" not in str(error) and "navigation" not in str(error).lower():
            raise
        page.wait_for_load_state("networkidle")
        return page.evaluate(script)


# Wait until every animation of finite length has ended (by its play state, frame by
# frame: Chromium leaves the `finished` promise of a transition on an element that is
# not being painted, such as the copy button of a code cell off screen, unsettled after
# the transition ended, and waiting for it hung the visit). Returns those still running.
SETTLE_SECONDS = 5
SETTLE = f"""
async () => {{
  const frame = () => new Promise(done => requestAnimationFrame(done));
  const running = () => document.getAnimations().filter(
    a => a.playState === 'running' && Number.isFinite(a.effect?.getComputedTiming().endTime));
  const deadline = performance.now() + {SETTLE_SECONDS * 1000};
  await frame(); await frame();
  while (running().length && performance.now() < deadline) await frame();
  return running().map(a => `${{a.constructor.name}} ${{a.transitionProperty || a.animationName}} on `
                            + (a.effect.target?.id || String(a.effect.target?.className || a.effect.target?.tagName)));
}}
"""


VIEWPORT = {"width": 1280, "height": 900}


class _Tab:
    """The one browser tab of a worker's Chromium, lent to one :class:`Reader` at a time.

    Opening a tab (a context, a page, a renderer process) cost about 1.1 s of CPU,
    three times what loading a chapter page in an open tab costs; a reader takes the
    tab, clears what the site stored in it, and gives it back on a blank page. A
    second reader at the same time gets a tab of its own.
    """

    _free: ClassVar[dict[int, _Tab]] = {}

    def __init__(self, browser) -> None:
        self.browser = browser
        self.context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
        self.page = self.context.new_page()
        self.color_scheme = "light"

    @classmethod
    def take(cls, browser) -> _Tab:
        tab = cls._free.pop(id(browser), None)
        if tab is None or tab.page.is_closed() or tab.browser is not browser:
            tab = cls(browser)
        return tab

    def give_back(self) -> None:
        try:
            self.page.goto("about:blank")  # the page's scripts and timers stop here
            self.page.mouse.move(0, 0)  # the next reader's pointer rests on nothing
        except Exception:  # a tab left in a state it cannot leave: not lent again
            self.context.close()
            return
        if id(self.browser) in self._free:  # a second tab of this browser: one is enough
            self.context.close()
        else:
            self._free[id(self.browser)] = self


@contextmanager
def borrowed_page(browser, listeners: dict[str, Callable]) -> Iterator:
    """The worker's tab, with ``listeners`` (event -> callback) attached, for a test that reads pages its own way.

    The listeners are removed and the tab given back (on a blank page) afterwards,
    as :class:`Reader` does; nothing stored for a site is cleared.
    """
    tab = _Tab.take(browser)
    page = tab.page
    for event, listener in listeners.items():
        page.on(event, listener)
    try:
        yield page
    finally:
        for event, listener in listeners.items():
            page.remove_listener(event, listener)
        tab.give_back()


class Reader:
    """One reader's browser tab on the site: open pages, reload, switch the mode as a reader does.

    Each visit (:meth:`open`, :meth:`reload`, :meth:`switch_mode`) returns its own
    :class:`PageReport`: what went wrong from that moment until the visit's checks
    were collected. ``color_scheme`` is the operating system's preference;
    ``stored_mode`` a mode the reader chose on an earlier visit (``None``: a first
    visit, nothing stored, the site's default mode applies).
    """

    def __init__(self, browser, base_url: str, *, color_scheme: str = "light", stored_mode: str | None = None):
        self.base_url = base_url
        self.origin = urlsplit(base_url).netloc
        self._tab = _Tab.take(browser)
        self.page = self._tab.page
        try:
            self._prepare(color_scheme, stored_mode)
        except Exception:
            self._tab.context.close()  # a tab that cannot be prepared is not lent again
            raise

    def _prepare(self, color_scheme: str, stored_mode: str | None) -> None:
        base_url, page = self.base_url, self.page
        if page.viewport_size != VIEWPORT:
            page.set_viewport_size(VIEWPORT)
        if self._tab.color_scheme != color_scheme:
            page.emulate_media(color_scheme=color_scheme)
            self._tab.color_scheme = color_scheme
        # A reader who has not been here before, or who chose ``stored_mode`` on an earlier
        # visit: nothing else stored for the site (the tab's earlier readers leave nothing).
        page.context.clear_cookies()
        page.goto(f"{base_url}/favicon.ico")  # a file of the site: its origin's storage is reachable
        page.evaluate(
            """(mode) => {
              localStorage.clear(); sessionStorage.clear();
              if (mode) { localStorage.setItem('mode', mode); localStorage.setItem('theme', mode); }
            }""",
            stored_mode,
        )
        self.report = PageReport(url=base_url)
        # Each request belongs to the document that was current when it started: one that a
        # navigation (open, reload) cut short belongs to the page the reader left, not to this visit.
        self.document = 0
        self.started: dict[int, int] = {}
        # Requests to another host are recorded as they start, and each is a problem of the visit;
        # the browser resolves no host name but the local server's (CHROMIUM_ARGS in
        # tests/conftest.py), so one to a named host fails at once instead of reaching the network.
        # (Routing them instead, even by a pattern the driver matches, made Chromium pause every
        # request of the page: about 0.4 s of CPU per page load.)
        self._listeners = {
            "console": lambda m: (
                self.report.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
            ),
            "pageerror": lambda e: self.report.console.append(f"page error: {e}"),
            "request": self._started,
            "requestfailed": self._failed,
            "response": lambda r: (
                self.report.failed_requests.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None
            ),
        }
        for event, listener in self._listeners.items():
            page.on(event, listener)

    def _failed(self, request) -> None:
        left_behind = self.started.get(id(request), self.document) != self.document
        if left_behind and "ERR_ABORTED" in str(request.failure):
            return
        self.report.failed_requests.append(f"{request.url} ({request.failure})")

    def _started(self, request) -> None:
        self.started[id(request)] = self.document
        url = request.url
        if not url.startswith(("data:", "blob:")) and urlsplit(url).netloc != self.origin:
            self.report.foreign_requests.append(url)

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        page = self.page
        for event, listener in self._listeners.items():
            page.remove_listener(event, listener)
        self._tab.give_back()

    def open(self, path: str, after: Callable[[object, PageReport], None] | None = None) -> PageReport:
        """Load ``path``, wait for it to settle, and collect every problem a reader would hit."""
        self.report = PageReport(url=f"{self.base_url}/{path}")
        self.document += 1
        self.page.goto(self.report.url, wait_until="load")
        return self._collect(after)

    def reload(self, after: Callable[[object, PageReport], None] | None = None) -> PageReport:
        """Load the same page again (a stored mode now applies from the start)."""
        self.report = PageReport(url=self.report.url)
        self.document += 1
        self.page.reload(wait_until="load")
        return self._collect(after)

    def switch_mode(self, mode: str, after: Callable[[object, PageReport], None] | None = None) -> PageReport:
        """Click the page's theme button until ``mode`` is shown, as a reader does (it also stores the choice)."""
        buttons = self._theme_buttons()
        if not buttons.count():  # a page without the theme's button (a slide deck): the stored choice, reloaded
            self.page.evaluate("(m) => { localStorage.setItem('mode', m); localStorage.setItem('theme', m); }", mode)
            return self.reload(after)
        self.report = PageReport(url=self.report.url)
        for _ in range(3):
            if _evaluate(self.page, "() => document.documentElement.dataset.theme") == mode:
                break
            buttons.first.click()
        # ... and moves the pointer on, as a reader does: resting on the button, it would show the
        # button's tooltip half a second later, in the middle of the checks (tooltips are read in
        # tests/test_site.py::test_tooltips_stay_inside_landmarks_and_read_well).
        self.page.mouse.move(0, 0)
        # The theme eases colours in (CSS transitions): judge the page as it ends up, not mid-way.
        still = self.page.evaluate(SETTLE)
        report = self._collect(after, loaded=False)
        report.extra += [f"an animation still runs {SETTLE_SECONDS} s after the mode changed: {a}" for a in still]
        return report

    def _theme_buttons(self):
        return self.page.locator(".theme-switch-button").locator("visible=true")

    @property
    def has_theme_button(self) -> bool:
        return bool(self._theme_buttons().count())

    def _collect(self, after, loaded: bool = True) -> PageReport:
        page, report, base_url = self.page, self.report, self.base_url
        page.wait_for_load_state("networkidle")
        has_mathjax = _evaluate(page, MATHJAX_READY)
        report.math = _evaluate(page, MATH_REPORT)
        if report.math["count"] and not has_mathjax and not report.math["prerendered"]:
            report.console.append("MathJax did not load, but the page has math (and it was not typeset at build time)")
        report.images = _evaluate(page, IMAGE_REPORT)
        report.theme = _evaluate(page, THEME_REPORT)
        if loaded:
            # Headless Chromium never asks for a favicon, a reader's browser always does:
            # without a declared icon it requests /favicon.ico, which the site does not have.
            icon = _evaluate(page, FAVICON) or f"{base_url}/favicon.ico"  # what a browser asks for
            if not page.request.get(icon).ok:
                report.failed_requests.append(f"{icon} (the page's icon; browsers request it)")
        if after is not None:
            after(page, report)
        # A foreign request, which the browser could not resolve, also shows as a failed request: report it once.
        report.failed_requests = [
            r for r in report.failed_requests if not any(r.startswith(f) for f in report.foreign_requests)
        ]
        return report


def open_page(
    browser,
    base_url: str,
    path: str,
    *,
    color_scheme: str | None = "light",
    after: Callable[[object, PageReport], None] | None = None,
) -> PageReport:
    """Load ``path`` in ``color_scheme`` mode, wait for MathJax, and collect every problem a reader would hit.

    The mode is chosen the way a reader does, through the theme's stored
    preference; ``None`` is a first visit, with nothing stored, where the site's
    default mode applies. ``after(page, report)`` runs extra checks while the
    page is open.
    """
    with Reader(browser, base_url, color_scheme=color_scheme or "light", stored_mode=color_scheme) as reader:
        return reader.open(path, after)
