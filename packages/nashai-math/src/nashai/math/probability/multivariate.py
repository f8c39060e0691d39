"""Multivariate distributions: MultivariateNormal and Dirichlet.

Points have shape (..., d) (the last axis is the event) and densities come back with shape (...).
Draws have shape (*n, d). `mean` is a (d,) vector and `var` the (d,) vector of marginal variances;
MultivariateNormal also keeps the full covariance as `cov`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from nashai.math.probability import _checks, _mle, samplers
from nashai.math.probability.base import ContinuousDistribution
from nashai.math.probability.special import digamma, gammaln, xlogy

__all__ = ["Dirichlet", "MultivariateNormal"]

_LOG_2PI = np.log(2 * np.pi)


def _vector(values, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind not in "biuf" or array.ndim != 1 or array.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D array of numbers, got shape {array.shape} "
            f"and dtype {array.dtype}"
        )
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinity")
    return array


def _event_points(x, d: int) -> np.ndarray:
    x = _checks.points(x)
    if x.ndim == 0 or x.shape[-1] != d:
        raise ValueError(f"x must have shape (..., {d}), got {x.shape}")
    return x


def _forward_substitution(lower: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve L y = bᵢ for every row bᵢ of b (shape (m, d)); L is (d, d) lower triangular.
    yⱼ = (bⱼ - Σ_{i<j} L[j, i] yᵢ) / L[j, j], one column of all m systems per step."""
    y = np.empty_like(b)
    for j in range(lower.shape[0]):
        y[:, j] = (b[:, j] - y[:, :j] @ lower[j, :j]) / lower[j, j]
    return y


class MultivariateNormal(ContinuousDistribution):
    """Multivariate normal N(mean, cov) in d dimensions:

        ln p(x) = -½ [d ln 2π + ln det Σ + (x - μ)ᵀ Σ⁻¹ (x - μ)].

    With the Cholesky factor Σ = L Lᵀ (computed once, by nashai.math.linalg.cholesky),
    ln det Σ = 2 Σᵢ ln Lᵢᵢ and the quadratic form is |y|² for L y = x - μ. Sampling: μ + L z with
    z standard normal. MLE: the sample mean and the covariance with divisor n.

    mean: shape (d,). cov: shape (d, d), symmetric positive definite.
    """

    _param_names = ("mean", "cov")

    def __init__(self, mean, cov):
        from nashai.math.errors import LinAlgError
        from nashai.math.linalg import cholesky

        self._mean = _vector(mean, "mean")
        d = self._mean.size
        cov = np.asarray(cov)
        if cov.dtype.kind not in "biuf" or cov.shape != (d, d):
            raise ValueError(f"cov must be a ({d}, {d}) matrix to match mean, got {cov.shape}")
        cov = cov.astype(np.float64)
        if not np.all(np.isfinite(cov)):
            raise ValueError("cov contains NaN or infinity")
        if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-12 * np.abs(cov).max()):
            raise ValueError("cov must be symmetric")
        self.cov = cov
        try:
            self._cholesky = np.asarray(cholesky(cov))
        except LinAlgError as error:
            raise ValueError(f"cov must be positive definite ({error})") from None
        self._log_det = 2 * float(np.sum(np.log(np.diag(self._cholesky))))
        self.event_shape = (d,)

    @property
    def dim(self) -> int:
        return self._mean.size

    @property
    def mean(self) -> np.ndarray:
        return self._mean

    @property
    def var(self) -> np.ndarray:
        return np.diag(self.cov).copy()

    def logpdf(self, x: ArrayLike) -> np.ndarray | float:
        x = _event_points(x, self.dim)
        diff = (x - self._mean).reshape(-1, self.dim)
        y = _forward_substitution(self._cholesky, diff)
        maha = np.sum(y * y, axis=1).reshape(x.shape[:-1])
        return _checks.output(-0.5 * (self.dim * _LOG_2PI + self._log_det + maha))

    def entropy(self) -> float:
        """½ d (1 + ln 2π) + ½ ln det Σ."""
        return 0.5 * self.dim * (1 + _LOG_2PI) + 0.5 * self._log_det

    def _sample(self, count, rng):
        z = samplers.standard_normal(count * self.dim, rng).reshape(count, self.dim)
        return self._mean + z @ self._cholesky.T

    @classmethod
    def fit(cls, data: ArrayLike) -> MultivariateNormal:
        """MLE from data of shape (m, d): mean(x) and (1/m) Σ (xᵢ - x̄)(xᵢ - x̄)ᵀ."""
        x = _checks.data(data, ndim=2)
        mean = x.mean(axis=0)
        centred = x - mean
        return cls(mean, centred.T @ centred / x.shape[0])


