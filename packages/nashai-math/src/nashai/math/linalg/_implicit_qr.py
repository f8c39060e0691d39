"""Implicit QR iterations for small symmetric tridiagonal and bidiagonal matrices.

For a matrix of a few dozen rows NumPy's fixed cost per call is the whole price of an algorithm,
so these run on Python floats and touch NumPy only at the end.

Symmetric tridiagonal T (Golub & Van Loan, Matrix Computations 4th ed. §8.3.5, Algorithm 8.3.3):
each sweep on an unreduced window [lo, hi] applies the Givens rotations R_k of the implicitly
shifted QR step, T <- R_k T R_k^T for k = lo .. hi-1, with the Wilkinson shift (the eigenvalue of
the window's trailing 2x2 block nearer its last entry); an off-diagonal e_k with
|e_k| <= eps (|d_k| + |d_{k+1}|) is set to zero, which splits the problem.

Bidiagonal B (Golub-Kahan SVD step, G&VL §8.6.2, Algorithms 8.6.1 and 8.6.2): each sweep
alternates right rotations (columns k, k+1) and left rotations (rows k, k+1) that chase the bulge
of one shifted QR step on B^T B without forming it; a zero on the diagonal is first chased out of
its row (or, in the last row, its column) so that the matrix splits.

Eigen- and singular vectors. A rotation in the plane (k, k+1) acts on the vectors as
col_k <- c col_k + s col_{k+1}, col_{k+1} <- -s col_k + c col_{k+1}. A sweep is the chain
G_0 G_1 ... G_{m-2} of such rotations (c = 1, s = 0 outside its window), and its product Q is
upper Hessenberg with a closed form (by induction on the columns):

    Q[i, k] = c_{i-1} c_k (-s_i)(-s_{i+1}) ... (-s_{k-1})   for i <= k   (c_{-1} = c_{m-1} = 1)
    Q[k + 1, k] = s_k

so the sweeps' rotations are only recorded during the iteration; afterwards the Q of every sweep
is built at once, a superdiagonal at a time (each one is the previous one times one more -s), and
the vectors are the product of all of them, taken pairwise (a tree of batched matrix products).
"""

from __future__ import annotations

import math

import numpy as np

from nashai.math.errors import LinAlgError

EPS = float(np.finfo(np.float64).eps)
TINY = float(np.finfo(np.float64).tiny)
SWEEPS_PER_ROW = 30  # QR sweeps allowed per eigenvalue, on average (LAPACK's xSTEQR: 30 n)


