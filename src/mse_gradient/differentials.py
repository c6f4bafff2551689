"""The differential of the MSE: its exact expansion, its remainder, and ridge.

The total-derivative proof writes the cost at a perturbed point as

    J(θ + dθ) = J(θ) + (2/m) Σᵢ eᵢ (dθᵀx⁽ⁱ⁾) + (1/m) Σᵢ (dθᵀx⁽ⁱ⁾)²,

with the residuals eᵢ = θᵀx⁽ⁱ⁾ − y⁽ⁱ⁾, and reads the gradient off the term
that is linear in dθ. The functions here compute those pieces, so that a
chapter can check each step of the proof on numbers:

* :func:`mse_expansion` — the three terms, each as a sum over instances.
* :func:`taylor_remainder` — J(θ + t v) − J(θ) − t ∇J(θ)ᵀv, from
  :func:`~mse_gradient.mse` and :func:`~mse_gradient.gradient`.
* :func:`second_order_coefficient` — ‖X v‖²/m, the exact size of that
  remainder divided by t².
* :func:`loglog_slope` — the fitted slope of a log–log plot.
* :func:`ridge_mse` / :func:`ridge_gradient` — the ridge-regularized cost
  MSE(θ) + α Σⱼ₌₁ⁿ θⱼ² and its gradient (the bias θ₀ is not penalized).
* :func:`ridge_normal_equation` — the minimizer of that cost.
* :func:`ridge_by_centering` — the minimizer of Scikit-Learn's ``Ridge``
  objective ‖y − b − Xw‖² + α‖w‖², computed by centering the data.

The ridge penalty is scaled differently in different places; with the same
data (m instances), the minimizers agree when

    α (this module) = α (Hands-On ML, 3rd ed., Eq. 4-8) / m
                    = α (Scikit-Learn ``Ridge``) / m
                    = α (Hands-On ML, 2nd ed., Eq. 4-8) / 2.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import (
    as_numeric_array,
    check_design_matrix,
    check_finite,
    check_problem,
    check_real,
    check_vector,
)
from .gradients import gradient
from .model import mse

__all__ = [
    "Expansion",
    "mse_expansion",
    "taylor_remainder",
    "second_order_coefficient",
    "loglog_slope",
    "ridge_mse",
    "ridge_gradient",
    "ridge_normal_equation",
    "ridge_by_centering",
]


class Expansion(NamedTuple):
    """The three terms of J(θ + dθ) = value + linear + quadratic.

    Attributes
    ----------
    value : float
        J(θ) = (1/m) Σᵢ eᵢ².
    linear : float
        (2/m) Σᵢ eᵢ (dθᵀx⁽ⁱ⁾), the differential dJ at θ applied to dθ.
    quadratic : float
        (1/m) Σᵢ (dθᵀx⁽ⁱ⁾)², the remainder; it equals ‖X dθ‖²/m.
    """

    value: float
    linear: float
    quadratic: float


def mse_expansion(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike, dtheta: ArrayLike) -> Expansion:
    """Split J(θ + dθ) into J(θ), the term linear in dθ and the rest.

    Every term is accumulated one instance at a time, as the sum over
    instances in the proof, so that the split can be compared with the
    vectorized :func:`~mse_gradient.mse` and :func:`~mse_gradient.gradient`.

    Parameters
    ----------
    theta : array_like, shape (n+1,) or (n+1, 1)
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)
    dtheta : array_like, shape (n+1,) or (n+1, 1)
        The change of the parameters.

    Returns
    -------
    Expansion
        ``value + linear + quadratic`` equals J(θ + dθ) up to rounding.

    Raises
    ------
    TypeError, ValueError
        For non-numeric data, shapes that do not conform, or NaN/inf.

    Examples
    --------
    >>> X_b = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]
    >>> parts = mse_expansion([0.0, 0.0], X_b, [1.0, 3.0, 5.0], [1.0, 0.0])
    >>> print(f"{parts.value:.4f} {parts.linear:.4f} {parts.quadratic:.4f}")
    11.6667 -6.0000 1.0000
    """
    theta, X_b, y = check_problem(theta, X_b, y)
    n_plus_1 = X_b.shape[1]
    dtheta = check_vector(dtheta, "dtheta", n_plus_1, f"n+1 (the number of columns of X_b, shape {X_b.shape})")
    theta_vec, y_vec, d_vec = theta.reshape(-1), y.reshape(-1), dtheta.reshape(-1)
    m = X_b.shape[0]
    value = linear = quadratic = 0.0
    for i in range(m):
        x_i = X_b[i]
        e_i = float(theta_vec @ x_i) - float(y_vec[i])
        step_i = float(d_vec @ x_i)  # dθᵀx⁽ⁱ⁾, a scalar
        value += e_i**2
        linear += 2.0 * e_i * step_i
        quadratic += step_i**2
    return Expansion(value / m, linear / m, quadratic / m)


def taylor_remainder(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike, v: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    """J(θ + t v) − J(θ) − t ∇J(θ)ᵀv for each step size t.

    Computed from :func:`~mse_gradient.mse` and :func:`~mse_gradient.gradient`
    only, so it measures what the first-order formula leaves out. For the MSE
    it equals t² ‖X v‖²/m exactly (see :func:`second_order_coefficient`);
    in floating point the subtraction loses about ``eps * J(θ)`` in absolute
    terms, which dominates when t is very small.

    Parameters
    ----------
    theta : array_like, shape (n+1,) or (n+1, 1)
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)
    v : array_like, shape (n+1,) or (n+1, 1)
        The direction.
    t : float or array_like of floats, any shape
        Step sizes.

    Returns
    -------
    ndarray
        In the shape of ``t`` (a 0-d array for a scalar ``t``).

    Examples
    --------
    >>> X_b = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]
    >>> r = taylor_remainder([0.0, 0.0], X_b, [1.0, 3.0, 5.0], [0.0, 1.0], [0.5, 1.0])
    >>> print(r.round(6))
    [0.416667 1.666667]
    """
    theta, X_b, y = check_problem(theta, X_b, y)
    theta_vec = theta.reshape(-1)
    v = check_vector(v, "v", X_b.shape[1], f"n+1 (the number of columns of X_b, shape {X_b.shape})")
    v_vec = v.reshape(-1)
    t = as_numeric_array(t, "t")
    check_finite(t, "t")
    base = mse(theta_vec, X_b, y)
    slope = float(gradient(theta_vec, X_b, y) @ v_vec)
    out = np.empty(t.shape)
    for index, t_k in np.ndenumerate(t):
        out[index] = mse(theta_vec + t_k * v_vec, X_b, y) - base - t_k * slope
    return out


def second_order_coefficient(X_b: ArrayLike, v: ArrayLike) -> float:
    """‖X v‖²/m, the coefficient of t² in J(θ + t v).

    It does not depend on θ or y: the MSE is a quadratic function of θ whose
    second-order part is fixed by X alone.

    Parameters
    ----------
    X_b : array_like, shape (m, n+1)
    v : array_like, shape (n+1,) or (n+1, 1)

    Returns
    -------
    float
        Non-negative; zero exactly when X v = 0.

    Examples
    --------
    >>> second_order_coefficient([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]], [0.0, 1.0])
    1.6666666666666667
    """
    X_b = check_design_matrix(X_b)
    v = check_vector(v, "v", X_b.shape[1], f"n+1 (the number of columns of X_b, shape {X_b.shape})")
    Xv = X_b @ v.reshape(-1)
    return float(Xv @ Xv) / X_b.shape[0]


def loglog_slope(x: ArrayLike, y: ArrayLike) -> float:
    """Least-squares slope of log10(y) against log10(x).

    If y ≈ c xᵖ, the slope is p: a remainder of order t² gives 2.

    Parameters
    ----------
    x, y : array_like, shape (k,), k ≥ 2
        Positive, finite values; ``x`` must not be constant.

    Returns
    -------
    float

    Examples
    --------
    >>> print(f"{loglog_slope([1.0, 10.0, 100.0], [3.0, 300.0, 30000.0]):.2f}")
    2.00
    """
    x = as_numeric_array(x, "x")
    y = as_numeric_array(y, "y")
    if x.ndim != 1 or y.ndim != 1 or x.shape != y.shape or x.size < 2:
        raise ValueError(f"x and y must be 1-D of the same length >= 2; got shapes {x.shape} and {y.shape}")
    check_finite(x, "x")
    check_finite(y, "y")
    if (x <= 0).any() or (y <= 0).any():
        raise ValueError(f"x and y must be positive for a log-log fit; shapes {x.shape} and {y.shape}")
    log_x, log_y = np.log10(x), np.log10(y)
    if np.ptp(log_x) == 0:
        raise ValueError(f"x must not be constant; got {x.size} equal values, shape {x.shape}")
    slope, _ = np.polyfit(log_x, log_y, 1)
    return float(slope)


def ridge_mse(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike, alpha: float) -> float:
    """Ridge cost J_α(θ) = MSE(θ) + α (θ₁² + … + θₙ²).

    The bias θ₀ is not penalized, as in Hands-On ML (chapter 4, ridge
    regression), whose penalty sums over i = 1 … n.

    Parameters
    ----------
    theta : array_like, shape (n+1,) or (n+1, 1)
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)
    alpha : float
        Regularization strength, α ≥ 0.

    Returns
    -------
    float

    Examples
    --------
    >>> X_b = [[1.0, 0.0], [1.0, 1.0]]
    >>> ridge_mse([5.0, 1.0], X_b, [1.0, 1.0], alpha=0.5)  # MSE 20.5, penalty 0.5
    21.0
    """
    alpha = check_real(alpha, "alpha", allow_zero=True)
    theta, X_b, y = check_problem(theta, X_b, y)
    weights = theta.reshape(-1)[1:]
    return mse(theta, X_b, y) + alpha * float(weights @ weights)


def ridge_gradient(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike, alpha: float) -> NDArray[np.float64]:
    """Gradient of :func:`ridge_mse`: (2/m) Xᵀ(Xθ − y) + 2α (0, θ₁, …, θₙ).

    Parameters
    ----------
    theta : array_like, shape (n+1,) or (n+1, 1)
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)
    alpha : float
        Regularization strength, α ≥ 0.

    Returns
    -------
    ndarray
        In the shape of ``theta``.

    Examples
    --------
    >>> X_b = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]
    >>> ridge_gradient([1.0, 2.0], X_b, [1.0, 3.0, 5.0], alpha=0.5)  # exact fit
    array([0., 2.])
    """
    alpha = check_real(alpha, "alpha", allow_zero=True)
    theta, X_b, y = check_problem(theta, X_b, y)
    penalized = theta.reshape(-1).copy()
    penalized[0] = 0.0
    grad = gradient(theta, X_b, y).reshape(-1) + 2.0 * alpha * penalized
    return grad.reshape(theta.shape)


def ridge_normal_equation(X_b: ArrayLike, y: ArrayLike, alpha: float) -> NDArray[np.float64]:
    """Minimizer of :func:`ridge_mse`: solve (XᵀX + mα A) θ = Xᵀy.

    Setting :func:`ridge_gradient` to zero gives (2/m) Xᵀ(Xθ − y) + 2α Aθ = 0,
    with A = diag(0, 1, …, 1) (the bias is not penalized), that is
    (XᵀX + mα A) θ = Xᵀy. This is the closed form of Hands-On ML (3rd ed.,
    Equation 4-9), whose α is m times the α of this module.

    Parameters
    ----------
    X_b : array_like, shape (m, n+1)
        With the bias column x₀ = 1 first.
    y : array_like, shape (m,) or (m, 1)
    alpha : float
        Regularization strength of :func:`ridge_mse`, α ≥ 0.

    Returns
    -------
    theta : ndarray, shape (n+1,) or (n+1, 1)
        1-D when ``y`` is 1-D, a column when ``y`` is a column.

    Raises
    ------
    TypeError, ValueError
        For bad input, and when XᵀX + mα A is singular (for α = 0: when X_b
        does not have full column rank), so that the minimizer is not unique.

    Examples
    --------
    >>> X_b = [[1.0, -1.0], [1.0, 0.0], [1.0, 1.0]]
    >>> ridge_normal_equation(X_b, [0.0, 1.0, 2.0], alpha=0.0)  # the exact fit
    array([1., 1.])
    >>> ridge_normal_equation(X_b, [0.0, 1.0, 2.0], alpha=1 / 3)  # slope 2 / (2 + 1)
    array([1.        , 0.66666667])
    """
    alpha = check_real(alpha, "alpha", allow_zero=True)
    _, X_b, y = check_problem(None, X_b, y)
    m, n_plus_1 = X_b.shape
    A = np.eye(n_plus_1)
    A[0, 0] = 0.0
    lhs = X_b.T @ X_b + m * alpha * A
    if np.linalg.matrix_rank(lhs) < n_plus_1:
        raise ValueError(
            f"XᵀX + mαA of shape {lhs.shape} (X_b {X_b.shape}, alpha={alpha}) is singular: the minimizer is not unique"
        )
    theta = np.linalg.solve(lhs, X_b.T @ y.reshape(-1))
    return theta.reshape((-1, 1) if y.ndim == 2 else (-1,))


def ridge_by_centering(X: ArrayLike, y: ArrayLike, alpha: float) -> NDArray[np.float64]:
    """Minimize ‖y − b − Xw‖² + α‖w‖², the objective of Scikit-Learn's ``Ridge``.

    This is what ``sklearn.linear_model.Ridge(alpha)`` minimizes with its
    default ``fit_intercept=True``: the sum (not the mean) of the squared
    errors plus α‖w‖², with the intercept b not penalized. It is solved by a
    route that uses neither the bias column nor m: for a fixed w the best b is
    ȳ − x̄ᵀw, so w solves the centered system (X_cᵀX_c + α I) w = X_cᵀ y_c,
    where X_c and y_c are X and y minus their column means.

    Parameters
    ----------
    X : array_like, shape (m, n)
        The features **without** the bias column, as Scikit-Learn takes them.
    y : array_like, shape (m,) or (m, 1)
    alpha : float
        Scikit-Learn's ``alpha``, α ≥ 0.

    Returns
    -------
    theta : ndarray, shape (n+1,)
        (b, w₁, …, wₙ): the intercept first, as θ₀ in the book's notation.

    Raises
    ------
    TypeError, ValueError
        For bad input, and when X_cᵀX_c + α I is singular.

    Examples
    --------
    >>> ridge_by_centering([[-1.0], [0.0], [1.0]], [0.0, 1.0, 2.0], alpha=1.0)
    array([1.        , 0.66666667])
    """
    alpha = check_real(alpha, "alpha", allow_zero=True)
    X = as_numeric_array(X, "X")
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"X must be 2-D of shape (m, n) with m, n >= 1, the features without the bias column; got shape {X.shape}"
        )
    check_finite(X, "X")
    m, n = X.shape
    y = check_vector(y, "y", m, f"m (the number of rows of X, shape {X.shape})")
    y = y.reshape(-1)
    x_mean, y_mean = X.mean(axis=0), y.mean()
    X_c, y_c = X - x_mean, y - y_mean
    lhs = X_c.T @ X_c + alpha * np.eye(n)
    if np.linalg.matrix_rank(lhs) < n:
        raise ValueError(
            f"X_cᵀX_c + αI of shape {lhs.shape} (X {X.shape}, alpha={alpha}) is singular: the minimizer is not unique"
        )
    w = np.linalg.solve(lhs, X_c.T @ y_c)
    return np.r_[y_mean - x_mean @ w, w]
