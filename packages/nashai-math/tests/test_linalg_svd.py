"""svd / lstsq / pinv / matrix_rank against numpy.linalg (LAPACK).

svd is checked by ||A - U S Vh|| / ||A||, the orthogonality of U and V, and S against numpy's to
~1e-12 ||A||, on tall, wide, square, complex, rank-deficient, ill-conditioned and clustered
matrices; the rest is compared with numpy output for output, shapes and dtypes included.
"""

from __future__ import annotations

import numpy as np
import pytest

from nashai.math import LinAlgError
from nashai.math.linalg import lstsq, matrix_rank, pinv, svd

TOL = 1e-12


def norm2(a: np.ndarray) -> float:
    return float(np.linalg.norm(a, 2)) if a.size else 0.0


def orthogonality(q: np.ndarray) -> float:
    """||Q^H Q - I|| for Q with orthonormal columns."""
    return norm2(q.conj().T @ q - np.eye(q.shape[1]))


def random_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def with_singular_values(m: int, n: int, values, rng: np.random.Generator) -> np.ndarray:
    """U diag(values) V^T (m, n) for random orthogonal U, V."""
    k = len(values)
    return (random_orthogonal(m, rng)[:, :k] * np.asarray(values)) @ random_orthogonal(n, rng)[:k]


def svd_cases() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(99)
    cases = {}
    for m, n in [(1, 1), (1, 5), (5, 1), (2, 2), (3, 2), (2, 3), (10, 10), (40, 15), (15, 40)]:
        cases[f"random-{m}x{n}"] = rng.standard_normal((m, n))
    cases["random-120x120"] = rng.standard_normal((120, 120))
    cases["random-140x70"] = rng.standard_normal((140, 70))
    cases["complex-30x20"] = rng.standard_normal((30, 20)) + 1j * rng.standard_normal((30, 20))
    cases["complex-20x30"] = rng.standard_normal((20, 30)) + 1j * rng.standard_normal((20, 30))
    cases["rank-1"] = np.outer(rng.standard_normal(40), rng.standard_normal(30))
    cases["rank-5-wide"] = rng.standard_normal((25, 5)) @ rng.standard_normal((5, 45))
    cases["ill-conditioned-1e15"] = with_singular_values(60, 40, np.logspace(0, -15, 40), rng)
    cases["ill-conditioned-1e30"] = with_singular_values(50, 50, np.logspace(0, -30, 50), rng)
    clustered = np.r_[
        np.ones(15), 1e-9 * np.ones(10), np.zeros(10), 1e-4 * (1 + 1e-12 * np.arange(5))
    ]
    cases["clustered-and-zero"] = with_singular_values(60, 40, clustered, rng)
    cases["repeated"] = with_singular_values(30, 30, np.repeat([3.0, 2.0, 1.0], 10), rng)
    cases["orthogonal"] = random_orthogonal(35, rng)
    cases["identity"] = np.eye(20)
    cases["ones"] = np.ones((20, 15))
    cases["zero"] = np.zeros((7, 4))
    cases["diagonal-with-zeros"] = np.diag([3.0, 0.0, 1.0, 0.0, 2.0])
    cases["integer"] = rng.integers(-4, 5, (12, 9))
    cases["graded-columns"] = rng.standard_normal((30, 12)) * 10.0 ** -np.arange(12)
    return cases


CASES = svd_cases()


@pytest.mark.parametrize("full_matrices", [True, False])
@pytest.mark.parametrize("name", list(CASES))
def test_svd_matches_lapack(name, full_matrices):
    a = CASES[name]
    m, n = a.shape
    k = min(m, n)
    u, s, vh = svd(a, full_matrices=full_matrices)
    u_ref, s_ref, vh_ref = np.linalg.svd(a, full_matrices=full_matrices)
    scale = norm2(a) or 1.0
    assert (u.shape, s.shape, vh.shape) == (u_ref.shape, s_ref.shape, vh_ref.shape)
    assert (u.dtype, s.dtype, vh.dtype) == (u_ref.dtype, s_ref.dtype, vh_ref.dtype)
    assert np.all(s >= 0) and np.all(np.diff(s) <= 0), "S must be non-negative, descending"
    assert np.max(np.abs(s - s_ref)) <= TOL * scale
    assert norm2(a - (u[:, :k] * s) @ vh[:k]) <= TOL * scale
    assert orthogonality(u) <= TOL
    assert orthogonality(vh.conj().T) <= TOL