def tridiagonal_qr(
    d: np.ndarray, e: np.ndarray, want_vectors: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Eigenvalues w (m,) ascending and eigenvectors z (m, m) of tridiag(e, d, e).

    d: (m,) diagonal, e: (m-1,) off-diagonal, real. z is None when want_vectors is False; the
    eigenvalues are the same either way.
    """
    w, chains = _tridiagonal_sweeps(d.tolist(), e.tolist())
    w = np.array(w)
    order = np.argsort(w, kind="stable")
    if not want_vectors:
        return w[order], None
    return w[order], rotation_product(d.shape[0], chains, [])[:, order]


def tridiagonal_qr_batch(d: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`tridiagonal_qr` of b problems at once: d (b, m), e (b, m-1) -> w (b, m), z (b, m, m).

    The iterations run one problem after another; the rotation products of all of them are
    formed together (each problem's list of sweeps padded with identity sweeps).
    """
    count, m = d.shape
    runs = [_tridiagonal_sweeps(d_i, e_i) for d_i, e_i in zip(d.tolist(), e.tolist(), strict=True)]
    w = np.array([values for values, _ in runs])
    longest = max(1, *(len(chains) for _, chains in runs))
    identity = ([1.0] * (m - 1), [0.0] * (m - 1))
    padded = [
        chain for _, chains in runs for chain in chains + [identity] * (longest - len(chains))
    ]
    z = _multiply_in_order(_chain_products(m, padded).reshape(count, longest, m, m))
    order = np.argsort(w, axis=1, kind="stable")
    rows = np.arange(count)[:, None]
    return w[rows, order], z[rows[:, :, None], np.arange(m)[None, :, None], order[:, None, :]]


def _tridiagonal_sweeps(d: list, e: list) -> tuple[list, list]:
    """Run the QR sweeps on d (m,) and e (m-1,) (Python lists, overwritten) until e vanishes.

    Returns the eigenvalues (unsorted) and the rotations of every sweep, (cosines, sines).
    """
    m = len(d)
    hypot = math.hypot
    chains = []
    budget = SWEEPS_PER_ROW * m
    hi = m - 1
    while hi > 0:
        lo = hi  # the unreduced window [lo, hi] that ends at hi
        while lo > 0:
            off = e[lo - 1]
            if abs(off) <= EPS * (abs(d[lo - 1]) + abs(d[lo])) + TINY:
                e[lo - 1] = 0.0
                break
            lo -= 1
        if lo == hi:
            hi -= 1
            continue
        budget -= 1
        if budget < 0:
            raise LinAlgError("eigenvalue iteration (tridiagonal QR) did not converge")
        # Wilkinson shift from the trailing 2x2 block [[a, b], [b, c]].
        a, b, c = d[hi - 1], e[hi - 1], d[hi]
        half = 0.5 * (a - c)
        root = hypot(half, b)
        shift = c - b * (b / (half + (root if half >= 0.0 else -root)))
        x, z = d[lo] - shift, e[lo]
        cosines, sines = [1.0] * (m - 1), [0.0] * (m - 1)
        dk = d[lo]
        for k in range(lo, hi):
            r = hypot(x, z)
            cs, sn = (x / r, z / r) if r != 0.0 else (1.0, 0.0)
            if k > lo:
                e[k - 1] = r
            ek, dk1 = e[k], d[k + 1]
            # R [[dk, ek], [ek, dk1]] R^T with R = [[cs, sn], [-sn, cs]], written with
            # g = cs (dk - dk1) + 2 sn ek: the new dk is dk1 + cs g (the trace is kept).
            g = cs * (dk - dk1) + 2.0 * sn * ek
            d[k] = dk1 + cs * g
            x = ek - sn * g  # the new e_k
            dk -= cs * g  # the new d_{k+1}, carried to the next step
            if k + 1 < hi:
                following = e[k + 1]
                z = sn * following  # the bulge at (k, k + 2)
                e[k + 1] = cs * following
            cosines[k], sines[k] = cs, sn
        e[hi - 1], d[hi] = x, dk
        chains.append((cosines, sines))
    return d, chains


def bidiagonal_qr(
    d: np.ndarray, e: np.ndarray, want_vectors: bool = True
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """B = X diag(s) Y^T for the upper bidiagonal B = (d (n,), e (n-1,)), real.

    Returns s (n,) descending and non-negative, and X, Y (n, n) orthogonal (None, None when
    want_vectors is False; s is the same either way).
    """
    d, e = d.tolist(), e.tolist()
    n = len(d)
    hypot = math.hypot
    small = EPS * max(max(map(abs, d)), max(map(abs, e), default=0.0))
    left_chains, right_chains = [], []  # (cosines, sines) per sweep
    left_extra, right_extra = [], []  # (position in the chain list, rotations) of the chases
    budget = SWEEPS_PER_ROW * n
    hi = n - 1
    while hi > 0:
        lo = hi
        while lo > 0:
            off = e[lo - 1]
            if abs(off) <= EPS * (abs(d[lo - 1]) + abs(d[lo])) + TINY:
                e[lo - 1] = 0.0
                break
            lo -= 1
        if lo == hi:
            hi -= 1
            continue
        budget -= 1
        if budget < 0:
            raise LinAlgError("SVD iteration (bidiagonal QR) did not converge")
        if min(map(abs, d[lo : hi + 1])) <= small:
            zero = next(k for k in range(lo, hi + 1) if abs(d[k]) <= small)
            d[zero] = 0.0
            if zero < hi:
                rotations = _chase_row(d, e, zero, hi)
                left_extra.append((len(left_chains), rotations))
            else:
                rotations = _chase_column(d, e, lo, hi)
                right_extra.append((len(right_chains), rotations))
            continue
        # Wilkinson shift of the trailing 2x2 block of B^T B on the window.
        a = d[hi - 1] * d[hi - 1] + (e[hi - 2] * e[hi - 2] if hi - 1 > lo else 0.0)
        b = d[hi - 1] * e[hi - 1]
        c = d[hi] * d[hi] + e[hi - 1] * e[hi - 1]
        half = 0.5 * (a - c)
        root = hypot(half, b)
        shift = c - b * (b / (half + (root if half >= 0.0 else -root))) if root != 0.0 else c
        y, z = d[lo] * d[lo] - shift, d[lo] * e[lo]
        right_c, right_s = [1.0] * (n - 1), [0.0] * (n - 1)
        left_c, left_s = [1.0] * (n - 1), [0.0] * (n - 1)
        for k in range(lo, hi):
            # Right rotation of columns k, k+1 zeroes z = B[k-1, k+1] (or starts the sweep).
            r = hypot(y, z)
            cs, sn = (y / r, z / r) if r != 0.0 else (1.0, 0.0)
            if k > lo:
                e[k - 1] = r
            dk, ek, dk1 = d[k], e[k], d[k + 1]
            dk, ek = cs * dk + sn * ek, cs * ek - sn * dk
            bulge, dk1 = sn * dk1, cs * dk1  # bulge at B[k+1, k]
            right_c[k], right_s[k] = cs, sn
            # Left rotation of rows k, k+1 zeroes the bulge.
            r = hypot(dk, bulge)
            cs, sn = (dk / r, bulge / r) if r != 0.0 else (1.0, 0.0)
            d[k] = r
            e[k] = y = cs * ek + sn * dk1
            d[k + 1] = cs * dk1 - sn * ek
            if k + 1 < hi:
                following = e[k + 1]
                z = sn * following  # bulge at B[k, k+2]
                e[k + 1] = cs * following
            left_c[k], left_s[k] = cs, sn
        right_chains.append((right_c, right_s))
        left_chains.append((left_c, left_s))
    s = np.array(d)
    signs = np.where(s < 0.0, -1.0, 1.0)
    s = np.abs(s)
    order = np.argsort(-s, kind="stable")
    if not want_vectors:
        return s[order], None, None
    x = rotation_product(n, left_chains, left_extra)[:, order]
    y = (rotation_product(n, right_chains, right_extra) * signs)[:, order]
    return s[order], x, y


def _chase_row(d: list, e: list, k: int, hi: int) -> list:
    """d_k = 0, k < hi: zero row k's superdiagonal by rotating rows (j, k), j = k+1 .. hi.

    Each left rotation puts the entry B[k, j] onto d_j and leaves its fill-in at B[k, j+1].
    Returns the rotations (j, k, c, s) for the left vectors: col_j <- c col_j + s col_k,
    col_k <- -s col_j + c col_k.
    """
    rotations = []
    x = e[k]
    e[k] = 0.0
    for j in range(k + 1, hi + 1):
        r = math.hypot(d[j], x)
        cs, sn = d[j] / r, x / r
        d[j] = r
        rotations.append((j, k, cs, sn))
        if j < hi:
            x = -sn * e[j]
            e[j] *= cs
    return rotations


def _chase_column(d: list, e: list, lo: int, hi: int) -> list:
    """d_hi = 0: zero column hi's superdiagonal by rotating columns (j, hi), j = hi-1 .. lo.

    Returns the rotations (j, hi, c, s) for the right vectors, in the form of `_chase_row`.
    """
    rotations = []
    x = e[hi - 1]
    e[hi - 1] = 0.0
    for j in range(hi - 1, lo - 1, -1):
        r = math.hypot(d[j], x)
        cs, sn = d[j] / r, x / r
        d[j] = r
        rotations.append((j, hi, cs, sn))
        if j > lo:
            x = -sn * e[j - 1]
            e[j - 1] *= cs
    return rotations


def rotation_product(m: int, chains: list, extra: list) -> np.ndarray:
    """The orthogonal (m, m) product of the recorded sweeps, in order of application.

    chains: per sweep, lists (c, s) of length m - 1 for the rotations G_0 ... G_{m-2}.
    extra: (i, rotations) for rotation sequences applied just before chain i (see `_chase_row`).
    """
    stack = _chain_products(m, chains) if chains else np.eye(m)[None]
    if extra:  # rare: splice the chases' matrices in at their places
        pieces, previous = [], 0
        for position, rotations in extra:
            pieces += [stack[previous:position], _rotations_matrix(m, rotations)[None]]
            previous = position
        stack = np.concatenate([*pieces, stack[previous:]])
    return _multiply_in_order(stack[None])[0]


def _multiply_in_order(stack: np.ndarray) -> np.ndarray:
    """Q_0 Q_1 ... Q_{S-1} for each problem of a stack (b, S, m, m): neighbours are multiplied
    pairwise, halving S each time (a tree of batched matrix products)."""
    while stack.shape[1] > 1:
        paired = stack[:, 0 : stack.shape[1] - 1 : 2] @ stack[:, 1::2]
        if stack.shape[1] % 2:
            paired = np.concatenate((paired, stack[:, -1:]), axis=1)
        stack = paired
    return stack[:, 0]


def _chain_products(m: int, chains: list) -> np.ndarray:
    """Q (S, m, m) = G_0 G_1 ... G_{m-2} of every sweep by the closed form (module doc)."""
    cos = np.array([c for c, _ in chains])  # (S, m-1)
    minus_sin = np.array([s for _, s in chains])
    np.negative(minus_sin, out=minus_sin)
    count = cos.shape[0]
    ones = np.ones((count, 1))
    cos_before = np.concatenate((ones, cos), axis=1)  # c_{i-1}, (S, m)
    cos_after = np.concatenate((cos, ones), axis=1)  # c_k
    q = np.zeros((count, m, m))
    flat = q.reshape(count, m * m)
    # Superdiagonal k, entry i: c_{i-1} (-s_i) ... (-s_{i+k-1}) times c_{i+k}. The running
    # products r (S, m - k) take one more factor -s per diagonal.
    r = cos_before
    for k in range(m):
        np.multiply(r, cos_after[:, k:], out=flat[:, k : (m - k) * (m + 1) : m + 1])
        r = r[:, :-1] * minus_sin[:, k:]
    flat[:, m :: m + 1] = -minus_sin  # the subdiagonal, s_k
    return q


def _rotations_matrix(m: int, rotations: list) -> np.ndarray:
    """The product of the rotations (a, b, c, s): col_a <- c col_a + s col_b, col_b <- ..."""
    g = np.eye(m)
    for a, b, cs, sn in rotations:
        col_a, col_b = g[:, a].copy(), g[:, b]
        g[:, a] = cs * col_a + sn * col_b
        g[:, b] = cs * col_b - sn * col_a
    return g
