"""Tests of mse_gradient.elementwise: the eleven steps of the element-wise proof."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import mse_gradient as mg
from mse_gradient.elementwise import (
    STEP_RULES,
    design_matrix_labels,
    draw_matrix,
    elementwise_steps,
    evaluate,
    transpose_product_by_columns,
)


def _data(m: int, n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X_b = mg.add_bias(rng.normal(size=(m, n)))
    return rng.normal(size=n + 1), X_b, rng.normal(size=m)


@pytest.mark.parametrize(("m", "n"), [(1, 0), (2, 1), (3, 2), (4, 1)])
def test_every_step_is_an_identity_and_still_the_derivative(m: int, n: int) -> None:
    problem = mg.symbolic_problem(m=m, n=n)
    for j in range(n + 1):
        steps = elementwise_steps(problem, j)
        assert [s.number for s in steps] == list(range(12))
        assert [s.rule for s in steps] == list(STEP_RULES)
        for step in steps:
            assert step.j == j
            assert step.rule_holds(), (m, n, j, step.number)
            assert step.matches_target(), (m, n, j, step.number)


def test_step_forms_evaluate_to_the_numeric_partials() -> None:
    problem = mg.symbolic_problem(m=3, n=2)
    theta, X_b, y = _data(3, 2)
    numeric = mg.numerical_gradient(lambda t: mg.mse(t, X_b, y), theta)
    for j in range(3):
        expected = mg.partial_derivative(theta, X_b, y, j)
        for step in elementwise_steps(problem, j)[:11]:
            value = evaluate(step.derivative, problem, theta, X_b, y)
            assert isinstance(value, float)
            assert value == pytest.approx(expected, abs=1e-12)
            assert value == pytest.approx(numeric[j], abs=1e-7)
    whole = evaluate(elementwise_steps(problem, 0)[11].derivative, problem, theta, X_b, y)
    np.testing.assert_allclose(whole.reshape(-1), mg.gradient(theta, X_b, y), rtol=0, atol=1e-12)


def test_a_wrong_step_is_detected() -> None:
    """Dropping the inner derivative (the chain rule's second factor) must not pass."""
    import sympy

    problem = mg.symbolic_problem(m=2, n=1)
    step = elementwise_steps(problem, 1)[9]
    wrong = sympy.Rational(2, 2) * sum(problem.X * problem.theta - problem.y)
    assert not mg.is_zero(wrong - step.target)


def test_no_rewrite_compares_an_expression_with_itself() -> None:
    """Steps 0, 6, 10 and 11 compare a matrix product with a sum written out by hand."""
    problem = mg.symbolic_problem(m=3, n=2)
    for j in range(3):
        steps = elementwise_steps(problem, j)
        for k in (0, 6, 10, 11):
            assert steps[k].before != steps[k].after, (j, k)
        if j >= 1:  # for j = 0, x_0 = 1 makes the two sides of steps 8 and 9 coincide
            assert all(step.before != step.after for step in steps), j


def test_rule_checks_fail_when_one_side_is_perturbed() -> None:
    """A wrong side makes rule_holds false: the checks of steps 0, 6, 10 and 11 can fail."""
    import dataclasses

    import sympy

    problem = mg.symbolic_problem(m=3, n=2)
    steps = elementwise_steps(problem, 1)
    theta_1, x_1_of_1 = problem.theta[1, 0], problem.X[0, 1]
    y_1 = problem.y[0, 0]
    # step 0: the definition without its factor 1/m
    wrong_0 = dataclasses.replace(steps[0], after=sympy.Derivative(steps[0].after.expr * 3, theta_1))
    # step 6: instance 1's prediction with the term theta_1 x_1^(1) dropped
    wrong_6 = dataclasses.replace(steps[6], after=steps[6].after.subs(x_1_of_1, 0))
    # step 10: the sum with y^(1) replaced by -y^(1)
    wrong_10 = dataclasses.replace(steps[10], before=steps[10].before.subs(y_1, -y_1))
    # step 11: one entry short
    wrong_11 = dataclasses.replace(steps[11], before=steps[11].before[:2, :])
    for step in (wrong_0, wrong_6, wrong_10, wrong_11):
        assert not step.rule_holds(), step.number
    assert all(steps[k].rule_holds() for k in (0, 6, 10, 11))


def test_steps_validate_their_input() -> None:
    problem = mg.symbolic_problem(m=2, n=1)
    with pytest.raises(ValueError, match=r"j = 2 is out of range.*n\+1 = 2"):
        elementwise_steps(problem, 2)
    with pytest.raises(ValueError, match="out of range"):
        elementwise_steps(problem, -1)
    with pytest.raises(TypeError, match="integer"):
        elementwise_steps(problem, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="integer"):
        elementwise_steps(problem, True)
    with pytest.raises(TypeError, match="SymbolicProblem"):
        elementwise_steps("not a problem", 0)  # type: ignore[arg-type]


def test_evaluate_validates_shapes_and_bias_column() -> None:
    problem = mg.symbolic_problem(m=3, n=2)
    theta, X_b, y = _data(3, 2)
    with pytest.raises(ValueError, match=r"shape \(4, 3\).*must have shape \(3, 3\)"):
        evaluate(problem.mse, problem, theta, np.vstack([X_b, X_b[:1]]), np.append(y, 0.0))
    with pytest.raises(ValueError, match="first column"):
        evaluate(problem.mse, problem, theta, X_b * 2.0, y)
    with pytest.raises(ValueError, match="theta"):
        evaluate(problem.mse, problem, theta[:2], X_b, y)
    with pytest.raises(TypeError, match="SymbolicProblem"):
        evaluate(problem.mse, None, theta, X_b, y)  # type: ignore[arg-type]
    assert evaluate(problem.mse, problem, theta, X_b, y) == pytest.approx(mg.mse(theta, X_b, y), abs=1e-12)


def test_transpose_product_by_columns() -> None:
    theta, X_b, y = _data(5, 3)
    v = mg.predict(theta, X_b) - y
    np.testing.assert_allclose(transpose_product_by_columns(X_b, v), X_b.T @ v, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        2 / 5 * transpose_product_by_columns(X_b, v.reshape(-1, 1)), mg.gradient(theta, X_b, y), rtol=0, atol=1e-12
    )
    with pytest.raises(ValueError, match=r"one entry per instance.*\(5, 4\).*got shape \(4,\)"):
        transpose_product_by_columns(X_b, v[:4])
    with pytest.raises(ValueError, match="got shape"):
        transpose_product_by_columns(X_b, v.reshape(1, -1))
    with pytest.raises(TypeError):
        transpose_product_by_columns(X_b, ["a"] * 5)
    with pytest.raises(ValueError, match="finite"):
        transpose_product_by_columns(X_b, np.full(5, np.nan))


def test_design_matrix_labels() -> None:
    labels = design_matrix_labels(3, 2)
    assert labels.shape == (3, 3)
    assert labels[0, 0] == "$1$"
    assert labels[2, 1] == "$x_1^{(3)}$"
    assert design_matrix_labels(3, 2, transposed=True)[1, 2] == "$x_1^{(3)}$"
    with pytest.raises(ValueError):
        design_matrix_labels(0, 2)
    with pytest.raises(TypeError):
        design_matrix_labels(2.0, 1)  # type: ignore[arg-type]


def test_draw_matrix() -> None:
    fig, ax = plt.subplots()
    try:
        out = draw_matrix(
            ax,
            design_matrix_labels(2, 1),
            highlight_row=0,
            highlight_col=1,
            row_names=["i=1", "i=2"],
            col_names=["j=0", "j=1"],
            title="X",
        )
        assert out is ax
        assert len(ax.texts) == 4 + 2 + 2
        with pytest.raises(ValueError, match="highlight_row"):
            draw_matrix(ax, design_matrix_labels(2, 1), highlight_row=2)
        with pytest.raises(ValueError, match="highlight_col"):
            draw_matrix(ax, design_matrix_labels(2, 1), highlight_col=-1)
        with pytest.raises(ValueError, match="2-D"):
            draw_matrix(ax, ["a", "b"])
        with pytest.raises(ValueError, match="row_names"):
            draw_matrix(ax, design_matrix_labels(2, 1), row_names=["a"])
        with pytest.raises(ValueError, match="col_names"):
            draw_matrix(ax, design_matrix_labels(2, 1), col_names=["a"])
    finally:
        plt.close(fig)
