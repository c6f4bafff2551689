"""The exercises' self-checks: right answers pass, typical mistakes get a specific explanation."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import mse_gradient as mg
from mse_gradient.checks import EXERCISES, check, feedback, is_correct

BOOK = Path(__file__).resolve().parent.parent / "book"


def _ridge(theta, X_b, y, alpha):
    return mg.gradient(theta, X_b, y) + 2 * alpha * np.r_[0.0, theta[1:]]


def _directional(theta, X_b, y, v):
    Xv = X_b @ v
    return float(mg.gradient(theta, X_b, y) @ v), 2 * float(Xv @ Xv) / X_b.shape[0]


def _gap(theta, theta_prime, X_b, y):
    d = X_b @ (theta_prime - theta)
    return float(d @ d) / X_b.shape[0]


RIGHT = {
    "td-ex-directional": _directional,
    "td-ex-minimum": _gap,
    "td-ex-ridge": _ridge,
    "ew-ex-by-hand": (-4 / 3, -2.0),
    "ew-ex-find-error": ("the chain rule", 0),
    "ew-ex-shapes": {"a": (4, 1), "b": None, "c": (1, 4), "d": None},
    "ew-ex-sympy": 1,
    "learning-ex-best-eta": lambda lo, hi: (2 / (lo + hi), (hi - lo) / (hi + lo)),
    "learning-ex-scaling": (mg.max_stable_eta(mg.add_bias(10 * mg.make_linear_data()[0])), False),
    "learning-ex-precedence": {1, 4},
}

WRONG = [
    ("td-ex-ridge", lambda t, X, y, a: mg.gradient(t, X, y) + 2 * a * t, "penalized the bias"),
    ("td-ex-ridge", lambda t, X, y, a: mg.gradient(t, X, y) + a * np.r_[0.0, t[1:]], "is 2 alpha theta_j"),
    ("td-ex-ridge", lambda t, X, y, a: mg.gradient(t, X, y), "plain MSE gradient"),
    ("td-ex-ridge", lambda t, X, y, a: 1 / 0, "raised ZeroDivisionError"),
    ("td-ex-directional", lambda t, X, y, v: (_directional(t, X, y, v)[0], _directional(t, X, y, v)[1] / 2), "factor 2"),
    ("td-ex-minimum", lambda t, tp, X, y: -_gap(t, tp, X, y), "should be ||X (theta' - theta)||^2 / m"),
    ("ew-ex-by-hand", (-2 / 3, -1.0), "factor 2"),
    ("ew-ex-by-hand", (4 / 3, 2.0), "wrong sign"),
    ("ew-ex-by-hand", (-2.0, -3.0), "divide by m"),
    ("ew-ex-by-hand", (-4 / 3, -1.0), "for theta_1 multiply"),
    ("ew-ex-find-error", ("power rule", 0), "is not it"),
    ("ew-ex-find-error", ("chain", 1), "not 1"),
    ("ew-ex-shapes", {"a": (4, 1), "b": (1, 3), "c": (1, 4), "d": None}, "(b) is not defined"),
    ("ew-ex-shapes", [(4, 1)], "answer with a dict"),
    ("ew-ex-sympy", 0, "does not vanish"),
    ("learning-ex-best-eta", lambda lo, hi: (1 / hi, 0.5), "balances"),
    ("learning-ex-scaling", (0.0048, True), "the bound"),
    ("learning-ex-precedence", {1}, "[4] also scale"),
    ("learning-ex-precedence", {1, 2, 4}, "[2] do(es) not scale"),
]


# The chapter "Stochastic and mini-batch gradient descent".
RIGHT.update(
    {
        "sgd-ex-one-instance": lambda t, X, y, i: mg.gradient(t, X[i : i + 1], y[i : i + 1]),
        "sgd-ex-variance-factor": lambda m, b: (m - b) / (b * (m - 1)),
        "sgd-ex-last-batch": lambda m, b: (m - (-(-m // b) - 1) * b) / b,
    }
)
WRONG += [
    ("sgd-ex-one-instance", lambda t, X, y, i: mg.gradient(t, X[i : i + 1], y[i : i + 1]) / len(X), "divided by m"),
    ("sgd-ex-one-instance", lambda t, X, y, i: mg.gradient(t, X, y), "full gradient"),
    ("sgd-ex-one-instance", lambda t, X, y, i: (X[i] @ t - y[i]) * X[i], "factor 2"),
    ("sgd-ex-one-instance", lambda t, X, y, i: 2.0, "return n+1"),
    ("sgd-ex-variance-factor", lambda m, b: 1 / b, "with replacement"),
    ("sgd-ex-variance-factor", lambda m, b: (m - b) / (b * m), "(m - 1), not (m - b)/m"),
    ("sgd-ex-variance-factor", lambda m, b: b * (m - 1) / max(m - b, 1e-300), "inverse"),
    ("sgd-ex-last-batch", lambda m, b: b / (m - (-(-m // b) - 1) * b), "inverse"),
    ("sgd-ex-last-batch", lambda m, b: (m % b) / b, "m % b is 0 there"),
]

def _book_exercise_labels() -> set[str]:
    labels = set()
    for page in BOOK.glob("*.md"):
        labels |= set(re.findall(r"^`{3,4}\{exercise\}.*\n:label:\s*(\S+)", page.read_text(), re.M))
    return labels


def test_every_exercise_of_the_book_has_a_self_check_and_vice_versa():
    assert _book_exercise_labels() == set(EXERCISES)
    assert set(RIGHT) == set(EXERCISES)


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_right_answer_is_accepted(label, capsys):
    assert is_correct(label, RIGHT[label]), feedback(label, RIGHT[label])
    check(label, RIGHT[label])
    assert capsys.readouterr().out.startswith(f"Exercise {label}: correct.")


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_empty_template_says_no_answer_yet(label, capsys):
    namespace: dict = {}
    exec(EXERCISES[label].template, namespace)  # noqa: S102 - our own template
    answer = namespace["answer"]
    ok, message = feedback(label, answer)
    assert not ok
    assert "no answer yet" in message or "returns nothing" in message
    check(label, answer)
    assert "not yet" in capsys.readouterr().out or "no answer yet" in message


@pytest.mark.parametrize("label, answer, explanation", WRONG)
def test_wrong_answers_are_explained(label, answer, explanation):
    ok, message = feedback(label, answer)
    assert not ok and message.startswith("not yet: ")
    assert explanation in message, message


def test_unknown_label():
    with pytest.raises(KeyError, match="no self-check for exercise 'nope'"):
        feedback("nope", 1)


# --- The gradient in practice (book/autodiff.md) ---


def _chunk_gradient(theta, chunks):
    m = sum(len(y_c) for _, y_c in chunks)
    return (2 / m) * sum(X_c.T @ (X_c @ theta - y_c) for X_c, y_c in chunks)


RIGHT.update({"ad-ex-chunks": _chunk_gradient, "ad-ex-ridge-alpha": lambda a, m: a / m})
WRONG.extend(
    [
        ("ad-ex-chunks", lambda t, ch: np.mean([mg.gradient(t, X, y) for X, y in ch], axis=0), "average of the chunks"),
        ("ad-ex-chunks", lambda t, ch: np.sum([mg.gradient(t, X, y) for X, y in ch], axis=0), "its own size"),
        ("ad-ex-chunks", lambda t, ch: _chunk_gradient(t, ch) / 2, "factor 2"),
        ("ad-ex-ridge-alpha", lambda a, m: a, "divide the objective by m"),
        ("ad-ex-ridge-alpha", lambda a, m: a * m, "the other way round"),
        ("ad-ex-ridge-alpha", lambda a, m: a / (2 * m), "no factor 1/2"),
    ]
)
