"""Random variate generators built on nothing but a Generator's uniform draws (`rng.random`).

Each function returns a flat array of `size` draws (the distributions reshape them). Rejection
methods are vectorised: every round draws candidates for all still-pending positions at once, so a
batch costs a few NumPy passes, and the same generator state always yields the same draws.

References
----------
G. E. P. Box & M. E. Muller, "A note on the generation of random normal deviates", Ann. Math.
Statist. 29 (1958).
G. Marsaglia & W. W. Tsang, "A simple method for generating gamma variables", ACM TOMS 26 (2000).
D. E. Knuth, The Art of Computer Programming vol. 2, 3rd ed., §3.4.1 (Poisson by products of
uniforms).
W. Hörmann, "The transformed rejection method for generating Poisson random variables", Insurance:
Mathematics and Economics 12 (1993) (PTRS); "The generation of binomial random variates",
J. Statist. Comput. Simul. 46 (1993) (BTRS).
L. Devroye, Non-Uniform Random Variate Generation (1986), §X.4 (binomial by sequential inversion).
"""

from __future__ import annotations

import numpy as np

from nashai.math.probability.special import gammaln

__all__ = [
    "binomial",
    "categorical",
    "log_standard_gamma",
    "open_uniform",
    "poisson",
    "standard_gamma",
    "standard_normal",
]


def open_uniform(size: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform draws on (0, 1], safe to take the logarithm of: 1 - U with U on [0, 1)."""
    return 1.0 - rng.random(size)


def standard_normal(size: int, rng: np.random.Generator) -> np.ndarray:
    """N(0, 1) draws by the Box–Muller transform: for U₁ on (0, 1] and U₂ on [0, 1),

        Z₁ = √(-2 ln U₁) cos(2π U₂),   Z₂ = √(-2 ln U₁) sin(2π U₂)

    are independent standard normals. Shape: (size,)."""
    n_pairs = (size + 1) // 2
    radius = np.sqrt(-2.0 * np.log(open_uniform(n_pairs, rng)))
    angle = 2.0 * np.pi * rng.random(n_pairs)
    return np.concatenate([radius * np.cos(angle), radius * np.sin(angle)])[:size]


def log_standard_gamma(shape, rng: np.random.Generator) -> np.ndarray:
    """Logarithms of Gamma(shape, 1) draws, one per element of the 1-D array `shape` (all > 0).

    Marsaglia–Tsang for a ≥ 1: with d = a - 1/3, c = 1/√(9d), Z ~ N(0, 1) and v = (1 + cZ)³,
    accept X = d·v when v > 0 and ln U < Z²/2 + d - d·v + d ln v (about 95% of candidates or more).
    For a < 1 draw Y ~ Gamma(a + 1) and return Y·U^(1/a) (the same paper, §6). Working in logs keeps
    draws with tiny shapes (a ~ 0.01, where X underflows to 0) usable by Beta and Dirichlet.
    Shape: that of `shape`.
    """
    shape = np.asarray(shape, dtype=np.float64)
    boosted = shape < 1
    d = np.where(boosted, shape + 1, shape) - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    out = np.empty_like(d)
    pending = np.arange(d.size)
    while pending.size:
        d_p, c_p = d[pending], c[pending]
        z = standard_normal(pending.size, rng)
        u = open_uniform(pending.size, rng)
        v = (1.0 + c_p * z) ** 3
        log_v = np.log(np.where(v > 0, v, 1.0))
        accepted = (v > 0) & (np.log(u) < 0.5 * z * z + d_p - d_p * v + d_p * log_v)
        out[pending[accepted]] = np.log(d_p[accepted]) + log_v[accepted]
        pending = pending[~accepted]
    if boosted.any():
        out[boosted] += np.log(open_uniform(int(boosted.sum()), rng)) / shape[boosted]
    return out


def standard_gamma(shape, rng: np.random.Generator) -> np.ndarray:
    """Gamma(shape, 1) draws, one per element of the 1-D array `shape` (see log_standard_gamma)."""
    return np.exp(log_standard_gamma(shape, rng))


def poisson(rate: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Poisson(rate) draws as int64, shape (size,).

    rate < 10: Knuth's method, the number of uniforms whose running product stays above e^-rate
    (expected rate + 1 rounds). rate ≥ 10: Hörmann's PTRS, transformed rejection from the hat
    k = ⌊(2a/u_s + b)·U + rate + 0.43⌋ with a squeeze that accepts most candidates without a
    log-gamma, and the exact test ln(V·α⁻¹/(a/u_s² + b)) ≤ -rate + k ln rate - lnΓ(k + 1).
    """
    if rate < 10:
        return _poisson_knuth(rate, size, rng)
    return _poisson_ptrs(rate, size, rng)


def _poisson_knuth(rate: float, size: int, rng: np.random.Generator) -> np.ndarray:
    threshold = np.exp(-rate)
    k = np.zeros(size, dtype=np.int64)
    product = np.ones(size)
    pending = np.arange(size)
    while pending.size:
        product[pending] *= rng.random(pending.size)
        continuing = product[pending] > threshold
        pending = pending[continuing]
        k[pending] += 1
    return k


def _poisson_ptrs(rate: float, size: int, rng: np.random.Generator) -> np.ndarray:
    log_rate = np.log(rate)
    b = 0.931 + 2.53 * np.sqrt(rate)
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2)
    out = np.empty(size, dtype=np.int64)
    pending = np.arange(size)
    while pending.size:
        u = rng.random(pending.size) - 0.5
        v = rng.random(pending.size)
        us = 0.5 - np.abs(u)
        k = np.floor((2 * a / us + b) * u + rate + 0.43)
        squeezed = (us >= 0.07) & (v <= v_r)
        possible = (k >= 0) & ~((us < 0.013) & (v > us))
        k_safe = np.where(possible, k, 0.0)
        with np.errstate(divide="ignore"):
            log_lhs = np.log(v * inv_alpha / (a / (us * us) + b))
        exact = possible & (log_lhs <= -rate + k_safe * log_rate - gammaln(k_safe + 1))
        accepted = squeezed | exact
        out[pending[accepted]] = k[accepted]
        pending = pending[~accepted]
    return out


