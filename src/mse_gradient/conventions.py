"""One gradient, many conventions: the squared-error cost as other texts write it.

Every text below minimizes a constant multiple of the same sum of squared
residuals, sometimes plus a ridge penalty, and writes the gradient either as
a column (denominator layout, like Hands-On ML) or as a row (numerator
layout). :func:`source_gradient` evaluates each source's gradient with the
formula *as that source writes it*, in its own shape; the chapter checks that
it equals ``scale(m)`` times our gradient (2/m) Xᵀ(Xθ − y), transposed for
rows. Sources and where each convention was checked are listed in the
chapter.

Examples
--------
>>> X_b = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]
>>> y = [1.0, 3.0, 5.0]
>>> source_gradient("cs229", [0.0, 0.0], X_b, y).ravel()
array([ -9., -13.])
>>> CONVENTIONS["cs229"].scale(3)
1.5
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import check_problem, check_real

__all__ = ["Convention", "CONVENTIONS", "source_gradient"]


@dataclass(frozen=True)
class Convention:
    """How one source writes the cost and its gradient.

    Attributes
    ----------
    source : str
        Who writes it so.
    cost : str
        The cost in the book's symbols (LaTeX).
    gradient : str
        The gradient as the source writes it, in the book's symbols (LaTeX).
    layout : str
        ``"column"`` (an (n+1) × 1 gradient) or ``"row"`` (1 × (n+1)).
    scale : callable
        m ↦ c such that the source's gradient of the data term is c · ∇MSE(θ).
    penalized : bool
        Whether the cost has a ridge penalty α Σ_{j≥1} θⱼ² in the source's own scaling.
    book_alpha : callable
        (α, m) ↦ the α of :func:`mse_gradient.ridge_gradient` for which the
        source's gradient is ``scale(m) * ridge_gradient(θ, X_b, y, book_alpha(α, m))``.
    """

    source: str
    cost: str
    gradient: str
    layout: str
    scale: Callable[[int], float]
    penalized: bool = False
    book_alpha: Callable[[float, int], float] = lambda alpha, m: 0.0


CONVENTIONS: dict[str, Convention] = {
    "hands-on-ml": Convention(
        "Hands-On ML (Géron), chapter 4",
        r"\frac{1}{m}\lVert \X\btheta - \by \rVert^2",
        r"\frac{2}{m}\X^\top(\X\btheta - \by)",
        "column",
        lambda m: 1.0,
    ),
    "cs229": Convention(
        "CS229 lecture notes (Ng)",
        r"\frac{1}{2}\sum_{i=1}^{m} (\btheta^\top\bx^{(i)} - y^{(i)})^2",
        r"\X^\top\X\btheta - \X^\top\by",
        "column",
        lambda m: m / 2,
    ),
    "d2l": Convention(
        "Dive into Deep Learning, section 3.1",
        r"\frac{1}{m}\sum_{i=1}^{m} \frac{1}{2}(\btheta^\top\bx^{(i)} - y^{(i)})^2",
        r"\frac{1}{m}\X^\top(\X\btheta - \by)",
        "column",
        lambda m: 0.5,
    ),
    "mml": Convention(
        "Mathematics for Machine Learning, Example 5.11",
        r"\lVert \by - \X\btheta \rVert^2",
        r"-2(\by - \X\btheta)^\top\X",
        "row",
        lambda m: float(m),
    ),
    "parr-howard": Convention(
        "Parr & Howard, The Matrix Calculus You Need for Deep Learning",
        r"\frac{1}{m}\sum_{i=1}^{m} (\btheta^\top\bx^{(i)} - y^{(i)})^2",
        r"\frac{2}{m}\sum_{i=1}^{m} (\btheta^\top\bx^{(i)} - y^{(i)})\,\bx^{(i)\top}",
        "row",
        lambda m: 1.0,
    ),
    "sklearn-linear": Convention(
        "Scikit-Learn LinearRegression",
        r"\lVert \by - \X\btheta \rVert^2",
        r"2\X^\top(\X\btheta - \by)",
        "column",
        lambda m: float(m),
    ),
    "sklearn-ridge": Convention(
        "Scikit-Learn Ridge",
        r"\lVert \by - \X\btheta \rVert^2 + \alpha\sum_{j=1}^{n}\theta_j^2",
        r"2\X^\top(\X\btheta - \by) + 2\alpha(0, \theta_1, \dots, \theta_n)^\top",
        "column",
        lambda m: float(m),
        True,
        lambda alpha, m: alpha / m,
    ),
    "sklearn-sgd": Convention(
        "Scikit-Learn SGDRegressor (squared_error, l2)",
        r"\frac{1}{m}\sum_{i=1}^{m}\frac{1}{2}(\btheta^\top\bx^{(i)} - y^{(i)})^2 + \frac{\alpha}{2}\sum_{j=1}^{n}\theta_j^2",
        r"\frac{1}{m}\X^\top(\X\btheta - \by) + \alpha(0, \theta_1, \dots, \theta_n)^\top",
        "column",
        lambda m: 0.5,
        True,
        lambda alpha, m: alpha,
    ),
}


def source_gradient(
    key: str, theta: ArrayLike, X_b: ArrayLike, y: ArrayLike, alpha: float = 0.0
) -> NDArray[np.float64]:
    """The gradient of source ``key``'s cost, computed with that source's own formula.

    Parameters
    ----------
    key : str
        A key of :data:`CONVENTIONS`.
    theta : array_like, shape (n+1,) or (n+1, 1)
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)
    alpha : float
        The source's regularization strength (≥ 0); only for penalized costs.

    Returns
    -------
    ndarray
        Shape (n+1, 1) for a column layout, (1, n+1) for a row layout.

    Raises
    ------
    KeyError
        For an unknown key.
    ValueError
        For a non-zero ``alpha`` with a cost that has no penalty, or bad data.

    Examples
    --------
    >>> source_gradient("mml", [0.0, 0.0], [[1.0, 1.0]], [2.0])
    array([[-4., -4.]])
    """
    if key not in CONVENTIONS:
        raise KeyError(f"no convention {key!r}; known: {sorted(CONVENTIONS)}")
    convention = CONVENTIONS[key]
    alpha = check_real(alpha, "alpha", allow_zero=True)
    if alpha and not convention.penalized:
        raise ValueError(f"{convention.source} has no penalty; alpha must be 0, got {alpha}")
    theta, X_b, y = check_problem(theta, X_b, y)
    theta_col, y_col = theta.reshape(-1, 1), y.reshape(-1, 1)
    m = X_b.shape[0]
    weights = theta_col.copy()
    weights[0] = 0.0  # the intercept is not penalized
    if key == "hands-on-ml":
        return (2 / m) * X_b.T @ (X_b @ theta_col - y_col)
    if key == "cs229":
        return X_b.T @ X_b @ theta_col - X_b.T @ y_col
    if key == "d2l":
        return (1 / m) * X_b.T @ (X_b @ theta_col - y_col)
    if key == "mml":
        e = y_col - X_b @ theta_col
        return -2 * e.T @ X_b
    if key == "parr-howard":
        return (2 / m) * sum(
            (float(x @ theta_col[:, 0]) - float(t)) * x[np.newaxis, :] for x, t in zip(X_b, y_col[:, 0])
        )
    if key == "sklearn-linear":
        return 2 * X_b.T @ (X_b @ theta_col - y_col)
    if key == "sklearn-ridge":
        return 2 * X_b.T @ (X_b @ theta_col - y_col) + 2 * alpha * weights
    # sklearn-sgd: half squared error averaged, plus alpha/2 ||w||^2
    return (1 / m) * X_b.T @ (X_b @ theta_col - y_col) + alpha * weights
