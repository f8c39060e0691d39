"""Simulated annealing (Kirkpatrick, Gelatt & Vecchi, 1983) for continuous and discrete problems.

From the current state s propose a neighbour s'; accept it with the Metropolis probability

    P(accept) = min(1, exp(−(f(s') − f(s)) / T_k))

and lower the temperature T_k along a schedule. Early on (T large) uphill moves are often accepted,
so the walk can leave local minima; as T → 0 it becomes a descent. The best state seen is returned.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from nashai.math.optimization.result import (
    CONVERGED,
    STOPPED_BY_CALLBACK,
    OptimizeResult,
    make_result,
)

_SCHEDULES = ("geometric", "linear", "logarithmic")


def temperature_schedule(
    schedule: str, initial_temperature: float, cooling_rate: float, maxiter: int
) -> Callable[[int], float]:
    """k ↦ T_k for k = 0, 1, ..., maxiter − 1:

    geometric     T_k = T_0 · cooling_rate^k
    linear        T_k = T_0 · (1 − k / maxiter)
    logarithmic   T_k = T_0 / log(k + e)      (Geman & Geman's slow schedule)
    """
    if schedule == "geometric":
        return lambda k: initial_temperature * cooling_rate**k
    if schedule == "linear":
        return lambda k: initial_temperature * (1 - k / maxiter)
    if schedule == "logarithmic":
        return lambda k: initial_temperature / math.log(k + math.e)
    raise ValueError(
        f"schedule must be one of {_SCHEDULES} or a callable k -> T_k, got {schedule!r}"
    )


def simulated_annealing(
    fun: Callable[[Any], float],
    x0: Any,
    neighbour: Callable[[Any, np.random.Generator], Any] | None = None,
    step_size: float | np.ndarray = 1.0,
    bounds=None,
    initial_temperature: float = 1.0,
    schedule: str | Callable[[int], float] = "geometric",
    cooling_rate: float | None = None,
    maxiter: int = 10_000,
    seed: int | np.random.Generator | None = None,
    callback: Callable | None = None,
) -> OptimizeResult:
    """Minimise fun by simulated annealing; the same seed gives the same result.

    Continuous problems (neighbour=None): x0 is an (n,) vector and the proposal is Gaussian,
    x' = x + step_size · z, z ~ N(0, I), clipped into `bounds` = (lower, upper) (scalars or (n,)
    arrays) when given. Discrete problems: pass neighbour(state, rng) -> new state (it must not
    modify `state` in place); x0 is then any state (a permutation for a travelling-salesman tour,
    a bit vector, ...).

    The temperature follows `schedule` (see `temperature_schedule`, or a callable k -> T_k);
    for the geometric schedule cooling_rate defaults to the rate that takes T from
    initial_temperature down to 1e-3·initial_temperature in maxiter steps.

    Returns an OptimizeResult with x (the best state seen), fun = f(x), nit = maxiter (or fewer if
    the callback, called as callback(state, f) after each step, returned True), nfev, and
    acceptance_rate (the fraction of proposals accepted).
    """
    if not initial_temperature > 0:
        raise ValueError(f"initial_temperature must be positive, got {initial_temperature}")
    if not (isinstance(maxiter, int) and maxiter >= 1):
        raise ValueError(f"maxiter must be a positive integer, got {maxiter!r}")
    rng = np.random.default_rng(seed)
    if cooling_rate is None:
        cooling_rate = 1e-3 ** (1 / maxiter)
    elif not 0 < cooling_rate < 1:
        raise ValueError(f"cooling_rate must be in (0, 1), got {cooling_rate}")
    temperature = (
        schedule
        if callable(schedule)
        else temperature_schedule(schedule, initial_temperature, cooling_rate, maxiter)
    )
    if neighbour is None:
        x0 = np.array(x0, dtype=float)
        if x0.ndim != 1:
            raise ValueError(
                f"x0 must be a 1-D array of shape (n,) for continuous annealing, got {x0.shape}"
            )
        neighbour = _gaussian_neighbour(step_size, bounds)
    elif not callable(neighbour):
        raise TypeError(f"neighbour must be a callable (state, rng) -> state, got {neighbour!r}")

    state, f_state = x0, float(fun(x0))
    best, f_best = state, f_state
    accepted, nit, status = 0, 0, CONVERGED
    for k in range(maxiter):
        candidate = neighbour(state, rng)
        f_candidate = float(fun(candidate))
        delta = f_candidate - f_state
        # Draw u every step so the random stream does not depend on which branch was taken.
        u = rng.random()
        if delta <= 0 or u < math.exp(-delta / max(temperature(k), 1e-300)):
            state, f_state = candidate, f_candidate
            accepted += 1
            if f_state < f_best:
                best, f_best = state, f_state
        nit = k + 1
        if callback is not None and callback(state, f_state):
            status = STOPPED_BY_CALLBACK
            break
    return make_result(
        status,
        x=best,
        fun=f_best,
        nit=nit,
        nfev=nit + 1,
        acceptance_rate=accepted / nit,
    )


def _gaussian_neighbour(step_size, bounds) -> Callable[[np.ndarray, np.random.Generator], Any]:
    step_size = np.asarray(step_size, dtype=float)
    if not np.all(step_size > 0):
        raise ValueError(f"step_size must be positive, got {step_size}")
    if bounds is not None:
        lower, upper = (np.asarray(bound, dtype=float) for bound in bounds)
        if not np.all(lower < upper):
            raise ValueError(f"bounds must be (lower, upper) with lower < upper, got {bounds}")

    def gaussian_step(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        proposal = x + step_size * rng.standard_normal(x.shape)
        return proposal if bounds is None else np.clip(proposal, lower, upper)

    return gaussian_step
