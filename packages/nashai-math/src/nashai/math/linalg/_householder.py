"""Householder reflectors and their blocked (compact WY) application.

A reflector is H = I - tau v v^H with v[0] = 1 and real tau, so H is Hermitian and unitary.
`householder` picks v and tau so that H x = beta e_1 with |beta| = ||x||_2 (Golub & Van Loan,
Matrix Computations 4th ed. §5.1.2). beta carries the phase of -x[0], which keeps the update
free of cancellation; the reductions that use it make their complex outputs real afterwards
with a diagonal unitary scaling.

A product of reflectors Q = H_0 H_1 ... H_{k-1} is stored as the matrix V whose column j is v_j
(zeros above v_j's first entry) and the vector tau. It is applied a block of columns at a time in
the compact WY form H_j ... H_{j+b-1} = I - V_b T_b V_b^H with T_b upper triangular (Schreiber &
Van Loan 1989; Golub & Van Loan §5.1.7), so the work is matrix-matrix products.
"""

from __future__ import annotations

import math

import numpy as np

from nashai.math.linalg.triangular import invert_lower_stack

BLOCK = 32  # reflectors per compact-WY block
SAFE_SQUARES = (2.0**-900, 2.0**900)  # sums of squares computed without loss of digits


def householder(x: np.ndarray) -> tuple[np.ndarray, float, complex | float]:
    """Reflector (v, tau, beta) with (I - tau v v^H) x = beta e_1.

    x: (m,) real or complex, m >= 1. Returns v (m,) with v[0] = 1, tau in [1, 2] (or 0 when x is
    already a multiple of e_1) and beta = -phase(x[0]) ||x||_2. An x whose squares would
    underflow or overflow is first scaled by a power of two (v and tau do not change, beta
    scales back), as LAPACK's xLARFG does: squares in the subnormal range lose the digits that
    make v and tau agree, and the reflector would not be orthogonal.
    """
    alpha = x[0]
    tail = x[1:]
    tail_norm2 = float(np.vdot(tail, tail).real)
    if not SAFE_SQUARES[0] <= tail_norm2 <= SAFE_SQUARES[1]:
        largest_tail = float(np.abs(tail).max(initial=0.0))
        if largest_tail == 0.0:
            v = np.zeros_like(x)
            v[0] = 1.0
            return v, 0.0, alpha
        scale = math.ldexp(1.0, math.frexp(max(largest_tail, abs(alpha)))[1])
        if scale != 1.0:
            v, tau, beta = householder(x / scale)
            return v, tau, beta * scale
    abs_alpha = abs(alpha)
    norm = math.sqrt(abs_alpha * abs_alpha + tail_norm2)
    phase = alpha / abs_alpha if abs_alpha != 0.0 else 1.0
    beta = -phase * norm
    v = x / (alpha - beta)
    v[0] = 1.0
    tau = 1.0 + abs_alpha / norm
    return v, tau, beta


def block_triangular_factor(v: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """T (b, b) upper triangular with H_0 ... H_{b-1} = I - V T V^H, V = v (m, b).

    T^-1 = striu(V^H V) + diag(1 / tau) (Puglisi 1992; Joffrain et al. 2006), inverted by the
    doubling of `invert_lower_stack` on its transpose. A reflector with tau = 0 is the identity:
    its column of V is left out of the product and its row and column of T are zero.
    """
    b = v.shape[1]
    identity = tau == 0.0
    if identity.any():
        v = v * ~identity
    size = 1 << max(0, (b - 1).bit_length())  # padded to a power of two for the inversion
    lower = np.eye(size, dtype=v.dtype)  # (T^-1)^T
    lower[:b, :b] = np.tril(v.T @ v.conj(), -1)
    lower[np.arange(b), np.arange(b)] = 1.0 / np.where(identity, 1.0, tau)
    t = invert_lower_stack(lower[None], unit_diagonal=False)[0, :b, :b].T
    if identity.any():
        t[identity, identity] = 0.0
    return t


def apply_reflectors(v: np.ndarray, tau: np.ndarray, c: np.ndarray, offset: int = 0) -> np.ndarray:
    """Q C for Q = H_0 H_1 ... H_{k-1}, overwriting and returning C.

    v: (m, k) reflector columns, tau: (k,). Column j's first nonzero row is j + offset (offset 1
    for the reductions to tridiagonal and Hessenberg form, whose reflectors start below the
    diagonal). C: (m, p). Blocks are applied last first: Q C = Q_0 (Q_1 (... C)).
    """
    k = v.shape[1]
    for start in reversed(range(0, k, BLOCK)):
        stop = min(start + BLOCK, k)
        row = start + offset
        vb = v[row:, start:stop]  # (m - row, b)
        t = block_triangular_factor(vb, tau[start:stop])
        c[row:] -= vb @ (t @ (vb.conj().T @ c[row:]))
    return c


def apply_reflectors_adjoint(
    v: np.ndarray, tau: np.ndarray, c: np.ndarray, offset: int = 0
) -> np.ndarray:
    """Q^H C = H_{k-1} ... H_0 C, overwriting and returning C (shapes as `apply_reflectors`)."""
    k = v.shape[1]
    for start in range(0, k, BLOCK):
        stop = min(start + BLOCK, k)
        row = start + offset
        vb = v[row:, start:stop]
        t = block_triangular_factor(vb, tau[start:stop])
        c[row:] -= vb @ (t.conj().T @ (vb.conj().T @ c[row:]))
    return c
