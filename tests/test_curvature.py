"""Tests of mse_gradient.curvature: the Hessian, the step-size bound, the cost surface."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import mse_gradient as mg
from mse_gradient.curvature import cost_surface, hessian, hessian_eigenvalues, max_stable_eta, step_factors


@pytest.fixture(scope="module")
def book_data():
    X, y = mg.make_linear_data()
    return mg.add_bias(X), y


@pytest.fixture(scope="module")
def random_problem():
    rng = np.random.default_rng(0)
    X_b = mg.add_bias(rng.normal(size=(40, 3)))
    y = rng.normal(size=40)
    return X_b, y


def test_hessian_is_the_jacobian_of_the_gradient(random_problem):
    X_b, y = random_problem
    theta = np.array([0.3, -1.0, 2.0, 0.5])
    numeric = np.array(
        [mg.numerical_gradient(lambda t, j=j: mg.gradient(t, X_b, y)[j], theta) for j in range(X_b.shape[1])]
    )
    np.testing.assert_allclose(hessian(X_b), numeric, rtol=0, atol=1e-6)


def test_hessian_is_symmetric_positive_semidefinite_and_independent_of_y(random_problem):
    X_b, _ = random_problem
    H = hessian(X_b)
    assert H.shape == (4, 4)
    np.testing.assert_array_equal(H, H.T)
    assert hessian_eigenvalues(X_b).min() > 0
    # rank-deficient X_b: PSD but singular
    X_dup = np.column_stack([X_b, X_b[:, 1]])
    eig = hessian_eigenvalues(X_dup)
    assert eig.min() == pytest.approx(0.0, abs=1e-12)
    assert np.all(eig > -1e-12)


def test_taylor_expansion_is_exact_for_the_quadratic_mse(random_problem):
    X_b, y = random_problem
    rng = np.random.default_rng(1)
    theta, v = rng.normal(size=4), rng.normal(size=4)
    exact = mg.mse(theta + v, X_b, y)
    quadratic = mg.mse(theta, X_b, y) + mg.gradient(theta, X_b, y) @ v + 0.5 * v @ hessian(X_b) @ v
    assert exact == pytest.approx(quadratic, rel=1e-12)


def test_book_data_eigenvalues_and_bound(book_data):
    X_b, _ = book_data
    np.testing.assert_allclose(hessian_eigenvalues(X_b), [0.33942384, 4.13005521], atol=1e-8)
    assert max_stable_eta(X_b) == pytest.approx(0.48425503, abs=1e-8)


def test_descent_converges_below_the_bound_and_diverges_above(book_data):
    X_b, y = book_data
    bound = max_stable_eta(X_b)
    target = mg.normal_equation(X_b, y).ravel()
    below = mg.batch_gradient_descent(X_b, y, eta=0.95 * bound, n_epochs=2000)
    np.testing.assert_allclose(below.theta.ravel(), target, atol=1e-8)
    above = mg.batch_gradient_descent(X_b, y, eta=1.05 * bound, n_epochs=200)
    assert above.cost_history[-1] > 1e3 * above.cost_history[0]


def test_step_factors_predict_the_growth_of_the_cost(book_data):
    X_b, y = book_data
    factors = step_factors(X_b, 0.5)
    assert factors.max() > 1 > factors.min()
    result = mg.batch_gradient_descent(X_b, y, eta=0.5, n_epochs=400)
    growth = result.cost_history[-1] / result.cost_history[-2]
    assert growth == pytest.approx(factors.max() ** 2, rel=1e-9)


def test_step_factors_and_bound_validate_eta_and_x(book_data):
    X_b, _ = book_data
    with pytest.raises(TypeError, match="eta must be a real number"):
        step_factors(X_b, "0.1")
    with pytest.raises(TypeError, match="eta must be a real number"):
        step_factors(X_b, True)
    for bad in (0.0, -0.1, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="positive and finite"):
            step_factors(X_b, bad)
    with pytest.raises(ValueError, match="all zeros"):
        max_stable_eta(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        hessian(np.ones(3))
    with pytest.raises(TypeError, match="must contain numbers"):
        hessian([["a", "b"]])
    with pytest.raises(ValueError, match="finite"):
        hessian([[1.0, np.nan]])


def test_cost_surface_matches_mse_pointwise(book_data):
    X_b, y = book_data
    t0 = np.linspace(0.0, 8.0, 7)
    t1 = np.linspace(-1.0, 5.0, 5)
    J = cost_surface(X_b, y, t0, t1)
    assert J.shape == (5, 7)
    expected = np.array([[mg.mse([a, b], X_b, y) for a in t0] for b in t1])
    np.testing.assert_allclose(J, expected, rtol=1e-12)
    # same result with 1-D y and with many chunks (large grid)
    big0, big1 = np.linspace(0, 8, 300), np.linspace(-1, 5, 250)
    J_big = cost_surface(X_b, y.ravel(), big0, big1)
    assert J_big[10, 20] == pytest.approx(mg.mse([big0[20], big1[10]], X_b, y), rel=1e-12)


def test_cost_surface_validates_its_input(book_data):
    X_b, y = book_data
    grid = np.linspace(0, 1, 3)
    with pytest.raises(ValueError, match=r"one feature.*shape \(100, 3\)"):
        cost_surface(np.column_stack([X_b, X_b[:, 1]]), y, grid, grid)
    with pytest.raises(ValueError, match="y has length 99"):
        cost_surface(X_b, y[:-1], grid, grid)
    with pytest.raises(ValueError, match=r"theta0_values must be a non-empty 1-D.*\(3, 1\)"):
        cost_surface(X_b, y, grid[:, None], grid)
    with pytest.raises(ValueError, match="theta1_values must be a non-empty"):
        cost_surface(X_b, y, grid, [])
    with pytest.raises(ValueError, match="theta1_values must be finite"):
        cost_surface(X_b, y, grid, [0.0, np.inf])
    with pytest.raises(TypeError, match="theta0_values must contain numbers"):
        cost_surface(X_b, y, ["a"], grid)


def test_functions_do_not_warn(book_data):
    X_b, y = book_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hessian(X_b)
        max_stable_eta(X_b)
        step_factors(X_b, 0.1)
        cost_surface(X_b, y, [0.0], [0.0])
