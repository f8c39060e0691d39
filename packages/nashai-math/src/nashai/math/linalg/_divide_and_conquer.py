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

The leaves (at most LEAF rows) are solved together by cyclic Jacobi, batched over leaves of a
size and vectorised over the disjoint rotations of a round-robin ordering.
"""

from __future__ import annotations

import math

import numpy as np

from nashai.math.errors import LinAlgError

LEAF = 16  # largest subproblem solved directly (Jacobi) instead of split further
EPS = float(np.finfo(np.float64).eps)
MAX_SECULAR_ITERATIONS = 200
MAX_JACOBI_SWEEPS = 40


def tridiagonal_eigh(d: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues w (n,) ascending and orthonormal eigenvectors z (n, n) of tridiag(e, d, e).

    d: (n,) diagonal, e: (n-1,) off-diagonal, both real.
    """
    n = d.shape[0]
    scale = max(np.abs(d).max(initial=0.0), np.abs(e).max(initial=0.0))
    if scale == 0.0:
        return np.zeros(n), np.eye(n)
    d = d / scale  # copies: the tearing below edits d in place
    e = e / scale
    leaves = _tear(d, e, 0, n)
    solved = _solve_leaves(d, e, leaves)
    w, z = _conquer(e, 0, n, solved)
    return w * scale, z


def _tear(d: np.ndarray, e: np.ndarray, start: int, stop: int) -> list[tuple[int, int]]:
    """Split rows [start, stop) down to leaves, editing d for each tear; return the leaves."""
    if stop - start <= LEAF:
        return [(start, stop)]
    mid = (start + stop) // 2
    beta = abs(e[mid - 1])
    d[mid - 1] -= beta
    d[mid] -= beta
    return _tear(d, e, start, mid) + _tear(d, e, mid, stop)


def _conquer(e: np.ndarray, start: int, stop: int, solved: dict) -> tuple[np.ndarray, np.ndarray]:
    """Eigen-decomposition of the torn block [start, stop), merging solved leaves bottom-up."""
    if stop - start <= LEAF:
        return solved[start]
    mid = (start + stop) // 2
    w1, q1 = _conquer(e, start, mid, solved)
    w2, q2 = _conquer(e, mid, stop, solved)
    return _merge(w1, q1, w2, q2, e[mid - 1])


