"""Numerical differentiation: derivatives, gradients, Jacobians and Hessians.

Every function here uses central differences refined by Richardson extrapolation. The central
difference of a smooth f has an error expansion in even powers of the step only, because the odd
Taylor terms cancel between x + h and x - h:

    D(h) = (f(x + h) - f(x - h)) / 2h          = f'(x)  + c₂h² + c₄h⁴ + c₆h⁶ + ...
    S(h) = (f(x + h) - 2f(x) + f(x - h)) / h²  = f''(x) + d₂h² + d₄h⁴ + d₆h⁶ + ...

Richardson extrapolation evaluates D at h, h/2, h/4, h/8 and combines neighbours level by level,

    D_k(h) = (4^k D_{k-1}(h/2) - D_{k-1}(h)) / (4^k - 1),    k = 1, 2, 3,

each level removing the next even power: the plain central difference is O(h²), one level gives
O(h⁴), two O(h⁶), and the three levels used here O(h⁸). Rounding adds O(ε/h) to a first derivative
and O(ε/h²) to a second (ε = 2.2e-16, machine epsilon), largest at the smallest step h/8. Balancing
h⁸ against ε/(h/8)ᵏ for the k-th derivative gives the base step

    h = (8ᵏ ε)^(1/(8+k)) · max(|x|, 1):  ≈ 0.023 · max(|x|, 1) for k = 1,
                                          ≈ 0.041 · max(|x|, 1) for k = 2,

per coordinate, so the scale of x sets the scale of the step. On smooth functions (exp, sin,
polynomials, Rosenbrock) the error is about 1e-13 of the derivative's scale for first derivatives
and 1e-11 for second derivatives. A function that changes much faster than x's scale (sin(100 x))
or is undefined within h of x (log near 0) needs a smaller `h`, which every function accepts.

References: L. F. Richardson and J. A. Gaunt, "The deferred approach to the limit", Phil. Trans.
R. Soc. A 226 (1927); W. H. Press et al., Numerical Recipes, 3rd ed., §5.7 (numerical derivatives:
step sizes and extrapolation).

Shapes: x may be a scalar or a float64 array of any shape S with n = prod(S) elements, and a vector
function may return any shape T with m = prod(T) elements. Jacobians and Hessians flatten both in
C (row-major) order: jacobian returns (m, n) with J[i, j] = ∂ f(x).ravel()[i] / ∂ x.ravel()[j].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["GradCheckResult", "check_grad", "derivative", "gradient", "hessian", "jacobian"]

_LEVELS = 3  # Richardson levels: steps h, h/2, h/4, h/8 and an O(h^8) error
_EPS = np.finfo(np.float64).eps
_CHUNK_ELEMENTS = 2**20  # at most this many float64 numbers of perturbed points at once (8 MB)


# ---------------------------------------------------------------------------------------------
# Input checks and the shared machinery
# ---------------------------------------------------------------------------------------------


def _as_point(x, name: str = "x") -> np.ndarray:
    """Return `x` as a finite float64 array (0-d for a scalar), or raise a clear error."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity")
    return arr


def _check_callable(f, name: str = "f") -> None:
    if not callable(f):
        raise TypeError(f"{name} must be a callable, got {type(f).__name__}")


def _as_value(value, name: str = "f(x)") -> np.ndarray:
    """Return a function's output as a finite float64 array, or raise a clear error."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must return real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} is NaN or infinite: differentiate where the function is finite")
    return arr


def _value_at(f: Callable, x: np.ndarray, vectorized: bool, name: str = "f") -> np.ndarray:
    """f(x) as a finite float64 array of f's output shape T (as a stack of one if vectorized)."""
    if not vectorized:
        return _as_value(f(x), f"{name}(x)")
    fx = _as_value(f(x[None]), f"{name}(x)")
    if fx.ndim == 0 or fx.shape[0] != 1:
        raise ValueError(
            f"with vectorized=True, {name} must map a stack of shape {(1, *x.shape)} to shape "
            f"(1, ...), got {fx.shape}"
        )
    return fx[0]


