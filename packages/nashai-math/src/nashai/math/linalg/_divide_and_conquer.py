"""Cuppen's divide and conquer for the symmetric tridiagonal eigenproblem T = Z diag(w) Z^T.

Divide: tearing T at an off-diagonal beta gives T = diag(T1, T2) + |beta| u u^T, with u = e_m +
sign(beta) e_{m+1} and |beta| taken off the two diagonal entries it touches. Conquer the halves,
T1 = Q1 D1 Q1^T and T2 = Q2 D2 Q2^T, then merge: T = Q (D + rho z z^T) Q^T with Q = diag(Q1, Q2)
and z = Q^T u (Q1's last row beside Q2's first row).

Merge (Golub & Van Loan, Matrix Computations 4th ed. §8.4; LAPACK xLAED2/xLAED3/xLAED4):
1. Deflation. A pole with negligible rho |z_j| is an eigenvalue as it stands; two poles closer
   than the tolerance are rotated so one of their z components vanishes. What is left has
   distinct poles d_1 < ... < d_k and no tiny z_j.
2. The secular equation f(lambda) = 1 + rho sum_j z_j^2 / (d_j - lambda) = 0 has one root in each
   (d_i, d_{i+1}) and one in (d_k, d_k + rho ||z||^2). All k roots are found at once, each as an
   offset tau_i from its nearer pole so that every d_j - lambda_i is known to full relative
   accuracy; each step solves the two-pole rational model of f (Li's "middle way"), and falls
   back on bisection of a bracket that always holds the root.
3. Eigenvectors by Gu & Eisenstat (1995): recompute the z that the computed roots are exact for,
   zhat_j^2 = prod_i (lambda_i - d_j) / (rho prod_{i != j} (d_i - d_j)) (Lowner's formula), then
   u_i = zhat / (d - lambda_i) normalised. These are orthogonal to working precision however
   close the roots are. The merged eigenvectors are one matrix product, Q [u_1 ... u_k].

Level by level. T is torn at once into 2^L leaves of one size (at most LEAF rows), padded first
with decoupled rows whose diagonal entries lie far beyond the spectrum: their z entries (or the
rho of their tear) are exactly zero, so they deflate untouched and are cut off at the end. The
leaves are solved by the implicit QR of `_implicit_qr` (their rotation products formed together),
and all merges of a level of the tree together: the secular equations of a level form one batch,
padded to its largest k with poles of zero weight. A matrix of at most DIRECT rows is solved by
implicit QR directly.
"""

from __future__ import annotations

import math

import numpy as np

from nashai.math.errors import LinAlgError
from nashai.math.linalg._implicit_qr import tridiagonal_qr, tridiagonal_qr_batch

LEAF = 12  # largest leaf of the divide and conquer, solved by implicit QR
DIRECT = 32  # largest matrix solved by implicit QR instead of divide and conquer
FAKE = 8.0  # padding rows' eigenvalues start here; the scaled spectrum lies within [-5, 5]
EPS = float(np.finfo(np.float64).eps)
TINY = float(np.finfo(np.float64).tiny)
MAX_SECULAR_ITERATIONS = 200


