"""Vector and Matrix: small immutable values over a float64 NumPy array.

They exist to write linear algebra the way a textbook does (A @ x, v.norm(), A.T, A.trace())
with errors that name both shapes when they do not fit, while `np.asarray(v)` hands the numbers
to NumPy at no cost. The data are copied in and marked read-only, so a value never changes.

    >>> A = Matrix([[2.0, 0.0], [0.0, 3.0]])
    >>> A @ Vector([1.0, 1.0])
    Vector([2., 3.])
"""

from __future__ import annotations

import numbers

import numpy as np


class _ArrayValue:
    """What Vector and Matrix share: the read-only data, arithmetic, equality and interop."""

    __slots__ = ("_data",)
    __array_ufunc__ = None  # numpy operators defer to ours, so ndarray + Matrix is an error too
    ndim: int
    norm_orders: tuple

    def __init__(self, data):
        array = np.array(data, dtype=np.float64)  # always a copy
        if array.ndim != self.ndim:
            raise ValueError(
                f"{type(self).__name__} needs {self.ndim}-D data, got an array of shape "
                f"{array.shape}"
            )
        array.flags.writeable = False
        self._data = array

    @classmethod
    def _wrap(cls, array: np.ndarray):
        """A value around an array we own already (no copy)."""
        value = object.__new__(cls)
        array.flags.writeable = False
        value._data = array
        return value

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    def __len__(self) -> int:
        return self._data.shape[0]

    def __iter__(self):
        return (_from_array(row) for row in self._data)

    def __getitem__(self, key):
        return _from_array(self._data[key])

    def __array__(self, dtype=None, copy=None):
        if copy:
            return np.array(self._data, dtype=dtype)
        return self._data if dtype is None else self._data.astype(dtype)

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}({np.array2string(self._data, separator=', ', prefix=name + '(')})"

    # arithmetic: values of the same type and shape, or scalars

    def _same_shape(self, other, verb: str):
        if type(other) is not type(self):
            return None
        if other.shape != self.shape:
            name = type(self).__name__
            raise ValueError(
                f"cannot {verb} {name} of shape {self.shape} and {name} of shape {other.shape}"
            )
        return other._data

    def __add__(self, other):
        data = self._same_shape(other, "add")
        return NotImplemented if data is None else self._wrap(self._data + data)

    def __sub__(self, other):
        data = self._same_shape(other, "subtract")
        return NotImplemented if data is None else self._wrap(self._data - data)

    def __mul__(self, other):
        if not _is_scalar(other):
            return NotImplemented
        return self._wrap(self._data * float(other))

    __rmul__ = __mul__

    def __truediv__(self, other):
        if not _is_scalar(other):
            return NotImplemented
        return self._wrap(self._data / float(other))

    def __neg__(self):
        return self._wrap(-self._data)

    def __pos__(self):
        return self

    def __eq__(self, other) -> bool:
        """Exact equality: same type, same shape, every entry equal."""
        if type(other) is not type(self):
            return NotImplemented
        return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.shape, self._data.tobytes()))

    def isclose(self, other, rtol: float = 1e-05, atol: float = 1e-08) -> bool:
        """numpy.allclose: |self - other| <= atol + rtol |other| everywhere, same shape."""
        other_data = np.asarray(other, dtype=np.float64)
        if other_data.shape != self.shape:
            return False
        return bool(np.allclose(self._data, other_data, rtol=rtol, atol=atol))

    def _check_norm_order(self, ord) -> None:
        allowed = self.norm_orders
        if isinstance(ord, bool) or not isinstance(ord, (str, numbers.Real)) or ord not in allowed:
            raise ValueError(
                f"{type(self).__name__}.norm: ord must be one of {allowed}, got {ord!r}"
            )


