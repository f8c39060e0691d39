"""Indexing: x[index], x[index] = value, gather, scatter_add, index_select, masked_fill, pad,
tril/triu and one_hot.

Indexing follows NumPy (and PyTorch): ints, slices, None and ... select a view (basic
indexing); integer and bool tensors, arrays and lists select copies (advanced indexing), a bool
mask standing for the integer positions of its True elements. The backward of an index writes
the gradient back into a tensor of zeros at the same positions; for advanced indices the
writes add up, so an element picked twice gets both gradients (a scatter-add).
"""

from __future__ import annotations

import numpy as np

from nashai.autograd import dtypes
from nashai.autograd.function import Function
from nashai.autograd.ops.common import constant, data, normalize_dim, shape_of
from nashai.autograd.ops.elementwise import _operand, where
from nashai.autograd.tensor import Tensor, _rebase, _records

__all__ = [
    "gather",
    "getitem",
    "index_select",
    "masked_fill",
    "one_hot",
    "pad",
    "scatter_add",
    "setitem",
    "tril",
    "triu",
]


def normalize_index(index, tensor: Tensor) -> tuple[tuple, bool]:
    """`index` as a tuple of ints, slices, None, Ellipsis and integer backend arrays (bool masks
    replaced by the integer arrays of their True positions), and whether it is advanced."""
    backend = tensor._backend
    items = index if isinstance(index, tuple) else (index,)
    result, advanced = [], False
    for item in items:
        if item is None or item is Ellipsis or isinstance(item, slice):
            result.append(item)
            continue
        if isinstance(item, (bool, np.bool_)):
            raise IndexError("a Python bool is not a valid index; use a bool tensor as a mask")
        if isinstance(item, (int, np.integer)):
            result.append(int(item))
            continue
        if isinstance(item, Tensor):
            if item._backend is not backend:
                raise RuntimeError(
                    f"indices are on {item.device} but the indexed tensor is on {tensor.device}"
                )
            array = item.array
        else:
            try:
                array = backend.asarray(np.asarray(item))
            except (TypeError, ValueError):
                raise IndexError(f"invalid index {item!r} of type {type(item).__name__}") from None
        kind = array.dtype.kind
        if kind == "b":
            result.extend(backend.xp.nonzero(array) if array.ndim else (array,))
        elif kind in "iu":
            if array.ndim == 0:
                result.append(int(array))
                continue
            result.append(array)
        elif array.size == 0:  # x[[]]: an empty integer index
            result.append(array.astype(dtypes.int64))
        else:
            raise IndexError(f"tensors used as indices must be integer or bool, got {array.dtype}")
        advanced = True
    return tuple(result), advanced


class Index(Function):
    """Basic indexing: a view."""

    is_view = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.in_shape, ctx.index = x.array.shape, index
        return x.array[index]

    @staticmethod
    def backward(ctx, grad):
        return IndexBackward.apply(grad, ctx.in_shape, ctx.index, False), None


