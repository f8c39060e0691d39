"""Conjugate gradients: the linear solver for SPD systems and its nonlinear extension.

Linear CG (Hestenes & Stiefel, 1952; Nocedal & Wright Alg. 5.2) solves A x = b for symmetric
positive definite A, i.e. minimises ½ xᵀA x − bᵀx, with one product A·p per step:

    α = rᵀr / pᵀA p,  x ← x + α p,  r_new = r − α A p,  β = r_newᵀr_new / rᵀr,  p ← r_new + β p

Nonlinear CG (N&W §5.2) replaces r by −∇f and α by a line search:

    p_{k+1} = −∇f_{k+1} + β_{k+1} p_k
    β^FR  = ∇f_{k+1}ᵀ∇f_{k+1} / ∇f_kᵀ∇f_k                         (Fletcher–Reeves, eq. 5.41a)
    β^PR+ = max(0, ∇f_{k+1}ᵀ(∇f_{k+1} − ∇f_k) / ∇f_kᵀ∇f_k)         (Polak–Ribière+, eq. 5.45)

with a strong Wolfe line search, c2 = 0.1 < ½ (Lemma 5.6), and a restart p = −∇f whenever
consecutive gradients are far from orthogonal, |∇f_{k+1}ᵀ∇f_k| ≥ 0.1 ‖∇f_{k+1}‖² (eq. 5.52).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nashai.math.optimization._descent import DescentMethod, line_search_descent
from nashai.math.optimization._objective import Objective
from nashai.math.optimization.result import CONVERGED, MAX_ITERATIONS, OptimizeResult, make_result

_VARIANTS = ("polak-ribiere", "fletcher-reeves")


class _NonlinearCG(DescentMethod):
    def __init__(self, variant: str):
        self.variant = variant
        self.p: np.ndarray | None = None  # previous direction
        self.g: np.ndarray | None = None  # gradient at the previous iterate
        self.slope = 0.0  # α_{k-1} ∇f_{k-1}ᵀp_{k-1} = ∇f_{k-1}ᵀs_{k-1}, for the next first step

    def direction(self, x, g):
        if self.p is None:
            return -g
        g_old, gg_old = self.g, self.g @ self.g
        if abs(g @ g_old) >= 0.1 * (g @ g):
            beta = 0.0  # restart: conjugacy has been lost
        elif self.variant == "fletcher-reeves":
            beta = (g @ g) / gg_old
        else:
            beta = max(0.0, g @ (g - g_old) / gg_old)
        return -g + beta * self.p

    def initial_step(self, g, p):
        if self.p is None:
            return min(1.0, 1.0 / np.sqrt(g @ g))
        # Same first-order change in f as the last step: α0 = α_{k-1} ∇f_{k-1}ᵀp_{k-1} / ∇f_kᵀp_k
        # (N&W eq. 3.60).
        return self.slope / (g @ p)

    def update(self, s, y, g_new, alpha):
        g_old = g_new - y  # the gradient where the step started
        self.p, self.g, self.slope = s / alpha, g_old, g_old @ s

    def reset(self):
        had_direction = self.p is not None
        self.p = self.g = None
        return had_direction


def nonlinear_cg(
    objective: Objective,
    x0: np.ndarray,
    tol: float,
    maxiter: int | None,
    callback: Callable | None,
    variant: str = "polak-ribiere",
    c1: float = 1e-4,
    c2: float = 0.1,
) -> OptimizeResult:
    """Nonlinear conjugate gradient; variant 'polak-ribiere' (PR+, default) or 'fletcher-reeves'.
    Default maxiter: 200·n (at least 1000)."""
    if variant not in _VARIANTS:
        raise ValueError(f"variant must be one of {_VARIANTS}, got {variant!r}")
    if not c2 < 0.5:
        raise ValueError(f"nonlinear CG needs c2 < 0.5 for descent directions, got c2={c2}")
    maxiter = max(1000, 200 * x0.size) if maxiter is None else maxiter
    method = _NonlinearCG(variant)
    return line_search_descent(objective, x0, tol, maxiter, callback, method, c1, c2)


def conjugate_gradient(
    A,
    b,
    x0=None,
    tol: float = 1e-10,
    maxiter: int | None = None,
    callback: Callable | None = None,
) -> OptimizeResult:
    """Solve A x = b for symmetric positive definite A by linear conjugate gradients.

    A: an (n, n) array-like, or a callable v ↦ A v taking and returning (n,) vectors (A is then
    never formed). b: (n,). x0: (n,) start, default zeros. Stops when ‖b − A x‖₂ ≤ tol·‖b‖₂.
    In exact arithmetic CG ends in at most n steps; default maxiter: 10·n.

    Returns an OptimizeResult with x (n,), nit (number of CG steps), success, and
    residual_norm = ‖b − A x‖₂ recomputed at the end (the loop tests the recursively updated
    residual, which drifts from the true one by rounding). Raises ValueError if pᵀA p ≤ 0 along
    some direction (A not positive definite).
    """
    b = np.asarray(b, dtype=float)
    if b.ndim != 1:
        raise ValueError(f"b must be a 1-D array of shape (n,), got shape {b.shape}")
    n = b.size
    matvec = _as_matvec(A, n)
    x = np.zeros(n) if x0 is None else np.array(x0, dtype=float)
    if x.shape != (n,):
        raise ValueError(f"x0 must have shape ({n},) like b, got {x.shape}")
    maxiter = 10 * n if maxiter is None else maxiter

    r = b - matvec(x)
    p = r.copy()
    rr = r @ r
    threshold = tol * np.sqrt(b @ b)
    status, nit = MAX_ITERATIONS, 0
    while True:
        if np.sqrt(rr) <= threshold:
            status = CONVERGED
            break
        if nit >= maxiter:
            break
        Ap = matvec(p)
        curvature = p @ Ap
        if not curvature > 0:
            raise ValueError(
                f"A must be symmetric positive definite, but pᵀA p = {curvature} along a "
                "CG direction"
            )
        alpha = rr / curvature
        x += alpha * p
        r -= alpha * Ap
        rr_new = r @ r
        p = r + (rr_new / rr) * p
        rr, nit = rr_new, nit + 1
        if callback is not None:
            callback(x.copy())
    residual = b - matvec(x)
    return make_result(status, x=x, nit=nit, residual_norm=float(np.sqrt(residual @ residual)))


def _as_matvec(A, n: int) -> Callable[[np.ndarray], np.ndarray]:
    if callable(A):

        def matvec(v: np.ndarray) -> np.ndarray:
            Av = np.asarray(A(v), dtype=float)
            if Av.shape != (n,):
                raise ValueError(f"A(v) must return shape ({n},), got {Av.shape}")
            return Av

        return matvec
    A = np.asarray(A, dtype=float)
    if A.shape != (n, n):
        raise ValueError(f"A must have shape ({n}, {n}) to match b of shape ({n},), got {A.shape}")
    return lambda v: A @ v
