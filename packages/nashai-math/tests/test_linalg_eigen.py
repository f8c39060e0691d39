"""eigh / eigvalsh / eig / eigvals against numpy.linalg (LAPACK) on hard and easy matrices.

Every case checks the backward error ||A V - V diag(w)|| / ||A||, the orthogonality of the
eigenvectors where they must be orthogonal, and the eigenvalues against numpy's to ~1e-12 ||A||.
"""

from __future__ import annotations

import numpy as np
import pytest

import nashai.math.linalg._divide_and_conquer as divide_and_conquer
import nashai.math.linalg._schur as schur
from nashai.math import LinAlgError
from nashai.math.linalg import eig, eigh, eigvals, eigvalsh

TOL = 1e-12


def norm2(a: np.ndarray) -> float:
    return float(np.linalg.norm(a, 2)) if a.size else 0.0


def backward_error(a: np.ndarray, w: np.ndarray, v: np.ndarray) -> float:
    """||A V - V diag(w)||_2 / ||A||_2 (0 for the zero matrix)."""
    scale = norm2(a)
    return norm2(a @ v - v * w) / scale if scale else norm2(a @ v - v * w)


def orthogonality(v: np.ndarray) -> float:
    return norm2(v.conj().T @ v - np.eye(v.shape[1]))


def random_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def with_spectrum(values, rng: np.random.Generator) -> np.ndarray:
    """Q diag(values) Q^T for a random orthogonal Q."""
    q = random_orthogonal(len(values), rng)
    a = (q * np.asarray(values, dtype=float)) @ q.T
    return (a + a.T) / 2


def symmetric_cases() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20240601)
    cases = {}
    for n in (1, 2, 3, 10, 17, 64, 130):
        a = rng.standard_normal((n, n))
        cases[f"random-{n}"] = a + a.T
    cases["ill-conditioned"] = with_spectrum(np.logspace(0, -14, 40), rng)
    cases["rank-deficient"] = with_spectrum(np.r_[rng.standard_normal(5), np.zeros(35)], rng)
    u = rng.standard_normal(50)
    cases["identity-plus-rank-one"] = np.eye(50) + np.outer(u, u)
    cases["multiplicities"] = with_spectrum(np.repeat([-2.0, 1.0, 3.0, 7.0], [5, 10, 1, 24]), rng)
    cases["tight-cluster"] = with_spectrum(1.0 + 1e-13 * rng.standard_normal(40), rng)
    cases["zero"] = np.zeros((12, 12))
    cases["identity"] = np.eye(20)
    cases["diagonal"] = np.diag(rng.standard_normal(30))
    cases["laplacian-1d"] = 2 * np.eye(60) - np.eye(60, k=1) - np.eye(60, k=-1)
    wilkinson = np.diag(np.abs(np.arange(-10.0, 11.0))) + np.eye(21, k=1) + np.eye(21, k=-1)
    cases["wilkinson-21"] = wilkinson
    glue = np.diag(np.where(np.arange(83) % 21 == 20, 1e-10, 0.0), 1)  # between the blocks
    cases["glued-wilkinson"] = np.kron(np.eye(4), wilkinson) + glue + glue.T
    graded = np.diag(10.0 ** np.arange(0, -30, -1.5))
    cases["graded"] = graded + graded.T[::-1, ::-1] * 1e-3
    integer = rng.integers(-3, 4, (25, 25))
    cases["integer"] = integer + integer.T
    return cases


SYMMETRIC = symmetric_cases()


@pytest.mark.parametrize("name", list(SYMMETRIC))
def test_eigh_matches_lapack(name):
    a = SYMMETRIC[name].astype(float)
    w, v = eigh(a)
    w_ref = np.linalg.eigvalsh(a)
    scale = max(norm2(a), 1.0 if not a.any() else 0.0)
    assert w.dtype == np.float64 and v.dtype == np.float64
    assert w.shape == (a.shape[0],) and v.shape == a.shape
    assert np.all(np.diff(w) >= 0), "eigenvalues must be ascending"
    assert np.max(np.abs(w - w_ref), initial=0.0) <= TOL * scale
    assert backward_error(a, w, v) <= TOL
    assert orthogonality(v) <= TOL
    np.testing.assert_array_equal(eigvalsh(a), w)


