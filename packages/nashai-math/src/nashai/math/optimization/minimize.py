"""minimize: one entry point for every unconstrained minimiser, in scipy.optimize's conventions."""

from __future__ import annotations

import inspect
import numbers
import warnings
from collections.abc import Callable

import numpy as np

from nashai.math.optimization._objective import Objective, as_start_point
from nashai.math.optimization.conjugate_gradient import nonlinear_cg
from nashai.math.optimization.first_order import adam, gradient_descent, momentum, nesterov
from nashai.math.optimization.newton import newton
from nashai.math.optimization.quasi_newton import bfgs, lbfgs
from nashai.math.optimization.result import OptimizeResult

SOLVERS = {
    "gd": gradient_descent,
    "momentum": momentum,
    "nesterov": nesterov,
    "adam": adam,
    "newton": newton,
    "bfgs": bfgs,
    "lbfgs": lbfgs,
    "cg": nonlinear_cg,
}

# Every solver takes (objective, x0, tol, maxiter, callback, **its own options).
_COMMON_PARAMETERS = 5


def solver_options(method: str) -> dict[str, object]:
    """The options `minimize` accepts for `method`, with their default values."""
    parameters = list(inspect.signature(SOLVERS[method]).parameters.values())
    return {p.name: p.default for p in parameters[_COMMON_PARAMETERS:]}


def minimize(
    fun: Callable,
    x0,
    jac: Callable | bool | None = None,
    method: str = "lbfgs",
    hess: Callable | None = None,
    tol: float = 1e-6,
    maxiter: int | None = None,
    callback: Callable[[np.ndarray], bool | None] | None = None,
    **options,
) -> OptimizeResult:
    """Minimise fun: (n,) → float from x0, an (n,) start point.

    jac      callable x ↦ ∇f(x) (n,); True if fun returns (f, ∇f); None for central differences
    method   'lbfgs' (default, memory m=10), 'bfgs', 'cg' (nonlinear CG, PR+ or FR), 'newton'
             (needs hess), 'gd' (fixed learning rate or Armijo backtracking), 'momentum',
             'nesterov', 'adam'. The line-search methods use a strong Wolfe line search.
    hess     callable x ↦ ∇²f(x) (n, n), used by 'newton' only
    tol      stop when ‖∇f(x)‖_∞ ≤ tol
    maxiter  iteration limit (default depends on the method; see each solver)
    callback called as callback(x) after each iteration; returning True stops the run
    options  method-specific keywords, e.g. learning_rate=0.1 for 'gd', memory=5 for 'lbfgs',
             variant='fletcher-reeves' for 'cg' (see `solver_options(method)`)

    Returns an OptimizeResult with x, fun, jac, nit, nfev, njev, success, status, message (plus
    hess_inv for 'bfgs', nhev for 'newton'). References: Nocedal & Wright, Numerical Optimization,
    2nd ed. (line searches, quasi-Newton, CG, Newton); Kingma & Ba 2015 (Adam).
    """
    if not isinstance(method, str) or method.lower() not in SOLVERS:
        raise ValueError(f"unknown method {method!r}; known methods are {sorted(SOLVERS)}")
    method = method.lower()
    x = as_start_point(x0)
    if method == "newton" and hess is None:
        raise ValueError(
            "method='newton' needs hess, a callable x -> the (n, n) Hessian of fun; "
            "use 'bfgs' or 'lbfgs' when no Hessian is available"
        )
    if hess is not None and method != "newton":
        warnings.warn(
            f"method={method!r} does not use hess; it is ignored", RuntimeWarning, stacklevel=2
        )
    if not (isinstance(tol, numbers.Real) and tol >= 0):
        raise ValueError(f"tol must be a non-negative number, got {tol!r}")
    if maxiter is not None and not (isinstance(maxiter, numbers.Integral) and maxiter >= 0):
        raise ValueError(f"maxiter must be a non-negative integer or None, got {maxiter!r}")
    known = solver_options(method)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise TypeError(
            f"method={method!r} got unknown option(s) {unknown}; its options are {sorted(known)}"
        )
    objective = Objective(fun, jac, hess if method == "newton" else None, n=x.size)
    return SOLVERS[method](objective, x, float(tol), maxiter, callback, **options)
