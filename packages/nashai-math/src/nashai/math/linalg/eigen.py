"""Eigen-decompositions: eigh/eigvalsh for symmetric and Hermitian matrices, eig/eigvals for
general real ones. Return conventions are numpy.linalg's.

Symmetric/Hermitian (eigh): A = Q T Q^H by a (blocked) Householder reduction to a real tridiagonal
T (`_tridiagonal`), T = Z diag(w) Z^T by Cuppen's divide and conquer with Gu-Eisenstat
eigenvectors (`_divide_and_conquer`; implicit QR on Python floats for a small T and for the
leaves, `_implicit_qr`), and the eigenvectors of A are Q Z.
Golub & Van Loan, Matrix Computations 4th ed. §8.3 and §8.4.

General real (eig): balancing, Householder reduction to upper Hessenberg form, Francis
double-shift implicit QR to the real Schur form T = Z^T (D^-1 A D) Z, and eigenvectors of T by
back substitution, mapped back by D Z (`_schur`). Golub & Van Loan §7.4, §7.5 and §7.6.4.
"""

from __future__ import annotations

import numpy as np

from nashai.math.errors import LinAlgError
from nashai.math.linalg._divide_and_conquer import tridiagonal_eigh
from nashai.math.linalg._scaling import power_of_two_scale
from nashai.math.linalg._schur import real_schur, schur_eigenvalues, schur_eigenvectors
from nashai.math.linalg._tridiagonal import hermitian_from_triangle, tridiagonalize
from nashai.math.linalg._validation import as_square_matrix


def _hermitian_input(a, uplo: str) -> np.ndarray:
    if uplo not in ("L", "U"):
        raise ValueError(f"UPLO must be 'L' or 'U', got {uplo!r}")
    arr = as_square_matrix(a, "a")
    return hermitian_from_triangle(arr, uplo)


def eigh(a, UPLO: str = "L") -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues and eigenvectors of a real symmetric or complex Hermitian matrix.

    A V = V diag(w), V^H V = I. Only the lower (UPLO='L') or upper ('U') triangle of `a` is read,
    and the diagonal's imaginary part is ignored, as in numpy.linalg.eigh.

    Args:
        a: (n, n) symmetric or Hermitian matrix.
        UPLO: which triangle holds the matrix.

    Returns:
        w: (n,) float64 eigenvalues in ascending order.
        v: (n, n) eigenvectors in columns (float64, or complex128 for complex a); column i
            belongs to w[i].
    """
    full = _hermitian_input(a, UPLO)
    n = full.shape[0]
    if n == 0:
        return np.zeros(0), np.zeros((0, 0), dtype=full.dtype)
    scale = power_of_two_scale(full)
    t = tridiagonalize(full / scale)
    w, z = tridiagonal_eigh(t.d, t.e)
    return w * scale, t.vectors(z)


def eigvalsh(a, UPLO: str = "L") -> np.ndarray:
    """Eigenvalues (n,) of a symmetric or Hermitian matrix (n, n), ascending; see `eigh`."""
    full = _hermitian_input(a, UPLO)
    if full.shape[0] == 0:
        return np.zeros(0)
    scale = power_of_two_scale(full)
    t = tridiagonalize(full / scale)
    return tridiagonal_eigh(t.d, t.e)[0] * scale


def _real_general_input(a) -> np.ndarray:
    arr = as_square_matrix(a, "a")
    if arr.dtype.kind == "c":
        raise LinAlgError("eig and eigvals take real matrices; got a complex one")
    return arr


def eig(a) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues and right eigenvectors of a general real square matrix: A v_i = w_i v_i.

    Args:
        a: (n, n) real matrix.

    Returns:
        w: (n,) eigenvalues in the order they appear on the diagonal of the real Schur form;
            complex conjugate pairs are adjacent, the one with positive imaginary part first.
            float64 when all are real, else complex128 (as numpy.linalg.eig).
        v: (n, n) eigenvectors in columns, each of unit 2-norm (complex ones with their largest
            component real); same dtype as w. Column i belongs to w[i].

    Raises:
        LinAlgError: a is not square, or the QR iteration did not converge.
    """
    arr = _real_general_input(a)
    if arr.shape[0] == 0:
        return np.zeros(0), np.zeros((0, 0))
    scale = power_of_two_scale(arr)
    t, z = real_schur(arr / scale, want_vectors=True)
    w = schur_eigenvalues(t)
    v = schur_eigenvectors(t, z, w)
    w *= scale
    if np.all(w.imag == 0.0):
        return w.real.copy(), v.real.copy()
    return w, v


def eigvals(a) -> np.ndarray:
    """Eigenvalues (n,) of a general real square matrix (n, n); see `eig` for order and dtype."""
    arr = _real_general_input(a)
    if arr.shape[0] == 0:
        return np.zeros(0)
    scale = power_of_two_scale(arr)
    t, _ = real_schur(arr / scale, want_vectors=False)
    w = schur_eigenvalues(t) * scale
    return w.real.copy() if np.all(w.imag == 0.0) else w
