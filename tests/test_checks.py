"""The exercises' self-checks: right answers pass in any reasonable form, typical mistakes get a
specific diagnosis, and no message for a wrong answer gives the solution away."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy

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


def _best_eta(lo, hi):
    return 2 / (lo + hi), (hi - lo) / (hi + lo)


def _one_instance(theta, X_b, y, i):
    return mg.gradient(theta, X_b[i : i + 1], y[i : i + 1])


def _variance_factor(m, b):
    return (m - b) / (b * (m - 1))


def _last_size(m, b):
    return m - (-(-m // b) - 1) * b


def _last_batch(m, b):
    return _last_size(m, b) / b


def _chunk_gradient(theta, chunks):
    m = sum(len(y_c) for _, y_c in chunks)
    return (2 / m) * sum(X_c.T @ (X_c @ theta - y_c) for X_c, y_c in chunks)


def _chunk_sizes(chunks):
    return np.array([len(y_c) for _, y_c in chunks])


def _chunk_gradients(theta, chunks):
    return np.array([mg.gradient(theta, X_c, y_c) for X_c, y_c in chunks])


def _digits4(value):
    """``value`` rounded to 4 significant digits, as a student types it."""
    return np.vectorize(lambda v: float(f"{v:.4g}"))(np.asarray(value, dtype=float))


SCALED_BOUND = mg.max_stable_eta(mg.add_bias(10 * mg.make_linear_data()[0]))
OLD_BOUND = mg.max_stable_eta(mg.add_bias(mg.make_linear_data()[0]))

RIGHT = {
    "td-ex-directional": _directional,
    "td-ex-minimum": _gap,
    "td-ex-ridge": _ridge,
    "ew-ex-by-hand": (-4 / 3, -2.0),
    "ew-ex-find-error": {"rule": "the chain rule", "step": 2, "j": 0},
    "ew-ex-shapes": {"a": (4, 1), "b": None, "c": (1, 4), "d": None},
    "ew-ex-sympy": 1,
    "learning-ex-best-eta": _best_eta,
    "learning-ex-scaling": (SCALED_BOUND, False),
    "learning-ex-precedence": {1, 4},
    "sgd-ex-one-instance": _one_instance,
    "sgd-ex-variance-factor": _variance_factor,
    "sgd-ex-last-batch": _last_batch,
    "ad-ex-chunks": _chunk_gradient,
    "ad-ex-ridge-alpha": lambda a, m: a / m,
}

X02 = sympy.Symbol("x_0^(2)", real=True)

# Right answers in the other forms a student may reasonably type (issue 15, section 4).
OTHER_RIGHT_FORMS = [
    ("ew-ex-by-hand", (-1.3333, -2), "rounded to 4 significant digits"),
    ("ew-ex-by-hand", (-1.333, -2), "rounded to 4 significant digits, truncated"),
    ("ew-ex-by-hand", [[-4 / 3], [-2.0]], "a column"),
    ("ew-ex-by-hand", np.array([-4 / 3, -2]), "a 1-D array"),
    ("ew-ex-by-hand", (sympy.Rational(-4, 3), sympy.Integer(-2)), "SymPy rationals"),
    ("ew-ex-by-hand", sympy.Matrix([sympy.Rational(-4, 3), -2]), "a SymPy column"),
    ("td-ex-ridge", lambda t, X, y, a: _ridge(t, X, y, a).reshape(-1, 1), "an (n+1, 1) column"),
    ("td-ex-ridge", lambda t, X, y, a: list(_ridge(t, X, y, a)), "a list"),
    (
        "td-ex-directional",
        lambda t, X, y, v: tuple(np.array([x]) for x in _directional(t, X, y, v)),
        "1-element arrays",
    ),
    ("td-ex-directional", lambda t, X, y, v: list(_directional(t, X, y, v)), "a list"),
    ("td-ex-minimum", lambda t, tp, X, y: np.array([[_gap(t, tp, X, y)]]), "a 1x1 array"),
    ("ew-ex-sympy", X02, "the symbol x_0^(2)"),
    ("ew-ex-sympy", sympy.Symbol("x_0^{(2)}") * 1, "x_0^{(2)} in LaTeX spelling"),
    ("ew-ex-sympy", sympy.Integer(1), "a SymPy one"),
    ("ew-ex-sympy", 1.0, "a float"),
    ("ew-ex-sympy", "1", "a string"),
    ("ew-ex-find-error", ("chain rule", 2, 0), "a tuple (rule, step, j)"),
    ("ew-ex-find-error", {"Rule": "Chain rule", "step": np.int64(2), "j": 0}, "keys in another case, a NumPy int"),
    ("ew-ex-shapes", {"a": [4, 1], "b": "not defined", "c": "1x4", "d": None}, "lists and strings"),
    ("ew-ex-shapes", {"(a)": "4 x 1", "(b)": None, "(c)": (1, 4), "(d)": "undefined"}, "keys with parentheses"),
    ("learning-ex-scaling", (0.00805, False), "the bound rounded to 0.00805"),
    ("learning-ex-scaling", [0.008052, np.False_], "a list and a NumPy bool"),
    ("learning-ex-best-eta", lambda lo, hi: [np.float64(2 / (lo + hi)), np.array((hi - lo) / (hi + lo))], "NumPy"),
    ("learning-ex-precedence", [4, 1], "a list"),
    ("learning-ex-precedence", "1 and 4", "a string"),
    ("sgd-ex-one-instance", lambda t, X, y, i: 2 * (X[i] @ t - np.ravel(y)[i]) * X[i], "the book's solution"),
    ("sgd-ex-one-instance", lambda t, X, y, i: _one_instance(t, X, y, i).reshape(-1, 1), "an (n+1, 1) column"),
    ("sgd-ex-one-instance", lambda t, X, y, i: list(_one_instance(t, X, y, i)), "a list"),
    ("sgd-ex-one-instance", lambda t, X, y, i: _digits4(_one_instance(t, X, y, i)), "rounded to 4 significant digits"),
    ("sgd-ex-variance-factor", lambda m, b: _digits4(_variance_factor(m, b)).item(), "rounded to 4 significant digits"),
    ("sgd-ex-variance-factor", lambda m, b: sympy.Rational(m - b, b * (m - 1)), "a SymPy rational"),
    ("sgd-ex-variance-factor", lambda m, b: np.array([_variance_factor(m, b)]), "a 1-element array"),
    ("sgd-ex-last-batch", lambda m, b: Fraction(_last_size(m, b), b), "a Fraction"),
    ("sgd-ex-last-batch", lambda m, b: sympy.Rational(_last_size(m, b), b), "a SymPy rational"),
    ("sgd-ex-last-batch", lambda m, b: _digits4(_last_batch(m, b)).item(), "rounded to 4 significant digits"),
    ("sgd-ex-last-batch", lambda m, b: 1 - (math.ceil(m / b) * b - m) / b, "another formula"),
    ("ad-ex-chunks", lambda t, ch: _chunk_gradient(t, ch).reshape(-1, 1), "an (n+1, 1) column"),
    ("ad-ex-chunks", lambda t, ch: list(_chunk_gradient(t, ch)), "a list"),
    ("ad-ex-chunks", lambda t, ch: _digits4(_chunk_gradient(t, ch)), "rounded to 4 significant digits"),
    (
        "ad-ex-chunks",
        lambda t, ch: _chunk_sizes(ch) @ _chunk_gradients(t, ch) / _chunk_sizes(ch).sum(),
        "the chunks' gradients weighted by their sizes",
    ),
    ("ad-ex-ridge-alpha", lambda a, m: _digits4(a / m).item(), "rounded to 4 significant digits"),
    ("ad-ex-ridge-alpha", lambda a, m: sympy.nsimplify(a) / m, "a SymPy expression"),
    ("ad-ex-ridge-alpha", lambda a, m: np.float64(a) / m, "a NumPy float"),
]

# Typical mistakes and the diagnosis each must get.
WRONG = [
    (
        "td-ex-directional",
        lambda t, X, y, v: (_directional(t, X, y, v)[0], _directional(t, X, y, v)[1] / 2),
        "the curvature: off by a constant factor: your answer is 1/2 times the right one. You returned the coefficient",
    ),
    (
        "td-ex-directional",
        lambda t, X, y, v: (-_directional(t, X, y, v)[0], _directional(t, X, y, v)[1]),
        "the slope: wrong sign",
    ),
    (
        "td-ex-directional",
        lambda t, X, y, v: (_directional(t, X, y, v)[0], _directional(t, X, y, v)[1] * X.shape[0]),
        "the curvature: off by a constant factor: your answer is m times the right one (m = 3). Divide by m",
    ),
    ("td-ex-directional", lambda t, X, y, v: (mg.gradient(t, X, y), 1.0), "wrong shape: the slope g'(0) is one number"),
    ("td-ex-directional", lambda t, X, y, v: 1.0, "return a pair"),
    (
        "td-ex-minimum",
        lambda t, tp, X, y: -_gap(t, tp, X, y),
        "wrong sign. The gap above the tangent plane is never negative",
    ),
    ("td-ex-minimum", lambda t, tp, X, y: _gap(t, tp, X, y) * X.shape[0], "m times the right one (m = 3). Divide by m"),
    ("td-ex-minimum", lambda t, tp, X, y: 2 * _gap(t, tp, X, y), "2 times the right one"),
    ("td-ex-minimum", lambda t, tp, X, y: _gap(t, tp, X, y) + 1, "the value differs. Put t = 1"),
    ("td-ex-ridge", lambda t, X, y, a: mg.gradient(t, X, y) + 2 * a * t, "the bias theta_0 is penalized"),
    (
        "td-ex-ridge",
        lambda t, X, y, a: mg.gradient(t, X, y) + a * np.r_[0.0, t[1:]],
        "the penalty's part is off by a constant factor 1/2",
    ),
    ("td-ex-ridge", lambda t, X, y, a: mg.gradient(t, X, y), "the penalty's part is missing"),
    ("td-ex-ridge", lambda t, X, y, a: 2 * a * np.r_[0.0, t[1:]], "the MSE's part is missing"),
    (
        "td-ex-ridge",
        lambda t, X, y, a: mg.gradient(t, X, y) / 2 + 2 * a * np.r_[0.0, t[1:]],
        "the MSE's part is off by a constant factor 1/2; the penalty's part is right",
    ),
    ("td-ex-ridge", lambda t, X, y, a: -_ridge(t, X, y, a), "wrong sign"),
    ("td-ex-ridge", lambda t, X, y, a: _ridge(t, X, y, a).reshape(1, -1), "transposed vector"),
    ("td-ex-ridge", lambda t, X, y, a: _ridge(t, X, y, a)[1:], "wrong shape: the gradient has 2 entries"),
    ("td-ex-ridge", lambda t, X, y, a: _ridge(t, X, y, a) + np.r_[0.0, 0.0, 1.0][: t.size], "component j = 2 differs"),
    ("td-ex-ridge", lambda t, X, y, a: 1 / 0, "raised ZeroDivisionError"),
    ("td-ex-ridge", lambda t, X, y, a: None, "returns nothing"),
    ("ew-ex-by-hand", (-2 / 3, -1.0), "1/2 times the right one. The power rule"),
    ("ew-ex-by-hand", (-8 / 3, -4.0), "2 times the right one"),
    ("ew-ex-by-hand", (4 / 3, 2.0), "wrong sign. The residual is the prediction minus the target"),
    ("ew-ex-by-hand", (-4.0, -6.0), "m times the right one (m = 3). Divide by m = 3"),
    ("ew-ex-by-hand", (-2.0, -3.0), "m/2 times the right one (m = 3). Multiply by 2/m"),
    ("ew-ex-by-hand", (-4 / 3, -1.0), "component j = 1 differs (component 0 agrees)"),
    ("ew-ex-by-hand", (-1.3, -2), "component j = 0 differs"),
    ("ew-ex-by-hand", [[-4 / 3, -2.0]], "transposed vector"),
    ("ew-ex-by-hand", (-4 / 3, -2.0, 0.0), "wrong shape"),
    ("ew-ex-by-hand", "-4/3, -2", "should be 2 finite numbers"),
    ("ew-ex-find-error", ("chain rule", 0), 'answer with a dict {"rule"'),
    ("ew-ex-find-error", {"rule": "power rule", "step": 2, "j": 0}, "is not it"),
    ("ew-ex-find-error", {"rule": "chain rule", "step": 3, "j": 0}, "step 3 does not apply the missing rule"),
    ("ew-ex-find-error", {"rule": "chain rule", "step": 6, "j": 0}, "step 6 is one of the steps the student skips"),
    ("ew-ex-find-error", {"rule": "chain rule", "step": 12, "j": 0}, "one of the eleven step numbers"),
    ("ew-ex-find-error", {"rule": "chain rule", "step": 2, "j": 1}, "not 1 for every instance"),
    ("ew-ex-shapes", {"a": (4, 1), "b": (1, 3), "c": (1, 4), "d": None}, "(b) is not defined"),
    ("ew-ex-shapes", {"a": (1, 4), "b": None, "c": (1, 4), "d": None}, "(a): transposed shape"),
    ("ew-ex-shapes", {"a": (4, 3), "b": None, "c": (1, 4), "d": None}, "(a) is defined, but its shape is not (4, 3)"),
    ("ew-ex-shapes", {"a": (4, 1), "b": None, "c": None, "d": None}, "(c) is defined"),
    ("ew-ex-shapes", {"a": (4,), "b": None, "c": (1, 4), "d": None}, "(a): the book's vectors are matrices"),
    ("ew-ex-shapes", [(4, 1)], "answer with a dict"),
    ("ew-ex-sympy", 0, "does not vanish"),
    ("ew-ex-sympy", sympy.Symbol("theta_0") * X02, "still contains a theta"),
    ("ew-ex-sympy", X02 + sympy.Symbol("x_1^(2)"), "vanishes by the constant rule"),
    ("ew-ex-sympy", 2, "not the term step 8 leaves"),
    ("learning-ex-best-eta", lambda lo, hi: (2 / hi, 0.5), "stability bound"),
    ("learning-ex-best-eta", lambda lo, hi: (1 / hi, 0.5), "makes the factor at one extreme eigenvalue zero"),
    (
        "learning-ex-best-eta",
        lambda lo, hi: (1 / (lo + hi), 0.5),
        "eta_star: off by a constant factor: your answer is 1/2",
    ),
    ("learning-ex-best-eta", lambda lo, hi: (2 / (lo + hi), (lo - hi) / (hi + lo)), "the factor is negative"),
    (
        "learning-ex-best-eta",
        lambda lo, hi: (2 / (lo + hi), hi / lo),
        "eta_star is right; the factor: the value differs",
    ),
    ("learning-ex-scaling", (OLD_BOUND, False), "the bound of the unscaled data"),
    ("learning-ex-scaling", (OLD_BOUND / 10, False), "divided by 10"),
    ("learning-ex-scaling", (round(OLD_BOUND / 100, 6), True), "divided by 100"),
    ("learning-ex-scaling", (SCALED_BOUND / 2, False), "1/2 times the right one. The largest stable rate"),
    ("learning-ex-scaling", (0.0081, False), "the value differs. Compute it with max_stable_eta, and give it to 4"),
    ("learning-ex-scaling", (SCALED_BOUND, True), "does descent converge above it"),
    ("learning-ex-scaling", (SCALED_BOUND, "no"), "True or False"),
    ("learning-ex-precedence", {1}, "another expression also scales the matrix"),
    ("learning-ex-precedence", {1, 2, 4}, "expression 2 does not scale the matrix"),
    ("learning-ex-precedence", {1, 5}, "numbered 1 to 4"),
    ("learning-ex-precedence", 14, "answer with the set"),
    # Stochastic and mini-batch gradient descent (book/stochastic.md)
    (
        "sgd-ex-one-instance",
        lambda t, X, y, i: _one_instance(t, X, y, i) / len(X),
        "off by a constant factor: your answer is 1/m times the right one (m = 3). An unbiased estimate",
    ),
    ("sgd-ex-one-instance", lambda t, X, y, i: mg.gradient(t, X, y), "the full gradient over all m instances"),
    (
        "sgd-ex-one-instance",
        lambda t, X, y, i: (X[i] @ t - y[i]) * X[i],
        "1/2 times the right one. The derivative of a square brings the exponent 2 down",
    ),
    (
        "sgd-ex-one-instance",
        lambda t, X, y, i: 2 * (y[i] - X[i] @ t) * X[i],
        "wrong sign. The residual is the prediction minus the target",
    ),
    (
        "sgd-ex-one-instance",
        lambda t, X, y, i: _one_instance(t, X, y, (i + 1) % len(X)),
        "instance i = 0: this is the estimate for instance 1, not for instance i = 0",
    ),
    (
        "sgd-ex-one-instance",
        lambda t, X, y, i: _one_instance(t, X, y, i) + np.r_[0.0, 1.0, 0.0, 0.0][: t.size],
        "component j = 1 differs (component 0 agrees). Use row i of X_b and entry i of y only",
    ),
    ("sgd-ex-one-instance", lambda t, X, y, i: 2.0, "wrong shape: the estimate g_i has 2 entries"),
    ("sgd-ex-one-instance", lambda t, X, y, i: _one_instance(t, X, y, i).reshape(1, -1), "transposed vector"),
    ("sgd-ex-one-instance", 3, "answer must be a function"),
    ("sgd-ex-variance-factor", lambda m, b: 1 / b, "with replacement; a batch draws without replacement"),
    ("sgd-ex-variance-factor", lambda m, b: (m - b) / (b * m), "divides by m - 1, not by m"),
    ("sgd-ex-variance-factor", lambda m, b: (m - b) / (m - 1), "the correction for drawing without replacement alone"),
    ("sgd-ex-variance-factor", lambda m, b: _variance_factor(m, b) ** 0.5, "a ratio of standard deviations"),
    ("sgd-ex-variance-factor", lambda m, b: b * (m - 1) / max(m - b, 1e-300), "this is the inverse"),
    ("sgd-ex-variance-factor", lambda m, b: b, "how many times smaller"),
    (
        "sgd-ex-variance-factor",
        lambda m, b: 2 * _variance_factor(m, b),
        "for m = 100, b = 20: off by a constant factor: your answer is 2 times the right one",
    ),
    (
        "sgd-ex-variance-factor",
        lambda m, b: (m - b) / (b * (m + 1)),
        "for m = 100, b = 20: the value differs. Divide the theorem's variance",
    ),
    (
        "sgd-ex-variance-factor",
        lambda m, b: (1 / b, (m - b) / (m - 1)),
        "wrong shape: the ratio of the variances is one number",
    ),
    ("sgd-ex-last-batch", lambda m, b: b / _last_size(m, b), "this is the inverse"),
    (
        "sgd-ex-last-batch",
        lambda m, b: (m % b) / b,
        "for m = 100, batch_size = 20: batch_size divides m, so m % batch_size is 0",
    ),
    ("sgd-ex-last-batch", lambda m, b: 1.0, "the book's code still divides by batch_size"),
    ("sgd-ex-last-batch", lambda m, b: _last_size(m, b), "the number of instances in the last batch"),
    ("sgd-ex-last-batch", lambda m, b: 2 * _last_batch(m, b), "2 times the right one"),
    (
        "sgd-ex-last-batch",
        lambda m, b: (m // b) / b,
        "for m = 100, batch_size = 30: the value differs. Count the instances",
    ),
    ("sgd-ex-last-batch", 1 / 3, "answer must be a function"),
    # The gradient in practice (book/autodiff.md)
    (
        "ad-ex-chunks",
        lambda t, ch: _chunk_gradients(t, ch).mean(axis=0),
        "this is the average of the chunks' gradients",
    ),
    ("ad-ex-chunks", lambda t, ch: _chunk_gradients(t, ch).sum(axis=0), "this adds the chunks' gradients"),
    ("ad-ex-chunks", lambda t, ch: _chunk_gradient(t, ch) / 2, "1/2 times the right one. The derivative of a square"),
    ("ad-ex-chunks", lambda t, ch: _chunk_gradients(t, ch)[0], "the gradient of chunk 0 alone"),
    (
        "ad-ex-chunks",
        lambda t, ch: (2 / len(ch)) * sum(X.T @ (X @ t - y) for X, y in ch),
        "divided by the number of chunks",
    ),
    (
        "ad-ex-chunks",
        lambda t, ch: 2 * sum(X.T @ (X @ t - y) for X, y in ch),
        "m times the right one (m = 20). The MSE is a mean over all m instances",
    ),
    (
        "ad-ex-chunks",
        lambda t, ch: -_chunk_gradient(t, ch),
        "wrong sign. The residual is the prediction minus the target",
    ),
    ("ad-ex-chunks", lambda t, ch: _chunk_gradient(t, ch).reshape(1, -1), "transposed vector"),
    ("ad-ex-chunks", lambda t, ch: _chunk_gradient(t, ch)[:2], "wrong shape: the gradient has 3 entries"),
    (
        "ad-ex-chunks",
        lambda t, ch: _chunk_gradient(t, ch) + np.r_[0.0, 0.0, 1.0],
        "for chunks of sizes 3, 5, 12 (m = 20): component j = 2 differs (components 0 to 1 agree). Every instance",
    ),
    ("ad-ex-ridge-alpha", lambda a, m: a, "the same alpha does not weigh the penalty the same in both"),
    ("ad-ex-ridge-alpha", lambda a, m: a * m, "the penalty's weight moves the other way"),
    ("ad-ex-ridge-alpha", lambda a, m: a / (2 * m), "off by a constant factor 1/2"),
    (
        "ad-ex-ridge-alpha",
        lambda a, m: 2 * a / m,
        "for alpha_sklearn = 0.1, m = 100: off by a constant factor: your answer is 2",
    ),
    ("ad-ex-ridge-alpha", lambda a, m: -a / m, "wrong sign. alpha weighs a penalty"),
    ("ad-ex-ridge-alpha", lambda a, m: a / (m - 1), "for alpha_sklearn = 0.1, m = 100: the value differs. Rescale"),
    ("ad-ex-ridge-alpha", lambda a, m: (a / m, 0.5), "wrong shape: alpha is one number"),
]

# Numbers of the solutions that no message for a wrong answer may print (besides the formulas below).
SOLUTION_NUMBERS = {
    "ew-ex-by-hand": ["4/3", "1.333", "-1, 1, -2", "-2, -3"],
    "learning-ex-scaling": [f"{SCALED_BOUND:.{d}g}" for d in range(1, 6)],
    "sgd-ex-variance-factor": ["80/1980", "0.0404", "0.04040"],
    "sgd-ex-last-batch": ["1/3", "0.3333"],
    "ad-ex-ridge-alpha": ["0.001", "0.1429", "0.1428"],
}

# Short formulas of the solutions (compared after `normalized`) that are too short for `solution_formulas`
# or that its text says in words: the residual's form, r / b, the weighted sum over chunks, a / m.
SOLUTION_SHORTHANDS = {
    "sgd-ex-one-instance": ["2 e_i x^(i)", "theta^T x^(i) - y^(i)"],
    "sgd-ex-variance-factor": ["(m - b)/(m - 1)"],
    "sgd-ex-last-batch": ["r / b", "m - (k - 1) b", "m - (ceil(m/b) - 1) b"],
    "ad-ex-chunks": ["(2/m) sum_c", "X_c^T (X_c theta - y_c)"],
    "ad-ex-ridge-alpha": ["a / m", "alpha / m", "alpha_sklearn / m", "alpha by m"],
}

# A printed vector of decimals, as numpy prints an expected gradient ("[ 0.12 -3.4 ]"): never in a wrong answer's message.
PRINTED_VECTOR = re.compile(r"\[\s*[-+]?\d*\.\d+(?:e[-+]?\d+)?(?:[\s,]+[-+]?\d*\.\d+(?:e[-+]?\d+)?)+\s*\]")


def _book_exercise_labels() -> set[str]:
    labels = set()
    for page in BOOK.glob("*.md"):
        labels |= set(re.findall(r"^`{3,4}\{exercise\}.*\n:label:\s*(\S+)", page.read_text(), re.M))
    return labels


def solution_texts() -> dict[str, str]:
    """The body of every ``{solution}`` block of the book, by exercise label."""
    texts = {}
    for page in BOOK.glob("*.md"):
        for match in re.finditer(r"^(`{3,4})\{solution\}\s+(\S+)\n(.*?)^\1\s*$", page.read_text(), re.M | re.S):
            texts[match.group(2)] = match.group(3)
    return texts


_LATEX_WORDS = {
    r"\top": "T",
    r"\lVert": "||",
    r"\rVert": "||",
    r"\lambda": "lam",
    r"\ast": "*",
    r"\cdot": "*",
    r"\btheta": "theta",
    r"\theta": "theta",
    r"\X": "X",
    r"\by": "y",
    r"\bv": "v",
    r"\be": "e",
    r"\bx": "x",
    r"\alpha": "alpha",
    r"\eta": "eta",
    r"\kappa": "kappa",
    r"\grad": "grad",
    r"\MSE": "MSE",
    r"\min": "min",
    r"\max": "max",
    r"\sum": "sum",
    r"\partial": "d",
    r"\geq": ">=",
    r"\ge": ">=",
}


def _fractions(text: str) -> str:
    r"""``\frac{a}{b}`` as ``(a)/(b)``, after unbracing simple sub- and superscripts."""
    text = re.sub(r"([_^])\{([^{}]*)\}", r"\1\2", text)
    for _ in range(3):
        text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", text)
    return text


def normalized(text: str) -> str:
    r"""A formula reduced to what survives both LaTeX and plain text: ``\frac{2}{m}\X^\top`` and ``(2/m) X^T`` agree."""
    text = _fractions(text)
    text = re.sub(r"\\[A-Za-z]+", lambda match: _LATEX_WORDS.get(match.group(0), ""), text)
    text = re.sub(r"\\.", "", text)
    return re.sub(r"[^a-z0-9/*+\-=|'<>]", "", text.lower())


def _top_level_pieces(text: str) -> list[str]:
    """``text`` split at =, +, commas, colons, \\quad and line breaks that are outside brackets."""
    text = re.sub(r"\\[,;! ]", " ", text)  # LaTeX spaces, not separators
    text = re.sub(r"\\q?quad|\\Longrightarrow|\\\\|&", "=", _fractions(text))
    pieces, depth, current = [], 0, ""
    for char in text:
        depth += char in "([{"
        depth -= char in ")]}"
        if depth <= 0 and char in "=+,:":
            pieces.append(current)
            current = ""
        else:
            current += char
    return pieces + [current]


def exercise_texts() -> dict[str, str]:
    """The statement of every ``{exercise}`` of the book, by label."""
    texts = {}
    for page in BOOK.glob("*.md"):
        for match in re.finditer(
            r"^(`{3,4})\{exercise\}[^\n]*\n:label:\s*(\S+)\n(.*?)^\1\s*$", page.read_text(), re.M | re.S
        ):
            texts[match.group(2)] = match.group(3)
    return texts


def _spans(text: str) -> list[str]:
    """The display math, inline math and code spans of a MyST text."""
    spans = re.findall(r"\$\$(.*?)\$\$", text, re.S)
    spans += re.findall(r"(?<!\$)\$([^$\n]+)\$(?!\$)", re.sub(r"\$\$.*?\$\$", "", text, flags=re.S))
    return spans + re.findall(r"`([^`\n]+)`", text)


def _returned_expressions(text: str) -> list[str]:
    """What the ``return`` lines of the Python code blocks of a MyST text return."""
    blocks = re.findall(r"^```(?:python|ipython3)?\n(.*?)^```", text, re.M | re.S)
    return [line for block in blocks for line in re.findall(r"^\s*return\s+(.+)$", block, re.M)]


def solution_formulas(label: str) -> list[str]:
    """The normalized pieces (between =, +, commas and \\quad) of every formula, code span and returned
    expression of a solution, except those that the exercise's statement itself contains (restating the
    question gives nothing away)."""
    question = "".join(normalized(span) for span in _spans(exercise_texts()[label]))
    text = solution_texts()[label]
    pieces = []
    for span in _spans(text) + _returned_expressions(text):
        for piece in _top_level_pieces(span) + [span]:
            piece = normalized(piece)
            if len(piece) >= 8 and piece not in question and piece not in pieces:
                pieces.append(piece)
    return pieces


def leaks(label: str, message: str) -> list[str]:
    """The solution's formulas or numbers that ``message`` contains, and any printed vector of decimals."""
    plain = normalized(message)
    found = [piece for piece in solution_formulas(label) if piece in plain]
    found += [short for short in SOLUTION_SHORTHANDS.get(label, []) if normalized(short) in plain]
    found += PRINTED_VECTOR.findall(message)
    return found + [number for number in SOLUTION_NUMBERS.get(label, []) if number in message]