def _scalar_value(f: Callable, x: np.ndarray, vectorized: bool, caller: str) -> np.ndarray:
    """f(x) as a 0-d array, or an error telling the caller to use jacobian."""
    fx = _value_at(f, x, vectorized)
    if fx.size != 1:
        raise ValueError(
            f"{caller} needs a scalar-valued f, but f(x) has shape {fx.shape}; use jacobian for "
            f"a vector-valued f"
        )
    return fx.reshape(())


def _steps(x: np.ndarray, order: int, h) -> np.ndarray:
    """The Richardson step sizes h, h/2, ..., h/2^L for each element of x, shape (L+1, *x.shape).

    The default base step is (2^(L·order) ε)^(1/(2L+2+order)) · max(|x|, 1), which balances the
    O(h^(2L+2)) truncation error against the O(ε/(h/2^L)^order) rounding error at the smallest
    step. Each step is replaced by (x + h) - x, the step actually taken in floating point.
    """
    if h is None:
        unit = (2.0 ** (_LEVELS * order) * _EPS) ** (1.0 / (2 * _LEVELS + 2 + order))
        base = unit * np.maximum(np.abs(x), 1.0)
    else:
        base = np.asarray(h, dtype=np.float64)
        if not (np.all(np.isfinite(base)) and np.all(base > 0)):
            raise ValueError(f"h must be positive and finite, got {h!r}")
        try:
            base = np.broadcast_to(base, x.shape)
        except ValueError:
            raise ValueError(
                f"h must be a scalar or broadcast to x's shape {x.shape}, got shape {base.shape}"
            ) from None
    steps = base / 2.0 ** np.arange(_LEVELS + 1).reshape((-1,) + (1,) * x.ndim)
    return (x + steps) - x


def _richardson(estimates: np.ndarray) -> np.ndarray:
    """Extrapolate estimates at steps h, h/2, ..., h/2^L (axis 0) to step 0.

    Level k combines neighbours as (4^k D(h/2) - D(h)) / (4^k - 1), which cancels the h^(2k) term
    of an expansion in even powers of h.
    """
    table = estimates
    for level in range(1, table.shape[0]):
        weight = 4.0**level
        table = (weight * table[1:] - table[:-1]) / (weight - 1.0)
    return table[0]