class Vector(_ArrayValue):
    """A vector in Rⁿ: Vector([1.0, 2.0, 3.0])."""

    __slots__ = ()
    ndim = 1
    norm_orders = (1, 2, np.inf)

    @classmethod
    def zeros(cls, n: int) -> Vector:
        """The zero vector of Rⁿ."""
        return cls._wrap(np.zeros(n))

    def dot(self, other: Vector) -> float:
        """Inner product xᵀy = sum_i x_i y_i."""
        if not isinstance(other, Vector):
            raise TypeError(f"Vector.dot needs a Vector, got {type(other).__name__}")
        if other.shape != self.shape:
            raise ValueError(
                f"cannot take the dot product of Vector of shape {self.shape} and Vector of "
                f"shape {other.shape}"
            )
        return float(self._data @ other._data)

    def norm(self, ord=2) -> float:
        """‖x‖_1 = sum |x_i|, ‖x‖_2 = sqrt(sum x_i²) (default) or ‖x‖_inf = max |x_i|."""
        self._check_norm_order(ord)
        x = np.abs(self._data)
        if x.size == 0:
            return 0.0
        if ord == 1:
            return float(x.sum())
        if ord == np.inf:
            return float(x.max())
        scale = x.max()  # scaled so that the squares neither overflow nor underflow
        return 0.0 if scale == 0 else float(scale * np.sqrt(np.sum((x / scale) ** 2)))

    def __matmul__(self, other):
        if isinstance(other, Vector):
            return self.dot(other)
        if isinstance(other, Matrix):  # row vector times matrix: xᵀ A
            if other.shape[0] != self.shape[0]:
                raise ValueError(
                    f"cannot multiply Vector of shape {self.shape} by Matrix of shape "
                    f"{other.shape}: the vector needs {other.shape[0]} entries"
                )
            return Vector._wrap(self._data @ other._data)
        return NotImplemented


class Matrix(_ArrayValue):
    """An m x n real matrix: Matrix([[1.0, 2.0], [3.0, 4.0]])."""

    __slots__ = ()
    ndim = 2
    norm_orders = (1, 2, np.inf, "fro")

    @classmethod
    def identity(cls, n: int) -> Matrix:
        """The n x n identity matrix."""
        return cls._wrap(np.eye(n))

    @classmethod
    def zeros(cls, m: int, n: int) -> Matrix:
        """The m x n zero matrix."""
        return cls._wrap(np.zeros((m, n)))

    @property
    def T(self) -> Matrix:
        """The transpose Aᵀ, (n, m)."""
        return self.transpose()

    def transpose(self) -> Matrix:
        """The transpose Aᵀ, (n, m)."""
        return Matrix._wrap(np.ascontiguousarray(self._data.T))

    def trace(self) -> float:
        """tr A = sum_i A_ii, for a square matrix."""
        self._require_square("trace")
        return float(np.trace(self._data))

    def rank(self, tol: float | None = None) -> int:
        """Numerical rank: the number of singular values above tol (see linalg.matrix_rank)."""
        from nashai.math.linalg.svd import matrix_rank

        return int(matrix_rank(self._data) if tol is None else matrix_rank(self._data, tol=tol))

    def norm(self, ord="fro") -> float:
        """Matrix norms: 'fro' sqrt(sum A_ij²) (default), 1 max column sum of |A|, inf max row
        sum of |A|, 2 the largest singular value (from linalg.svd)."""
        self._check_norm_order(ord)
        a = self._data
        if a.size == 0:
            return 0.0
        if ord == "fro":
            return Vector._wrap(a.reshape(-1)).norm(2)
        if ord == 1:
            return float(np.abs(a).sum(axis=0).max())
        if ord == np.inf:
            return float(np.abs(a).sum(axis=1).max())
        from nashai.math.linalg.svd import svd

        return float(np.max(svd(a, compute_uv=False)))

    def dot(self, other):
        """The same as A @ other."""
        return self @ other

    def __matmul__(self, other):
        if isinstance(other, (Matrix, Vector)):
            if other.shape[0] != self.shape[1]:
                raise ValueError(
                    f"cannot multiply Matrix of shape {self.shape} by {type(other).__name__} of "
                    f"shape {other.shape}: inner dimensions {self.shape[1]} and "
                    f"{other.shape[0]} differ"
                )
            return type(other)._wrap(self._data @ other._data)
        return NotImplemented

    def _require_square(self, what: str) -> None:
        if self.shape[0] != self.shape[1]:
            raise ValueError(f"{what} needs a square Matrix, got shape {self.shape}")


def _is_scalar(value) -> bool:
    """A real number (Python or NumPy scalar, or a 0-d array), not a bool."""
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "iuf"
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _from_array(array):
    """Wrap an indexing result: a float, a Vector or a Matrix."""
    array = np.asarray(array)
    if array.ndim == 0:
        return float(array)
    return (Vector if array.ndim == 1 else Matrix)._wrap(np.array(array))