def test_every_exercise_of_the_book_has_a_self_check_and_vice_versa():
    assert _book_exercise_labels() == set(EXERCISES)
    assert set(RIGHT) == set(EXERCISES)
    assert set(solution_texts()) == set(EXERCISES) == set(exercise_texts())


def test_every_exercise_has_typical_mistakes_with_a_diagnosis():
    assert {label for label, _, _ in WRONG} == set(EXERCISES)


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_right_answer_is_accepted(label, capsys):
    assert is_correct(label, RIGHT[label]), feedback(label, RIGHT[label])
    check(label, RIGHT[label])
    assert capsys.readouterr().out.startswith(f"Exercise {label}: correct.")


@pytest.mark.parametrize(
    "label, answer, form", OTHER_RIGHT_FORMS, ids=[f"{lab}-{f}" for lab, _, f in OTHER_RIGHT_FORMS]
)
def test_right_answer_in_another_form_is_accepted(label, answer, form):
    ok, message = feedback(label, answer)
    assert ok, f"{form}: {message}"


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


@pytest.mark.parametrize("label, answer, explanation", WRONG, ids=[f"{lab}-{k}" for k, (lab, _, _) in enumerate(WRONG)])
def test_wrong_answers_get_their_diagnosis(label, answer, explanation):
    ok, message = feedback(label, answer)
    assert not ok and message.startswith("not yet: ")
    assert explanation in message, message


