"""Stochastic and mini-batch gradient descent: the book's results, the random draws, the estimates, bad input."""

from __future__ import annotations

import itertools
from math import ceil

import numpy as np
import pytest

import mse_gradient as mg

# Hands-On ML (3rd edition), chapter 4 notebook, the cell after the SGD loop.
BOOK_SGD_THETA = np.array([4.21076011, 2.74856079])


@pytest.fixture(scope="module")
def book_data():
    X, y = mg.make_linear_data()
    return mg.add_bias(X), y


def _global_state():
    state = np.random.get_state()
    return state[1].copy(), state[2]


def _book_sgd(X_b, y, rng):
    """The book notebook's SGD cell, with np.random replaced by a private RandomState."""
    m = len(X_b)
    n_epochs = 50
    t0, t1 = 5, 50

    def learning_schedule(t):
        return t0 / (t + t1)

    theta = rng.randn(2, 1)
    for epoch in range(n_epochs):
        for iteration in range(m):
            random_index = rng.randint(m)
            xi = X_b[random_index : random_index + 1]
            yi = y[random_index : random_index + 1]
            gradients = 2 * xi.T @ (xi @ theta - yi)
            eta = learning_schedule(epoch * m + iteration)
            theta = theta - eta * gradients
    return theta


def _book_minibatch(X_b, y, rng, minibatch_size=20, n_epochs=50):
    """The book notebook's mini-batch cell (figure 4-11), with a private RandomState."""
    m = len(X_b)
    n_batches_per_epoch = ceil(m / minibatch_size)
    theta = rng.randn(2, 1)
    t0, t1 = 200, 1000

    def learning_schedule(t):
        return t0 / (t + t1)

    theta_path_mgd = []
    for epoch in range(n_epochs):
        shuffled_indices = rng.permutation(m)
        X_b_shuffled = X_b[shuffled_indices]
        y_shuffled = y[shuffled_indices]
        for iteration in range(0, n_batches_per_epoch):
            idx = iteration * minibatch_size
            xi = X_b_shuffled[idx : idx + minibatch_size]
            yi = y_shuffled[idx : idx + minibatch_size]
            gradients = 2 / minibatch_size * xi.T @ (xi @ theta - yi)
            eta = learning_schedule(epoch * n_batches_per_epoch + iteration)
            theta = theta - eta * gradients
            theta_path_mgd.append(theta)
    return theta, np.array(theta_path_mgd)[:, :, 0]


def test_sgd_reproduces_the_books_theta_and_leaves_the_global_state_alone(book_data):
    X_b, y = book_data
    np.random.seed(123)
    before = _global_state()
    result = mg.stochastic_gradient_descent(X_b, y)
    after = _global_state()
    np.testing.assert_array_equal(before[0], after[0])
    assert before[1] == after[1]
    assert isinstance(result, mg.DescentResult)
    assert result.theta.shape == (2, 1)
    np.testing.assert_allclose(result.theta.ravel(), BOOK_SGD_THETA, rtol=0, atol=5e-9)
    # and bit for bit what the book's loop computes with the same draws
    book = _book_sgd(X_b, y, np.random.RandomState(42))
    np.testing.assert_array_equal(result.theta, book)
    assert result.epochs_run == 50 and result.steps_per_epoch == 100 and not result.diverged
    assert result.theta_path.shape == (51, 2) and result.cost_history.shape == (51,)
    assert result.step_path is None


def test_minibatch_equals_the_books_code(book_data):
    X_b, y = book_data
    np.random.seed(7)
    before = _global_state()
    result = mg.minibatch_gradient_descent(X_b, y, record_steps=True)
    after = _global_state()
    np.testing.assert_array_equal(before[0], after[0])
    assert before[1] == after[1]
    book_theta, book_path = _book_minibatch(X_b, y, np.random.RandomState(42))
    np.testing.assert_allclose(result.theta, book_theta, rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.step_path[1:], book_path, rtol=0, atol=1e-12)
    assert result.steps_per_epoch == 5 and result.step_path.shape == (251, 2)
    # The book does not print this θ; it lies near the normal-equation solution.
    assert np.linalg.norm(result.theta.ravel() - mg.normal_equation(X_b, y).ravel()) < 0.1


def test_step_path_matches_epoch_path(book_data):
    X_b, y = book_data
    result = mg.stochastic_gradient_descent(X_b, y, n_epochs=3, record_steps=True)
    assert result.step_path.shape == (301, 2)
    np.testing.assert_array_equal(result.step_path[::100], result.theta_path)
    np.testing.assert_allclose(result.cost_history, [mg.mse(t, X_b, y) for t in result.theta_path])


def test_theta0_and_shapes(book_data):
    X_b, y = book_data
    start = np.array([1.0, 1.0])
    result = mg.minibatch_gradient_descent(X_b, y.ravel(), batch_size=100, n_epochs=5, theta0=start, eta=0.1)
    # batch_size = m with a constant eta is batch gradient descent (the order of the rows aside)
    batch = mg.batch_gradient_descent(X_b, y.ravel(), eta=0.1, n_epochs=5, theta0=start)
    np.testing.assert_allclose(result.theta_path, batch.theta_path, rtol=0, atol=1e-12)
    assert result.theta.shape == (2,)
    np.testing.assert_array_equal(result.theta_path[0], start)
    zero = mg.stochastic_gradient_descent(X_b, y, n_epochs=0, theta0=start.reshape(2, 1))
    assert zero.theta.shape == (2, 1) and zero.epochs_run == 0


