"""The dominant eigenpair of a square matrix by power iteration (Golub & Van Loan 4th ed. §7.3.1).

    w = A v_k,   lambda_k = v_kᵀ w  (Rayleigh quotient, ‖v_k‖ = 1),   v_(k+1) = w / ‖w‖

converges to the eigenvector of the eigenvalue of largest modulus when that eigenvalue is real and
strictly dominant, at the rate |lambda_2 / lambda_1| per step. It stops once the residual
‖A v - lambda v‖ is at most tol ‖A‖_F.
"""

from __future__ import annotations

import numpy as np

from nashai.math.errors import LinAlgError
from nashai.math.linalg._validation import as_real_matrix


def power_iteration(
    a,
    num_iters: int = 1000,
    tol: float = 1e-10,
    rng: int | np.random.Generator | None = None,
) -> tuple[float, np.ndarray]:
    """Dominant eigenvalue (largest |lambda|) and its eigenvector by power iteration.

    Parameters
    ----------
    a : (n, n) array_like, real.
    num_iters : the most matrix-vector products to take.
    tol : stop when ‖a v - lambda v‖ <= tol * ‖a‖_F.
    rng : seed or numpy.random.Generator for the random start vector; the same seed gives the
        same result.

    Returns
    -------
    eigenvalue : float
    eigenvector : (n,) unit vector, signed so that its entry of largest modulus is positive.

    Raises
    ------
    LinAlgError if `a` is not square, or the iteration has not converged after `num_iters`
    steps: the dominant eigenvalue is then not unique in modulus (lambda and -lambda, or a
    complex pair), or the gap to the next one is too small for `num_iters`.
    """
    if num_iters < 1:
        raise ValueError(f"num_iters must be at least 1, got {num_iters}")
    if not tol > 0:
        raise ValueError(f"tol must be positive, got {tol}")
    matrix = as_real_matrix(a, square=True)
    n = matrix.shape[0]
    if n == 0:
        raise LinAlgError("a is empty (shape (0, 0)): it has no eigenvalues")
    threshold = tol * float(np.sqrt(np.sum(matrix * matrix)))
    v = np.random.default_rng(rng).standard_normal(n)
    v /= np.sqrt(v @ v)
    residual = np.inf
    for _ in range(num_iters):
        w = matrix @ v
        eigenvalue = float(v @ w)
        r = w - eigenvalue * v
        residual = float(np.sqrt(r @ r))
        if residual <= threshold:
            return eigenvalue, _fix_sign(v)
        v = w / np.sqrt(w @ w)
    raise LinAlgError(
        f"power iteration did not converge in {num_iters} iterations (residual "
        f"‖Av - λv‖ = {residual:.3g} > {threshold:.3g}): the largest eigenvalue in modulus is "
        "not unique (±λ or a complex pair) or too close to the next; raise num_iters or tol"
    )


def _fix_sign(v: np.ndarray) -> np.ndarray:
    """v with the sign that makes its entry of largest modulus positive."""
    return v if v[np.argmax(np.abs(v))] >= 0 else -v
