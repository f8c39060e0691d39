"""Continuous univariate distributions: Normal, Exponential, Uniform, Gamma, Beta, StudentT.

Parameters are scalars; rates are rates throughout, so Exponential(rate) is Gamma(1, rate):

    Normal(loc, scale)          scipy.stats.norm(loc, scale)
    Exponential(rate)           scipy.stats.expon(scale=1/rate)
    Uniform(low, high)          scipy.stats.uniform(loc=low, scale=high - low)
    Gamma(shape, rate)          scipy.stats.gamma(a=shape, scale=1/rate)
    Beta(alpha, beta)           scipy.stats.beta(a=alpha, b=beta)
    StudentT(df, loc, scale)    scipy.stats.t(df, loc, scale)

Densities and cdfs take points of any shape and return that shape (a NumPy scalar for a scalar);
outside the support the density is 0 and logpdf is -inf. Cumulative distribution functions come
from the special functions: Φ via erfc, the gamma cdf via the regularised incomplete gamma P, the
beta and Student t cdfs via the regularised incomplete beta I.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from nashai.math.probability import _checks, _mle, samplers
from nashai.math.probability.base import ContinuousDistribution
from nashai.math.probability.special import (
    _betainc,
    _digamma_half_difference,
    _gammaln_half_ratio,
    betaln,
    digamma,
    gammainc,
    gammaln,
    ndtr,
    xlog1py,
    xlogy,
)

__all__ = ["Beta", "Exponential", "Gamma", "Normal", "StudentT", "Uniform"]

_LOG_2PI = np.log(2 * np.pi)


def _within(x: np.ndarray, values: np.ndarray, low: float, high: float = np.inf) -> np.ndarray:
    """values where low ≤ x ≤ high, -inf elsewhere, NaN where x is NaN."""
    out = np.where((x >= low) & (x <= high), values, -np.inf)
    return _checks.output(np.where(np.isnan(x), np.nan, out))


class Normal(ContinuousDistribution):
    """Normal distribution N(loc, scale²):

        p(x) = exp(-z²/2) / (scale √(2π)),   z = (x - loc)/scale,   F(x) = Φ(z) = ½ erfc(-z/√2).

    Sampling: loc + scale·Z with Z from the Box–Muller transform. MLE: the sample mean and the
    standard deviation with divisor n.
    """

    _param_names = ("loc", "scale")

    def __init__(self, loc: float = 0.0, scale: float = 1.0):
        self.loc = _checks.real(loc, "loc")
        self.scale = _checks.positive(scale, "scale")

    def logpdf(self, x: ArrayLike) -> np.ndarray | float:
        z = (_checks.points(x) - self.loc) / self.scale
        return _checks.output(-0.5 * z * z - np.log(self.scale) - 0.5 * _LOG_2PI)

    def cdf(self, x: ArrayLike) -> np.ndarray | float:
        return ndtr((_checks.points(x) - self.loc) / self.scale)

    @property
    def mean(self) -> float:
        return self.loc

    @property
    def var(self) -> float:
        return self.scale**2

    def entropy(self) -> float:
        """½ ln(2πe·scale²)."""
        return 0.5 * (_LOG_2PI + 1) + float(np.log(self.scale))

    def _sample(self, count, rng):
        return self.loc + self.scale * samplers.standard_normal(count, rng)

    @classmethod
    def fit(cls, data: ArrayLike) -> Normal:
        x = _checks.data(data)
        loc = float(np.mean(x))
        scale = float(np.sqrt(np.mean((x - loc) ** 2)))
        if scale == 0:
            raise ValueError("data have zero spread: a Normal needs scale > 0")
        return cls(loc, scale)


class Exponential(ContinuousDistribution):
    """Exponential distribution with rate λ (mean 1/λ):  p(x) = λ e^(-λx),  F(x) = 1 - e^(-λx),
    for x ≥ 0. Sampling by inversion, X = -ln(U)/λ with U on (0, 1]. MLE: λ = 1/mean(x)."""

    _param_names = ("rate",)

    def __init__(self, rate: float = 1.0):
        self.rate = _checks.positive(rate, "rate")

    def logpdf(self, x: ArrayLike) -> np.ndarray | float:
        x = _checks.points(x)
        return _within(x, np.log(self.rate) - self.rate * x, 0.0)

    def cdf(self, x: ArrayLike) -> np.ndarray | float:
        x = _checks.points(x)
        return _checks.output(-np.expm1(-self.rate * np.maximum(x, 0.0)))

    @property
    def mean(self) -> float:
        return 1 / self.rate

    @property
    def var(self) -> float:
        return 1 / self.rate**2

    def entropy(self) -> float:
        """1 - ln λ."""
        return 1 - float(np.log(self.rate))

    def _sample(self, count, rng):
        return -np.log(samplers.open_uniform(count, rng)) / self.rate

    @classmethod
    def fit(cls, data: ArrayLike) -> Exponential:
        x = _checks.data(data)
        if np.any(x < 0):
            raise ValueError("data must be non-negative for an Exponential fit")
        total = float(np.mean(x))
        if total == 0:
            raise ValueError("data are all zero: the Exponential MLE rate would be infinite")
        return cls(1 / total)


class Uniform(ContinuousDistribution):
    """Uniform distribution on [low, high]: p(x) = 1/(high - low), F(x) = (x - low)/(high - low).
    Sampling: low + (high - low)·U. MLE: low = min(x), high = max(x)."""

    _param_names = ("low", "high")

    def __init__(self, low: float = 0.0, high: float = 1.0):
        self.low = _checks.real(low, "low")
        self.high = _checks.real(high, "high")
        if not self.high > self.low:
            raise ValueError(f"high must exceed low, got low={self.low}, high={self.high}")

    def logpdf(self, x: ArrayLike) -> np.ndarray | float:
        x = _checks.points(x)
        return _within(x, np.full_like(x, -np.log(self.high - self.low)), self.low, self.high)

    def cdf(self, x: ArrayLike) -> np.ndarray | float:
        x = _checks.points(x)
        return _checks.output(np.clip((x - self.low) / (self.high - self.low), 0.0, 1.0))

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def var(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def entropy(self) -> float:
        """ln(high - low)."""
        return float(np.log(self.high - self.low))

    def _sample(self, count, rng):
        return self.low + (self.high - self.low) * rng.random(count)

    @classmethod
    def fit(cls, data: ArrayLike) -> Uniform:
        x = _checks.data(data)
        return cls(float(x.min()), float(x.max()))


class Gamma(ContinuousDistribution):
    """Gamma distribution with shape k and rate λ (mean k/λ; scipy's scale is 1/λ):

        p(x) = λᵏ x^(k-1) e^(-λx) / Γ(k),   F(x) = P(k, λx)   for x ≥ 0,

    P being the regularised lower incomplete gamma. Sampling: Marsaglia–Tsang. MLE: k solves
    ln k - ψ(k) = ln(mean x) - mean(ln x) (Newton, see `_mle.solve_gamma_shape`), then λ = k/mean x.
    """

    _param_names = ("shape", "rate")

    def __init__(self, shape: float, rate: float = 1.0):
        self.shape = _checks.positive(shape, "shape")
        self.rate = _checks.positive(rate, "rate")

    def logpdf(self, x: ArrayLike) -> np.ndarray | float:
        x = _checks.points(x)
        k, rate = self.shape, self.rate
        values = xlogy(k - 1, np.maximum(x, 0)) + k * np.log(rate) - rate * x - gammaln(k)
        return _within(x, values, 0.0)

    def cdf(self, x: ArrayLike) -> np.ndarray | float:
        x = _checks.points(x)
        return _checks.output(gammainc(self.shape, self.rate * np.maximum(x, 0)))

    @property
    def mean(self) -> float:
        return self.shape / self.rate

    @property
    def var(self) -> float:
        return self.shape / self.rate**2

    def entropy(self) -> float:
        """k - ln λ + lnΓ(k) + (1 - k) ψ(k)."""
        k = self.shape
        return float(k - np.log(self.rate) + gammaln(k) + (1 - k) * digamma(k))

    def _sample(self, count, rng):
        return samplers.standard_gamma(np.full(count, self.shape), rng) / self.rate

    @classmethod
    def fit(cls, data: ArrayLike) -> Gamma:
        x = _checks.data(data)
        if np.any(x <= 0):
            raise ValueError("data must be positive for a Gamma fit")
        average = float(np.mean(x))
        s = float(np.log(average) - np.mean(np.log(x)))
        if s <= 0:
            raise ValueError("data are all equal: the Gamma MLE does not exist")
        shape = _mle.solve_gamma_shape(s)
        return cls(shape, shape / average)


class Beta(ContinuousDistribution):
    """Beta distribution on [0, 1]:

        p(x) = x^(α-1) (1-x)^(β-1) / B(α, β),   F(x) = I_x(α, β),

    I being the regularised incomplete beta. Sampling: X/(X + Y) with X ~ Gamma(α), Y ~ Gamma(β),
    formed from their logarithms. MLE: Newton on the score equations ψ(α) - ψ(α+β) = mean ln x,
    ψ(β) - ψ(α+β) = mean ln(1-x), started from the method of moments.
    """

    _param_names = ("alpha", "beta")

    def __init__(self, alpha: float, beta: float):
        self.alpha = _checks.positive(alpha, "alpha")
        self.beta = _checks.positive(beta, "beta")

    def logpdf(self, x: ArrayLike) -> np.ndarray | float:
        x = _checks.points(x)
        inside = np.clip(x, 0.0, 1.0)
        values = (
            xlogy(self.alpha - 1, inside)
            + xlog1py(self.beta - 1, -inside)
            - betaln(self.alpha, self.beta)
        )
        return _within(x, values, 0.0, 1.0)

    def cdf(self, x: ArrayLike) -> np.ndarray | float:
        x = np.clip(_checks.points(x), 0.0, 1.0)
        return _checks.output(_betainc(self.alpha, self.beta, x, 1 - x))

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def var(self) -> float:
        total = self.alpha + self.beta
        return self.alpha * self.beta / (total**2 * (total + 1))

    def entropy(self) -> float:
        """ln B(α, β) - (α - 1)ψ(α) - (β - 1)ψ(β) + (α + β - 2)ψ(α + β)."""
        a, b = self.alpha, self.beta
        return float(
            betaln(a, b)
            - (a - 1) * digamma(a)
            - (b - 1) * digamma(b)
            + (a + b - 2) * digamma(a + b)
        )

    def _sample(self, count, rng):
        log_x = samplers.log_standard_gamma(np.full(count, self.alpha), rng)
        log_y = samplers.log_standard_gamma(np.full(count, self.beta), rng)
        return np.exp(log_x - np.logaddexp(log_x, log_y))  # X/(X + Y)

    @classmethod
    def fit(cls, data: ArrayLike) -> Beta:
        x = _checks.data(data)
        if np.any((x <= 0) | (x >= 1)):
            raise ValueError("data must lie strictly inside (0, 1) for a Beta fit")
        mean, var = float(np.mean(x)), float(np.var(x))
        common = mean * (1 - mean) / var - 1 if var > 0 else -1.0
        initial = np.array([mean, 1 - mean]) * common if common > 0 else np.ones(2)
        mean_log = np.array([np.mean(np.log(x)), np.mean(np.log1p(-x))])
        alpha, beta = _mle.dirichlet_concentration(mean_log, initial)
        return cls(float(alpha), float(beta))


class StudentT(ContinuousDistribution):
    """Student's t distribution with df = ν degrees of freedom, location and scale:

        p(x) = Γ((ν+1)/2) / (Γ(ν/2) √(νπ) scale) · (1 + z²/ν)^(-(ν+1)/2),   z = (x - loc)/scale,
        F(x) = 1 - ½ I_{ν/(ν+z²)}(ν/2, ½) for z ≥ 0, and ½ I_{ν/(ν+z²)}(ν/2, ½) for z < 0.

    Sampling: loc + scale·Z/√(G/ν) with Z standard normal and G ~ χ²_ν = 2·Gamma(ν/2).
    MLE: ECM over (df, loc, scale) (see `_mle.student_t`).
    """

    _param_names = ("df", "loc", "scale")

    def __init__(self, df: float, loc: float = 0.0, scale: float = 1.0):
        self.df = _checks.positive(df, "df")
        self.loc = _checks.real(loc, "loc")
        self.scale = _checks.positive(scale, "scale")

    def logpdf(self, x: ArrayLike) -> np.ndarray | float:
        z = (_checks.points(x) - self.loc) / self.scale
        nu = self.df
        # lnΓ((ν+1)/2) - lnΓ(ν/2) - ½ ln(νπ), computed without cancellation for large ν
        log_norm = _gammaln_half_ratio(nu / 2) - 0.5 * np.log(nu * np.pi)
        return _checks.output(log_norm - np.log(self.scale) - (nu + 1) / 2 * np.log1p(z * z / nu))

    def cdf(self, x: ArrayLike) -> np.ndarray | float:
        z = (_checks.points(x) - self.loc) / self.scale
        nu = self.df
        with np.errstate(divide="ignore", over="ignore"):
            ratio = z * z / nu
            x_beta = 1 / (1 + ratio)  # ν/(ν + z²)
            y_beta = 1 / (1 + 1 / ratio)  # z²/(ν + z²), exact even when z² ≪ ν
        tail = 0.5 * _betainc(nu / 2, 0.5, x_beta, y_beta)
        return _checks.output(np.where(z < 0, tail, 1 - tail))

    @property
    def mean(self) -> float:
        """loc for df > 1, undefined (NaN) otherwise."""
        return self.loc if self.df > 1 else float("nan")

    @property
    def var(self) -> float:
        """scale² ν/(ν - 2) for ν > 2, infinite for 1 < ν ≤ 2, undefined (NaN) for ν ≤ 1."""
        if self.df > 2:
            return self.scale**2 * self.df / (self.df - 2)
        return float("inf") if self.df > 1 else float("nan")

    def entropy(self) -> float:
        """(ν+1)/2 [ψ((ν+1)/2) - ψ(ν/2)] + ln(√ν B(ν/2, ½)) + ln scale."""
        nu = self.df
        log_beta = 0.5 * np.log(np.pi) - _gammaln_half_ratio(nu / 2)  # ln B(ν/2, ½)
        value = (nu + 1) / 2 * _digamma_half_difference(nu / 2)  # ψ((ν+1)/2) - ψ(ν/2)
        return float(value + 0.5 * np.log(nu) + log_beta + np.log(self.scale))

    def _sample(self, count, rng):
        z = samplers.standard_normal(count, rng)
        log_g = samplers.log_standard_gamma(np.full(count, self.df / 2), rng)
        # Z / √(2G/ν) with G ~ Gamma(ν/2), in logs so tiny ν cannot underflow G to zero
        return self.loc + self.scale * z * np.exp(-0.5 * (np.log(2 / self.df) + log_g))

    @classmethod
    def fit(cls, data: ArrayLike) -> StudentT:
        x = _checks.data(data)
        if np.all(x == x[0]):
            raise ValueError("data have zero spread: a StudentT needs scale > 0")
        df, loc, scale = _mle.student_t(x)
        return cls(df, loc, scale)
