"""Singular value decomposition, and what it gives: least squares, pseudo-inverse, rank.

svd: A = U diag(S) V^H in three steps (Golub & Van Loan, Matrix Computations 4th ed. §8.6).
1. Householder bidiagonalisation A = U_B B V_B^H (`_bidiagonal`), on A^H when A is wide.
2. The Golub-Kahan matrix of B, the 2n x 2n symmetric tridiagonal with zero diagonal and
   off-diagonal (d_1, e_1, d_2, e_2, ..., d_n), has eigenvalues +-sigma_i and, for +sigma_i, the
   eigenvector (v_1, u_1, v_2, u_2, ...) / sqrt(2) (G&VL §8.6.1). Its eigen-decomposition comes
   from the same divide and conquer as eigh (`_divide_and_conquer`), so the singular values are
   accurate to eps ||A|| and no product A^H A is ever formed.
3. For sigma well above zero, u and v are the odd and even entries, normalised. Near zero the
   eigenvectors of +sigma and -sigma mix, so the singular vectors of the smallest values (below
   SMALL_SIGMA sigma_max) come from a Rayleigh-Ritz step instead: orthonormal bases U_c, V_c of
   the spans of those odd and even parts, orthogonal to the vectors already found (together
   they are an invariant subspace of the Golub-Kahan matrix to working precision), then the SVD
   of the small matrix U_c^T B V_c by a recursive call (see `_group_bases`).
A small B (n <= QR_MAX) skips steps 2-3 for the Golub-Kahan implicit QR iteration on B itself
(G&VL Algorithm 8.6.2, `_implicit_qr`), which gives U and V directly.
"""

from __future__ import annotations

import numpy as np

from nashai.math.errors import LinAlgError
from nashai.math.linalg._bidiagonal import bidiagonalize
from nashai.math.linalg._divide_and_conquer import tridiagonal_eigh
from nashai.math.linalg._implicit_qr import bidiagonal_qr
from nashai.math.linalg._scaling import power_of_two_scale
from nashai.math.linalg._validation import as_float_matrix
from nashai.math.linalg.eigen import eigh, eigvalsh
from nashai.math.linalg.qr import qr

EPS = float(np.finfo(np.float64).eps)
# Singular values at most SMALL_SIGMA * sigma_max get their vectors by Rayleigh-Ritz. Reading u_i
# off the Golub-Kahan eigenvector of +sigma_i lets in u_j with weight ~ eps sigma_max /
# (sigma_i + sigma_j) (through the eigenvector of -sigma_j), times a modest factor for clusters:
# 2^-7 ~ 0.008 keeps U and V orthogonal to ~1e-14 in the tests.
SMALL_SIGMA = 2.0**-7
# Up to these sizes the bidiagonal SVD is the implicit QR of `_implicit_qr` on Python floats,
# faster there than divide and conquer (which pays a fixed price per NumPy call); values alone
# need no rotation products, which moves the crossing point up.
QR_MAX = 40
QR_VALUES_MAX = 96


def svd(a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False):
    """Singular value decomposition A = U diag(S) Vh.

    Args:
        a: (M, N) real or complex matrix.
        full_matrices: U (M, M) and Vh (N, N) if True, else U (M, K) and Vh (K, N), K = min(M, N).
        compute_uv: if False return only S.
        hermitian: a is symmetric/Hermitian (only its lower triangle is read): then
            A = V diag(w) V^H from `eigh` gives S = |w|, U = V, Vh = (V sign(w))^H.

    Returns:
        (U, S, Vh) as numpy.linalg.svd: S (K,) float64, descending and non-negative; U and Vh
        have orthonormal columns and rows, of a's dtype (float64 or complex128). Only S when
        compute_uv is False.
    """
    arr = as_float_matrix(a, "a")
    if hermitian:
        return _svd_hermitian(arr, compute_uv)
    return _svd(arr, full_matrices, compute_uv)


def _svd(a: np.ndarray, full_matrices: bool, compute_uv: bool):
    """svd of a validated float matrix (M, N)."""
    if a.shape[0] < a.shape[1]:  # A^H = U' S V'^H  gives  A = V' S U'^H
        if not compute_uv:
            return _svd_tall(a.conj().T, False, False)
        u, s, vh = _svd_tall(a.conj().T, full_matrices, True)
        return vh.conj().T, s, u.conj().T
    return _svd_tall(a, full_matrices, compute_uv)


