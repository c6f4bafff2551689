"""Property tests: the gradient forms agree on random problems of random shapes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import mse_gradient as mg

settings.register_profile("course", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("course")

values = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def problems(draw, max_m=12, max_n=4):
    """A random (theta, X_b, y) with x0 = 1 and random vector layouts."""
    m = draw(st.integers(1, max_m))
    n = draw(st.integers(0, max_n))
    X = draw(arrays(np.float64, (m, n), elements=values))
    X_b = mg.add_bias(X) if n else np.ones((m, 1))
    theta = draw(arrays(np.float64, (n + 1,), elements=values))
    y = draw(arrays(np.float64, (m,), elements=values))
    if draw(st.booleans()):
        theta = theta.reshape(-1, 1)
    if draw(st.booleans()):
        y = y.reshape(-1, 1)
    return theta, X_b, y


def _scale(theta, X_b, y):
    """A tolerance scale for products of entries up to 10 in size."""
    return 1.0 + np.abs(X_b).max() ** 2 * (np.abs(theta).max() + 1) + np.abs(X_b).max() * np.abs(y).max()


@given(problems())
def test_three_exact_forms_agree(problem):
    theta, X_b, y = problem
    g = mg.gradient(theta, X_b, y)
    tol = 1e-12 * _scale(theta, X_b, y)
    for other in (mg.gradient_by_samples, mg.gradient_by_partials):
        h = other(theta, X_b, y)
        assert h.shape == theta.shape
        np.testing.assert_allclose(h, g, rtol=0, atol=tol)
    for j in range(X_b.shape[1]):
        assert abs(mg.partial_derivative(theta, X_b, y, j) - g.ravel()[j]) <= tol


@given(problems())
def test_gradient_matches_central_differences(problem):
    theta, X_b, y = problem
    g = mg.gradient(theta, X_b, y)
    numeric = mg.numerical_gradient(lambda t: mg.mse(t, X_b, y), theta, h=1e-5)
    assert numeric.shape == theta.shape
    # MSE is quadratic, so central differences are exact up to rounding of f / h.
    cost_scale = 1.0 + mg.mse(theta, X_b, y) + _scale(theta, X_b, y)
    np.testing.assert_allclose(numeric, g, rtol=0, atol=1e-8 * cost_scale)


@given(problems(max_m=15, max_n=3), st.data())
def test_gradient_vanishes_at_the_normal_equation_solution(problem, data):
    _, X_b, y = problem
    m, n_plus_1 = X_b.shape
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    X_b = np.hstack([np.ones((m + n_plus_1, 1)), rng.normal(size=(m + n_plus_1, n_plus_1 - 1))])
    y = rng.normal(size=m + n_plus_1)
    theta_star = mg.normal_equation(X_b, y)
    assert np.abs(mg.gradient(theta_star, X_b, y)).max() < 1e-10


@given(problems(), st.data())
def test_gradient_is_affine_in_y(problem, data):
    theta, X_b, y1 = problem
    y2 = data.draw(arrays(np.float64, y1.shape, elements=values))
    a = data.draw(st.floats(-3, 3))
    g = lambda y: mg.gradient(theta, X_b, y)  # noqa: E731
    # g(a y1 + (1-a) y2) = a g(y1) + (1-a) g(y2): affine, not just linear (g(0) != 0).
    lhs = g(a * y1 + (1 - a) * y2)
    rhs = a * g(y1) + (1 - a) * g(y2)
    np.testing.assert_allclose(lhs, rhs, rtol=0, atol=1e-10 * _scale(theta, X_b, y1) * (1 + abs(a)) ** 2)
    # and the slope in y is -(2/m) X_b^T
    m = X_b.shape[0]
    np.testing.assert_allclose(
        (g(y1) - g(np.zeros_like(y1))).ravel(),
        -(2 / m) * X_b.T @ y1.ravel(),
        rtol=0,
        atol=1e-10 * _scale(theta, X_b, y1),
    )
