"""Input checks shared by every public function.

Each check raises :class:`TypeError` for data that is not numeric and
:class:`ValueError` for data of the wrong shape or with non-finite values,
with a message that names the argument, the problem and the shapes involved.

The checks are split so that the hot path (:func:`mse_gradient.gradient`)
can validate shapes and dtypes in O(1) and defer the O(m n) finiteness scan of
``X_b`` to the rare case where the result is not finite.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "as_numeric_array",
    "check_finite",
    "check_design_matrix",
    "check_vector",
    "check_problem",
    "check_positive_int",
    "check_real",
    "check_parameter_index",
]

_NUMERIC_KINDS = "biuf"  # bool, signed int, unsigned int, float


def as_numeric_array(value: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``value`` as a float64 array, refusing non-numeric data.

    No copy is made when ``value`` already is a float64 array.
    """
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:  # ragged nested lists, etc.
        raise TypeError(f"{name} must be array-like of numbers; got {type(value).__name__}: {error}") from None
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must be real-valued; got complex dtype {array.dtype}, shape {array.shape}")
    if array.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"{name} must contain numbers; got dtype {array.dtype} (kind {array.dtype.kind!r}), shape {array.shape}"
        )
    return array.astype(np.float64, copy=False)


def check_finite(array: NDArray[np.float64], name: str) -> None:
    """Raise ``ValueError`` when ``array`` holds NaN or inf, naming where."""
    finite = np.isfinite(array)
    if not finite.all():
        bad = np.argwhere(~finite)
        first = tuple(int(k) for k in bad[0])
        raise ValueError(
            f"{name} must be finite; it has {len(bad)} NaN/inf value(s), "
            f"the first at index {first} (value {array[first]}), shape {array.shape}"
        )


def check_design_matrix(X_b: ArrayLike, *, finite: bool = True) -> NDArray[np.float64]:
    """Validate ``X_b``: a 2-D numeric array with at least one row and one column."""
    X_b = as_numeric_array(X_b, "X_b")
    if X_b.ndim != 2:
        raise ValueError(
            f"X_b must be 2-D with shape (m, n+1), one row per instance; got {X_b.ndim}-D array of shape {X_b.shape}"
        )
    m, n_plus_1 = X_b.shape
    if m == 0:
        raise ValueError(f"X_b has no instances (m = 0); shape {X_b.shape}")
    if n_plus_1 == 0:
        raise ValueError(f"X_b has no columns (n+1 = 0); shape {X_b.shape}")
    if finite:
        check_finite(X_b, "X_b")
    return X_b


def check_vector(
    value: ArrayLike, name: str, length: int, length_name: str, *, context: str = "", finite: bool = True
) -> NDArray[np.float64]:
    """Validate a 1-D ``(length,)`` or column ``(length, 1)`` vector.

    The array is returned in its own shape; callers flatten it for the math
    and restore the shape they promise.
    """
    array = as_numeric_array(value, name)
    where = f" ({context})" if context else ""
    if not (array.ndim == 1 or (array.ndim == 2 and array.shape[1] == 1)):
        raise ValueError(
            f"{name} must be a 1-D vector or a column vector of length {length_name} = {length}{where}; "
            f"got shape {array.shape}"
        )
    if array.shape[0] != length:
        raise ValueError(
            f"{name} has length {array.shape[0]} but {length_name} = {length}{where}; {name} has shape {array.shape}"
        )
    if finite:
        check_finite(array, name)
    return array


def check_problem(
    theta: ArrayLike | None,
    X_b: ArrayLike,
    y: ArrayLike | None,
    *,
    finite_X: bool = True,
) -> tuple[NDArray[np.float64] | None, NDArray[np.float64], NDArray[np.float64] | None]:
    """Validate a (theta, X_b, y) triple; ``theta`` or ``y`` may be ``None``."""
    X_b = check_design_matrix(X_b, finite=finite_X)
    m, n_plus_1 = X_b.shape
    if theta is not None:
        theta = check_vector(theta, "theta", n_plus_1, "n+1", context=f"the columns of X_b, shape {X_b.shape}")
    if y is not None:
        y = check_vector(y, "y", m, "m", context=f"the rows of X_b, shape {X_b.shape}")
    return theta, X_b, y


def check_positive_int(value: object, name: str, *, allow_zero: bool = False) -> int:
    """Return ``value`` as an int, refusing bools, floats and out-of-range values."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
    value = int(value)
    if value < 0 or (value == 0 and not allow_zero):
        bound = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be {bound}; got {value}")
    return value


def check_real(value: object, name: str, *, allow_zero: bool = False, what: str = "") -> float:
    """Return ``value`` as a float, refusing bools, non-numbers, NaN/inf and values ≤ 0 (or < 0).

    ``what`` names the quantity in the message, e.g. "the learning rate".
    """
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__} {value!r}")
    value = float(value)
    label = f"{name} ({what})" if what else name
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{label} must be {bound} and finite; got {value}")
    return value


def check_parameter_index(j: object, n_plus_1: int) -> int:
    """Return ``j`` as an index 0 ≤ j ≤ n of θ = (θ₀, …, θₙ)."""
    if isinstance(j, bool) or not isinstance(j, (numbers.Integral, np.integer)):
        raise TypeError(f"j must be an integer index of theta; got {type(j).__name__} {j!r}")
    if not 0 <= j < n_plus_1:
        raise ValueError(f"j = {j} is out of range: theta has n+1 = {n_plus_1} components, so 0 <= j <= {n_plus_1 - 1}")
    return int(j)
