"""What automatic differentiation computes: the MSE in JAX, forward and reverse.

The package's one JAX helper. Importing it configures JAX once, before the
first computation:

* ``JAX_PLATFORMS=cpu`` (set only if JAX is not imported yet and the variable
  is not already set). With a platform list given, JAX initialises the CPU
  backend only and skips its hardware probe (``_suggest_missing_backends`` in
  ``jax/_src/xla_bridge.py``), which otherwise logs "An NVIDIA GPU may be
  present on this machine, but a CUDA-enabled jaxlib is not installed.
  Falling back to cpu." to stderr on machines with a GPU. The book is built
  with stderr treated as an error, so the message is avoided where it is
  made instead of being filtered afterwards; and every reader gets the same
  (CPU) arithmetic.
* ``jax_enable_x64``: JAX computes in 32-bit floats by default; the checks of
  the book compare with NumPy to 1e-12, which needs 64-bit floats. The
  setting is global for the process.

The cost is written once more here, in ``jax.numpy``, because JAX can only
differentiate functions built from its own operations; :func:`mse` is checked
against :func:`mse_gradient.mse` in the tests and in the chapter.

Examples
--------
>>> X_b = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]
>>> y = [1.0, 3.0, 5.0]
>>> print(autodiff_gradient([0.0, 0.0], X_b, y).round(4))
[-6.     -8.6667]
>>> value, slope = forward_derivative([0.0, 0.0], X_b, y, [1.0, 0.0])
>>> print(f"{value:.4f} {slope:.4f}")
11.6667 -6.0000
"""

from __future__ import annotations

import os
import sys
from typing import Any, NamedTuple

if "jax" not in sys.modules:
    os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from numpy.typing import ArrayLike, NDArray  # noqa: E402

from ._validation import check_problem, check_vector  # noqa: E402

jax.config.update("jax_enable_x64", True)

__all__ = [
    "mse",
    "autodiff_gradient",
    "forward_derivative",
    "pullback",
    "gradient_jaxpr",
    "jaxpr_text",
    "TransposedProduct",
    "transposed_products",
]


def mse(theta: Any, X_b: Any, y: Any) -> Any:
    """The MSE, (1/m) Σᵢ (θᵀx⁽ⁱ⁾ − y⁽ⁱ⁾)², in ``jax.numpy`` (traceable by JAX).

    No input validation here: JAX calls this function with tracers. The public
    functions below validate before they call it.

    Examples
    --------
    >>> print(f"{float(mse(jnp.zeros(2), jnp.array([[1.0, 0.0], [1.0, 1.0]]), jnp.array([1.0, 3.0]))):.2f}")
    5.00
    """
    residuals = X_b @ theta - y
    return jnp.mean(residuals**2)


def _problem(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], ...]:
    theta, X_b, y = check_problem(theta, X_b, y)
    return theta.reshape(-1), X_b, y.reshape(-1)


