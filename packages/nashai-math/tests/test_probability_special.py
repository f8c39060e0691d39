"""nashai.math.probability.special against scipy.special, plus identities where scipy is the less
accurate of the two (the incomplete gamma for shapes around 1e6)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sc

from nashai.math.probability import special

POSITIVE = np.concatenate(
    [np.logspace(-300, -1, 25), np.linspace(0.01, 30, 1500), np.logspace(1.5, 250, 40)]
)


def assert_close(actual, expected, rtol=1e-13, atol=0.0):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize(
    ("ours", "reference", "rtol", "atol"),
    [
        # absolute tolerance near the zeros of lnΓ (x = 1, 2) and ψ (x ≈ 1.4616)
        (special.gammaln, sc.gammaln, 2e-15, 4e-15),
        (special.digamma, sc.digamma, 1e-14, 2e-15),
        (special.trigamma, lambda x: sc.polygamma(1, x), 2e-15, 0.0),
    ],
    ids=["gammaln", "digamma", "trigamma"],
)
def test_gamma_family_matches_scipy(ours, reference, rtol, atol):
    with np.errstate(over="ignore"):
        expected = reference(POSITIVE)
    assert_close(ours(POSITIVE), expected, rtol=rtol, atol=atol)


def test_gamma_family_outside_domain_is_nan_or_inf():
    assert np.isnan(special.gammaln(-1.5))
    assert special.gammaln(0.0) == np.inf
    assert np.isnan(special.digamma(0.0)) and np.isnan(special.trigamma(-2.0))


def test_betaln_matches_scipy():
    a, b = np.meshgrid(np.logspace(-3, 4, 30), np.logspace(-3, 4, 30))
    # scipy itself drifts by up to ~4e-11 when one argument is small and the other huge
    assert_close(special.betaln(a, b), sc.betaln(a, b), rtol=1e-10, atol=1e-13)


def test_betaln_is_exact_where_a_tiny_and_a_huge_argument_meet():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    for a, b in [(1e-3, 1e4), (0.0021, 8111.3), (5700.0, 0.1486), (0.5, 1e12), (30.0, 45.0)]:
        expected = float(mpmath.log(mpmath.beta(a, b)))
        assert_close(special.betaln(a, b), expected, rtol=2e-15)


def test_erf_erfc_ndtr_match_scipy_into_the_far_tails():
    x = np.linspace(-26, 26, 10_001)
    assert_close(special.erf(x), sc.erf(x), rtol=1e-15, atol=1e-16)
    assert_close(special.erfc(x), sc.erfc(x), rtol=2e-13)
    # rounding z/√2 costs up to ~z²·ε ≈ 1.5e-13 at z = -37, in scipy as here
    z = np.linspace(-37, 37, 10_001)
    assert_close(special.ndtr(z), sc.ndtr(z), rtol=3e-13)


def test_ndtri_inverts_ndtr_to_machine_precision():
    p = np.concatenate([np.logspace(-300, -1, 200), np.linspace(0.01, 0.99, 197), [0.5]])
    p = np.concatenate([p, 1 - np.logspace(-15, -1, 50)])
    assert_close(special.ndtri(p), sc.ndtri(p), rtol=1e-13, atol=1e-15)
    assert special.ndtri(0.0) == -np.inf and special.ndtri(1.0) == np.inf
    assert np.isnan(special.ndtri(1.5))


SHAPES = np.array([1e-3, 0.05, 0.5, 1.0, 1.5, 3.0, 10.0, 30.5, 100.0, 1e3, 1e4])
FRACTIONS = np.array([0.0, 1e-3, 0.1, 0.5, 0.9, 0.99, 1.0, 1.01, 1.1, 2.0, 5.0, 20.0])


@pytest.mark.parametrize("offset", [0.0, 0.5, 3.0])
def test_incomplete_gamma_matches_scipy(offset):
    a = SHAPES[:, None]
    x = a * FRACTIONS[None, :] + offset
    lower, upper = special.gammainc(a, x), special.gammaincc(a, x)
    # compare where the value is representable; both sides underflow together below that
    keep = sc.gammainc(a, x) > 1e-280
    assert_close(lower[keep], sc.gammainc(a, x)[keep], rtol=1e-12)
    keep = sc.gammaincc(a, x) > 1e-280
    assert_close(upper[keep], sc.gammaincc(a, x)[keep], rtol=1e-12)


def test_incomplete_gamma_for_huge_shapes_obeys_the_recurrence():
    # scipy loses ~1e-10 here; check P(a, x) - P(a + 1, x) = x^a e^-x / Γ(a + 1) near x = a, where
    # the difference is not much smaller than P, against a 40-digit value of the right side
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    a = 1e6
    x = np.array([0.999e6, 1e6, 1.001e6])
    difference = special.gammainc(a, x) - special.gammainc(a + 1, x)
    expected = [
        float(mpmath.exp(a * mpmath.log(v) - v - mpmath.loggamma(a + 1))) for v in x.tolist()
    ]
    assert_close(difference, expected, rtol=1e-11)
    assert_close(special.gammainc(a, x), sc.gammainc(a, x), rtol=1e-8)


def test_incomplete_gamma_edges():
    assert special.gammainc(2.0, 0.0) == 0.0 and special.gammaincc(2.0, 0.0) == 1.0
    assert special.gammainc(2.0, np.inf) == 1.0 and special.gammaincc(2.0, np.inf) == 0.0
    assert np.isnan(special.gammainc(-1.0, 1.0)) and np.isnan(special.gammainc(1.0, -1.0))


def test_incomplete_beta_matches_scipy_on_a_random_grid():
    rng = np.random.default_rng(0)
    a = np.exp(rng.uniform(np.log(1e-2), np.log(1e4), 3000))
    b = np.exp(rng.uniform(np.log(1e-2), np.log(1e4), 3000))
    x = rng.uniform(0, 1, 3000)
    expected = sc.betainc(a, b, x)
    keep = expected > 1e-280
    assert_close(special.betainc(a, b, x)[keep], expected[keep], rtol=1e-11)


@pytest.mark.parametrize("a", [0.05, 0.5, 1.0, 2.0, 10.0, 100.0, 1000.0])
@pytest.mark.parametrize("b", [0.05, 0.5, 1.0, 7.0, 300.0])
def test_incomplete_beta_on_a_parameter_grid(a, b):
    x = np.concatenate([[0.0, 1e-12], np.linspace(0.01, 0.99, 99), [1.0]])
    expected = sc.betainc(a, b, x)
    ours = special.betainc(a, b, x)
    keep = (expected > 1e-280) | (x == 0)
    assert_close(ours[keep], expected[keep], rtol=1e-11)
    assert np.all(ours[~keep] < 1e-280)  # scipy flushes these to 0, we return subnormals


def test_incomplete_beta_closed_forms_near_one():
    # I_x(1/2, 1/2) = (2/π) arcsin √x ; I_x(a, 1) = x^a ; I_x(1, b) = 1 - (1 - x)^b
    x = np.array([1e-300, 1e-12, 1e-6, 0.3, 0.5, 0.9, 1 - 1e-6, 1 - 1e-12])
    # arcsin is ill-conditioned near 1, so above 1/2 use 1 - (2/π) arcsin √(1 - x) (1 - x is exact)
    arcsine = np.where(
        x < 0.5, 2 / np.pi * np.arcsin(np.sqrt(x)), 1 - 2 / np.pi * np.arcsin(np.sqrt(1 - x))
    )
    assert_close(special.betainc(0.5, 0.5, x), arcsine, rtol=1e-14)
    assert_close(special.betainc(2.5, 1.0, x), x**2.5, rtol=1e-13)
    assert_close(special.betainc(1.0, 3.5, x), -np.expm1(3.5 * np.log1p(-x)), rtol=1e-13)


def test_xlogy_conventions():
    assert special.xlogy(0.0, 0.0) == 0.0
    assert special.xlogy(2.0, 0.0) == -np.inf
    assert_close(special.xlog1py([0.0, 3.0], [-1.0, 1e-20]), [0.0, 3e-20])
