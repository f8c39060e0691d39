"""Coordinate descent: minimise along one coordinate at a time, sweeping i = 1..n (Wright, 2015,
"Coordinate descent algorithms", Math. Programming 151).

coordinate_descent_quadratic  exact minimisation of ½ xᵀA x − bᵀx along each coordinate, i.e. the
                              Gauss–Seidel iteration; converges for symmetric positive definite A
coordinate_descent            any f: along each coordinate, bracket a minimum and locate it by
                              golden-section search (derivative-free)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nashai.math.optimization._objective import as_start_point
from nashai.math.optimization.line_search import bracket_minimum, golden_section_search
from nashai.math.optimization.result import (
    CONVERGED,
    MAX_ITERATIONS,
    STOPPED_BY_CALLBACK,
    OptimizeResult,
    make_result,
)

_EPS = float(np.finfo(float).eps)


def coordinate_descent_quadratic(
    A,
    b,
    x0=None,
    tol: float = 1e-10,
    maxiter: int = 10_000,
) -> OptimizeResult:
    """Minimise f(x) = ½ xᵀA x − bᵀx, A (n, n) symmetric positive definite, b (n,).

    Setting ∂f/∂x_i = 0 with the other coordinates fixed gives the exact coordinate step

        x_i ← x_i + r_i / A_ii,   r = b − A x (kept up to date: r ← r − A[:, i] δ),

    so one sweep costs O(n²). Stops when ‖r‖₂ ≤ tol·‖b‖₂ (‖∇f‖ = ‖r‖). maxiter counts sweeps.
    The rate is linear with a constant that worsens with the condition number of A.
    Returns an OptimizeResult with x (n,), fun, jac = A x − b, nit (sweeps), success.
    """
    b = np.asarray(b, dtype=float)
    if b.ndim != 1:
        raise ValueError(f"b must be a 1-D array of shape (n,), got shape {b.shape}")
    n = b.size
    A = np.asarray(A, dtype=float)
    if A.shape != (n, n):
        raise ValueError(f"A must have shape ({n}, {n}) to match b of shape ({n},), got {A.shape}")
    if not np.allclose(A, A.T, rtol=1e-10, atol=1e-12 * np.max(np.abs(A))):
        raise ValueError("A must be symmetric for coordinate descent on ½ xᵀA x − bᵀx")
    diagonal = np.diagonal(A)
    if not np.all(diagonal > 0):
        raise ValueError(
            "A must be positive definite; its diagonal has a non-positive entry "
            f"A[{int(np.argmin(diagonal))}, {int(np.argmin(diagonal))}] = {np.min(diagonal)}"
        )
    x = np.zeros(n) if x0 is None else np.array(x0, dtype=float)
    if x.shape != (n,):
        raise ValueError(f"x0 must have shape ({n},) like b, got {x.shape}")

    r = b - A @ x
    threshold = tol * np.sqrt(b @ b)
    status, nit = MAX_ITERATIONS, 0
    while True:
        if np.sqrt(r @ r) <= threshold:
            status = CONVERGED
            break
        if nit >= maxiter:
            break
        for i in range(n):
            delta = r[i] / diagonal[i]
            x[i] += delta
            r -= delta * A[:, i]
        nit += 1
    r = b - A @ x
    return make_result(status, x=x, fun=float(-0.5 * x @ (b + r)), jac=-r, nit=nit)


def coordinate_descent(
    fun: Callable[[np.ndarray], float],
    x0,
    tol: float = 1e-8,
    maxiter: int = 1000,
    step: float = 1.0,
    callback: Callable | None = None,
) -> OptimizeResult:
    """Minimise fun: (n,) → float one coordinate at a time, without derivatives.

    For each i, t ↦ f(x + (t − x_i) e_i) is bracketed by downhill expansion (starting with
    `step`, later with the size of coordinate i's previous move) and minimised by golden-section
    search to a relative accuracy tol; the move is kept only if f does not increase. Stops after
    a sweep that moves no coordinate by more than tol·max(1, |x_i|), or that lowers f by no more
    than rounding (10·eps·max(1, |f|)); maxiter counts sweeps. Values alone locate a minimum only
    to about √eps relative, so tol below ~1e-8 rarely helps.

    Returns an OptimizeResult with x (n,), fun, nit (sweeps), nfev, success. Like every
    coordinate method it can stall on non-smooth f whose minimum is not coordinate-wise.
    """
    x = as_start_point(x0)
    nfev = 0

    def f(z: np.ndarray) -> float:
        nonlocal nfev
        nfev += 1
        return float(fun(z))

    fx = f(x)
    steps = np.full(x.size, float(step))
    status, nit = MAX_ITERATIONS, 0
    while nit < maxiter:
        largest_move, f_before = 0.0, fx
        for i in range(x.size):
            trial = x.copy()

            def along(t: float, i: int = i, trial: np.ndarray = trial) -> float:
                trial[i] = t
                return f(trial)

            low, _, high = bracket_minimum(along, x[i], steps[i])
            t, ft = golden_section_search(along, low, high, tol)
            if ft <= fx:
                move = abs(t - x[i])
                largest_move = max(largest_move, move / max(1.0, abs(t)))
                steps[i] = max(move, tol * max(1.0, abs(t)))
                x[i], fx = t, ft
        nit += 1
        if callback is not None and callback(x.copy()):
            status = STOPPED_BY_CALLBACK
            break
        if largest_move <= tol or f_before - fx <= 10 * _EPS * max(1.0, abs(fx)):
            status = CONVERGED
            break
    return make_result(status, x=x, fun=fx, nit=nit, nfev=nfev)
