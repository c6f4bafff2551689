"""Data that does not fit in memory: the gradient as a sum over chunks of rows.

Split the m instances into consecutive chunks c = 1, …, C of rows. The sum
over instances in ∇MSE(θ) = (2/m) Σᵢ eᵢ x⁽ⁱ⁾ splits into sums over chunks,

    ∇MSE(θ) = (2/m) Σ_c X_cᵀ (X_c θ − y_c),

where X_c and y_c are the rows of chunk c. Each chunk needs only its own rows
and the n+1 numbers of θ, and contributes n+1 numbers; m is the total count.

* :func:`gradient_by_chunks` — the formula above with NumPy, one chunk at a time.
* :func:`dask_gradient` — the formula ``(2/m) X.T @ (X @ theta - y)`` on
  :mod:`dask.array` arrays chunked by rows; Dask turns it into one task per
  chunk and a sum of the partial results.
* :func:`lazy_linear_data` — a chunked data set that never exists in memory
  as a whole: every chunk is generated when a computation needs it, from a
  random generator seeded by (seed, chunk index), so the same chunk comes out
  every time.
* :func:`chunked_gradient_descent` — batch gradient descent on such arrays,
  one pass over the chunks per epoch.

Examples
--------
>>> import numpy as np
>>> X_b = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
>>> y = np.array([1.0, 3.0, 5.0, 7.0])
>>> print(gradient_by_chunks([0.0, 0.0], X_b, y, rows_per_chunk=3))
[ -8. -17.]
"""

from __future__ import annotations

import warnings
from typing import Any

import dask
import dask.array as da
import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import check_positive_int, check_problem, check_real, check_vector
from .solvers import DescentResult

__all__ = ["gradient_by_chunks", "dask_gradient", "lazy_linear_data", "chunked_gradient_descent"]

_SCHEDULERS = ("synchronous", "threads")


def gradient_by_chunks(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike, rows_per_chunk: int) -> NDArray[np.float64]:
    """(2/m) Σ_c X_cᵀ(X_c θ − y_c), accumulated one chunk of rows at a time.

    Parameters
    ----------
    theta : array_like, shape (n+1,) or (n+1, 1)
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)
    rows_per_chunk : int
        Rows per chunk (≥ 1); the last chunk may be shorter.

    Returns
    -------
    ndarray, shape (n+1,)

    Raises
    ------
    TypeError, ValueError
        For bad data (see :func:`mse_gradient.gradient`) or a chunk size that
        is not a positive integer.

    Examples
    --------
    >>> print(gradient_by_chunks([1.0, 2.0], [[1.0, 0.0], [1.0, 1.0]], [1.0, 3.0], rows_per_chunk=1))
    [0. 0.]
    """
    theta, X_b, y = check_problem(theta, X_b, y)
    rows_per_chunk = check_positive_int(rows_per_chunk, "rows_per_chunk")
    theta_vec, y_vec = theta.reshape(-1), y.reshape(-1)
    m = X_b.shape[0]
    total = np.zeros(X_b.shape[1])
    for start in range(0, m, rows_per_chunk):
        X_c = X_b[start : start + rows_per_chunk]
        y_c = y_vec[start : start + rows_per_chunk]
        total += X_c.T @ (X_c @ theta_vec - y_c)
    return (2.0 / m) * total


def _check_dask_problem(X_b: Any, y: Any) -> tuple[int, int]:
    if not isinstance(X_b, da.Array) or not isinstance(y, da.Array):
        raise TypeError(
            f"X_b and y must be dask arrays; got {type(X_b).__name__} and {type(y).__name__} "
            "(wrap NumPy arrays with dask.array.from_array)"
        )
    if X_b.ndim != 2 or y.ndim != 1:
        raise ValueError(f"X_b must be 2-D (m, n+1) and y 1-D (m,); got shapes {X_b.shape} and {y.shape}")
    if X_b.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        raise TypeError(f"X_b and y must hold real numbers; got dtypes {X_b.dtype} and {y.dtype}")
    m, n_plus_1 = X_b.shape
    if m == 0 or n_plus_1 == 0:
        raise ValueError(f"X_b must have at least one row and one column; got shape {X_b.shape}")
    if y.shape[0] != m:
        raise ValueError(f"y has {y.shape[0]} entries but X_b has m = {m} rows; shapes {y.shape} and {X_b.shape}")
    if X_b.chunks[0] != y.chunks[0]:
        raise ValueError(
            f"X_b and y must be chunked alike along the instances; got row chunks {X_b.chunks[0]} and {y.chunks[0]}"
        )
    return m, n_plus_1


