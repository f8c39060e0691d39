"""Linear conjugate gradient and coordinate descent against numpy.linalg.solve and scipy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

from nashai.math.optimization import (
    conjugate_gradient,
    coordinate_descent,
    coordinate_descent_quadratic,
)


def spd_matrix(n: int, condition: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = (Q * np.logspace(0, np.log10(condition), n)) @ Q.T
    return 0.5 * (A + A.T)


@pytest.mark.parametrize(("n", "condition"), [(1, 1.0), (5, 10.0), (50, 1e3), (200, 1e5)])
def test_conjugate_gradient_matches_numpy_solve(n, condition):
    A = spd_matrix(n, condition, seed=n)
    b = np.random.default_rng(n + 1).standard_normal(n)
    result = conjugate_gradient(A, b, tol=1e-12, maxiter=20 * n)
    expected = np.linalg.solve(A, b)
    assert result.success, result.message
    # a backward-stable solve has error ≈ κ·eps·‖x‖
    np.testing.assert_allclose(
        result.x, expected, rtol=0, atol=condition * 1e-12 * np.abs(expected).max()
    )
    assert result.residual_norm == pytest.approx(np.sqrt(np.sum((b - A @ result.x) ** 2)))
    assert result.residual_norm <= 1e-11 * np.sqrt(b @ b)


def test_conjugate_gradient_terminates_in_as_many_steps_as_distinct_eigenvalues():
    # In exact arithmetic CG needs one step per distinct eigenvalue (N&W Theorem 5.4).
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((40, 40)))
    A = (Q * np.repeat([1.0, 2.0, 5.0], [20, 10, 10])) @ Q.T
    result = conjugate_gradient(A, rng.standard_normal(40), tol=1e-12)
    assert result.nit == 3


def test_conjugate_gradient_accepts_a_matvec_and_a_start_point():
    A = spd_matrix(30, 100.0, seed=3)
    b = np.ones(30)
    products = []

    def matvec(v):
        products.append(v)
        return A @ v

    x0 = np.linalg.solve(A, b) + 1e-3
    result = conjugate_gradient(matvec, b, x0=x0, tol=1e-12)
    np.testing.assert_allclose(result.x, np.linalg.solve(A, b), atol=1e-10)
    assert len(products) == result.nit + 2  # the first residual, one per step, the final check
    np.testing.assert_array_equal(x0, np.linalg.solve(A, b) + 1e-3)  # x0 untouched


def test_conjugate_gradient_reports_an_indefinite_matrix():
    A = np.diag([1.0, -1.0, 2.0])
    with pytest.raises(ValueError, match="symmetric positive definite"):
        conjugate_gradient(A, np.ones(3))


@pytest.mark.parametrize(
    ("A", "b", "x0", "message"),
    [
        (np.eye(3), np.ones((3, 1)), None, r"b must be a 1-D array"),
        (np.eye(2), np.ones(3), None, r"A must have shape \(3, 3\)"),
        (np.eye(3), np.ones(3), np.zeros(2), r"x0 must have shape \(3,\)"),
    ],
)
def test_conjugate_gradient_shape_errors(A, b, x0, message):
    with pytest.raises(ValueError, match=message):
        conjugate_gradient(A, b, x0=x0)


def test_coordinate_descent_on_a_quadratic_is_gauss_seidel_and_matches_solve():
    A = spd_matrix(20, 50.0, seed=5)
    b = np.random.default_rng(6).standard_normal(20)
    result = coordinate_descent_quadratic(A, b, tol=1e-12)
    expected = np.linalg.solve(A, b)
    assert result.success, result.message
    np.testing.assert_allclose(result.x, expected, atol=1e-10)
    assert result.fun == pytest.approx(0.5 * expected @ A @ expected - b @ expected, abs=1e-12)

    # one sweep equals one Gauss-Seidel step x ← (D + L)⁻¹ (b − U x)
    x0 = np.ones(20)
    one_sweep = coordinate_descent_quadratic(A, b, x0=x0, maxiter=1)
    lower = np.tril(A)
    gauss_seidel = np.linalg.solve(lower, b - (A - lower) @ x0)
    np.testing.assert_allclose(one_sweep.x, gauss_seidel, rtol=1e-12)
    assert one_sweep.nit == 1 and not one_sweep.success


def test_coordinate_descent_quadratic_rejects_non_spd_input():
    with pytest.raises(ValueError, match="symmetric"):
        coordinate_descent_quadratic(np.array([[2.0, 1.0], [0.0, 2.0]]), np.ones(2))
    with pytest.raises(ValueError, match="positive definite"):
        coordinate_descent_quadratic(np.diag([1.0, 0.0]), np.ones(2))


def test_generic_coordinate_descent_matches_scipy_on_a_smooth_convex_function():
    A = spd_matrix(6, 20.0, seed=7)
    b = np.random.default_rng(8).standard_normal(6)

    def f(x):
        return 0.5 * x @ A @ x - b @ x + 0.1 * np.sum(np.exp(x))

    result = coordinate_descent(f, np.zeros(6), tol=1e-8)
    reference = scipy.optimize.minimize(f, np.zeros(6), method="BFGS", options={"gtol": 1e-12})
    assert result.success, result.message
    np.testing.assert_allclose(result.x, reference.x, atol=1e-6)
    assert result.fun == pytest.approx(reference.fun, abs=1e-12)
    assert result.fun == f(result.x)


def test_generic_coordinate_descent_solves_a_separable_problem_in_one_sweep():
    # Each coordinate's minimiser does not depend on the others: the first sweep is exact and
    # the second only confirms it.
    target = np.array([1.5, -0.25, 3.0])
    result = coordinate_descent(lambda x: np.sum(np.cosh(x - target)), np.zeros(3))
    np.testing.assert_allclose(result.x, target, atol=1e-7)
    assert result.nit == 2
