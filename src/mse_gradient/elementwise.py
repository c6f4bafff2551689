"""The element-wise proof, one rule at a time, as objects that can be checked.

The chapter "Proof 2: one partial derivative at a time" derives

    ∂MSE/∂θⱼ = (2/m) Σᵢ (θᵀx⁽ⁱ⁾ − y⁽ⁱ⁾) xⱼ⁽ⁱ⁾   and then   ∇θ MSE(θ) = (2/m) Xᵀ(Xθ − y)

in eleven steps, each applying one rule of differentiation (or one
definition). This module writes each step down once, with SymPy, so that it
can be checked exactly on a small symbolic problem and evaluated on numbers:

* :func:`elementwise_steps` — the twelve forms (the start and steps 1–11) of
  ∂MSE/∂θⱼ, each with the piece the step rewrites and what it becomes;
* :func:`evaluate` — substitute numbers for the symbols of a problem;
* :func:`transpose_product_by_columns` — Xᵀv assembled entry by entry, entry j
  being column j of X times v (the picture behind step 10);
* :func:`design_matrix_labels` and :func:`draw_matrix` — matplotlib pictures
  of X with a row and a column highlighted.

SymPy and matplotlib are imported lazily, as in :mod:`mse_gradient.symbolic`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_numeric_array, check_design_matrix, check_finite, check_parameter_index, check_problem
from .symbolic import SymbolicProblem, closed_form_gradient, is_zero, symbolic_gradient

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "Step",
    "STEP_RULES",
    "elementwise_steps",
    "evaluate",
    "transpose_product_by_columns",
    "design_matrix_labels",
    "draw_matrix",
]

#: The name of the rule (or definition) each step applies, step 0 being the start.
STEP_RULES: tuple[str, ...] = (
    "start: differentiate the definition of the MSE",
    "constant factor rule",
    "sum rule, then chain rule",
    "power rule",
    "sum (difference) rule",
    "constant rule",
    "definition of the prediction",
    "sum rule and constant rule",
    "constant factor rule and power rule",
    "join the pieces, constant factor rule",
    "definition of the matrix-vector product",
    "definition of the gradient: stack j = 0..n",
)


@dataclass(frozen=True)
class Step:
    """One step of the element-wise proof, for one component j.

    Attributes
    ----------
    number : int
        0 for the start, 1 … 11 for the steps.
    rule : str
        The rule of differentiation or the definition the step applies.
    j : int
        The component θⱼ that is differentiated, 0 ≤ j ≤ n.
    before, after : sympy.Expr or sympy.Matrix
        The piece that the step rewrites and what it becomes. Where the piece
        belongs to one instance (steps 2 and 4–8), both are m × 1 matrices,
        one row per instance i. They may hold unevaluated ``Derivative``,
        ``Subs`` and matrix products (``MatMul``): evaluating them is part of
        the check. No step compares an expression with itself: where the
        two sides would be written the same way once evaluated (steps 0, 6,
        10 and 11), one side is a matrix product that SymPy has not yet
        multiplied out, and the other is written out by hand, sum by sum, so
        that :meth:`rule_holds` compares two independent computations.
    derivative : sympy.Expr or sympy.Matrix
        ∂MSE/∂θⱼ as it is written after the step. For step 11 it is the
        whole gradient, an (n+1) × 1 matrix.
    target : sympy.Expr or sympy.Matrix
        What SymPy's own differentiation gives: ∂MSE/∂θⱼ, or for step 11 the
        vector of all n+1 partial derivatives.
    """

    number: int
    rule: str
    j: int
    before: Any
    after: Any
    derivative: Any
    target: Any

    def rule_holds(self) -> bool:
        """True when ``before`` and ``after`` are exactly equal once evaluated."""
        before, after = _as_entry(_doit(self.before)), _as_entry(_doit(self.after))
        if _is_matrix(before) != _is_matrix(after) or (_is_matrix(before) and before.shape != after.shape):
            return False
        return is_zero(before - after)

    def matches_target(self) -> bool:
        """True when the form after the step is exactly SymPy's derivative."""
        return is_zero(_doit(self.derivative) - self.target)


def _is_matrix(expression: Any) -> bool:
    import sympy

    return isinstance(expression, sympy.MatrixBase)


def _as_entry(value: Any) -> Any:
    """A 1 × 1 matrix (a row times a column) as its single entry; anything else unchanged."""
    return value[0, 0] if _is_matrix(value) and value.shape == (1, 1) else value