@pytest.mark.parametrize("label, answer, explanation", WRONG, ids=[f"{lab}-{k}" for k, (lab, _, _) in enumerate(WRONG)])
def test_no_message_for_a_wrong_answer_gives_the_solution_away(label, answer, explanation):
    message = feedback(label, answer)[1]
    assert not leaks(label, message), f"{message!r} contains {leaks(label, message)}"


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_templates_give_nothing_away(label):
    assert not leaks(label, EXERCISES[label].template)


def test_the_leak_check_catches_the_old_messages():
    """The messages that gave the solution away before issue 15 are caught."""
    assert leaks("td-ex-ridge", "expected (2/m) X^T (X theta - y) + 2 alpha (0, theta_1..theta_n) = [0.1 0.2]")
    assert leaks("td-ex-minimum", "the gap ... should be ||X (theta' - theta)||^2 / m = 0.123 here")
    assert leaks("learning-ex-best-eta", "eta* is 2 / (lam_min + lam_max)")
    assert leaks("ew-ex-by-hand", "give the two numbers; the residuals are e = (-1, 1, -2)")
    assert leaks("learning-ex-scaling", f"the bound for the scaled data is about {SCALED_BOUND:.3g}")


# The messages of the exercises merged in the old style, before they were reworked (issue 15).
OLD_MESSAGES = [
    ("sgd-ex-one-instance", "for i = 0 expected 2 e_i x^(i) = [ 0.523412 -1.20931 ]; got [0.261706 -0.604655]"),
    ("sgd-ex-one-instance", "wrong sign: the residual is theta^T x^(i) - y^(i) (prediction minus target)"),
    ("sgd-ex-variance-factor", "for m = 100, b = 20 expected (m - b)/(b (m - 1)) = 0.040404; got 0.05"),
    ("sgd-ex-variance-factor", "the finite-population factor is (m - b)/(m - 1), not (m - b)/m"),
    ("sgd-ex-last-batch", "for m = 100, b = 30 the last batch has r = 10 instances; c = r / b = 0.333333"),
    ("ad-ex-chunks", "expected (2/m) sum_c X_c^T (X_c theta - y_c) = [ 0.1  -0.25  1.5 ]"),
    ("ad-ex-chunks", "each chunk is divided by its own size; divide the sum of X_c^T (X_c theta - y_c) by the total m"),
    ("ad-ex-ridge-alpha", "for alpha = 0.1 and m = 100 the answer is 0.001"),
    ("ad-ex-ridge-alpha", "the other way round: dividing ||y - X theta||^2 + alpha ||w||^2 by m divides alpha by m"),
]


