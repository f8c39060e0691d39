"""QR factorisation by Householder reflections in compact WY form.

A Householder reflection H = I - tau v vᵀ maps x to (beta, 0, ..., 0) (Golub & Van Loan 4th ed.
§5.1.2; LAPACK's dlarfg convention: v[0] = 1 and beta = -sign(x[0]) ‖x‖, so R's diagonal may be
negative exactly as in numpy.linalg.qr). Householder QR (G&VL §5.2) applies one reflection per
column: H_k ⋯ H_2 H_1 A = R, A = Q R with Q = H_1 H_2 ⋯ H_k.

Blocked (Schreiber & Van Loan 1989, G&VL §5.2.3): the reflections of a panel of `BLOCK` columns
are gathered into the compact WY form H_1 ⋯ H_b = I - V T Vᵀ, V (m x b) unit lower trapezoidal
and T (b x b) upper triangular, found from T⁻¹ = striu(VᵀV) + diag(1/tau) (Puglisi 1992;
Joffrain et al. 2006). The rest of the matrix is then updated with three matmuls,
A <- (I - V T Vᵀ)ᵀ A = A - V Tᵀ (Vᵀ A), and Q is accumulated backwards the same way.
"""

from __future__ import annotations

import math

import numpy as np

from nashai.math.linalg._validation import as_real_matrix
from nashai.math.linalg.triangular import invert_lower_stack

BLOCK = 32  # columns per panel

MODES = ("reduced", "complete", "r")


def qr(a, mode: str = "reduced"):
    """QR factorisation a = Q R with numpy.linalg.qr's modes and shapes, k = min(m, n).

    Parameters
    ----------
    a : (m, n) array_like
    mode : 'reduced' -> (Q (m, k) with orthonormal columns, R (k, n) upper triangular);
        'complete' -> (Q (m, m) orthogonal, R (m, n)); 'r' -> R (k, n) alone.

    Returns
    -------
    (Q, R) or R as float64 arrays, as numpy.linalg.qr returns them (same signs: R's diagonal
    may be negative). Works for any shape, including rank-deficient matrices.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    r = np.array(as_real_matrix(a), dtype=np.float64, order="C")
    m, n = r.shape
    k = min(m, n)
    panels = []  # (start, V (rows, b) as Vᵀ (b, rows), T (b, b))
    for start in range(0, k, BLOCK):
        stop = min(start + BLOCK, k)
        v_t, t = householder_panel(r, start, stop)
        panels.append((start, v_t, t))
        if stop < n:  # A <- A - V Tᵀ (Vᵀ A) on the columns right of the panel
            rest = r[start:, stop:]
            rest -= v_t.T @ (t.T @ (v_t @ rest))
    rows = m if mode == "complete" else k
    r_out = np.triu(r[:rows])
    if mode == "r":
        return r_out
    q = np.eye(m, rows)
    for start, v_t, t in reversed(panels):  # Q = (I - V1 T1 V1ᵀ)(I - V2 T2 V2ᵀ) ⋯ I
        block = q[start:, start:]
        block -= v_t.T @ (t @ (v_t @ block))
    return q, r_out


def householder(x: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Householder vector of x (LAPACK dlarfg): (I - tau v vᵀ) x = (beta, 0, ..., 0).

    v has v[0] = 1; beta = -sign(x[0]) ‖x‖ and tau = (beta - x[0]) / beta, in [1, 2]. When x[1:]
    is zero no reflection is needed: tau = 0, beta = x[0].

    x : (m,) array. Returns v (m,), tau, beta.
    """
    x = np.asarray(x, dtype=np.float64)
    alpha = float(x[0])
    sigma = float(np.dot(x[1:], x[1:]))
    v = np.zeros_like(x)
    v[0] = 1.0
    if sigma == 0.0:
        return v, 0.0, alpha
    beta = -math.copysign(math.sqrt(alpha * alpha + sigma), alpha)
    v[1:] = x[1:] / (alpha - beta)
    return v, (beta - alpha) / beta, beta


def compact_wy_t(v_t: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """T of the compact WY form H_1 ⋯ H_b = I - V T Vᵀ, with H_j = I - tau_j v_j v_jᵀ.

    T⁻¹ = striu(VᵀV) + diag(1/tau) (Puglisi 1992). A reflection with tau = 0 is the identity:
    pass a zero row for it in v_t and it gets a zero row and column in T.

    v_t : (b, m) the vectors v_j as rows. taus : (b,). Returns T (b, b) upper triangular.
    """
    taus = np.asarray(taus, dtype=np.float64)
    b = len(taus)
    identity = taus == 0.0
    diagonal = np.ones(b)
    diagonal[~identity] = 1.0 / taus[~identity]
    size = 1 << max(0, (b - 1).bit_length())  # padded to a power of two for the inversion
    lower = np.eye(size)  # (T⁻¹)ᵀ, lower triangular
    lower[:b, :b] = np.tril(v_t @ v_t.T, -1)
    lower[np.arange(b), np.arange(b)] = diagonal
    t = invert_lower_stack(lower[None], unit_diagonal=False)[0, :b, :b].T
    t[identity, identity] = 0.0
    return t


def householder_panel(r: np.ndarray, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """Householder QR of the panel r[start:, start:stop], in place (unblocked, G&VL Alg. 5.2.1).

    On return the panel holds R on and above its diagonal (below it: scratch). Returns Vᵀ
    (b, rows) with the Householder vectors as rows (unit entry explicit, zeros before it) and
    the T of their compact WY form.

    The panel is worked on transposed, so each column is a contiguous row; the reflection of
    column j is applied to the later columns in one matvec and one outer product on whole rows.
    """
    rows, width = r.shape[0] - start, stop - start
    work = np.ascontiguousarray(r[start:, start:stop].T)  # (width, rows)
    v_t = np.zeros((width, rows))
    taus = np.zeros(width)
    for j in range(width):
        x = work[j, j:]
        alpha = float(x[0])
        sigma = float(np.dot(x[1:], x[1:]))
        if sigma == 0.0:
            continue  # x is already (alpha, 0, ..., 0): H = I, v_j = 0 in v_t
        beta = -math.copysign(math.sqrt(alpha * alpha + sigma), alpha)
        tau = (beta - alpha) / beta
        v = v_t[j]
        v[j] = 1.0
        np.multiply(x[1:], 1.0 / (alpha - beta), out=v[j + 1 :])
        taus[j] = tau
        x[0] = beta
        if j + 1 < width:
            later = work[j + 1 :]
            later -= np.multiply.outer(later @ v * tau, v)
    r[start:, start:stop] = work.T
    return v_t, compact_wy_t(v_t, taus)