def _doit(expression: Any) -> Any:
    """Evaluate derivatives, substitutions and matrix products (inside a matrix, entry by entry)."""
    import sympy

    if isinstance(expression, sympy.MatrixBase):
        entries = [_as_entry(_doit(entry)) for entry in expression]
        return sympy.Matrix(expression.shape[0], expression.shape[1], entries)
    return expression.doit() if hasattr(expression, "doit") else expression


def _check_problem_object(problem: object) -> SymbolicProblem:
    if not isinstance(problem, SymbolicProblem):
        raise TypeError(
            f"problem must be a SymbolicProblem from mse_gradient.symbolic_problem; got {type(problem).__name__}"
        )
    return problem


def elementwise_steps(problem: SymbolicProblem, j: int) -> tuple[Step, ...]:
    """The start and the eleven steps of the element-wise proof of ∂MSE/∂θⱼ.

    ``steps[k]`` is step k (``steps[0]`` is the start). Each step records the
    piece it rewrites (``before``), the result (``after``) and the whole
    partial derivative as written after it (``derivative``), with the
    derivatives that are still to be taken left unevaluated.

    Parameters
    ----------
    problem : SymbolicProblem
        From :func:`mse_gradient.symbolic_problem` (small m and n).
    j : int
        Index of the parameter, 0 ≤ j ≤ n.

    Returns
    -------
    tuple of Step
        Twelve steps, numbered 0 … 11.

    Raises
    ------
    TypeError
        When ``problem`` is not a SymbolicProblem or ``j`` not an integer.
    ValueError
        When ``j`` is outside 0 … n.

    Examples
    --------
    >>> from mse_gradient import symbolic_problem
    >>> steps = elementwise_steps(symbolic_problem(m=2, n=1), j=1)
    >>> len(steps), steps[3].rule
    (12, 'power rule')
    >>> steps[3].before, steps[3].after
    (Derivative(u**2, u), 2*u)
    >>> all(s.rule_holds() and s.matches_target() for s in steps)
    True
    """
    import sympy

    problem = _check_problem_object(problem)
    m, n = problem.m, problem.n
    j = check_parameter_index(j, n + 1)
    theta, X, y = problem.theta, problem.X, problem.y
    t_j = theta[j, 0]
    inv_m = sympy.Rational(1, m)
    u = sympy.Symbol("u", real=True)

    def D(expression: Any) -> Any:
        return sympy.Derivative(expression, t_j)

    def column(entries: Sequence[Any]) -> Any:
        return sympy.Matrix(list(entries))

    rows = range(m)
    prediction = [sum((theta[k, 0] * X[i, k] for k in range(n + 1)), sympy.Integer(0)) for i in rows]
    residual = [prediction[i] - y[i, 0] for i in rows]
    squares = sum((r**2 for r in residual), sympy.Integer(0))
    outer = [sympy.Subs(sympy.Derivative(u**2, u), u, residual[i]) for i in rows]
    x_j = [X[i, j] for i in rows]
    target = sympy.diff(problem.mse, t_j)

    def total(factor_of_i: Any) -> Any:
        return inv_m * sum((factor_of_i(i) for i in rows), sympy.Integer(0))

    def product(*factors: Any) -> Any:
        """A matrix product that SymPy keeps unevaluated until ``doit()``."""
        return sympy.MatMul(*factors, evaluate=False)

    e = X * theta - y  # the residual column, by SymPy's matrix product
    forms: list[tuple[Any, Any, Any]] = []  # (before, after, derivative)
    # 0. the start: the MSE in matrix form, (1/m)(Xθ − y)ᵀ(Xθ − y), is the
    #    definition (1/m) Σᵢ (θᵀx⁽ⁱ⁾ − y⁽ⁱ⁾)², written out instance by instance
    forms.append((D(product(inv_m, e.T, e)), D(inv_m * squares), D(inv_m * squares)))
    # 1. constant factor rule: 1/m moves in front of the derivative
    forms.append((D(inv_m * squares), inv_m * D(squares), inv_m * D(squares)))
    # 2. sum rule into the Σ, then chain rule with f(u) = u², g = θᵀx⁽ⁱ⁾ − y⁽ⁱ⁾
    forms.append(
        (
            column(D(r**2) for r in residual),
            column(outer[i] * D(residual[i]) for i in rows),
            total(lambda i: outer[i] * D(residual[i])),
        )
    )
    # 3. power rule: d/du u² = 2u
    forms.append((sympy.Derivative(u**2, u), 2 * u, total(lambda i: 2 * residual[i] * D(residual[i]))))
    # 4. sum rule for a difference: the derivative of θᵀx⁽ⁱ⁾ − y⁽ⁱ⁾
    forms.append(
        (
            column(D(residual[i]) for i in rows),
            column(D(prediction[i]) - D(y[i, 0]) for i in rows),
            total(lambda i: 2 * residual[i] * (D(prediction[i]) - D(y[i, 0]))),
        )
    )
    # 5. constant rule: y⁽ⁱ⁾ does not depend on θⱼ
    forms.append(
        (
            column(D(y[i, 0]) for i in rows),
            sympy.zeros(m, 1),
            total(lambda i: 2 * residual[i] * D(prediction[i])),
        )
    )
    # 6. θᵀx⁽ⁱ⁾, the row θᵀ times the column x⁽ⁱ⁾ (row i of X, transposed), is
    #    θ₀x₀⁽ⁱ⁾ + θ₁x₁⁽ⁱ⁾ + … + θₙxₙ⁽ⁱ⁾ (x₀⁽ⁱ⁾ = 1), the sum written out by hand
    forms.append(
        (
            column(D(product(theta.T, X[i, :].T)) for i in rows),
            column(D(prediction[i]) for i in rows),
            total(lambda i: 2 * residual[i] * D(prediction[i])),
        )
    )
    # 7. sum rule: one derivative per term; constant rule: all but term j vanish
    forms.append(
        (
            column(D(prediction[i]) for i in rows),
            column(sum((D(theta[k, 0] * X[i, k]) for k in range(n + 1)), sympy.Integer(0)) for i in rows),
            total(lambda i: 2 * residual[i] * D(t_j * x_j[i])),
        )
    )
    # 8. constant factor rule and power rule with exponent 1: ∂(θⱼ xⱼ⁽ⁱ⁾)/∂θⱼ = xⱼ⁽ⁱ⁾
    forms.append(
        (
            column(D(t_j * x_j[i]) for i in rows),
            column(x_j[i] * D(t_j) for i in rows),
            total(lambda i: 2 * residual[i] * x_j[i]),
        )
    )
    # 9. join the pieces; the constant 2 moves in front of the sum
    joined = total(lambda i: 2 * residual[i] * x_j[i])
    partial = sympy.Rational(2, m) * sum((residual[i] * x_j[i] for i in rows), sympy.Integer(0))
    forms.append((joined, partial, partial))
    # 10. the sum over i is column j of X (transposed: row j of Xᵀ) times the
    #     residual column, i.e. entry j of Xᵀe
    two_m = sympy.Rational(2, m)
    forms.append((partial, product(two_m, X[:, j].T, e), two_m * (X[:, j].T * e)[0, 0]))
    # 11. stack the n+1 components, each written out as in step 9: the
    #     gradient (2/m) Xᵀ(Xθ − y)
    stacked = sympy.Matrix([two_m * sum((residual[i] * X[i, k] for i in rows), sympy.Integer(0)) for k in range(n + 1)])
    gradient = closed_form_gradient(problem)
    forms.append((stacked, product(two_m, X.T, e), gradient))

    steps = []
    for number, (before, after, derivative) in enumerate(forms):
        goal = symbolic_gradient(problem) if number == 11 else target
        steps.append(Step(number, STEP_RULES[number], j, before, after, derivative, goal))
    return tuple(steps)


