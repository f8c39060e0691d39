"""Input checks done once at the door of every linalg routine."""

from __future__ import annotations

import numpy as np

from nashai.math.errors import LinAlgError


def as_float_matrix(a, name: str = "a") -> np.ndarray:
    """Return `a` as a 2-D float64 (or complex128) array, or raise a clear error."""
    arr = np.asarray(a)
    if arr.ndim != 2:
        raise LinAlgError(f"{name} must be a 2-D matrix, got an array of shape {arr.shape}")
    if arr.dtype.kind not in "biufc":
        raise LinAlgError(f"{name} must hold numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.complex128 if arr.dtype.kind == "c" else np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise LinAlgError(f"{name} contains NaN or infinity")
    return arr


def as_square_matrix(a, name: str = "a") -> np.ndarray:
    """Return `a` as a square 2-D float array, or raise LinAlgError naming the shape."""
    arr = as_float_matrix(a, name)
    if arr.shape[0] != arr.shape[1]:
        raise LinAlgError(f"{name} must be square, got shape {arr.shape}")
    return arr


def as_right_hand_side(b, n: int, name: str = "b") -> np.ndarray:
    """Return `b` as a float64 array of shape (n,) or (n, k), or raise naming both shapes."""
    arr = np.asarray(b)
    if arr.ndim not in (1, 2) or arr.shape[0] != n:
        raise LinAlgError(
            f"{name} must have shape ({n},) or ({n}, k) to match a matrix with {n} rows, "
            f"got shape {arr.shape}"
        )
    if arr.dtype.kind not in "biuf":
        raise LinAlgError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise LinAlgError(f"{name} contains NaN or infinity")
    return arr


def as_real_matrix(a, name: str = "a", square: bool = False) -> np.ndarray:
    """Return `a` as a 2-D float64 array (square if asked), refusing complex input by name."""
    arr = as_square_matrix(a, name) if square else as_float_matrix(a, name)
    if arr.dtype.kind == "c":
        raise LinAlgError(f"{name} must be real, got complex dtype {arr.dtype}")
    return arr


def as_columns(b: np.ndarray) -> np.ndarray:
    """A right-hand side of shape (n,) or (n, k) as the columns of an (n, k) array (a view)."""
    return b[:, None] if b.ndim == 1 else b
