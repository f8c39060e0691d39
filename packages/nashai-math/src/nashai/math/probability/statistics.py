"""Descriptive statistics and bootstrap confidence intervals.

mean, var, std, cov, corrcoef, quantile, percentile and median follow NumPy's signatures and
results (quantile uses NumPy's default 'linear' method); bootstrap_ci follows
scipy.stats.bootstrap's percentile, basic and BCa intervals for a one-sample statistic.

References
----------
R. J. Hyndman & Y. Fan, "Sample quantiles in statistical packages", Amer. Statist. 50 (1996),
definition 7 (the 'linear' method).
B. Efron & R. J. Tibshirani, An Introduction to the Bootstrap (1993), ch. 13-14.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from nashai.math.probability import _checks
from nashai.math.probability.special import ndtr, ndtri

__all__ = [
    "ConfidenceInterval",
    "bootstrap_ci",
    "corrcoef",
    "cov",
    "mean",
    "median",
    "percentile",
    "quantile",
    "std",
    "var",
]


def _array(a, name: str = "a") -> np.ndarray:
    array = np.asarray(a)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    return array.astype(np.float64, copy=False)


def _axis_length(array: np.ndarray, axis: int | None) -> int:
    if axis is None:
        return array.size
    if not -array.ndim <= axis < array.ndim:
        raise ValueError(f"axis {axis} is out of range for an array of {array.ndim} dimensions")
    return array.shape[axis]


def mean(a: ArrayLike, axis: int | None = None) -> np.ndarray | float:
    """Arithmetic mean Σ aᵢ / n over `axis` (all elements when None). Shape: a's shape without
    `axis` (a NumPy scalar when axis is None)."""
    array = _array(a)
    n = _axis_length(array, axis)
    return _checks.output(np.sum(array, axis=axis) / n)


def var(a: ArrayLike, axis: int | None = None, ddof: int = 0) -> np.ndarray | float:
    """Variance Σ (aᵢ - ā)² / (n - ddof), by two passes (centre first, then square), which is
    accurate where the one-pass E[a²] - E[a]² cancels. ddof=1 gives the unbiased estimate."""
    array = _array(a)
    n = _axis_length(array, axis)
    if not 0 <= ddof < n:
        raise ValueError(f"ddof must be in [0, {n - 1}] for {n} observations, got {ddof}")
    centred = array - np.sum(array, axis=axis, keepdims=True) / n
    return _checks.output(np.sum(centred * centred, axis=axis) / (n - ddof))


def std(a: ArrayLike, axis: int | None = None, ddof: int = 0) -> np.ndarray | float:
    """Standard deviation √var(a, axis, ddof)."""
    return _checks.output(np.sqrt(var(a, axis=axis, ddof=ddof)))


def cov(m: ArrayLike, rowvar: bool = True, ddof: int = 1) -> np.ndarray:
    """Covariance matrix C[i, j] = Σₖ (xᵢₖ - x̄ᵢ)(xⱼₖ - x̄ⱼ) / (n - ddof), like numpy.cov.

    m: shape (v, n) with one variable per row (rowvar=True), or (n, v) with one per column
    (rowvar=False); a 1-D array is a single variable. Returns (v, v), or a 0-d array when v = 1,
    as NumPy does.
    """
    x = _array(m, "m")
    if x.ndim > 2:
        raise ValueError(f"m must be 1-D or 2-D, got shape {x.shape}")
    x = np.atleast_2d(x)
    if not rowvar and x.shape[0] != 1:
        x = x.T
    n = x.shape[1]
    if not 0 <= ddof < n:
        raise ValueError(f"ddof must be in [0, {n - 1}] for {n} observations, got {ddof}")
    centred = x - x.mean(axis=1, keepdims=True)
    c = centred @ centred.T / (n - ddof)
    return c.squeeze()  # one variable gives a 0-d array, as in NumPy


def corrcoef(m: ArrayLike, rowvar: bool = True) -> np.ndarray:
    """Pearson correlation matrix R[i, j] = C[i, j] / √(C[i, i] C[j, j]) from cov(m, rowvar),
    clipped to [-1, 1] against rounding. Shape as for cov."""
    c = cov(m, rowvar=rowvar)
    if c.ndim == 0:
        return c / c
    scale = np.sqrt(np.diag(c))
    return np.clip(c / scale[:, None] / scale[None, :], -1.0, 1.0)


def quantile(a: ArrayLike, q: ArrayLike, axis: int | None = None) -> np.ndarray | float:
    """q-th quantiles (0 ≤ q ≤ 1) by linear interpolation between order statistics (NumPy's
    default): with the sorted values x₍₀₎ ≤ ... ≤ x₍ₙ₋₁₎ and h = (n - 1) q,

        Q(q) = x₍⌊h⌋₎ + (h - ⌊h⌋)(x₍⌊h⌋+1₎ - x₍⌊h⌋₎).

    a: any shape; axis=None flattens it. Returns shape q.shape + (a's shape without axis), as
    numpy.quantile does. NaN in `a` is rejected (NumPy would return NaN).
    """
    array = _array(a)
    if np.any(np.isnan(array)):
        raise ValueError("a contains NaN")
    q = np.asarray(q, dtype=np.float64)
    if np.any((q < 0) | (q > 1)) or np.any(np.isnan(q)):
        raise ValueError("q must lie in [0, 1]")
    if axis is None:
        array, axis = array.ravel(), 0
    _axis_length(array, axis)
    ordered = np.sort(np.moveaxis(array, axis, 0), axis=0)  # (n, ...)
    n = ordered.shape[0]
    h = (n - 1) * q
    below = np.floor(h).astype(np.int64)
    above = np.minimum(below + 1, n - 1)
    t = (h - below).reshape(q.shape + (1,) * (ordered.ndim - 1))
    low, high = ordered[below], ordered[above]
    step = high - low
    # interpolate from the nearer end, as NumPy does, so t = 1 returns the upper value exactly
    result = np.where(t >= 0.5, high - step * (1 - t), low + step * t)
    return _checks.output(result)


def percentile(a: ArrayLike, q: ArrayLike, axis: int | None = None) -> np.ndarray | float:
    """q-th percentiles (0 ≤ q ≤ 100): quantile(a, q / 100, axis)."""
    return quantile(a, np.asarray(q, dtype=np.float64) / 100, axis=axis)


def median(a: ArrayLike, axis: int | None = None) -> np.ndarray | float:
    """Median: quantile(a, 0.5, axis), the mean of the two middle values for even n."""
    return quantile(a, 0.5, axis=axis)


class ConfidenceInterval(NamedTuple):
    low: float
    high: float


def bootstrap_ci(
    data: ArrayLike,
    statistic: Callable[[np.ndarray], float],
    n_resamples: int = 9999,
    confidence_level: float = 0.95,
    method: str = "percentile",
    rng: _checks.RandomState = None,
) -> ConfidenceInterval:
    """Bootstrap confidence interval for statistic(data).

    data: shape (n, ...); resamples draw n rows (first-axis entries) with replacement, so paired
    observations stay together. statistic maps an array like `data` to a scalar. With θ̂ the
    statistic of the data, θ*_b its value on resample b, and α = (1 - confidence_level)/2:

        'percentile'  [Q*(α), Q*(1 - α)], Q* the quantiles of the θ*_b;
        'basic'       [2θ̂ - Q*(1 - α), 2θ̂ - Q*(α)];
        'bca'         bias-corrected and accelerated (Efron & Tibshirani §14.3): the percentile
                      levels become Φ(z₀ + (z₀ + z)/(1 - â(z₀ + z))) for z = Φ⁻¹(α), Φ⁻¹(1 - α),
                      with z₀ = Φ⁻¹(share of θ*_b below θ̂) and â the jackknife acceleration
                      Σ(θ̄₍.₎ - θ₍ᵢ₎)³ / (6 [Σ(θ̄₍.₎ - θ₍ᵢ₎)²]^{3/2}).

    Returns ConfidenceInterval(low, high).
    """
    x = _array(data, "data")
    if x.ndim == 0:
        raise ValueError("data must have at least one dimension")
    n_resamples = _checks.count(n_resamples, "n_resamples")
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level must lie in (0, 1), got {confidence_level}")
    if method not in ("percentile", "basic", "bca"):
        raise ValueError(f"method must be 'percentile', 'basic' or 'bca', got {method!r}")
    generator = _checks.as_generator(rng)
    n = x.shape[0]

    rows = np.minimum((generator.random((n_resamples, n)) * n).astype(np.int64), n - 1)
    replicates = np.array([float(statistic(x[r])) for r in rows])  # θ*_b, shape (B,)
    estimate = float(statistic(x))
    alpha = (1 - confidence_level) / 2

    if method == "percentile":
        low, high = quantile(replicates, [alpha, 1 - alpha])
    elif method == "basic":
        upper_q, lower_q = quantile(replicates, [1 - alpha, alpha])
        low, high = 2 * estimate - upper_q, 2 * estimate - lower_q
    else:
        levels = _bca_levels(x, statistic, replicates, estimate, alpha)
        low, high = quantile(replicates, levels)
    return ConfidenceInterval(float(low), float(high))


def _bca_levels(x, statistic, replicates, estimate, alpha) -> np.ndarray:
    """The two adjusted percentile levels of the BCa interval."""
    # bias correction: the share of replicates below θ̂, counting ties as half
    share = (np.sum(replicates < estimate) + np.sum(replicates <= estimate)) / (2 * replicates.size)
    z0 = ndtri(share)
    indices = np.arange(x.shape[0])
    jackknife = np.array([float(statistic(x[indices != i])) for i in indices])  # leave-one-out
    deviation = jackknife.mean() - jackknife
    acceleration = np.sum(deviation**3) / (6 * np.sum(deviation**2) ** 1.5)
    z = ndtri(np.array([alpha, 1 - alpha]))
    return np.asarray(ndtr(z0 + (z0 + z) / (1 - acceleration * (z0 + z))))
