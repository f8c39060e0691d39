"""Densities, cdfs, moments and entropies of nashai.math.probability's distributions against
scipy.stats over parameter grids that include edge values; parameter validation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

from nashai.math import probability as P

RTOL = 1e-10
LEVELS = np.array([1e-10, 1e-4, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.9999, 1 - 1e-10])

CONTINUOUS = [
    (P.Normal(), st.norm()),
    (P.Normal(-3.5, 0.01), st.norm(-3.5, 0.01)),
    (P.Normal(1e3, 1e4), st.norm(1e3, 1e4)),
    (P.Exponential(1.0), st.expon()),
    (P.Exponential(1e-3), st.expon(scale=1e3)),
    (P.Exponential(50.0), st.expon(scale=1 / 50)),
    (P.Uniform(), st.uniform()),
    (P.Uniform(-2.5, 7.0), st.uniform(-2.5, 9.5)),
    (P.Uniform(1e-3, 2e-3), st.uniform(1e-3, 1e-3)),
    *[
        (P.Gamma(shape, rate), st.gamma(shape, scale=1 / rate))
        for shape in (0.05, 0.5, 1.0, 2.5, 30.0, 1e3)
        for rate in (0.1, 25.0)
    ],
    *[
        (P.Beta(a, b), st.beta(a, b))
        for a, b in [
            (0.05, 0.05),
            (0.5, 0.5),
            (1.0, 1.0),
            (2.0, 5.0),
            (0.3, 40.0),
            (1.0, 3.0),
            (3.0, 1.0),
            (100.0, 250.0),
        ]
    ],
    *[
        (P.StudentT(df, loc, scale), st.t(df, loc, scale))
        for df, loc, scale in [
            (0.5, 0.0, 1.0),
            (1.0, 2.0, 3.0),
            (2.5, -1.0, 0.5),
            (10.0, 0.0, 1.0),
            (300.0, 5.0, 2.0),
        ]
    ],
]


def case_id(case) -> str:
    return repr(case[0])


def assert_close(actual, expected, rtol=RTOL, atol=0.0):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def support_points(reference) -> np.ndarray:
    """Quantiles from 1e-10 to 1 - 1e-10, the support's ends, and points outside it."""
    low, high = reference.support()
    inside = reference.ppf(LEVELS)
    ends = [v for v in (low, high) if np.isfinite(v)]
    outside = [low - 1.0] if np.isfinite(low) else []
    outside += [high + 1.0] if np.isfinite(high) else []
    return np.concatenate([inside, ends, outside])


@pytest.mark.parametrize("case", CONTINUOUS, ids=case_id)
def test_continuous_logpdf_pdf_cdf_match_scipy(case):
    ours, reference = case
    x = support_points(reference)
    with np.errstate(divide="ignore"):
        expected_logpdf = reference.logpdf(x)
    # logpdf passes through zero for some parameters: compare it absolutely there
    assert_close(ours.logpdf(x), expected_logpdf, atol=1e-12)
    assert_close(ours.pdf(x), reference.pdf(x))
    assert_close(ours.cdf(x), reference.cdf(x))


@pytest.mark.parametrize("case", CONTINUOUS, ids=case_id)
def test_continuous_mean_var_entropy_match_scipy(case):
    ours, reference = case
    if isinstance(ours, P.StudentT) and ours.df <= 1:
        assert np.isnan(ours.mean)  # undefined; scipy reports inf
    else:
        assert_close(ours.mean, reference.mean())
    assert_close(ours.var, reference.var())
    assert_close(ours.entropy(), reference.entropy(), atol=1e-13)


def test_densities_keep_the_shape_of_their_input():
    x = np.linspace(-2, 2, 24).reshape(2, 3, 4)
    for dist in (P.Normal(), P.Gamma(2.0), P.Beta(2.0, 3.0), P.StudentT(3.0)):
        assert dist.logpdf(x).shape == (2, 3, 4)
        assert dist.cdf(x).shape == (2, 3, 4)
    assert isinstance(P.Normal().pdf(0.3), float)
    assert np.isnan(P.Normal().cdf(np.nan)) and np.isnan(P.Gamma(2.0).logpdf(np.nan))


