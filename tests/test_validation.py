"""Every public function refuses bad input with a message that names the problem and the shapes."""

from __future__ import annotations

import re

import numpy as np
import pytest

import mse_gradient as mg

X_B = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
Y = np.array([1.0, 3.0, 5.0])
THETA = np.array([0.5, -0.5])

# Functions of (theta, X_b, y).
TRIPLE = [mg.gradient, mg.gradient_by_samples, mg.gradient_by_partials, mg.mse]


def _partial0(theta, X_b, y):
    return mg.partial_derivative(theta, X_b, y, 0)


TRIPLE_ALL = TRIPLE + [_partial0]


@pytest.mark.parametrize("f", TRIPLE_ALL)
@pytest.mark.parametrize(
    "X_b, pattern",
    [
        (np.ones(3), r"X_b must be 2-D .* shape \(3,\)"),
        (np.ones((3, 2, 1)), r"X_b must be 2-D .* shape \(3, 2, 1\)"),
        (np.ones((0, 2)), r"no instances \(m = 0\); shape \(0, 2\)"),
        (np.ones((3, 0)), r"no columns .* shape \(3, 0\)"),
    ],
)
def test_bad_design_matrix_shape(f, X_b, pattern):
    with pytest.raises(ValueError, match=pattern):
        f(THETA, X_b, Y)


@pytest.mark.parametrize("f", TRIPLE_ALL)
def test_theta_of_wrong_length(f):
    with pytest.raises(
        ValueError,
        match=r"theta has length 3 but n\+1 = 2 \(the columns of X_b, shape \(3, 2\)\); theta has shape \(3,\)",
    ):
        f(np.zeros(3), X_B, Y)


@pytest.mark.parametrize("f", TRIPLE_ALL)
def test_y_of_wrong_length(f):
    with pytest.raises(
        ValueError, match=r"y has length 4 but m = 3 \(the rows of X_b, shape \(3, 2\)\); y has shape \(4,\)"
    ):
        f(THETA, X_B, np.zeros(4))


@pytest.mark.parametrize("f", TRIPLE_ALL)
@pytest.mark.parametrize("bad_y", [np.zeros((1, 3)), np.zeros((3, 2)), np.zeros((3, 1, 1))])
def test_y_must_be_a_vector(f, bad_y):
    with pytest.raises(ValueError, match=re.escape(f"got shape {bad_y.shape}")):
        f(THETA, X_B, bad_y)


@pytest.mark.parametrize("f", TRIPLE_ALL)
def test_theta_row_vector_refused(f):
    with pytest.raises(ValueError, match=r"theta must be a 1-D vector or a column vector .* got shape \(1, 2\)"):
        f(THETA.reshape(1, 2), X_B, Y)


