"""LU factorisation with partial pivoting, and what it gives: solve, det, slogdet and inv.

Gaussian elimination with partial pivoting (GEPP) writes a row permutation of A as L U, with L
unit lower triangular, |L| <= 1, and U upper triangular (Golub & Van Loan 4th ed. §3.4).

The factorisation here is recursive (Toledo 1997; Gustavson 1997): split the columns in two,

    [A11 A12]   [L11  0 ] [U11 U12]      1. factor the left half  [A11; A21] -> L11, L21, U11
    [A21 A22] = [L21 L22] [ 0  U22]      2. U12 = L11⁻¹ A12                 (matmul)
                                         3. A22 <- A22 - L21 U12            (matmul)
                                         4. factor the right half A22 -> L22, U22

down to panels of `LEAF` columns, which are eliminated column by column. All but O(n² LEAF) of
the 2/3 n³ flops are matmuls. Each recursive call also returns inv(L11) of its columns, put
together from its halves by [[X1, 0], [-X2 L21 X1, X2]], so step 2 is one matmul; a panel gets
its own inv(L11) by Gauss-Jordan: the panel's row operations are applied to an identity too.

The pivot search is inherently one column at a time, so GEPP costs n Python-level steps; making
each step a handful of whole-row NumPy calls is what keeps this within a small factor of LAPACK.
"""

from __future__ import annotations

import numpy as np

from nashai.math.errors import LinAlgError
from nashai.math.linalg._validation import as_columns, as_real_matrix, as_right_hand_side
from nashai.math.linalg.triangular import TriangularSolver

LEAF = 16  # columns per panel eliminated one at a time


def lu_factor(a) -> tuple[np.ndarray, np.ndarray]:
    """Packed LU factorisation with partial pivoting: a[perm] = L @ U.

    Parameters
    ----------
    a : (m, n) array_like

    Returns
    -------
    lu : (m, n) float64 array holding U on and above the diagonal and the multipliers of L
        (unit diagonal not stored) below it; L is m x k and U is k x n with k = min(m, n).
    perm : (m,) int array, the row order: row i of L @ U is row perm[i] of `a`.

    Pass both to `lu_solve` to solve with the same matrix again.
    """
    return _lu_packed(as_real_matrix(a))