@pytest.mark.parametrize("name", ["random-40x15", "random-15x40", "rank-1", "complex-30x20"])
def test_svd_values_only(name):
    a = CASES[name]
    s = svd(a, compute_uv=False)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), atol=TOL * norm2(a))
    np.testing.assert_allclose(s, svd(a)[1], atol=TOL * norm2(a))


def test_singular_vectors_match_lapack_up_to_sign():
    rng = np.random.default_rng(1)
    a = with_singular_values(25, 20, np.arange(20.0, 0.0, -1.0), rng)  # distinct: unique vectors
    u, _, vh = svd(a, full_matrices=False)
    u_ref, _, vh_ref = np.linalg.svd(a, full_matrices=False)
    signs = np.sign(np.sum(u * u_ref, axis=0))
    np.testing.assert_allclose(u * signs, u_ref, atol=1e-12)
    np.testing.assert_allclose(vh * signs[:, None], vh_ref, atol=1e-12)


@pytest.mark.parametrize("complex_input", [False, True])
def test_svd_hermitian(complex_input):
    rng = np.random.default_rng(12)
    b = rng.standard_normal((20, 20)) + (1j * rng.standard_normal((20, 20)) if complex_input else 0)
    a = b + b.conj().T  # indefinite: negative eigenvalues must turn into positive S
    u, s, vh = svd(a, hermitian=True)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), atol=TOL * norm2(a))
    assert norm2(a - (u * s) @ vh) <= TOL * norm2(a)
    assert orthogonality(u) <= TOL and orthogonality(vh.conj().T) <= TOL
    np.testing.assert_allclose(svd(a, compute_uv=False, hermitian=True), s, atol=TOL * norm2(a))


def test_svd_extreme_scales():
    a = CASES["random-40x15"]
    for scale in (1e-300, 1e300):
        u, s, vh = svd(a * scale)
        np.testing.assert_allclose(s / scale, np.linalg.svd(a)[1], atol=TOL * norm2(a))
        assert orthogonality(u) <= TOL and orthogonality(vh.T) <= TOL


def test_svd_empty():
    u, s, vh = svd(np.zeros((0, 3)))
    assert (u.shape, s.shape, vh.shape) == ((0, 0), (0,), (3, 3))


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((2, 2, 2)), [["a", "b"]]])
def test_svd_rejects_non_matrices(bad):
    with pytest.raises(LinAlgError, match=r"2-D|numbers"):
        svd(bad)


# ------------------------------------------------------------------------------------- lstsq


def compare_lstsq(a, b, rcond=None, well_conditioned=True):
    """lstsq against numpy's; x itself only where the kept singular values make it well-posed."""
    x, residuals, rank, s = lstsq(a, b, rcond=rcond)
    x_ref, residuals_ref, rank_ref, s_ref = np.linalg.lstsq(a, b, rcond=rcond)
    assert rank == rank_ref and isinstance(rank, int)
    assert x.shape == x_ref.shape and x.dtype == x_ref.dtype
    assert residuals.shape == residuals_ref.shape and residuals.dtype == residuals_ref.dtype
    if well_conditioned:  # else x is only determined to eps * cond(kept part of a)
        scale = norm2(np.atleast_2d(x_ref)) or 1.0
        np.testing.assert_allclose(x, x_ref, atol=1e-10 * scale)
    rtol = 1e-10 if well_conditioned else 1e-6  # residuals too move with eps * cond
    np.testing.assert_allclose(residuals, residuals_ref, rtol=rtol, atol=1e-20)
    np.testing.assert_allclose(s, s_ref, atol=TOL * s_ref.max(initial=1.0))
    return x, residuals, rank, s


@pytest.mark.parametrize("rhs_shape", [(30,), (30, 1), (30, 4)])
def test_lstsq_full_rank_overdetermined(rhs_shape):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((30, 8))
    b = rng.standard_normal(rhs_shape)
    _, residuals, rank, _ = compare_lstsq(a, b)
    assert rank == 8
    assert residuals.shape == ((1,) if len(rhs_shape) == 1 else (rhs_shape[1],))


def test_lstsq_rank_deficient_gives_minimum_norm_and_no_residuals():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((20, 4)) @ rng.standard_normal((4, 10))  # rank 4 < 10 columns
    b = rng.standard_normal((20, 3))
    _, residuals, rank, _ = compare_lstsq(a, b)
    assert rank == 4 and residuals.shape == (0,)


