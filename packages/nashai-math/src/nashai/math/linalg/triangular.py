"""Triangular systems T x = b by blocked substitution (Golub & Van Loan 4th ed. §3.1).

The matrix is cut into diagonal blocks of `BLOCK` rows. Block substitution then reads, for a lower
triangular T and block rows k = 0, 1, ...

    r_k = b_k - T[k, :k] @ x[:k]          off-diagonal update: one matmul
    x_k = T_kk⁻¹ r_k                       diagonal block

so a solve costs n / BLOCK Python steps whatever the number of right-hand sides. The small
diagonal blocks are inverted once, all together, by the 2x2 block formula

    [[A, 0], [C, B]]⁻¹ = [[A⁻¹, 0], [-B⁻¹ C A⁻¹, B⁻¹]]

applied from 1x1 blocks up to BLOCK x BLOCK on the whole stack at once (batched matmuls).
Multiplying by an explicit inverse is only conditionally stable (Higham, Accuracy and Stability
of Numerical Algorithms, 2nd ed. §8 and §14), so every diagonal-block solve takes one step of
iterative refinement, x_k += T_kk⁻¹ (r_k - T_kk x_k), which by Skeel's theorem makes it backward
stable unless a single block is itself numerically singular.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from nashai.math.errors import LinAlgError
from nashai.math.linalg._validation import as_columns, as_real_matrix, as_right_hand_side

BLOCK = 32  # rows per diagonal block; a power of two


def solve_triangular(a, b, lower: bool = False, unit_diagonal: bool = False) -> np.ndarray:
    """Solve T x = b where T is the lower (or upper) triangle of `a`.

    Only the triangle named by `lower` is read, as in scipy.linalg.solve_triangular; with
    `unit_diagonal` the diagonal is taken to be 1 and not read either.

    Parameters
    ----------
    a : (n, n) array_like
    b : (n,) or (n, k) array_like
    lower : use the lower triangle (forward substitution) instead of the upper one.
    unit_diagonal : assume T has ones on its diagonal.

    Returns
    -------
    x : (n,) or (n, k) float64 array, the shape of `b`.

    Raises
    ------
    LinAlgError if `a` is not square, `b` does not have n rows, or T has a zero on its diagonal.
    """
    t = as_real_matrix(a, square=True)
    rhs = as_right_hand_side(b, t.shape[0])
    if not unit_diagonal:
        zeros = np.flatnonzero(np.diagonal(t) == 0.0)
        if zeros.size:
            raise LinAlgError(f"singular matrix: diagonal entry {zeros[0]} of `a` is zero")
    return TriangularSolver(t, lower, unit_diagonal).solve(as_columns(rhs)).reshape(rhs.shape)


class TriangularSolver:
    """A triangular matrix with its diagonal blocks inverted once, ready for many solves.

    `t` (n, n) is read only through its triangle; the other one may hold anything (a packed LU
    factorisation holds L below the diagonal and U on and above it, and the LU solves use it
    through two of these).
    """

    def __init__(self, t: np.ndarray, lower: bool, unit_diagonal: bool = False):
        self.t, self.lower, self.unit_diagonal = t, lower, unit_diagonal
        self.n = t.shape[0]
        self.diagonal_blocks = _diagonal_blocks(t, lower, unit_diagonal)  # (N, B, B) triangles
        self.inverse_blocks = invert_lower_stack(
            self.diagonal_blocks if lower else self.diagonal_blocks.transpose(0, 2, 1),
            unit_diagonal,
        )
        if not lower:
            self.inverse_blocks = self.inverse_blocks.transpose(0, 2, 1)

    def solve(self, b: np.ndarray) -> np.ndarray:
        """x with T x = b for b of shape (n, k); returns a new (n, k) array."""
        n, t = self.n, self.t
        x = np.array(b, dtype=np.float64)
        size = self.diagonal_blocks.shape[1]
        blocks = range(len(self.diagonal_blocks))
        for k in blocks if self.lower else reversed(blocks):
            start, stop = k * size, min(n, (k + 1) * size)
            width = stop - start
            r = x[start:stop]
            if self.lower and start:
                r -= t[start:stop, :start] @ x[:start]
            elif not self.lower and stop < n:
                r -= t[start:stop, stop:] @ x[stop:]
            inverse = self.inverse_blocks[k, :width, :width]
            x_k = inverse @ r
            x_k += inverse @ (r - self.diagonal_blocks[k, :width, :width] @ x_k)  # refinement
            r[...] = x_k
        return x


def _diagonal_blocks(t: np.ndarray, lower: bool, unit_diagonal: bool) -> np.ndarray:
    """The diagonal blocks of triangle(t) as a (N, B, B) stack, the last one padded with I."""
    n = t.shape[0]
    size = min(BLOCK, 1 << max(0, (n - 1).bit_length()))  # a power of two, at most BLOCK
    count, rest = divmod(n, size)
    blocks = np.zeros((count + (rest > 0), size, size))
    if count:
        step, item = t.strides
        blocks[:count] = _strided_view(t, (count, size, size), ((step + item) * size, step, item))
    if rest:
        blocks[count, :rest, :rest] = t[count * size :, count * size :]
        pad = np.arange(rest, size)
        blocks[count, pad, pad] = 1.0
    blocks = np.tril(blocks) if lower else np.triu(blocks)
    if unit_diagonal:
        diagonal = np.arange(size)
        blocks[:, diagonal, diagonal] = 1.0
    return blocks


def invert_lower_stack(blocks: np.ndarray, unit_diagonal: bool) -> np.ndarray:
    """Inverses of a stack (N, B, B) of lower triangular matrices, B a power of two.

    Doubling: once every diagonal sub-block of size h is inverted, the sub-blocks of size 2h
    follow from the 2x2 formula, X21 = -X22 @ T21 @ X11, for the whole stack in two matmuls.
    """
    count, size, _ = blocks.shape
    t = np.ascontiguousarray(blocks)
    x = np.zeros_like(t)
    diagonal = np.arange(size)
    x[:, diagonal, diagonal] = 1.0 if unit_diagonal else 1.0 / t[:, diagonal, diagonal]
    stack, row, item = t.strides
    h = 1
    while h < size:
        shape = (count, size // (2 * h), 2 * h, 2 * h)  # the diagonal sub-blocks of size 2h
        strides = (stack, 2 * h * (row + item), row, item)
        t_sub = _strided_view(t, shape, strides)
        x_sub = _strided_view(x, shape, strides)
        x_sub[..., h:, :h] = -((x_sub[..., h:, h:] @ t_sub[..., h:, :h]) @ x_sub[..., :h, :h])
        h *= 2
    return x


def _strided_view(arr: np.ndarray, shape: tuple, strides: tuple) -> np.ndarray:
    """as_strided(arr, shape, strides), built directly on the buffer when arr is contiguous."""
    if arr.flags.c_contiguous:
        return np.ndarray(shape, arr.dtype, arr, 0, strides)
    return as_strided(arr, shape, strides, writeable=False)
