"""Shape ops: reshape, permute, expand, cat, stack, flip, repeat, and what is built on them.

Reshape (with squeeze, unsqueeze, flatten, unflatten), permute (with transpose, t, movedim),
expand and flip return views that share memory with their input, as in PyTorch; their backward
undoes the shape change (expand's sums over the broadcast dimensions). split, chunk, unbind,
narrow and select are slices (see indexing), so they are views too.
"""

from __future__ import annotations

import math

from nashai.autograd.dtypes import result_type
from nashai.autograd.function import Function
from nashai.autograd.ops.common import normalize_dim, normalize_dims
from nashai.autograd.tensor import Tensor

_SMALL = 256  # elements below which expand materialises its result

__all__ = [
    "broadcast_to",
    "cat",
    "chunk",
    "concat",
    "expand",
    "flatten",
    "flip",
    "movedim",
    "narrow",
    "permute",
    "repeat",
    "reshape",
    "select",
    "split",
    "squeeze",
    "stack",
    "t",
    "transpose",
    "unbind",
    "unflatten",
    "unsqueeze",
]


class Reshape(Function):
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.array.shape
        return x.array.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape), None


class Permute(Function):
    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.array.transpose(dims)

    @staticmethod
    def backward(ctx, grad):  # undo the permutation with its inverse
        inverse = [0] * len(ctx.dims)
        for position, dim in enumerate(ctx.dims):
            inverse[dim] = position
        return grad.permute(inverse), None


class Expand(Function):
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.array.shape
        if math.prod(shape) <= _SMALL:
            # broadcast_to costs ~2 µs of Python in NumPy; a small filled copy is cheaper
            out = ctx.xp.empty(shape, dtype=x.array.dtype)
            out[...] = x.array
            return out
        return ctx.xp.broadcast_to(x.array, shape)

    @staticmethod
    def backward(ctx, grad):  # each input element fed every copy: sum their gradients
        return grad.sum_to_size(ctx.in_shape), None


class Flip(Function):
    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return ctx.xp.flip(x.array, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dims), None


class Cat(Function):
    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.dim = dim
        ctx.sizes = [t.array.shape[dim] for t in tensors]
        return ctx.xp.concatenate([t.array for t in tensors], axis=dim)

    @staticmethod
    def backward(ctx, grad):  # each input gets its slice of the gradient back
        grads, start = [None], 0
        for size, needs in zip(ctx.sizes, ctx.needs_input_grad[1:], strict=True):
            grads.append(grad.narrow(ctx.dim, start, size) if needs else None)
            start += size
        return tuple(grads)


