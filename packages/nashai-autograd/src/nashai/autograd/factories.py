"""Functions that make tensors: from data, filled with a value, ranges, identity, random draws.

As in PyTorch, sizes are given as separate ints or one tuple (`zeros(2, 3)` or `zeros((2, 3))`),
Python floats give the default float dtype (float32), Python ints int64, and every factory takes
dtype=, device= and requires_grad=. The random factories draw from `generator` (a
nashai.autograd.Generator), or from the default generator seeded by `manual_seed`.
"""

from __future__ import annotations

import math

import numpy as np

from nashai.autograd import dtypes
from nashai.autograd.backends import get_backend
from nashai.autograd.random import default_generator
from nashai.autograd.tensor import Tensor, _as_array

__all__ = [
    "arange",
    "as_tensor",
    "empty",
    "empty_like",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "multinomial",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
    "tensor",
    "zeros",
    "zeros_like",
]


def _size(size) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        shape = tuple(int(n) for n in size)
    except (TypeError, ValueError):
        raise TypeError(f"size must be ints or one tuple of ints, got {size!r}") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"size must not be negative, got {shape}")
    return shape


def _make(array, backend, requires_grad: bool) -> Tensor:
    tensor = Tensor._wrap(array, backend)
    if requires_grad:
        tensor.requires_grad = True
    return tensor


def _dtype_or_default(dtype):
    return dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (a nested sequence, a number, an array, a Tensor)."""
    backend = get_backend(device) if device is not None else _source_backend(data)
    return _make(_as_array(data, dtype, backend, copy=True), backend, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """`data` as a tensor, sharing memory when it already is an array of the right kind."""
    backend = get_backend(device) if device is not None else _source_backend(data)
    if isinstance(data, Tensor) and data._backend is backend and dtype is None:
        return data
    return _make(_as_array(data, dtype, backend, copy=False), backend, False)


def from_numpy(array: np.ndarray) -> Tensor:
    """A CPU tensor sharing `array`'s memory (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    dtypes.to_dtype(array.dtype, "the array's dtype")
    return Tensor._wrap(array, get_backend("cpu"))