def tridiagonal_eigh(
    d: np.ndarray, e: np.ndarray, want_vectors: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Eigenvalues w (n,) ascending and orthonormal eigenvectors z (n, n) of tridiag(e, d, e).

    d: (n,) diagonal, e: (n-1,) off-diagonal, both real. want_vectors=False may return z None
    (it only saves work for small n); w is the same either way.
    """
    n = d.shape[0]
    scale = max(np.abs(d).max(initial=0.0), np.abs(e).max(initial=0.0))
    if scale == 0.0:
        return np.zeros(n), np.eye(n)
    if n <= DIRECT:
        w, z = tridiagonal_qr(d / scale, e / scale, want_vectors)
    else:
        w, z = _divide_and_conquer(d / scale, e / scale)
    return w * scale, z


def _divide_and_conquer(d: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """tridiagonal_eigh for n > LEAF, with |d|, |e| <= 1."""
    n = d.shape[0]
    levels = math.ceil(math.log2(n / LEAF))
    leaf = -(-n // 2**levels)
    size = leaf * 2**levels
    d = np.concatenate((d, FAKE + np.arange(size - n)))
    e = np.concatenate((e, np.zeros(size - n)))
    tears = np.arange(leaf, size, leaf)  # tear between rows p - 1 and p
    beta = np.abs(e[tears - 1])
    d[tears - 1] -= beta
    d[tears] -= beta
    w, z = _solve_leaves(d, e, leaf)
    with np.errstate(divide="ignore", invalid="ignore"):  # padding entries may divide by zero
        for level in range(levels):
            half = leaf * 2**level
            w, z = _merge_level(w, z, e[np.arange(half, size, 2 * half) - 1])
    return w[0, :n], z[0, :n, :n]


def _solve_leaves(d: np.ndarray, e: np.ndarray, leaf: int) -> tuple[np.ndarray, np.ndarray]:
    """Eigen-decompositions (b, leaf) and (b, leaf, leaf) of the torn diagonal blocks."""
    count = d.shape[0] // leaf
    off = np.append(e, 0.0).reshape(count, leaf)[:, :-1]  # each block's last e is a tear
    return tridiagonal_qr_batch(d.reshape(count, leaf), off)


def _merge_level(w: np.ndarray, q: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge the blocks 2b and 2b+1 for every b: w (2B, h), q (2B, h, h), beta (B,) the tears.

    Returns w (B, 2h) ascending and q (B, 2h, 2h): the eigen-decompositions of
    diag(Q1 D1 Q1^T, Q2 D2 Q2^T) + |beta| u u^T (see module doc).
    """
    count, half = w.shape[0] // 2, w.shape[1]
    size = 2 * half
    # u = e_last + sign(beta) e_first has ||z|| = sqrt(2): normalise z, double rho.
    sign = np.where(beta < 0.0, -1.0, 1.0)
    z = np.concatenate((q[0::2, -1, :], sign[:, None] * q[1::2, 0, :]), axis=1)
    z *= 1.0 / math.sqrt(2.0)
    rho = 2.0 * np.abs(beta)
    poles = w.reshape(count, size)
    order = np.argsort(poles, axis=1, kind="stable")
    batch = np.arange(count)[:, None]
    poles, z = poles[batch, order], z[batch, order]

    largest = np.maximum(
        np.where(poles < FAKE - 1.0, np.abs(poles), 0.0).max(axis=1), np.abs(z).max(axis=1)
    )
    tol = 8.0 * EPS * largest
    kept, rotations = _deflate(poles, z, rho, tol)

    values = poles.copy()
    counts = kept.sum(axis=1)
    width = int(counts.max())
    width = max(width, 2) if width else 0  # the secular solver's two-pole model needs two
    # slot[b, i]: the position among the 2h sorted poles of merge b's i-th kept pole.
    slot = np.argsort(~kept, axis=1, kind="stable")[:, :width]
    valid = np.arange(width) < counts[:, None]
    if width:
        lam, u = _secular(poles[batch, slot], z[batch, slot], rho, counts)
        values[batch, slot] = np.where(valid, lam, values[batch, slot])
    by_value = np.argsort(values, axis=1, kind="stable")
    column = np.empty_like(by_value)
    column[batch, by_value] = np.arange(size)

    # m: (B, 2h, 2h) eigenvectors of the rank-one problems, rows in the unsorted pole order of
    # diag(Q1, Q2) and columns in ascending order of eigenvalue, so that Q = diag(Q1, Q2) m.
    # One extra row and column take the writes of the padding, and are dropped.
    m = np.zeros((count, size + 1, size + 1))
    if width:
        rows = np.where(valid, order[batch, slot], size)
        columns = np.where(valid, column[batch, slot], size)
        m[batch[:, :, None], rows[:, None, :], columns[:, :, None]] = u  # u[b, i, j]: vector i
    deflated = ~kept
    m[batch, np.where(deflated, order, size), np.where(deflated, column, size)] = 1.0
    for b, merge_rotations in rotations:
        for p, j, c, s in reversed(merge_rotations):  # m <- G m for the deflating rotations G
            row_p, row_j = order[b, p], order[b, j]
            saved = m[b, row_p].copy()
            m[b, row_p] = c * saved - s * m[b, row_j]
            m[b, row_j] = s * saved + c * m[b, row_j]
    merged = np.empty((count, size, size))
    np.matmul(q[0::2], m[:, :half, :size], out=merged[:, :half])
    np.matmul(q[1::2], m[:, half:size, :size], out=merged[:, half:])
    return values[batch, by_value], merged


def _deflate(poles: np.ndarray, z: np.ndarray, rho: np.ndarray, tol: np.ndarray):
    """Mark the kept poles (B, 2h) of every merge, with LAPACK xLAED2's two tests.

    A pole deflates when rho |z_j| <= tol, or when it is so close to the previous kept pole that
    the rotation zeroing its partner's z entry changes the matrix by at most tol:
    |(d_j - d_p) c s| <= tol with (c, s) = (z_j, -z_p) / hypot(z_p, z_j). The second test is
    sequential; it runs (on Python floats) only for merges where some neighbouring pair comes
    within twice the tolerance. Returns the kept mask and [(b, rotations (p, j, c, s) in order
    of application)], and updates poles and z in place.
    """
    kept = rho[:, None] * np.abs(z) > tol[:, None]
    previous = np.empty(kept.shape, dtype=np.intp)  # the last kept position before j, or -1
    previous[:, 0] = -1
    np.maximum.accumulate(
        np.where(kept[:, :-1], np.arange(kept.shape[1] - 1), -1), axis=1, out=previous[:, 1:]
    )
    batch = np.arange(kept.shape[0])[:, None]
    partner = np.maximum(previous, 0)
    z_p = z[batch, partner]
    cs = np.abs(z * z_p) / (z * z + z_p * z_p)
    gap = np.abs(poles - poles[batch, partner])
    close = kept & (previous >= 0) & (gap * cs <= 2.0 * tol[:, None])
    rotations = []
    for b in np.flatnonzero(close.any(axis=1)).tolist():
        kept[b], merge_rotations = _deflate_one(poles[b], z[b], float(rho[b]), float(tol[b]))
        if merge_rotations:
            rotations.append((b, merge_rotations))
    return kept, rotations


def _deflate_one(poles: np.ndarray, z: np.ndarray, rho: float, tol: float):
    """Both deflation tests on one merge's sorted poles (h,), updating poles and z in place."""
    d = poles.tolist()
    zl = z.tolist()
    kept = [False] * len(d)
    rotations = []
    previous = -1
    for j in range(len(d)):
        if rho * abs(zl[j]) <= tol:
            continue
        if previous < 0:
            previous = j
            continue
        p = previous
        r = math.hypot(zl[p], zl[j])
        c, s = zl[j] / r, -zl[p] / r
        if abs((d[j] - d[p]) * c * s) <= tol:
            zl[j], zl[p] = r, 0.0
            d[p], d[j] = d[p] * c * c + d[j] * s * s, d[p] * s * s + d[j] * c * c
            rotations.append((p, j, c, s))
        else:
            kept[p] = True
        previous = j
    if previous >= 0:
        kept[previous] = True
    poles[:] = d
    z[:] = zl
    return np.array(kept), rotations


def _secular(
    d: np.ndarray, z: np.ndarray, rho: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Roots (B, K) and eigenvectors (B, K, K) of diag(d_b) + rho_b z_b z_b^T for a batch.

    Row b holds counts[b] poles, strictly increasing, then padding (any values: they are
    replaced). u[b, i] is the unit eigenvector of root i. Entries past counts[b] are garbage.
    """
    batch, k = d.shape
    index = np.arange(k)
    valid = index < counts[:, None]
    last = np.maximum(counts - 1, 0)
    z = np.where(valid, z, 0.0)
    z2 = z * z
    reach = rho * z2.sum(axis=1)  # the last root lies in (d_last, d_last + reach)
    # Padding poles far beyond every bracket, increasing, and of zero weight.
    merges = np.arange(batch)[:, None]
    beyond = d[merges, last[:, None]] + 2.0 * reach[:, None] + 1.0
    d = np.where(valid, d, beyond + index)
    gaps = np.diff(d, axis=1)
    # Each root's origin is the nearer of its two poles, decided by the sign of f at the middle
    # (evaluated with the differences d_j - d_i taken first, as everywhere below). The bracket
    # stays the whole interval between the poles, so a wrong call near the middle costs nothing.
    # The last root lies in (d_k, d_k + rho ||z||^2); its "middle" is that interval's.
    is_last = index == last[:, None]
    half = np.where(is_last, 0.5 * reach[:, None], np.append(0.5 * gaps, np.zeros((batch, 1)), 1))
    differences = d[:, None, :] - d[:, :, None]  # (B, K, K): d_j - d_i
    to_middle = differences - half[:, :, None]
    f_middle = (
        1.0 + rho[:, None] * (np.reciprocal(to_middle, out=to_middle) @ z2[:, :, None])[:, :, 0]
    )
    left = (f_middle >= 0.0) | is_last
    origin = np.minimum(np.where(left, index, index + 1), k - 1)
    gaps = np.append(gaps, np.zeros((batch, 1)), axis=1)
    lower = np.where(is_last | left, 0.0, -gaps)
    upper = np.where(is_last, reach[:, None], np.where(left, gaps, 0.0))
    # The two poles of the rational model: i and i + 1, or k - 2 and k - 1 for the last root.
    pole = np.maximum(np.minimum(index, last[:, None] - 1), 0)
    d_p, d_q, d_origin = d[merges, pole], d[merges, pole + 1], d[merges, origin]
    # Initial guess (as LAPACK's xLAED4): the root of the two-pole model whose other poles are
    # frozen at their value at the middle, c + A / (d_p - lambda) + B / (d_{p+1} - lambda) = 0.
    weight_p, weight_q = rho[:, None] * z2[merges, pole], rho[:, None] * z2[merges, pole + 1]
    at_p = (d_p - d) - half  # d_p - middle
    at_q = (d_q - d) - half
    c = f_middle - weight_p / at_p - weight_q / at_q
    offset_p, offset_q = d_p - d_origin, d_q - d_origin
    product = c * offset_p * offset_q + weight_p * offset_q + weight_q * offset_p
    tau = _model_root(c, weight_p, weight_q, offset_p, offset_q, product, lower, upper)
    tau = np.where(counts[:, None] == 1, reach[:, None], tau)  # one pole: d + rho z^2
    shifted = d[:, None, :] - d_origin[:, :, None]  # (B, K, K): d_j - d_origin(i)

    active = valid & (counts[:, None] > 1)
    if active.any():
        rows = np.flatnonzero(active)
        pole_rows = pole.ravel()[rows]
        tau.ravel()[rows] = _secular_roots(
            shifted.reshape(batch * k, k)[rows],
            (rho[:, None] * z2)[rows // k],
            pole_rows,
            (index[None, :] <= pole_rows[:, None]).astype(np.float64),
            tau.ravel()[rows],
            lower.ravel()[rows],
            upper.ravel()[rows],
        )
    delta = np.subtract(shifted, tau[:, :, None], out=shifted)  # d_j - lambda_i
    # Lowner: zhat_j^2 = prod_i (lambda_i - d_j) / (rho prod_{i != j} (d_i - d_j)), as the
    # column products of ratios[i, j] = (d_j - lambda_i) / (d_j - d_i), with -rho on the
    # diagonal; padding rows count as 1.
    differences[:, index, index] = -rho[:, None]
    ratios = np.divide(delta, differences, out=differences)
    ratios[~np.broadcast_to(valid[:, :, None], ratios.shape)] = 1.0
    zhat = np.copysign(np.sqrt(np.prod(ratios, axis=1)), z)
    zhat[~valid] = 0.0
    u = np.divide(zhat[:, None, :], delta, out=ratios)  # u[b, i, j] = zhat_j / (d_j - lambda_i)
    u /= np.sqrt(np.einsum("bij,bij->bi", u, u))[:, :, None]
    return d_origin + tau, u


def _secular_roots(shifted, weights, pole, left_group, tau, lower, upper) -> np.ndarray:
    """The converged offsets tau (R,) of R roots of secular equations, one per row.

    Row r: shifted[r, j] = d_j - d_origin(r) (R, K) and weights[r, j] = rho z_j^2 of its merge,
    left_group[r, j] = 1 for j <= pole[r]; the root is d_origin(r) + tau_r, kept inside the
    bracket [lower_r, upper_r]. Rows that have converged are frozen, and dropped from the work
    arrays once they are half of them.
    """
    result = tau.copy()
    ids = np.arange(tau.shape[0])
    work = np.empty((5, *shifted.shape))  # delta, 1/delta, two parts of 1/delta^2, |1/delta|
    for _ in range(MAX_SECULAR_ITERATIONS):
        count = ids.shape[0]
        rows = np.arange(count)
        delta, inverse, left, right, size = work[:, :count]
        np.subtract(shifted, tau[:, None], out=delta)  # d_j - lambda_i
        dp, dq = delta[rows, pole], delta[rows, pole + 1]
        np.divide(1.0, delta, out=inverse)
        np.multiply(inverse, inverse, out=right)  # 1 / (d_j - lambda)^2
        # Derivatives of the poles up to p and of the rest, each summed on its own: near a
        # pole one dwarfs the other, and a difference of totals would lose the smaller.
        np.multiply(left_group, right, out=left)
        right -= left
        np.abs(inverse, out=size)
        sums = np.einsum("fij,ij->fi", work[1:, :count], weights)  # f - 1, psi', phi', sum
        f = 1.0 + sums[0]
        psi1, phi1 = sums[1], sums[2]
        bound = EPS * (8.0 * (1.0 + sums[3]) + np.abs(tau) * (psi1 + phi1))
        # f increases with lambda, so its sign says on which side of tau the root is.
        below = f < 0.0
        lower = np.where(below, tau, lower)
        upper = np.where(below, upper, tau)
        done = (np.abs(f) <= bound) | (upper - lower <= 4.0 * EPS * np.abs(tau))
        if done.all():
            result[ids] = tau
            return result
        # The middle way (Li 1994): the model c + a / (delta_p - x) + b / (delta_{p+1} - x)
        # matches f and the derivatives of both groups of poles at the current point.
        a, b = dp * dp * psi1, dq * dq * phi1
        c = f - dp * psi1 - dq * phi1
        x = _model_root(c, a, b, dp, dq, dp * dq * f, lower - tau, upper - tau)
        tau = np.where(done, tau, tau + x)
        if 2 * np.count_nonzero(done) >= count:
            result[ids[done]] = tau[done]
            keep = ~done
            ids, tau, lower, upper, pole = (
                ids[keep],
                tau[keep],
                lower[keep],
                upper[keep],
                pole[keep],
            )
            shifted, weights, left_group = shifted[keep], weights[keep], left_group[keep]
    raise LinAlgError("eigenvalue iteration (secular equation) did not converge")


def _model_root(c, a, b, p, q, product, lo, hi) -> np.ndarray:
    """Root x in (lo, hi) of c + a / (p - x) + b / (q - x) = 0, or the middle of (lo, hi).

    Cleared of fractions it is c x^2 - (c (p + q) + a + b) x + product = 0 with
    product = c p q + a q + b p; both roots are formed without cancellation, and the one inside
    the bracket is taken (bisection when neither is).
    """
    total = c * (p + q) + a + b
    disc = total * total - 4.0 * c * product
    half = 0.5 * (total + np.copysign(np.sqrt(np.maximum(disc, 0.0)), total))
    real = disc >= 0.0
    x1 = product / half
    x2 = half / c
    inside1 = (x1 > lo) & (x1 < hi) & real
    inside2 = (x2 > lo) & (x2 < hi) & real
    return np.where(inside1, x1, np.where(inside2, x2, 0.5 * (lo + hi)))
