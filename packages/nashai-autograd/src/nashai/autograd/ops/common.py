"""Helpers shared by the ops: raw operands, dimension arguments, constants."""

from __future__ import annotations

from nashai.autograd.tensor import Tensor


def data(x):
    """The backend array of a Tensor, or a Python number as it is."""
    return x.array if isinstance(x, Tensor) else x


def shape_of(x) -> tuple[int, ...]:
    """The shape of a Tensor; () for a Python number."""
    return x.array.shape if isinstance(x, Tensor) else ()


def constant(array, backend) -> Tensor:
    """A Tensor around `array` that records no history (masks, indices, counts)."""
    if type(array) is not backend.array_type:  # NumPy gives scalars for 0-d results
        array = backend.asarray(array)
    return Tensor._wrap(array, backend)


def normalize_dim(dim, ndim: int, name: str = "dim") -> int:
    """`dim` in [0, ndim) from PyTorch's [-ndim, ndim); a 0-d tensor accepts 0 and -1."""
    size = max(ndim, 1)
    if isinstance(dim, bool) or not isinstance(dim, int):
        try:
            dim = dim.__index__()
        except AttributeError:
            raise TypeError(f"{name} must be an integer, got {dim!r}") from None
    if not -size <= dim < size:
        raise IndexError(
            f"{name} {dim} is out of range for a tensor of {ndim} dimensions "
            f"(expected a value in [{-size}, {size - 1}])"
        )
    return dim % size


def normalize_dims(dim, ndim: int, name: str = "dim") -> tuple[int, ...]:
    """A dim argument (None, an int, or a sequence of ints) as a sorted tuple of dims in
    [0, ndim); None and the empty tuple mean every dimension (a 0-d tensor has none)."""
    if ndim == 0:
        if dim is not None and not isinstance(dim, (tuple, list)):
            normalize_dim(dim, ndim, name)
        return ()
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        if len(dim) == 0:
            return tuple(range(ndim))
        dims = tuple(sorted({normalize_dim(d, ndim, name) for d in dim}))
        if len(dims) != len(dim):
            raise ValueError(f"{name} {tuple(dim)} names a dimension twice")
        return dims
    return (normalize_dim(dim, ndim, name),)


def keepdim_shape(shape: tuple[int, ...], dims: tuple[int, ...]) -> tuple[int, ...]:
    """`shape` with the reduced `dims` kept as size 1."""
    return tuple(1 if i in dims else n for i, n in enumerate(shape))