def evaluate(
    expression: Any, problem: SymbolicProblem, theta: ArrayLike, X_b: ArrayLike, y: ArrayLike
) -> float | NDArray[np.float64]:
    """Substitute the numbers ``theta``, ``X_b``, ``y`` for the symbols of ``problem``.

    Unevaluated derivatives in ``expression`` are evaluated first.

    Parameters
    ----------
    expression : sympy.Expr or sympy.Matrix
        Built from the symbols of ``problem``.
    problem : SymbolicProblem
    theta : array_like, shape (n+1,) or (n+1, 1)
    X_b : array_like, shape (m, n+1)
        Its first column must be all ones, as in the symbolic X.
    y : array_like, shape (m,) or (m, 1)

    Returns
    -------
    float or ndarray
        A float for a scalar expression, a float array of the matrix's shape
        otherwise.

    Raises
    ------
    TypeError
        For a wrong ``problem`` or non-numeric data.
    ValueError
        When the shapes are not (m, n+1), (n+1,) and (m,) of ``problem``, or
        the bias column of ``X_b`` is not all ones.

    Examples
    --------
    >>> from mse_gradient import symbolic_problem
    >>> p = symbolic_problem(m=2, n=1)
    >>> evaluate(p.mse, p, [0.0, 1.0], [[1.0, 0.0], [1.0, 1.0]], [1.0, 1.0])
    0.5
    """
    import sympy

    problem = _check_problem_object(problem)
    theta_arr, X_arr, y_arr = check_problem(theta, X_b, y)
    expected = (problem.m, problem.n + 1)
    if X_arr.shape != expected:
        raise ValueError(
            f"X_b has shape {X_arr.shape} but the symbolic problem has m = {problem.m}, n = {problem.n}, "
            f"so X_b must have shape {expected}"
        )
    if not np.all(X_arr[:, 0] == 1.0):
        raise ValueError(f"the first column of X_b (shape {X_arr.shape}) must be all ones, the bias feature x_0 = 1")
    values: dict[Any, Any] = {}
    for k, value in enumerate(theta_arr.reshape(-1)):
        values[problem.theta[k, 0]] = sympy.Float(float(value), 30)
    for i in range(problem.m):
        values[problem.y[i, 0]] = sympy.Float(float(y_arr.reshape(-1)[i]), 30)
        for k in range(1, problem.n + 1):
            values[problem.X[i, k]] = sympy.Float(float(X_arr[i, k]), 30)
    result = _doit(expression).subs(values)
    if isinstance(result, sympy.MatrixBase):
        return np.array(result.evalf(), dtype=np.float64)
    return float(result)


