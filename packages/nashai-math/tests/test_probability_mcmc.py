"""Metropolis–Hastings: recovers the mean and covariance of known targets within Monte Carlo
error (estimated by batch means), honours burn-in and thinning, and is reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from nashai.math import probability as P


def batch_means_se(chain: np.ndarray, n_batches: int = 50) -> np.ndarray:
    """Standard error of a chain's mean from the spread of the means of consecutive batches,
    which accounts for autocorrelation when the batches are long."""
    batches = chain[: chain.shape[0] // n_batches * n_batches].reshape(
        n_batches, -1, *chain.shape[1:]
    )
    return batches.mean(axis=1).std(axis=0, ddof=1) / np.sqrt(n_batches)


def test_recovers_a_one_dimensional_normal():
    mu, sigma = 3.0, 2.0

    def log_prob(x):
        return -0.5 * ((x - mu) / sigma) ** 2

    samples, rate = P.metropolis_hastings(
        log_prob, x0=0.0, n_samples=20_000, proposal_scale=2.4 * sigma, rng=0, burn_in=500
    )
    assert samples.shape == (20_000,)
    assert 0.3 < rate < 0.6  # the classic ~0.44 for a 1-D Gaussian random walk at 2.4σ
    assert abs(samples.mean() - mu) < 5 * batch_means_se(samples)
    assert abs(samples.var() - sigma**2) < 5 * batch_means_se((samples - mu) ** 2)


def test_recovers_a_correlated_two_dimensional_normal():
    mean = np.array([1.0, -1.0])
    cov = np.array([[1.0, 0.8], [0.8, 2.0]])
    precision = np.linalg.inv(cov)

    def log_prob(x):
        d = x - mean
        return -0.5 * d @ precision @ d

    samples, rate = P.metropolis_hastings(
        log_prob, x0=np.zeros(2), n_samples=20_000, proposal_scale=[1.0, 1.4], rng=1, burn_in=1000
    )
    assert samples.shape == (20_000, 2)
    assert 0.1 < rate < 0.7
    assert np.all(np.abs(samples.mean(axis=0) - mean) < 5 * batch_means_se(samples))
    centred = samples - mean
    products = np.stack([centred[:, 0] ** 2, centred[:, 0] * centred[:, 1], centred[:, 1] ** 2], 1)
    expected = np.array([cov[0, 0], cov[0, 1], cov[1, 1]])
    assert np.all(np.abs(products.mean(axis=0) - expected) < 5 * batch_means_se(products))


def test_asymmetric_proposal_with_hastings_correction():
    # an independence sampler proposing from N(0, 3²) targets N(1, 1); without the q ratio the
    # chain would converge to the wrong law (the product of target and proposal densities)
    def proposal(x, rng):
        y = 3.0 * P.samplers.standard_normal(1, rng)[0]
        log_q_ratio = -0.5 * (x / 3) ** 2 + 0.5 * (y / 3) ** 2  # log q(x) - log q(y)
        return y, log_q_ratio

    samples, rate = P.metropolis_hastings(
        lambda x: -0.5 * (x - 1.0) ** 2, x0=0.0, n_samples=20_000, rng=2, proposal=proposal
    )
    assert 0.2 < rate < 0.6
    assert abs(samples.mean() - 1.0) < 5 * batch_means_se(samples)
    assert abs(samples.var() - 1.0) < 5 * batch_means_se((samples - 1.0) ** 2)


def test_burn_in_and_thinning_select_the_right_states():
    # a flat target accepts every proposal, so the chain is x0 plus the cumulative steps
    def flat(x):
        return 0.0

    full, rate = P.metropolis_hastings(flat, x0=0.0, n_samples=30, rng=3)
    assert rate == 1.0
    thinned, _ = P.metropolis_hastings(flat, x0=0.0, n_samples=10, rng=3, burn_in=0, thin=3)
    np.testing.assert_array_equal(thinned, full[2::3])
    burnt, _ = P.metropolis_hastings(flat, x0=0.0, n_samples=20, rng=3, burn_in=10)
    np.testing.assert_array_equal(burnt, full[10:])


def test_same_seed_same_chain():
    def log_prob(x):
        return -np.sum(x**4)

    first = P.metropolis_hastings(log_prob, x0=[0.5, 0.5], n_samples=300, rng=11)
    second = P.metropolis_hastings(log_prob, x0=[0.5, 0.5], n_samples=300, rng=11)
    np.testing.assert_array_equal(first[0], second[0])
    assert first[1] == second[1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_samples": 0}, "n_samples must be an integer ≥ 1"),
        ({"thin": 0}, "thin must be an integer ≥ 1"),
        ({"burn_in": -1}, "burn_in must be an integer ≥ 0"),
        ({"proposal_scale": -1.0}, "proposal_scale must be a positive"),
        ({"proposal_scale": [1.0, 2.0, 3.0]}, "proposal_scale must be a positive"),
        ({"x0": [5.0, 0.0]}, r"log_prob\(x0\) must be finite"),
    ],
)
def test_bad_arguments(kwargs, message):
    def log_prob(x):
        return 0.0 if x[0] < 1 else -np.inf

    arguments = {"x0": [0.0, 0.0], "n_samples": 10, "rng": 0} | kwargs
    with pytest.raises(ValueError, match=message):
        P.metropolis_hastings(log_prob, **arguments)
