"""The loop shared by the line-search methods (BFGS, L-BFGS, nonlinear CG, Newton).

    repeat: p = direction(x, g);  α = strong Wolfe step along p;  x ← x + α p;  update(s, y)

Each method is a small object with `direction`, `initial_step`, `update` and `reset`; this loop
owns the stopping tests, the line search and the bookkeeping, so every method stops and reports
the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nashai.math.optimization._objective import Objective
from nashai.math.optimization.line_search import strong_wolfe_line_search
from nashai.math.optimization.result import (
    CONVERGED,
    DIVERGED,
    LINE_SEARCH_FAILED,
    MAX_ITERATIONS,
    STOPPED_BY_CALLBACK,
    OptimizeResult,
    make_result,
)


class DescentMethod:
    """How one line-search method picks its direction and learns from each step."""

    def direction(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        """The search direction p at x, with ∇f(x) = g; all (n,)."""
        raise NotImplementedError

    def initial_step(self, g: np.ndarray, p: np.ndarray) -> float:
        """The first step length the line search tries."""
        return 1.0

    def update(self, s: np.ndarray, y: np.ndarray, g_new: np.ndarray, alpha: float) -> None:
        """Learn from the step s = x_{k+1} − x_k, y = ∇f_{k+1} − ∇f_k."""

    def reset(self) -> bool:
        """Forget accumulated curvature; True if there was something to forget."""
        return False


def line_search_descent(
    objective: Objective,
    x: np.ndarray,
    tol: float,
    maxiter: int,
    callback: Callable | None,
    method: DescentMethod,
    c1: float = 1e-4,
    c2: float = 0.9,
) -> OptimizeResult:
    """Run `method` from x until ‖∇f‖_∞ ≤ tol (see the module docstring).

    If the direction is not a descent direction, or the line search fails along it while the
    method holds curvature information, the method is reset and steepest descent is tried once
    before giving up.
    """
    f, g = objective.value_and_grad(x)
    nit, status = 0, MAX_ITERATIONS
    while True:
        if not (np.isfinite(f) and np.all(np.isfinite(g))):
            status = DIVERGED
            break
        if np.max(np.abs(g)) <= tol:
            status = CONVERGED
            break
        if nit >= maxiter:
            break
        p = method.direction(x, g)
        if not g @ p < 0:
            method.reset()
            p = -g
        search = strong_wolfe_line_search(
            objective.value_and_grad, x, p, f, g, method.initial_step(g, p), c1, c2
        )
        if search.alpha is None and method.reset():
            p = -g
            search = strong_wolfe_line_search(
                objective.value_and_grad, x, p, f, g, method.initial_step(g, p), c1, c2
            )
        if search.alpha is None:
            status = LINE_SEARCH_FAILED
            break
        x_new = x + search.alpha * p
        method.update(x_new - x, search.jac - g, search.jac, search.alpha)
        x, f, g, nit = x_new, search.fun, search.jac, nit + 1
        if callback is not None and callback(x.copy()):
            status = STOPPED_BY_CALLBACK
            break
    return make_result(status, x=x, fun=f, jac=g, nit=nit, nfev=objective.nfev, njev=objective.njev)
