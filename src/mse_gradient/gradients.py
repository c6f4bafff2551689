"""Four ways to compute ∇θ MSE(θ), one for each view of the proof.

* :func:`gradient` — the matrix form (2/m) Xᵀ(Xθ − y), vectorized.
* :func:`gradient_by_samples` — the total-derivative answer's form,
  (2/m) Σᵢ (θᵀx⁽ⁱ⁾ − y⁽ⁱ⁾) x⁽ⁱ⁾, one instance at a time.
* :func:`partial_derivative` / :func:`gradient_by_partials` — the
  element-wise answer's form, one component ∂MSE/∂θⱼ at a time.
* :func:`numerical_gradient` — central differences, which knows nothing of
  the formula and so checks all of the above.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_numeric_array, check_finite, check_parameter_index, check_problem, check_real

__all__ = [
    "gradient",
    "gradient_by_samples",
    "partial_derivative",
    "gradient_by_partials",
    "numerical_gradient",
]


def gradient(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    """Gradient of the MSE, (2/m) X_bᵀ(X_b θ − y), vectorized.

    Two matrix–vector products and nothing more: the scalar 2/m multiplies
    the (n+1)-vector at the end, not the m × (n+1) matrix at the start.
    Shapes and dtypes are checked up front in O(1); the scans of the inputs
    for NaN/inf run only when the (n+1)-vector result is not finite, so
    validation adds no pass over ``X_b`` (or ``y``) on the happy path.

    Parameters
    ----------
    theta : array_like, shape (n+1,) or (n+1, 1)
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)

    Returns
    -------
    ndarray
        In the shape of ``theta``.

    Raises
    ------
    TypeError, ValueError
        For non-numeric data, shapes that do not conform, or NaN/inf.

    Examples
    --------
    >>> X_b = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]
    >>> gradient([0.0, 0.0], X_b, [1.0, 3.0, 5.0])
    array([-6.        , -8.66666667])
    >>> gradient([[1.0], [2.0]], X_b, [1.0, 3.0, 5.0])  # exact fit: zero
    array([[0.],
           [0.]])
    """
    if not _conforming_float64(theta, X_b, y):
        # Lists, integers, wrong shapes, …: the full check converts or names the problem.
        theta, X_b, y = check_problem(theta, X_b, y, finite_X=False)
    theta_vec = theta if theta.ndim == 1 else theta.reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):  # reported below, with shapes
        grad = _gradient_kernel(theta_vec, X_b, y if y.ndim == 1 else y.reshape(-1))
        total = grad.dot(grad)  # finite iff every entry is (or it overflowed: tested below)
    # Any NaN/inf in theta, X_b or y makes some gradient entry non-finite
    # (NaN * 0 is NaN, inf * 0 is NaN), so one test of n+1 numbers guards the
    # happy path (Σ g² is cheaper than an elementwise test; if it overflows,
    # the entries are tested one by one); only on failure are the inputs scanned.
    if not math.isfinite(total) and not np.isfinite(grad).all():
        check_finite(theta, "theta")
        check_finite(y, "y")
        check_finite(X_b, "X_b")
        raise ValueError(
            f"the gradient is not finite (overflow) for X_b of shape {X_b.shape}; rescale the features or theta"
        )
    return grad if theta.ndim == 1 else grad.reshape(theta.shape)


def _conforming_float64(theta: object, X_b: object, y: object) -> bool:
    """True for float64 arrays of conforming shapes: then no conversion or O(m) check is needed."""
    if not (type(theta) is np.ndarray and type(X_b) is np.ndarray and type(y) is np.ndarray):
        return False
    if not (X_b.dtype == np.float64 and theta.dtype == np.float64 and y.dtype == np.float64 and X_b.ndim == 2):
        return False
    m, n_plus_1 = X_b.shape
    return m > 0 and n_plus_1 > 0 and theta.shape in ((n_plus_1,), (n_plus_1, 1)) and y.shape in ((m,), (m, 1))


def _gradient_kernel(
    theta: NDArray[np.float64], X_b: NDArray[np.float64], y: NDArray[np.float64]
) -> NDArray[np.float64]:
    """(2/m) X_bᵀ(X_b θ − y) for validated 1-D inputs.

    The one place the vectorized formula is written; :func:`gradient` and the
    solvers call it. The scalar multiplies the (n+1)-vector after both
    products, never the m × (n+1) matrix.
    """
    return (2.0 / X_b.shape[0]) * (X_b.T @ (X_b @ theta - y))


def gradient_by_samples(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    """Gradient as the sum over instances, (2/m) Σᵢ (θᵀx⁽ⁱ⁾ − y⁽ⁱ⁾) x⁽ⁱ⁾.

    This is the form the total-derivative proof reads off: each instance
    contributes its residual times its own feature vector. It loops over
    the m instances on purpose (it is slow; compare :func:`gradient`).

    Examples
    --------
    >>> X_b = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]
    >>> gradient_by_samples([0.0, 0.0], X_b, [1.0, 3.0, 5.0])
    array([-6.        , -8.66666667])
    """
    theta, X_b, y = check_problem(theta, X_b, y)
    theta_vec = theta.reshape(-1)
    y_vec = y.reshape(-1)
    m = X_b.shape[0]
    total = np.zeros_like(theta_vec)
    for i in range(m):
        x_i = X_b[i]
        error_i = float(theta_vec @ x_i) - y_vec[i]
        total += error_i * x_i
    return ((2.0 / m) * total).reshape(theta.shape)


def partial_derivative(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike, j: int) -> float:
    """One component, ∂MSE/∂θⱼ = (2/m) Σᵢ (θᵀx⁽ⁱ⁾ − y⁽ⁱ⁾) xⱼ⁽ⁱ⁾.

    Parameters
    ----------
    theta, X_b, y
        As in :func:`gradient`.
    j : int
        Index of the parameter, 0 ≤ j ≤ n (θ₀ is the bias term).

    Returns
    -------
    float

    Examples
    --------
    >>> X_b = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]
    >>> partial_derivative([0.0, 0.0], X_b, [1.0, 3.0, 5.0], j=0)
    -6.0
    """
    theta, X_b, y = check_problem(theta, X_b, y)
    j = check_parameter_index(j, X_b.shape[1])
    return _partial(theta.reshape(-1), X_b, y.reshape(-1), j)


def gradient_by_partials(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    """The vector of :func:`partial_derivative` for j = 0, …, n.

    Examples
    --------
    >>> X_b = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]
    >>> gradient_by_partials([0.0, 0.0], X_b, [1.0, 3.0, 5.0])
    array([-6.        , -8.66666667])
    """
    theta, X_b, y = check_problem(theta, X_b, y)
    theta_vec, y_vec = theta.reshape(-1), y.reshape(-1)
    parts = [_partial(theta_vec, X_b, y_vec, j) for j in range(X_b.shape[1])]
    return np.array(parts).reshape(theta.shape)


def _partial(theta: NDArray[np.float64], X_b: NDArray[np.float64], y: NDArray[np.float64], j: int) -> float:
    """∂MSE/∂θⱼ of validated 1-D ``theta`` and ``y``, as an explicit sum over i."""
    m = X_b.shape[0]
    total = 0.0
    for i in range(m):
        total += (float(theta @ X_b[i]) - y[i]) * X_b[i, j]
    return float(2.0 / m * total)


def numerical_gradient(
    f: Callable[[NDArray[np.float64]], float], theta: ArrayLike, h: float = 1e-6
) -> NDArray[np.float64]:
    """Central-difference gradient of any scalar function ``f`` at ``theta``.

    Component j is (f(θ + h eⱼ) − f(θ − h eⱼ)) / (2h), with an error of
    order h² for smooth f, and exact (up to rounding) for a quadratic such as
    the MSE.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``theta`` and returns a real number.
    theta : array_like, shape (k,) or (k, 1)
    h : float, default 1e-6
        Step; must be positive and finite.

    Returns
    -------
    ndarray
        In the shape of ``theta``.

    Examples
    --------
    >>> g = numerical_gradient(lambda t: float(t @ t), [1.0, -2.0])
    >>> print(g.round(6))
    [ 2. -4.]
    """
    if not callable(f):
        raise TypeError(f"f must be a callable returning a number; got {type(f).__name__}")
    theta = as_numeric_array(theta, "theta")
    if not (theta.ndim == 1 or (theta.ndim == 2 and theta.shape[1] == 1)) or theta.size == 0:
        raise ValueError(f"theta must be a non-empty 1-D or column vector; got shape {theta.shape}")
    check_finite(theta, "theta")
    h = check_real(h, "h")
    flat = theta.reshape(-1)
    grad = np.empty_like(flat)
    for j in range(flat.size):
        step = np.zeros_like(flat)
        step[j] = h
        f_plus = _scalar(f((flat + step).reshape(theta.shape)))
        f_minus = _scalar(f((flat - step).reshape(theta.shape)))
        grad[j] = (f_plus - f_minus) / (2 * h)
    return grad.reshape(theta.shape)


def _scalar(value: object) -> float:
    array = np.asarray(value)
    if array.size != 1 or array.dtype.kind not in "biuf":
        raise TypeError(f"f must return a real scalar; got {type(value).__name__} of shape {array.shape}")
    return float(array.reshape(()))
