"""The small-matrix paths of eigh/svd/lstsq against numpy.linalg (LAPACK).

Implicit QR on Python floats (`_implicit_qr`) solves tridiagonal and bidiagonal problems up to a
few dozen rows and the leaves of the divide and conquer; the divide and conquer pads the matrix
to 2^L equal leaves and merges a whole level at once; lstsq solves full-rank problems with the
bidiagonal factor itself. Each is checked on hard inputs for eigenvalues (or singular values)
against LAPACK's, backward error and orthogonality, at sizes on both sides of every switch.
"""

from __future__ import annotations

import numpy as np
import pytest

import nashai.math.linalg._divide_and_conquer as divide_and_conquer
import nashai.math.linalg._implicit_qr as implicit_qr
from nashai.math import LinAlgError
from nashai.math.linalg import eigh, eigvalsh, lstsq, svd
from nashai.math.linalg._divide_and_conquer import tridiagonal_eigh
from nashai.math.linalg._householder import householder
from nashai.math.linalg._implicit_qr import bidiagonal_qr, tridiagonal_qr, tridiagonal_qr_batch

TOL = 1e-13


def norm2(a: np.ndarray) -> float:
    return float(np.linalg.norm(a, 2)) if a.size else 0.0


def tridiagonal(d: np.ndarray, e: np.ndarray) -> np.ndarray:
    return np.diag(d) + np.diag(e, 1) + np.diag(e, -1)


