"""The interface every distribution shares.

A distribution is an immutable object holding validated parameters. Densities (`pdf`/`logpdf`
for continuous, `pmf`/`logpmf` for discrete) and `cdf` are elementwise: points of any shape give
results of that shape (multivariate ones take points of shape (..., d) and give (...)). `mean` and
`var` are properties (vectors for multivariate distributions), `entropy()` is a method (it is a
sum for some discrete ones), `sample(n, rng)` draws a batch, and the classmethod `fit(data)`
returns a new distribution with the maximum-likelihood parameters.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from nashai.math.probability import _checks

__all__ = ["ContinuousDistribution", "DiscreteDistribution", "Distribution"]


class Distribution:
    """Base class. Subclasses set `_param_names` and implement `_sample(count, rng)`, which
    returns `count` independent draws stacked along the first axis."""

    _param_names: tuple[str, ...] = ()
    event_shape: tuple[int, ...] = ()  # shape of one draw: () univariate, (d,) multivariate

    def __repr__(self) -> str:
        def show(value) -> str:
            if isinstance(value, np.ndarray):
                return np.array2string(value, separator=", ", precision=6)
            return repr(value)

        params = ", ".join(f"{name}={show(getattr(self, name))}" for name in self._param_names)
        return f"{type(self).__name__}({params})"

    @property
    def mean(self) -> float | np.ndarray:
        """E[X]: a float, or a (d,) vector for a multivariate distribution."""
        raise NotImplementedError

    @property
    def var(self) -> float | np.ndarray:
        """Var[X]: a float, or the (d,) marginal variances for a multivariate distribution."""
        raise NotImplementedError

    def entropy(self) -> float:
        """Differential entropy (continuous) or Shannon entropy (discrete), in nats."""
        raise NotImplementedError

    def sample(self, n: int | tuple[int, ...] = 1, rng: _checks.RandomState = None) -> np.ndarray:
        """Draw independent samples.

        n: the number of draws, or a tuple giving the batch shape. rng: a numpy.random.Generator,
        an int seed, or None. Returns an array of shape (*n, *event_shape): float64 for continuous
        distributions, int64 for discrete ones. The same seed gives the same draws.
        """
        shape = _checks.sample_shape(n)
        generator = _checks.as_generator(rng)
        draws = self._sample(math.prod(shape), generator)
        return draws.reshape(shape + self.event_shape)

    def _sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    @classmethod
    def fit(cls, data: ArrayLike) -> Distribution:
        """The distribution with maximum-likelihood parameters for the observations `data`."""
        raise NotImplementedError


class ContinuousDistribution(Distribution):
    """A distribution with a density: implements `logpdf` and `cdf`; `pdf` is exp(logpdf)."""

    def logpdf(self, x: ArrayLike) -> np.ndarray | float:
        """Log-density at x: shape of x (univariate) or x.shape[:-1] (multivariate); -inf outside
        the support, NaN at NaN."""
        raise NotImplementedError

    def pdf(self, x: ArrayLike) -> np.ndarray | float:
        """Density at x (any shape), exp(logpdf(x)). Shape: that of x."""
        return _checks.output(np.exp(self.logpdf(x)))

    def cdf(self, x: ArrayLike) -> np.ndarray | float:
        """P(X ≤ x), elementwise. Shape: that of x."""
        raise NotImplementedError


class DiscreteDistribution(Distribution):
    """A distribution on the integers: implements `logpmf` and `cdf`; `pmf` is exp(logpmf).
    Non-integer points have probability 0 (logpmf -inf), as in scipy.stats."""

    def logpmf(self, k: ArrayLike) -> np.ndarray | float:
        """ln P(X = k), elementwise; -inf off the support. Shape: that of k."""
        raise NotImplementedError

    def pmf(self, k: ArrayLike) -> np.ndarray | float:
        """Probability of each point k (any shape), exp(logpmf(k)). Shape: that of k."""
        return _checks.output(np.exp(self.logpmf(k)))

    def cdf(self, k: ArrayLike) -> np.ndarray | float:
        """P(X ≤ k) for real k, elementwise. Shape: that of k."""
        raise NotImplementedError
