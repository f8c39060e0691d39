"""The objective as the solvers see it: f, ∇f and ∇²f with evaluation counts and a one-point cache.

`fun`, `jac` and `hess` follow scipy's conventions: `fun(x) -> float`; `jac` a callable returning
the (n,) gradient, `True` when `fun` returns `(f, g)`, or None for central finite differences;
`hess(x) -> (n, n)`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Central differences balance truncation error O(h²) against rounding error O(eps/h):
# h ≈ eps^(1/3) (Nocedal & Wright, 2nd ed., §8.1).
_FD_STEP = np.finfo(float).eps ** (1 / 3)


def as_start_point(x0) -> np.ndarray:
    """x0 as a fresh float64 vector; a clear error if it is not 1-D, empty or not finite."""
    x = np.array(x0, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"x0 must be a 1-D array of shape (n,), got shape {x.shape}")
    if x.size == 0:
        raise ValueError("x0 must have at least one element, got an empty array")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 must be finite, got NaN or infinite entries")
    return x


def central_difference_gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / (2h), h = eps^(1/3)·max(1, |x_i|).  (n,) → (n,)"""
    grad = np.empty_like(x)
    for i in range(x.size):
        step = _FD_STEP * max(1.0, abs(x[i]))
        forward, backward = x.copy(), x.copy()
        forward[i] += step
        backward[i] -= step
        grad[i] = (f(forward) - f(backward)) / (forward[i] - backward[i])
    return grad


class Objective:
    """f, ∇f (and ∇²f) of a user problem, counting calls and caching the last point evaluated."""

    def __init__(self, fun: Callable, jac=None, hess: Callable | None = None, n: int = 0):
        if not callable(fun):
            raise TypeError(f"fun must be callable, got {type(fun).__name__}")
        if not (jac is None or jac is True or callable(jac)):
            raise TypeError(
                "jac must be None (finite differences), True (fun returns (f, g)) or a callable, "
                f"got {jac!r}"
            )
        if hess is not None and not callable(hess):
            raise TypeError(f"hess must be a callable returning the (n, n) Hessian, got {hess!r}")
        self._fun, self._jac, self._hess, self.n = fun, jac, hess, n
        self.nfev = self.njev = self.nhev = 0
        self._x: np.ndarray | None = None
        self._f: float | None = None
        self._g: np.ndarray | None = None

    def _call_fun(self, x: np.ndarray):
        self.nfev += 1
        return self._fun(x.copy())

    def _uncached_value(self, x: np.ndarray) -> float:
        return self._scalar(self._call_fun(x))

    def _scalar(self, value) -> float:
        value = np.asarray(value, dtype=float)
        if value.size != 1:
            raise ValueError(f"fun must return a scalar, got an array of shape {value.shape}")
        return float(value.reshape(()))

    def _vector(self, g) -> np.ndarray:
        g = np.asarray(g, dtype=float)
        if g.shape != (self.n,):
            raise ValueError(f"the gradient must have shape ({self.n},), got {g.shape}")
        return g

    def _move_to(self, x: np.ndarray) -> None:
        if self._x is None or not np.array_equal(self._x, x):
            self._x, self._f, self._g = x.copy(), None, None

    def value(self, x: np.ndarray) -> float:
        """f(x)."""
        self._move_to(x)
        if self._f is None:
            if self._jac is True:
                pair = self._call_fun(x)
                if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                    raise ValueError(
                        f"with jac=True fun must return (f, gradient), got {type(pair).__name__}"
                    )
                f, g = pair
                self.njev += 1
                self._g = self._vector(g)
            else:
                f = self._call_fun(x)
            self._f = self._scalar(f)
        return self._f

    def grad(self, x: np.ndarray) -> np.ndarray:
        """∇f(x), shape (n,)."""
        self._move_to(x)
        if self._g is None:
            if self._jac is True:
                self.value(x)
            elif self._jac is None:
                self.njev += 1
                self._g = central_difference_gradient(self._uncached_value, x)
            else:
                self.njev += 1
                self._g = self._vector(self._jac(x.copy()))
        return self._g.copy()

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """(f(x), ∇f(x)) with ∇f of shape (n,)."""
        return self.value(x), self.grad(x)

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """∇²f(x), shape (n, n)."""
        self.nhev += 1
        H = np.asarray(self._hess(x.copy()), dtype=float)
        if H.shape != (self.n, self.n):
            raise ValueError(f"hess must return shape ({self.n}, {self.n}), got {H.shape}")
        return H