def autodiff_gradient(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    """``jax.grad`` of :func:`mse` with respect to θ, as a NumPy array.

    Parameters
    ----------
    theta : array_like, shape (n+1,) or (n+1, 1)
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)

    Returns
    -------
    ndarray, shape (n+1,)

    Raises
    ------
    TypeError, ValueError
        For non-numeric data, shapes that do not conform, or NaN/inf.

    Examples
    --------
    >>> print(autodiff_gradient([1.0, 2.0], [[1.0, 0.0], [1.0, 1.0]], [1.0, 3.0]))
    [0. 0.]
    """
    theta, X_b, y = _problem(theta, X_b, y)
    return np.asarray(jax.grad(mse)(theta, X_b, y))


def forward_derivative(theta: ArrayLike, X_b: ArrayLike, y: ArrayLike, v: ArrayLike) -> tuple[float, float]:
    """Forward mode: ``jax.jvp`` of θ ↦ MSE(θ) at θ in the direction v.

    Returns the value J(θ) and the directional derivative dJ(θ)[v], which the
    total-derivative proof shows to be ∇MSE(θ)ᵀv.

    Parameters
    ----------
    theta, v : array_like, shape (n+1,) or (n+1, 1)
    X_b : array_like, shape (m, n+1)
    y : array_like, shape (m,) or (m, 1)

    Returns
    -------
    (float, float)
        J(θ) and dJ(θ)[v].

    Examples
    --------
    >>> value, slope = forward_derivative([0.0, 0.0], [[1.0, 1.0]], [2.0], [0.0, 1.0])
    >>> print(value, slope)
    4.0 -4.0
    """
    theta, X_b, y = _problem(theta, X_b, y)
    v = check_vector(v, "v", X_b.shape[1], f"n+1 (the number of columns of X_b, shape {X_b.shape})").reshape(-1)
    value, slope = jax.jvp(lambda t: mse(t, X_b, y), (theta,), (v,))
    return float(value), float(slope)


def pullback(X_b: ArrayLike, theta: ArrayLike, cotangent: ArrayLike) -> NDArray[np.float64]:
    """Reverse mode through one product: ``jax.vjp`` of θ ↦ X θ applied to a cotangent.

    For a cotangent c ∈ ℝᵐ (the sensitivity of the cost to each prediction),
    the vector–Jacobian product is cᵀX, that is Xᵀc: the transpose of the
    design matrix carries the sensitivity back from the m predictions to the
    n+1 parameters.

    Parameters
    ----------
    X_b : array_like, shape (m, n+1)
    theta : array_like, shape (n+1,) or (n+1, 1)
        The point where the product is linearised (it does not change the
        result, since the map is linear).
    cotangent : array_like, shape (m,) or (m, 1)

    Returns
    -------
    ndarray, shape (n+1,)

    Examples
    --------
    >>> print(pullback([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]], [0.0, 0.0], [1.0, 1.0, 1.0]))
    [3. 3.]
    """
    theta, X_b, cotangent = _problem(theta, X_b, cotangent)
    _, vjp = jax.vjp(lambda t: X_b @ t, theta)
    (back,) = vjp(cotangent)
    return np.asarray(back)


def gradient_jaxpr(m: int, n: int) -> Any:
    """The jaxpr (JAX's intermediate program) of ``jax.grad(mse)`` for an m × (n+1) problem.

    The program depends on the shapes only, not on the numbers, so it is
    traced with zeros.

    Parameters
    ----------
    m, n : int
        Number of instances (m ≥ 1) and features (n ≥ 0).

    Returns
    -------
    jax.extend.core.ClosedJaxpr
        Printable with ``print``; its ``.jaxpr.invars`` are (θ, X_b, y) in that order.

    Examples
    --------
    >>> closed = gradient_jaxpr(3, 1)
    >>> [var.aval.shape for var in closed.jaxpr.invars]
    [(2,), (3, 2), (3,)]
    """
    for value, name, low in ((m, "m", 1), (n, "n", 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer; got {type(value).__name__}")
        if value < low:
            raise ValueError(f"{name} must be >= {low}; got {value}")
    return jax.make_jaxpr(jax.grad(mse))(jnp.zeros(n + 1), jnp.zeros((m, n + 1)), jnp.zeros(m))


def jaxpr_text(closed_jaxpr: Any) -> str:
    """The jaxpr as plain text, without terminal colour codes.

    ``print(jaxpr)`` colours its output when the terminal (or a Jupyter
    kernel) supports it; the escape codes would differ between a terminal and
    a notebook. This text is the same everywhere for the pinned JAX version.

    Examples
    --------
    >>> print(jaxpr_text(gradient_jaxpr(2, 1)).splitlines()[0])
    { lambda ; a:f64[2] b:f64[2,2] c:f64[2]. let
    """
    return str(closed_jaxpr.pretty_print(use_color=False))


class TransposedProduct(NamedTuple):
    """A product in a jaxpr that multiplies by Xᵀ.

    Attributes
    ----------
    primitive : str
        ``"dot_general"`` or ``"transpose"``.
    contracted_axis : int
        The axis of X_b that the product sums over: 0, the m instances, for Xᵀ
        (1, the features, would be the forward product X θ).
    other_shape : tuple of int
        Shape of the other operand (the cotangent of the m predictions).
    out_shape : tuple of int
        Shape of the result, (n+1,).
    """

    primitive: str
    contracted_axis: int
    other_shape: tuple[int, ...]
    out_shape: tuple[int, ...]


def transposed_products(closed_jaxpr: Any, x_position: int = 1) -> list[TransposedProduct]:
    """Find the equations of a jaxpr that multiply by the transpose of an input matrix.

    An equation counts when it is a ``dot_general`` that contracts axis 0 of
    the input matrix (the m instances) — that is Xᵀc, whatever the operand
    order — or a ``transpose`` with permutation (1, 0) of the matrix. The
    search follows the variable of the input, not printed names, so it does
    not depend on how JAX names variables.

    Parameters
    ----------
    closed_jaxpr : jax.extend.core.ClosedJaxpr
        For example from :func:`gradient_jaxpr`.
    x_position : int
        Position of the matrix among the jaxpr's inputs (1 for X_b in
        ``mse(theta, X_b, y)``).

    Returns
    -------
    list of TransposedProduct
        Empty when no equation multiplies by the transpose.

    Examples
    --------
    >>> found = transposed_products(gradient_jaxpr(3, 1))
    >>> [(p.primitive, p.contracted_axis, p.out_shape) for p in found]
    [('dot_general', 0, (2,))]
    """
    jaxpr = closed_jaxpr.jaxpr
    if not 0 <= x_position < len(jaxpr.invars):
        raise ValueError(f"x_position must be in 0..{len(jaxpr.invars) - 1}; got {x_position}")
    x_var = jaxpr.invars[x_position]
    if len(x_var.aval.shape) != 2:
        raise ValueError(f"input {x_position} is not a matrix: shape {x_var.aval.shape}")
    found = []
    for eqn in jaxpr.eqns:
        operands = [var for var in eqn.invars if var is x_var]
        if not operands:
            continue
        name = eqn.primitive.name
        if name == "dot_general":
            (lhs_contract, rhs_contract), _ = eqn.params["dimension_numbers"]
            position = [i for i, var in enumerate(eqn.invars) if var is x_var][0]
            axes = tuple(lhs_contract if position == 0 else rhs_contract)
            other = eqn.invars[1 - position]
            if axes == (0,):
                found.append(TransposedProduct(name, 0, tuple(other.aval.shape), tuple(eqn.outvars[0].aval.shape)))
        elif name == "transpose" and tuple(eqn.params["permutation"]) == (1, 0):
            found.append(TransposedProduct(name, 0, (), tuple(eqn.outvars[0].aval.shape)))
    return found