def test_student_t_with_huge_df_is_the_normal():
    x = np.linspace(-5, 5, 11)
    assert_close(P.StudentT(1e12).logpdf(x), st.norm.logpdf(x), rtol=1e-10)
    assert_close(P.StudentT(1e12).entropy(), st.norm.entropy(), rtol=1e-10)
    # and for large but finite df, the entropy to scipy's precision
    assert_close(P.StudentT(1e5).entropy(), st.t(1e5).entropy(), rtol=1e-10)


def test_gamma_density_at_zero_follows_the_shape():
    assert P.Gamma(0.5, 2.0).pdf(0.0) == np.inf
    assert P.Gamma(1.0, 2.0).pdf(0.0) == 2.0
    assert P.Gamma(3.0, 2.0).pdf(0.0) == 0.0


DISCRETE = [
    (P.Bernoulli(0.0), st.bernoulli(0.0)),
    (P.Bernoulli(0.3), st.bernoulli(0.3)),
    (P.Bernoulli(1.0), st.bernoulli(1.0)),
    *[
        (P.Binomial(n, p), st.binom(n, p))
        for n, p in [
            (0, 0.5),
            (1, 0.3),
            (10, 0.0),
            (10, 1.0),
            (20, 0.3),
            (100, 0.01),
            (1000, 0.6),
            (500, 0.999),
        ]
    ],
    *[(P.Poisson(rate), st.poisson(rate)) for rate in (0.0, 1e-3, 0.5, 4.5, 37.0, 1e3)],
    (
        P.Categorical([0.2, 0.5, 0.3]),
        st.rv_discrete(values=(np.arange(3), [0.2, 0.5, 0.3])),
    ),
    (
        P.Categorical([0.0, 0.25, 0.0, 0.75]),
        st.rv_discrete(values=(np.arange(4), [0.0, 0.25, 0.0, 0.75])),
    ),
]


def integer_points(reference) -> np.ndarray:
    """Every integer from below the support to past its 1 - 1e-10 quantile (at most ~300 of
    them), plus non-integers."""
    low = reference.ppf(1e-10)
    high = reference.ppf(1 - 1e-10)
    k = np.unique(np.linspace(low - 2, high + 2, 300).round())
    return np.concatenate([k, [0.5, low + 0.25, -0.5, high + 1.5]])


@pytest.mark.parametrize("case", DISCRETE, ids=case_id)
def test_discrete_logpmf_pmf_cdf_match_scipy(case):
    ours, reference = case
    k = integer_points(reference)
    with np.errstate(divide="ignore"):
        expected_logpmf = reference.logpmf(k)
    assert_close(ours.logpmf(k), expected_logpmf, atol=1e-12)
    assert_close(ours.pmf(k), reference.pmf(k))
    assert_close(ours.cdf(k), reference.cdf(k))


@pytest.mark.parametrize("case", DISCRETE, ids=case_id)
def test_discrete_mean_var_entropy_match_scipy(case):
    ours, reference = case
    assert_close(ours.mean, reference.mean())
    assert_close(ours.var, reference.var(), atol=1e-15)
    assert_close(ours.entropy(), reference.entropy(), atol=1e-13)


def test_poisson_pmf_is_accurate_for_huge_rates():
    # ln P(k) = k ln λ - λ - ln k! cancels badly at λ = 1e9; check the pmf sums to 1 and the
    # mode's mass is 1/√(2πλ)(1 - 1/(12λ) + ...) as Stirling predicts
    rate = 1e9
    k = np.arange(rate - 2e5, rate + 2e5)
    assert_close(P.Poisson(rate).pmf(k).sum(), 1.0, rtol=1e-9)
    assert_close(P.Poisson(rate).pmf(rate), 1 / np.sqrt(2 * np.pi * rate) * (1 - 1 / (12 * rate)))


def test_multivariate_normal_matches_scipy():
    mean = np.array([1.0, -2.0, 0.5])
    a = np.array([[2.0, 0.3, -0.4], [0.3, 1.0, 0.2], [-0.4, 0.2, 0.5]])
    cov = a @ a.T + 0.1 * np.eye(3)
    ours, reference = P.MultivariateNormal(mean, cov), st.multivariate_normal(mean, cov)
    x = np.random.default_rng(0).normal(size=(4, 5, 3)) * 3
    assert_close(ours.logpdf(x), reference.logpdf(x))
    assert_close(ours.pdf(x[0, 0]), reference.pdf(x[0, 0]))
    assert ours.logpdf(x).shape == (4, 5)
    assert_close(ours.entropy(), reference.entropy())
    assert_close(ours.mean, mean)
    assert_close(ours.var, np.diag(cov))


