"""Tests of mse_gradient.differentials: the expansion of the MSE and ridge."""

from __future__ import annotations

import numpy as np
import pytest

import mse_gradient as mg
from mse_gradient.differentials import (
    Expansion,
    loglog_slope,
    mse_expansion,
    ridge_gradient,
    ridge_mse,
    second_order_coefficient,
    taylor_remainder,
)


@pytest.fixture
def problem():
    rng = np.random.default_rng(7)
    m, n = 20, 3
    X_b = mg.add_bias(rng.normal(size=(m, n)))
    y = rng.normal(size=m)
    theta = rng.normal(size=n + 1)
    v = rng.normal(size=n + 1)
    return theta, X_b, y, v


def test_expansion_adds_up_to_the_perturbed_cost(problem):
    theta, X_b, y, v = problem
    parts = mse_expansion(theta, X_b, y, 0.3 * v)
    assert isinstance(parts, Expansion)
    assert parts.value == pytest.approx(mg.mse(theta, X_b, y), abs=1e-12)
    assert parts.linear == pytest.approx(float(mg.gradient(theta, X_b, y) @ (0.3 * v)), abs=1e-12)
    assert sum(parts) == pytest.approx(mg.mse(theta + 0.3 * v, X_b, y), abs=1e-12)
    assert parts.quadratic == pytest.approx(second_order_coefficient(X_b, 0.3 * v), abs=1e-12)


def test_expansion_accepts_column_vectors(problem):
    theta, X_b, y, v = problem
    flat = mse_expansion(theta, X_b, y, v)
    column = mse_expansion(theta[:, None], X_b, y[:, None], v[:, None])
    assert np.allclose(flat, column, rtol=0, atol=1e-12)


def test_remainder_is_exactly_quadratic(problem):
    theta, X_b, y, v = problem
    t = np.logspace(-3, 1, 9)
    remainder = taylor_remainder(theta, X_b, y, v, t)
    assert remainder.shape == t.shape
    expected = t**2 * second_order_coefficient(X_b, v)
    assert np.allclose(remainder, expected, rtol=1e-7, atol=0)
    assert loglog_slope(t, remainder) == pytest.approx(2.0, abs=1e-6)


def test_remainder_of_scalar_t_is_0d(problem):
    theta, X_b, y, v = problem
    assert taylor_remainder(theta, X_b, y, v, 0.5).shape == ()
    assert float(taylor_remainder(theta, X_b, y, v, 0.0)) == pytest.approx(0.0, abs=1e-12)


def test_second_order_coefficient_is_zero_in_the_null_space():
    X_b = np.array([[1.0, 1.0], [1.0, 1.0]])  # columns equal: X (1, -1) = 0
    assert second_order_coefficient(X_b, [1.0, -1.0]) == 0.0


def test_loglog_slope_recovers_power():
    x = np.array([0.1, 1.0, 10.0, 100.0])
    assert loglog_slope(x, 5 * x**3) == pytest.approx(3.0, abs=1e-12)


@pytest.mark.parametrize(
    "x, y, message",
    [
        ([1.0, 2.0], [1.0], "same length"),
        ([1.0], [1.0], "same length"),
        ([1.0, -2.0], [1.0, 2.0], "positive"),
        ([2.0, 2.0], [1.0, 3.0], "constant"),
        ([1.0, np.nan], [1.0, 3.0], "finite"),
    ],
)
def test_loglog_slope_refuses_bad_input(x, y, message):
    with pytest.raises(ValueError, match=message):
        loglog_slope(x, y)


def test_ridge_gradient_matches_numerical(problem):
    theta, X_b, y, _ = problem
    alpha = 0.7
    analytic = ridge_gradient(theta, X_b, y, alpha)
    numeric = mg.numerical_gradient(lambda t: ridge_mse(t, X_b, y, alpha), theta)
    assert np.allclose(analytic, numeric, rtol=0, atol=1e-7)


def test_ridge_does_not_penalize_the_bias(problem):
    theta, X_b, y, _ = problem
    plain = mg.gradient(theta, X_b, y)
    ridge = ridge_gradient(theta, X_b, y, 2.0)
    assert ridge[0] == pytest.approx(plain[0], abs=1e-12)
    assert np.allclose(ridge[1:] - plain[1:], 4.0 * theta[1:], rtol=0, atol=1e-12)
    assert ridge_mse(theta, X_b, y, 0.0) == pytest.approx(mg.mse(theta, X_b, y), abs=1e-12)


