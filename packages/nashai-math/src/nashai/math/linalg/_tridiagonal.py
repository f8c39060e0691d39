"""Householder reduction of a Hermitian matrix to real symmetric tridiagonal form.

A = Q T Q^H with Q = H_0 H_1 ... H_{n-3} (Golub & Van Loan, Matrix Computations 4th ed. §8.3.1).
Step k reflects column k below the diagonal onto e_1; the trailing matrix then takes the
two-sided update H A H = A - v w^H - w v^H, with p = tau A v and w = p - (tau/2)(v^H p) v.

Blocked as in LAPACK's xLATRD (Dongarra, Hammarling & Sorensen 1989): within a panel of BLOCK
columns the trailing matrix is left untouched and the pending updates V W^H + W V^H are folded
into each matrix-vector product; after the panel they are applied at once by two matrix
products. Each step then reads the trailing matrix once (the product A v) instead of three times.
Up to UNBLOCKED rows the matrix is small enough that fewer NumPy calls per step win instead, and
each step applies its rank-2 update at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nashai.math.linalg._householder import BLOCK, apply_reflectors, householder

UNBLOCKED = 64  # largest n reduced one rank-2 update at a time


def hermitian_from_triangle(a: np.ndarray, uplo: str) -> np.ndarray:
    """The full Hermitian matrix whose lower ('L') or upper ('U') triangle is that of a."""
    if uplo == "L":
        low = np.tril(a, -1)
        full = low + low.conj().T
    else:
        up = np.triu(a, 1)
        full = up + up.conj().T
    full[np.diag_indices_from(full)] = a.diagonal().real
    return full


@dataclass
class Tridiagonal:
    """A = Q T Q^H: T = tridiag(e, d, e) real; Q = H_0 ... H_{n-3} diag(phases)."""

    d: np.ndarray  # (n,) diagonal of T
    e: np.ndarray  # (n-1,) off-diagonal of T
    v: np.ndarray  # (n, n-2) reflector columns, v[:, k] starts at row k + 1
    tau: np.ndarray  # (n-2,)
    phases: np.ndarray | None  # (n,) unit complex numbers that made e real; None for real A

    def vectors(self, z: np.ndarray) -> np.ndarray:
        """Q z (n, p): eigenvectors of A from eigenvectors z of T."""
        qz = z.astype(self.v.dtype, copy=True)
        if self.phases is not None:
            qz *= self.phases[:, None]
        return apply_reflectors(self.v, self.tau, qz, offset=1)


def tridiagonalize(a: np.ndarray) -> Tridiagonal:
    """Reduce Hermitian a (n, n), n >= 1, to T = Q^H A Q, real symmetric tridiagonal."""
    n = a.shape[0]
    a = np.array(a, copy=True)
    n_ref = max(n - 2, 0)
    d = np.empty(n)
    e = np.empty(max(n - 1, 0), dtype=a.dtype)
    v_all = np.zeros((n, n_ref), dtype=a.dtype)
    tau_all = np.zeros(n_ref)
    reduce = _reduce_unblocked if n <= UNBLOCKED else _reduce_blocked
    reduce(a, d, e, v_all, tau_all)
    if n >= 2:
        e[n - 2] = a[n - 1, n - 2]
        d[n - 2] = a[n - 2, n - 2].real
    d[n - 1] = a[n - 1, n - 1].real
    phases = None
    if a.dtype.kind == "c":
        # T <- D^H T D with phase_0 = 1, phase_{k+1} = phase_k e_k / |e_k|, so that
        # conj(phase_{k+1}) e_k phase_k = |e_k|.
        magnitude = np.abs(e)
        unit = e / np.where(magnitude > 0, magnitude, 1.0)
        unit[magnitude == 0] = 1.0
        phases = np.concatenate(([1.0 + 0.0j], np.cumprod(unit)))
        e = magnitude
    return Tridiagonal(d, np.ascontiguousarray(e.real), v_all, tau_all, phases)


def _reduce_unblocked(a, d, e, v_all, tau_all) -> None:
    """Steps k = 0 .. n-3 one at a time, each with its rank-2 update of the trailing matrix:
    A <- A - X - X^H with X = v w^H."""
    is_complex = a.dtype.kind == "c"
    for k in range(v_all.shape[1]):
        d[k] = a[k, k].real
        v, tau, beta = householder(a[k + 1 :, k])
        e[k] = beta
        v_all[k + 1 :, k] = v
        tau_all[k] = tau
        if tau:
            trailing = a[k + 1 :, k + 1 :]
            p = trailing @ v
            p *= tau
            p -= (0.5 * tau * np.vdot(v, p).real) * v  # w
            x = np.multiply.outer(v, p.conj() if is_complex else p)
            trailing -= x
            trailing -= x.conj().T if is_complex else x.T


def _reduce_blocked(a, d, e, v_all, tau_all) -> None:
    """The steps in panels of BLOCK, the trailing matrix updated only at each panel's end."""
    n, n_ref = a.shape[0], v_all.shape[1]
    adjoint = (lambda m: m.conj().T) if a.dtype.kind == "c" else (lambda m: m.T)
    w_all = np.zeros((n, n_ref), dtype=a.dtype)
    for start in range(0, n_ref, BLOCK):
        stop = min(start + BLOCK, n_ref)
        for k in range(start, stop):
            vp = v_all[:, start:k]  # this panel's reflectors so far, (n, k - start)
            wp = w_all[:, start:k]
            column = a[k:, k] - vp[k:] @ wp[k].conj() - wp[k:] @ vp[k].conj()
            d[k] = column[0].real
            v, tau, beta = householder(column[1:])
            e[k] = beta
            below = slice(k + 1, None)
            av = a[below, below] @ v
            av -= vp[below] @ (adjoint(wp[below]) @ v) + wp[below] @ (adjoint(vp[below]) @ v)
            p = tau * av
            w = p - (0.5 * tau * np.vdot(v, p).real) * v
            v_all[below, k] = v
            w_all[below, k] = w
            tau_all[k] = tau
        vp = v_all[stop:, start:stop]
        wp = w_all[stop:, start:stop]
        a[stop:, stop:] -= vp @ adjoint(wp) + wp @ adjoint(vp)