@pytest.mark.parametrize("label, message", OLD_MESSAGES, ids=[f"{lab}-{k}" for k, (lab, _) in enumerate(OLD_MESSAGES)])
def test_the_leak_check_catches_the_old_messages_of_the_merged_exercises(label, message):
    assert leaks(label, message), message
    assert not leaks(label, "not yet: the value differs"), "the neutral message must pass"


def test_precedence_messages_name_no_missing_expression():
    """Saying which expressions are missing would give the answer away; saying which one is wrong does not."""
    for answer in [{1}, {4}, set(), {2, 3}, {1, 2}]:
        ok, message = feedback("learning-ex-precedence", answer)
        assert not ok
        for missing in {1, 4} - answer:
            assert not re.search(rf"\b{missing}\b", message), message
    assert not re.search(r"\b4\b", "another expression also scales the matrix: Python groups * / @ from the left")
    assert re.search(r"\b4\b", "[4] also scale(s) the matrix")  # the message before issue 15


def test_messages_are_deterministic():
    for label, answer, _ in WRONG + [(label, answer, "") for label, answer, _ in OTHER_RIGHT_FORMS]:
        message = feedback(label, answer)[1]
        assert message == feedback(label, answer)[1]
        assert not re.search(r"0x[0-9a-f]{6,}|np\.(float|int|bool)|array\(", message), message


def test_unknown_label():
    with pytest.raises(KeyError, match="no self-check for exercise 'nope'"):
        feedback("nope", 1)
