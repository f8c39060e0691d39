"""nashai.math.probability: distributions, special functions, statistics and MCMC.

Files
-----
special.py       lnΓ, ψ, ψ', regularised incomplete gamma and beta, erf/erfc, Φ and Φ⁻¹
samplers.py      variate generators on a Generator's uniforms: Box–Muller, Marsaglia–Tsang,
                 Knuth and PTRS (Poisson), inversion and BTRS (binomial), categorical inversion
base.py          the Distribution interface (pdf/pmf, logpdf/logpmf, cdf, mean, var, entropy,
                 sample, fit)
continuous.py    Normal, Exponential, Uniform, Gamma, Beta, StudentT
discrete.py      Bernoulli, Binomial, Poisson, Categorical
multivariate.py  MultivariateNormal, Dirichlet
_mle.py          iterative maximum-likelihood solvers (gamma shape, Dirichlet/Beta, Student t)
statistics.py    mean, var, std, cov, corrcoef, quantile, percentile, median, bootstrap_ci
mcmc.py          metropolis_hastings

Conventions: rates, not scales, parametrise Exponential(rate), Gamma(shape, rate) and
Poisson(rate); `rng` arguments take a numpy.random.Generator, an int seed or None; draws come
from the generator's uniform stream only, so the same seed gives the same samples.
"""

from nashai.math.probability import samplers, special
from nashai.math.probability.base import (
    ContinuousDistribution,
    DiscreteDistribution,
    Distribution,
)
from nashai.math.probability.continuous import Beta, Exponential, Gamma, Normal, StudentT, Uniform
from nashai.math.probability.discrete import Bernoulli, Binomial, Categorical, Poisson
from nashai.math.probability.mcmc import metropolis_hastings
from nashai.math.probability.multivariate import Dirichlet, MultivariateNormal
from nashai.math.probability.statistics import (
    ConfidenceInterval,
    bootstrap_ci,
    corrcoef,
    cov,
    mean,
    median,
    percentile,
    quantile,
    std,
    var,
)

__all__ = [
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "ConfidenceInterval",
    "ContinuousDistribution",
    "Dirichlet",
    "DiscreteDistribution",
    "Distribution",
    "Exponential",
    "Gamma",
    "MultivariateNormal",
    "Normal",
    "Poisson",
    "StudentT",
    "Uniform",
    "bootstrap_ci",
    "corrcoef",
    "cov",
    "mean",
    "median",
    "metropolis_hastings",
    "percentile",
    "quantile",
    "samplers",
    "special",
    "std",
    "var",
]