class Dirichlet(ContinuousDistribution):
    """Dirichlet distribution on the probability simplex {x : xₖ ≥ 0, Σ xₖ = 1} in K dimensions:

        p(x) = Γ(α₀) / Πₖ Γ(αₖ) · Πₖ xₖ^(αₖ-1),   α₀ = Σₖ αₖ.

    Points off the simplex (a negative coordinate, or a sum differing from 1 by more than 1e-9)
    have density 0. Sampling: normalised independent Gamma(αₖ) draws (formed from their
    logarithms, a softmax). MLE: Newton's method on the concave log-likelihood (Minka).

    alpha: shape (K,), all positive.
    """

    _param_names = ("alpha",)

    def __init__(self, alpha):
        self.alpha = _vector(alpha, "alpha")
        if np.any(self.alpha <= 0):
            raise ValueError(f"alpha must be positive, got {self.alpha}")
        self.event_shape = (self.alpha.size,)

    @property
    def dim(self) -> int:
        return self.alpha.size

    @property
    def mean(self) -> np.ndarray:
        return self.alpha / self.alpha.sum()

    @property
    def var(self) -> np.ndarray:
        total = self.alpha.sum()
        return self.alpha * (total - self.alpha) / (total**2 * (total + 1))

    def _log_normalizer(self) -> float:
        """ln B(α) = Σₖ lnΓ(αₖ) - lnΓ(α₀)."""
        return float(np.sum(gammaln(self.alpha)) - gammaln(self.alpha.sum()))

    def logpdf(self, x: ArrayLike) -> np.ndarray | float:
        x = _event_points(x, self.dim)
        on_simplex = np.all(x >= 0, axis=-1) & (np.abs(x.sum(axis=-1) - 1) <= 1e-9)
        values = np.sum(xlogy(self.alpha - 1, np.maximum(x, 0)), axis=-1) - self._log_normalizer()
        out = np.where(on_simplex, values, -np.inf)
        return _checks.output(np.where(np.any(np.isnan(x), axis=-1), np.nan, out))

    def entropy(self) -> float:
        """ln B(α) + (α₀ - K) ψ(α₀) - Σₖ (αₖ - 1) ψ(αₖ)."""
        total = self.alpha.sum()
        return float(
            self._log_normalizer()
            + (total - self.dim) * digamma(total)
            - np.sum((self.alpha - 1) * digamma(self.alpha))
        )

    def _sample(self, count, rng):
        shapes = np.tile(self.alpha, count)
        log_g = samplers.log_standard_gamma(shapes, rng).reshape(count, self.dim)
        log_g -= log_g.max(axis=1, keepdims=True)
        g = np.exp(log_g)
        return g / g.sum(axis=1, keepdims=True)

    @classmethod
    def fit(cls, data: ArrayLike) -> Dirichlet:
        """MLE from points of shape (m, K) on the open simplex (all coordinates positive)."""
        x = _checks.data(data, ndim=2)
        if np.any(x <= 0) or np.any(np.abs(x.sum(axis=1) - 1) > 1e-9):
            raise ValueError("data rows must be positive and sum to 1 for a Dirichlet fit")
        mean, second = x.mean(axis=0), (x * x).mean(axis=0)
        # moments start: α₀ from the first coordinate's variance, E x₁(1-x₁)/Var x₁ - 1
        spread = second[0] - mean[0] ** 2
        total = (mean[0] - second[0]) / spread if spread > 0 else 1.0
        initial = mean * total if total > 0 else np.ones(x.shape[1])
        return cls(_mle.dirichlet_concentration(np.log(x).mean(axis=0), initial))
