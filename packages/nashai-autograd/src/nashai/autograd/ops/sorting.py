"""sort, argsort and topk along a dimension; the values are differentiable through gather.

The indices come from the backend's stable argsort (descending order sorts the negated values,
so equal elements keep their order in both directions); the values are `input.gather(dim,
indices)`, whose backward scatters the gradient back to the positions the values came from.
"""

from __future__ import annotations

from nashai.autograd import dtypes
from nashai.autograd.ops.common import constant, normalize_dim
from nashai.autograd.ops.reductions import ValuesIndices
from nashai.autograd.tensor import Tensor

__all__ = ["argsort", "sort", "topk"]


def _order(input: Tensor, dim: int, descending: bool) -> Tensor:
    """int64 indices that sort `input` along `dim` (stable)."""
    a = input.array
    if descending:
        if a.dtype.kind in "bu":
            raise TypeError(f"descending sort needs a signed or float dtype, got {a.dtype}")
        a = -a
    order = input._backend.xp.argsort(a, axis=dim, kind="stable")
    return constant(order.astype(dtypes.int64, copy=False), input._backend)


def argsort(input: Tensor, dim: int = -1, descending: bool = False) -> Tensor:
    """The indices that sort `input` along `dim` (ties keep their order)."""
    if input.ndim == 0:
        return constant(input._backend.xp.zeros((), dtype=dtypes.int64), input._backend)
    return _order(input, normalize_dim(dim, input.ndim), descending)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """(values, indices) of `input` sorted along `dim`; stable always (ties keep their order)."""
    if input.ndim == 0:
        return ValuesIndices(input * 1, argsort(input))
    dim = normalize_dim(dim, input.ndim)
    indices = _order(input, dim, descending)
    return ValuesIndices(input.gather(dim, indices), indices)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """(values, indices) of the k largest (or smallest) elements along `dim`, in order.

    Shapes: input (..., n, ...) -> values and indices (..., k, ...), k <= n.
    """
    dim = normalize_dim(dim, input.ndim)
    size = input.shape[dim] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: k ({k}) must be in [0, {size}], the size of dimension {dim}")
    if input.ndim == 0:
        return sort(input)
    order = _order(input, dim, largest)
    window = (slice(None),) * dim + (slice(0, k),)
    indices = constant(order.array[window], input._backend)
    return ValuesIndices(input.gather(dim, indices), indices)