def _source_backend(data):
    return data._backend if isinstance(data, Tensor) else get_backend(None)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (default dtype float32)."""
    backend = get_backend(device)
    array = backend.xp.zeros(_size(size), dtype=_dtype_or_default(dtype))
    return _make(array, backend, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones (default dtype float32)."""
    backend = get_backend(device)
    array = backend.xp.ones(_size(size), dtype=_dtype_or_default(dtype))
    return _make(array, backend, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are whatever the memory held (fill it before reading)."""
    backend = get_backend(device)
    array = backend.xp.empty(_size(size), dtype=_dtype_or_default(dtype))
    return _make(array, backend, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with `fill_value`; the dtype follows the value (float32 for a float,
    int64 for an int, bool for a bool) unless given."""
    backend = get_backend(device)
    if dtype is None:
        dtype = dtypes.scalar_dtype(
            fill_value if not isinstance(fill_value, np.generic) else fill_value.item()
        )
    array = backend.xp.full(_size((size,)), fill_value, dtype=dtypes.to_dtype(dtype))
    return _make(array, backend, requires_grad)


def _like(input: Tensor, dtype, device) -> tuple:
    backend = input._backend if device is None else get_backend(device)
    return backend, input.dtype if dtype is None else dtypes.to_dtype(dtype)


def zeros_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    backend, dtype = _like(input, dtype, device)
    return _make(backend.xp.zeros(input.shape, dtype=dtype), backend, requires_grad)


def ones_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    backend, dtype = _like(input, dtype, device)
    return _make(backend.xp.ones(input.shape, dtype=dtype), backend, requires_grad)


def empty_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    backend, dtype = _like(input, dtype, device)
    return _make(backend.xp.empty(input.shape, dtype=dtype), backend, requires_grad)


def full_like(
    input: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    backend, dtype = _like(input, dtype, device)
    return _make(backend.xp.full(input.shape, fill_value, dtype=dtype), backend, requires_grad)


def arange(
    start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    """start, start + step, ... up to but excluding end (arange(n) is 0, ..., n - 1).

    The dtype is int64 when start, end and step are all ints, else the default float dtype.
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if integral else dtypes.get_default_dtype()
    backend = get_backend(device)
    count = max(math.ceil((end - start) / step), 0)
    # start + i·step in float64, as PyTorch, rather than NumPy's accumulated steps
    values = start + np.arange(count, dtype=np.float64 if dtype.kind == "f" else np.int64) * step
    return _make(backend.asarray(values.astype(dtypes.to_dtype(dtype))), backend, requires_grad)


def linspace(
    start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    """`steps` evenly spaced values from start to end, both included."""
    if steps < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    backend = get_backend(device)
    values = np.linspace(start, end, steps).astype(_dtype_or_default(dtype))
    return _make(backend.asarray(values), backend, requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """The n × m identity matrix (m = n by default)."""
    backend = get_backend(device)
    array = backend.xp.eye(n, n if m is None else m, dtype=_dtype_or_default(dtype))
    return _make(array, backend, requires_grad)


# ---------------------------------------------------------------------------------------------
# Random draws
# ---------------------------------------------------------------------------------------------


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform draws on [0, 1)."""
    backend = get_backend(device)
    array = backend.uniform(generator or default_generator, _size(size), _dtype_or_default(dtype))
    return _make(array, backend, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal draws, N(0, 1)."""
    backend = get_backend(device)
    array = backend.normal(generator or default_generator, _size(size), _dtype_or_default(dtype))
    return _make(array, backend, requires_grad)


def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform on [low, high): randint(high, size) or randint(low, high, size)."""
    if size is None:
        *bounds, size = args
    else:
        bounds = list(args)
    if len(bounds) == 1:
        low, high = 0, bounds[0]
    elif len(bounds) == 2:
        low, high = bounds
    else:
        raise TypeError("randint takes (high, size) or (low, high, size)")
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    backend = get_backend(device)
    dtype = dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)
    array = backend.integers(
        generator or default_generator, int(low), int(high), _size((size,)), dtype
    )
    return _make(array, backend, requires_grad)


def randperm(n: int, *, generator=None, dtype=None, device=None) -> Tensor:
    """A random permutation of 0, ..., n - 1 (int64)."""
    backend = get_backend(device)
    keys = backend.uniform(generator or default_generator, (n,), dtypes.float64)
    order = backend.xp.argsort(keys, kind="stable")
    return Tensor._wrap(
        order.astype(dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)), backend
    )


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None):
    """Indices drawn from the categorical distributions in the rows of `input` (as
    torch.multinomial): input (n,) or (m, n) holds non-negative weights, normalised per row.

    With replacement, each draw inverts the row's cumulative distribution at a uniform number.
    Without, the k draws are the k largest of log wᵢ + Gᵢ with Gᵢ standard Gumbel noise, which
    is sampling without replacement (the Gumbel-top-k trick: Kool, van Hoof & Welling, "Stochastic
    Beams and Where to Find Them", ICML 2019).

    Returns:
        int64 indices of shape (num_samples,) or (m, num_samples).
    """
    generator = generator or default_generator
    backend, xp = input._backend, input._backend.xp
    weights = input.array.astype(dtypes.float64)
    if weights.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: input must be 1-D or 2-D, got shape {input.shape}")
    rows = weights.reshape(-1, weights.shape[-1])
    if bool((rows < 0).any()) or not bool(xp.isfinite(rows).all()):
        raise RuntimeError("multinomial: weights must be finite and non-negative")
    support = (rows > 0).sum(axis=1)
    if bool((support == 0).any()):
        raise RuntimeError("multinomial: every row needs a positive weight")
    if not replacement and num_samples > int(support.min()):
        raise RuntimeError(
            f"multinomial: cannot draw {num_samples} samples without replacement from a row "
            f"with {int(support.min())} nonzero weights"
        )
    m, n = rows.shape
    if replacement:
        cdf = xp.cumsum(rows, axis=1)
        u = backend.uniform(generator, (m, num_samples), dtypes.float64) * cdf[:, -1:]
        samples = (cdf[:, None, :] <= u[:, :, None]).sum(axis=2)
        samples = xp.minimum(samples, n - 1)
    else:
        u = backend.uniform(generator, (m, n), dtypes.float64)
        with np.errstate(divide="ignore"):
            keys = xp.log(rows) - xp.log(-xp.log(u))  # log w + Gumbel noise; -inf for w = 0
        samples = xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    samples = samples.astype(dtypes.int64).reshape((*weights.shape[:-1], num_samples))
    return Tensor._wrap(samples, backend)


def rand_like(input: Tensor, *, generator=None, dtype=None, device=None, requires_grad=False):
    backend, dtype = _like(input, dtype, device)
    return rand(
        input.shape,
        generator=generator,
        dtype=dtype,
        device=backend.device,
        requires_grad=requires_grad,
    )


def randn_like(input: Tensor, *, generator=None, dtype=None, device=None, requires_grad=False):
    backend, dtype = _like(input, dtype, device)
    return randn(
        input.shape,
        generator=generator,
        dtype=dtype,
        device=backend.device,
        requires_grad=requires_grad,
    )


def randint_like(input: Tensor, low, high=None, *, generator=None, dtype=None, device=None):
    if high is None:
        low, high = 0, low
    backend, dtype = _like(input, dtype, device)
    return randint(low, high, input.shape, generator=generator, dtype=dtype, device=backend.device)
