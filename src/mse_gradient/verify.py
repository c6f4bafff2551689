"""Checks that can fail: the one way a chapter asserts a result.

Every check cell of the book calls one of these functions. A check that holds
prints one line starting with ``✓``; a check that does not hold raises
``AssertionError`` with the check's name, the worst entry of both values, the
shapes and the tolerance, so that the site build, the notebook build and nbval
stop on it. The printed line of a passing check states the tolerance, not the
measured difference (which may change in the last bit between machines), so
stored notebook outputs stay exactly reproducible; the measured difference is
returned.

Examples
--------
>>> import numpy as np
>>> diff = check_close("one third", np.array([1 / 3]), np.array([0.3333333333333333]), atol=0)
✓ one third: equal
>>> diff = check_close("one third", np.array([1 / 3]), np.array([0.3333333333333333]))
✓ one third: agree to 1e-12
>>> _ = check_close("sum", 0.1 + 0.2, 0.3, atol=1e-15)
✓ sum: agree to 1e-15
>>> check_that("positive", 2.0 > 1.0, "2 > 1")
✓ positive: 2 > 1
>>> check_close("wrong", [1.0, 2.0], [1.0, 2.5])
Traceback (most recent call last):
...
AssertionError: ✗ wrong: max |actual - expected| = 0.5 at index (1,) exceeds the tolerance 1e-12 (atol 1e-12, rtol 0); actual[1] = 2, expected[1] = 2.5; shapes actual (2,), expected (2,)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["check_close", "check_that", "check_differs", "check_raises"]


def _as_array(name: str, role: str, value: Any) -> np.ndarray:
    """``value`` as a float array; anything that is not real numbers is a TypeError.

    Strings ("1.0"), ``None`` and complex numbers would otherwise be converted
    silently by ``np.asarray(value, dtype=float)`` (to 1.0, NaN, or an error).
    """
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested lists
        raise TypeError(f"check {name!r}: {role} must be numeric; got {type(value).__name__} ({error})") from None
    if raw.dtype.kind not in "biuf":
        raise TypeError(
            f"check {name!r}: {role} must be numeric (real numbers); got {type(value).__name__} with dtype {raw.dtype}"
        )
    return raw.astype(float)


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _index(shape: tuple[int, ...], flat: int) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


def _entry(array: np.ndarray, index: tuple[int, ...]) -> tuple[str, str]:
    where = "[" + ", ".join(map(str, index)) + "]" if index else ""
    return where, _fmt(float(array[index] if index else array))


def _require_finite(name: str, a: np.ndarray, b: np.ndarray, role: str) -> None:
    """Raise when two values of one shape are empty or hold NaN/inf (``role`` names ``b``)."""
    if a.size == 0:
        raise AssertionError(f"✗ {name}: nothing to compare (both values are empty, shape {a.shape})")
    finite = np.isfinite(a) & np.isfinite(b)
    if not finite.all():
        index = _index(a.shape, int(np.argmin(finite.ravel())))
        where, va = _entry(a, index)
        _, vb = _entry(b, index)
        raise AssertionError(
            f"✗ {name}: a value is not finite: actual{where} = {va}, {role}{where} = {vb}; shape {a.shape}"
        )


def check_close(
    name: str,
    actual: Any,
    expected: Any,
    *,
    atol: float = 1e-12,
    rtol: float = 0.0,
) -> float:
    """Assert that two numeric results agree entry by entry.

    The test is ``|actual - expected| <= atol + rtol * |expected|`` for every
    entry (NumPy's ``allclose`` rule), with equal shapes required: a column
    never silently broadcasts against a 1-D vector.

    Parameters
    ----------
    name : str
        What is compared, as the reader should see it ("step 3: formula vs
        central differences").
    actual, expected : array_like
        The two results; real numbers of the same shape.
    atol, rtol : float
        Absolute and relative tolerance (non-negative).

    Returns
    -------
    float
        The largest absolute difference.

    Raises
    ------
    AssertionError
        When the shapes differ, an entry is NaN or infinite, or an entry is
        outside the tolerance; the message names the check, the worst entry of
        both values, the shapes and the tolerance.
    TypeError
        When a value is not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> _ = check_close("two ways", np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-14]), atol=1e-12)
    ✓ two ways: agree to 1e-12
    >>> _ = check_close("relative", 1000.0, 1000.001, rtol=1e-5, atol=0)
    ✓ relative: agree to a relative 1e-05
    >>> check_close("shapes", np.zeros((2, 1)), np.zeros(2))
    Traceback (most recent call last):
    ...
    AssertionError: ✗ shapes: the shapes differ: actual (2, 1), expected (2,)
    """
    if atol < 0 or rtol < 0:
        raise ValueError(f"check {name!r}: tolerances must be non-negative; got atol={atol}, rtol={rtol}")
    a = _as_array(name, "actual", actual)
    b = _as_array(name, "expected", expected)
    if a.shape != b.shape:
        raise AssertionError(f"✗ {name}: the shapes differ: actual {a.shape}, expected {b.shape}")
    _require_finite(name, a, b, "expected")
    diff = np.abs(a - b)
    allowed = atol + rtol * np.abs(b)
    excess = diff - allowed
    worst = int(np.argmax(excess.ravel()))
    max_diff = float(diff.max())
    if excess.ravel()[worst] > 0:
        index = _index(a.shape, worst)
        where, va = _entry(a, index)
        _, vb = _entry(b, index)
        raise AssertionError(
            f"✗ {name}: max |actual - expected| = {_fmt(float(diff.ravel()[worst]))} at index {index} "
            f"exceeds the tolerance {_fmt(float(allowed.ravel()[worst]))} (atol {_fmt(atol)}, rtol {_fmt(rtol)}); "
            f"actual{where} = {va}, expected{where} = {vb}; shapes actual {a.shape}, expected {b.shape}"
        )
    # The line depends on the tolerances only, never on the measured difference,
    # so stored notebook outputs do not change with the last bit of a BLAS.
    if atol == 0 and rtol == 0:
        print(f"✓ {name}: equal")
    elif rtol == 0:
        print(f"✓ {name}: agree to {atol:.0e}")
    elif atol == 0:
        print(f"✓ {name}: agree to a relative {rtol:.0e}")
    else:
        print(f"✓ {name}: agree to {atol:.0e} + a relative {rtol:.0e}")
    return max_diff


def check_that(name: str, condition: Any, detail: str = "") -> None:
    """Assert a condition that is not a comparison of two numbers.

    Parameters
    ----------
    name : str
        What is checked.
    condition : bool
        The outcome; a Python or NumPy boolean (an array is refused, since its
        truth is ambiguous: reduce it with ``.all()`` or ``.any()`` first).
    detail : str, optional
        Evidence shown in both the passing line and the error.

    Raises
    ------
    AssertionError
        When the condition is false.
    TypeError
        When the condition is not a single boolean.

    Examples
    --------
    >>> check_that("cost goes down", 0.5 < 0.7, "0.5 < 0.7")
    ✓ cost goes down: 0.5 < 0.7
    >>> check_that("cost goes down", 0.9 < 0.7, "0.9 < 0.7")
    Traceback (most recent call last):
    ...
    AssertionError: ✗ cost goes down: does not hold: 0.9 < 0.7
    """
    if not isinstance(condition, (bool, np.bool_)):
        raise TypeError(
            f"check {name!r}: condition must be a single boolean; got {type(condition).__name__}"
            + (f" of shape {np.shape(condition)}" if np.ndim(condition) else "")
        )
    if not condition:
        raise AssertionError(f"✗ {name}: does not hold" + (f": {detail}" if detail else ""))
    print(f"✓ {name}" + (f": {detail}" if detail else ""))


def check_differs(name: str, actual: Any, wrong: Any, *, atol: float = 1e-8) -> float:
    """Assert that a result is *not* the claimed value (a slip is really a slip).

    The values differ when their shapes differ, or when some entry differs by
    more than ``atol``.

    Returns
    -------
    float
        The largest absolute difference (``inf`` when the shapes differ).

    Raises
    ------
    AssertionError
        When both values have the same shape and agree to ``atol``.

    Examples
    --------
    >>> _ = check_differs("1/m is not 2/m", [1.0, 2.0], [2.0, 4.0])
    ✓ 1/m is not 2/m: differ (max |diff| 2)
    >>> _ = check_differs("row vs column", [[1.0, 2.0]], [[1.0], [2.0]])
    ✓ row vs column: differ (shapes (1, 2) and (2, 1))
    >>> check_differs("same", [1.0], [1.0])
    Traceback (most recent call last):
    ...
    AssertionError: ✗ same: expected a difference, but both values agree to 1e-08 (shape (1,))
    """
    if atol < 0:
        raise ValueError(f"check {name!r}: the tolerance must be non-negative; got atol={atol}")
    a = _as_array(name, "actual", actual)
    b = _as_array(name, "wrong", wrong)
    if a.shape != b.shape:
        print(f"✓ {name}: differ (shapes {a.shape} and {b.shape})")
        return float("inf")
    _require_finite(name, a, b, "wrong")
    diff = float(np.max(np.abs(a - b)))
    if not diff > atol:
        raise AssertionError(
            f"✗ {name}: expected a difference, but both values agree to {_fmt(atol)} (shape {a.shape})"
        )
    print(f"✓ {name}: differ (max |diff| {diff:.3g})")
    return diff


def check_raises(
    name: str,
    exception: type[BaseException] | tuple[type[BaseException], ...],
    function: Callable[..., Any],
    *args: Any,
    match: str | None = None,
    **kwargs: Any,
) -> BaseException:
    """Assert that calling ``function(*args, **kwargs)`` raises ``exception``.

    Returns the exception so that the chapter can show its message.

    Raises
    ------
    AssertionError
        When nothing is raised, or the message does not contain ``match``.

    Examples
    --------
    >>> import numpy as np
    >>> error = check_raises("row times row", ValueError, np.dot, np.ones((1, 2)), np.ones((1, 2)))
    ✓ row times row: raises ValueError
    >>> check_raises("no error", ValueError, abs, -1)
    Traceback (most recent call last):
    ...
    AssertionError: ✗ no error: expected ValueError, but the call returned 1
    """
    expected = exception if isinstance(exception, tuple) else (exception,)
    if not expected or not all(isinstance(e, type) and issubclass(e, BaseException) for e in expected):
        raise TypeError(f"check {name!r}: exception must be an exception class or a tuple of them; got {exception!r}")
    if not callable(function):
        raise TypeError(f"check {name!r}: function must be callable; got {type(function).__name__}")
    names = " or ".join(e.__name__ for e in expected)
    try:
        result = function(*args, **kwargs)
    except expected as error:
        if match is not None and match not in str(error):
            raise AssertionError(
                f"✗ {name}: {type(error).__name__} raised, but its message lacks {match!r}: {error}"
            ) from error
        print(f"✓ {name}: raises {type(error).__name__}")
        return error
    raise AssertionError(f"✗ {name}: expected {names}, but the call returned {result!r}")