def test_ridge_keeps_column_shape(problem):
    theta, X_b, y, _ = problem
    g = ridge_gradient(theta[:, None], X_b, y[:, None], 0.1)
    assert g.shape == (theta.size, 1)


@pytest.mark.parametrize(
    "alpha, error", [(-1.0, ValueError), (np.inf, ValueError), ("1", TypeError), (True, TypeError)]
)
def test_ridge_refuses_bad_alpha(problem, alpha, error):
    theta, X_b, y, _ = problem
    with pytest.raises(error, match="alpha"):
        ridge_gradient(theta, X_b, y, alpha)
    with pytest.raises(error, match="alpha"):
        ridge_mse(theta, X_b, y, alpha)


def test_shape_errors_name_the_shapes(problem):
    theta, X_b, y, v = problem
    with pytest.raises(ValueError, match=r"dtheta has length 3 .*\(20, 4\)"):
        mse_expansion(theta, X_b, y, v[:3])
    with pytest.raises(ValueError, match=r"v has length 2"):
        taylor_remainder(theta, X_b, y, v[:2], [0.1])
    with pytest.raises(ValueError, match=r"v must be a 1-D vector"):
        second_order_coefficient(X_b, np.ones((4, 2)))
    with pytest.raises(TypeError, match="t must contain numbers"):
        taylor_remainder(theta, X_b, y, v, ["a"])


def test_ridge_normal_equation_zeroes_the_ridge_gradient(problem):
    _, X_b, y, _ = problem
    for alpha in (0.0, 0.05, 3.0):
        theta_hat = mg.ridge_normal_equation(X_b, y, alpha)
        assert np.allclose(ridge_gradient(theta_hat, X_b, y, alpha), 0, rtol=0, atol=1e-12)
    assert np.allclose(mg.ridge_normal_equation(X_b, y, 0.0), mg.normal_equation(X_b, y), rtol=0, atol=1e-12)
    assert mg.ridge_normal_equation(X_b, y[:, None], 0.1).shape == (X_b.shape[1], 1)


def test_ridge_alpha_maps_to_scikit_learn_by_m(problem):
    """MSE + α Σθⱼ² (this module) has the minimizer of ‖y − b − Xw‖² + (mα)‖w‖² (Scikit-Learn's Ridge)."""
    _, X_b, y, _ = problem
    m = X_b.shape[0]
    alpha = 0.3
    ours = mg.ridge_normal_equation(X_b, y, alpha)
    assert np.allclose(ours, mg.ridge_by_centering(X_b[:, 1:], y, m * alpha), rtol=0, atol=1e-10)
    assert not np.allclose(ours, mg.ridge_by_centering(X_b[:, 1:], y, alpha), rtol=0, atol=1e-6)


def test_ridge_by_centering_minimizes_the_sum_objective(problem):
    _, X_b, y, _ = problem
    alpha = 2.0
    theta = mg.ridge_by_centering(X_b[:, 1:], y, alpha)

    def objective(t):
        return float(np.sum((y - X_b @ t) ** 2) + alpha * np.sum(t[1:] ** 2))

    assert np.allclose(mg.numerical_gradient(objective, theta), 0, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: mg.ridge_normal_equation(np.ones((3, 2)), np.ones(3), 0.0), ValueError, "singular"),
        (lambda: mg.ridge_normal_equation(np.ones((3, 2)), np.ones(4), 0.5), ValueError, "y has length 4"),
        (lambda: mg.ridge_normal_equation(np.ones((3, 2)), np.ones(3), -1.0), ValueError, "alpha"),
        (lambda: mg.ridge_by_centering(np.ones((3, 1)), np.ones(3), 0.0), ValueError, "singular"),
        (lambda: mg.ridge_by_centering(np.ones(3), np.ones(3), 1.0), ValueError, r"shape \(3,\)"),
        (lambda: mg.ridge_by_centering(np.ones((3, 1)), np.ones(2), 1.0), ValueError, "y has length 2"),
        (lambda: mg.ridge_by_centering([[np.nan]], [1.0], 1.0), ValueError, "X"),
    ],
)
def test_ridge_solvers_refuse_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
