"""Input checks shared by the probability modules: parameters, data, sample sizes and generators.

Every check raises at the door with a message that names the argument, says what was expected and
shows what came, so no NumPy traceback from deep inside a computation ever reaches the user.
"""

from __future__ import annotations

import numbers

import numpy as np

RandomState = np.random.Generator | int | None  # what every `rng` argument accepts


def as_generator(rng: RandomState, name: str = "rng") -> np.random.Generator:
    """A numpy Generator from a Generator (used as is), an int seed, or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{name} must be a non-negative seed, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name} must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}"
    )


def real(value, name: str) -> float:
    """A finite real scalar as a Python float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | np.ndarray):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    array = np.asarray(value)
    if array.ndim != 0 or array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a real scalar, got an array of shape {array.shape}")
    result = float(array)
    if not np.isfinite(result):
        raise ValueError(f"{name} must be finite, got {result}")
    return result


def positive(value, name: str) -> float:
    """A finite real scalar > 0."""
    result = real(value, name)
    if result <= 0:
        raise ValueError(f"{name} must be positive, got {result}")
    return result


def nonnegative(value, name: str) -> float:
    """A finite real scalar ≥ 0."""
    result = real(value, name)
    if result < 0:
        raise ValueError(f"{name} must be non-negative, got {result}")
    return result


def probability(value, name: str) -> float:
    """A real scalar in [0, 1]."""
    result = real(value, name)
    if not 0 <= result <= 1:
        raise ValueError(f"{name} must lie in [0, 1], got {result}")
    return result


def count(value, name: str) -> int:
    """A non-negative integer (an int, a NumPy integer, or an integral float such as 10.0)."""
    result = real(value, name)
    if result < 0 or result != int(result):
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(result)


def sample_shape(n, name: str = "n") -> tuple[int, ...]:
    """The shape of a batch of draws: an int n gives (n,), a tuple of ints gives itself."""
    dims = tuple(n) if isinstance(n, tuple | list) else (n,)
    for dim in dims:
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or dim < 0:
            raise ValueError(f"{name} must be a non-negative int or a tuple of them, got {n!r}")
    return tuple(int(dim) for dim in dims)


def points(x, name: str = "x") -> np.ndarray:
    """Evaluation points as a float64 array of any shape (NaN allowed: it propagates)."""
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    return array.astype(np.float64, copy=False)


def data(values, name: str = "data", ndim: int = 1) -> np.ndarray:
    """Observations for a fit: a finite, non-empty float64 array with `ndim` dimensions."""
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.ndim != ndim:
        expected = "a 1-D array" if ndim == 1 else f"a {ndim}-D array"
        raise ValueError(f"{name} must be {expected}, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    array = array.astype(np.float64, copy=False)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinity")
    return array


def output(result: np.ndarray):
    """A 0-d result comes back as a NumPy scalar, anything else as the array itself."""
    result = np.asarray(result)
    return result[()] if result.ndim == 0 else result
