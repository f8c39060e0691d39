"""Samplers: moments within a few standard errors of the analytic values, Kolmogorov–Smirnov
(continuous) and chi-square (discrete) goodness of fit against scipy.stats, shapes, and
reproducibility from a seed. All seeded; n = 100 000 draws per distribution."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

from nashai.math import probability as P
from nashai.math.probability import samplers

N = 100_000
SEED = 20240601
P_VALUE_FLOOR = 1e-4  # a correct sampler fails this with probability 1e-4; a wrong one gives ~0
Z = 5.0  # moment checks allow 5 standard errors

CONTINUOUS = [
    (P.Normal(1.0, 2.0), st.norm(1, 2)),
    (P.Exponential(3.0), st.expon(scale=1 / 3)),
    (P.Uniform(-1.0, 3.0), st.uniform(-1, 4)),
    (P.Gamma(0.05, 2.0), st.gamma(0.05, scale=0.5)),
    (P.Gamma(0.7, 1.0), st.gamma(0.7)),
    (P.Gamma(1.0, 0.5), st.gamma(1.0, scale=2)),
    (P.Gamma(7.5, 3.0), st.gamma(7.5, scale=1 / 3)),
    (P.Gamma(500.0, 1.0), st.gamma(500.0)),
    # smaller shapes put visible mass within 1e-16 of 0 or 1, where draws round to the ends
    (P.Beta(0.1, 0.2), st.beta(0.1, 0.2)),
    (P.Beta(0.5, 0.5), st.beta(0.5, 0.5)),
    (P.Beta(2.0, 5.0), st.beta(2, 5)),
    (P.Beta(40.0, 7.0), st.beta(40, 7)),
    (P.StudentT(0.7, 1.0, 2.0), st.t(0.7, 1, 2)),
    (P.StudentT(3.0), st.t(3)),
    (P.StudentT(30.0, -1.0, 0.5), st.t(30, -1, 0.5)),
]

DISCRETE = [
    (P.Bernoulli(0.3), st.bernoulli(0.3)),
    (P.Binomial(30, 0.2), st.binom(30, 0.2)),  # inversion
    (P.Binomial(12, 0.9), st.binom(12, 0.9)),  # inversion, reflected
    (P.Binomial(1000, 0.3), st.binom(1000, 0.3)),  # BTRS
    (P.Binomial(1000, 0.97), st.binom(1000, 0.97)),  # BTRS, reflected
    (P.Binomial(100, 0.1), st.binom(100, 0.1)),  # BTRS at its threshold n·p = 10
    (P.Poisson(0.05), st.poisson(0.05)),  # Knuth
    (P.Poisson(3.3), st.poisson(3.3)),
    (P.Poisson(10.0), st.poisson(10.0)),  # PTRS at its threshold
    (P.Poisson(1234.5), st.poisson(1234.5)),
    (P.Categorical([0.1, 0.0, 0.6, 0.3]), st.rv_discrete(values=(range(4), [0.1, 0, 0.6, 0.3]))),
]


def case_id(case) -> str:
    return repr(case[0])


def assert_moments(x: np.ndarray, reference) -> None:
    """Sample mean and variance within Z standard errors of the truth; the variance's standard
    error √((μ₄ - σ⁴)/n) needs a finite fourth moment."""
    mean, var, excess_kurtosis = (float(v) for v in reference.stats(moments="mvk"))
    n = x.size
    if np.isfinite(var):
        assert abs(x.mean() - mean) < Z * np.sqrt(var / n)
    if np.isfinite(excess_kurtosis):
        mu4 = (excess_kurtosis + 3) * var**2
        assert abs(x.var(ddof=1) - var) < Z * np.sqrt((mu4 - var**2) / n)


@pytest.mark.parametrize("case", CONTINUOUS, ids=case_id)
def test_continuous_samples_fit_the_distribution(case):
    ours, reference = case
    x = ours.sample(N, rng=SEED)
    assert x.shape == (N,) and x.dtype == np.float64
    assert np.all(np.isfinite(x))
    assert_moments(x, reference)
    assert st.kstest(x, reference.cdf).pvalue > P_VALUE_FLOOR


@pytest.mark.parametrize("case", DISCRETE, ids=case_id)
def test_discrete_samples_fit_the_distribution(case):
    ours, reference = case
    k = ours.sample(N, rng=SEED)
    assert k.shape == (N,) and k.dtype == np.int64
    assert_moments(k.astype(float), reference)
    # chi-square over the values with expected count ≥ 5, the rest pooled into one cell
    values = np.arange(k.min(), k.max() + 1)
    expected = reference.pmf(values) * N
    observed = np.array([np.count_nonzero(k == v) for v in values])
    assert np.all(observed[expected == 0] == 0)  # nothing drawn where the pmf is zero
    big = expected >= 5
    cells_observed = np.append(observed[big], N - observed[big].sum())
    cells_expected = np.append(expected[big], N - expected[big].sum())
    if cells_expected[-1] < 5:
        cells_observed, cells_expected = cells_observed[:-1], cells_expected[:-1]
        cells_expected *= cells_observed.sum() / cells_expected.sum()
    if cells_observed.size > 1:
        assert st.chisquare(cells_observed, cells_expected).pvalue > P_VALUE_FLOOR


def test_multivariate_normal_samples_have_the_right_mean_and_covariance():
    mean = np.array([1.0, -2.0, 0.5])
    a = np.array([[2.0, 0.3, -0.4], [0.3, 1.0, 0.2], [-0.4, 0.2, 0.5]])
    cov = a @ a.T + 0.1 * np.eye(3)
    x = P.MultivariateNormal(mean, cov).sample(N, rng=SEED)
    assert x.shape == (N, 3)
    se_mean = np.sqrt(np.diag(cov) / N)
    assert np.all(np.abs(x.mean(axis=0) - mean) < Z * se_mean)
    # Var of a sample covariance entry for a Gaussian: (Σᵢⱼ² + ΣᵢᵢΣⱼⱼ)/n
    se_cov = np.sqrt((cov**2 + np.outer(np.diag(cov), np.diag(cov))) / N)
    assert np.all(np.abs(np.cov(x, rowvar=False) - cov) < Z * se_cov)
    # any projection uᵀx is N(uᵀμ, uᵀΣu)
    u = np.array([0.3, -1.0, 2.0])
    reference = st.norm(u @ mean, np.sqrt(u @ cov @ u))
    assert st.kstest(x @ u, reference.cdf).pvalue > P_VALUE_FLOOR


@pytest.mark.parametrize("alpha", [[0.1, 0.2, 0.7], [2.0, 5.0, 1.0, 0.5], [300.0, 20.0]])
def test_dirichlet_samples_have_beta_marginals(alpha):
    alpha = np.array(alpha)
    x = P.Dirichlet(alpha).sample(N // 2, rng=SEED)
    assert x.shape == (N // 2, alpha.size)
    np.testing.assert_allclose(x.sum(axis=1), 1.0, rtol=1e-14)
    for i, a in enumerate(alpha):
        marginal = st.beta(a, alpha.sum() - a)
        assert_moments(x[:, i], marginal)
        assert st.kstest(x[:, i], marginal.cdf).pvalue > P_VALUE_FLOOR


def test_box_muller_normals_are_standard_and_independent():
    z = samplers.standard_normal(N + 1, np.random.default_rng(SEED))  # odd: one half-used pair
    assert z.shape == (N + 1,)
    assert st.kstest(z, st.norm.cdf).pvalue > P_VALUE_FLOOR
    # the two members of each Box–Muller pair are uncorrelated
    pairs = N // 2
    assert abs(np.corrcoef(z[:pairs], z[pairs : 2 * pairs])[0, 1]) < Z / np.sqrt(pairs)


def test_tiny_gamma_shapes_stay_usable_in_logs():
    log_g = samplers.log_standard_gamma(np.full(1000, 1e-3), np.random.default_rng(SEED))
    assert np.all(np.isfinite(log_g))
    x = P.Beta(1e-3, 1e-3).sample(1000, rng=SEED)
    assert np.all((x >= 0) & (x <= 1))
    assert 0.4 < np.mean(x > 0.5) < 0.6  # mass splits evenly between the two ends


ALL = [case[0] for case in CONTINUOUS + DISCRETE] + [P.Dirichlet([1.0, 2.0, 3.0])]


def assert_reproducible(dist) -> None:
    first = dist.sample(500, rng=7)
    np.testing.assert_array_equal(first, dist.sample(500, rng=7))
    np.testing.assert_array_equal(first, dist.sample(500, rng=np.random.default_rng(7)))
    if not isinstance(dist, P.Bernoulli | P.Categorical):
        assert not np.array_equal(first, dist.sample(500, rng=8))


@pytest.mark.parametrize("dist", ALL, ids=repr)
def test_same_seed_same_samples(dist):
    assert_reproducible(dist)


def test_same_seed_same_multivariate_normal_samples():
    assert_reproducible(P.MultivariateNormal([0.0, 1.0], [[1.0, 0.5], [0.5, 2.0]]))


def test_sample_shapes():
    assert P.Normal().sample((2, 3), rng=0).shape == (2, 3)
    assert P.Poisson(2.0).sample(0, rng=0).shape == (0,)
    assert P.Dirichlet([1.0, 1.0, 1.0]).sample((4, 5), rng=0).shape == (4, 5, 3)
    assert P.Normal().sample(rng=0).shape == (1,)


def test_a_generator_advances_between_calls():
    rng = np.random.default_rng(3)
    assert not np.array_equal(P.Gamma(2.0).sample(10, rng), P.Gamma(2.0).sample(10, rng))


@pytest.mark.parametrize(
    ("n", "rng", "error", "message"),
    [
        (-1, 0, ValueError, "n must be a non-negative int"),
        (2.5, 0, ValueError, "n must be a non-negative int"),
        (3, "seed", TypeError, "rng must be a numpy.random.Generator, an int seed or None"),
        (3, -4, ValueError, "rng must be a non-negative seed"),
    ],
)
def test_bad_sample_arguments(n, rng, error, message):
    with pytest.raises(error, match=message):
        P.Normal().sample(n, rng=rng)
