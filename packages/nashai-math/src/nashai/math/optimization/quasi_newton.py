"""Quasi-Newton methods: build a model of the inverse Hessian from the steps taken.

With s_k = x_{k+1} − x_k, y_k = ∇f_{k+1} − ∇f_k and ρ_k = 1 / (y_kᵀ s_k), BFGS updates

    H_{k+1} = (I − ρ_k s_k y_kᵀ) H_k (I − ρ_k y_k s_kᵀ) + ρ_k s_k s_kᵀ        (N&W eq. 6.17)

and takes p_k = −H_k ∇f_k. L-BFGS never forms H: it keeps the last m pairs (s, y) and applies
H_k to a vector by the two-loop recursion (N&W Alg. 7.4). The strong Wolfe line search keeps
y_kᵀ s_k > 0, so H stays positive definite. Reference: Nocedal & Wright, Numerical Optimization,
2nd ed., chapters 6 and 7.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from nashai.math.optimization._descent import DescentMethod, line_search_descent
from nashai.math.optimization._objective import Objective
from nashai.math.optimization.result import OptimizeResult


def _first_step(g: np.ndarray) -> float:
    # Before any curvature is known p = −g; a first trial step of length ≤ 1 avoids evaluating f
    # absurdly far away when the gradient is large.
    return min(1.0, 1.0 / np.sqrt(g @ g))


class _BFGS(DescentMethod):
    def __init__(self, n: int):
        self.H = np.eye(n)  # (n, n) inverse Hessian approximation
        self.updated = False

    def direction(self, x, g):
        return -(self.H @ g)

    def initial_step(self, g, p):
        return 1.0 if self.updated else _first_step(g)

    def update(self, s, y, g_new, alpha):
        ys = y @ s
        if not ys > 1e-10 * np.sqrt((y @ y) * (s @ s)):
            return  # no usable curvature along s: keep H (cannot happen after a Wolfe step)
        if not self.updated:
            # Scale H_0 = (yᵀs / yᵀy) I before the first update (N&W eq. 6.20).
            self.H *= ys / (y @ y)
            self.updated = True
        rho = 1.0 / ys
        Hy = self.H @ y
        # Expanded form of eq. 6.17: H − ρ(Hy sᵀ + s yᵀH) + (ρ² yᵀHy + ρ) s sᵀ
        self.H += (rho * rho * (y @ Hy) + rho) * np.outer(s, s) - rho * (
            np.outer(Hy, s) + np.outer(s, Hy)
        )

    def reset(self):
        had_curvature = self.updated
        self.H = np.eye(self.H.shape[0])
        self.updated = False
        return had_curvature


class _LBFGS(DescentMethod):
    def __init__(self, memory: int):
        self.pairs: deque[tuple[np.ndarray, np.ndarray, float]] = deque(maxlen=memory)

    def direction(self, x, g):
        """p = −H_k g by the two-loop recursion (N&W Alg. 7.4) over the stored (s, y, ρ)."""
        if not self.pairs:
            return -g
        q = g.copy()
        alphas = []
        for s, y, rho in reversed(self.pairs):  # newest first
            a = rho * (s @ q)
            q -= a * y
            alphas.append(a)
        s, y, _ = self.pairs[-1]
        r = (s @ y) / (y @ y) * q  # H_k^0 = γ_k I, γ_k = sᵀy / yᵀy  (N&W eq. 7.20)
        for (s, y, rho), a in zip(self.pairs, reversed(alphas), strict=True):  # oldest first
            b = rho * (y @ r)
            r += (a - b) * s
        return -r

    def initial_step(self, g, p):
        return 1.0 if self.pairs else _first_step(g)

    def update(self, s, y, g_new, alpha):
        ys = y @ s
        if ys > 1e-10 * np.sqrt((y @ y) * (s @ s)):
            self.pairs.append((s, y, 1.0 / ys))

    def reset(self):
        had_curvature = bool(self.pairs)
        self.pairs.clear()
        return had_curvature


def bfgs(
    objective: Objective,
    x0: np.ndarray,
    tol: float,
    maxiter: int | None,
    callback: Callable | None,
    c1: float = 1e-4,
    c2: float = 0.9,
) -> OptimizeResult:
    """BFGS with a dense (n, n) inverse-Hessian approximation and a strong Wolfe line search.

    The result also holds `hess_inv`, the final (n, n) H_k. Default maxiter: 200·n.
    """
    maxiter = 200 * x0.size if maxiter is None else maxiter
    method = _BFGS(x0.size)
    result = line_search_descent(objective, x0, tol, maxiter, callback, method, c1, c2)
    result.hess_inv = method.H
    return result


def lbfgs(
    objective: Objective,
    x0: np.ndarray,
    tol: float,
    maxiter: int | None,
    callback: Callable | None,
    memory: int = 10,
    c1: float = 1e-4,
    c2: float = 0.9,
) -> OptimizeResult:
    """Limited-memory BFGS (Liu & Nocedal, 1989) keeping the last `memory` pairs (s, y): O(m n)
    memory and work per step instead of O(n²). Default maxiter: 200·n (at least 1000)."""
    if not (isinstance(memory, int) and memory >= 1):
        raise ValueError(f"memory must be a positive integer, got {memory!r}")
    maxiter = max(1000, 200 * x0.size) if maxiter is None else maxiter
    return line_search_descent(objective, x0, tol, maxiter, callback, _LBFGS(memory), c1, c2)