def _evaluate_at(
    f: Callable,
    x: np.ndarray,
    coords: np.ndarray,
    shifts: np.ndarray,
    out_shape: tuple[int, ...],
    vectorized: bool,
) -> np.ndarray:
    """f at the K points x + Σ_r shifts[k, r] · e_{coords[k, r]}, as a (K, m) array.

    coords, shifts: (K, r) flat indices into x and the displacement added there (r = 1 or 2).
    Points are built in chunks of at most _CHUNK_ELEMENTS numbers; with `vectorized` each chunk
    is passed to f as one stack of shape (chunk, *x.shape).
    """
    n_points = coords.shape[0]
    x_flat = x.reshape(-1)
    m = int(np.prod(out_shape))
    values = np.empty((n_points, m))
    chunk = max(1, _CHUNK_ELEMENTS // max(x.size, 1))
    for start in range(0, n_points, chunk):
        stop = min(start + chunk, n_points)
        points = np.repeat(x_flat[None, :], stop - start, axis=0)  # (chunk, n)
        points[np.arange(stop - start)[:, None], coords[start:stop]] += shifts[start:stop]
        if vectorized:
            batch = np.asarray(f(points.reshape((stop - start, *x.shape))), dtype=np.float64)
            if batch.shape != (stop - start, *out_shape):
                raise ValueError(
                    f"with vectorized=True, f must map a stack of shape "
                    f"{(stop - start, *x.shape)} to shape {(stop - start, *out_shape)}, "
                    f"got {batch.shape}"
                )
            values[start:stop] = batch.reshape(stop - start, m)
        else:
            for row, point in enumerate(points, start):
                value = np.asarray(f(point.reshape(x.shape)), dtype=np.float64)
                if value.shape != out_shape:
                    raise ValueError(
                        f"f returned shape {value.shape} at a perturbed point but {out_shape} at x"
                    )
                values[row] = value.reshape(m)
    if not np.all(np.isfinite(values)):
        raise ValueError("f returned NaN or infinity at a point within h of x: pass a smaller h")
    return values


def _jacobian(f: Callable, x: np.ndarray, fx: np.ndarray, h, vectorized: bool) -> np.ndarray:
    """The (m, n) Jacobian of f at x, where fx = f(x); see `jacobian`."""
    n, m = x.size, fx.size
    steps = _steps(x, 1, h).reshape(_LEVELS + 1, 1, n)  # (L+1, 1, n)
    signed = steps * np.array([1.0, -1.0]).reshape(1, 2, 1)  # (L+1, 2, n): +h, -h
    coords = np.broadcast_to(np.arange(n), signed.shape)
    values = _evaluate_at(f, x, coords.reshape(-1, 1), signed.reshape(-1, 1), fx.shape, vectorized)
    values = values.reshape(_LEVELS + 1, 2, n, m)
    steps = steps.reshape(_LEVELS + 1, n, 1)
    central = (values[:, 0] - values[:, 1]) / (2.0 * steps)  # (L+1, n, m)
    return _richardson(central).T  # (m, n)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def derivative(f: Callable, x, n: int = 1, h=None) -> float | np.ndarray:
    """First or second derivative of a function of one variable, by extrapolated differences.

        f'(x)  ≈ (f(x + h) - f(x - h)) / 2h                 error O(h²)
        f''(x) ≈ (f(x + h) - 2 f(x) + f(x - h)) / h²        error O(h²)

    each refined by three Richardson levels over the steps h, h/2, h/4, h/8 to O(h⁸) (see the
    module docstring). 8 calls to f for n = 1, 9 for n = 2.

    Args:
        f: a function of one real variable. When x is an array f must act elementwise, like
            np.sin: f(x)[i] depends on x[i] only, and the derivative is taken at every element.
            For x a scalar, f may return an array (a curve), differentiated component by component.
        x: a scalar or a float64 array of any shape S.
        n: the order of the derivative, 1 or 2.
        h: the largest step (scalar or broadcastable to S); default (8ⁿ ε)^(1/(8+n)) · max(|x|, 1).

    Returns:
        f⁽ⁿ⁾(x): a float for scalar x and scalar f, else an array of f(x)'s shape.
    """
    _check_callable(f)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n not in (1, 2):
        raise ValueError(f"n must be 1 or 2 (the order of the derivative), got {n!r}")
    x = _as_point(x)
    fx = _as_value(f(x))
    if x.ndim > 0 and fx.shape != x.shape:
        raise ValueError(
            f"derivative needs f to act elementwise on an array x, so f(x) must have x's shape "
            f"{x.shape}, got {fx.shape}; for a function of several variables use gradient or "
            f"jacobian"
        )
    steps = _steps(x, n, h)  # (L+1, *S)
    estimates = []
    for step in steps:
        forward = np.asarray(f(x + step), dtype=np.float64)
        backward = np.asarray(f(x - step), dtype=np.float64)
        if n == 1:
            estimates.append((forward - backward) / (2.0 * step))
        else:
            estimates.append((forward - 2.0 * fx + backward) / (step * step))
    if not all(np.all(np.isfinite(estimate)) for estimate in estimates):
        raise ValueError("f returned NaN or infinity at a point within h of x: pass a smaller h")
    result = _richardson(np.stack(estimates))
    return float(result) if result.ndim == 0 else result


def jacobian(f: Callable, x, h=None, *, vectorized: bool = False) -> np.ndarray:
    """Jacobian matrix of f: Rⁿ -> Rᵐ by extrapolated central differences, column by column.

        J[:, j] ≈ (f(x + h e_j) - f(x - h e_j)) / 2h,   refined by Richardson to O(h⁸)

    with a step h_j per coordinate, by default (8ε)^(1/9) · max(|x_j|, 1) ≈ 0.023 · max(|x_j|, 1).
    Costs 8n calls to f, or a few calls when `vectorized`.

    Args:
        f: maps an array of x's shape S to a scalar or an array of any shape T.
        x: a scalar or a float64 array of shape S, n = prod(S) elements.
        h: the largest step (scalar or broadcastable to S).
        vectorized: f accepts a stack of points of shape (k, *S) and returns (k, *T), so all the
            perturbed points go through f in one call (in chunks of up to 2^20 numbers).

    Returns:
        (m, n) array, m = prod(T): J[i, j] = ∂ f(x).ravel()[i] / ∂ x.ravel()[j], both flattened
        in C order (for PyTorch's layout T + S, reshape it: J.reshape(T + S)).
    """
    _check_callable(f)
    x = _as_point(x)
    fx = _value_at(f, x, vectorized)
    return _jacobian(f, x, fx, h, vectorized)


def gradient(f: Callable, x, h=None, *, vectorized: bool = False) -> np.ndarray:
    """Gradient of a scalar function f: Rⁿ -> R by extrapolated central differences.

        ∂f/∂x_j ≈ (f(x + h e_j) - f(x - h e_j)) / 2h,   refined by Richardson to O(h⁸)

    Args:
        f: maps an array of x's shape S to a scalar (with `vectorized`, a stack (k, *S) to (k,)).
        x: a scalar or a float64 array of shape S.
        h: the largest step (scalar or broadcastable to S); default (8ε)^(1/9) · max(|x|, 1).
        vectorized: see `jacobian`.

    Returns:
        ∇f(x), an array of shape S.
    """
    _check_callable(f)
    x = _as_point(x)
    fx = _scalar_value(f, x, vectorized, "gradient")
    return _jacobian(f, x, fx, h, vectorized).reshape(x.shape)


def hessian(f: Callable, x, h=None, *, vectorized: bool = False) -> np.ndarray:
    """Hessian matrix of a scalar function f: Rⁿ -> R by extrapolated central differences.

        H[i, i] ≈ (f(x + h_i e_i) - 2 f(x) + f(x - h_i e_i)) / h_i²
        H[i, j] ≈ (f(x + h_i e_i + h_j e_j) - f(x + h_i e_i - h_j e_j)
                   - f(x - h_i e_i + h_j e_j) + f(x - h_i e_i - h_j e_j)) / (4 h_i h_j)

    Both stencils are even in the steps, so their errors are series in h², h⁴, ... and three
    Richardson levels bring them to O(h⁸); the default h_i = (64ε)^(1/10) · max(|x_i|, 1). The
    result is exactly symmetric. Costs about 8n² calls to f, or a few calls when `vectorized`.

    Args:
        f: maps an array of x's shape S to a scalar.
        x: a scalar or a float64 array of shape S, n = prod(S) elements.
        h: the largest step (scalar or broadcastable to S).
        vectorized: see `jacobian`.

    Returns:
        (n, n) array, H[i, j] = ∂²f / ∂x.ravel()[i] ∂x.ravel()[j].
    """
    _check_callable(f)
    x = _as_point(x)
    fx = _scalar_value(f, x, vectorized, "hessian")
    n, n_steps = x.size, _LEVELS + 1
    steps = _steps(x, 2, h).reshape(n_steps, n)  # (L+1, n)

    # Diagonal: x ± h_i e_i for every level and coordinate.
    signed = steps[:, None, :] * np.array([1.0, -1.0])[None, :, None]  # (L+1, 2, n)
    coords = np.broadcast_to(np.arange(n), signed.shape).reshape(-1, 1)
    values = _evaluate_at(f, x, coords, signed.reshape(-1, 1), (), vectorized)
    values = values.reshape(n_steps, 2, n)
    diagonal = _richardson((values[:, 0] - 2.0 * fx + values[:, 1]) / steps**2)  # (n,)

    result = np.diag(diagonal)
    rows, cols = np.triu_indices(n, k=1)  # the n(n-1)/2 pairs i < j
    if rows.size:
        signs = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])  # (4, 2)
        pair_steps = np.stack([steps[:, rows], steps[:, cols]], axis=-1)  # (L+1, P, 2)
        shifts = signs[None, :, None, :] * pair_steps[:, None, :, :]  # (L+1, 4, P, 2)
        coords = np.broadcast_to(np.stack([rows, cols], axis=-1), shifts.shape).reshape(-1, 2)
        values = _evaluate_at(f, x, coords, shifts.reshape(-1, 2), (), vectorized)
        values = values.reshape(n_steps, 4, rows.size)
        mixed = (values[:, 0] - values[:, 1] - values[:, 2] + values[:, 3]) / (
            4.0 * steps[:, rows] * steps[:, cols]
        )
        result[rows, cols] = result[cols, rows] = _richardson(mixed)
    return result