def _svd_hermitian(a: np.ndarray, compute_uv: bool):
    if not compute_uv:
        return np.sort(np.abs(eigvalsh(a)))[::-1]
    w, v = eigh(a)
    order = np.argsort(-np.abs(w), kind="stable")
    w, v = w[order], v[:, order]
    return v, np.abs(w), (v * np.where(w < 0.0, -1.0, 1.0)).conj().T


def _svd_tall(a: np.ndarray, full_matrices: bool, compute_uv: bool):
    """svd for m >= n."""
    m, n = a.shape
    if n == 0 or not np.any(a):
        s = np.zeros(n)
        if not compute_uv:
            return s
        width = m if full_matrices else n
        return np.eye(m, width, dtype=a.dtype), s, np.eye(n, dtype=a.dtype)
    scale = power_of_two_scale(a)
    bd = bidiagonalize(a / scale)
    s, x, y = bidiagonal_svd(bd.d, bd.e, compute_uv)
    if not compute_uv:
        return s * scale
    u = bd.left_vectors(x, m if full_matrices else None)
    v = bd.right_vectors(y)
    return u, s * scale, v.conj().T


def bidiagonal_svd(d: np.ndarray, e: np.ndarray, compute_uv: bool = True):
    """B = X diag(s) Y^T for real upper bidiagonal B (n, n) with diagonal d, superdiagonal e.

    Returns s (n,) descending, and X, Y (n, n) orthogonal (None, None if not compute_uv).
    """
    n = d.shape[0]
    if n <= QR_MAX or (not compute_uv and n <= QR_VALUES_MAX):
        return bidiagonal_qr(d, e, compute_uv)
    off = np.empty(2 * n - 1)
    off[0::2] = d
    off[1::2] = e
    lam, z = tridiagonal_eigh(np.zeros(2 * n), off)
    s = lam[n:][::-1]  # +sigma, descending
    if not compute_uv:
        return np.sort(np.abs(s))[::-1], None, None
    # The r smallest go through Rayleigh-Ritz.
    r = int(np.count_nonzero(s <= SMALL_SIGMA * max(abs(lam[0]), abs(lam[-1]))))
    big = z[:, 2 * n - 1 : n - 1 + r : -1]  # eigenvectors of the n - r largest +sigma
    x = _unit_columns(big[1::2])
    y = _unit_columns(big[0::2])
    s = s[: n - r]
    if r:
        middle = z[:, n - r : n + r]  # +-sigma for the r smallest, mixed among themselves
        yc, xc = _group_bases(middle[0::2], middle[1::2], y, x, r)
        k = xc.T @ _bidiagonal_times(d, e, yc)  # (r, r) = Xc^T B Yc
        uk, sk, vkh = _svd_tall(k, True, True)
        x = np.concatenate((x, xc @ uk), axis=1)
        y = np.concatenate((y, yc @ vkh.T), axis=1)
        s = np.concatenate((s, sk))
    s = np.abs(s)
    order = np.argsort(-s, kind="stable")
    return s[order], x[:, order], y[:, order]


def _unit_columns(x: np.ndarray) -> np.ndarray:
    return x / np.sqrt((x * x).sum(axis=0))


def _bidiagonal_times(d: np.ndarray, e: np.ndarray, y: np.ndarray) -> np.ndarray:
    """B y for upper bidiagonal B = (d, e) and y (n, p)."""
    out = d[:, None] * y
    out[:-1] += e[:, None] * y[1:]
    return out