def dask_gradient(theta: ArrayLike, X_b: Any, y: Any) -> Any:
    """The lazy gradient (2/m) Xᵀ(Xθ − y) of a chunked problem, and its cost.

    The same formula as :func:`mse_gradient.gradient`, written on
    :mod:`dask.array` arrays. Nothing is computed until ``.compute()`` (or
    :func:`dask.compute`) is called; then each chunk of rows yields its
    partial product X_cᵀ(X_c θ − y_c), and Dask adds them up.

    Parameters
    ----------
    theta : array_like, shape (n+1,)
        A NumPy vector (small; it is sent to every chunk).
    X_b : dask.array.Array, shape (m, n+1)
    y : dask.array.Array, shape (m,)
        Chunked along the instances exactly like ``X_b``.

    Returns
    -------
    (dask.array.Array, dask.array.Array)
        The gradient, shape (n+1,), and the MSE, shape (); both lazy. Compute
        them together, ``dask.compute(grad, cost)``, to read every chunk once.

    Raises
    ------
    TypeError
        When X_b or y is not a dask array of real numbers.
    ValueError
        For shapes that do not conform or row chunks that differ.

    Examples
    --------
    >>> import dask.array as da
    >>> X_b = da.from_array(np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]), chunks=(2, 2))
    >>> y = da.from_array(np.array([1.0, 3.0, 5.0]), chunks=2)
    >>> grad, cost = dask_gradient(np.zeros(2), X_b, y)
    >>> print(grad.compute(scheduler="synchronous").round(4), f"{float(cost.compute(scheduler='synchronous')):.4f}")
    [-6.     -8.6667] 11.6667
    """
    m, n_plus_1 = _check_dask_problem(X_b, y)
    theta = check_vector(theta, "theta", n_plus_1, "n+1", context=f"the columns of X_b, shape {X_b.shape}")
    theta = theta.reshape(-1)
    residuals = X_b @ theta - y
    grad = (2.0 / m) * (X_b.T @ residuals)
    cost = (residuals**2).sum() / m
    return grad, cost


def _make_block(
    block_id: tuple[int, int], *, seed: int, rows: tuple[int, ...], theta_true: NDArray[np.float64], noise: float
) -> NDArray[np.float64]:
    """Chunk ``block_id[0]``: the rows [1, x⁽ⁱ⁾ᵀ, y⁽ⁱ⁾], drawn from default_rng([seed, k])."""
    k = block_id[0]
    n = theta_true.size - 1
    rng = np.random.default_rng([seed, k])
    block = np.empty((rows[k], n + 2))
    block[:, 0] = 1.0
    block[:, 1 : n + 1] = rng.standard_normal((rows[k], n))
    block[:, n + 1] = block[:, : n + 1] @ theta_true + noise * rng.standard_normal(rows[k])
    return block


def lazy_linear_data(
    m: int,
    n: int,
    rows_per_chunk: int,
    *,
    theta_true: ArrayLike | None = None,
    noise: float = 1.0,
    seed: int = 0,
) -> tuple[Any, Any]:
    """A chunked linear data set (X_b, y) generated chunk by chunk, on demand.

    Row i is (1, x⁽ⁱ⁾ᵀ) with standard normal features, and
    y⁽ⁱ⁾ = θ_trueᵀx⁽ⁱ⁾ + noise · ε⁽ⁱ⁾. Chunk k is drawn from
    ``numpy.random.default_rng([seed, k])`` when a computation needs it, so
    the full matrix never exists in memory, every chunk is the same each time
    it is read, and no global random state is touched.

    Parameters
    ----------
    m : int
        Number of instances (≥ 1).
    n : int
        Number of features (≥ 1).
    rows_per_chunk : int
        Rows per chunk (≥ 1); the last chunk may be shorter.
    theta_true : array_like, shape (n+1,), optional
        Generating parameters; (1, 2, …, n+1) when omitted.
    noise : float
        Standard deviation of the noise (≥ 0).
    seed : int
        Seed of the generators (≥ 0).

    Returns
    -------
    (dask.array.Array, dask.array.Array)
        X_b of shape (m, n+1) and y of shape (m,), float64, chunked alike by rows.

    Examples
    --------
    >>> X_b, y = lazy_linear_data(10, 2, rows_per_chunk=4, seed=1)
    >>> X_b.shape, X_b.chunks[0], y.shape
    ((10, 3), (4, 4, 2), (10,))
    >>> a = X_b.compute(scheduler="synchronous")
    >>> bool((a == X_b.compute(scheduler="synchronous")).all()), bool((a[:, 0] == 1).all())
    (True, True)
    """
    m = check_positive_int(m, "m")
    n = check_positive_int(n, "n")
    rows_per_chunk = check_positive_int(rows_per_chunk, "rows_per_chunk")
    seed = check_positive_int(seed, "seed", allow_zero=True)
    noise = check_real(noise, "noise", allow_zero=True, what="the noise standard deviation")
    if theta_true is None:
        theta_true = np.arange(1.0, n + 2.0)
    theta_true = check_vector(theta_true, "theta_true", n + 1, "n+1").reshape(-1)
    full, rest = divmod(m, rows_per_chunk)
    rows = (rows_per_chunk,) * full + ((rest,) if rest else ())
    data = da.map_blocks(
        _make_block,
        chunks=(rows, (n + 2,)),
        dtype=np.float64,
        meta=np.empty((0, 0)),
        seed=seed,
        rows=rows,
        theta_true=theta_true,
        noise=noise,
    )
    return data[:, : n + 1], data[:, n + 1]