def test_multivariate_normal_in_one_dimension_is_the_normal():
    x = np.linspace(-3, 3, 7)[:, None]
    assert_close(P.MultivariateNormal([0.5], [[4.0]]).logpdf(x), st.norm(0.5, 2).logpdf(x[:, 0]))


@pytest.mark.parametrize(
    "alpha", [[1.0, 1.0, 1.0], [0.3, 2.0, 5.5, 0.9], [50.0, 0.05], [400.0, 3.0]]
)
def test_dirichlet_matches_scipy(alpha):
    alpha = np.array(alpha)
    ours, reference = P.Dirichlet(alpha), st.dirichlet(alpha)
    x = np.random.default_rng(1).dirichlet(alpha + 0.5, size=20)
    x = x / x.sum(axis=1, keepdims=True)
    assert_close(ours.logpdf(x), reference.logpdf(x.T), atol=1e-12)
    assert_close(ours.pdf(x), reference.pdf(x.T))
    assert_close(ours.entropy(), reference.entropy(), atol=1e-13)
    assert_close(ours.mean, reference.mean())
    assert_close(ours.var, reference.var())


def test_dirichlet_is_zero_off_the_simplex():
    d = P.Dirichlet([2.0, 3.0, 4.0])
    assert d.pdf([0.5, 0.6, 0.1]) == 0.0
    assert d.pdf([-0.1, 0.6, 0.5]) == 0.0
    assert d.pdf([0.2, 0.3, 0.5]) > 0.0


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: P.Normal(0.0, 0.0), "scale must be positive"),
        (lambda: P.Normal(np.nan, 1.0), "loc must be finite"),
        (lambda: P.Normal("a", 1.0), "loc must be a real number"),
        (lambda: P.Exponential(-1.0), "rate must be positive"),
        (lambda: P.Uniform(2.0, 1.0), "high must exceed low"),
        (lambda: P.Gamma(0.0), "shape must be positive"),
        (lambda: P.Gamma(1.0, -2.0), "rate must be positive"),
        (lambda: P.Beta(1.0, 0.0), "beta must be positive"),
        (lambda: P.StudentT(-1.0), "df must be positive"),
        (lambda: P.Bernoulli(1.5), r"p must lie in \[0, 1\]"),
        (lambda: P.Binomial(2.5, 0.5), "n must be a non-negative integer"),
        (lambda: P.Binomial(-1, 0.5), "n must be a non-negative integer"),
        (lambda: P.Poisson(-0.1), "rate must be non-negative"),
        (lambda: P.Categorical([0.5, 0.6]), "probs must sum to 1"),
        (lambda: P.Categorical([1.5, -0.5]), "probs must be finite and non-negative"),
        (lambda: P.Categorical([[1.0]]), "probs must be a non-empty 1-D array"),
        (lambda: P.Dirichlet([1.0, 0.0]), "alpha must be positive"),
        (lambda: P.MultivariateNormal([0.0, 0.0], np.eye(3)), r"cov must be a \(2, 2\) matrix"),
        (lambda: P.MultivariateNormal([0.0], [[1.0, 2.0]]), "cov must be"),
        (lambda: P.MultivariateNormal([0, 0], [[1.0, 0.5], [0.4, 1.0]]), "cov must be symmetric"),
        (
            lambda: P.MultivariateNormal([0, 0], [[1.0, 2.0], [2.0, 1.0]]),
            "cov must be positive definite",
        ),
    ],
)
def test_invalid_parameters_raise_clear_errors(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


def test_multivariate_points_must_match_the_dimension():
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 3\)"):
        P.Dirichlet([1.0, 2.0, 3.0]).logpdf([0.5, 0.5])


def test_repr_names_the_parameters():
    assert repr(P.Gamma(2.0, 3.0)) == "Gamma(shape=2.0, rate=3.0)"
    assert repr(P.Binomial(10, 0.25)) == "Binomial(n=10, p=0.25)"
