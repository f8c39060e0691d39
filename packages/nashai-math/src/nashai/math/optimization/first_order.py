"""First-order methods: each step uses the gradient g_k = ∇f(x_k) only.

gradient descent   x ← x − α g, α fixed or chosen by Armijo backtracking (Nocedal & Wright Alg. 3.1)
momentum           Polyak's heavy ball:      v ← β v + g,                 x ← x − η v
nesterov           Nesterov's accelerated:   v ← β v + g,                 x ← x − η (g + β v)
adam               Kingma & Ba (2015), Alg. 1: bias-corrected moment estimates

Momentum and Nesterov are written the way PyTorch's SGD writes them (Sutskever et al., 2013, and
Bengio et al., 2013, for the Nesterov form with the gradient taken at the current iterate).

Every solver stops when ‖∇f(x)‖_∞ ≤ tol, after maxiter steps, when the callback returns True, or
when the iterates diverge; x is (n,) throughout.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nashai.math.optimization._objective import Objective
from nashai.math.optimization.line_search import backtracking_line_search
from nashai.math.optimization.result import (
    CONVERGED,
    DIVERGED,
    LINE_SEARCH_FAILED,
    MAX_ITERATIONS,
    STOPPED_BY_CALLBACK,
    OptimizeResult,
    make_result,
)

# step(x, f, g) -> next x, or None when no acceptable step was found.
StepRule = Callable[[np.ndarray, float | None, np.ndarray], np.ndarray | None]


def _iterate(
    objective: Objective,
    x: np.ndarray,
    tol: float,
    maxiter: int,
    callback: Callable | None,
    step: StepRule,
    needs_value: bool = False,
) -> OptimizeResult:
    """Apply `step` until ‖g‖_∞ ≤ tol; the shared loop of every first-order method."""
    nit, status = 0, MAX_ITERATIONS
    while True:
        if needs_value:
            f, g = objective.value_and_grad(x)
        else:
            f, g = None, objective.grad(x)
        if not np.all(np.isfinite(g)):
            status = DIVERGED
            break
        if np.max(np.abs(g)) <= tol:
            status = CONVERGED
            break
        if nit >= maxiter:
            break
        x_next = step(x, f, g)
        if x_next is None:
            status = LINE_SEARCH_FAILED
            break
        x, nit = x_next, nit + 1
        if callback is not None and callback(x.copy()):
            status = STOPPED_BY_CALLBACK
            break
    f, g = objective.value_and_grad(x)
    return make_result(status, x=x, fun=f, jac=g, nit=nit, nfev=objective.nfev, njev=objective.njev)


def gradient_descent(
    objective: Objective,
    x0: np.ndarray,
    tol: float,
    maxiter: int | None,
    callback: Callable | None,
    learning_rate: float | None = None,
    c1: float = 1e-4,
) -> OptimizeResult:
    """Steepest descent x_{k+1} = x_k − α_k ∇f(x_k).

    learning_rate: a fixed α; None (default) chooses α_k by Armijo backtracking
    (f(x − α g) ≤ f(x) − c1 α ‖g‖², halving α), starting from twice the previous accepted step so
    the step size can grow again after a short one.
    """
    maxiter = 10_000 if maxiter is None else maxiter
    if learning_rate is not None:
        _check_positive(learning_rate=learning_rate)
        return _iterate(
            objective, x0, tol, maxiter, callback, lambda x, f, g: x - learning_rate * g
        )

    alpha = 1.0

    def armijo_step(x, f, g):
        nonlocal alpha
        search = backtracking_line_search(objective.value, x, -g, f, g, alpha0=2 * alpha, c1=c1)
        if search.alpha is None:
            return None
        alpha = search.alpha
        return x - alpha * g

    return _iterate(objective, x0, tol, maxiter, callback, armijo_step, needs_value=True)


def momentum(
    objective: Objective,
    x0: np.ndarray,
    tol: float,
    maxiter: int | None,
    callback: Callable | None,
    learning_rate: float = 0.01,
    beta: float = 0.9,
) -> OptimizeResult:
    """Heavy-ball momentum (Polyak, 1964): v_{k+1} = β v_k + g_k, x_{k+1} = x_k − η v_{k+1}."""
    maxiter = 10_000 if maxiter is None else maxiter
    _check_positive(learning_rate=learning_rate)
    _check_unit_interval(beta=beta)
    velocity = np.zeros_like(x0)

    def heavy_ball_step(x, f, g):
        velocity[:] = beta * velocity + g
        return x - learning_rate * velocity

    return _iterate(objective, x0, tol, maxiter, callback, heavy_ball_step)


def nesterov(
    objective: Objective,
    x0: np.ndarray,
    tol: float,
    maxiter: int | None,
    callback: Callable | None,
    learning_rate: float = 0.01,
    beta: float = 0.9,
) -> OptimizeResult:
    """Nesterov momentum: v_{k+1} = β v_k + g_k, x_{k+1} = x_k − η (g_k + β v_{k+1}).

    This is the look-ahead update y = x + β·(step) written in the variable that carries the
    look-ahead, so the gradient is evaluated at the iterate itself (Sutskever et al., 2013).
    """
    maxiter = 10_000 if maxiter is None else maxiter
    _check_positive(learning_rate=learning_rate)
    _check_unit_interval(beta=beta)
    velocity = np.zeros_like(x0)

    def nesterov_step(x, f, g):
        velocity[:] = beta * velocity + g
        return x - learning_rate * (g + beta * velocity)

    return _iterate(objective, x0, tol, maxiter, callback, nesterov_step)


def adam(
    objective: Objective,
    x0: np.ndarray,
    tol: float,
    maxiter: int | None,
    callback: Callable | None,
    learning_rate: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> OptimizeResult:
    """Adam (Kingma & Ba, 2015, Alg. 1):

    m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²
    x ← x − η m̂ / (√v̂ + ε),  m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t)
    """
    maxiter = 10_000 if maxiter is None else maxiter
    _check_positive(learning_rate=learning_rate)
    if not eps >= 0:
        raise ValueError(f"eps must be non-negative, got {eps}")
    _check_unit_interval(beta1=beta1, beta2=beta2)
    m, v = np.zeros_like(x0), np.zeros_like(x0)
    t = 0

    def adam_step(x, f, g):
        nonlocal t
        t += 1
        m[:] = beta1 * m + (1 - beta1) * g
        v[:] = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return x - learning_rate * m_hat / (np.sqrt(v_hat) + eps)

    return _iterate(objective, x0, tol, maxiter, callback, adam_step)


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value}")


def _check_unit_interval(**values: float) -> None:
    for name, value in values.items():
        if not 0 <= value < 1:
            raise ValueError(f"{name} must be in [0, 1), got {value}")
