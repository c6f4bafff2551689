"""Peak memory of a computation, measured with :mod:`tracemalloc`.

The book's one-liner ``2/m * X_b.T @ (X_b @ theta - y)`` and
:func:`mse_gradient.gradient` compute the same vector, but Python reads the
one-liner from left to right as ``((2/m) * X_b.T) @ (...)``: it first builds a
scaled copy of the whole m × (n+1) matrix. :func:`peak_bytes` measures such
differences deterministically (NumPy reports its array buffers to
``tracemalloc``), where a timing would depend on the machine and its load.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

__all__ = ["peak_bytes"]


def peak_bytes(function: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
    """Peak memory, in bytes, that ``function(*args, **kwargs)`` allocates.

    The peak is taken over the call, counted from what was allocated just
    before it, and includes the result while it is alive inside the call.
    Memory that existed before the call (the inputs) is not counted.

    Parameters
    ----------
    function : callable
        The computation to measure; its result is discarded.
    *args, **kwargs
        Passed to ``function``.

    Returns
    -------
    int
        The largest number of bytes allocated at any moment of the call, above
        the level at its start (traced Python and NumPy allocations).

    Raises
    ------
    TypeError
        If ``function`` is not callable.

    Notes
    -----
    If ``tracemalloc`` is already tracing, it keeps tracing (its peak is reset);
    otherwise it is started for the call and stopped afterwards. ``tracemalloc``
    sees every thread of the process, so another thread allocating during the call
    (e.g. pytest-xdist's) adds to the peak: compare with sizes well above that noise.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.ones((100_000, 10))                # 8 MB
    >>> copy = peak_bytes(lambda: 2.0 * A)        # a new 100 000 × 10 array of float64
    >>> 8_000_000 <= copy < 8_100_000             # slack for other threads' allocations
    True
    >>> peak_bytes(lambda: A.sum()) < 100_000     # no array-sized allocation
    True
    """
    if not callable(function):
        raise TypeError(f"function must be callable; got {type(function).__name__}")
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        function(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if started:
            tracemalloc.stop()
    return max(0, peak - before)
