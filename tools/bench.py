"""Benchmark of the gradient of the MSE: `make bench`.

Times, on the same data and in one run, four ways to compute
∇θ MSE(θ) = (2/m) X_bᵀ(X_b θ − y):

* floor     — ``(2/m) * (X_b.T @ (X_b @ theta - y))``: two matrix–vector
              products and nothing more, the least work the formula needs;
* gradient  — :func:`mse_gradient.gradient`, the same products plus input
              validation;
* literal   — the book's one-liner ``2/m * X_b.T @ (X_b @ theta - y)``, which
              Python reads left to right as ``((2/m) * X_b.T) @ (...)`` and so
              scales the whole m × (n+1) matrix before the product;
* samples   — :func:`mse_gradient.gradient_by_samples`, a Python loop over
              the m instances.

Each time is the best of several repeats (the runs of the candidates are
interleaved, so a slow moment of the machine hits all of them alike), and is
reported as a ratio to the floor. `gradient` is flagged when it is more than
1.1× the floor. The sizes are m = 10⁴ and 10⁶ and n = 10 and 100; the largest
X_b takes 800 MB, and the literal one-liner allocates as much again.

Usage::

    .venv/bin/python tools/bench.py            # the full table (about 1–2 min)
    .venv/bin/python tools/bench.py --quick    # small sizes, a few seconds

Benchmarks are never run by the tests.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from typing import Callable

import numpy as np

import mse_gradient as mg

LIMIT = 1.1  # `gradient` may cost at most this much more than the floor


def floor(theta: np.ndarray, X_b: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Two matrix–vector products; the scalar multiplies the (n+1)-vector."""
    m = X_b.shape[0]
    return (2 / m) * (X_b.T @ (X_b @ theta - y))


def literal(theta: np.ndarray, X_b: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The book's one-liner, as printed: 2/m * X_b.T scales the matrix first."""
    m = X_b.shape[0]
    return 2/m * X_b.T @ (X_b @ theta - y)  # fmt: skip


CANDIDATES: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    "floor": floor,
    "gradient": mg.gradient,
    "literal": literal,
    "samples": mg.gradient_by_samples,
}


def calls_for(func: Callable[[], object], budget: float) -> int:
    """How many calls fill about ``budget`` seconds (at least 1)."""
    start = time.perf_counter()
    func()
    once = time.perf_counter() - start
    return max(1, int(budget / max(once, 1e-9)))


def best_times(
    funcs: dict[str, Callable[[], object]], repeats: dict[str, int], budget: float
) -> dict[str, float]:
    """Best time per call of each function, over interleaved repeats."""
    numbers = {name: calls_for(f, budget) for name, f in funcs.items()}
    best = {name: float("inf") for name in funcs}
    for r in range(max(repeats.values())):
        for name, f in funcs.items():
            if r >= repeats[name]:
                continue
            number = numbers[name]
            gc.disable()
            start = time.perf_counter()
            for _ in range(number):
                f()
            elapsed = (time.perf_counter() - start) / number
            gc.enable()
            best[name] = min(best[name], elapsed)
    return best


def problem(m: int, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random problem of m instances and n features (1-D theta and y)."""
    rng = np.random.default_rng(seed)
    X_b = np.empty((m, n + 1))
    X_b[:, 0] = 1.0
    X_b[:, 1:] = rng.standard_normal((m, n))
    theta = rng.standard_normal(n + 1)
    y = X_b @ rng.standard_normal(n + 1) + rng.standard_normal(m)
    return theta, X_b, y


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds:8.2f} s "


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (m = 1e3, 1e4), for a smoke test")
    parser.add_argument("--repeats", type=int, default=7, help="repeats of the fast candidates (default 7)")
    args = parser.parse_args(argv)

    sizes_m = [1_000, 10_000] if args.quick else [10_000, 1_000_000]
    sizes_n = [10, 100]
    print("Gradient of the MSE, (2/m) X_b^T (X_b theta - y): time per call, best of repeats")
    print(
        f"numpy {np.__version__}, python {platform.python_version()}, {os.cpu_count()} CPU(s), "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"
    )
    print()
    header = (
        f"{'m':>9} {'n':>4} | {'floor':>11} | {'gradient':>9} {'literal':>9} {'samples':>9}  "
        f"(ratios to the floor) | max |diff|"
    )
    print(header)
    print("-" * len(header))
    flagged = []
    start_all = time.perf_counter()
    for m in sizes_m:
        for n in sizes_n:
            theta, X_b, y = problem(m, n)
            reference = floor(theta, X_b, y)
            diff = max(float(np.max(np.abs(CANDIDATES[k](theta, X_b, y) - reference))) for k in CANDIDATES)
            funcs = {name: (lambda f=f: f(theta, X_b, y)) for name, f in CANDIDATES.items()}
            # The Python loop is ~1000x slower: fewer repeats keep the run short.
            repeats = {name: args.repeats for name in funcs}
            repeats["samples"] = 3 if m <= 10_000 else 1
            times = best_times(funcs, repeats, budget=0.05 if m <= 10_000 else 0.0)
            ratios = {name: times[name] / times["floor"] for name in times}
            mark = ""
            if ratios["gradient"] > LIMIT:
                mark = f"  <-- gradient > {LIMIT}x floor"
                flagged.append((m, n, ratios["gradient"]))
            print(
                f"{m:>9} {n:>4} | {fmt_time(times['floor'])} | {ratios['gradient']:8.2f}x "
                f"{ratios['literal']:8.2f}x {ratios['samples']:8.0f}x  {'':21} | {diff:.1e}{mark}"
            )
            del X_b, theta, y, funcs, reference
            gc.collect()
    print()
    print("floor    = (2/m) * (X_b.T @ (X_b @ theta - y))   two matrix-vector products")
    print("gradient = mse_gradient.gradient                  the same, with input validation")
    print("literal  = 2/m * X_b.T @ (X_b @ theta - y)        parsed as ((2/m) * X_b.T) @ (...): scales the matrix")
    print("samples  = mse_gradient.gradient_by_samples       a Python loop over the m instances")
    print(f"total time {time.perf_counter() - start_all:.0f} s")
    if flagged:
        for m, n, ratio in flagged:
            print(f"FLAG: gradient is {ratio:.2f}x the floor at m = {m}, n = {n} (limit {LIMIT}x)")
        return 1
    print(f"OK: gradient within {LIMIT}x of the floor at every size")
    return 0


if __name__ == "__main__":
    sys.exit(main())
