"""Maximum-likelihood fits against scipy.stats' `fit` and the closed forms; for the iterative
ones, also the score equations at the returned parameters and the likelihood compared with
scipy's optimum."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as st

from nashai.math import probability as P

SEED = 11


def draws(reference, n=5000, seed=SEED):
    return reference.rvs(n, random_state=np.random.default_rng(seed))


def test_normal_fit_is_mean_and_biased_std():
    x = draws(st.norm(3.0, 0.7))
    fitted = P.Normal.fit(x)
    loc, scale = st.norm.fit(x)
    np.testing.assert_allclose([fitted.loc, fitted.scale], [loc, scale], rtol=1e-12)


def test_exponential_fit_is_inverse_mean():
    x = draws(st.expon(scale=0.25))
    _, scale = st.expon.fit(x, floc=0)
    np.testing.assert_allclose(P.Exponential.fit(x).rate, 1 / scale, rtol=1e-12)


def test_uniform_fit_is_the_sample_range():
    x = draws(st.uniform(-2.0, 5.0))
    loc, scale = st.uniform.fit(x)
    fitted = P.Uniform.fit(x)
    np.testing.assert_allclose([fitted.low, fitted.high], [loc, loc + scale], rtol=1e-12)


@pytest.mark.parametrize("shape", [0.15, 1.0, 4.5, 80.0])
def test_gamma_fit_matches_scipy(shape):
    x = draws(st.gamma(shape, scale=2.0))
    fitted = P.Gamma.fit(x)
    a, _, scale = st.gamma.fit(x, floc=0)  # scipy solves the same digamma equation
    np.testing.assert_allclose([fitted.shape, fitted.rate], [a, 1 / scale], rtol=1e-9)
    # the score equation ln k - ψ(k) = ln mean(x) - mean(ln x) holds to rounding
    s = np.log(x.mean()) - np.log(x).mean()
    np.testing.assert_allclose(np.log(fitted.shape) - sc.digamma(fitted.shape), s, rtol=1e-12)


@pytest.mark.parametrize(("a", "b"), [(0.3, 0.5), (2.0, 5.0), (40.0, 7.0), (1.0, 1.0)])
def test_beta_fit_matches_scipy_and_solves_the_score_equations(a, b):
    x = draws(st.beta(a, b))
    x = x[(x > 0) & (x < 1)]
    fitted = P.Beta.fit(x)
    a_ref, b_ref, _, _ = st.beta.fit(x, floc=0, fscale=1)
    np.testing.assert_allclose([fitted.alpha, fitted.beta], [a_ref, b_ref], rtol=1e-6)
    total = sc.digamma(fitted.alpha + fitted.beta)
    np.testing.assert_allclose(sc.digamma(fitted.alpha) - total, np.log(x).mean(), rtol=1e-12)
    np.testing.assert_allclose(sc.digamma(fitted.beta) - total, np.log1p(-x).mean(), rtol=1e-12)


def average_t_loglik(params, x):
    df, loc, scale = params
    return st.t(df, loc, scale).logpdf(x).mean()


@pytest.mark.parametrize(
    ("df", "loc", "scale"), [(1.5, 0.0, 1.0), (4.0, 1.0, 2.0), (15.0, -3.0, 0.5)]
)
def test_student_t_fit_reaches_the_likelihood_maximum(df, loc, scale):
    x = draws(st.t(df, loc, scale), n=3000)
    fitted = P.StudentT.fit(x)
    ours = np.array([fitted.df, fitted.loc, fitted.scale])
    reference = np.array(st.t.fit(x))  # a Nelder–Mead optimum, good to ~1e-4
    np.testing.assert_allclose(ours, reference, rtol=2e-3, atol=1e-3)
    assert average_t_loglik(ours, x) >= average_t_loglik(reference, x) - 1e-12
    # the gradient of the average log-likelihood vanishes (central differences)
    for i in range(3):
        step = np.zeros(3)
        step[i] = 1e-5 * ours[i]
        slope = (average_t_loglik(ours + step, x) - average_t_loglik(ours - step, x)) / (
            2 * step[i]
        )
        assert abs(slope * ours[i]) < 1e-7


def test_discrete_fits_are_the_closed_forms():
    rng = np.random.default_rng(SEED)
    coin = rng.random(1000) < 0.3
    assert P.Bernoulli.fit(coin.astype(int)).p == coin.mean()
    counts = st.binom(12, 0.4).rvs(1000, random_state=rng)
    fitted = P.Binomial.fit(counts, n=12)
    assert fitted.n == 12 and fitted.p == pytest.approx(counts.mean() / 12, rel=1e-15)
    events = st.poisson(3.7).rvs(1000, random_state=rng)
    assert P.Poisson.fit(events).rate == pytest.approx(events.mean(), rel=1e-15)
    labels = rng.integers(0, 5, 1000)
    np.testing.assert_allclose(P.Categorical.fit(labels).probs, np.bincount(labels) / 1000)
    assert P.Categorical.fit(np.array([0, 1, 1]), n_categories=4).probs.tolist() == pytest.approx(
        [1 / 3, 2 / 3, 0, 0]
    )


def test_multivariate_normal_fit_is_mean_and_biased_covariance():
    x = np.random.default_rng(SEED).normal(size=(500, 3)) @ np.array(
        [[1.0, 0.5, 0.0], [0.0, 2.0, 0.3], [0.0, 0.0, 0.7]]
    )
    fitted = P.MultivariateNormal.fit(x)
    np.testing.assert_allclose(fitted.mean, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(fitted.cov, np.cov(x, rowvar=False, bias=True), rtol=1e-12)


@pytest.mark.parametrize("alpha", [[0.4, 1.5, 3.0], [20.0, 5.0, 8.0, 0.7]])
def test_dirichlet_fit_solves_the_score_equations(alpha):
    alpha = np.array(alpha)
    x = np.random.default_rng(SEED).dirichlet(alpha, size=4000)
    x = x[np.all(x > 0, axis=1)]
    fitted = P.Dirichlet.fit(x).alpha
    # ψ(α_k) - ψ(α₀) = mean(ln x_k) at the maximum
    residual = sc.digamma(fitted) - sc.digamma(fitted.sum()) - np.log(x).mean(axis=0)
    np.testing.assert_allclose(residual, 0.0, atol=1e-12)
    np.testing.assert_allclose(fitted, alpha, rtol=0.1)  # and near the truth for 4000 draws


@pytest.mark.parametrize(
    ("fit", "message"),
    [
        (lambda: P.Normal.fit([]), "data must not be empty"),
        (lambda: P.Normal.fit([1.0, np.nan]), "data contains NaN or infinity"),
        (lambda: P.Normal.fit([[1.0, 2.0]]), "data must be a 1-D array"),
        (lambda: P.Normal.fit([2.0, 2.0]), "zero spread"),
        (lambda: P.Gamma.fit([1.0, -2.0]), "data must be positive"),
        (lambda: P.Beta.fit([0.5, 1.0]), r"strictly inside \(0, 1\)"),
        (lambda: P.Exponential.fit([0.0, 0.0]), "all zero"),
        (lambda: P.Bernoulli.fit([0, 2]), "only 0 and 1"),
        (lambda: P.Poisson.fit([1.5]), "non-negative integers"),
        (lambda: P.Binomial.fit([3, 9], n=5), "must not exceed n=5"),
        (lambda: P.Categorical.fit([0, 4], n_categories=3), "n_categories is 3"),
        (lambda: P.Dirichlet.fit([[0.2, 0.2]]), "sum to 1"),
    ],
)
def test_fit_rejects_bad_data(fit, message):
    with pytest.raises(ValueError, match=message):
        fit()