def transpose_product_by_columns(X_b: ArrayLike, v: ArrayLike) -> NDArray[np.float64]:
    """Xᵀv built entry by entry: entry j is column j of X times v, Σᵢ xⱼ⁽ⁱ⁾ vᵢ.

    This is the reading of step 10: the sum over instances of xⱼ⁽ⁱ⁾ vᵢ runs
    down column j of X, which is row j of Xᵀ.

    Parameters
    ----------
    X_b : array_like, shape (m, n+1)
        Instances as rows.
    v : array_like, shape (m,) or (m, 1)
        One number per instance, e.g. the residuals Xθ − y.

    Returns
    -------
    ndarray, shape (n+1,)

    Raises
    ------
    TypeError
        For non-numeric input.
    ValueError
        When ``v`` does not have one entry per row of ``X_b``.

    Examples
    --------
    >>> transpose_product_by_columns([[1.0, 2.0], [1.0, 3.0]], [1.0, -1.0])
    array([ 0., -1.])
    """
    X_arr = check_design_matrix(X_b)
    v_arr = as_numeric_array(v, "v")
    m = X_arr.shape[0]
    if not (v_arr.ndim == 1 or (v_arr.ndim == 2 and v_arr.shape[1] == 1)) or v_arr.shape[0] != m:
        raise ValueError(
            f"v must have one entry per instance, shape ({m},) or ({m}, 1), to be multiplied by the columns "
            f"of X_b of shape {X_arr.shape}; got shape {v_arr.shape}"
        )
    check_finite(v_arr, "v")
    v_vec = v_arr.reshape(-1)
    return np.array([float(X_arr[:, k] @ v_vec) for k in range(X_arr.shape[1])])


def design_matrix_labels(m: int, n: int, *, transposed: bool = False) -> NDArray[np.str_]:
    """LaTeX labels of the entries of X (m × (n+1)), or of Xᵀ with ``transposed=True``.

    Entry (i, j) of X, 1 ≤ i ≤ m and 0 ≤ j ≤ n, is ``$x_j^{(i)}$``; the bias
    column j = 0 is ``$1$``.

    Parameters
    ----------
    m, n : int
        Instances (at least 1) and features (at least 0).
    transposed : bool, default False
        Return the labels of Xᵀ, shape (n+1, m).

    Returns
    -------
    ndarray of str, shape (m, n+1) or (n+1, m)

    Raises
    ------
    TypeError, ValueError
        For non-integer or out-of-range m, n.

    Examples
    --------
    >>> design_matrix_labels(2, 1)
    array([['$1$', '$x_1^{(1)}$'],
           ['$1$', '$x_1^{(2)}$']], dtype='<U11')
    >>> design_matrix_labels(2, 1, transposed=True).shape
    (2, 2)
    """
    from ._validation import check_positive_int

    m = check_positive_int(m, "m")
    n = check_positive_int(n, "n", allow_zero=True)
    labels = np.array([["$1$" if k == 0 else f"$x_{k}^{{({i})}}$" for k in range(n + 1)] for i in range(1, m + 1)])
    return labels.T.copy() if transposed else labels


