"""The curvature of the MSE: its Hessian, the step sizes that converge, its surface.

The MSE of linear regression is a quadratic function of θ, so its second
derivative does not depend on θ at all:

    H = ∇²θ MSE(θ) = (2/m) X_bᵀ X_b.

* :func:`hessian` — that matrix, (n+1) × (n+1), symmetric and positive
  semidefinite, which is why the MSE is convex.
* :func:`max_stable_eta` — 2/λ_max(H): batch gradient descent converges from
  every start exactly when 0 < η < 2/λ_max.
* :func:`step_factors` — |1 − ηλ_k| for every eigenvalue λ_k of H, the factor
  by which one step of descent shrinks (or stretches) the error along the k-th
  eigenvector.
* :func:`cost_surface` — MSE(θ₀, θ₁) on a grid, for contour plots of a
  one-feature problem.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_numeric_array, check_design_matrix, check_finite, check_problem, check_real

__all__ = ["hessian", "hessian_eigenvalues", "max_stable_eta", "step_factors", "cost_surface"]


def hessian(X_b: ArrayLike) -> NDArray[np.float64]:
    """Hessian of the MSE, H = (2/m) X_bᵀ X_b, the same at every θ.

    Parameters
    ----------
    X_b : array_like, shape (m, n+1)
        Instances as rows, first column all ones.

    Returns
    -------
    H : ndarray, shape (n+1, n+1)
        Symmetric positive semidefinite; positive definite when X_b has full
        column rank.

    Raises
    ------
    TypeError
        If ``X_b`` is not numeric.
    ValueError
        If ``X_b`` is not 2-D, is empty or holds NaN/inf.

    Examples
    --------
    >>> X_b = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]
    >>> print(hessian(X_b).round(6))
    [[2.       2.      ]
     [2.       3.333333]]
    """
    X_b = check_design_matrix(X_b)
    H = (2.0 / X_b.shape[0]) * (X_b.T @ X_b)
    return (H + H.T) / 2  # exactly symmetric, whatever the rounding of the product


def hessian_eigenvalues(X_b: ArrayLike) -> NDArray[np.float64]:
    """Eigenvalues of :func:`hessian`, in ascending order.

    Parameters
    ----------
    X_b : array_like, shape (m, n+1)

    Returns
    -------
    ndarray, shape (n+1,)
        Real and ≥ 0 up to rounding; the smallest is > 0 exactly when X_b has
        full column rank.

    Examples
    --------
    >>> X_b = [[1.0, 0.0], [1.0, 2.0]]
    >>> print(hessian_eigenvalues(X_b).round(6))
    [0.763932 5.236068]
    """
    return np.linalg.eigvalsh(hessian(X_b))


def max_stable_eta(X_b: ArrayLike) -> float:
    """The step-size bound 2/λ_max of batch gradient descent on the MSE.

    Gradient descent θ ← θ − η ∇θ MSE(θ) converges to the minimizer from
    every start when 0 < η < 2/λ_max, where λ_max is the largest eigenvalue
    of :func:`hessian`; for η > 2/λ_max it diverges from almost every start.

    Parameters
    ----------
    X_b : array_like, shape (m, n+1)

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For the usual bad input, and when X_b is all zeros (then H = 0 and
        every step size is "stable" because nothing moves).

    Examples
    --------
    >>> from mse_gradient import add_bias, make_linear_data
    >>> X, _ = make_linear_data()
    >>> print(f"{max_stable_eta(add_bias(X)):.6f}")
    0.484255
    """
    lam_max = float(hessian_eigenvalues(X_b)[-1])
    if not lam_max > 0:
        raise ValueError(f"the Hessian of X_b is zero (largest eigenvalue {lam_max}); X_b must not be all zeros")
    return 2.0 / lam_max


def step_factors(X_b: ArrayLike, eta: float) -> NDArray[np.float64]:
    """|1 − ηλ_k| for each eigenvalue λ_k of the Hessian, ascending in λ_k.

    One step of batch gradient descent maps the error θ − θ̂ to
    (I − ηH)(θ − θ̂); along the k-th eigenvector of H the error is multiplied
    by 1 − ηλ_k. Descent converges when every factor is below 1.

    Parameters
    ----------
    X_b : array_like, shape (m, n+1)
    eta : float
        Learning rate, positive and finite.

    Returns
    -------
    ndarray, shape (n+1,)

    Raises
    ------
    TypeError
        If ``eta`` is not a real number.
    ValueError
        If ``eta`` is not positive and finite, or ``X_b`` is bad.

    Examples
    --------
    >>> X_b = [[1.0, 0.0], [1.0, 2.0]]
    >>> print(step_factors(X_b, 0.25).round(6))
    [0.809017 0.309017]
    """
    eta = check_real(eta, "eta", what="the learning rate")
    return np.abs(1.0 - eta * hessian_eigenvalues(X_b))


def cost_surface(
    X_b: ArrayLike, y: ArrayLike, theta0_values: ArrayLike, theta1_values: ArrayLike
) -> NDArray[np.float64]:
    """MSE(θ₀, θ₁) on the grid ``theta0_values`` × ``theta1_values``.

    For a problem with one feature (X_b of shape (m, 2)), evaluates the cost
    at every pair (θ₀, θ₁) in one vectorized pass, ready for
    :func:`matplotlib.pyplot.contour`.

    Parameters
    ----------
    X_b : array_like, shape (m, 2)
    y : array_like, shape (m,) or (m, 1)
    theta0_values : array_like, shape (p,)
        Values of the bias θ₀ (the x-axis of a contour plot).
    theta1_values : array_like, shape (q,)
        Values of the weight θ₁ (the y-axis).

    Returns
    -------
    J : ndarray, shape (q, p)
        ``J[r, c]`` is MSE((theta0_values[c], theta1_values[r])), the layout
        of ``np.meshgrid(theta0_values, theta1_values)``.

    Raises
    ------
    TypeError
        For non-numeric input.
    ValueError
        If X_b does not have exactly 2 columns, the shapes do not conform, a
        grid is not a non-empty 1-D array, or any input holds NaN/inf.

    Examples
    --------
    >>> X_b = [[1.0, 0.0], [1.0, 1.0]]
    >>> cost_surface(X_b, [1.0, 1.0], [0.0, 1.0], [0.0, 1.0])
    array([[1. , 0. ],
           [0.5, 0.5]])
    """
    _, X_b, y = check_problem(None, X_b, y)
    if X_b.shape[1] != 2:
        raise ValueError(
            f"cost_surface needs one feature, X_b of shape (m, 2) = (θ₀, θ₁) columns; got shape {X_b.shape}"
        )
    grids = []
    for name, values in (("theta0_values", theta0_values), ("theta1_values", theta1_values)):
        array = as_numeric_array(values, name)
        if array.ndim != 1 or array.size == 0:
            raise ValueError(f"{name} must be a non-empty 1-D array of grid values; got shape {array.shape}")
        check_finite(array, name)
        grids.append(array)
    t0, t1 = grids
    y_vec = y.reshape(-1)
    # Residual of instance i at grid point (r, c): θ₀ x₀⁽ⁱ⁾ + θ₁ x₁⁽ⁱ⁾ − y⁽ⁱ⁾.
    # Instances are processed in chunks, so memory stays bounded (about
    # 2**22 numbers) however large m and the grid are.
    chunk = max(1, 2**22 // (t0.size * t1.size))
    total = np.zeros((t1.size, t0.size))
    for start in range(0, X_b.shape[0], chunk):
        rows, targets = X_b[start : start + chunk], y_vec[start : start + chunk]
        residual = (
            rows[:, 0, np.newaxis, np.newaxis] * t0[np.newaxis, np.newaxis, :]
            + rows[:, 1, np.newaxis, np.newaxis] * t1[np.newaxis, :, np.newaxis]
            - targets[:, np.newaxis, np.newaxis]
        )
        total += np.einsum("irc,irc->rc", residual, residual)
    return total / X_b.shape[0]
