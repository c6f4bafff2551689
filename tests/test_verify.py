"""Unit tests of mse_gradient.verify, the helper through which every check cell asserts.

A check that holds prints one ``✓`` line; a check that does not hold raises
``AssertionError`` naming the check, the worst entry, the shapes and the
tolerance. Wrong *use* of a check (non-numeric values, an array as a
condition, negative tolerances) is a ``TypeError``/``ValueError``, never a
silent pass.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import mse_gradient as mg
from mse_gradient.verify import check_close, check_differs, check_raises, check_that

# --- check_close -----------------------------------------------------------------------------


def test_check_close_passes_and_prints_one_line_with_the_name(capsys):
    diff = check_close("step 3 — formula vs central differences", np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-14]))
    out = capsys.readouterr().out
    assert out == "✓ step 3 — formula vs central differences: agree to 1e-12\n"
    assert 0 < diff < 1e-13


def test_check_close_line_depends_on_the_tolerance_only(capsys):
    """Exact equality is asked for with atol=0; otherwise the line never says 'equal', even when it is."""
    assert check_close("same", [1.0, 2.0], [1.0, 2.0], atol=0) == 0.0
    assert capsys.readouterr().out == "✓ same: equal\n"
    assert check_close("same", [1.0, 2.0], [1.0, 2.0]) == 0.0
    assert check_close("close", [1.0, 2.0], [1.0, 2.0 + 1e-15]) > 0.0
    assert capsys.readouterr().out == "✓ same: agree to 1e-12\n✓ close: agree to 1e-12\n"


@pytest.mark.parametrize(
    ("atol", "rtol", "line"),
    [
        (1e-10, 0.0, "agree to 1e-10"),
        (0.0, 1e-6, "agree to a relative 1e-06"),
        (1e-9, 1e-6, "agree to 1e-09 + a relative 1e-06"),
    ],
)
def test_check_close_states_the_tolerance(capsys, atol, rtol, line):
    check_close("t", 1.0, 1.0 + 1e-12, atol=atol, rtol=rtol)
    assert capsys.readouterr().out == f"✓ t: {line}\n"


def test_check_close_failure_names_check_worst_entry_shapes_and_tolerance():
    actual = np.array([[1.0, 2.0], [3.0, 4.0]])
    expected = np.array([[1.0, 2.0 + 1e-3], [3.0 + 0.5, 4.0]])
    with pytest.raises(AssertionError) as info:
        check_close("gradient vs SymPy", actual, expected, atol=1e-8)
    message = str(info.value)
    assert message.startswith("✗ gradient vs SymPy:")
    assert "at index (1, 0)" in message  # the worst entry, not the first one that differs
    assert "actual[1, 0] = 3" in message and "expected[1, 0] = 3.5" in message
    assert "max |actual - expected| = 0.5" in message
    assert "atol 1e-08" in message and "rtol 0" in message
    assert "shapes actual (2, 2), expected (2, 2)" in message


def test_check_close_scalar_failure_has_no_index():
    with pytest.raises(AssertionError, match=r"^✗ slope: .*actual = 1\.5, expected = 2;") as info:
        check_close("slope", 1.5, 2.0, atol=0.1)
    assert "shapes actual (), expected ()" in str(info.value)


def test_check_close_relative_tolerance_is_relative_to_expected():
    check_close("big", 1e6 + 0.5, 1e6, rtol=1e-6, atol=0)
    with pytest.raises(AssertionError, match="exceeds the tolerance 1e-06"):
        check_close("small", 1.0 + 2e-6, 1.0, rtol=1e-6, atol=0)


def test_check_close_tolerance_boundary_is_inclusive():
    check_close("boundary", 0.5, 0.0, atol=0.5)
    with pytest.raises(AssertionError):
        check_close("just over", 0.5 + 1e-12, 0.0, atol=0.5)


@pytest.mark.parametrize(
    ("actual", "expected"),
    [(np.zeros((3, 1)), np.zeros(3)), (np.zeros(3), np.zeros(4)), (np.zeros((2, 3)), np.zeros((3, 2))), (0.0, [0.0])],
)
def test_check_close_refuses_shape_mismatch_instead_of_broadcasting(actual, expected):
    with pytest.raises(AssertionError, match=r"^✗ shapes: the shapes differ: actual \(.*\), expected \(.*\)$"):
        check_close("shapes", actual, expected)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("side", ["actual", "expected"])
def test_check_close_fails_on_nan_and_inf(bad, side):
    good = np.array([1.0, 2.0, 3.0])
    broken = good.copy()
    broken[1] = bad
    a, b = (broken, good) if side == "actual" else (good, broken)
    with pytest.raises(
        AssertionError, match=r"^✗ finite: a value is not finite: actual\[1\] = .*expected\[1\] = .*shape \(3,\)"
    ):
        check_close("finite", a, b, atol=1.0)


def test_check_close_nan_never_passes_even_with_a_huge_tolerance():
    with pytest.raises(AssertionError, match="not finite"):
        check_close("nan", np.nan, np.nan, atol=1e300)


def test_check_close_empty_values_are_not_a_pass():
    with pytest.raises(AssertionError, match="nothing to compare"):
        check_close("empty", np.zeros(0), np.zeros(0))


@pytest.mark.parametrize("value", ["1.0", None, {"a": 1}, object(), [1.0, "x"], 1 + 2j])
def test_check_close_non_numeric_is_a_type_error_naming_the_check(value):
    with pytest.raises(TypeError, match=r"^check 'typed': (actual|expected) must be numeric"):
        check_close("typed", value, 1.0)
    with pytest.raises(TypeError, match=r"^check 'typed': expected must be numeric"):
        check_close("typed", 1.0, value)


@pytest.mark.parametrize(("atol", "rtol"), [(-1e-12, 0.0), (0.0, -1.0)])
def test_check_close_negative_tolerance_is_a_value_error(atol, rtol):
    with pytest.raises(ValueError, match="tolerances must be non-negative"):
        check_close("tol", 1.0, 1.0, atol=atol, rtol=rtol)


def test_check_close_accepts_integers_lists_and_numpy_scalars(capsys):
    check_close("ints", [1, 2], np.array([1.0, 2.0]))
    check_close("scalar", np.float64(0.25), 0.25)
    assert capsys.readouterr().out.count("✓") == 2


# --- check_that ------------------------------------------------------------------------------


def test_check_that_passes_with_detail(capsys):
    check_that("cost goes down", 0.5 < 0.7, "0.5 < 0.7")
    check_that("numpy bool", np.float64(1.0) > 0)
    assert capsys.readouterr().out == "✓ cost goes down: 0.5 < 0.7\n✓ numpy bool\n"


def test_check_that_failure_names_the_check_and_the_detail():
    with pytest.raises(AssertionError, match=r"^✗ divergence factor > 1: does not hold: 0\.9 ≤ 1$"):
        check_that("divergence factor > 1", 0.9 > 1, "0.9 ≤ 1")
    with pytest.raises(AssertionError, match=r"^✗ bare: does not hold$"):
        check_that("bare", False)


@pytest.mark.parametrize("condition", [np.array([True, True]), np.array([True]), 1, 0, 1.0, "yes", None, [True]])
def test_check_that_accepts_only_a_single_boolean(condition):
    with pytest.raises(TypeError, match=r"^check 'c': condition must be a single boolean"):
        check_that("c", condition)


def test_check_that_array_error_shows_the_shape():
    with pytest.raises(TypeError, match=r"ndarray of shape \(2, 3\)"):
        check_that("c", np.ones((2, 3)) > 0)


# --- check_differs ---------------------------------------------------------------------------


def test_check_differs_passes_on_a_real_difference(capsys):
    assert check_differs("1/m is not 2/m", [1.0, 2.0], [2.0, 4.0]) == 2.0
    assert capsys.readouterr().out == "✓ 1/m is not 2/m: differ (max |diff| 2)\n"


def test_check_differs_different_shapes_differ(capsys):
    assert check_differs("row vs column", np.zeros((1, 3)), np.zeros((3, 1))) == float("inf")
    assert "differ (shapes (1, 3) and (3, 1))" in capsys.readouterr().out


def test_check_differs_fails_when_the_slip_gives_the_right_value():
    with pytest.raises(
        AssertionError, match=r"^✗ slip: expected a difference, but both values agree to 1e-08 \(shape \(2,\)\)$"
    ):
        check_differs("slip", [1.0, 2.0], [1.0, 2.0 + 1e-9])


def test_check_differs_nan_is_not_a_difference():
    with pytest.raises(AssertionError, match="not finite"):
        check_differs("nan", [np.nan], [1.0])


def test_check_differs_empty_is_not_a_difference():
    with pytest.raises(AssertionError, match="nothing to compare"):
        check_differs("empty", np.zeros(0), np.zeros(0))


def test_check_differs_non_numeric_is_a_type_error():
    with pytest.raises(TypeError, match=r"^check 'd': wrong must be numeric"):
        check_differs("d", 1.0, "2")


# --- check_raises ----------------------------------------------------------------------------


def test_check_raises_returns_the_exception_and_prints(capsys):
    error = check_raises("row times row", ValueError, np.dot, np.ones((1, 2)), np.ones((1, 2)))
    assert isinstance(error, ValueError)
    assert capsys.readouterr().out == "✓ row times row: raises ValueError\n"


def test_check_raises_passes_keyword_arguments_and_match():
    error = check_raises("bad j", ValueError, mg.partial_derivative, [0.0, 0.0], [[1.0, 0.0]], [1.0], j=5, match="j")
    assert "j" in str(error)


def test_check_raises_fails_when_nothing_is_raised():
    with pytest.raises(
        AssertionError, match=r"^✗ no error: expected ValueError or TypeError, but the call returned 1$"
    ):
        check_raises("no error", (ValueError, TypeError), abs, -1)


def test_check_raises_fails_when_the_message_does_not_match():
    with pytest.raises(AssertionError, match=r"^✗ m: ValueError raised, but its message lacks 'shape'"):
        check_raises("m", ValueError, int, "x", match="shape")


def test_check_raises_lets_an_unexpected_exception_through():
    with pytest.raises(ZeroDivisionError):
        check_raises("other", ValueError, lambda: 1 / 0)


def test_check_raises_refuses_a_non_exception_class():
    with pytest.raises(TypeError, match="exception class"):
        check_raises("x", "ValueError", abs, -1)


# --- the package exports them ----------------------------------------------------------------


def test_the_package_exports_the_checks():
    for name in ("check_close", "check_that", "check_differs", "check_raises"):
        assert getattr(mg, name) is globals()[name]
        assert name in mg.__all__


def test_every_failure_message_starts_with_the_cross_and_the_name():
    failures = [
        lambda: check_close("N1", 1.0, 2.0),
        lambda: check_close("N2", [1.0], [1.0, 2.0]),
        lambda: check_close("N3", np.inf, 1.0),
        lambda: check_that("N4", False),
        lambda: check_differs("N5", 1.0, 1.0),
        lambda: check_raises("N6", ValueError, abs, 1),
    ]
    for index, failure in enumerate(failures, start=1):
        with pytest.raises(AssertionError) as info:
            failure()
        assert re.match(rf"✗ N{index}: ", str(info.value)), str(info.value)
