"""Real Schur form of a general real matrix, and its eigenvalues and eigenvectors.

0. Balancing B = D^-1 A D by a diagonal D of powers of two (Parlett & Reinsch), as LAPACK's
   xGEBAL does for numpy.linalg.eig.
1. Hessenberg reduction B = Q H Q^T by Householder reflectors (Golub & Van Loan, Matrix
   Computations 4th ed. §7.4.3).
2. Francis double-shift implicit QR on H (G&VL Algorithms 7.5.1 and 7.5.2): each sweep chases a
   3x3 bulge made from the first column of (H - s1 I)(H - s2 I), with s1, s2 the eigenvalues of
   the trailing 2x2 block; a subdiagonal entry below eps times its neighbours is set to zero
   (with the Ahues & Tisseur refinement, as LAPACK's xLAHQR), and the problem splits. Exceptional
   shifts at iterations 10 and 20 break cycles. T ends quasi upper triangular: 1x1 blocks for
   real eigenvalues, 2x2 blocks for complex conjugate pairs (a 2x2 block with real eigenvalues is
   split by one more rotation).
3. Eigenvectors of T by back substitution (LAPACK xTREVC's method), for all eigenvalues at once:
   x_k has x_k = 1 (or the 2x2 block's own eigenvector) in its block, zeros below, and the rows
   above solve (T_jj - w_k I) x_j = -T_j,below x_below, block row by block row from the bottom.
   The eigenvectors of A are D Z x_k, normalised.
"""

from __future__ import annotations

import math

import numpy as np

from nashai.math.errors import LinAlgError
from nashai.math.linalg._householder import apply_reflectors, householder

EPS = float(np.finfo(np.float64).eps)
TINY = float(np.finfo(np.float64).tiny)
BIG = 1e150  # eigenvector columns of a defective T grow fast: rescale them past this
ITERATIONS_PER_EIGENVALUE = 30  # QR sweeps allowed per eigenvalue (times max(10, n)), as xLAHQR
MAX_BALANCING_SWEEPS = 100  # balancing is an aid to accuracy: stop rather than loop forever


