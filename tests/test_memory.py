"""Tests of mse_gradient.memory.peak_bytes: the memory claim of the learning chapter."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import mse_gradient as mg
from mse_gradient.memory import peak_bytes


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(3)
    m, n = 20_000, 20
    X_b = mg.add_bias(rng.standard_normal((m, n)))
    return X_b, rng.standard_normal(m), rng.standard_normal(n + 1)


def test_the_one_liner_allocates_a_scaled_copy_of_the_data(problem):
    X_b, y, theta = problem
    m, n_plus_1 = X_b.shape
    copy = m * n_plus_1 * 8
    peak = peak_bytes(lambda: 2 / m * X_b.T @ (X_b @ theta - y))  # fmt: skip
    assert copy <= peak <= 1.1 * copy


def test_gradient_allocates_only_vectors(problem):
    X_b, y, theta = problem
    m, n_plus_1 = X_b.shape
    peak = peak_bytes(mg.gradient, theta, X_b, y)
    assert peak <= 8 * (2 * m + n_plus_1) + 65_536  # slack: tracemalloc also sees other threads (xdist's)
    assert peak < 0.2 * m * n_plus_1 * 8


def test_arguments_are_passed_and_result_discarded():
    seen = []
    assert peak_bytes(lambda a, b=0: seen.append((a, b)), 1, b=2) >= 0
    assert seen == [(1, 2)]


def test_keeps_an_outer_trace_running():
    tracemalloc.start()
    try:
        assert 8_000_000 <= peak_bytes(np.ones, 1_000_000) < 8_100_000
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()
    assert not tracemalloc.is_tracing()


def test_exceptions_propagate_and_tracing_stops():
    def boom():
        raise RuntimeError("inside")

    with pytest.raises(RuntimeError, match="inside"):
        peak_bytes(boom)
    assert not tracemalloc.is_tracing()


def test_refuses_a_non_callable():
    with pytest.raises(TypeError, match="function must be callable; got int"):
        peak_bytes(3)
