"""Markov chain Monte Carlo: the Metropolis–Hastings algorithm.

References
----------
N. Metropolis et al., "Equation of state calculations by fast computing machines", J. Chem. Phys.
21 (1953); W. K. Hastings, "Monte Carlo sampling methods using Markov chains and their
applications", Biometrika 57 (1970).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from nashai.math.probability import _checks, samplers

__all__ = ["metropolis_hastings"]

Proposal = Callable[[np.ndarray, np.random.Generator], tuple[np.ndarray, float]]


def _step_count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


def metropolis_hastings(
    log_prob: Callable[[np.ndarray], float],
    x0: ArrayLike,
    n_samples: int,
    proposal_scale: ArrayLike = 1.0,
    rng: _checks.RandomState = None,
    burn_in: int = 0,
    thin: int = 1,
    proposal: Proposal | None = None,
) -> tuple[np.ndarray, float]:
    """Draw a Markov chain whose stationary distribution has the (unnormalised) log-density
    `log_prob`.

    From the current state x a candidate x' is proposed and accepted with probability

        min(1, π(x') q(x | x') / (π(x) q(x' | x))),

    otherwise the chain stays at x. The default proposal is the Gaussian random walk
    x' = x + proposal_scale ⊙ z, z ~ N(0, I) (symmetric, so the q terms cancel); proposal_scale is
    a positive scalar or a (d,) vector of per-coordinate step sizes (a good scale gives an
    acceptance rate of roughly 0.2-0.5). A custom `proposal(x, rng)` returns
    (x', log q(x | x') - log q(x' | x)), 0.0 for a symmetric one, and then proposal_scale is unused.

    x0: the starting state, a scalar or shape (d,), with log_prob(x0) > -inf; log_prob receives
    states of that same form. The chain runs burn_in + n_samples·thin steps, discards the first
    burn_in and keeps every thin-th state after them.

    Returns (samples, acceptance_rate): samples of shape (n_samples,) for a scalar x0 or
    (n_samples, d), and the fraction of all proposals (burn-in included) that were accepted.
    """
    start = _checks.points(x0, "x0")
    if start.ndim > 1:
        raise ValueError(f"x0 must be a scalar or a 1-D array, got shape {start.shape}")
    if not np.all(np.isfinite(start)):
        raise ValueError("x0 contains NaN or infinity")
    scalar_chain = start.ndim == 0
    n_samples = _step_count(n_samples, "n_samples", 1)
    burn_in = _step_count(burn_in, "burn_in", 0)
    thin = _step_count(thin, "thin", 1)
    generator = _checks.as_generator(rng)
    x = np.atleast_1d(start).copy()
    d = x.size

    def evaluate(state: np.ndarray) -> float:
        return float(log_prob(state[0] if scalar_chain else state))

    log_p = evaluate(x)
    if not log_p > -np.inf:
        raise ValueError(f"log_prob(x0) must be finite, got {log_p}")

    total = burn_in + n_samples * thin
    if proposal is None:
        scale = np.asarray(proposal_scale, dtype=np.float64)
        if scale.ndim > 1 or (scale.ndim == 1 and scale.size != d) or not np.all(scale > 0):
            raise ValueError(
                f"proposal_scale must be a positive scalar or a positive vector of length {d}"
            )
        steps = samplers.standard_normal(total * d, generator).reshape(total, d) * scale
    log_u = np.log(samplers.open_uniform(total, generator))

    samples = np.empty((n_samples, d))
    accepted = 0
    for t in range(total):
        if proposal is None:
            candidate, log_q_ratio = x + steps[t], 0.0
        else:
            candidate, log_q_ratio = proposal(x[0] if scalar_chain else x.copy(), generator)
            candidate = np.atleast_1d(np.asarray(candidate, dtype=np.float64))
            if candidate.shape != (d,):
                raise ValueError(f"proposal returned shape {candidate.shape}, expected ({d},)")
        log_p_candidate = evaluate(candidate)
        if log_u[t] < log_p_candidate - log_p + float(log_q_ratio):  # NaN never accepts
            x, log_p = candidate, log_p_candidate
            accepted += 1
        kept = t - burn_in
        if kept >= 0 and kept % thin == thin - 1:
            samples[kept // thin] = x
    return (samples[:, 0] if scalar_chain else samples), accepted / total
