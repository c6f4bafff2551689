"""The numbers behind the site's interactive figures ("explorers").

An explorer is JavaScript that redraws a figure as the reader moves a
slider. It computes only from the numbers this module writes into the page at
build time, so the page and the package cannot disagree: the learning-rate
explorer steps with XᵀX, Xᵀy and m, the directional-derivative explorer
evaluates the cost from the same quadratic form, the residual explorer plots
the data themselves. The Chromium tests compare what the page computes with
the package's own functions.

Examples
--------
>>> payload = explorer_payload("learning-rate")
>>> payload["m"], len(payload["XtX"]), round(payload["eta_max"], 4)
(100, 2, 0.4843)
>>> sorted(explorer_payload("residuals"))[:4]
['J_min', 'XtX', 'Xty', 'eta_max']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .curvature import hessian, hessian_eigenvalues, max_stable_eta
from .data import add_bias, make_linear_data
from .model import mse
from .solvers import normal_equation

__all__ = ["EXPLORER_KINDS", "explorer_payload"]

EXPLORER_KINDS = ("learning-rate", "directional", "residuals")


def _floats(a: np.ndarray) -> list:
    """Plain Python floats (JSON keeps all 17 significant digits)."""
    return np.asarray(a, dtype=float).tolist()


def explorer_payload(kind: str) -> dict[str, Any]:
    """The data an explorer needs, for the book's data set (``make_linear_data()``).

    Parameters
    ----------
    kind : {"learning-rate", "directional", "residuals"}
        Which explorer.

    Returns
    -------
    dict
        JSON-ready numbers: ``m``, ``XtX`` (XᵀX), ``Xty`` (Xᵀy), ``yty``
        (yᵀy), ``theta_hat`` (the normal-equation solution), ``J_min``
        (its cost), the Hessian's eigenvalues ``lambdas`` and eigenvectors
        ``q`` (columns), ``eta_max`` = 2/λ_max; the residual explorer also
        gets the data ``x`` and ``y``; the directional explorer a point
        ``theta``. The page computes the cost and the gradient itself.

    Raises
    ------
    ValueError
        For an unknown kind.

    Examples
    --------
    >>> p = explorer_payload("directional")
    >>> p["theta"]
    [2.0, 1.0]
    """
    if kind not in EXPLORER_KINDS:
        raise ValueError(f"unknown explorer kind {kind!r}; expected one of {', '.join(EXPLORER_KINDS)}")
    X, y = make_linear_data()
    X_b = add_bias(X)
    y = y.ravel()
    m = X_b.shape[0]
    theta_hat = normal_equation(X_b, y).ravel()
    H = hessian(X_b)
    lambdas, q = np.linalg.eigh(H)
    payload: dict[str, Any] = {
        "kind": kind,
        "m": int(m),
        "XtX": _floats(X_b.T @ X_b),
        "Xty": _floats(X_b.T @ y),
        "yty": float(y @ y),
        "theta_hat": _floats(theta_hat),
        "J_min": float(mse(theta_hat, X_b, y)),
        "lambdas": _floats(hessian_eigenvalues(X_b)),
        "q": _floats(q),
        "eta_max": float(max_stable_eta(X_b)),
    }
    if kind == "residuals":
        payload["x"] = _floats(X.ravel())
        payload["y"] = _floats(y)
    if kind == "directional":
        theta = np.array([2.0, 1.0])
        payload["theta"] = _floats(theta)
    if kind == "learning-rate":
        payload["theta_start"] = [2.0, 8.0]
    return payload
