"""Two ways to find the θ that minimizes the MSE: the closed form and descent."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import check_positive_int, check_problem, check_real, check_vector
from .gradients import _gradient_kernel
from .model import _mse

__all__ = ["normal_equation", "batch_gradient_descent", "DescentResult"]


def normal_equation(X_b: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    """Solve the normal equation XᵀX θ = Xᵀy, where the gradient vanishes.

    Setting (2/m) Xᵀ(Xθ − y) = 0 gives XᵀX θ = Xᵀy. It is solved here by
    least squares (:func:`numpy.linalg.lstsq`), which is numerically safer
    than forming (XᵀX)⁻¹ but has the same solution when X has full column
    rank.

    Parameters
    ----------
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)

    Returns
    -------
    theta : ndarray, shape (n+1,) or (n+1, 1)
        1-D when ``y`` is 1-D, a column when ``y`` is a column.

    Raises
    ------
    ValueError
        For the usual bad input, and when X_b does not have full column rank
        (then the minimizer is not unique).

    Examples
    --------
    >>> from mse_gradient import add_bias, make_linear_data
    >>> X, y = make_linear_data()
    >>> print(normal_equation(add_bias(X), y).ravel().round(8))
    [4.21509616 2.77011339]
    """
    _, X_b, y = check_problem(None, X_b, y)
    theta, _, rank, _ = np.linalg.lstsq(X_b, y.reshape(-1), rcond=None)
    if rank < X_b.shape[1]:
        raise ValueError(
            f"X_b of shape {X_b.shape} has rank {rank} < n+1 = {X_b.shape[1]}: "
            "XᵀX is singular and the minimizer is not unique"
        )
    return theta.reshape((-1, 1) if y.ndim == 2 else (-1,))


@dataclass(frozen=True)
class DescentResult:
    """What :func:`batch_gradient_descent` returns.

    Attributes
    ----------
    theta : ndarray
        The final θ (shape of ``theta0``; a column if ``y`` is a column).
    theta_path : ndarray, shape (epochs_run + 1, n+1)
        θ before the first step and after every epoch.
    cost_history : ndarray, shape (epochs_run + 1,)
        MSE at each θ of ``theta_path``.
    diverged : bool
        True when the cost became non-finite and the descent stopped early.
    """

    theta: NDArray[np.float64]
    theta_path: NDArray[np.float64]
    cost_history: NDArray[np.float64]
    diverged: bool

    @property
    def epochs_run(self) -> int:
        """Number of gradient steps actually taken."""
        return len(self.cost_history) - 1


def batch_gradient_descent(
    X_b: ArrayLike,
    y: ArrayLike,
    eta: float = 0.1,
    n_epochs: int = 1000,
    theta0: ArrayLike | None = None,
) -> DescentResult:
    """Batch gradient descent, θ ← θ − η ∇θ MSE(θ), using the full data each step.

    Parameters
    ----------
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)
    eta : float, default 0.1
        Learning rate η > 0.
    n_epochs : int, default 1000
        Number of steps (≥ 0).
    theta0 : array_like, optional
        Starting point; zeros when omitted.

    Returns
    -------
    DescentResult

    Warns
    -----
    RuntimeWarning
        When the cost becomes NaN or inf (η too large): the descent stops at
        that epoch and ``diverged`` is True; no NaN θ is returned silently.

    Examples
    --------
    >>> from mse_gradient import add_bias, make_linear_data
    >>> X, y = make_linear_data()
    >>> result = batch_gradient_descent(add_bias(X), y, eta=0.1, n_epochs=1000)
    >>> print(result.theta.ravel().round(8))
    [4.21509616 2.77011339]
    >>> result.theta_path.shape, result.cost_history.shape
    ((1001, 2), (1001,))
    """
    _, X_b, y = check_problem(None, X_b, y)
    eta = check_real(eta, "eta", what="the learning rate")
    n_epochs = check_positive_int(n_epochs, "n_epochs", allow_zero=True)
    n_plus_1 = X_b.shape[1]
    if theta0 is None:
        out_shape: tuple[int, ...] = (n_plus_1, 1) if y.ndim == 2 else (n_plus_1,)
        theta = np.zeros(n_plus_1)
    else:
        theta0 = check_vector(theta0, "theta0", n_plus_1, "n+1", context=f"the columns of X_b, shape {X_b.shape}")
        out_shape = theta0.shape
        theta = theta0.reshape(-1).copy()
    y_vec = y.reshape(-1)

    path = [theta.copy()]
    costs = [_mse(theta, X_b, y_vec)]
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, n_epochs + 1):
            theta = theta - eta * _gradient_kernel(theta, X_b, y_vec)
            cost = _mse(theta, X_b, y_vec)
            if not np.isfinite(cost):
                diverged = True
                warnings.warn(
                    f"batch gradient descent diverged: the cost became {cost} at epoch {epoch} "
                    f"with eta = {eta}; stopped, returning the last finite theta. Try a smaller eta.",
                    RuntimeWarning,
                    stacklevel=2,
                )
                break
            path.append(theta.copy())
            costs.append(cost)
    theta_path = np.array(path)
    return DescentResult(
        theta=theta_path[-1].reshape(out_shape),
        theta_path=theta_path,
        cost_history=np.array(costs),
        diverged=diverged,
    )
