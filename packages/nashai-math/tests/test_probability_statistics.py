"""Descriptive statistics against NumPy, bootstrap intervals against scipy.stats.bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

from nashai.math import probability as P

RNG = np.random.default_rng(5)
MATRIX = RNG.normal(size=(6, 7, 5)) * 3 + 1e3  # an offset that would hurt a one-pass variance


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("ddof", [0, 1])
def test_mean_var_std_match_numpy(axis, ddof):
    np.testing.assert_allclose(P.mean(MATRIX, axis=axis), np.mean(MATRIX, axis=axis), rtol=1e-14)
    np.testing.assert_allclose(
        P.var(MATRIX, axis=axis, ddof=ddof), np.var(MATRIX, axis=axis, ddof=ddof), rtol=1e-12
    )
    np.testing.assert_allclose(
        P.std(MATRIX, axis=axis, ddof=ddof), np.std(MATRIX, axis=axis, ddof=ddof), rtol=1e-12
    )


@pytest.mark.parametrize("rowvar", [True, False])
@pytest.mark.parametrize("ddof", [0, 1, 2])
def test_cov_and_corrcoef_match_numpy(rowvar, ddof):
    m = RNG.normal(size=(4, 30)) @ RNG.normal(size=(30, 30))
    m = m if rowvar else m.T
    np.testing.assert_allclose(
        P.cov(m, rowvar=rowvar, ddof=ddof), np.cov(m, rowvar=rowvar, ddof=ddof), rtol=1e-12
    )
    np.testing.assert_allclose(
        P.corrcoef(m, rowvar=rowvar), np.corrcoef(m, rowvar=rowvar), rtol=1e-12
    )


def test_cov_of_one_variable_is_a_scalar_like_numpy():
    x = RNG.normal(size=20)
    assert P.cov(x).shape == np.cov(x).shape == ()
    np.testing.assert_allclose(P.cov(x), np.cov(x), rtol=1e-13)


@pytest.mark.parametrize("n", [1, 2, 7, 10])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_quantile_percentile_median_match_numpy(n, axis):
    a = RNG.normal(size=(n, 4))
    a[0, 0] = a[-1, 0]  # ties
    q = [0.0, 0.1, 0.25, 0.5, 0.6, 0.95, 1.0]
    np.testing.assert_allclose(
        P.quantile(a, q, axis=axis), np.quantile(a, q, axis=axis), rtol=1e-14
    )
    np.testing.assert_allclose(
        P.quantile(a, 0.3, axis=axis), np.quantile(a, 0.3, axis=axis), rtol=1e-14
    )
    np.testing.assert_allclose(
        P.percentile(a, [5, 50, 99], axis=axis),
        np.percentile(a, [5, 50, 99], axis=axis),
        rtol=1e-14,
    )
    np.testing.assert_allclose(P.median(a, axis=axis), np.median(a, axis=axis), rtol=1e-14)


def test_quantile_shapes_follow_numpy():
    a = RNG.normal(size=(3, 4, 5))
    q = np.array([[0.1, 0.2], [0.3, 0.9]])
    assert P.quantile(a, q, axis=1).shape == np.quantile(a, q, axis=1).shape == (2, 2, 3, 5)
    assert isinstance(P.median([3.0, 1.0, 2.0]), float)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: P.var([1.0, 2.0], ddof=2), r"ddof must be in \[0, 1\]"),
        (lambda: P.mean([]), "a must not be empty"),
        (lambda: P.quantile([1.0, 2.0], 1.5), r"q must lie in \[0, 1\]"),
        (lambda: P.median([1.0, np.nan]), "a contains NaN"),
        (lambda: P.mean(np.ones((2, 2)), axis=2), "axis 2 is out of range"),
        (lambda: P.cov(np.ones((2, 2, 2))), "m must be 1-D or 2-D"),
    ],
)
def test_statistics_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


DATA = np.random.default_rng(42).gamma(2.0, 1.5, size=60)  # skewed, so the methods differ


@pytest.mark.parametrize("method", ["percentile", "basic", "bca"])
def test_bootstrap_ci_matches_scipy(method):
    ours = P.bootstrap_ci(DATA, np.mean, n_resamples=20_000, method=method, rng=1)
    reference = st.bootstrap(
        (DATA,), np.mean, n_resamples=20_000, method=method, random_state=2
    ).confidence_interval
    # both are Monte Carlo estimates of the same quantiles; with B = 20 000 each endpoint's
    # spread is ~2% of the bootstrap standard error
    bootstrap_se = DATA.std(ddof=1) / np.sqrt(DATA.size)
    np.testing.assert_allclose(ours, [reference.low, reference.high], atol=0.1 * bootstrap_se)


def test_bootstrap_percentile_intervals_nest_inside_the_data_range():
    # percentile endpoints are medians of resamples, so they lie within the data; a lower level
    # gives a narrower interval from the same replicates
    low, high = P.bootstrap_ci(DATA, np.median, n_resamples=2000, rng=3)
    assert DATA.min() <= low < np.median(DATA) < high <= DATA.max()
    narrow = P.bootstrap_ci(DATA, np.median, n_resamples=2000, confidence_level=0.5, rng=3)
    assert low < narrow.low < narrow.high < high


def test_bootstrap_resamples_rows_of_paired_data():
    x = np.random.default_rng(0).normal(size=200)
    pairs = np.column_stack([x, 2 * x + np.random.default_rng(1).normal(scale=0.1, size=200)])

    def correlation(sample):
        return np.corrcoef(sample[:, 0], sample[:, 1])[0, 1]

    low, high = P.bootstrap_ci(pairs, correlation, n_resamples=2000, rng=4)
    assert 0.99 < low < correlation(pairs) < high <= 1.0


def test_bootstrap_is_reproducible():
    first = P.bootstrap_ci(DATA, np.mean, n_resamples=500, method="bca", rng=9)
    assert first == P.bootstrap_ci(DATA, np.mean, n_resamples=500, method="bca", rng=9)


def test_bootstrap_rejects_bad_arguments():
    with pytest.raises(ValueError, match="method must be"):
        P.bootstrap_ci(DATA, np.mean, method="studentized")
    with pytest.raises(ValueError, match="confidence_level must lie in"):
        P.bootstrap_ci(DATA, np.mean, confidence_level=1.0)
