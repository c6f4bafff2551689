"""The linear model and its cost: ŷ = X_b θ and MSE(θ)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import check_problem

__all__ = ["predict", "mse"]


def predict(theta: ArrayLike, X_b: ArrayLike) -> NDArray[np.float64]:
    """Predictions ŷ⁽ⁱ⁾ = θᵀx⁽ⁱ⁾ for every instance, i.e. ŷ = X_b θ.

    Parameters
    ----------
    theta : array_like, shape (n+1,) or (n+1, 1)
        Parameters θ₀ … θₙ.
    X_b : array_like, shape (m, n+1)
        Instances as rows, first column all ones.

    Returns
    -------
    y_hat : ndarray, shape (m,) or (m, 1)
        1-D when ``theta`` is 1-D, a column when ``theta`` is a column.

    Examples
    --------
    >>> predict([4.0, 3.0], [[1.0, 0.0], [1.0, 2.0]])
    array([ 4., 10.])
    """
    theta, X_b, _ = check_problem(theta, X_b, None)
    return X_b @ theta


def mse(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike) -> float:
    """Mean squared error MSE(θ) = (1/m) Σᵢ (θᵀx⁽ⁱ⁾ − y⁽ⁱ⁾)².

    Parameters
    ----------
    theta : array_like, shape (n+1,) or (n+1, 1)
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)

    Returns
    -------
    float

    Examples
    --------
    >>> X_b = [[1.0, 0.0], [1.0, 1.0]]
    >>> mse([0.0, 1.0], X_b, [1.0, 1.0])  # residuals -1 and 0
    0.5
    """
    theta, X_b, y = check_problem(theta, X_b, y)
    return _mse(theta.reshape(-1), X_b, y.reshape(-1))


def _mse(theta: NDArray[np.float64], X_b: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """MSE of validated 1-D ``theta`` and ``y``."""
    residual = X_b @ theta - y
    return float(residual @ residual) / X_b.shape[0]
