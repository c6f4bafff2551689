"""The interactive figures (explorers), read in Chromium.

Each explorer is opened the way a reader opens it: it must draw, carry a label
for every control, move with the keyboard, raise no console error, request
nothing from another host, pass axe, and compute what the package computes
(the page's numbers come from the package, the page's arithmetic is its own).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest
from reader import Reader, borrowed_page

import mse_gradient as mg

EXPLORERS = [
    ("book/learning.html", "explorer-learning-rate"),
    ("book/motivation.html", "explorer-directional"),
    ("book/notation.html", "explorer-residuals"),
]


def _book_problem():
    X, y = mg.make_linear_data()
    return mg.add_bias(X), y.ravel()


def _state(page, ident):
    return page.evaluate(f"JSON.parse(JSON.stringify(window.courseExplorers['{ident}'].state()))")


def _set(page, ident, settings: dict):
    """Set the explorer's controls (``window.courseExplorers[ident].set``); its new state, as plain data."""
    return page.evaluate(
        "([id, settings]) => JSON.parse(JSON.stringify(window.courseExplorers[id].set(settings)))", [ident, settings]
    )


@pytest.fixture(scope="module")
def explorer_reader(browser, site_url):
    """``explorer_reader(path, ident)`` -> the :class:`Reader` of the explorer's page, its explorer drawn.

    One reader per explorer page, shared by this module's tests (tests/reader.py: the
    first reader has the worker's tab, the others a tab of their own): the page is
    loaded once, read in light mode, switched to dark and back by the reader, and then
    driven (each test sets the explorer's state it needs). The reader's report gathers
    what went wrong since the last visit (load or switch) began, and each test asserts
    it is empty. (These tests used to load each page once more each.)
    """
    with contextlib.ExitStack() as stack:
        readers: dict[str, Reader] = {}

        def get(path: str, ident: str) -> Reader:
            if path not in readers:
                readers[path] = stack.enter_context(Reader(browser, site_url))
                readers[path].open(path)
            reader = readers[path]
            reader.page.wait_for_selector(f"#{ident}.explorer-ready", timeout=10_000)
            return reader

        yield get


def _explorer_problems(page, ident: str) -> list[str]:
    """Drawn, described, a live readout, a visible label for every slider."""
    info = page.evaluate(
        """(id) => {
          const fig = document.getElementById(id);
          const inputs = Array.from(fig.querySelectorAll('input[type=range]'));
          return {
            svg: fig.querySelectorAll('svg.explorer-svg *').length,
            desc: (document.getElementById(fig.getAttribute('aria-describedby')) || {}).textContent || '',
            live: fig.querySelector('[aria-live=polite]') ? fig.querySelector('[aria-live=polite]').textContent : '',
            unlabelled: inputs.filter(i => !(i.labels.length && i.labels[0].offsetWidth > 0
                                           && i.labels[0].textContent.trim())).map(i => i.id),
            count: inputs.length,
          };
        }""",
        ident,
    )
    problems = []
    if info["svg"] < 10:
        problems.append(f"{ident}: the figure was not drawn ({info['svg']} SVG elements)")
    if len(info["desc"]) < 40:
        problems.append(f"{ident}: no text description")
    if not info["live"]:
        problems.append(f"{ident}: empty live readout")
    if not info["count"] or info["unlabelled"]:
        problems.append(f"{ident}: sliders without a visible label: {info['unlabelled']} of {info['count']}")
    return problems


@pytest.mark.site
@pytest.mark.parametrize("path,ident", EXPLORERS)
def test_explorer_reads_cleanly(explorer_reader, path, ident):
    """Drawn, labelled, described, live readout; no console error, no foreign request (axe: tests/test_site.py).

    In light mode as loaded, then after the reader switches the page to dark with the
    theme button, and back (the figure must follow without a reload). axe: tests/test_site.py,
    every rule on the whole page in light mode and again, after the switch to dark, on the
    pages with an explorer.
    """
    reader = explorer_reader(path, ident)
    light = reader.report
    light.extra += _explorer_problems(reader.page, ident)
    assert light.theme["theme"] == "light", light.theme
    assert not light.problems(), f"{path} (light):\n  " + "\n  ".join(light.problems())

    def check(page, report):
        report.extra.extend(_explorer_problems(page, ident))

    dark = reader.switch_mode("dark", after=check)
    assert dark.theme["theme"] == "dark"
    assert not dark.problems(), f"{path} (switched to dark):\n  " + "\n  ".join(dark.problems())
    # ... and back: the tests that drive the explorer read it in light mode, each from a report of its own.
    light = reader.switch_mode("light", after=check)
    assert light.theme["theme"] == "light"
    assert not light.problems(), f"{path} (switched back to light):\n  " + "\n  ".join(light.problems())


@pytest.mark.site
@pytest.mark.parametrize("path,ident", EXPLORERS)
def test_arrow_keys_move_every_slider(explorer_reader, path, ident):
    reader = explorer_reader(path, ident)
    page, report = reader.page, reader.report
    ids = page.eval_on_selector_all(f"#{ident} input[type=range]", "els => els.map(e => e.id)")
    assert ids
    for slider in ids:
        before = page.inner_html(f"#{ident} .explorer-body")
        page.focus(f"#{slider}")
        page.keyboard.press(
            "ArrowRight" if page.eval_on_selector(f"#{slider}", "e => +e.value < +e.max") else "ArrowLeft"
        )
        after = page.inner_html(f"#{ident} .explorer-body")
        assert after != before, f"{ident}: ArrowRight on #{slider} did not redraw the figure"
    assert not report.problems(), report.problems()