def test_last_batch_is_averaged_over_its_own_size(book_data):
    X_b, y = book_data
    result = mg.minibatch_gradient_descent(X_b, y, batch_size=30, n_epochs=1, eta=0.01, record_steps=True)
    assert result.steps_per_epoch == 4
    rng = np.random.RandomState(42)
    theta = rng.randn(2)
    order = rng.permutation(100)
    for k in range(4):
        rows = order[30 * k : 30 * (k + 1)]
        theta = theta - 0.01 * mg.gradient(theta, X_b[rows], y[rows].ravel())
        np.testing.assert_allclose(result.step_path[k + 1], theta, rtol=0, atol=1e-14)
    assert len(rows) == 10


def test_seed_changes_the_draws(book_data):
    X_b, y = book_data
    a = mg.stochastic_gradient_descent(X_b, y, n_epochs=2, seed=1).theta
    b = mg.stochastic_gradient_descent(X_b, y, n_epochs=2, seed=2).theta
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(a, mg.stochastic_gradient_descent(X_b, y, n_epochs=2, seed=1).theta)


def test_one_instance_gradients_average_to_the_gradient(book_data):
    X_b, y = book_data
    theta = np.array([1.0, -2.0])
    G = mg.instance_gradients(theta, X_b, y)
    assert G.shape == (100, 2)
    np.testing.assert_allclose(G.mean(axis=0), mg.gradient(theta, X_b, y), rtol=0, atol=1e-12)
    np.testing.assert_allclose(G[3], mg.gradient(theta, X_b[3:4], y[3:4]), rtol=0, atol=0)


@pytest.mark.parametrize("b", [1, 2, 3, 5, 6])
def test_variance_formula_by_enumerating_every_batch(b):
    rng = np.random.default_rng(b)
    X_b = mg.add_bias(rng.normal(size=(6, 2)))
    y = rng.normal(size=6)
    theta = rng.normal(size=3)
    full = mg.gradient(theta, X_b, y)
    batch_grads = np.array([mg.gradient(theta, X_b[list(B)], y[list(B)]) for B in itertools.combinations(range(6), b)])
    np.testing.assert_allclose(batch_grads.mean(axis=0), full, rtol=0, atol=1e-12)
    exact = float(np.mean(np.sum((batch_grads - full) ** 2, axis=1)))
    assert mg.minibatch_gradient_variance(theta, X_b, y, b) == pytest.approx(exact, rel=1e-12, abs=1e-14)


def test_learning_schedule():
    assert mg.learning_schedule(0, 5, 50) == 0.1
    assert mg.learning_schedule(950, 5, 50) == 0.005
    with pytest.raises(ValueError, match="t0"):
        mg.learning_schedule(0, 0, 50)


def test_divergence_warns_and_stops(book_data):
    X_b, y = book_data
    big = X_b * 1e3
    with pytest.warns(RuntimeWarning, match="stochastic gradient descent diverged"):
        result = mg.stochastic_gradient_descent(big, y, n_epochs=20, eta=10.0)
    assert result.diverged and np.isfinite(result.theta).all()


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"batch_size": 0},
            ValueError,
            r"batch_size must be an integer in 1..m = 100 \(the rows of X_b, shape \(100, 2\)\); got 0",
        ),
        ({"batch_size": 101}, ValueError, "got 101"),
        ({"batch_size": 2.0}, TypeError, "got float 2.0"),
        ({"batch_size": True}, TypeError, "got bool"),
        ({"n_epochs": -1}, ValueError, "n_epochs must be non-negative; got -1"),
        ({"n_epochs": 1.5}, TypeError, "n_epochs must be an integer"),
        ({"t0": 0}, ValueError, r"t0 \(the numerator of the learning schedule\) must be positive"),
        ({"t1": -3}, ValueError, r"t1 \(the offset of the learning schedule\) must be positive"),
        ({"t1": float("nan")}, ValueError, "t1"),
        ({"eta": 0.0}, ValueError, "eta"),
        ({"theta0": [1.0, 2.0, 3.0]}, ValueError, r"theta0 has length 3 but n\+1 = 2"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": "42"}, TypeError, "seed"),
    ],
)
def test_bad_parameters_are_named(book_data, kwargs, error, message):
    X_b, y = book_data
    descents = [mg.minibatch_gradient_descent]
    if "batch_size" not in kwargs:
        descents.append(mg.stochastic_gradient_descent)
    for descent in descents:
        with pytest.raises(error, match=message):
            descent(X_b, y, **kwargs)


@pytest.mark.parametrize("descent", [mg.stochastic_gradient_descent, mg.minibatch_gradient_descent])
def test_bad_data_is_named(book_data, descent):
    X_b, y = book_data
    with pytest.raises(ValueError, match=r"y has length 99 but m = 100 \(the rows of X_b, shape \(100, 2\)\)"):
        descent(X_b, y[:99])
    bad = X_b.copy()
    bad[5, 1] = np.nan
    with pytest.raises(ValueError, match=r"X_b must be finite.*index \(5, 1\)"):
        descent(bad, y)
    y_inf = y.copy()
    y_inf[2, 0] = np.inf
    with pytest.raises(ValueError, match="y must be finite"):
        descent(X_b, y_inf)
    with pytest.raises(TypeError, match="X_b must contain numbers"):
        descent([["a", "b"]], [1.0])
    with pytest.raises(ValueError, match="X_b has no instances"):
        descent(np.empty((0, 2)), np.empty(0))


def test_variance_validates_batch_size(book_data):
    X_b, y = book_data
    with pytest.raises(ValueError, match="1..m = 100"):
        mg.minibatch_gradient_variance(np.zeros(2), X_b, y, 0)
    with pytest.raises(TypeError, match="batch_size"):
        mg.minibatch_gradient_variance(np.zeros(2), X_b, y, 1.0)
    assert mg.minibatch_gradient_variance(np.zeros(2), X_b[:1], y[:1], 1) == 0.0
