"""Cholesky factorisation A = L Lᵀ of a symmetric positive definite matrix.

Recursive on the lower triangle (Gustavson 1997; Golub & Van Loan 4th ed. §4.2):

    [A11  ·  ]   [L11  0 ] [L11ᵀ L21ᵀ]      1. factor A11 -> L11, and X11 = inv(L11)
    [A21 A22] = [L21 L22] [ 0   L22ᵀ]      2. L21 = A21 L11⁻ᵀ = A21 X11ᵀ          (matmul)
                                           3. A22 <- A22 - L21 L21ᵀ              (matmul)
                                           4. factor A22 -> L22, X22

so all but O(n LEAF²) of the flops are matmuls. inv(L) of a block comes from those of its
halves, [[X11, 0], [-X22 L21 X11, X22]]. A block of at most `LEAF` rows is factored by symmetric
Gaussian elimination applied to [A | I]: it leaves D L̃ᵀ on the left and L̃⁻¹ on the right
(A = L̃ D L̃ᵀ with L̃ unit lower), whence L = L̃ D^½ and L⁻¹ = D^-½ L̃⁻¹.
"""

from __future__ import annotations

import numpy as np

from nashai.math.errors import LinAlgError
from nashai.math.linalg._validation import as_real_matrix

LEAF = 16  # rows of the diagonal blocks factored by elimination


def cholesky(a, upper: bool = False) -> np.ndarray:
    """Cholesky factor of a symmetric positive definite matrix (numpy.linalg.cholesky).

    Only the lower triangle of `a` is read, as NumPy and LAPACK do.

    Parameters
    ----------
    a : (n, n) array_like, symmetric positive definite.
    upper : return the upper factor R = Lᵀ, with a = Rᵀ R, instead of L.

    Returns
    -------
    (n, n) float64 array: L lower triangular with a positive diagonal and a = L @ L.T (or R).

    Raises
    ------
    LinAlgError if `a` is not square or not positive definite (a leading minor is <= 0).
    """
    lower = np.array(as_real_matrix(a, square=True), dtype=np.float64, order="C")
    if lower.shape[0]:
        _factor(lower, 0, lower.shape[0], need_inverse=False)
    return np.ascontiguousarray(lower.T) if upper else lower


def _factor(l: np.ndarray, start: int, stop: int, need_inverse: bool) -> np.ndarray | None:
    """Overwrite the diagonal block l[start:stop, start:stop] with its Cholesky factor.

    Only the block's lower triangle is read; its strict upper triangle is set to zero.
    Returns the inverse of the factor when asked.
    """
    size = stop - start
    if size <= LEAF:
        return _factor_leaf(l, start, stop, need_inverse)
    mid = start + max(LEAF, size // 2 // LEAF * LEAF)
    inverse_11 = _factor(l, start, mid, need_inverse=True)
    l21 = l[mid:stop, start:mid]
    l21[...] = l21 @ inverse_11.T
    schur = l[mid:stop, mid:stop]
    schur -= l21 @ l21.T
    l[start:mid, mid:stop] = 0.0
    inverse_22 = _factor(l, mid, stop, need_inverse)
    if not need_inverse:
        return None
    left = mid - start
    inverse = np.zeros((size, size))
    inverse[:left, :left] = inverse_11
    inverse[left:, left:] = inverse_22
    inverse[left:, :left] = -(inverse_22 @ (l21 @ inverse_11))
    return inverse


def _factor_leaf(l: np.ndarray, start: int, stop: int, need_inverse: bool) -> np.ndarray | None:
    """Symmetric Gaussian elimination on [A | I] for a block of at most LEAF rows.

    The block is taken transposed, so its upper triangle holds A; the multipliers of step j are
    then in row j (a_ji / a_jj = a_ij / a_jj by symmetry) and each step is one outer product on
    whole rows. Entries below the diagonal become scratch and are dropped at the end.
    """
    block = l[start:stop, start:stop]
    size = stop - start
    work = np.zeros((size, 2 * size))
    work[:, :size] = block.T
    work[:, size:] = np.eye(size)
    for j in range(size):
        pivot = work[j, j]
        if not pivot > 0.0:
            raise LinAlgError(
                f"matrix is not positive definite: the leading minor of order {start + j + 1} "
                "is not positive"
            )
        if j + 1 < size:
            multipliers = work[j, j + 1 : size] / pivot
            below = work[j + 1 :]
            below -= np.multiply.outer(multipliers, work[j])
    scaled = work * (1.0 / np.sqrt(np.diagonal(work)))[:, None]  # rows of [D^-½ D L̃ᵀ | D^-½ L̃⁻¹]
    block[...] = np.triu(scaled[:, :size]).T
    return scaled[:, size:] if need_inverse else None
