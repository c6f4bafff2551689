"""Symbolic versions of the MSE and its gradient, for exact checks with SymPy.

For small m and n, every entry of X, y and θ is a SymPy symbol, so that a
derivative computed by SymPy's rules can be compared exactly with a closed
form from the proofs (``simplify(a - b) == 0``), not just to 1e-12.

SymPy is imported lazily: the numeric part of the package does not need it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._validation import check_positive_int

if TYPE_CHECKING:  # pragma: no cover
    import sympy

__all__ = ["SymbolicProblem", "symbolic_problem", "symbolic_gradient", "closed_form_gradient", "is_zero"]


@dataclass(frozen=True)
class SymbolicProblem:
    """A linear-regression problem whose entries are symbols.

    Attributes
    ----------
    m, n : int
        Instances and features.
    theta : sympy.Matrix, shape (n+1, 1)
        Symbols θ₀ … θₙ.
    X : sympy.Matrix, shape (m, n+1)
        Row i is x⁽ⁱ⁾ᵀ = (1, x₁⁽ⁱ⁾, …, xₙ⁽ⁱ⁾): the bias column is the number 1.
    y : sympy.Matrix, shape (m, 1)
        Symbols y⁽¹⁾ … y⁽ᵐ⁾.
    mse : sympy.Expr
        (1/m) Σᵢ (θᵀx⁽ⁱ⁾ − y⁽ⁱ⁾)², written as a sum over instances.
    """

    m: int
    n: int
    theta: Any
    X: Any
    y: Any
    mse: Any


def symbolic_problem(m: int, n: int) -> SymbolicProblem:
    """Build the symbolic problem with m instances and n features.

    Examples
    --------
    >>> p = symbolic_problem(m=2, n=1)
    >>> p.X
    Matrix([
    [1, x_1^(1)],
    [1, x_1^(2)]])
    >>> p.theta.T
    Matrix([[theta_0, theta_1]])
    """
    import sympy

    m = check_positive_int(m, "m")
    n = check_positive_int(n, "n", allow_zero=True)
    theta = sympy.Matrix(sympy.symbols(f"theta_0:{n + 1}", real=True))
    rows = []
    for i in range(1, m + 1):
        rows.append([sympy.Integer(1)] + [sympy.Symbol(f"x_{j}^({i})", real=True) for j in range(1, n + 1)])
    X = sympy.Matrix(rows)
    y = sympy.Matrix([sympy.Symbol(f"y^({i})", real=True) for i in range(1, m + 1)])
    mse = sympy.Rational(1, m) * sum(((theta.T * X[i, :].T)[0, 0] - y[i, 0]) ** 2 for i in range(m))
    return SymbolicProblem(m=m, n=n, theta=theta, X=X, y=y, mse=mse)


def symbolic_gradient(problem: SymbolicProblem) -> sympy.Matrix:
    """The vector (∂MSE/∂θ₀, …, ∂MSE/∂θₙ)ᵀ, each entry differentiated by SymPy.

    Examples
    --------
    >>> p = symbolic_problem(m=1, n=0)
    >>> symbolic_gradient(p)
    Matrix([[2*theta_0 - 2*y^(1)]])
    """
    import sympy

    return sympy.Matrix([sympy.diff(problem.mse, t) for t in problem.theta])


def closed_form_gradient(problem: SymbolicProblem) -> sympy.Matrix:
    """The closed form (2/m) Xᵀ(Xθ − y) with symbolic entries.

    Examples
    --------
    >>> p = symbolic_problem(m=2, n=1)
    >>> is_zero(symbolic_gradient(p) - closed_form_gradient(p))
    True
    """
    import sympy

    return sympy.Rational(2, problem.m) * problem.X.T * (problem.X * problem.theta - problem.y)


def is_zero(expression: Any) -> bool:
    """True when a SymPy expression or matrix expands to exactly zero.

    Examples
    --------
    >>> import sympy
    >>> a, b = sympy.symbols("a b")
    >>> is_zero((a + b) ** 2 - (a**2 + 2 * a * b + b**2))
    True
    """
    import sympy

    if isinstance(expression, sympy.MatrixBase):
        return all(sympy.expand(entry) == 0 for entry in expression)
    return sympy.expand(expression) == 0
