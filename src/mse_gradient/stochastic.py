"""Stochastic and mini-batch gradient descent: steps with the gradient of a sample.

The gradient is a mean over the instances, ∇θ MSE(θ) = (1/m) Σᵢ 2 eᵢ x⁽ⁱ⁾
with eᵢ = θᵀx⁽ⁱ⁾ − y⁽ⁱ⁾. Stochastic gradient descent steps with one term of
that mean, the gradient of one instance's squared error; mini-batch descent
with the mean over a random batch of instances. Both are unbiased estimates of
the full gradient, and both use the package's one gradient kernel on the rows
they sample.

The random draws follow Hands-On ML, chapter 4: a legacy
:class:`numpy.random.RandomState` seeded with ``seed`` gives the initial θ
(``randn(n+1, 1)``), then one ``randint(m)`` per stochastic step or one
``permutation(m)`` per mini-batch epoch. With ``seed=42`` these are exactly the
draws of the book's notebook after ``np.random.seed(42)``, but the generator
is private: numpy's global random state is never touched.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import check_positive_int, check_problem, check_real, check_vector
from .gradients import _gradient_kernel
from .model import _mse
from .solvers import DescentResult

__all__ = [
    "StochasticResult",
    "learning_schedule",
    "stochastic_gradient_descent",
    "minibatch_gradient_descent",
    "instance_gradients",
    "minibatch_gradient_variance",
]


@dataclass(frozen=True)
class StochasticResult(DescentResult):
    """What the stochastic and mini-batch descents return: a :class:`DescentResult` and more.

    Attributes
    ----------
    theta, theta_path, cost_history, diverged
        As in :class:`DescentResult`: ``theta_path`` holds θ before the first
        step and after every epoch, ``cost_history`` the MSE on the whole data
        at each of them, so :attr:`epochs_run` counts epochs.
    steps_per_epoch : int
        m for stochastic descent, ⌈m / batch_size⌉ for mini-batch descent.
    step_path : ndarray of shape (steps + 1, n+1), or None
        θ before the first step and after every step, when the descent was
        called with ``record_steps=True``; otherwise None.
    """

    steps_per_epoch: int = 1
    step_path: NDArray[np.float64] | None = None


def learning_schedule(t: int, t0: float, t1: float) -> float:
    """The learning rate of step t, η(t) = t0 / (t + t1), as in Hands-On ML.

    Parameters
    ----------
    t : int
        The number of steps taken before this one (0 for the first step).
    t0, t1 : float
        Positive constants; η starts at t0 / t1 and decays like t0 / t.

    Examples
    --------
    >>> learning_schedule(0, 5, 50), learning_schedule(50, 5, 50)
    (0.1, 0.05)
    """
    t = check_positive_int(t, "t", allow_zero=True)
    t0 = check_real(t0, "t0", what="the numerator of the learning schedule")
    t1 = check_real(t1, "t1", what="the offset of the learning schedule")
    return t0 / (t + t1)


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer in 0..2**32 - 1; got {type(seed).__name__} {seed!r}")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be an integer in 0..2**32 - 1; got {seed}")
    return int(seed)


def _start(
    X_b: NDArray[np.float64], y: NDArray[np.float64], theta0: ArrayLike | None, rng: np.random.RandomState
) -> tuple[NDArray[np.float64], tuple[int, ...]]:
    """The initial θ (1-D) and the shape the result is returned in."""
    n_plus_1 = X_b.shape[1]
    if theta0 is None:
        # The book: theta = np.random.randn(n + 1, 1), the first draw after seeding.
        return rng.randn(n_plus_1, 1).reshape(-1), ((n_plus_1, 1) if y.ndim == 2 else (n_plus_1,))
    theta0 = check_vector(theta0, "theta0", n_plus_1, "n+1", context=f"the columns of X_b, shape {X_b.shape}")
    return theta0.reshape(-1).astype(np.float64, copy=True), theta0.shape


def _descend(
    name: str,
    X_b: NDArray[np.float64],
    y_vec: NDArray[np.float64],
    theta: NDArray[np.float64],
    out_shape: tuple[int, ...],
    n_epochs: int,
    batches_of_epoch,
    rate,
    record_steps: bool,
) -> StochasticResult:
    """The loop both descents share: for each epoch, one step per batch of row indices."""
    path = [theta.copy()]
    costs = [_mse(theta, X_b, y_vec)]
    steps = [theta.copy()] if record_steps else None
    diverged = False
    t = 0
    steps_per_epoch = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, n_epochs + 1):
            epoch_steps = []
            for rows in batches_of_epoch():
                theta = theta - rate(t) * _gradient_kernel(theta, X_b[rows], y_vec[rows])
                t += 1
                if record_steps:
                    epoch_steps.append(theta.copy())
            steps_per_epoch = t // epoch
            cost = _mse(theta, X_b, y_vec)
            if not np.isfinite(cost):
                diverged = True
                warnings.warn(
                    f"{name} diverged: the cost became {cost} in epoch {epoch} (learning rate {rate(0)} at the "
                    "first step); stopped, returning the theta of the last finite epoch. Try a smaller t0 or eta.",
                    RuntimeWarning,
                    stacklevel=3,
                )
                break
            path.append(theta.copy())
            costs.append(cost)
            if steps is not None:
                steps.extend(epoch_steps)
    theta_path = np.array(path)
    return StochasticResult(
        theta=theta_path[-1].reshape(out_shape),
        theta_path=theta_path,
        cost_history=np.array(costs),
        diverged=diverged,
        steps_per_epoch=steps_per_epoch,
        step_path=None if steps is None else np.array(steps),
    )


def _rate(t0: float, t1: float, eta: float | None):
    if eta is not None:
        eta = check_real(eta, "eta", what="the constant learning rate")
        return lambda t: eta
    return lambda t: t0 / (t + t1)


def stochastic_gradient_descent(
    X_b: ArrayLike,
    y: ArrayLike,
    n_epochs: int = 50,
    t0: float = 5,
    t1: float = 50,
    theta0: ArrayLike | None = None,
    seed: int = 42,
    *,
    eta: float | None = None,
    record_steps: bool = False,
) -> StochasticResult:
    """Stochastic gradient descent: each step uses the gradient of one random instance.

    Step t draws an index i uniformly from 0..m−1 (with replacement, so an
    epoch of m steps may repeat some instances and miss others) and updates

        θ ← θ − η(t) · 2 eᵢ x⁽ⁱ⁾,   eᵢ = θᵀx⁽ⁱ⁾ − y⁽ⁱ⁾,   η(t) = t0 / (t + t1),

    where 2 eᵢ x⁽ⁱ⁾ is the MSE gradient of the one-instance data set
    (x⁽ⁱ⁾, y⁽ⁱ⁾), computed by the package's gradient kernel, and t counts the
    steps from 0. Its mean over i is the full gradient.

    Parameters
    ----------
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)
    n_epochs : int, default 50
        Number of epochs (≥ 0), m steps each.
    t0, t1 : float, default 5 and 50
        The learning schedule η(t) = t0 / (t + t1) (both > 0): the book's values.
    theta0 : array_like, optional
        Starting point. When omitted, θ is drawn as the book draws it,
        ``randn(n+1, 1)`` from the seeded generator.
    seed : int, default 42
        Seed of the private legacy generator (:class:`numpy.random.RandomState`);
        42 reproduces the book's draws.
    eta : float, optional, keyword-only
        A constant learning rate used at every step instead of the schedule
        (then t0 and t1 are not used).
    record_steps : bool, default False, keyword-only
        Keep θ after every step in ``step_path`` (m · n_epochs + 1 rows).

    Returns
    -------
    StochasticResult
        A :class:`DescentResult` (``theta``, ``theta_path`` and
        ``cost_history`` per epoch, ``diverged``) with ``steps_per_epoch``
        and ``step_path``.

    Raises
    ------
    TypeError, ValueError
        For bad data (non-numeric, mismatched lengths, NaN/inf), a negative
        or non-integer ``n_epochs``, ``t0``, ``t1`` or ``eta`` not positive and
        finite, or a ``theta0`` of the wrong length.

    Warns
    -----
    RuntimeWarning
        When the cost becomes NaN or inf: the descent stops and returns the θ
        of the last finite epoch with ``diverged`` set.

    Examples
    --------
    The book's result, from the book's data and random draws:

    >>> from mse_gradient import add_bias, make_linear_data
    >>> X, y = make_linear_data()
    >>> result = stochastic_gradient_descent(add_bias(X), y)
    >>> print(result.theta.ravel().round(8))
    [4.21076011 2.74856079]
    >>> result.theta_path.shape, result.steps_per_epoch
    ((51, 2), 100)
    """
    _, X_b, y = check_problem(None, X_b, y)
    n_epochs = check_positive_int(n_epochs, "n_epochs", allow_zero=True)
    t0 = check_real(t0, "t0", what="the numerator of the learning schedule")
    t1 = check_real(t1, "t1", what="the offset of the learning schedule")
    rng = np.random.RandomState(_check_seed(seed))
    rate = _rate(t0, t1, eta)
    theta, out_shape = _start(X_b, y, theta0, rng)
    m = X_b.shape[0]

    def batches_of_epoch():
        # The book draws random_index = np.random.randint(m) once per step; drawing the
        # epoch's m indices in one call gives the same numbers, in the same order.
        for i in rng.randint(m, size=m).tolist():
            yield slice(i, i + 1)

    return _descend(
        "stochastic gradient descent",
        X_b,
        y.reshape(-1),
        theta,
        out_shape,
        n_epochs,
        batches_of_epoch,
        rate,
        record_steps,
    )


def minibatch_gradient_descent(
    X_b: ArrayLike,
    y: ArrayLike,
    batch_size: int = 20,
    n_epochs: int = 50,
    t0: float = 200,
    t1: float = 1000,
    theta0: ArrayLike | None = None,
    seed: int = 42,
    *,
    eta: float | None = None,
    record_steps: bool = False,
) -> StochasticResult:
    """Mini-batch gradient descent: each step uses the gradient of a batch of instances.

    Each epoch shuffles the instances (one ``permutation(m)``) and cuts the
    shuffled order into ⌈m / batch_size⌉ consecutive batches B; step t updates

        θ ← θ − η(t) · (2/|B|) X_Bᵀ(X_B θ − y_B),   η(t) = t0 / (t + t1),

    the MSE gradient of the batch alone, computed by the package's gradient
    kernel. When batch_size does not divide m, the last batch of an epoch is
    smaller and is averaged over its own |B| instances. (The book's code
    divides by batch_size there too; with the book's m = 100 and
    batch_size = 20 every batch is full and the two agree.)

    Parameters
    ----------
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)
    batch_size : int, default 20
        Instances per batch, an integer in 1..m.
    n_epochs : int, default 50
        Number of epochs (≥ 0).
    t0, t1 : float, default 200 and 1000
        The learning schedule η(t) = t0 / (t + t1) (both > 0): the book's values.
    theta0 : array_like, optional
        Starting point; drawn as the book draws it when omitted.
    seed : int, default 42
        Seed of the private legacy generator; 42 reproduces the book's draws.
    eta : float, optional, keyword-only
        A constant learning rate instead of the schedule.
    record_steps : bool, default False, keyword-only
        Keep θ after every step in ``step_path``.

    Returns
    -------
    StochasticResult

    Raises
    ------
    TypeError, ValueError
        As :func:`stochastic_gradient_descent`, and for a ``batch_size`` that
        is not an integer in 1..m.

    Warns
    -----
    RuntimeWarning
        When the cost becomes NaN or inf (the descent stops, ``diverged`` set).

    Examples
    --------
    >>> from mse_gradient import add_bias, make_linear_data
    >>> X, y = make_linear_data()
    >>> result = minibatch_gradient_descent(add_bias(X), y, batch_size=20)
    >>> print(result.theta.ravel().round(8))
    [4.25224124 2.78970189]
    >>> result.steps_per_epoch
    5
    >>> minibatch_gradient_descent(add_bias(X), y, batch_size=101)
    Traceback (most recent call last):
    ...
    ValueError: batch_size must be an integer in 1..m = 100 (the rows of X_b, shape (100, 2)); got 101
    """
    _, X_b, y = check_problem(None, X_b, y)
    m = X_b.shape[0]
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(
            f"batch_size must be an integer in 1..m = {m} (the rows of X_b, shape {X_b.shape}); "
            f"got {type(batch_size).__name__} {batch_size!r}"
        )
    if not 1 <= batch_size <= m:
        raise ValueError(
            f"batch_size must be an integer in 1..m = {m} (the rows of X_b, shape {X_b.shape}); got {batch_size}"
        )
    batch_size = int(batch_size)
    n_epochs = check_positive_int(n_epochs, "n_epochs", allow_zero=True)
    t0 = check_real(t0, "t0", what="the numerator of the learning schedule")
    t1 = check_real(t1, "t1", what="the offset of the learning schedule")
    rng = np.random.RandomState(_check_seed(seed))
    rate = _rate(t0, t1, eta)
    theta, out_shape = _start(X_b, y, theta0, rng)
    n_batches = math.ceil(m / batch_size)

    def batches_of_epoch():
        order = rng.permutation(m)  # the book: shuffled_indices = np.random.permutation(m)
        for k in range(n_batches):
            yield order[k * batch_size : (k + 1) * batch_size]

    return _descend(
        "mini-batch gradient descent",
        X_b,
        y.reshape(-1),
        theta,
        out_shape,
        n_epochs,
        batches_of_epoch,
        rate,
        record_steps,
    )


def instance_gradients(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    """The m terms of the gradient's mean: row i is 2 eᵢ x⁽ⁱ⁾, the MSE gradient of instance i alone.

    Row i is the gradient of the cost of the one-instance data set
    (x⁽ⁱ⁾, y⁽ⁱ⁾), computed by the package's gradient kernel on that row, so
    the mean of the rows is ∇θ MSE(θ) and the rows are what stochastic
    gradient descent steps with. It loops over the instances (use it for
    analysis, not for training).

    Parameters
    ----------
    theta : array_like, shape (n+1,) or (n+1, 1)
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)

    Returns
    -------
    ndarray, shape (m, n+1)

    Examples
    --------
    >>> X_b = [[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]]
    >>> G = instance_gradients([0.0, 0.0], X_b, [1.0, 3.0, 5.0])
    >>> G
    array([[ -2.,  -2.],
           [ -6., -12.],
           [-10., -30.]])
    >>> G.mean(axis=0)  # the full gradient
    array([ -6.        , -14.66666667])
    """
    theta, X_b, y = check_problem(theta, X_b, y)
    theta_vec, y_vec = theta.reshape(-1), y.reshape(-1)
    return np.array([_gradient_kernel(theta_vec, X_b[i : i + 1], y_vec[i : i + 1]) for i in range(X_b.shape[0])])


def minibatch_gradient_variance(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike, batch_size: int) -> float:
    """Exact E‖g_B − ∇θ MSE(θ)‖² for a batch B of b instances drawn without replacement.

    With gᵢ the instance gradients (:func:`instance_gradients`), their mean
    ∇ = ∇θ MSE(θ) and their spread σ² = (1/m) Σᵢ ‖gᵢ − ∇‖², the mean g_B of
    the gradients of a uniformly random b-subset B has

        E‖g_B − ∇‖² = σ² (m − b) / (b (m − 1)),

    which is σ²/b (the value for b independent draws) times the
    finite-population factor (m − b)/(m − 1); it is 0 for b = m.

    Parameters
    ----------
    theta, X_b, y
        As in :func:`mse_gradient.gradient`.
    batch_size : int
        b, an integer in 1..m.

    Returns
    -------
    float

    Examples
    --------
    >>> X_b = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]
    >>> v1 = minibatch_gradient_variance([0.0, 0.0], X_b, [1.0, 3.0, 5.0], 1)
    >>> v3 = minibatch_gradient_variance([0.0, 0.0], X_b, [1.0, 3.0, 5.0], 3)
    >>> print(f"{v1:.6f} {v3:.6f}")
    80.888889 0.000000
    """
    G = instance_gradients(theta, X_b, y)
    m = G.shape[0]
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(f"batch_size must be an integer in 1..m = {m}; got {type(batch_size).__name__} {batch_size!r}")
    if not 1 <= batch_size <= m:
        raise ValueError(f"batch_size must be an integer in 1..m = {m} (the rows of X_b); got {batch_size}")
    if m == 1:
        return 0.0
    deviations = G - G.mean(axis=0)
    sigma2 = float(np.sum(deviations * deviations)) / m
    return sigma2 * (m - batch_size) / (batch_size * (m - 1))