class AdvancedIndex(Function):
    """Advanced indexing: a copy; repeated positions add up in backward."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.in_shape, ctx.index = x.array.shape, index
        return x.array[index]

    @staticmethod
    def backward(ctx, grad):
        return IndexBackward.apply(grad, ctx.in_shape, ctx.index, True), None


class IndexBackward(Function):
    """zeros(shape) with `grad` written (or, if accumulate, added) at `index`: the adjoint of
    indexing, whose own backward is indexing again."""

    @staticmethod
    def forward(ctx, grad, shape, index, accumulate):
        ctx.index, ctx.accumulate = index, accumulate
        out = ctx.xp.zeros(shape, dtype=grad.array.dtype)
        if accumulate:
            ctx.backend.add_at(out, index, grad.array)
        else:
            out[index] = grad.array
        return out

    @staticmethod
    def backward(ctx, grad):
        op = AdvancedIndex if ctx.accumulate else Index
        return op.apply(grad, ctx.index), None, None, None


class IndexPut(Function):
    """A copy of x with `value` written at `index` (x[index] = value, out of place)."""

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index, ctx.value_shape = index, shape_of(value)
        out = x.array.copy()
        out[index] = data(value)
        return out

    @staticmethod
    def backward(ctx, grad):
        # the overwritten elements of x get no gradient; value gets the gradient of its places
        needs_x, needs_value, _ = ctx.needs_input_grad
        return (
            IndexPut.apply(grad, 0.0, ctx.index) if needs_x else None,
            _index(grad, ctx.index).sum_to_size(ctx.value_shape) if needs_value else None,
            None,
        )


def _index(x: Tensor, index: tuple) -> Tensor:
    advanced = any(
        not isinstance(i, (int, slice)) and i is not None and i is not Ellipsis for i in index
    )
    return (AdvancedIndex if advanced else Index).apply(x, index)


def getitem(tensor: Tensor, index) -> Tensor:
    """tensor[index] (see the module docstring)."""
    index, advanced = normalize_index(index, tensor)
    return (AdvancedIndex if advanced else Index).apply(tensor, index)


def setitem(tensor: Tensor, index, value) -> None:
    """tensor[index] = value, in place; recorded in the graph when a gradient needs it."""
    index, _ = normalize_index(index, tensor)
    if _records(tensor, value):
        if not isinstance(value, Tensor):
            value = _operand(value, tensor)
        elif value.dtype != tensor.dtype:
            value = value.to(tensor.dtype)
        _rebase(tensor, "__setitem__", lambda old: IndexPut.apply(old, value, index))
        return
    if isinstance(value, Tensor):
        if value._backend is not tensor._backend:
            value = value.to(tensor.device)
        value = value.array
    elif not isinstance(value, (bool, int, float)):
        value = tensor._backend.asarray(np.asarray(value))
    tensor.array[index] = value
    tensor._bump_version()


# ---------------------------------------------------------------------------------------------
# gather, scatter_add, index_select
# ---------------------------------------------------------------------------------------------


def _scatter_positions(xp, index, dim: int) -> tuple:
    """Integer arrays addressing out[i₀, ..., index[i], ..., iₙ] for every position i of index."""
    positions = []
    for d, size in enumerate(index.shape):
        if d == dim:
            positions.append(index)
        else:
            shape = [1] * index.ndim
            shape[d] = size
            positions.append(xp.arange(size).reshape(shape))
    return tuple(positions)


def _check_index(name: str, input: Tensor, dim: int, index: Tensor, other_dims_of=None):
    if not isinstance(index, Tensor) or index.dtype.kind not in "iu":
        raise TypeError(f"{name}: index must be an integer tensor, got {index!r}")
    if index.ndim != input.ndim:
        raise RuntimeError(
            f"{name}: index must have as many dimensions as the input ({input.ndim}), got "
            f"shape {tuple(index.shape)}"
        )
    for d in range(input.ndim):
        if d != dim and index.shape[d] > input.shape[d]:
            raise RuntimeError(
                f"{name}: index shape {tuple(index.shape)} exceeds the input shape "
                f"{tuple(input.shape)} in dimension {d}"
            )
        if other_dims_of is not None and index.shape[d] > other_dims_of.shape[d]:
            raise RuntimeError(
                f"{name}: index shape {tuple(index.shape)} exceeds the src shape "
                f"{tuple(other_dims_of.shape)} in dimension {d}"
            )


class Gather(Function):
    @staticmethod
    def forward(ctx, x, dim, index):
        a, idx = x.array, index.array
        ctx.in_shape, ctx.dim = a.shape, dim
        ctx.save_for_backward(index)
        if any(idx.shape[d] != a.shape[d] for d in range(a.ndim) if d != dim):
            a = a[tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(idx.shape))]
        return ctx.xp.take_along_axis(a, idx, axis=dim)

    @staticmethod
    def backward(ctx, grad):  # each gathered element sends its gradient back to its source
        (index,) = ctx.saved_tensors
        zeros = constant(ctx.xp.zeros(ctx.in_shape, dtype=grad.dtype), ctx.backend)
        return scatter_add(zeros, ctx.dim, index, grad), None, None


class ScatterAdd(Function):
    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.src_shape = dim, src.array.shape
        ctx.save_for_backward(index)
        idx = index.array
        out = x.array.copy()
        values = src.array[tuple(slice(0, n) for n in idx.shape)]
        ctx.backend.add_at(out, _scatter_positions(ctx.xp, idx, dim), values)
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        needs_x, _, _, needs_src = ctx.needs_input_grad
        grad_src = None
        if needs_src:
            grad_src = grad.gather(ctx.dim, index)
            if grad_src.shape != ctx.src_shape:  # src elements beyond index's shape get 0
                window = tuple(slice(0, n) for n in index.shape)
                grad_src = IndexBackward.apply(grad_src, ctx.src_shape, window, False)
        return grad if needs_x else None, None, None, grad_src


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """out[i][j][k] = input[i][index[i][j][k]][k] for dim = 1 (likewise for other dims).

    index has input's number of dimensions and, outside `dim`, sizes no larger than input's;
    the output has index's shape.
    """
    dim = normalize_dim(dim, input.ndim)
    _check_index("gather", input, dim, index)
    return Gather.apply(input, dim, index)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of input with out[i][index[i][j][k]][k] += src[i][j][k] for dim = 1; repeated
    indices add up. Differentiable in input and src."""
    dim = normalize_dim(dim, input.ndim)
    _check_index("scatter_add", input, dim, index, other_dims_of=src)
    if src.dtype != input.dtype:
        src = src.to(input.dtype)
    return ScatterAdd.apply(input, dim, index, src)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries at positions `index` (a 1-D integer tensor) along `dim`."""
    dim = normalize_dim(dim, input.ndim)
    if index.ndim > 1:
        raise RuntimeError(f"index_select: index must be 1-D, got shape {tuple(index.shape)}")
    return getitem(input, (slice(None),) * dim + (index.reshape(-1),))


# ---------------------------------------------------------------------------------------------
# masked_fill, pad, tril, triu, one_hot
# ---------------------------------------------------------------------------------------------


class MaskedFill(Function):
    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.save_for_backward(mask)
        return ctx.xp.where(mask.array, data(value), x.array).astype(x.array.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        needs_x, _, needs_value = ctx.needs_input_grad
        return (
            grad.masked_fill(mask, 0.0) if needs_x else None,
            None,
            where(mask, grad, 0.0).sum() if needs_value else None,
        )


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """input with `value` (a number or a 0-d tensor) where the bool `mask` (broadcast to
    input's shape) is True; e.g. -inf above the diagonal of attention scores."""
    if not isinstance(mask, Tensor) or mask.dtype.kind != "b":
        raise TypeError(f"masked_fill: mask must be a bool tensor, got {mask!r}")
    if np.broadcast_shapes(mask.shape, input.shape) != input.shape:
        raise RuntimeError(
            f"masked_fill: the mask of shape {tuple(mask.shape)} does not broadcast to the "
            f"input's shape {tuple(input.shape)}"
        )
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill: value must be a 0-d tensor, got {value.ndim} dims")
        value = value.to(input.dtype)
    else:
        value = _operand(value, input)
    return MaskedFill.apply(input, mask, value)


class Pad(Function):
    @staticmethod
    def forward(ctx, x, widths, value):
        a = x.array
        ctx.widths = widths
        out_shape = tuple(
            n + before + after for n, (before, after) in zip(a.shape, widths, strict=True)
        )
        out = ctx.xp.full(out_shape, value, dtype=a.dtype)
        # negative widths crop: copy the overlap of the input and the output windows
        source = tuple(
            slice(max(-b, 0), n - max(-e, 0)) for n, (b, e) in zip(a.shape, widths, strict=True)
        )
        target = tuple(
            slice(max(b, 0), m - max(e, 0)) for m, (b, e) in zip(out_shape, widths, strict=True)
        )
        out[target] = a[source]
        return out

    @staticmethod
    def backward(ctx, grad):  # padding's adjoint crops, and cropping's pads with zeros
        negated = tuple((-before, -after) for before, after in ctx.widths)
        return Pad.apply(grad, negated, 0), None, None


def pad(input: Tensor, pad, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad (or, with negative amounts, crop) the last len(pad) // 2 dimensions.

    pad = (left, right) pads the last dimension, (left, right, top, bottom) the last two, and
    so on, as torch.nn.functional.pad. Only mode="constant" (fill with `value`) is supported.
    """
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is supported, got {mode!r}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(
            f"pad must have an even length of at most 2 × {input.ndim} (the input's dimensions), "
            f"got {len(pad)}"
        )
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    for n, (before, after) in zip(input.shape, widths, strict=True):
        if n + before + after < 0:
            raise ValueError(f"pad {pad} crops more than the input's shape {tuple(input.shape)}")
    return Pad.apply(input, tuple(widths), value)


class Tril(Function):
    @staticmethod
    def forward(ctx, x, diagonal, lower):
        ctx.diagonal, ctx.lower = diagonal, lower
        keep = ctx.xp.tril if lower else ctx.xp.triu
        return keep(x.array, diagonal)

    @staticmethod
    def backward(ctx, grad):  # a mask is its own adjoint
        return Tril.apply(grad, ctx.diagonal, ctx.lower), None, None


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dimensions (j - i <= diagonal), zeros above."""
    if input.ndim < 2:
        raise RuntimeError(f"tril needs at least 2 dimensions, got shape {tuple(input.shape)}")
    return Tril.apply(input, diagonal, True)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dimensions (j - i >= diagonal), zeros below."""
    if input.ndim < 2:
        raise RuntimeError(f"triu needs at least 2 dimensions, got shape {tuple(input.shape)}")
    return Tril.apply(input, diagonal, False)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding: out[..., c] = 1 where tensor[...] == c (as F.one_hot).

    Args:
        tensor: an integer tensor of class indices in [0, num_classes).
        num_classes: the number of classes; -1 means tensor.max() + 1.
    """
    if tensor.dtype.kind not in "iu":
        raise TypeError(f"one_hot needs an integer tensor, got dtype {tensor.dtype}")
    xp, a = tensor._backend.xp, tensor.array
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("one_hot: cannot infer num_classes of an empty tensor")
        num_classes = int(a.max()) + 1
    if a.size and (int(a.min()) < 0 or int(a.max()) >= num_classes):
        raise RuntimeError(
            f"one_hot: class values must be in [0, {num_classes}), got values from "
            f"{int(a.min())} to {int(a.max())}"
        )
    classes = xp.arange(num_classes)
    return constant((a[..., None] == classes).astype(dtypes.int64), tensor._backend)
