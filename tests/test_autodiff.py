"""The chapter "The gradient in practice": autodiff, chunked data, conventions."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc

import dask
import dask.array as da
import numpy as np
import pytest

import mse_gradient as mg
from mse_gradient import autodiff, chunked, conventions


@pytest.fixture
def problem():
    rng = np.random.default_rng(7)
    m, n = 60, 3
    X_b = mg.add_bias(rng.normal(size=(m, n)))
    y = rng.normal(size=m)
    return rng.normal(size=n + 1), X_b, y, rng.normal(size=n + 1)


# --- autodiff -----------------------------------------------------------------


def test_jax_runs_in_float64_on_cpu():
    assert autodiff.jax.config.jax_enable_x64
    assert autodiff.jax.default_backend() == "cpu"
    assert autodiff.mse(np.zeros(2), np.ones((2, 2)), np.ones(2)).dtype == np.float64


def test_importing_the_helper_prints_nothing_on_stderr():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("JAX_PLATFORMS", None)
    code = "import mse_gradient.autodiff as a; import os; print(os.environ['JAX_PLATFORMS']); print(a.autodiff_gradient([0.0], [[1.0]], [1.0]))"
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stderr == ""
    assert done.stdout.splitlines() == ["cpu", "[-2.]"]


def test_grad_jvp_vjp_agree_with_the_formula(problem):
    theta, X_b, y, v = problem
    g = mg.gradient(theta, X_b, y)
    np.testing.assert_allclose(autodiff.autodiff_gradient(theta, X_b, y), g, rtol=0, atol=1e-12)
    value, slope = autodiff.forward_derivative(theta, X_b, y, v)
    assert value == pytest.approx(mg.mse(theta, X_b, y), abs=1e-12)
    assert slope == pytest.approx(float(g @ v), abs=1e-12)
    r = X_b @ theta - y
    np.testing.assert_allclose(autodiff.pullback(X_b, theta, 2 * r / len(y)), g, rtol=0, atol=1e-12)


@pytest.mark.parametrize("m, n", [(1, 0), (3, 1), (7, 4)])
def test_the_gradient_program_has_one_product_with_x_transposed(m, n):
    found = autodiff.transposed_products(autodiff.gradient_jaxpr(m, n))
    assert [(p.primitive, p.contracted_axis, p.other_shape, p.out_shape) for p in found] == [
        ("dot_general", 0, (m,), (n + 1,))
    ]


def test_the_search_fails_on_a_program_without_x_transposed():
    forward = autodiff.jax.make_jaxpr(autodiff.mse)(np.zeros(2), np.zeros((3, 2)), np.zeros(3))
    assert autodiff.transposed_products(forward) == []
    explicit = autodiff.jax.make_jaxpr(lambda t, X, y: X.T @ (X @ t - y))(np.zeros(2), np.zeros((3, 2)), np.zeros(3))
    assert [p.primitive for p in autodiff.transposed_products(explicit)] == ["transpose"]


def test_jaxpr_text_has_no_escape_codes():
    text = autodiff.jaxpr_text(autodiff.gradient_jaxpr(5, 1))
    assert "\x1b" not in text and "dot_general" in text


def test_autodiff_validates_input():
    with pytest.raises(ValueError, match="y"):
        autodiff.autodiff_gradient([0.0, 0.0], [[1.0, 2.0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="v"):
        autodiff.forward_derivative([0.0, 0.0], [[1.0, 2.0]], [1.0], [1.0])
    with pytest.raises(TypeError):
        autodiff.gradient_jaxpr(2.0, 1)
    with pytest.raises(ValueError, match="m must be >= 1"):
        autodiff.gradient_jaxpr(0, 1)
    with pytest.raises(ValueError, match="not a matrix"):
        autodiff.transposed_products(autodiff.gradient_jaxpr(2, 1), x_position=0)


# --- chunked ------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 4, 59, 60, 1000])
def test_chunks_sum_to_the_gradient(problem, rows):
    theta, X_b, y, _ = problem
    np.testing.assert_allclose(chunked.gradient_by_chunks(theta, X_b, y, rows), mg.gradient(theta, X_b, y), atol=1e-12)


def test_dask_gradient_and_cost(problem):
    theta, X_b, y, _ = problem
    X_d, y_d = da.from_array(X_b, chunks=(13, 4)), da.from_array(y, chunks=13)
    grad, cost = dask.compute(*chunked.dask_gradient(theta, X_d, y_d), scheduler="threads")
    np.testing.assert_allclose(grad, mg.gradient(theta, X_b, y), atol=1e-12)
    assert float(cost) == pytest.approx(mg.mse(theta, X_b, y), abs=1e-12)


def test_dask_gradient_validates_input(problem):
    theta, X_b, y, _ = problem
    with pytest.raises(TypeError, match="dask arrays"):
        chunked.dask_gradient(theta, X_b, y)
    with pytest.raises(ValueError, match="chunked alike"):
        chunked.dask_gradient(theta, da.from_array(X_b, chunks=(10, 4)), da.from_array(y, chunks=20))
    with pytest.raises(ValueError, match="entries"):
        chunked.dask_gradient(theta, da.from_array(X_b, chunks=(10, 4)), da.from_array(y[:50], chunks=10))
    with pytest.raises(ValueError, match="theta"):
        chunked.dask_gradient(theta[:2], da.from_array(X_b, chunks=(10, 4)), da.from_array(y, chunks=10))


def test_lazy_data_is_reproducible_and_chunked():
    X_b, y = chunked.lazy_linear_data(25, 2, rows_per_chunk=10, seed=3, noise=0.0)
    assert X_b.chunks[0] == (10, 10, 5) and y.chunks[0] == (10, 10, 5)
    a, b = X_b.compute(scheduler="synchronous"), X_b.compute(scheduler="threads")
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(y.compute(scheduler="synchronous"), a @ np.array([1.0, 2.0, 3.0]), atol=1e-12)
    with pytest.raises(ValueError):
        chunked.lazy_linear_data(0, 2, 10)
    with pytest.raises(TypeError):
        chunked.lazy_linear_data(10, 2, 2.5)


def test_chunked_descent_matches_batch_descent_and_respects_memory():
    X_b, y = chunked.lazy_linear_data(200_000, 3, rows_per_chunk=20_000, seed=11)
    nominal = X_b.nbytes + y.nbytes
    tracemalloc.start()
    run = chunked.chunked_gradient_descent(X_b, y, eta=0.4, n_epochs=3)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < nominal / 2
    dense = mg.batch_gradient_descent(
        X_b.compute(scheduler="synchronous"), y.compute(scheduler="synchronous"), eta=0.4, n_epochs=3
    )
    np.testing.assert_allclose(run.theta_path, dense.theta_path, atol=1e-10)
    np.testing.assert_allclose(run.cost_history, dense.cost_history, rtol=1e-10)


def test_chunked_descent_stops_on_divergence():
    X_b, y = chunked.lazy_linear_data(100, 2, rows_per_chunk=30, seed=1)
    with pytest.warns(RuntimeWarning, match="diverged"):
        run = chunked.chunked_gradient_descent(X_b * 1e100, y, eta=1e100, n_epochs=50)
    assert run.diverged and np.isfinite(run.theta).all()
    with pytest.raises(ValueError, match="scheduler"):
        chunked.chunked_gradient_descent(X_b, y, scheduler="processes")


# --- conventions ----------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(conventions.CONVENTIONS))
def test_every_convention_is_a_multiple_of_our_gradient(problem, key):
    theta, X_b, y, _ = problem
    convention = conventions.CONVENTIONS[key]
    g = mg.gradient(theta, X_b, y).reshape(-1, 1)
    expected = convention.scale(len(y)) * (g if convention.layout == "column" else g.T)
    np.testing.assert_allclose(conventions.source_gradient(key, theta, X_b, y), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("key", [k for k, c in conventions.CONVENTIONS.items() if c.penalized])
def test_penalized_conventions_map_to_ridge_gradient(problem, key):
    theta, X_b, y, _ = problem
    convention, m, alpha = conventions.CONVENTIONS[key], len(y), 0.7
    expected = convention.scale(m) * mg.ridge_gradient(theta, X_b, y, convention.book_alpha(alpha, m))
    np.testing.assert_allclose(conventions.source_gradient(key, theta, X_b, y, alpha).ravel(), expected, atol=1e-12)


def test_conventions_validate(problem):
    theta, X_b, y, _ = problem
    with pytest.raises(KeyError, match="no convention"):
        conventions.source_gradient("nope", theta, X_b, y)
    with pytest.raises(ValueError, match="no penalty"):
        conventions.source_gradient("cs229", theta, X_b, y, alpha=1.0)


def test_sklearn_reproduces_the_book():
    from sklearn.linear_model import Ridge, SGDRegressor

    X, y = mg.make_linear_data()
    sgd = SGDRegressor(max_iter=1000, tol=1e-5, penalty=None, eta0=0.01, n_iter_no_change=100, random_state=42)
    sgd.fit(X, y.ravel())
    np.testing.assert_array_equal(np.r_[sgd.intercept_, sgd.coef_].round(8), [4.21278812, 2.77270267])
    ridge = Ridge(alpha=0.1).fit(X, y.ravel())
    theta = np.r_[ridge.intercept_, ridge.coef_]
    np.testing.assert_allclose(mg.ridge_gradient(theta, mg.add_bias(X), y.ravel(), 0.1 / len(y)), 0, atol=1e-10)