@pytest.mark.parametrize("n", [1, 2, 5, 40, 90])
def test_eigh_hermitian_complex(n):
    rng = np.random.default_rng(n)
    a = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    a = a + a.conj().T
    w, v = eigh(a)
    assert v.dtype == np.complex128 and w.dtype == np.float64
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a), rtol=0, atol=TOL * norm2(a))
    assert backward_error(a, w, v) <= TOL
    assert orthogonality(v) <= TOL


def test_eigh_eigenvectors_match_lapack_up_to_sign():
    rng = np.random.default_rng(7)
    a = with_spectrum(np.arange(1.0, 31.0), rng)  # well separated: vectors are unique up to sign
    _, v = eigh(a)
    _, v_ref = np.linalg.eigh(a)
    np.testing.assert_allclose(np.abs(np.sum(v * v_ref, axis=0)), 1.0, atol=1e-12)


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_reads_only_one_triangle(uplo):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((15, 15))  # not symmetric: the other triangle must be ignored
    w, v = eigh(a, UPLO=uplo)
    w_ref, _ = np.linalg.eigh(a, UPLO=uplo)
    np.testing.assert_allclose(w, w_ref, atol=TOL * norm2(a))
    full = np.tril(a) + np.tril(a, -1).T if uplo == "L" else np.triu(a) + np.triu(a, 1).T
    assert backward_error(full, w, v) <= TOL


def test_eigh_extreme_scales():
    rng = np.random.default_rng(11)
    base = rng.standard_normal((20, 20))
    base = base + base.T
    for scale in (1e-300, 1e300):
        w, v = eigh(base * scale)
        np.testing.assert_allclose(w / scale, np.linalg.eigvalsh(base), atol=TOL * norm2(base))
        assert orthogonality(v) <= TOL


def test_eigh_empty():
    w, v = eigh(np.zeros((0, 0)))
    assert w.shape == (0,) and v.shape == (0, 0)


@pytest.mark.parametrize("bad", [np.zeros((3, 4)), np.zeros(3), np.zeros((2, 2, 2))])
@pytest.mark.parametrize("function", [eigh, eigvalsh, eig, eigvals])
def test_non_square_input_names_the_shape(function, bad):
    with pytest.raises(LinAlgError, match=r"\(3, 4\)|\(3,\)|\(2, 2, 2\)"):
        function(bad)


@pytest.mark.parametrize("function", [eigh, eig])
def test_nan_input_is_rejected(function):
    with pytest.raises(LinAlgError, match="NaN"):
        function(np.array([[1.0, np.nan], [np.nan, 1.0]]))


def test_eigh_bad_uplo():
    with pytest.raises(ValueError, match="UPLO"):
        eigh(np.eye(2), UPLO="X")


def test_secular_non_convergence_is_reported(monkeypatch):
    monkeypatch.setattr(divide_and_conquer, "MAX_SECULAR_ITERATIONS", 1)
    a = SYMMETRIC["random-64"]
    with pytest.raises(LinAlgError, match="did not converge"):
        eigh(a)


# ---------------------------------------------------------------------------------------- eig


def general_cases() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    cases = {f"random-{n}": rng.standard_normal((n, n)) for n in (1, 2, 3, 4, 7, 20, 60, 150)}
    cases["symmetric"] = SYMMETRIC["random-17"]
    cases["rotation"] = np.array([[0.0, -1.0], [1.0, 0.0]])
    cases["orthogonal"] = random_orthogonal(25, rng)
    cases["upper-triangular"] = np.triu(rng.standard_normal((15, 15)))
    u, w = rng.standard_normal(30), rng.standard_normal(30)
    cases["identity-plus-rank-one"] = np.eye(30) + np.outer(u, w)
    cases["repeated-complex-blocks"] = np.kron(np.eye(3), np.array([[1.0, 2.0], [-2.0, 1.0]]))
    cases["cyclic-permutation"] = np.roll(np.eye(12), 1, axis=0)
    # Companion matrix of (x - 1)(x - 2)...(x - 6): eigenvalues 1..6.
    coefficients = np.poly(np.arange(1.0, 7.0))
    companion = np.diag(np.ones(5), -1)
    companion[0] = -coefficients[1:]
    cases["companion"] = companion
    similar = rng.standard_normal((10, 10))
    cases["diagonalisable-known-spectrum"] = (
        similar @ np.diag(np.arange(1.0, 11.0)) @ np.linalg.inv(similar)
    )
    # Rows and columns scaled by 1e-6..1e5: needs balancing to get the eigenvalues numpy gets.
    grading = np.diag(10.0 ** np.arange(-6.0, 6.0))
    cases["badly-scaled"] = grading @ rng.standard_normal((12, 12)) @ np.linalg.inv(grading)
    cases["zero"] = np.zeros((6, 6))
    cases["identity"] = np.eye(8)
    cases["jordan-block"] = np.eye(5) + np.eye(5, k=1)
    cases["integer"] = rng.integers(-5, 6, (12, 12))
    return cases