def binomial(n: int, p: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Binomial(n, p) draws as int64, shape (size,).

    Work with p' = min(p, 1 - p) and reflect k → n - k at the end. n·p' < 10: sequential inversion
    from k = 0 with the pmf recurrence f(k)/f(k-1) = ((n+1)/k - 1)·p'/(1-p'). Otherwise Hörmann's
    BTRS, transformed rejection with squeeze, whose exact test compares against the pmf ratio to
    the mode m = ⌊(n+1)p'⌋:  ln(V·α/(a/u_s² + b)) ≤ ln f(k) - ln f(m).
    """
    q = min(p, 1.0 - p)
    if n * q < 10:
        k = _binomial_inversion(n, q, size, rng)
    else:
        k = _binomial_btrs(n, q, size, rng)
    return n - k if p > 0.5 else k


def _binomial_inversion(n: int, p: float, size: int, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(size)
    k = np.zeros(size, dtype=np.int64)
    if p == 0:
        return k
    odds = p / (1.0 - p)
    step = (n + 1) * odds
    mass = np.full(size, (1.0 - p) ** n)  # f(0)
    pending = np.flatnonzero(u > mass)
    while pending.size:
        u[pending] -= mass[pending]
        k[pending] += 1
        mass[pending] *= step / k[pending] - odds
        pending = pending[(u[pending] > mass[pending]) & (k[pending] < n)]
    return k


def _binomial_btrs(n: int, p: float, size: int, rng: np.random.Generator) -> np.ndarray:
    spq = np.sqrt(n * p * (1 - p))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    alpha = (2.83 + 5.1 / b) * spq
    v_r = 0.92 - 4.2 / b
    mode = np.floor((n + 1) * p)
    log_odds = np.log(p / (1 - p))
    log_f_mode = -gammaln(mode + 1) - gammaln(n - mode + 1)  # ln f(m) up to the shared ln n!
    out = np.empty(size, dtype=np.int64)
    pending = np.arange(size)
    while pending.size:
        u = rng.random(pending.size) - 0.5
        v = rng.random(pending.size)
        us = 0.5 - np.abs(u)
        k = np.floor((2 * a / us + b) * u + c)
        inside = (k >= 0) & (k <= n)
        k_safe = np.where(inside, k, 0.0)
        squeezed = inside & (us >= 0.07) & (v <= v_r)
        with np.errstate(divide="ignore"):
            log_lhs = np.log(v * alpha / (a / (us * us) + b))
        log_ratio = -gammaln(k_safe + 1) - gammaln(n - k_safe + 1) - log_f_mode
        exact = inside & (log_lhs <= log_ratio + (k_safe - mode) * log_odds)
        accepted = squeezed | exact
        out[pending[accepted]] = k[accepted]
        pending = pending[~accepted]
    return out


def categorical(probs: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Draws from {0, ..., K-1} with P(k) = probs[k], by inversion: the first k whose cumulative
    probability exceeds U. Shape: (size,), int64."""
    cumulative = np.cumsum(probs)
    cumulative[-1] = 1.0  # rounding must not leave a gap above the last category
    return np.searchsorted(cumulative, rng.random(size), side="right").astype(np.int64)
