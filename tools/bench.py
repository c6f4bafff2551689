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

A second table times one epoch of the three descents of the chapter
"Stochastic and mini-batch gradient descent": batch
(:func:`mse_gradient.batch_gradient_descent`, one step per epoch), mini-batch
with batches of 20 (:func:`mse_gradient.minibatch_gradient_descent`, m/20
steps) and stochastic (:func:`mse_gradient.stochastic_gradient_descent`, m
steps), all with the constant learning rate 0.01, and prints the ratios to
batch descent next to the ratios of their operation counts: the arithmetic per
epoch is nearly the same, the time is not, because every step pays a fixed cost
of Python and library calls. (Each epoch also evaluates the cost once on the
whole data, in all three.)

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
from collections.abc import Callable

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


def best_times(funcs: dict[str, Callable[[], object]], repeats: dict[str, int], budget: float) -> dict[str, float]:
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


def flops_per_epoch(m: int, n: int, batch_size: int) -> int:
    """Operations of one epoch with batches of ``batch_size`` (book/stochastic.md, eq:sgd-flops)."""
    return 4 * m * (n + 1) + -(-m // batch_size) * (2 * n + 5)


def descent_epochs(m: int, n: int, repeats: int, budget: float) -> None:
    """Print the time per epoch of batch, mini-batch and stochastic descent, as ratios to batch."""
    theta, X_b, y = problem(m, n)
    eta = 0.01
    descents = {
        "batch": (m, lambda e: mg.batch_gradient_descent(X_b, y, eta=eta, n_epochs=e, theta0=theta)),
        "mini-batch": (20, lambda e: mg.minibatch_gradient_descent(X_b, y, 20, n_epochs=e, theta0=theta, eta=eta)),
        "stochastic": (1, lambda e: mg.stochastic_gradient_descent(X_b, y, n_epochs=e, theta0=theta, eta=eta)),
    }
    per_epoch = {}
    for name, (_batch_size, run) in descents.items():
        result = run(1)
        if result.diverged:
            raise RuntimeError(f"{name} descent diverged at m = {m}, n = {n}")
        epochs = calls_for(lambda run=run: run(1), budget)
        per_epoch[name] = (
            best_times({name: lambda run=run, epochs=epochs: run(epochs)}, {name: repeats}, budget=0.0)[name] / epochs
        )
    base = per_epoch["batch"]
    for name, (batch_size, _) in descents.items():
        flops = flops_per_epoch(m, n, batch_size) / flops_per_epoch(m, n, m)
        steps = -(-m // batch_size)
        print(
            f"{m:>9} {n:>4} {name:>11} {steps:>8} | {fmt_time(per_epoch[name])} | "
            f"{per_epoch[name] / base:10.1f}x | {flops:8.2f}x"
        )


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
            funcs = {name: (lambda f=f, theta=theta, X_b=X_b, y=y: f(theta, X_b, y)) for name, f in CANDIDATES.items()}
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
    print()
    print("One epoch of the three descents (eta = 0.01, batches of 20): time per epoch, best of repeats")
    header = (
        f"{'m':>9} {'n':>4} {'descent':>11} {'steps':>8} | {'time/epoch':>11} | {'time ratio':>11} | {'flops ratio':>9}"
    )
    print(header)
    print("-" * len(header))
    for m in [1_000] if args.quick else [1_000, 100_000]:
        descent_epochs(m, 10, repeats=3, budget=0.05 if args.quick else 0.5)
    print("ratios are to batch descent; flops = 4 m (n+1) + ceil(m/b) (2n + 5) per epoch")
    print(f"total time {time.perf_counter() - start_all:.0f} s")
    if flagged:
        for m, n, ratio in flagged:
            print(f"FLAG: gradient is {ratio:.2f}x the floor at m = {m}, n = {n} (limit {LIMIT}x)")
        return 1
    print(f"OK: gradient within {LIMIT}x of the floor at every size")
    return 0


if __name__ == "__main__":
    sys.exit(main())