# ---------------------------------------------------------------------------------------------
# Checking analytic derivatives
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradCheckResult:
    """Outcome of `check_grad`: an analytic derivative against the numerical one.

    Attributes:
        ok: True when every entry satisfies |analytic - numerical| <= atol + rtol · |numerical|.
        max_abs_error: max |analytic - numerical| over the entries.
        max_rel_error: max |analytic - numerical| / max(|analytic|, |numerical|) (0 where both
            are 0).
        numerical: the finite-difference derivative, in the layout of `analytic`.
        analytic: the derivative that was checked, as a float64 array.
    """

    ok: bool
    max_abs_error: float
    max_rel_error: float
    numerical: np.ndarray = field(repr=False)
    analytic: np.ndarray = field(repr=False)


def check_grad(
    fun: Callable,
    grad,
    x,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    h=None,
    vectorized: bool = False,
) -> GradCheckResult:
    """Compare an analytic gradient or Jacobian with the numerical one from `jacobian`.

    The check passes when, entry by entry (as numpy.allclose with the numerical value as the
    reference),

        |analytic - numerical| <= atol + rtol · |numerical|.

    The numerical Jacobian is accurate to ~1e-10 relative on smooth functions, so the default
    tolerances leave a wide margin; the cost is that of `jacobian` (8n calls to fun, or a few
    with `vectorized`).

    Args:
        fun: maps an array of x's shape S to a scalar or an array of shape T (m = prod(T)).
        grad: the analytic derivative at x, or a callable returning it when given x. Accepted
            layouts: (m, n) as `jacobian` returns it, T + S (PyTorch's layout), or S when fun is
            scalar-valued (a gradient).
        x: a scalar or a float64 array of shape S, n = prod(S) elements.
        rtol, atol: relative and absolute tolerances, non-negative.
        h, vectorized: passed to `jacobian`.

    Returns:
        A GradCheckResult (ok, max_abs_error, max_rel_error, numerical, analytic); numerical is
        reshaped to the layout of the analytic derivative.
    """
    _check_callable(fun, "fun")
    if not (rtol >= 0 and atol >= 0):
        raise ValueError(f"rtol and atol must be non-negative, got rtol={rtol!r}, atol={atol!r}")
    x = _as_point(x)
    fx = _value_at(fun, x, vectorized, "fun")
    analytic = grad(x.copy()) if callable(grad) else grad
    analytic = np.asarray(analytic)
    if analytic.dtype.kind not in "biuf":
        raise TypeError(f"grad must hold real numbers, got dtype {analytic.dtype}")
    analytic = analytic.astype(np.float64)
    accepted = {(fx.size, x.size), fx.shape + x.shape}
    if fx.size == 1:
        accepted.add(x.shape)
    if analytic.shape not in accepted:
        raise ValueError(
            f"grad has shape {analytic.shape}, expected one of {sorted(accepted)} for fun: "
            f"{x.shape} -> {fx.shape}"
        )
    numerical = _jacobian(fun, x, fx, h, vectorized).reshape(analytic.shape)

    abs_error = np.abs(analytic - numerical)
    scale = np.maximum(np.abs(analytic), np.abs(numerical))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_error = np.where(scale > 0, abs_error / scale, 0.0)
    rel_error = np.where(np.isnan(abs_error), np.nan, rel_error)
    ok = bool(np.all(abs_error <= atol + rtol * np.abs(numerical)))
    return GradCheckResult(
        ok=ok,
        max_abs_error=float(abs_error.max(initial=0.0)),
        max_rel_error=float(rel_error.max(initial=0.0)),
        numerical=numerical,
        analytic=analytic,
    )
