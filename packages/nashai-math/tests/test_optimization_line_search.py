"""Line searches and 1-D minimisation: the conditions they promise, checked on real functions."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

from nashai.math.optimization import (
    backtracking_line_search,
    bracket_minimum,
    golden_section_search,
    strong_wolfe_line_search,
)
from nashai.math.optimization.line_search import cubic_minimizer


def rosen_value_and_grad(x):
    return scipy.optimize.rosen(x), scipy.optimize.rosen_der(x)


def random_start_points(n_points: int, dim: int, seed: int):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-2, 2, dim) for _ in range(n_points)]


@pytest.mark.parametrize("c2", [0.9, 0.1])
@pytest.mark.parametrize("alpha0", [1e-4, 1.0, 30.0])
@pytest.mark.parametrize("x", random_start_points(8, 4, seed=0), ids=lambda _: "x")
def test_strong_wolfe_step_satisfies_both_conditions(x, alpha0, c2):
    c1 = 1e-4
    f0, g0 = rosen_value_and_grad(x)
    p = -g0 / np.sqrt(g0 @ g0)
    result = strong_wolfe_line_search(rosen_value_and_grad, x, p, f0, g0, alpha0, c1=c1, c2=c2)
    assert result.alpha is not None and result.alpha > 0
    f, g = rosen_value_and_grad(x + result.alpha * p)
    assert result.fun == f
    np.testing.assert_array_equal(result.jac, g)
    assert f <= f0 + c1 * result.alpha * (g0 @ p)
    assert abs(g @ p) <= c2 * abs(g0 @ p)
    # scipy's implementation of the same conditions also finds such a step here
    assert (
        scipy.optimize.line_search(
            scipy.optimize.rosen, scipy.optimize.rosen_der, x, p, g0, f0, c1=c1, c2=c2
        )[0]
        is not None
    )


def test_strong_wolfe_is_exact_on_a_quadratic_after_one_interpolation():
    # φ(α) is a quadratic, so the cubic through φ, φ' at 0 and at the overshoot α0 = 0.02 is φ
    # itself and its minimiser, α* = −gᵀp / pᵀA p ≈ 0.0149, is the next trial: it meets any c2.
    A = np.diag([1.0, 10.0, 100.0])
    b = np.array([1.0, -2.0, 3.0])
    value_and_grad = lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b)  # noqa: E731
    x = np.zeros(3)
    f0, g0 = value_and_grad(x)
    p = -g0
    result = strong_wolfe_line_search(value_and_grad, x, p, f0, g0, alpha0=0.02, c2=1e-3)
    assert result.alpha == pytest.approx((g0 @ g0) / (p @ A @ p), rel=1e-12)
    assert result.nfev == 2


def test_approximate_wolfe_works_where_f_has_run_out_of_digits():
    # A huge constant offset makes every decrease smaller than the rounding of f: the textbook
    # test cannot accept anything, the slope-based (Hager-Zhang) test still finds the minimiser.
    A = np.diag([1.0, 4.0])
    value_and_grad = lambda x: (1e12 + 0.5 * x @ A @ x, A @ x)  # noqa: E731
    x = np.array([1e-3, -2e-3])
    f0, g0 = value_and_grad(x)
    p = -g0
    plain = strong_wolfe_line_search(value_and_grad, x, p, f0, g0, approx_tol=0.0)
    assert plain.alpha is None
    approximate = strong_wolfe_line_search(value_and_grad, x, p, f0, g0, c2=0.1)
    assert approximate.alpha is not None
    exact = (g0 @ g0) / (p @ A @ p)
    assert abs(approximate.jac @ p) <= 0.1 * abs(g0 @ p)
    assert approximate.alpha == pytest.approx(exact, rel=0.2)


def test_strong_wolfe_rejects_an_ascent_direction():
    x = np.zeros(2)
    f0, g0 = rosen_value_and_grad(x)
    with pytest.raises(ValueError, match="descent direction"):
        strong_wolfe_line_search(rosen_value_and_grad, x, g0, f0, g0)
    with pytest.raises(ValueError, match="0 < c1 < c2 < 1"):
        strong_wolfe_line_search(rosen_value_and_grad, x, -g0, f0, g0, c1=0.5, c2=0.4)


def test_cubic_minimizer_recovers_the_minimum_of_a_cubic():
    # φ(α) = (α − 1)(α − 3)(α + 2) has its local minimum at the larger root of φ'.
    phi = lambda a: (a - 1) * (a - 3) * (a + 2)  # noqa: E731
    dphi = lambda a: 3 * a**2 - 4 * a - 5  # noqa: E731
    expected = (4 + np.sqrt(16 + 60)) / 6
    for a, b in [(0.0, 4.0), (4.0, 1.0), (-1.0, 2.5)]:
        assert cubic_minimizer(a, phi(a), dphi(a), b, phi(b), dphi(b)) == pytest.approx(
            expected, rel=1e-12
        )
    # a concave pair of points has no local minimum between them
    assert cubic_minimizer(0.0, 0.0, 1.0, 1.0, 0.0, -1.0) is None


def test_backtracking_returns_the_first_armijo_step_of_the_sequence():
    x = np.array([-1.2, 1.0])
    f0, g0 = rosen_value_and_grad(x)
    p = -g0
    c1, shrink = 1e-4, 0.5
    result = backtracking_line_search(scipy.optimize.rosen, x, p, f0, g0, c1=c1, shrink=shrink)

    def armijo(alpha):
        return scipy.optimize.rosen(x + alpha * p) <= f0 + c1 * alpha * (g0 @ p)

    assert armijo(result.alpha)
    assert not armijo(result.alpha / shrink)
    assert np.log2(result.alpha) == int(np.log2(result.alpha))  # a power of 1/2
    assert result.fun == scipy.optimize.rosen(x + result.alpha * p)


ONE_DIMENSIONAL = [
    (lambda t: (t - 2.0) ** 2 + np.sin(3 * t), 2.0),
    (lambda t: np.cosh(t - 0.3) + 0.1 * t, -5.0),
    (lambda t: t**4 - 3 * t**3 + 2, 10.0),
]


@pytest.mark.parametrize(("f", "start"), ONE_DIMENSIONAL)
def test_bracket_then_golden_section_agree_with_scipy(f, start):
    a, b, c = bracket_minimum(f, start, 0.5)
    assert a < b < c and f(b) <= f(a) and f(b) <= f(c)
    x, fx = golden_section_search(f, a, c, tol=1e-10)
    reference = scipy.optimize.minimize_scalar(f, bracket=(a, b, c), method="brent", tol=1e-12)
    assert x == pytest.approx(reference.x, abs=1e-7)
    assert fx == pytest.approx(reference.fun, abs=1e-13)
    assert fx == f(x)


def test_golden_section_shrinks_by_the_golden_ratio():
    evaluations = []

    def f(t):
        evaluations.append(t)
        return (t - 0.123) ** 2

    x, _ = golden_section_search(f, 0.0, 1.0, tol=1e-6)
    assert x == pytest.approx(0.123, abs=1e-6)
    # width after k evaluations: 0.618^(k−1); it stops once that is ≤ 1e-6, so ~30 evaluations
    assert len(evaluations) == pytest.approx(np.log(1e-6) / np.log(0.618) + 2, abs=2)


def test_bracket_minimum_refuses_a_function_unbounded_below():
    with pytest.raises(ValueError, match="kept decreasing"):
        bracket_minimum(lambda t: -t, 0.0, 1.0)
