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

BLOCK = 32  # reflectors per compact-WY block


def householder(x: np.ndarray) -> tuple[np.ndarray, float, complex | float]:
    """Reflector (v, tau, beta) with (I - tau v v^H) x = beta e_1.

    x: (m,) real or complex, m >= 1. Returns v (m,) with v[0] = 1, tau in [1, 2] (or 0 when x is
    already a multiple of e_1) and beta = -phase(x[0]) ||x||_2.
    """
    alpha = x[0]
    tail = x[1:]
    tail_norm2 = float(np.vdot(tail, tail).real)
    v = np.zeros_like(x)
    v[0] = 1.0
    if tail_norm2 == 0.0:
        return v, 0.0, alpha
    abs_alpha = abs(alpha)
    norm = math.sqrt(abs_alpha * abs_alpha + tail_norm2)
    phase = alpha / abs_alpha if abs_alpha != 0.0 else 1.0
    beta = -phase * norm
    v[1:] = tail / (alpha - beta)
    tau = 1.0 + abs_alpha / norm
    return v, tau, beta


def block_triangular_factor(v: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """T (b, b) upper triangular with H_0 ... H_{b-1} = I - V T V^H, V = v (m, b).

    Column i: T[:i, i] = -tau_i T[:i, :i] (V[:, :i]^H v_i), T[i, i] = tau_i.
    """
    b = v.shape[1]
    gram = v.conj().T @ v  # (b, b): V^H V
    t = np.zeros((b, b), dtype=v.dtype)
    for i in range(b):
        t[:i, i] = -tau[i] * (t[:i, :i] @ gram[:i, i])
        t[i, i] = tau[i]
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