class Stack(Function):
    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.dim = dim
        return ctx.xp.stack([t.array for t in tensors], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad[1:]
        return (None, *(grad.select(ctx.dim, i) if n else None for i, n in enumerate(needs)))


class Repeat(Function):
    @staticmethod
    def forward(ctx, x, repeats):
        ctx.in_shape, ctx.repeats = x.array.shape, repeats
        return ctx.xp.tile(x.array, repeats)

    @staticmethod
    def backward(ctx, grad):
        # out has shape (r₀ s₀, r₁ s₁, ...): view it as (r₀, s₀, r₁, s₁, ...), sum the copies
        repeats = ctx.repeats
        sizes = (1,) * (len(repeats) - len(ctx.in_shape)) + tuple(ctx.in_shape)
        interleaved = [n for pair in zip(repeats, sizes, strict=True) for n in pair]
        summed = grad.reshape(interleaved).sum(tuple(range(0, 2 * len(repeats), 2)))
        return summed.reshape(ctx.in_shape), None


# ---------------------------------------------------------------------------------------------
# The functions
# ---------------------------------------------------------------------------------------------


def reshape(input: Tensor, shape) -> Tensor:
    """The same elements in a new shape (row-major order); one entry may be -1 (inferred)."""
    shape = tuple(int(n) for n in shape)
    if shape == input.array.shape:
        return input
    if shape.count(-1) > 1 or any(n < -1 for n in shape):
        raise RuntimeError(f"reshape: invalid shape {shape}")
    known = math.prod(n for n in shape if n != -1)
    size = input.array.size
    if (-1 in shape and (known == 0 or size % known)) or (-1 not in shape and known != size):
        raise RuntimeError(
            f"reshape: shape {shape} is invalid for a tensor of {size} elements "
            f"(shape {tuple(input.shape)})"
        )
    return Reshape.apply(input, shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim (inclusive) into one."""
    if input.ndim == 0:
        return reshape(input, (1,))
    start = normalize_dim(start_dim, input.ndim, "start_dim")
    end = normalize_dim(end_dim, input.ndim, "end_dim")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = input.shape
    return reshape(input, (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :]))


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dimension `dim` into `sizes` (one may be -1)."""
    dim = normalize_dim(dim, input.ndim)
    shape = input.shape
    return reshape(input, shape[:dim] + tuple(sizes) + shape[dim + 1 :])


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove dimensions of size 1: all of them, or those among `dim` (an int or a tuple).

    As PyTorch, naming a dimension whose size is not 1 leaves it in place.
    """
    shape = input.shape
    dims = normalize_dims(dim, input.ndim) if dim is not None else range(input.ndim)
    drop = {d for d in dims if shape[d] == 1}
    return reshape(input, tuple(n for i, n in enumerate(shape) if i not in drop))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at position `dim` (in [-ndim-1, ndim])."""
    dim = normalize_dim(dim, input.ndim + 1)
    shape = input.shape
    return reshape(input, (*shape[:dim], 1, *shape[dim:]))


def permute(input: Tensor, dims) -> Tensor:
    """Reorder the dimensions: output dimension i is input dimension dims[i]."""
    dims = tuple(normalize_dim(d, input.ndim) for d in dims)
    if sorted(dims) != list(range(input.ndim)):
        raise ValueError(
            f"permute: dims {dims} must be a permutation of the {input.ndim} dimensions"
        )
    if dims == tuple(range(input.ndim)):
        return input
    return Permute.apply(input, dims)


def swap_last_two(input: Tensor) -> Tensor:
    """The last two dimensions swapped (Tensor.mT), without argument checks (ndim >= 2)."""
    n = input.array.ndim
    return Permute.apply(input, (*range(n - 2), n - 1, n - 2))


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions dim0 and dim1."""
    if input.ndim == 0:
        return input
    dims = list(range(input.ndim))
    d0, d1 = normalize_dim(dim0, input.ndim), normalize_dim(dim1, input.ndim)
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return permute(input, dims)


def t(input: Tensor) -> Tensor:
    """The transpose of a matrix (a tensor of at most 2 dimensions)."""
    if input.ndim > 2:
        raise ValueError(f"t() expects a tensor of at most 2 dimensions, got {input.ndim}")
    return transpose(input, 0, -1) if input.ndim == 2 else input


def movedim(input: Tensor, source, destination) -> Tensor:
    """Move dimension(s) `source` to position(s) `destination`, keeping the others in order."""
    source = [source] if isinstance(source, int) else list(source)
    destination = [destination] if isinstance(destination, int) else list(destination)
    if len(source) != len(destination):
        raise ValueError("movedim: source and destination must have the same length")
    source = [normalize_dim(d, input.ndim) for d in source]
    destination = [normalize_dim(d, input.ndim) for d in destination]
    order = [d for d in range(input.ndim) if d not in source]
    for dest, src in sorted(zip(destination, source, strict=True)):
        order.insert(dest, src)
    return permute(input, order)


def expand(input: Tensor, shape) -> Tensor:
    """A broadcast view of `input` with shape `shape` (-1 keeps a size; new dimensions lead)."""
    shape = tuple(int(n) for n in shape)
    lead = len(shape) - input.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand: the target shape {shape} has fewer dimensions than the tensor "
            f"(shape {tuple(input.shape)})"
        )
    target = []
    for i, n in enumerate(shape):
        own = input.shape[i - lead] if i >= lead else None
        if n == -1:
            if own is None:
                raise RuntimeError(f"expand: -1 is not allowed for a new leading dimension {i}")
            n = own
        elif own is not None and own != n and own != 1:
            raise RuntimeError(
                f"expand: the tensor of shape {tuple(input.shape)} cannot be expanded to "
                f"{shape}: dimension {i} has size {own}, which is neither 1 nor {n}"
            )
        target.append(n)
    target = tuple(target)
    if target == input.array.shape:
        return input
    return Expand.apply(input, target)


broadcast_to = expand


def _promoted(tensors) -> list[Tensor]:
    dtype = result_type(*tensors)
    return [t if t.dtype == dtype else t.to(dtype) for t in tensors]


def cat(tensors, dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension `dim` (their other sizes must match)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat needs at least one tensor")
    # PyTorch skips empty 1-D tensors in cat (a legacy rule that makes torch.cat([], x) work)
    nonempty = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    dim = normalize_dim(dim, nonempty[0].ndim)
    reference = nonempty[0].shape
    for i, tensor in enumerate(nonempty):
        if tensor.ndim != len(reference) or any(
            a != b for d, (a, b) in enumerate(zip(tensor.shape, reference, strict=True)) if d != dim
        ):
            raise RuntimeError(
                f"cat: tensors must have the same shape except in dimension {dim}, but tensor "
                f"{i} has shape {tuple(tensor.shape)} and tensor 0 has shape {reference}"
            )
    return Cat.apply(dim, *_promoted(nonempty))


concat = cat


def stack(tensors, dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dimension `dim`."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    for i, tensor in enumerate(tensors):
        if tensor.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack: tensors must all have the same shape, but tensor {i} has shape "
                f"{tuple(tensor.shape)} and tensor 0 has shape {tuple(tensors[0].shape)}"
            )
    dim = normalize_dim(dim, tensors[0].ndim + 1)
    return Stack.apply(dim, *_promoted(tensors))


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice start:start+length along `dim` (a view)."""
    dim = normalize_dim(dim, input.ndim)
    size = input.shape[dim]
    start = start + size if start < 0 else start
    if not (0 <= start <= size and 0 <= length and start + length <= size):
        raise IndexError(
            f"narrow: start {start} and length {length} do not fit in dimension {dim} "
            f"of size {size}"
        )
    return input[(slice(None),) * dim + (slice(start, start + length),)]


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at `index` along `dim`, with that dimension removed (a view)."""
    dim = normalize_dim(dim, input.ndim)
    return input[(slice(None),) * dim + (index,)]


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of consecutive pieces along `dim`: of split_size each (the last may be smaller),
    or of the sizes in the list split_size_or_sections."""
    dim = normalize_dim(dim, tensor.ndim)
    size = tensor.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0:
            raise ValueError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, size - start) for start in range(0, size, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != size:
            raise ValueError(
                f"split: the sections {sizes} add up to {sum(sizes)}, but dimension {dim} has "
                f"size {size}"
            )
    pieces, start = [], 0
    for length in sizes:
        pieces.append(narrow(tensor, dim, start, length))
        start += length
    return tuple(pieces)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into `chunks` pieces of ceil(size / chunks) (fewer pieces if they run out)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    size = input.shape[normalize_dim(dim, input.ndim)]
    return split(input, max(-(-size // chunks), 1), dim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along `dim`, each with that dimension removed."""
    dim = normalize_dim(dim, input.ndim)
    return tuple(select(input, dim, i) for i in range(input.shape[dim]))


def flip(input: Tensor, dims) -> Tensor:
    """Reverse the order of elements along `dims` (an int or a tuple)."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    dims = tuple(normalize_dim(d, input.ndim) for d in dims)
    if not dims or input.ndim == 0:
        return input
    return Flip.apply(input, dims)


def repeat(input: Tensor, repeats) -> Tensor:
    """Tile the tensor `repeats[i]` times along dimension i (leading repeats add dimensions)."""
    repeats = tuple(int(r) for r in repeats)
    if len(repeats) < input.ndim:
        raise RuntimeError(
            f"repeat: {len(repeats)} repeats given for a tensor of {input.ndim} dimensions; "
            f"give at least one per dimension"
        )
    return Repeat.apply(input, repeats)