def balance(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Diagonal similarity B = D^-1 A D, D = diag(scale) of powers of two, that evens out rows
    and columns (Parlett & Reinsch 1969; Golub & Van Loan §7.5.7).

    Sweep i = 0..n-1 until nothing changes: with c and r the 2-norms of column i and row i off the
    diagonal, scale them by a power of two f (c f, r / f) when that shrinks c + r by at least 5%.
    Exact in floating point; eigenvalues are unchanged and ill-conditioned ones get more accurate.
    """
    b = np.array(a, dtype=np.float64, copy=True)
    n = b.shape[0]
    scale = np.ones(n)
    changed = n > 1
    for _ in range(MAX_BALANCING_SWEEPS):  # each accepted step cuts c + r by 5%: few sweeps
        if not changed:
            break
        changed = False
        for i in range(n):
            column, row = b[:, i], b[i, :]
            diagonal2 = b[i, i] * b[i, i]
            c = math.sqrt(max(float(column @ column) - diagonal2, 0.0))
            r = math.sqrt(max(float(row @ row) - diagonal2, 0.0))
            if c == 0.0 or r == 0.0:
                continue
            f, total = 1.0, c + r
            while c < r / 2.0 and f < 2.0**500:
                c, r, f = c * 2.0, r / 2.0, f * 2.0
            while c >= r * 2.0 and f > 2.0**-500:
                c, r, f = c / 2.0, r * 2.0, f / 2.0
            if c + r < 0.95 * total:
                scale[i] *= f
                b[:, i] *= f
                b[i, :] /= f
                changed = True
    return b, scale


def hessenberg(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """H = Q^T A Q upper Hessenberg; returns H (n, n) and Q's reflectors v (n, n-2), tau (n-2,)."""
    h = np.array(a, dtype=np.float64, copy=True)
    n = h.shape[0]
    n_ref = max(n - 2, 0)
    v_all = np.zeros((n, n_ref))
    tau_all = np.zeros(n_ref)
    for k in range(n_ref):
        v, tau, beta = householder(h[k + 1 :, k])
        if tau != 0.0:
            block = h[k + 1 :, k + 1 :]
            block -= np.outer(tau * v, v @ block)  # from the left: (I - tau v v^T) H
            right = h[:, k + 1 :]
            right -= np.outer(right @ v, tau * v)  # from the right: H (I - tau v v^T)
        h[k + 1, k] = beta
        h[k + 2 :, k] = 0.0
        v_all[k + 1 :, k] = v
        tau_all[k] = tau
    return h, v_all, tau_all


def real_schur(a: np.ndarray, want_vectors: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Schur form of the balanced matrix: A = (D Z) T (D Z)^-1, T (n, n) quasi upper triangular.

    Returns T and D Z (n, n) (D diagonal from `balance`, Z orthogonal), whose product with T's
    eigenvectors gives A's. With want_vectors=False, D Z is None and only T's diagonal blocks are
    computed (enough for the eigenvalues), which saves the updates outside the active window.
    """
    b, scale = balance(a)
    h, v, tau = hessenberg(b)
    if not want_vectors:
        _francis_qr(h, full=False)
        return h, None
    n = a.shape[0]
    # D Q stacked above H: the QR steps' rotations multiply both from the right in one product.
    stacked = np.empty((2 * n, n))
    stacked[:n] = scale[:, None] * apply_reflectors(v, tau, np.eye(n), offset=1)
    stacked[n:] = h
    _francis_qr(stacked, full=True)
    return stacked[n:], stacked[:n]


def _eigenvalues_2x2(a: float, b: float, c: float, d: float):
    """(re1, im1, re2, im2) for [[a, b], [c, d]], scaled against overflow."""
    s = abs(a) + abs(b) + abs(c) + abs(d)
    if s == 0.0:
        return 0.0, 0.0, 0.0, 0.0
    a, b, c, d = a / s, b / s, c / s, d / s
    half_trace = 0.5 * (a + d)
    det = (a - half_trace) * (d - half_trace) - b * c
    root = math.sqrt(abs(det))
    if det >= 0.0:
        return half_trace * s, root * s, half_trace * s, -root * s
    return (half_trace + root) * s, 0.0, (half_trace - root) * s, 0.0


def _reflector(x0: float, x1: float, x2: float | None):
    """3x3 (or 2x2 when x2 is None) symmetric P = I - tau v v^T with P x = beta e_1.

    v = (1, v1, v2); P is written out entry by entry from Python floats, which is several times
    faster than array arithmetic at this size (it runs once per bulge-chasing step).
    """
    tail2 = x1 * x1 + (x2 * x2 if x2 is not None else 0.0)
    if tail2 == 0.0:
        return None, x0
    beta = -math.copysign(math.sqrt(x0 * x0 + tail2), x0)
    tau = (beta - x0) / beta
    scale = 1.0 / (x0 - beta)
    v1 = x1 * scale
    if x2 is None:
        return np.array([[1.0 - tau, -tau * v1], [-tau * v1, 1.0 - tau * v1 * v1]]), beta
    v2 = x2 * scale
    tv1, tv2 = tau * v1, tau * v2
    p = [
        [1.0 - tau, -tv1, -tv2],
        [-tv1, 1.0 - tv1 * v1, -tv1 * v2],
        [-tv2, -tv2 * v1, 1.0 - tv2 * v2],
    ]
    return np.array(p), beta


def _francis_qr(stacked: np.ndarray, full: bool) -> None:
    """Francis double-shift QR, in place, on the Hessenberg H = stacked[-n:] (n, n); the rows
    above it (Z, when there are any) take the same rotations from the right.

    full=True keeps all of T (updates reach every column to the right and every row above the
    active window); full=False only keeps the window's diagonal blocks right.
    """
    n = stacked.shape[1]
    h = stacked[-n:]
    small = TINY * (n / EPS)
    max_iterations = ITERATIONS_PER_EIGENVALUE * max(10, n)
    i = n - 1
    while i >= 0:
        low = 0
        for iteration in range(max_iterations + 1):
            low = _find_split(h, low, i, small)
            if low > 0:
                h[low, low - 1] = 0.0
            if low >= i - 1:
                break
            if iteration == max_iterations:
                raise LinAlgError(
                    f"eig did not converge: the QR iteration needed over {max_iterations} steps "
                    f"for eigenvalue {i}"
                )
            shifts = _shifts(h, low, i, iteration)
            _double_shift_sweep(stacked, low, i, shifts, full)
        if low == i - 1:
            _split_2x2(stacked, i - 1, full)
        i = low - 1


def _find_split(h: np.ndarray, low: int, i: int, small: float) -> int:
    """Largest k in (low, i] with a negligible h[k, k-1], or low if there is none."""
    for k in range(i, low, -1):
        sub = abs(h[k, k - 1])
        if sub <= small:
            return k
        hkk, hkm = h[k, k], h[k - 1, k - 1]
        test = abs(hkm) + abs(hkk)
        if test == 0.0:
            if k - 2 >= low:
                test += abs(h[k - 1, k - 2])
            if k + 1 <= i:
                test += abs(h[k + 1, k])
        if sub <= EPS * test:
            # Ahues & Tisseur: also require the product of the off-diagonal pair to be small
            # next to that of the diagonal gap, which keeps small eigenvalues accurate.
            up = abs(h[k - 1, k])
            ab, ba = max(sub, up), min(sub, up)
            gap = abs(hkm - hkk)
            aa, bb = max(abs(hkk), gap), min(abs(hkk), gap)
            s = aa + ab
            if ba * (ab / s) <= max(small, EPS * (bb * (aa / s))):
                return k
    return low


def _shifts(h: np.ndarray, low: int, i: int, iteration: int):
    """(re1, im1, re2, im2): the two shifts for the next sweep on the window [low, i]."""
    if iteration in (10, 20):  # exceptional shifts, as in xLAHQR
        if iteration == 10:
            s = abs(h[low + 1, low]) + abs(h[low + 2, low + 1])
            diagonal = h[low, low]
        else:
            s = abs(h[i, i - 1]) + abs(h[i - 1, i - 2])
            diagonal = h[i, i]
        h11 = 0.75 * s + diagonal
        return _eigenvalues_2x2(h11, -0.4375 * s, s, h11)
    re1, im1, re2, im2 = _eigenvalues_2x2(h[i - 1, i - 1], h[i - 1, i], h[i, i - 1], h[i, i])
    if im1 == 0.0:  # two real shifts: use the one nearer h[i, i] twice
        nearer = re1 if abs(re1 - h[i, i]) <= abs(re2 - h[i, i]) else re2
        return nearer, 0.0, nearer, 0.0
    return re1, im1, re2, im2


def _double_shift_sweep(stacked, low: int, i: int, shifts, full: bool) -> None:
    """One implicit double-shift QR sweep on the window [low, i] (G&VL Algorithm 7.5.1)."""
    re1, im1, re2, im2 = shifts
    n = stacked.shape[1]
    above = stacked.shape[0] - n  # rows of Z above H
    h = stacked[above:]
    last_column = n if full else i + 1
    first_row = 0 if full else above + low
    # First column of (H - s1 I)(H - s2 I), scaled by s against overflow.
    h00, h10 = h[low, low], h[low + 1, low]
    s = abs(h00 - re2) + abs(im2) + abs(h10)
    h10s = h10 / s
    x0 = h10s * h[low, low + 1] + (h00 - re1) * ((h00 - re2) / s) - im1 * (im2 / s)
    x1 = h10s * (h00 + h[low + 1, low + 1] - re1 - re2)
    x2 = h10s * h[low + 2, low + 1]
    for k in range(low, i):
        size = 3 if k < i - 1 else 2
        if k > low:
            x0, x1 = h[k, k - 1], h[k + 1, k - 1]
            x2 = h[k + 2, k - 1] if size == 3 else None
        p, beta = _reflector(x0, x1, x2)
        if k > low:
            h[k, k - 1] = beta
            h[k + 1 : k + size, k - 1] = 0.0
        if p is None:
            continue
        rows = slice(k, k + size)
        h[rows, k:last_column] = p @ h[rows, k:last_column]
        bottom = above + min(k + 3, i) + 1
        stacked[first_row:bottom, rows] = stacked[first_row:bottom, rows] @ p


def _split_2x2(stacked: np.ndarray, j: int, full: bool) -> None:
    """Make the deflated block h[j:j+2, j:j+2] upper triangular if its eigenvalues are real."""
    n = stacked.shape[1]
    above = stacked.shape[0] - n
    h = stacked[above:]
    a, b, c, d = h[j, j], h[j, j + 1], h[j + 1, j], h[j + 1, j + 1]
    if c == 0.0:
        return
    p = 0.5 * (a - d)
    bc = b * c
    disc = p * p + bc
    if disc < 0.0:
        return  # complex pair: stays a 2x2 block
    root = p + math.copysign(math.sqrt(disc), p)  # lambda1 - d, the larger in size
    # An eigenvector for lambda1 = d + root: (b, lambda1 - a) or (lambda1 - d, c).
    x = (b, root - 2.0 * p) if abs(b) + abs(root - 2.0 * p) >= abs(root) + abs(c) else (root, c)
    norm = math.hypot(*x)
    cs, sn = x[0] / norm, x[1] / norm
    g = np.array([[cs, -sn], [sn, cs]])  # first column: the eigenvector
    last_column = n if full else j + 2
    first_row = 0 if full else above + j
    rows = slice(j, j + 2)
    h[rows, j:last_column] = g.T @ h[rows, j:last_column]
    stacked[first_row : above + j + 2, rows] = stacked[first_row : above + j + 2, rows] @ g
    h[j + 1, j] = 0.0
    h[j, j] = d + root
    h[j + 1, j + 1] = d - bc / root if root != 0.0 else d


def schur_eigenvalues(t: np.ndarray) -> np.ndarray:
    """Eigenvalues (n,) complex of quasi-triangular t, in diagonal order (+imaginary first)."""
    w = t.diagonal().astype(np.complex128)
    for j in np.flatnonzero(t.diagonal(-1) != 0.0):
        a, b, c, d = t[j, j], t[j, j + 1], t[j + 1, j], t[j + 1, j + 1]
        p = 0.5 * (a - d)
        im = math.sqrt(max(-(p * p + b * c), 0.0))  # the block was left whole: p^2 + bc < 0
        w[j] = complex(0.5 * (a + d), im)
        w[j + 1] = complex(0.5 * (a + d), -im)
    return w


def schur_eigenvectors(t: np.ndarray, z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Unit eigenvectors (n, n) of A = Z T Z^-1, column k for eigenvalue w[k].

    Back substitution on T for every eigenvalue at once (columns), one block row at a time from
    the bottom; a pivot smaller than smin = max(eps |w_k|, tiny n / eps) is replaced by smin, so
    repeated eigenvalues give independent vectors where T allows them (as xTREVC does).
    """
    n = t.shape[0]
    is_complex = bool(np.any(w.imag != 0.0))
    x = np.zeros((n, n), dtype=np.complex128 if is_complex else np.float64)
    wk = w if is_complex else w.real
    smin = np.maximum(EPS * (np.abs(w.real) + np.abs(w.imag)), TINY * (n / EPS))
    starts, sizes = _blocks(t)
    second_of_pair = np.zeros(n, dtype=bool)
    for j, size in zip(starts, sizes, strict=True):
        if size == 1:
            x[j, j] = 1.0
        else:  # eigenvector of the block [[a, b], [c, d]] for w[j] = w_j (Im > 0)
            a, b, c, d = t[j, j], t[j, j + 1], t[j + 1, j], t[j + 1, j + 1]
            lam = w[j]
            first, second = (b, lam - a), (lam - d, c)
            x[j : j + 2, j] = first if abs(b) + abs(lam - a) >= abs(lam - d) + abs(c) else second
            second_of_pair[j + 1] = True
    for j, size in zip(starts[::-1], sizes[::-1], strict=True):
        cols = np.arange(j + size, n)
        cols = cols[~second_of_pair[cols]]
        if cols.shape[0] == 0:
            continue
        rhs = -(t[j : j + size, j + size :] @ x[j + size :, cols])  # (size, m)
        lam = wk[cols]
        if size == 1:
            pivot = t[j, j] - lam
            pivot = np.where(np.abs(pivot) < smin[cols], smin[cols], pivot)
            x[j, cols] = rhs[0] / pivot
        else:
            m11, m12 = t[j, j] - lam, t[j, j + 1]
            m21, m22 = t[j + 1, j], t[j + 1, j + 1] - lam
            det = m11 * m22 - m12 * m21
            scale = np.maximum(np.maximum(np.abs(m11), np.abs(m22)), max(abs(m12), abs(m21)))
            floor = smin[cols] * scale
            det = np.where(np.abs(det) < floor, floor, det)
            x[j, cols] = (m22 * rhs[0] - m12 * rhs[1]) / det
            x[j + 1, cols] = (m11 * rhs[1] - m21 * rhs[0]) / det
        big = np.abs(x[:, cols]).max(axis=0)
        grown = big > BIG
        if np.any(grown):
            x[:, cols[grown]] /= big[grown]
    v = z @ x
    pairs = np.flatnonzero(second_of_pair)
    v[:, pairs] = v[:, pairs - 1].conj()
    v /= np.sqrt((np.abs(v) ** 2).sum(axis=0))
    if is_complex:  # turn each vector so that its largest component is real and positive
        largest = np.abs(v).argmax(axis=0)
        top = v[largest, np.arange(n)]
        v *= top.conj() / np.abs(top)
        v[largest, np.arange(n)] = np.abs(top)
    return v


def _blocks(t: np.ndarray) -> tuple[list[int], list[int]]:
    """Starts and sizes (1 or 2) of the diagonal blocks of quasi-triangular t."""
    n = t.shape[0]
    sub = t.diagonal(-1) != 0.0
    starts, sizes = [], []
    j = 0
    while j < n:
        size = 2 if j < n - 1 and sub[j] else 1
        starts.append(j)
        sizes.append(size)
        j += size
    return starts, sizes