@pytest.mark.site
def test_learning_rate_path_equals_the_package(explorer_reader):
    X_b, y = _book_problem()
    start = [2.0, 8.0]
    expected = mg.batch_gradient_descent(X_b, y, eta=0.1, n_epochs=50, theta0=start).theta_path
    reader = explorer_reader("book/learning.html", "explorer-learning-rate")
    page, report = reader.page, reader.report
    state = _set(page, "explorer-learning-rate", {"eta": 0.1, "steps": 50, "start": [2, 8]})
    path = np.array(state["path"])
    mg.check_close("page's descent path vs mg.batch_gradient_descent (η = 0.1, 50 steps)", path, expected, atol=1e-9)
    drawn = page.eval_on_selector_all("#explorer-learning-rate .ex-dots circle", "els => els.length")
    assert drawn == 51, f"the page draws {drawn} points for 50 steps, expected 51"
    readout = page.inner_text("#explorer-learning-rate-readout")
    assert "Reaches" in readout and "0.1000" in readout, readout
    # beyond the bound, the page says it diverges
    _set(page, "explorer-learning-rate", {"eta": 0.5})
    assert "Diverges" in page.inner_text("#explorer-learning-rate-readout")
    # the epochs to converge agree with the package's descent
    _set(page, "explorer-learning-rate", {"eta": 0.1})
    epochs = _state(page, "explorer-learning-rate")["converge"]["epochs"]
    theta_hat = mg.normal_equation(X_b, y).ravel()
    run = mg.batch_gradient_descent(X_b, y, eta=0.1, n_epochs=epochs, theta0=start).theta_path
    distances = np.linalg.norm(run - theta_hat, axis=1)
    assert distances[epochs] < 1e-3 <= distances[epochs - 1], (epochs, distances[epochs - 1 : epochs + 1])
    assert not report.problems(), report.problems()


@pytest.mark.site
def test_directional_slope_equals_the_package(explorer_reader):
    X_b, y = _book_problem()
    reader = explorer_reader("book/motivation.html", "explorer-directional")
    page, report = reader.page, reader.report
    for angle in (0, 30, 227):
        state = _set(page, "explorer-directional", {"angle": angle})
        theta = np.array([2.0, 1.0])
        v = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
        mg.check_close(
            f"page's slope at {angle}° vs mg.gradient(θ)ᵀv",
            state["slope"],
            mg.gradient(theta, X_b, y) @ v,
            atol=1e-9,
        )
    # the steepest-descent direction of the page is −∇/‖∇‖ of the package
    g = mg.gradient(np.array([2.0, 1.0]), X_b, y)
    steepest = (np.degrees(np.arctan2(-g[1], -g[0])) + 360) % 360
    _set(page, "explorer-directional", {"angle": round(steepest)})
    assert "you found it" in page.inner_text("#explorer-directional-readout")
    assert not report.problems(), report.problems()


@pytest.mark.site
def test_residual_explorer_equals_the_package(explorer_reader):
    X_b, y = _book_problem()
    reader = explorer_reader("book/notation.html", "explorer-residuals")
    page, report = reader.page, reader.report
    theta = np.array([3.1, 2.2])
    state = _set(page, "explorer-residuals", {"theta": [3.1, 2.2]})
    mg.check_close("page's MSE vs mg.mse", state["mse"], mg.mse(theta, X_b, y), atol=1e-9)
    mg.check_close("page's gradient vs mg.gradient", np.array(state["gradient"]), mg.gradient(theta, X_b, y), atol=1e-9)
    page.click("#explorer-residuals .explorer-button")
    readout = page.inner_text("#explorer-residuals-readout")
    assert "(0.000, 0.000): zero" in readout, readout
    assert not report.problems(), report.problems()


@pytest.mark.site
def test_explorers_work_from_the_file_system(browser, site_dir):
    """Opened from file:// with no server and no network, every explorer draws."""
    errors: list[str] = []

    def on_request(request) -> None:
        if request.url.startswith(("http:", "https:")):  # none may leave the file system (none resolves either)
            errors.append(f"request: {request.url}")

    listeners = {"pageerror": lambda e: errors.append(f"page error: {e}"), "request": on_request}
    with borrowed_page(browser, listeners) as page:  # the worker's tab (tests/reader.py)
        for path, ident in EXPLORERS:
            page.goto((site_dir / path).as_uri(), wait_until="load")
            page.wait_for_selector(f"#{ident}.explorer-ready", timeout=10_000)
    assert not errors, errors


def test_payload_is_the_package_s(tmp_path: Path):
    """The numbers written into the page are the package's (unit level, no browser)."""
    X_b, y = _book_problem()
    payload = mg.explorers.explorer_payload("learning-rate")
    mg.check_close("payload XᵀX", np.array(payload["XtX"]), X_b.T @ X_b, atol=0)
    mg.check_close("payload θ̂", np.array(payload["theta_hat"]), mg.normal_equation(X_b, y).ravel(), atol=0)
    mg.check_close("payload 2/λmax", payload["eta_max"], mg.max_stable_eta(X_b), atol=0)
    with pytest.raises(ValueError, match="unknown explorer kind"):
        mg.explorers.explorer_payload("nope")
