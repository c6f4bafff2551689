"""Data: the book's example data set and the bias column x₀ = 1."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_numeric_array, check_finite, check_positive_int

__all__ = ["add_bias", "make_linear_data"]


def add_bias(X: ArrayLike) -> NDArray[np.float64]:
    """Prepend the bias feature x₀ = 1 to every instance.

    Parameters
    ----------
    X : array_like, shape (m,) or (m, n)
        The feature matrix, one row per instance. A 1-D array is read as a
        single feature (n = 1), as in Hands-On ML's ``X`` of shape (m, 1).

    Returns
    -------
    X_b : ndarray, shape (m, n+1)
        ``X`` with a first column of ones, so that ``X_b @ theta`` equals
        θ₀ + θ₁x₁ + … + θₙxₙ for every instance.

    Raises
    ------
    TypeError
        If ``X`` is not numeric.
    ValueError
        If ``X`` is not 1-D or 2-D, has no instances, or holds NaN/inf.

    Examples
    --------
    >>> add_bias([[2.0], [3.0]])
    array([[1., 2.],
           [1., 3.]])
    >>> add_bias([0.5, 1.5, 2.5]).shape
    (3, 2)
    """
    X = as_numeric_array(X, "X")
    if X.ndim == 1:
        X = X[:, np.newaxis]
    if X.ndim != 2:
        raise ValueError(f"X must be 1-D (one feature) or 2-D with shape (m, n); got {X.ndim}-D shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"X has no instances (m = 0); shape {X.shape}")
    check_finite(X, "X")
    return np.hstack([np.ones((X.shape[0], 1)), X])


def make_linear_data(m: int = 100, seed: int = 42) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the linear data set of Hands-On ML, chapter 4.

    The book runs ``np.random.seed(42)``, then ``X = 2 * np.random.rand(100, 1)``
    and ``y = 4 + 3 * X + np.random.randn(100, 1)``. This function draws the
    same numbers from a private legacy generator
    (:class:`numpy.random.RandomState`), so numpy's global random state is
    left untouched.

    Parameters
    ----------
    m : int, default 100
        Number of instances.
    seed : int, default 42
        Seed of the legacy generator; 42 reproduces the book.

    Returns
    -------
    X : ndarray, shape (m, 1)
        One feature, uniform on [0, 2).
    y : ndarray, shape (m, 1)
        Targets 4 + 3x plus standard Gaussian noise.

    Examples
    --------
    >>> X, y = make_linear_data()
    >>> X.shape, y.shape
    ((100, 1), (100, 1))
    >>> print(f"{X[0, 0]:.8f} {y[0, 0]:.8f}")
    0.74908024 6.33428778
    """
    m = check_positive_int(m, "m")
    seed = check_positive_int(seed, "seed", allow_zero=True)
    rng = np.random.RandomState(seed)
    X = 2 * rng.rand(m, 1)
    y = 4 + 3 * X + rng.randn(m, 1)
    return X, y