GENERAL = general_cases()


def match_eigenvalues(w: np.ndarray, w_ref: np.ndarray) -> float:
    """Largest distance between w and w_ref after pairing each w_ref with its nearest w."""
    remaining = list(w)
    worst = 0.0
    for value in w_ref:
        i = int(np.argmin(np.abs(np.asarray(remaining) - value)))
        worst = max(worst, abs(remaining.pop(i) - value))
    return worst


# Eigenvalues of non-normal matrices are only as accurate as their condition number allows:
# these cases get the tolerance eps ||A|| * cond the way numpy's own results do.
DEFECTIVE = {"jordan-block": 1e-3, "companion": 1e-9, "diagonalisable-known-spectrum": 1e-9}


@pytest.mark.parametrize("name", list(GENERAL))
def test_eig_matches_lapack(name):
    a = GENERAL[name].astype(float)
    w, v = eig(a)
    w_ref = np.linalg.eigvals(a)
    scale = norm2(a) or 1.0
    assert w.shape == (a.shape[0],) and v.shape == a.shape
    # Real w (float64) exactly when no eigenvalue has an imaginary part, as numpy; where numpy's
    # imaginary parts are rounding noise of a repeated real eigenvalue either answer is right.
    assert v.dtype == w.dtype == (np.complex128 if np.any(w.imag != 0) else np.float64)
    if np.all(w_ref.imag == 0) or np.abs(w_ref.imag).max() > 1e-6 * scale:
        assert w.dtype == w_ref.dtype
    assert match_eigenvalues(w, w_ref) <= DEFECTIVE.get(name, 1e-11) * scale
    assert backward_error(a, w, v) <= TOL
    np.testing.assert_allclose(np.linalg.norm(v, axis=0), 1.0, atol=1e-14)


@pytest.mark.parametrize("name", ["random-20", "random-60", "rotation", "orthogonal"])
def test_eig_complex_pairs_follow_numpy_conventions(name):
    a = GENERAL[name]
    w, v = eig(a)
    pairs = np.flatnonzero(w.imag > 0)
    assert pairs.size > 0
    np.testing.assert_array_equal(w[pairs + 1], w[pairs].conj())  # +imaginary part first
    np.testing.assert_array_equal(v[:, pairs + 1], v[:, pairs].conj())
    largest = np.abs(v).argmax(axis=0)
    assert np.all(v[largest, np.arange(v.shape[1])].imag == 0)  # largest component real


def test_eig_known_spectrum():
    w, _ = eig(GENERAL["companion"])
    np.testing.assert_allclose(np.sort(w), np.arange(1.0, 7.0), rtol=1e-9)
    w, _ = eig(GENERAL["repeated-complex-blocks"])
    np.testing.assert_allclose(np.sort_complex(w), [1 - 2j] * 3 + [1 + 2j] * 3, atol=1e-14)


def test_eig_of_repeated_eigenvalue_gives_independent_vectors():
    a = GENERAL["identity-plus-rank-one"]  # eigenvalue 1 has 29 independent eigenvectors
    w, v = eig(a)
    assert np.linalg.matrix_rank(v) == 30
    assert backward_error(a, w, v) <= TOL


@pytest.mark.parametrize("name", ["random-60", "companion", "symmetric", "integer"])
def test_eigvals_equals_eig(name):
    a = GENERAL[name]
    w = eig(a)[0]
    w_only = eigvals(a)
    assert w_only.dtype == w.dtype
    assert match_eigenvalues(w_only, w) <= 1e-12 * norm2(a)


def test_eig_rejects_complex_input():
    with pytest.raises(LinAlgError, match="real"):
        eig(np.eye(2) * 1j)


def test_eig_non_convergence_is_reported(monkeypatch):
    monkeypatch.setattr(schur, "ITERATIONS_PER_EIGENVALUE", 0)
    with pytest.raises(LinAlgError, match="did not converge"):
        eig(GENERAL["random-20"])