def _merge(
    w1: np.ndarray, q1: np.ndarray, w2: np.ndarray, q2: np.ndarray, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Eigen-decomposition of diag(Q1 D1 Q1^T, Q2 D2 Q2^T) + |beta| u u^T (see module doc)."""
    n1, n = w1.shape[0], w1.shape[0] + w2.shape[0]
    # u = e_last + sign(beta) e_first has ||z|| = sqrt(2): normalise z, double rho.
    z = np.concatenate((q1[-1], math.copysign(1.0, beta) * q2[0])) / math.sqrt(2.0)
    rho = 2.0 * abs(beta)
    poles = np.concatenate((w1, w2))
    order = np.argsort(poles, kind="stable")
    poles, z = poles[order], z[order]

    tol = 8.0 * EPS * max(np.abs(poles).max(), np.abs(z).max())
    kept, deflated, rotations, poles, z = _deflate(poles, z, rho, tol)

    k = len(kept)
    values = poles.copy()
    if k:
        lam, u = _secular(poles[kept], z[kept], rho)
        values[kept] = lam
    # w: (n, n) eigenvectors of the merged rank-one problem, rows in the unsorted pole order of
    # diag(Q1, Q2) and columns in ascending order of eigenvalue, so that Q = diag(Q1, Q2) w.
    by_value = np.argsort(values, kind="stable")
    column = np.empty(n, dtype=int)
    column[by_value] = np.arange(n)
    w = np.zeros((n, n))
    if k:
        w[order[kept][:, None], column[kept]] = u
    deflated = np.asarray(deflated, dtype=int)
    w[order[deflated], column[deflated]] = 1.0
    for p, j, c, s in reversed(rotations):  # w <- G w for the deflating rotations G
        row_p, row_j = order[p], order[j]
        saved = w[row_p].copy()
        w[row_p] = c * saved - s * w[row_j]
        w[row_j] = s * saved + c * w[row_j]
    q = np.empty((n, n))
    np.matmul(q1, w[:n1], out=q[:n1])
    np.matmul(q2, w[n1:], out=q[n1:])
    return values[by_value], q


def _deflate(poles: np.ndarray, z: np.ndarray, rho: float, tol: float):
    """Split the sorted poles into kept and deflated ones (LAPACK xLAED2's two tests).

    A pole deflates when rho |z_j| <= tol, or when it is so close to the previous kept pole that
    the rotation zeroing its partner's z entry changes the matrix by at most tol:
    |(d_j - d_p) c s| <= tol with (c, s) = (z_j, -z_p) / hypot(z_p, z_j).
    Returns kept and deflated index lists, the rotations (p, j, c, s) in order of application,
    and the updated poles and z.
    """
    d = poles.tolist()
    zl = z.tolist()
    kept, deflated, rotations = [], [], []
    previous = -1
    for j in range(len(d)):
        if rho * abs(zl[j]) <= tol:
            deflated.append(j)
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
            deflated.append(p)
        else:
            kept.append(p)
        previous = j
    if previous >= 0:
        kept.append(previous)
    return kept, deflated, rotations, np.array(d), np.array(zl)


def _secular(d: np.ndarray, z: np.ndarray, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (k,) and eigenvectors (k, k) of diag(d) + rho z z^T, d strictly increasing."""
    k = d.shape[0]
    if k == 1:
        return d + rho * z * z, np.ones((1, 1))
    z2 = z * z
    index = np.arange(k)
    gaps = np.diff(d)
    # Each root's origin is the nearer of its two poles, decided by the sign of f at the middle
    # (evaluated with the differences d_j - d_i taken first, as everywhere below). The bracket
    # stays the whole interval between the poles, so a wrong call near the middle costs nothing.
    # The last root lies in (d_k, d_k + rho ||z||^2); its "middle" is that interval's.
    reach = rho * z2.sum()
    half = np.append(0.5 * gaps, 0.5 * reach)
    to_middle = (d[None, :] - d[:, None]) - half[:, None]  # (k, k): d_j - middle_i
    with np.errstate(divide="ignore"):
        f_middle = 1.0 + rho * (np.reciprocal(to_middle, out=to_middle) @ z2)
    left = f_middle >= 0.0
    left[-1] = True
    origin = np.where(left, index, index + 1)
    lower = np.append(np.where(left[:-1], 0.0, -gaps), 0.0)
    upper = np.append(np.where(left[:-1], gaps, 0.0), reach)
    # The two poles of the rational model: i and i + 1, or k - 2 and k - 1 for the last root.
    pole = np.minimum(index, k - 2)
    # Initial guess (as LAPACK's xLAED4): the root of the two-pole model whose other poles are
    # frozen at their value at the middle, c + A / (d_p - lambda) + B / (d_{p+1} - lambda) = 0.
    weight_p, weight_q = rho * z2[pole], rho * z2[pole + 1]
    at_p = (d[pole] - d[index]) - half  # d_p - middle
    at_q = (d[pole + 1] - d[index]) - half
    c = f_middle - weight_p / at_p - weight_q / at_q
    offset_p, offset_q = d[pole] - d[origin], d[pole + 1] - d[origin]
    product = c * offset_p * offset_q + weight_p * offset_q + weight_q * offset_p
    tau = _model_root(c, weight_p, weight_q, offset_p, offset_q, product, lower, upper)
    shifted = d[None, :] - d[origin][:, None]  # (k, k): d_j - d_origin(i)

    left_group = (index[None, :] <= pole[:, None]).astype(np.float64)  # j <= pole(i)
    with np.errstate(divide="ignore", invalid="ignore"):
        _secular_roots(shifted, z2, rho, pole, left_group, tau, lower, upper)
    delta = np.subtract(shifted, tau[:, None], out=shifted)  # delta[i, j] = d_j - lambda_i
    # Lowner: zhat_j^2 = prod_i (lambda_i - d_j) / (rho prod_{i != j} (d_i - d_j)), as the
    # column products of ratios[i, j] = (d_j - lambda_i) / (d_j - d_i), with -rho on the diagonal.
    pole_gaps = np.subtract(d[None, :], d[:, None], out=left_group)  # d_j - d_i
    pole_gaps[index, index] = -rho
    ratios = np.divide(delta, pole_gaps, out=pole_gaps)
    zhat = np.copysign(np.sqrt(np.prod(ratios, axis=0)), z)
    ut = np.divide(zhat[None, :], delta, out=ratios)  # ut[i, j] = zhat_j / (d_j - lambda_i)
    ut /= np.sqrt(np.einsum("ij,ij->i", ut, ut))[:, None]
    return d[origin] + tau, ut.T


def _secular_roots(shifted, z2, rho, pole, left_group, tau, lower, upper) -> None:
    """Iterate the offsets tau (k,) in place until every root of f has converged.

    shifted[i, j] = d_j - d_origin(i); root i is d_origin(i) + tau_i, kept inside the bracket
    [lower_i, upper_i] (updated in place too). The (k, k) work arrays are allocated once and
    reused: fresh multi-megabyte temporaries in every iteration would cost more in page faults
    than the arithmetic does.
    """
    k = shifted.shape[0]
    work = np.empty((4, k, k))  # 1/delta, left and right parts of 1/delta^2, |1/delta|
    delta_buf = np.empty((k, k))
    weights = rho * z2
    active = np.arange(k)
    for _ in range(MAX_SECULAR_ITERATIONS):
        na = active.shape[0]
        rows = np.arange(na)
        p = pole[active]
        t = tau[active]
        delta = np.take(shifted, active, axis=0, out=delta_buf[:na], mode="clip")
        delta -= t[:, None]  # d_j - lambda_i
        dp, dq = delta[rows, p], delta[rows, p + 1]
        inverse, left, right, size = work[:, :na]
        np.divide(1.0, delta, out=inverse)
        np.multiply(inverse, inverse, out=right)  # 1 / (d_j - lambda)^2
        # Derivatives of the poles up to p and of the rest, each summed on its own: near a
        # pole one dwarfs the other, and a difference of totals would lose the smaller.
        np.take(left_group, active, axis=0, out=left, mode="clip")
        left *= right
        right -= left
        np.abs(inverse, out=size)
        sums = work[:, :na] @ weights  # (4, na): f - 1, psi', phi', sum |terms|
        f = 1.0 + sums[0]
        psi1, phi1 = sums[1], sums[2]
        bound = EPS * (8.0 * (1.0 + sums[3]) + np.abs(t) * (psi1 + phi1))
        # f increases with lambda, so its sign says on which side of t the root is.
        lo = np.where(f < 0.0, t, lower[active])
        hi = np.where(f >= 0.0, t, upper[active])
        lower[active], upper[active] = lo, hi
        done = (np.abs(f) <= bound) | (hi - lo <= 4.0 * EPS * np.abs(t))
        # The middle way (Li 1994): the model c + a / (delta_p - x) + b / (delta_{p+1} - x)
        # matches f and the derivatives of both groups of poles at the current point.
        a, b = dp * dp * psi1, dq * dq * phi1
        c = f - dp * psi1 - dq * phi1
        x = _model_root(c, a, b, dp, dq, dp * dq * f, lo - t, hi - t)
        tau[active] = np.where(done, t, t + x)
        active = active[~done]
        if active.shape[0] == 0:
            return
    raise LinAlgError("eigenvalue iteration (secular equation) did not converge")


def _model_root(c, a, b, p, q, product, lo, hi) -> np.ndarray:
    """Root x in (lo, hi) of c + a / (p - x) + b / (q - x) = 0, or the middle of (lo, hi).

    Cleared of fractions it is c x^2 - (c (p + q) + a + b) x + product = 0 with
    product = c p q + a q + b p; both roots are formed without cancellation, and the one inside
    the bracket is taken (bisection when neither is).
    """
    total = c * (p + q) + a + b
    disc = total * total - 4.0 * c * product
    with np.errstate(divide="ignore", invalid="ignore"):
        half = 0.5 * (total + np.copysign(np.sqrt(np.maximum(disc, 0.0)), total))
        x1 = product / half
        x2 = half / c
    inside1 = (x1 > lo) & (x1 < hi) & (disc >= 0.0)
    inside2 = (x2 > lo) & (x2 < hi) & (disc >= 0.0)
    return np.where(inside1, x1, np.where(inside2, x2, 0.5 * (lo + hi)))


def _solve_leaves(d: np.ndarray, e: np.ndarray, leaves: list[tuple[int, int]]) -> dict:
    """Solve every leaf tridiagonal by batched Jacobi; {start: (w ascending, z)}."""
    solved = {}
    for size in sorted({stop - start for start, stop in leaves}):
        starts = [start for start, stop in leaves if stop - start == size]
        rows = np.asarray(starts)[:, None] + np.arange(size)  # (b, size)
        a = np.zeros((len(starts), size, size))
        a[:, np.arange(size), np.arange(size)] = d[rows]
        if size > 1:
            off = e[rows[:, :-1]]
            a[:, np.arange(size - 1), np.arange(1, size)] = off
            a[:, np.arange(1, size), np.arange(size - 1)] = off
        w, z = jacobi_eigh(a)
        for i, start in enumerate(starts):
            solved[start] = (w[i], z[i])
    return solved


def _round_robin(m: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """m - 1 (or m) rounds of disjoint pairs covering every pair (p, q) of 0..m-1 once."""
    players = list(range(m + (m % 2)))  # an odd m gets a bye player, m, who never plays
    rounds = []
    for _ in range(len(players) - 1):
        half = len(players) // 2
        pairs = [(players[i], players[-1 - i]) for i in range(half)]
        pairs = [(p, q) for p, q in pairs if p < m and q < m]
        rounds.append((np.array([p for p, _ in pairs]), np.array([q for _, q in pairs])))
        players = [players[0], players[-1], *players[1:-1]]
    return rounds


def jacobi_eigh(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cyclic Jacobi on a batch of symmetric matrices a (b, m, m): w (b, m) ascending, z (b, m, m).

    Each rotation zeroes a_pq with t = sign(theta) / (|theta| + sqrt(1 + theta^2)),
    theta = (a_qq - a_pp) / (2 a_pq), c = 1 / sqrt(1 + t^2), s = t c (Golub & Van Loan §8.5.2).
    A round applies m/2 rotations on disjoint index pairs at once; sweeps repeat until the
    off-diagonal part is below eps times the matrix's Frobenius norm.
    """
    a = np.array(a, dtype=np.float64, copy=True)
    b, m, _ = a.shape
    z = np.broadcast_to(np.eye(m), (b, m, m)).copy()
    if m > 1:
        rounds = _round_robin(m)
        norm2 = (a * a).sum(axis=(1, 2))
        off_diagonal = ~np.eye(m, dtype=bool)
        for _ in range(MAX_JACOBI_SWEEPS):
            off = a[:, off_diagonal]
            if np.all((off * off).sum(axis=1) <= (EPS * EPS) * norm2):
                break
            for p, q in rounds:
                _jacobi_round(a, z, p, q)
        else:
            raise LinAlgError("Jacobi eigenvalue iteration did not converge")
    w = np.einsum("bii->bi", a).copy()
    order = np.argsort(w, axis=1, kind="stable")
    w = np.take_along_axis(w, order, axis=1)
    z = np.take_along_axis(z, order[:, None, :], axis=2)
    return w, z


def _jacobi_round(a: np.ndarray, z: np.ndarray, p: np.ndarray, q: np.ndarray) -> None:
    """Apply the rotations for the disjoint pairs (p, q) to a (two-sided) and z, in place.

    t = sign(theta) / (|theta| + sqrt(1 + theta^2)) is evaluated as
    2 a_pq sign(delta) / (|delta| + hypot(delta, 2 a_pq)), delta = a_qq - a_pp, which needs no
    division by a_pq and cannot overflow. The rotations of a round form one orthogonal matrix J
    per problem, applied as a <- J^T a J and z <- z J.
    """
    app, aqq, apq = a[:, p, p], a[:, q, q], a[:, p, q]
    delta = aqq - app
    denominator = np.abs(delta) + np.hypot(delta, 2.0 * apq)
    denominator[denominator == 0.0] = 1.0  # then a_pq = 0 and t = 0
    t = 2.0 * apq * np.copysign(1.0, delta) / denominator
    c = 1.0 / np.sqrt(1.0 + t * t)
    s = t * c
    m = a.shape[1]
    j = np.zeros_like(a)
    j[:, np.arange(m), np.arange(m)] = 1.0
    j[:, p, p] = c
    j[:, q, q] = c
    j[:, p, q] = s
    j[:, q, p] = -s
    a[...] = np.matmul(np.matmul(j.transpose(0, 2, 1), a), j)
    a[:, p, q] = 0.0
    a[:, q, p] = 0.0
    a[:, p, p] = app - t * apq
    a[:, q, q] = aqq + t * apq
    z[...] = np.matmul(z, j)