def lu(a) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LU decomposition with partial pivoting, a = P @ L @ U, as scipy.linalg.lu returns it.

    Parameters
    ----------
    a : (m, n) array_like

    Returns
    -------
    P : (m, m) permutation matrix
    L : (m, k) unit lower triangular (trapezoidal) with |L| <= 1, k = min(m, n)
    U : (k, n) upper triangular (trapezoidal)
    """
    packed, perm = _lu_packed(as_real_matrix(a))
    m, n = packed.shape
    k = min(m, n)
    lower = np.tril(packed[:, :k], -1)
    lower[np.arange(k), np.arange(k)] = 1.0
    p = np.zeros((m, m))
    p[perm, np.arange(m)] = 1.0  # column i of P picks row perm[i]
    return p, lower, np.triu(packed[:k])


def lu_solve(lu_and_perm: tuple[np.ndarray, np.ndarray], b) -> np.ndarray:
    """Solve a x = b given `lu_factor(a)`; b of shape (n,) or (n, k), x of the same shape.

    x = U⁻¹ L⁻¹ b[perm], two blocked triangular solves. Raises LinAlgError if U has a zero
    on its diagonal (a is singular) or the shapes do not match.
    """
    packed, perm = lu_and_perm
    n = packed.shape[0]
    if packed.ndim != 2 or packed.shape[1] != n:
        raise LinAlgError(
            f"lu_solve needs the factors of a square matrix, got shape {packed.shape}"
        )
    rhs = as_right_hand_side(b, n)
    _check_nonsingular(packed)
    return _solve_factored(packed, perm, as_columns(rhs)).reshape(rhs.shape)


def solve(a, b) -> np.ndarray:
    """Solve the square system a x = b by LU with partial pivoting (numpy.linalg.solve).

    Parameters
    ----------
    a : (n, n) array_like
    b : (n,) or (n, k) array_like; as in NumPy 2, a 1-D b is one right-hand side.

    Returns
    -------
    x : float64 array of the shape of b.

    Raises
    ------
    LinAlgError if a is not square, b does not have n rows, or a is singular (an exactly zero
    pivot, as LAPACK's dgesv reports it).
    """
    matrix = as_real_matrix(a, square=True)
    n = matrix.shape[0]
    rhs = as_right_hand_side(b, n)
    packed, perm = _lu_packed(matrix)
    _check_nonsingular(packed)
    return _solve_factored(packed, perm, as_columns(rhs)).reshape(rhs.shape)


def inv(a) -> np.ndarray:
    """Inverse of a square matrix, solving a X = I by LU with partial pivoting.

    Raises LinAlgError if a is not square or is singular.
    """
    matrix = as_real_matrix(a, square=True)
    packed, perm = _lu_packed(matrix)
    _check_nonsingular(packed)
    return _solve_factored(packed, perm, np.eye(matrix.shape[0]))


def det(a) -> float:
    """Determinant of a square matrix: det(a) = sign(perm) * prod(diag(U)).

    An exactly singular matrix (a zero pivot) gives 0.0. Like numpy.linalg.det the product may
    overflow to ±inf for large matrices; use `slogdet` there.
    """
    packed, perm = _lu_packed(as_real_matrix(a, square=True))
    return float(_permutation_sign(perm) * np.prod(np.diagonal(packed)))


def slogdet(a) -> tuple[float, float]:
    """Sign and natural log of |det(a)|, so that det(a) = sign * exp(logabsdet).

    log|det a| = sum_i log|U_ii|, free of the overflow of `det`. A singular matrix gives
    (0.0, -inf), as numpy.linalg.slogdet does.
    """
    packed, perm = _lu_packed(as_real_matrix(a, square=True))
    diagonal = np.diagonal(packed)
    if np.any(diagonal == 0.0):
        return 0.0, -np.inf
    sign = _permutation_sign(perm) * (-1.0) ** int(np.count_nonzero(diagonal < 0.0))
    return float(sign), float(np.sum(np.log(np.abs(diagonal))))


def _lu_packed(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lu, perm) of `lu_factor` for a validated (m, n) float array."""
    packed = np.array(a, dtype=np.float64, order="C")  # a fresh copy, factored in place
    m, n = packed.shape
    k = min(m, n)
    perm = np.arange(m)
    if k:
        inverse_l11 = _factor_columns(packed, perm, 0, k, need_inverse=n > k)
        if n > k:  # wide: the columns right of the square part only need U12 = L11⁻¹ A12
            packed[:, k:] = inverse_l11 @ packed[:, k:]
    return packed, perm


def _factor_columns(
    lu: np.ndarray, perm: np.ndarray, start: int, stop: int, need_inverse: bool
) -> np.ndarray | None:
    """Factor columns start:stop of lu (rows start:) in place; return inv(L11) if asked.

    Row interchanges are applied to whole rows of `lu` (every column) and recorded in `perm`.
    """
    width = stop - start
    if width <= LEAF:
        return _factor_panel(lu, perm, start, stop, need_inverse)
    mid = start + max(LEAF, width // 2 // LEAF * LEAF)
    inverse_11 = _factor_columns(lu, perm, start, mid, need_inverse=True)
    u12 = lu[start:mid, mid:stop]
    u12[...] = inverse_11 @ u12
    schur = lu[mid:, mid:stop]
    schur -= lu[mid:, start:mid] @ u12
    inverse_22 = _factor_columns(lu, perm, mid, stop, need_inverse)
    if not need_inverse:
        return None
    left = mid - start
    inverse = np.zeros((width, width))
    inverse[:left, :left] = inverse_11
    inverse[left:, left:] = inverse_22
    inverse[left:, :left] = -(inverse_22 @ (lu[mid:stop, start:mid] @ inverse_11))
    return inverse


def _factor_panel(
    lu: np.ndarray, perm: np.ndarray, start: int, stop: int, need_inverse: bool
) -> np.ndarray | None:
    """Unblocked right-looking GEPP on the panel lu[start:, start:stop] (G&VL Alg. 3.4.1).

    The panel is worked on transposed, so that each of its columns is a contiguous row, inside
    `work` of shape (2 width, rows): rows :width are the panel, rows width: record the row
    operations applied to an identity (Gauss-Jordan), which leaves inv(L11) in their first
    `width` columns. Step j updates the `width` rows j+1 : width+j+1 of `work` at once with the
    multipliers padded by zeros to a whole row, l = [0 ... 0, a_(j+1:, j) / a_jj]; the columns
    of L are divided by their pivots all together at the end.
    """
    rows, width = lu.shape[0] - start, stop - start
    work = np.zeros((2 * width, rows))
    work[:width] = lu[start:, start:stop].T
    multipliers = np.zeros(rows)
    scales = np.ones(width)  # 1 / pivot
    order = list(range(rows))  # order[i]: the panel row now at position i
    touched = []
    for j in range(width):
        column = work[j, j:]
        largest, smallest = column.argmax(), column.argmin()
        p = int(largest if column[largest] >= -column[smallest] else smallest)
        if p:  # row interchange j <-> j + p
            p += j
            saved = work[:, j].copy()
            work[:, j] = work[:, p]
            work[:, p] = saved
            order[j], order[p] = order[p], order[j]
            touched += (j, p)
        work[width + j, j] = 1.0
        multipliers[j] = 0.0
        pivot = column[0]
        if pivot != 0.0:  # a zero column has nothing to eliminate (U gets a zero pivot)
            scales[j] = scale = 1.0 / pivot
            np.multiply(column[1:], scale, out=multipliers[j + 1 :])
            below = work[j + 1 : width + j + 1]
            below -= np.dot(below[:, j, None], multipliers[None])
    work[:width, width:] *= scales[:, None]
    top = work[:width, :width]  # its entries right of the diagonal are L's
    np.multiply(top, scales[:, None], out=top, where=np.tri(width, k=-1, dtype=bool).T)
    if touched:
        moved = np.unique(np.array(touched))
        source = np.array([order[i] for i in moved.tolist()])
        lu[start + moved] = lu[start + source]  # the swaps, on every column of lu
        perm[start + moved] = perm[start + source]
    lu[start:, start:stop] = work[:width].T
    return work[width:, :width].T.copy() if need_inverse else None


def _permutation_sign(perm: np.ndarray) -> float:
    """(-1)^(number of transpositions) = (-1)^(n - number of cycles) of the permutation."""
    order, seen, cycles = perm.tolist(), [False] * len(perm), 0
    for start in range(len(order)):
        if not seen[start]:
            cycles += 1
            i = start
            while not seen[i]:
                seen[i] = True
                i = order[i]
    return -1.0 if (len(order) - cycles) % 2 else 1.0


def _check_nonsingular(packed: np.ndarray) -> None:
    zeros = np.flatnonzero(np.diagonal(packed) == 0.0)
    if zeros.size:
        raise LinAlgError(f"singular matrix: U[{zeros[0]}, {zeros[0]}] is exactly zero in PA = LU")


def _solve_factored(packed: np.ndarray, perm: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x = U⁻¹ L⁻¹ b[perm] for b of shape (n, k)."""
    y = TriangularSolver(packed, lower=True, unit_diagonal=True).solve(b[perm])
    return TriangularSolver(packed, lower=False).solve(y)