def _group_bases(
    even: np.ndarray, odd: np.ndarray, y_known: np.ndarray, x_known: np.ndarray, r: int
) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal bases (n, r) of the right and left singular subspaces of the small group.

    even, odd: (n, 2r) the v and u halves of the group's Golub-Kahan eigenvectors. For an exact
    invariant subspace these are V C_E and U C_O with C_E^T C_E = P, C_O^T C_O = I - P for a
    projector P of rank r, so M = even^T even - odd^T odd = 2P - I has eigenvalues +-1, and its
    eigenvectors for +1 and -1 give V = even C_+ and U = odd C_- at the cost of one small eigh.
    Both halves are first made orthogonal to the singular vectors already found.
    """
    for _ in range(2):  # project twice: once is not always enough in floating point
        even = even - y_known @ (y_known.T @ even)
        odd = odd - x_known @ (x_known.T @ odd)
    mu, c = eigh(even.T @ even - odd.T @ odd)
    if mu[r - 1] > -0.5 or mu[r] < 0.5:
        raise LinAlgError("SVD failed: the singular vectors of the smallest values lost rank")
    return _unit_columns(even @ c[:, r:]), _unit_columns(odd @ c[:, :r])


def lstsq(a, b, rcond: float | None = None):
    """Least-squares solution x minimising ||b - a x||_2 (the minimum-norm one if rank-deficient).

    x = V diag(1/s_i for s_i > rcond s_max, else 0) U^H b (Golub & Van Loan §5.5.4), with U^H b
    and V y applied through the Householder reflectors of the bidiagonalisation, never formed;
    the residuals come from the part of U_B^H b beyond the first N rows, as in LAPACK's xGELSD.
    When the singular values alone are cheap (min(M, N) <= QR_VALUES_MAX) and show full rank,
    the singular vectors are skipped: with A = U_B B V_B^H, x = V_B B^-1 (U_B^H b)[:N] for tall A
    and the minimum-norm x = U_B [B^-H (V_B^H b); 0] for wide A, by bidiagonal substitution.

    Args:
        a: (M, N) matrix.
        b: (M,) or (M, K) right-hand side(s).
        rcond: relative cut-off for small singular values; None means eps * max(M, N), and a
            negative value means eps (as numpy.linalg.lstsq).

    Returns:
        x: (N,) or (N, K) solution.
        residuals: sums of squared residuals ||b - a x||^2, shape (K,) (or (1,) for 1-D b); empty
            (0,) when rank < N or M <= N.
        rank: effective rank of a (int).
        s: (min(M, N),) singular values of a, descending.
    """
    arr = as_float_matrix(a, "a")
    rhs = np.asarray(b)
    if rhs.ndim not in (1, 2):
        raise LinAlgError(f"b must be 1-D or 2-D, got an array of shape {rhs.shape}")
    m, n = arr.shape
    if rhs.shape[0] != m:
        raise LinAlgError(
            f"Incompatible dimensions: a has {m} rows but b has {rhs.shape[0]} (shape {rhs.shape})"
        )
    one_d = rhs.ndim == 1
    rhs2 = (rhs[:, None] if one_d else rhs).astype(np.result_type(arr.dtype, rhs.dtype, 1.0))
    if rcond is None:
        rcond = EPS * max(m, n)
    elif rcond < 0:
        rcond = EPS
    if m >= 2 * n > 0 and arr.dtype.kind == "f":  # much taller than wide: QR first, as xGELSD
        return _lstsq_through_qr(arr, rhs2, rcond, one_d)
    tall = m >= n
    work = arr if tall else arr.conj().T  # (p, q) with p >= q: a or a^H
    x = np.zeros((n, rhs2.shape[1]), dtype=rhs2.dtype)
    residuals = np.zeros(0)
    if work.size == 0 or not np.any(work):
        s = np.zeros(min(m, n))
        if n == 0 and m > 0:
            residuals = (np.abs(rhs2) ** 2).sum(axis=0)
        return (x[:, 0] if one_d else x), residuals, 0, s
    scale = power_of_two_scale(work)
    bd = bidiagonalize(work / scale)  # work / scale = Q_u [B; 0] Q_v^H
    q = bd.d.shape[0]
    if q <= QR_VALUES_MAX:  # the values alone are cheap: full rank needs no singular vectors
        s = bidiagonal_svd(bd.d, bd.e, compute_uv=False)[0] * scale
        if np.count_nonzero(s > rcond * s.max()) == q:
            if tall:  # x = Q_v B^-1 (Q_u^H b)[:n] / scale
                transformed = bd.left_adjoint_times(rhs2)
                x = bd.right_vectors(_bidiagonal_solve(bd.d, bd.e, transformed[:n])) / scale
                if m > n:
                    residuals = (np.abs(transformed[n:]) ** 2).sum(axis=0)
            else:  # the minimum-norm x = Q_u [B^-T (Q_v^H b); 0] / scale
                y = _bidiagonal_solve(bd.d, bd.e, bd.right_adjoint_times(rhs2), transpose=True)
                x = bd.left_vectors(y) / scale
            return (x[:, 0] if one_d else x), residuals, q, s
    s, left, right = bidiagonal_svd(bd.d, bd.e)  # B = left diag(s) right^T
    s = s * scale
    keep = s > rcond * s.max()
    rank = int(np.count_nonzero(keep))
    if tall:  # a = (Q_u left) S (Q_v right)^H
        transformed = bd.left_adjoint_times(rhs2)  # Q_u^H b, (m, k)
        coefficients = left[:, keep].T @ transformed[:n]
        x = bd.right_vectors(right[:, keep] @ (coefficients / s[keep, None]))
        if rank == n and m > n:
            residuals = (np.abs(transformed[n:]) ** 2).sum(axis=0)
    else:  # a = (Q_v right) S (Q_u left)^H
        coefficients = right[:, keep].T @ bd.right_adjoint_times(rhs2)
        x = bd.left_vectors(left[:, keep] @ (coefficients / s[keep, None]))
    return (x[:, 0] if one_d else x), residuals, rank, s


def _lstsq_through_qr(a: np.ndarray, rhs: np.ndarray, rcond: float, one_d: bool):
    """lstsq for M >= 2N: with a = Q R (Q (M, N) orthonormal), min ||b - a x|| = min ||Q^T b - R x||
    plus the part of b outside range(Q), and a and R have the same singular values; so the SVD
    work shrinks from (M, N) to (N, N) after one blocked QR (Golub & Van Loan §5.4.3)."""
    q, r = qr(a)
    projected = q.T @ rhs  # (N, K)
    x, _, rank, s = lstsq(r, projected, rcond=rcond)
    residuals = np.zeros(0)
    if rank == a.shape[1]:
        residuals = (np.abs(rhs - q @ projected) ** 2).sum(axis=0)
    return (x[:, 0] if one_d else x), residuals, rank, s


def _bidiagonal_solve(
    d: np.ndarray, e: np.ndarray, c: np.ndarray, transpose: bool = False
) -> np.ndarray:
    """y (n, k) with B y = c (back substitution), or B^T y = c (forward), B = bidiag(d, e).

    y_i = (c_i - e_i y_{i+1}) / d_i from the bottom, or (c_i - e_{i-1} y_{i-1}) / d_i from the
    top: a sequence of n steps, run on Python numbers one right-hand side at a time.
    """
    n = d.shape[0]
    d, e = d.tolist(), e.tolist()
    y = np.empty_like(c)
    steps = range(n) if transpose else range(n - 1, -1, -1)
    for column in range(c.shape[1]):
        rhs = c[:, column].tolist()
        previous = 0.0
        for i in steps:
            coupling = (e[i - 1] if i > 0 else 0.0) if transpose else (e[i] if i < n - 1 else 0.0)
            previous = rhs[i] = (rhs[i] - coupling * previous) / d[i]
        y[:, column] = rhs
    return y


_NOT_GIVEN = object()


def pinv(a, rcond: float | None = None, hermitian: bool = False, *, rtol=_NOT_GIVEN) -> np.ndarray:
    """Moore-Penrose pseudo-inverse A^+ = V diag(1/s_i for s_i > cutoff, else 0) U^H.

    The cut-off is rcond * s_max; as numpy.linalg.pinv, rcond defaults to 1e-15, rtol is its
    Array-API spelling (rtol=None meaning max(M, N) * eps), and only one of them may be given.
    hermitian=True takes a symmetric/Hermitian a and uses `eigh` (s = |eigenvalues|).

    Args:
        a: (M, N) matrix.

    Returns:
        (N, M) pseudo-inverse.
    """
    arr = as_float_matrix(a, "a")
    m, n = arr.shape
    if rcond is None:
        if rtol is _NOT_GIVEN:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(m, n) * EPS
        else:
            rcond = rtol
    elif rtol is not _NOT_GIVEN:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    if m == 0 or n == 0:
        return np.zeros((n, m), dtype=arr.dtype)
    if hermitian:
        w, v = eigh(arr)
        s = np.abs(w)
        large = s > rcond * s.max()
        inverse = np.where(large, 1.0 / np.where(large, w, 1.0), 0.0)
        return (v * inverse) @ v.conj().T
    u, s, vh = _svd(arr, False, True)
    large = s > rcond * s.max()
    inverse = np.where(large, 1.0 / np.where(large, s, 1.0), 0.0)
    return (vh.conj().T * inverse) @ u.conj().T


def matrix_rank(A, tol: float | None = None, hermitian: bool = False, *, rtol=None) -> int:
    """Number of singular values of A above tol (numpy.linalg.matrix_rank).

    tol defaults to S.max() * rtol, with rtol = max(M, N) * eps unless given. A 0-D or 1-D A has
    rank 1 unless all its entries are zero. hermitian=True uses |eigenvalues| for S.
    """
    if rtol is not None and tol is not None:
        raise ValueError("`tol` and `rtol` can't be both set.")
    arr = np.asarray(A)
    if arr.ndim < 2:
        return int(not np.all(arr == 0))
    arr = as_float_matrix(arr, "A")
    if hermitian:
        s = np.abs(eigvalsh(arr))
    else:
        s = _svd(arr, True, False)
    if tol is None:
        if rtol is None:
            rtol = max(arr.shape) * EPS
        tol = s.max(initial=0.0) * rtol
    return int(np.count_nonzero(s > tol))
