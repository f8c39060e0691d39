"""Golub-Kahan Householder bidiagonalisation A = U_B B V_B^H of a tall matrix (m >= n).

Step k reflects column k onto e_1 from the left (diagonal d_k), then row k right of the diagonal
onto e_1 from the right (superdiagonal e_k) (Golub & Van Loan, Matrix Computations 4th ed.
§5.4.8). Complex d_k and e_k are then made real and non-negative by diagonal unitary scalings
folded into U_B and V_B, so B is a real upper bidiagonal matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nashai.math.linalg._householder import (
    BLOCK,
    apply_reflectors,
    apply_reflectors_adjoint,
    householder,
)

UNBLOCKED = 8192  # up to this many entries, one reflector at a time: fewer NumPy calls per step


@dataclass
class Bidiagonal:
    """A = U_B diag(left) B diag(right)^H V_B^H, B = upper bidiagonal(d, e), real."""

    d: np.ndarray  # (n,)
    e: np.ndarray  # (n-1,)
    u_v: np.ndarray  # (m, n) left reflectors, column k starts at row k
    u_tau: np.ndarray  # (n,)
    v_v: np.ndarray  # (n, n-1) right reflectors, column k starts at row k + 1
    v_tau: np.ndarray  # (n-1,)
    left: np.ndarray | None  # (n,) unit phases for complex A, else None
    right: np.ndarray | None

    def left_vectors(self, x: np.ndarray, m_columns: int | None = None) -> np.ndarray:
        """U_B diag(left) [x; 0] for x (n, p): (m, p), or (m, m) with identity when m_columns=m."""
        m, n = self.u_v.shape
        if self.left is not None:
            x = x * self.left[:, None]
        width = x.shape[1] if m_columns is None else m_columns
        full = np.zeros((m, width), dtype=self.u_v.dtype)
        full[:n, : x.shape[1]] = x
        if width > x.shape[1]:
            full[n:, x.shape[1] :] = np.eye(m - n)
        return apply_reflectors(self.u_v, self.u_tau, full)

    def left_adjoint_times(self, b: np.ndarray) -> np.ndarray:
        """(U_B diag(left))^H b for b (m, p), with the rows below n left as U_B^H gives them."""
        w = apply_reflectors_adjoint(
            self.u_v, self.u_tau, b.astype(np.result_type(self.u_v, b), copy=True)
        )
        if self.left is not None:
            w[: self.left.shape[0]] *= self.left.conj()[:, None]
        return w

    def right_adjoint_times(self, c: np.ndarray) -> np.ndarray:
        """(V_B diag(right))^H c for c (n, p)."""
        w = apply_reflectors_adjoint(
            self.v_v, self.v_tau, c.astype(np.result_type(self.v_v, c), copy=True), offset=1
        )
        if self.right is not None:
            w *= self.right.conj()[:, None]
        return w

    def right_vectors(self, y: np.ndarray) -> np.ndarray:
        """V_B diag(right) y for y (n, p): (n, p)."""
        y = y.astype(self.v_v.dtype, copy=True)
        if self.right is not None:
            y *= self.right[:, None]
        return apply_reflectors(self.v_v, self.v_tau, y, offset=1)


def bidiagonalize(a: np.ndarray) -> Bidiagonal:
    """Reduce a (m, n), m >= n >= 1, to real upper bidiagonal form (see module doc).

    Blocked as LAPACK's xLABRD: within a panel of BLOCK steps the trailing matrix stays as it
    was, A_now = A - V Y^H - X U^H, with V, U the panel's left and right reflectors,
    y_k = tau_k A_now^H v_k and x_k = tau'_k A_now u_k; the columns and rows the panel needs are
    corrected on the fly, and after the panel the trailing matrix takes the two matrix products.
    Up to UNBLOCKED entries each reflector updates the trailing matrix at once instead.
    """
    a = np.array(a, copy=True)
    m, n = a.shape
    d = np.empty(n, dtype=a.dtype)
    e = np.empty(max(n - 1, 0), dtype=a.dtype)
    u_v = np.zeros((m, n), dtype=a.dtype)
    u_tau = np.zeros(n)
    v_v = np.zeros((n, max(n - 1, 0)), dtype=a.dtype)
    v_tau = np.zeros(max(n - 1, 0))
    reduce = _reduce_unblocked if m * n <= UNBLOCKED else _reduce_blocked
    reduce(a, d, e, u_v, u_tau, v_v, v_tau)
    left = right = None
    if a.dtype.kind == "c":
        # Phases p_k, r_k with conj(p_k) d_k r_k = |d_k| and conj(p_k) e_k r_{k+1} = |e_k|:
        # r_0 = 1, p_k = r_k phase(d_k), r_{k+1} = p_k conj(phase(e_k)).
        steps = np.empty(2 * n - 1, dtype=np.complex128)
        steps[0::2] = _phase(d)
        steps[1::2] = _phase(e).conj()
        chain = np.cumprod(steps)
        left = chain[0::2]
        right = np.concatenate(([1.0 + 0.0j], chain[1::2]))
        d, e = np.abs(d), np.abs(e)
    return Bidiagonal(d.real.copy(), e.real.copy(), u_v, u_tau, v_v, v_tau, left, right)


def _reduce_unblocked(a, d, e, u_v, u_tau, v_v, v_tau) -> None:
    """Step by step, each reflector applied to the trailing matrix at once (a rank-1 update)."""
    n = a.shape[1]
    is_complex = a.dtype.kind == "c"
    for k in range(n):
        v, tau, beta = householder(a[k:, k])
        d[k] = beta
        u_v[k:, k] = v
        u_tau[k] = tau
        if k + 1 == n:
            break
        rest = a[k:, k + 1 :]
        if tau:  # rest <- (I - tau v v^H) rest
            rest -= np.multiply.outer(tau * v, (v.conj() if is_complex else v) @ rest)
        # row (I - tau w w^H) = conj(beta) e_1^T
        row = a[k, k + 1 :]
        w, tau, beta = householder(row.conj() if is_complex else row)
        e[k] = np.conj(beta)
        v_v[k + 1 :, k] = w
        v_tau[k] = tau
        if tau:  # below <- below (I - tau w w^H)
            below = a[k + 1 :, k + 1 :]
            below -= np.multiply.outer(tau * (below @ w), w.conj() if is_complex else w)


def _reduce_blocked(a, d, e, u_v, u_tau, v_v, v_tau) -> None:
    """Blocked as LAPACK's xLABRD (see `bidiagonalize`)."""
    m, n = a.shape
    adjoint = (lambda x: x.conj().T) if a.dtype.kind == "c" else (lambda x: x.T)
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        vp = np.zeros((m, stop - start), dtype=a.dtype)  # left reflectors of the panel
        yp = np.zeros((n, stop - start), dtype=a.dtype)
        xp = np.zeros((m, stop - start), dtype=a.dtype)
        up = np.zeros((n, stop - start), dtype=a.dtype)  # right reflectors of the panel
        for k in range(start, stop):
            c = k - start
            column = a[k:, k] - vp[k:, :c] @ yp[k, :c].conj() - xp[k:, :c] @ up[k, :c].conj()
            v, tau, beta = householder(column)
            d[k] = beta
            u_v[k:, k] = v
            u_tau[k] = tau
            vp[k:, c] = v
            if k + 1 == n:
                break
            rest = slice(k + 1, None)
            y = adjoint(a[k:, rest]) @ v
            y -= yp[rest, :c] @ (adjoint(vp[k:, :c]) @ v) + up[rest, :c] @ (adjoint(xp[k:, :c]) @ v)
            yp[rest, c] = tau * y
            row = (
                a[k, rest]
                - vp[k, : c + 1] @ adjoint(yp[rest, : c + 1])
                - xp[k, :c] @ adjoint(up[rest, :c])
            )
            # row (I - tau w w^H) = conj(beta) e_1^T
            w, tau, beta = householder(row.conj())
            e[k] = np.conj(beta)
            v_v[rest, k] = w
            v_tau[k] = tau
            up[rest, c] = w
            x = a[rest, rest] @ w
            x -= vp[rest, : c + 1] @ (adjoint(yp[rest, : c + 1]) @ w)
            x -= xp[rest, :c] @ (adjoint(up[rest, :c]) @ w)
            xp[rest, c] = tau * x
        tail = slice(stop, None)
        a[tail, tail] -= vp[tail] @ adjoint(yp[tail]) + xp[tail] @ adjoint(up[tail])


def _phase(x: np.ndarray) -> np.ndarray:
    magnitude = np.abs(x)
    return np.where(magnitude > 0, x / np.where(magnitude > 0, magnitude, 1.0), 1.0)