@pytest.mark.parametrize("shape", [(5, 12), (8, 8)])
def test_lstsq_underdetermined_and_square(shape):
    rng = np.random.default_rng(4)
    a = rng.standard_normal(shape)
    _, residuals, _, _ = compare_lstsq(a, rng.standard_normal(shape[0]))
    assert residuals.shape == (0,)  # M <= N: numpy returns no residuals


def test_lstsq_rcond_cuts_small_singular_values():
    rng = np.random.default_rng(5)
    a = with_singular_values(15, 6, [1.0, 0.5, 0.1, 1e-3, 1e-7, 1e-9], rng)
    b = rng.standard_normal(15)
    for rcond in (None, -1, 1e-8, 1e-5, 0.05):
        _, _, rank, _ = compare_lstsq(a, b, rcond=rcond, well_conditioned=rcond in (1e-5, 0.05))
        assert rank == {None: 6, -1: 6, 1e-8: 5, 1e-5: 4, 0.05: 3}[rcond]


def test_lstsq_complex():
    rng = np.random.default_rng(6)
    a = rng.standard_normal((12, 5)) + 1j * rng.standard_normal((12, 5))
    compare_lstsq(a, rng.standard_normal(12) + 1j * rng.standard_normal(12))


def test_lstsq_incompatible_dimensions():
    with pytest.raises(LinAlgError, match="Incompatible dimensions"):
        lstsq(np.ones((4, 3)), np.ones(5))


# -------------------------------------------------------------------------------------- pinv


@pytest.mark.parametrize(
    "name", ["random-40x15", "random-15x40", "random-10x10", "rank-1", "rank-5-wide", "zero"]
)
def test_pinv_matches_lapack(name):
    a = CASES[name]
    a_plus = pinv(a)
    np.testing.assert_allclose(a_plus, np.linalg.pinv(a), atol=1e-10 * (norm2(a_plus) or 1.0))
    # The four Penrose conditions.
    scale = norm2(a) or 1.0
    assert norm2(a @ a_plus @ a - a) <= 1e-12 * scale
    assert norm2(a_plus @ a @ a_plus - a_plus) <= 1e-12 * (norm2(a_plus) or 1.0)
    assert norm2((a @ a_plus).T - a @ a_plus) <= 1e-12
    assert norm2((a_plus @ a).T - a_plus @ a) <= 1e-12


def test_pinv_cutoffs_follow_numpy():
    rng = np.random.default_rng(8)
    a = with_singular_values(10, 6, [1.0, 0.5, 1e-2, 1e-4, 0.0, 0.0], rng)
    for kwargs in ({}, {"rcond": 1e-5}, {"rcond": 1e-3}, {"rtol": 1e-3}, {"rtol": None}):
        expected = np.linalg.pinv(a, **kwargs)
        np.testing.assert_allclose(pinv(a, **kwargs), expected, atol=1e-8 * norm2(expected))
    assert np.linalg.matrix_rank(pinv(a, rcond=1e-3)) == 3
    with pytest.raises(ValueError, match="rtol"):
        pinv(a, rcond=1e-3, rtol=1e-3)


def test_pinv_hermitian():
    rng = np.random.default_rng(9)
    b = rng.standard_normal((12, 7))
    a = b @ b.T  # symmetric, rank 7
    np.testing.assert_allclose(
        pinv(a, hermitian=True), np.linalg.pinv(a, hermitian=True), atol=1e-10 * norm2(pinv(a))
    )


# ------------------------------------------------------------------------------- matrix_rank


@pytest.mark.parametrize(
    "name",
    [
        "random-40x15",
        "rank-1",
        "rank-5-wide",
        "ill-conditioned-1e15",
        "clustered-and-zero",
        "zero",
        "ones",
        "diagonal-with-zeros",
    ],
)
def test_matrix_rank_matches_numpy(name):
    a = CASES[name]
    assert matrix_rank(a) == np.linalg.matrix_rank(a)
    for tol in (3e-4, 3e-11):  # away from every singular value of the cases
        assert matrix_rank(a, tol=tol) == np.linalg.matrix_rank(a, tol=tol)
    assert matrix_rank(a, rtol=1e-6) == np.linalg.matrix_rank(a, rtol=1e-6)


def test_matrix_rank_vectors_and_hermitian():
    assert matrix_rank(np.ones(4)) == 1 and matrix_rank(np.zeros(4)) == 0
    b = np.random.default_rng(10).standard_normal((9, 3))
    assert matrix_rank(b @ b.T, hermitian=True) == 3
    with pytest.raises(ValueError, match="tol"):
        matrix_rank(b, tol=1e-3, rtol=1e-3)