def chunked_gradient_descent(
    X_b: Any,
    y: Any,
    eta: float = 0.1,
    n_epochs: int = 100,
    theta0: ArrayLike | None = None,
    scheduler: str = "synchronous",
) -> DescentResult:
    """Batch gradient descent on chunked data: one pass over the chunks per epoch.

    Every epoch computes the gradient and the cost at the current θ together
    (:func:`dask_gradient`, one read of each chunk) and steps
    θ ← θ − η ∇MSE(θ). Only θ and the n+1 numbers of each partial product
    stay in memory between chunks.

    Parameters
    ----------
    X_b : dask.array.Array, shape (m, n+1)
    y : dask.array.Array, shape (m,)
    eta : float
        Learning rate (> 0).
    n_epochs : int
        Number of steps (≥ 0).
    theta0 : array_like, shape (n+1,), optional
        Starting point; zeros when omitted.
    scheduler : {"synchronous", "threads"}
        Dask's local scheduler: one chunk at a time in this thread, or
        several chunks at once in a thread pool (more memory, one chunk per
        thread). No network, no cluster.

    Returns
    -------
    DescentResult
        ``cost_history[k]`` is the MSE at ``theta_path[k]``.

    Warns
    -----
    RuntimeWarning
        When the cost becomes NaN or inf (η too large): the descent stops and
        ``diverged`` is True.

    Examples
    --------
    >>> X_b, y = lazy_linear_data(1000, 2, rows_per_chunk=300, noise=0.0, seed=3)
    >>> result = chunked_gradient_descent(X_b, y, eta=0.5, n_epochs=60)
    >>> print(result.theta.round(6), result.cost_history[-1] < 1e-12)
    [1. 2. 3.] True
    """
    m, n_plus_1 = _check_dask_problem(X_b, y)
    eta = check_real(eta, "eta", what="the learning rate")
    n_epochs = check_positive_int(n_epochs, "n_epochs", allow_zero=True)
    if scheduler not in _SCHEDULERS:
        raise ValueError(f"scheduler must be one of {_SCHEDULERS}; got {scheduler!r}")
    if theta0 is None:
        theta = np.zeros(n_plus_1)
    else:
        theta = check_vector(theta0, "theta0", n_plus_1, "n+1", context=f"the columns of X_b, shape {X_b.shape}")
        theta = theta.reshape(-1).copy()
    path, costs, diverged = [theta.copy()], [], False
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs + 1):
            grad, cost = dask.compute(*dask_gradient(theta, X_b, y), scheduler=scheduler)
            if not np.isfinite(cost):
                diverged = True
                path.pop()
                warnings.warn(
                    f"chunked gradient descent diverged: the cost became {float(cost)} at epoch {epoch} "
                    f"with eta = {eta}; stopped, returning the last finite theta. Try a smaller eta.",
                    RuntimeWarning,
                    stacklevel=2,
                )
                break
            costs.append(float(cost))
            if epoch == n_epochs:
                break
            theta = theta - eta * np.asarray(grad)
            path.append(theta.copy())
    return DescentResult(theta=path[-1], theta_path=np.array(path), cost_history=np.array(costs), diverged=diverged)
