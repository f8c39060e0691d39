"""Discrete distributions on the integers: Bernoulli, Binomial, Poisson, Categorical.

    Bernoulli(p)          scipy.stats.bernoulli(p)
    Binomial(n, p)        scipy.stats.binom(n, p)
    Poisson(rate)         scipy.stats.poisson(mu=rate)
    Categorical(probs)    scipy.stats.rv_discrete(values=(range(K), probs))

`pmf`/`logpmf` take points of any shape; points that are not integers in the support have
probability 0 (logpmf -inf). `cdf(k)` = P(X ≤ k) for real k. Draws are int64. The Binomial cdf is
a regularised incomplete beta and the Poisson cdf a regularised upper incomplete gamma:

    P(Binomial(n, p) ≤ k) = I_{1-p}(n - k, k + 1),      P(Poisson(λ) ≤ k) = Q(k + 1, λ).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from nashai.math.probability import _checks, samplers
from nashai.math.probability.base import DiscreteDistribution
from nashai.math.probability.special import (
    _betainc,
    _log_poisson_term,
    gammaincc,
    gammaln,
    xlog1py,
    xlogy,
)

__all__ = ["Bernoulli", "Binomial", "Categorical", "Poisson"]

_TAIL_SDS = 40  # entropies sum the pmf over mean ± 40 standard deviations (+ a margin)


def _on_support(k: np.ndarray, values: np.ndarray, valid: np.ndarray):
    """values where k is a valid support point, -inf elsewhere, NaN where k is NaN."""
    out = np.where(valid, values, -np.inf)
    return _checks.output(np.where(np.isnan(k), np.nan, out))


def _integers_in(k: np.ndarray, low: float, high: float) -> np.ndarray:
    """Whether each k is an integer with low ≤ k ≤ high."""
    with np.errstate(invalid="ignore"):
        return (k == np.floor(k)) & (k >= low) & (k <= high)


def _entropy_by_sum(logpmf, low: int, high: int) -> float:
    """-Σ p(k) ln p(k) over k = low, ..., high."""
    log_p = np.asarray(logpmf(np.arange(low, high + 1, dtype=np.float64)))
    p = np.exp(log_p)
    return float(-np.sum(p * np.where(p > 0, log_p, 0.0)))


def _integer_data(values, name: str = "data") -> np.ndarray:
    x = _checks.data(values, name)
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError(f"{name} must hold non-negative integers")
    return x


class Bernoulli(DiscreteDistribution):
    """Bernoulli distribution: P(1) = p, P(0) = 1 - p. Sampling: 1 if U < p. MLE: p = mean(x)."""

    _param_names = ("p",)

    def __init__(self, p: float):
        self.p = _checks.probability(p, "p")

    def logpmf(self, k: ArrayLike) -> np.ndarray | float:
        k = _checks.points(k)
        valid = _integers_in(k, 0, 1)
        kk = np.where(valid, k, 0.0)
        return _on_support(k, xlogy(kk, self.p) + xlog1py(1 - kk, -self.p), valid)

    def cdf(self, k: ArrayLike) -> np.ndarray | float:
        k = _checks.points(k)
        out = np.where(k < 0, 0.0, np.where(k < 1, 1 - self.p, 1.0))
        return _checks.output(np.where(np.isnan(k), np.nan, out))

    @property
    def mean(self) -> float:
        return self.p

    @property
    def var(self) -> float:
        return self.p * (1 - self.p)

    def entropy(self) -> float:
        """-p ln p - (1 - p) ln(1 - p)."""
        return float(-xlogy(self.p, self.p) - xlog1py(1 - self.p, -self.p))

    def _sample(self, count, rng):
        return (rng.random(count) < self.p).astype(np.int64)

    @classmethod
    def fit(cls, data: ArrayLike) -> Bernoulli:
        x = _checks.data(data)
        if np.any((x != 0) & (x != 1)):
            raise ValueError("data must hold only 0 and 1 for a Bernoulli fit")
        return cls(float(np.mean(x)))


class Binomial(DiscreteDistribution):
    """Binomial distribution: the number of successes in n trials of probability p,

        P(k) = C(n, k) pᵏ (1 - p)^(n-k),   k = 0, ..., n.

    Sampling: inversion for n·min(p, 1-p) < 10, Hörmann's BTRS otherwise. MLE for a known n:
    p = mean(x)/n.
    """

    _param_names = ("n", "p")

    def __init__(self, n: int, p: float):
        self.n = _checks.count(n, "n")
        self.p = _checks.probability(p, "p")

    def logpmf(self, k: ArrayLike) -> np.ndarray | float:
        k = _checks.points(k)
        n, p = self.n, self.p
        valid = _integers_in(k, 0, n)
        kk = np.where(valid, k, 0.0)
        log_choose = gammaln(n + 1) - gammaln(kk + 1) - gammaln(n - kk + 1)
        return _on_support(k, log_choose + xlogy(kk, p) + xlog1py(n - kk, -p), valid)

    def cdf(self, k: ArrayLike) -> np.ndarray | float:
        k = np.floor(_checks.points(k))
        inside = (k >= 0) & (k < self.n)
        kk = np.where(inside, k, 0.0)
        partial = _betainc(self.n - kk, kk + 1, 1 - self.p, self.p)
        out = np.where(inside, partial, np.where(k < 0, 0.0, 1.0))
        return _checks.output(np.where(np.isnan(k), np.nan, out))

    @property
    def mean(self) -> float:
        return self.n * self.p

    @property
    def var(self) -> float:
        return self.n * self.p * (1 - self.p)

    def entropy(self) -> float:
        """-Σₖ P(k) ln P(k), summed over the support (within 40 standard deviations of the mean)."""
        reach = _TAIL_SDS * np.sqrt(self.var) + 10
        low = max(0, int(self.mean - reach))
        high = min(self.n, int(self.mean + reach) + 1)
        return _entropy_by_sum(self.logpmf, low, high)

    def _sample(self, count, rng):
        return samplers.binomial(self.n, self.p, count, rng)

    @classmethod
    def fit(cls, data: ArrayLike, n: int) -> Binomial:
        """MLE of p for a known number of trials n: p = mean(x)/n."""
        x = _integer_data(data)
        n = _checks.count(n, "n")
        if np.any(x > n):
            raise ValueError(f"data must not exceed n={n}, got a maximum of {x.max():g}")
        return cls(n, float(np.mean(x)) / n if n > 0 else 0.0)


class Poisson(DiscreteDistribution):
    """Poisson distribution with rate λ ≥ 0 (mean and variance λ):  P(k) = λᵏ e^(-λ) / k!.

    ln P(k) is computed as in `special._log_poisson_term`, accurate for large k and λ. Sampling:
    Knuth's product of uniforms for λ < 10, Hörmann's PTRS otherwise. MLE: λ = mean(x).
    """

    _param_names = ("rate",)

    def __init__(self, rate: float):
        self.rate = _checks.nonnegative(rate, "rate")

    def logpmf(self, k: ArrayLike) -> np.ndarray | float:
        k = _checks.points(k)
        valid = _integers_in(k, 0, np.inf)
        kk = np.where(valid, k, 0.0)
        return _on_support(k, _log_poisson_term(kk, self.rate), valid)

    def cdf(self, k: ArrayLike) -> np.ndarray | float:
        k = np.floor(_checks.points(k))
        kk = np.maximum(k, 0.0)
        out = np.where(k >= 0, gammaincc(kk + 1, self.rate), 0.0)
        return _checks.output(np.where(np.isnan(k), np.nan, out))

    @property
    def mean(self) -> float:
        return self.rate

    @property
    def var(self) -> float:
        return self.rate

    def entropy(self) -> float:
        """-Σₖ P(k) ln P(k), summed over k within 40 standard deviations of the mean."""
        reach = _TAIL_SDS * np.sqrt(self.rate) + 40
        return _entropy_by_sum(
            self.logpmf, max(0, int(self.rate - reach)), int(self.rate + reach) + 1
        )

    def _sample(self, count, rng):
        return samplers.poisson(self.rate, count, rng)

    @classmethod
    def fit(cls, data: ArrayLike) -> Poisson:
        return cls(float(np.mean(_integer_data(data))))


class Categorical(DiscreteDistribution):
    """Categorical distribution on {0, ..., K-1} with P(k) = probs[k].

    probs: shape (K,), non-negative, summing to 1 (within 1e-6; it is then renormalised).
    The labels are integers, so mean, var and cdf are those of the label. Sampling: inversion of
    the cumulative probabilities. MLE: the observed frequencies.
    """

    _param_names = ("probs",)

    def __init__(self, probs):
        probs = np.asarray(probs)
        if probs.dtype.kind not in "biuf" or probs.ndim != 1 or probs.size == 0:
            raise ValueError(
                f"probs must be a non-empty 1-D array of numbers, got shape {probs.shape} "
                f"and dtype {probs.dtype}"
            )
        probs = probs.astype(np.float64)
        if not np.all(np.isfinite(probs)) or np.any(probs < 0):
            raise ValueError("probs must be finite and non-negative")
        total = probs.sum()
        if abs(total - 1) > 1e-6:
            raise ValueError(f"probs must sum to 1, got a sum of {total}")
        self.probs = probs / total

    @property
    def n_categories(self) -> int:
        return self.probs.size

    def logpmf(self, k: ArrayLike) -> np.ndarray | float:
        k = _checks.points(k)
        valid = _integers_in(k, 0, self.n_categories - 1)
        index = np.where(valid, k, 0).astype(np.int64)
        with np.errstate(divide="ignore"):
            log_probs = np.log(self.probs)
        return _on_support(k, log_probs[index], valid)

    def cdf(self, k: ArrayLike) -> np.ndarray | float:
        k = np.floor(_checks.points(k))
        cumulative = np.cumsum(self.probs)
        index = np.clip(np.nan_to_num(k), 0, self.n_categories - 1).astype(np.int64)
        out = np.where(k < 0, 0.0, np.where(k >= self.n_categories - 1, 1.0, cumulative[index]))
        return _checks.output(np.where(np.isnan(k), np.nan, out))

    @property
    def mean(self) -> float:
        return float(np.sum(np.arange(self.n_categories) * self.probs))

    @property
    def var(self) -> float:
        labels = np.arange(self.n_categories)
        return float(np.sum((labels - self.mean) ** 2 * self.probs))

    def entropy(self) -> float:
        """-Σₖ pₖ ln pₖ."""
        return float(-np.sum(xlogy(self.probs, self.probs)))

    def _sample(self, count, rng):
        return samplers.categorical(self.probs, count, rng)

    @classmethod
    def fit(cls, data: ArrayLike, n_categories: int | None = None) -> Categorical:
        """MLE: probs[k] = (count of k)/len(data); n_categories defaults to max(data) + 1."""
        x = _integer_data(data).astype(np.int64)
        k = (
            int(x.max()) + 1
            if n_categories is None
            else _checks.count(n_categories, "n_categories")
        )
        if x.max() >= k:
            raise ValueError(f"data hold the label {x.max()}, but n_categories is {k}")
        return cls(np.bincount(x, minlength=k) / x.size)