def tridiagonal_cases(n: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(n)
    glue = np.ones(n - 1)
    glue[6::7] = 1e-12  # nearly decoupled blocks: splits inside the matrix
    sparse = np.where(rng.random(n - 1) < 0.3, 0.0, rng.standard_normal(n - 1))
    return {
        "random": (rng.standard_normal(n), rng.standard_normal(n - 1)),
        "golub-kahan": (np.zeros(n), rng.standard_normal(n - 1)),  # eigenvalues +-sigma
        "golub-kahan-split": (np.zeros(n), sparse),  # zero eigenvalues, exact splits
        "wilkinson": (np.abs(np.arange(n) - n // 2).astype(float), np.ones(n - 1)),
        "glued": (np.abs(np.arange(n) % 7 - 3).astype(float), glue),
        "graded": (10.0 ** -np.linspace(0, 20, n), 10.0 ** -np.linspace(0.5, 20.5, n - 1)),
        "cluster": (np.ones(n), 1e-9 * rng.standard_normal(n - 1)),
        "integer": (rng.integers(-2, 3, n).astype(float), rng.integers(-1, 2, n - 1) * 1.0),
    }


def check_eigen(t: np.ndarray, w: np.ndarray, z: np.ndarray) -> None:
    scale = norm2(t) or 1.0
    assert np.all(np.diff(w) >= 0)
    assert np.abs(w - np.linalg.eigvalsh(t)).max() <= TOL * scale
    assert norm2(t @ z - z * w) <= TOL * scale
    assert norm2(z.T @ z - np.eye(len(w))) <= TOL


@pytest.mark.parametrize("n", [1, 2, 3, 7, 16, 32])
@pytest.mark.parametrize("case", list(tridiagonal_cases(8)))
def test_tridiagonal_qr_matches_lapack(n, case):
    d, e = tridiagonal_cases(n)[case] if n > 1 else (np.array([2.5]), np.zeros(0))
    w, z = tridiagonal_qr(d, e)
    check_eigen(tridiagonal(d, e), w, z)
    np.testing.assert_array_equal(tridiagonal_qr(d, e, want_vectors=False)[0], w)


def test_tridiagonal_qr_batch_is_the_loop_over_problems():
    rng = np.random.default_rng(3)
    d, e = rng.standard_normal((5, 9)), rng.standard_normal((5, 8))
    e[1] = 0.0  # a diagonal problem needs no sweep: padded with identity sweeps
    e[2, 4] = 0.0
    w, z = tridiagonal_qr_batch(d, e)
    for i in range(5):
        w_i, z_i = tridiagonal_qr(d[i], e[i])
        np.testing.assert_array_equal(w[i], w_i)
        np.testing.assert_allclose(z[i], z_i, atol=1e-15)


# Sizes around DIRECT and LEAF, and ones padded to 2^L leaves (33 -> 36, 65 -> 72, 100 -> 104).
@pytest.mark.parametrize("n", [31, 32, 33, 47, 65, 100, 129])
@pytest.mark.parametrize("case", list(tridiagonal_cases(8)))
def test_tridiagonal_eigh_on_both_paths(n, case):
    d, e = tridiagonal_cases(n)[case]
    w, z = tridiagonal_eigh(d, e)
    check_eigen(tridiagonal(d, e), w, z)


def test_divide_and_conquer_deflates_repeated_poles_by_rotation():
    # Two identical blocks glued by a tiny link: every pole of one half repeats in the other.
    block = np.abs(np.arange(40) - 20).astype(float)
    d = np.concatenate((block, block))
    e = np.concatenate((np.ones(39), [1e-3], np.ones(39)))
    w, z = tridiagonal_eigh(d, e)
    check_eigen(tridiagonal(d, e), w, z)


@pytest.mark.parametrize("n", [10, 32, 33, 64])
def test_eigvalsh_equals_eigh_values_exactly(n):
    rng = np.random.default_rng(n)
    a = rng.standard_normal((n, n))
    a = a + a.T
    np.testing.assert_array_equal(eigvalsh(a), eigh(a)[0])


def test_tridiagonal_qr_non_convergence_is_reported(monkeypatch):
    monkeypatch.setattr(implicit_qr, "SWEEPS_PER_ROW", 0)
    d, e = tridiagonal_cases(10)["random"]
    with pytest.raises(LinAlgError, match="did not converge"):
        tridiagonal_qr(d, e)
    with pytest.raises(LinAlgError, match="did not converge"):
        bidiagonal_qr(d, e)


def test_divide_and_conquer_uses_the_secular_solver(monkeypatch):
    monkeypatch.setattr(divide_and_conquer, "MAX_SECULAR_ITERATIONS", 1)
    d, e = tridiagonal_cases(40)["random"]
    with pytest.raises(LinAlgError, match="secular"):
        tridiagonal_eigh(d, e)


# ------------------------------------------------------------------------------------- SVD


def bidiagonal_cases(n: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(n + 100)
    inner_zero, last_zero = rng.standard_normal(n), rng.standard_normal(n)
    inner_zero[n // 2] = 0.0  # chased out of its row by left rotations
    last_zero[-1] = 0.0  # chased out of its column by right rotations
    both = rng.standard_normal(n)
    both[::3] = 0.0
    return {
        "random": (rng.standard_normal(n), rng.standard_normal(n - 1)),
        "zero-inside": (inner_zero, rng.standard_normal(n - 1)),
        "zero-last": (last_zero, rng.standard_normal(n - 1)),
        "many-zeros": (both, rng.standard_normal(n - 1)),
        "graded": (10.0 ** -np.arange(n, dtype=float), 10.0 ** -np.arange(0.5, n - 1, 1.0)),
        "ones": (np.ones(n), np.ones(n - 1)),
    }


@pytest.mark.parametrize("n", [2, 5, 12, 30])
@pytest.mark.parametrize("case", list(bidiagonal_cases(4)))
def test_bidiagonal_qr_matches_lapack(n, case):
    d, e = bidiagonal_cases(n)[case]
    b = np.diag(d) + np.diag(e, 1)
    s, x, y = bidiagonal_qr(d, e)
    scale = norm2(b) or 1.0
    assert np.all(s >= 0) and np.all(np.diff(s) <= 0)
    assert np.abs(s - np.linalg.svd(b, compute_uv=False)).max() <= TOL * scale
    assert norm2(b - (x * s) @ y.T) <= TOL * scale
    assert norm2(x.T @ x - np.eye(n)) <= TOL and norm2(y.T @ y - np.eye(n)) <= TOL
    np.testing.assert_array_equal(bidiagonal_qr(d, e, want_vectors=False)[0], s)


# Around QR_MAX (40) with vectors and QR_VALUES_MAX (96) without.
@pytest.mark.parametrize("shape", [(40, 40), (41, 41), (120, 41), (41, 120), (96, 96), (97, 97)])
def test_svd_on_both_sides_of_the_switches(shape):
    rng = np.random.default_rng(sum(shape))
    k = min(shape)
    values = np.r_[np.logspace(0, -12, k - 3), 0.0, 0.0, 0.0]  # rank-deficient, graded
    u0 = np.linalg.qr(rng.standard_normal((shape[0], k)))[0]
    v0 = np.linalg.qr(rng.standard_normal((shape[1], k)))[0]
    a = (u0 * values) @ v0.T
    u, s, vh = svd(a, full_matrices=False)
    scale = norm2(a)
    assert np.abs(s - np.linalg.svd(a, compute_uv=False)).max() <= 1e-12 * scale
    assert norm2(a - (u * s) @ vh) <= 1e-12 * scale
    assert norm2(u.T @ u - np.eye(k)) <= 1e-12 and norm2(vh @ vh.T - np.eye(k)) <= 1e-12
    only = svd(a, compute_uv=False)
    np.testing.assert_allclose(only, s, atol=1e-12 * scale)


# ------------------------------------------------------------------------------------ lstsq


@pytest.mark.parametrize("shape", [(12, 5), (5, 12), (40, 40), (150, 60), (60, 150)])
@pytest.mark.parametrize("columns", [None, 3])
@pytest.mark.parametrize("complex_input", [False, True])
def test_lstsq_full_rank_solves_with_the_bidiagonal_factor(shape, columns, complex_input):
    rng = np.random.default_rng(shape[0] * 7 + shape[1])
    a = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if complex_input else 0)
    b_shape = (shape[0],) if columns is None else (shape[0], columns)
    b = rng.standard_normal(b_shape) + (1j * rng.standard_normal(b_shape) if complex_input else 0)
    x, residuals, rank, s = lstsq(a, b)
    x_ref, residuals_ref, rank_ref, s_ref = np.linalg.lstsq(a, b, rcond=None)
    assert rank == rank_ref == min(shape)
    assert x.shape == x_ref.shape and x.dtype == x_ref.dtype
    assert residuals.shape == residuals_ref.shape
    np.testing.assert_allclose(x, x_ref, atol=1e-11 * norm2(np.atleast_2d(x_ref)))
    np.testing.assert_allclose(residuals, residuals_ref, rtol=1e-10)
    np.testing.assert_allclose(s, s_ref, atol=1e-13 * s_ref.max())


def test_lstsq_ill_conditioned_full_rank_is_backward_stable():
    rng = np.random.default_rng(11)
    u0 = np.linalg.qr(rng.standard_normal((50, 20)))[0]
    v0 = np.linalg.qr(rng.standard_normal((20, 20)))[0]
    a = (u0 * np.logspace(0, -10, 20)) @ v0.T
    b = rng.standard_normal(50)
    x, _, rank, _ = lstsq(a, b)
    assert rank == 20
    # The normal equations hold to eps ||A||^2 ||x||: x is a least-squares solution.
    assert np.linalg.norm(a.T @ (a @ x - b)) <= 1e-13 * norm2(a) ** 2 * np.linalg.norm(x)


# ------------------------------------------------------------------------------- reflectors


@pytest.mark.parametrize("magnitude", [1e-300, 1e-160, 1.0, 1e160, 1e300])
@pytest.mark.parametrize("complex_input", [False, True])
def test_householder_stays_orthogonal_where_squares_underflow_or_overflow(magnitude, complex_input):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(7) + (1j * rng.standard_normal(7) if complex_input else 0)
    x *= magnitude
    v, tau, beta = householder(x)
    h = np.eye(7) - tau * np.outer(v, v.conj())
    assert norm2(h.conj().T @ h - np.eye(7)) <= 1e-15
    target = np.zeros(7, dtype=x.dtype)
    target[0] = beta
    assert np.abs(h @ x - target).max() <= 1e-15 * np.abs(x).max()


@pytest.mark.parametrize("shape", [(20, 20), (33, 20), (60, 40), (200, 30)])
def test_svd_of_rank_one_matrices_keeps_its_vectors_orthogonal(shape):
    # After one step the trailing matrix is rounding noise, and the next reflectors are built
    # from vectors that shrink by 1e-16 a step down into the subnormal range.
    a = np.ones(shape)
    u, s, vh = svd(a)
    assert norm2(u.T @ u - np.eye(shape[0])) <= 1e-13
    assert norm2(vh @ vh.T - np.eye(shape[1])) <= 1e-13
    assert norm2(a - (u[:, : len(s)] * s) @ vh) <= 1e-13 * norm2(a)
    np.testing.assert_allclose(s[0], np.sqrt(a.size), rtol=1e-14)