def draw_matrix(
    ax: Axes,
    entries: ArrayLike,
    *,
    highlight_row: int | None = None,
    highlight_col: int | None = None,
    row_names: Sequence[str] | None = None,
    col_names: Sequence[str] | None = None,
    title: str | None = None,
    fontsize: float = 12,
) -> Axes:
    """Draw a matrix of labels in brackets on ``ax``, with one row and one column highlighted.

    Parameters
    ----------
    ax : matplotlib Axes
    entries : array_like of str or numbers, 2-D
        What to write in each cell (numbers are written as given by ``str``).
    highlight_row, highlight_col : int, optional
        0-based positions to shade (row in blue, column in orange, their
        common cell darker).
    row_names, col_names : sequence of str, optional
        Labels written left of the rows and above the columns.
    title : str, optional
    fontsize : float, default 12

    Returns
    -------
    Axes
        ``ax``, for chaining.

    Raises
    ------
    ValueError
        When ``entries`` is not 2-D, a highlight is out of range, or the
        number of names does not match the shape.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = draw_matrix(ax, design_matrix_labels(3, 2), highlight_row=1, highlight_col=2)
    >>> len(ax.texts)
    9
    >>> plt.close(fig)
    """
    from matplotlib.patches import Rectangle

    cells = np.asarray(entries, dtype=object)
    if cells.ndim != 2 or cells.size == 0:
        raise ValueError(f"entries must be a non-empty 2-D array; got shape {np.shape(cells)}")
    rows, cols = cells.shape
    for name, value, size in (("highlight_row", highlight_row, rows), ("highlight_col", highlight_col, cols)):
        if value is not None and not (isinstance(value, (int, np.integer)) and 0 <= value < size):
            raise ValueError(f"{name} = {value!r} is outside 0..{size - 1} for entries of shape {cells.shape}")
    if row_names is not None and len(row_names) != rows:
        raise ValueError(f"row_names has {len(row_names)} names for entries of shape {cells.shape}")
    if col_names is not None and len(col_names) != cols:
        raise ValueError(f"col_names has {len(col_names)} names for entries of shape {cells.shape}")

    row_colour, col_colour, both_colour = "#cfe2f3", "#fce5cd", "#f6b26b"
    for r in range(rows):
        for c in range(cols):
            colour = "white"
            if r == highlight_row and c == highlight_col:
                colour = both_colour
            elif r == highlight_row:
                colour = row_colour
            elif c == highlight_col:
                colour = col_colour
            ax.add_patch(Rectangle((c, rows - 1 - r), 1, 1, facecolor=colour, edgecolor="#dddddd", linewidth=0.8))
            ax.text(c + 0.5, rows - 0.5 - r, str(cells[r, c]), ha="center", va="center", fontsize=fontsize)
    # brackets
    for x, tick in ((0.0, 0.15), (float(cols), -0.15)):
        ax.plot([x + tick, x, x, x + tick], [0, 0, rows, rows], color="black", linewidth=1.5)
    if row_names is not None:
        for r, name in enumerate(row_names):
            weight = "bold" if r == highlight_row else "normal"
            ax.text(-0.3, rows - 0.5 - r, name, ha="right", va="center", fontsize=fontsize * 0.85, fontweight=weight)
    if col_names is not None:
        for c, name in enumerate(col_names):
            weight = "bold" if c == highlight_col else "normal"
            ax.text(c + 0.5, rows + 0.25, name, ha="center", va="bottom", fontsize=fontsize * 0.85, fontweight=weight)
    if title is not None:
        ax.set_title(title, fontsize=fontsize, pad=24 if col_names is not None else 8)
    ax.set_xlim(-1.6 if row_names is not None else -0.3, cols + 0.3)
    ax.set_ylim(-0.3, rows + (0.9 if col_names is not None else 0.3))
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
