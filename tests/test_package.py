"""Unit tests of mse_gradient: values, shapes and the book's reference results."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import mse_gradient as mg

# Hands-On ML, chapter 4 (2nd and 3rd editions): the normal equation and batch
# gradient descent with eta = 0.1 and 1000 epochs both give these numbers.
BOOK_THETA = np.array([4.21509616, 2.77011339])


@pytest.fixture(scope="module")
def book_data():
    X, y = mg.make_linear_data()
    return mg.add_bias(X), y


def test_make_linear_data_matches_legacy_seed_without_touching_global_state():
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    X, y = mg.make_linear_data()
    after = np.random.get_state()[1]
    np.testing.assert_array_equal(before, after)
    rng = np.random.RandomState(42)
    X_book = 2 * rng.rand(100, 1)
    y_book = 4 + 3 * X_book + rng.randn(100, 1)
    np.testing.assert_array_equal(X, X_book)
    np.testing.assert_array_equal(y, y_book)
    assert mg.make_linear_data(m=5, seed=1)[0].shape == (5, 1)


def test_normal_equation_gives_the_books_theta(book_data):
    X_b, y = book_data
    theta = mg.normal_equation(X_b, y)
    assert theta.shape == (2, 1)
    np.testing.assert_allclose(theta.ravel(), BOOK_THETA, atol=5e-9)
    assert mg.normal_equation(X_b, y.ravel()).shape == (2,)


def test_batch_gradient_descent_gives_the_books_theta(book_data):
    X_b, y = book_data
    result = mg.batch_gradient_descent(X_b, y, eta=0.1, n_epochs=1000)
    assert result.theta.shape == (2, 1)
    np.testing.assert_allclose(result.theta.ravel(), BOOK_THETA, atol=5e-9)
    assert result.theta_path.shape == (1001, 2)
    assert result.cost_history.shape == (1001,)
    assert result.epochs_run == 1000 and not result.diverged
    # The cost never increases at a learning rate below 2/lambda_max.
    assert np.all(np.diff(result.cost_history) <= 1e-12)
    np.testing.assert_allclose(result.cost_history[-1], mg.mse(result.theta, X_b, y))


def test_descent_history_starts_at_theta0(book_data):
    X_b, y = book_data
    theta0 = np.array([[1.0], [2.0]])
    result = mg.batch_gradient_descent(X_b, y, eta=0.05, n_epochs=3, theta0=theta0)
    np.testing.assert_array_equal(result.theta_path[0], theta0.ravel())
    assert result.cost_history[0] == pytest.approx(mg.mse(theta0, X_b, y))
    step1 = theta0 - 0.05 * mg.gradient(theta0, X_b, y)
    np.testing.assert_allclose(result.theta_path[1], step1.ravel())
    assert result.theta.shape == (2, 1)


def test_zero_epochs_returns_the_start(book_data):
    X_b, y = book_data
    result = mg.batch_gradient_descent(X_b, y.ravel(), n_epochs=0)
    np.testing.assert_array_equal(result.theta, np.zeros(2))
    assert result.epochs_run == 0


def test_divergence_stops_with_a_warning_and_no_nan(book_data):
    X_b, y = book_data
    with pytest.warns(RuntimeWarning, match=r"diverged: the cost became inf at epoch \d+ with eta = 2"):
        result = mg.batch_gradient_descent(X_b, y, eta=2.0, n_epochs=5000)
    assert result.diverged
    assert 0 < result.epochs_run < 5000
    assert np.all(np.isfinite(result.theta)) and np.all(np.isfinite(result.cost_history))
    assert result.theta_path.shape == (result.epochs_run + 1, 2)


def test_no_warning_when_converging(book_data):
    X_b, y = book_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mg.batch_gradient_descent(X_b, y, eta=0.1, n_epochs=50)


def test_gradient_vanishes_at_the_books_solution(book_data):
    X_b, y = book_data
    theta = mg.normal_equation(X_b, y)
    assert np.abs(mg.gradient(theta, X_b, y)).max() < 1e-12


@pytest.mark.parametrize("theta_shape", [(2,), (2, 1)])
@pytest.mark.parametrize("y_shape", [(3,), (3, 1)])
def test_shapes_follow_theta_and_never_broadcast(theta_shape, y_shape):
    X_b = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    theta = np.array([0.5, -1.0]).reshape(theta_shape)
    y = np.array([1.0, 3.0, 5.0]).reshape(y_shape)
    expected = (2 / 3) * X_b.T @ (X_b @ np.array([0.5, -1.0]) - np.array([1.0, 3.0, 5.0]))
    for f in (mg.gradient, mg.gradient_by_samples, mg.gradient_by_partials):
        g = f(theta, X_b, y)
        assert g.shape == theta_shape, f.__name__
        np.testing.assert_allclose(g.ravel(), expected, rtol=1e-13)
    assert mg.predict(theta, X_b).shape == (3,) if len(theta_shape) == 1 else (3, 1)
    cost = mg.mse(theta, X_b, y)
    assert isinstance(cost, float)
    assert cost == pytest.approx(np.mean((X_b @ np.array([0.5, -1.0]) - np.array([1.0, 3.0, 5.0])) ** 2))


def test_hand_computed_example():
    # X_b rows (1,0),(1,1),(1,2); theta = 0; residuals -1,-3,-5.
    X_b = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]
    g = mg.gradient([0.0, 0.0], X_b, [1.0, 3.0, 5.0])
    np.testing.assert_allclose(g, [2 / 3 * -9, 2 / 3 * -13])
    assert mg.partial_derivative([0.0, 0.0], X_b, [1.0, 3.0, 5.0], 1) == pytest.approx(2 / 3 * -13)
    assert mg.mse([0.0, 0.0], X_b, [1.0, 3.0, 5.0]) == pytest.approx(35 / 3)


def test_add_bias():
    np.testing.assert_array_equal(mg.add_bias([[2.0, 3.0]]), [[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(mg.add_bias([2, 3]), [[1.0, 2.0], [1.0, 3.0]])


def test_numerical_gradient_is_exact_for_a_quadratic_and_keeps_shape():
    theta = np.array([[1.0], [-2.0]])
    g = mg.numerical_gradient(lambda t: float((t**2).sum()), theta)
    assert g.shape == (2, 1)
    np.testing.assert_allclose(g, 2 * theta, atol=1e-8)


def test_symbolic_closed_form_equals_symbolic_gradient():
    for m, n in [(1, 0), (2, 1), (3, 2)]:
        p = mg.symbolic_problem(m, n)
        assert p.X.shape == (m, n + 1) and p.theta.shape == (n + 1, 1)
        assert mg.is_zero(mg.symbolic_gradient(p) - mg.closed_form_gradient(p))
    p = mg.symbolic_problem(2, 1)
    assert not mg.is_zero(mg.symbolic_gradient(p) - 2 * mg.closed_form_gradient(p))
