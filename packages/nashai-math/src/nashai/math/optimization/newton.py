"""Newton's method with a line search and a modified Hessian (Nocedal & Wright §3.4).

At each step solve (∇²f(x) + τ I) p = −∇f(x), with the smallest τ ≥ 0 in the sequence
0, β, 2β, 4β, ... for which the Cholesky factorisation succeeds (N&W Alg. 3.3, "Cholesky with
added multiple of the identity"), so p is a descent direction even where the Hessian is indefinite;
then take a strong Wolfe step along p starting from α = 1. Near a minimum with a positive definite
Hessian τ = 0, α = 1 is accepted and convergence is quadratic.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nashai.math.errors import LinAlgError
from nashai.math.linalg import cholesky, solve_triangular
from nashai.math.optimization._descent import DescentMethod, line_search_descent
from nashai.math.optimization._objective import Objective
from nashai.math.optimization.result import OptimizeResult


def modified_cholesky(H: np.ndarray, beta: float = 1e-3, max_tries: int = 100) -> np.ndarray:
    """Lower-triangular L with L Lᵀ = H + τ I positive definite (N&W Alg. 3.3).

    τ starts at 0 if min_i h_ii > 0, else at −min_i h_ii + β', and doubles (at least to β') until
    the Cholesky factorisation succeeds; β' = beta·max(1, max_i |h_ii|) keeps the shift in
    proportion to the scale of H. H: (n, n) symmetric. Returns L: (n, n).
    """
    n = H.shape[0]
    diagonal = np.diagonal(H)
    shift = beta * max(1.0, float(np.max(np.abs(diagonal))))
    tau = 0.0 if np.min(diagonal) > 0 else shift - float(np.min(diagonal))
    for _ in range(max_tries):
        try:
            return cholesky(H + tau * np.eye(n))
        except LinAlgError:
            tau = max(2 * tau, shift)
    raise LinAlgError(f"modified_cholesky: H + τI is not positive definite even for τ = {tau}")


class _Newton(DescentMethod):
    def __init__(self, objective: Objective):
        self.objective = objective

    def direction(self, x, g):
        H = self.objective.hessian(x)
        L = modified_cholesky(0.5 * (H + H.T))
        # (L Lᵀ) p = −g: forward substitution for z = Lᵀp, then back substitution for p.
        z = solve_triangular(L, -g, lower=True)
        return solve_triangular(L.T, z, lower=False)


def newton(
    objective: Objective,
    x0: np.ndarray,
    tol: float,
    maxiter: int | None,
    callback: Callable | None,
    c1: float = 1e-4,
    c2: float = 0.9,
) -> OptimizeResult:
    """Line-search Newton with a modified Hessian. The objective must have a Hessian (`hess`).
    The result also holds `nhev`, the number of Hessian evaluations. Default maxiter: 200·n."""
    maxiter = 200 * x0.size if maxiter is None else maxiter
    result = line_search_descent(objective, x0, tol, maxiter, callback, _Newton(objective), c1, c2)
    result.nhev = objective.nhev
    return result