@pytest.mark.parametrize("f", TRIPLE_ALL)
@pytest.mark.parametrize("which", ["theta", "X_b", "y"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input(f, which, bad):
    args = {"theta": THETA.copy(), "X_b": X_B.copy(), "y": Y.copy()}
    args[which].flat[1] = bad
    with pytest.raises(ValueError, match=rf"{which} must be finite; .*shape"):
        f(args["theta"], args["X_b"], args["y"])


@pytest.mark.parametrize("theta", [np.zeros(2), np.array([0.0, 1.0])])
@pytest.mark.parametrize("position", [(0, 0), (1, 1), (2, 1)])
def test_gradient_finds_nan_in_X_b_even_where_theta_is_zero(theta, position):
    """gradient checks X_b lazily; a NaN must still be reported, whatever theta is."""
    X_b = X_B.copy()
    X_b[position] = np.nan
    with pytest.raises(
        ValueError, match=re.escape(f"X_b must be finite; it has 1 NaN/inf value(s), the first at index {position}")
    ):
        mg.gradient(theta, X_b, Y)


def test_gradient_overflow_is_an_error_not_inf():
    X_b = np.array([[1.0, 1e200], [1.0, -1e200]])
    with pytest.raises(ValueError, match=r"not finite \(overflow\) for X_b of shape \(2, 2\)"):
        mg.gradient(np.array([0.0, 1e200]), X_b, np.zeros(2))


@pytest.mark.parametrize("f", TRIPLE_ALL)
@pytest.mark.parametrize("which", ["theta", "X_b", "y"])
def test_non_numeric_input(f, which):
    args = {"theta": THETA, "X_b": X_B, "y": Y}
    args[which] = np.asarray(args[which]).astype(str)
    with pytest.raises(TypeError, match=rf"{which} must contain numbers; got dtype <U"):
        f(args["theta"], args["X_b"], args["y"])


def test_complex_and_ragged_input():
    with pytest.raises(TypeError, match="must be real-valued; got complex"):
        mg.gradient(THETA.astype(complex), X_B, Y)
    with pytest.raises(TypeError, match="X_b must be array-like of numbers"):
        mg.gradient(THETA, [[1.0, 2.0], [1.0]], Y)
    with pytest.raises(TypeError, match=r"X_b must contain numbers; got dtype object"):
        mg.gradient(THETA, np.array([[1.0, None]] * 3, dtype=object), Y)


def test_integer_and_bool_data_are_numbers():
    g = mg.gradient([0, 0], np.array([[1, 0], [1, 1], [1, 2]]), [1, 3, 5])
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, mg.gradient(np.zeros(2), X_B, Y))


@pytest.mark.parametrize("j", [-1, 2, 10])
def test_partial_derivative_index_out_of_range(j):
    with pytest.raises(ValueError, match=rf"j = {j} is out of range: theta has n\+1 = 2 components, so 0 <= j <= 1"):
        mg.partial_derivative(THETA, X_B, Y, j)


@pytest.mark.parametrize("j", [1.0, "1", True, None])
def test_partial_derivative_index_type(j):
    with pytest.raises(TypeError, match="j must be an integer index"):
        mg.partial_derivative(THETA, X_B, Y, j)


def test_partial_derivative_accepts_numpy_integer():
    assert mg.partial_derivative(THETA, X_B, Y, np.int64(1)) == pytest.approx(mg.gradient(THETA, X_B, Y)[1])


def test_predict_validation():
    with pytest.raises(ValueError, match=r"theta has length 3 but n\+1"):
        mg.predict(np.zeros(3), X_B)
    with pytest.raises(ValueError, match="X_b must be finite"):
        mg.predict(THETA, np.array([[1.0, np.nan]]))


def test_add_bias_validation():
    with pytest.raises(ValueError, match=r"X must be 1-D \(one feature\) or 2-D .* got 3-D shape \(2, 2, 2\)"):
        mg.add_bias(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"X must be 1-D .* got 0-D shape \(\)"):
        mg.add_bias(3.0)
    with pytest.raises(ValueError, match=r"X has no instances \(m = 0\); shape \(0, 1\)"):
        mg.add_bias(np.ones((0, 1)))
    with pytest.raises(ValueError, match=r"X has no instances \(m = 0\); shape \(0, 1\)"):
        mg.add_bias([])
    with pytest.raises(ValueError, match="X must be finite"):
        mg.add_bias([1.0, np.inf])
    with pytest.raises(TypeError, match="X must contain numbers"):
        mg.add_bias(["a", "b"])


def test_normal_equation_validation():
    with pytest.raises(ValueError, match=r"y has length 2 but m"):
        mg.normal_equation(X_B, np.zeros(2))
    with pytest.raises(ValueError, match=r"rank 1 < n\+1 = 2: XᵀX is singular"):
        mg.normal_equation(np.ones((3, 2)), Y)
    with pytest.raises(ValueError, match="y must be finite"):
        mg.normal_equation(X_B, np.array([1.0, np.nan, 2.0]))


@pytest.mark.parametrize("eta", [0, -0.1, np.nan, np.inf])
def test_descent_bad_eta(eta):
    with pytest.raises(ValueError, match=r"eta \(the learning rate\) must be positive and finite"):
        mg.batch_gradient_descent(X_B, Y, eta=eta)


@pytest.mark.parametrize("eta", ["0.1", None, True])
def test_descent_eta_type(eta):
    with pytest.raises(TypeError, match="eta must be a real number"):
        mg.batch_gradient_descent(X_B, Y, eta=eta)


def test_descent_bad_epochs_and_theta0():
    with pytest.raises(ValueError, match="n_epochs must be non-negative; got -1"):
        mg.batch_gradient_descent(X_B, Y, n_epochs=-1)
    with pytest.raises(TypeError, match="n_epochs must be an integer; got float"):
        mg.batch_gradient_descent(X_B, Y, n_epochs=10.0)
    with pytest.raises(ValueError, match=r"theta0 has length 3 but n\+1"):
        mg.batch_gradient_descent(X_B, Y, theta0=np.zeros(3))
    with pytest.raises(ValueError, match="theta0 must be finite"):
        mg.batch_gradient_descent(X_B, Y, theta0=np.array([np.nan, 0.0]))


def test_make_linear_data_validation():
    with pytest.raises(ValueError, match="m must be positive; got 0"):
        mg.make_linear_data(m=0)
    with pytest.raises(TypeError, match="m must be an integer; got float"):
        mg.make_linear_data(m=10.5)
    with pytest.raises(ValueError, match="seed must be non-negative; got -1"):
        mg.make_linear_data(seed=-1)


def test_numerical_gradient_validation():
    with pytest.raises(TypeError, match="f must be a callable"):
        mg.numerical_gradient("not a function", THETA)
    with pytest.raises(ValueError, match=r"h must be positive and finite; got 0"):
        mg.numerical_gradient(lambda t: 0.0, THETA, h=0)
    with pytest.raises(ValueError, match=r"theta must be a non-empty 1-D or column vector; got shape \(2, 2\)"):
        mg.numerical_gradient(lambda t: 0.0, np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"got shape \(0,\)"):
        mg.numerical_gradient(lambda t: 0.0, np.zeros(0))
    with pytest.raises(TypeError, match=r"f must return a real scalar; got ndarray of shape \(2,\)"):
        mg.numerical_gradient(lambda t: t, THETA)
    with pytest.raises(ValueError, match="theta must be finite"):
        mg.numerical_gradient(lambda t: 0.0, np.array([np.nan]))


def test_symbolic_problem_validation():
    with pytest.raises(ValueError, match="m must be positive"):
        mg.symbolic_problem(0, 1)
    with pytest.raises(TypeError, match="n must be an integer"):
        mg.symbolic_problem(2, 1.5)
