"""Reductions: sum, mean, var, std, max/min/amax/amin, argmax/argmin, logsumexp, prod, cumsum.

`dim` is an int, a tuple of ints, or None for every dimension; `keepdim=True` keeps the reduced
dimensions with size 1 (PyTorch's names). The backward of a reduction broadcasts the gradient
back over the reduced dimensions. Integer and bool tensors sum to int64, as in PyTorch.

This module defines functions named sum, max, min, all and any, so it calls Python's own through
`builtins`.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple

import numpy as np

from nashai.autograd import dtypes
from nashai.autograd.function import Function
from nashai.autograd.ops.common import constant, keepdim_shape, normalize_dim, normalize_dims
from nashai.autograd.ops.elementwise import maximum, minimum, where
from nashai.autograd.ops.shape import Expand, Reshape
from nashai.autograd.tensor import Tensor

__all__ = [
    "all",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "cumsum",
    "logsumexp",
    "max",
    "mean",
    "min",
    "prod",
    "std",
    "sum",
    "sum_to_size",
    "var",
]

# What max(dim) and min(dim) return, as torch.return_types.max: values and indices.
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _reduced_count(shape: tuple[int, ...], dims: tuple[int, ...]) -> int:
    return math.prod(shape[d] for d in dims)


def _unreduce(grad: Tensor, in_shape: tuple[int, ...], dims, keepdim: bool) -> Tensor:
    """The gradient of a reduction over `dims`, broadcast back to the input's shape."""
    if not keepdim and grad.array.ndim:  # a 0-d gradient broadcasts as it is
        grad = Reshape.apply(grad, keepdim_shape(in_shape, dims))
    return grad if grad.array.shape == in_shape else Expand.apply(grad, in_shape)


def _squeeze_dims(array, dims: tuple[int, ...], keepdim: bool):
    """A keepdims=True result with the reduced dims removed unless keepdim."""
    if keepdim:
        return array
    return array.reshape(tuple(n for i, n in enumerate(array.shape) if i not in dims))


# ---------------------------------------------------------------------------------------------
# sum, mean, var, std
# ---------------------------------------------------------------------------------------------


class Sum(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.in_shape, ctx.dims, ctx.keepdim = x.array.shape, dims, keepdim
        a = x.array
        dtype = dtypes.int64 if a.dtype.kind in "biu" else None
        axis = None if len(dims) == a.ndim else dims
        return a.sum(axis=axis, dtype=dtype, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):  # ∂(Σ x)/∂xᵢ = 1
        return _unreduce(grad, ctx.in_shape, ctx.dims, ctx.keepdim), None, None


class SumTo(Function):
    @staticmethod
    def forward(ctx, x, shape):
        in_shape = ctx.in_shape = x.array.shape
        lead = len(in_shape) - len(shape)
        dims = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and in_shape[lead + i] != 1
        )
        return x.array.sum(axis=dims, keepdims=True).reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.expand(ctx.in_shape), None


def _mean_array(a, dims: tuple[int, ...], keepdim: bool):
    """Σ a / n over dims (float16 accumulates in float32, as PyTorch); NaN for an empty slice,
    without NumPy's warning."""
    accumulate = dtypes.float32 if a.dtype == dtypes.float16 else None
    count = _reduced_count(a.shape, dims)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = a.sum(axis=dims, dtype=accumulate, keepdims=keepdim)
        return (total / count).astype(a.dtype, copy=False)


class Mean(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.in_shape, ctx.dims, ctx.keepdim = x.array.shape, dims, keepdim
        ctx.count = _reduced_count(x.array.shape, dims)
        return _mean_array(x.array, dims, keepdim)

    @staticmethod
    def backward(ctx, grad):  # ∂(Σ x / n)/∂xᵢ = 1/n
        if ctx.count == 0:  # an empty input has an empty gradient
            return _unreduce(grad * 0, ctx.in_shape, ctx.dims, ctx.keepdim), None, None
        return _unreduce(grad / ctx.count, ctx.in_shape, ctx.dims, ctx.keepdim), None, None


class Var(Function):
    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        a = x.array
        ctx.in_shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        ctx.divisor = builtins.max(_reduced_count(a.shape, dims) - correction, 0)
        ctx.save_for_backward(x)
        deviation = a - _mean_array(a, dims, True)  # two passes: no cancellation
        with np.errstate(divide="ignore", invalid="ignore"):  # n <= correction: inf or nan
            return (deviation * deviation).sum(axis=dims, keepdims=keepdim) / ctx.divisor

    @staticmethod
    def backward(ctx, grad):  # ∂var/∂xᵢ = 2 (xᵢ - x̄) / (n - correction)
        (x,) = ctx.saved_tensors
        scale = 2 / ctx.divisor if ctx.divisor else math.nan
        grad = _unreduce(grad, ctx.in_shape, ctx.dims, ctx.keepdim)
        return grad * (x - x.mean(ctx.dims, keepdim=True)) * scale, None, None, None


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Σ over `dim` (every dimension by default). Integers and bools sum to int64."""
    if dtype is not None:
        input = input.to(dtype)
    return Sum.apply(input, normalize_dims(dim, input.ndim), keepdim)


def sum_to_size(input: Tensor, *size) -> Tensor:
    """Sum `input` down to `size`, a shape that broadcasts to input's: the backward of a broadcast.

    Dimensions input has in front of `size` are summed away; dimensions where `size` is 1 are
    summed keeping size 1.
    """
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    in_shape = input.array.shape
    if shape == in_shape:
        return input
    lead = len(in_shape) - len(shape)
    if lead < 0 or builtins.any(n != 1 and n != in_shape[lead + i] for i, n in enumerate(shape)):
        raise RuntimeError(f"sum_to_size: size {shape} is not expandable to {in_shape}")
    return SumTo.apply(input, shape)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The arithmetic mean over `dim` (every dimension by default); needs a float dtype."""
    if dtype is not None:
        input = input.to(dtype)
    if input.dtype.kind != "f":
        raise TypeError(
            f"mean needs a floating-point tensor, got dtype {input.dtype}; pass dtype= or "
            f"convert with .float()"
        )
    return Mean.apply(input, normalize_dims(dim, input.ndim), keepdim)


def _correction(unbiased, correction) -> float:
    if correction is not None:
        if unbiased is not None:
            raise ValueError("pass either unbiased or correction, not both")
        return correction
    return 0 if unbiased is False else 1


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Variance over `dim`: Σ (x - x̄)² / (n - correction), correction = 1 by default (Bessel).

    `unbiased=False` is the older spelling of correction=0. Computed in two passes (mean, then
    squared deviations), so it does not lose precision to cancellation.
    """
    if input.dtype.kind != "f":
        raise TypeError(f"var needs a floating-point tensor, got dtype {input.dtype}")
    dims = normalize_dims(dim, input.ndim)
    return Var.apply(input, dims, _correction(unbiased, correction), keepdim)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Standard deviation: √var with the same arguments as `var`."""
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


# ---------------------------------------------------------------------------------------------
# max, min, argmax, argmin
# ---------------------------------------------------------------------------------------------


class Extreme(Function):
    """amax or amin over dims; ties share the gradient equally (as PyTorch)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, largest):
        a = x.array
        ctx.in_shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        extreme = a.max(axis=dims, keepdims=True) if largest else a.min(axis=dims, keepdims=True)
        ties = a == extreme
        with np.errstate(invalid="ignore"):  # a slice whose maximum is NaN has no ties
            share = ties / ties.sum(axis=dims, keepdims=True)
        ctx.save_for_backward(constant(share.astype(a.dtype, copy=False), ctx.backend))
        return _squeeze_dims(extreme, dims, keepdim)

    @staticmethod
    def backward(ctx, grad):
        (share,) = ctx.saved_tensors
        return _unreduce(grad, ctx.in_shape, ctx.dims, ctx.keepdim) * share, None, None, None


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The largest value over `dim` (every dimension by default); ties share the gradient."""
    return Extreme.apply(input, normalize_dims(dim, input.ndim), keepdim, True)


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The smallest value over `dim` (every dimension by default); ties share the gradient."""
    return Extreme.apply(input, normalize_dims(dim, input.ndim), keepdim, False)


def _extreme_along(input: Tensor, dim, keepdim: bool, largest: bool) -> ValuesIndices:
    dim = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        return ValuesIndices(input * 1, constant(input._backend.xp.asarray(0), input._backend))
    indices = _arg_extreme(input, dim, True, largest)
    values = input.gather(dim, indices)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return ValuesIndices(values, indices)


def max(input: Tensor, dim=None, keepdim: bool = False):
    """The largest element; with `dim`, (values, indices) along it; with a tensor, `maximum`.

    max(x) is a 0-d tensor whose gradient ties share equally. max(x, dim) returns the named
    pair (values, indices) of the first largest element along dim, as PyTorch, and its gradient
    goes to that element. max(x, y) is the elementwise maximum.
    """
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    if dim is None:
        return Extreme.apply(input, normalize_dims(None, input.ndim), False, True)
    return _extreme_along(input, dim, keepdim, True)


def min(input: Tensor, dim=None, keepdim: bool = False):
    """The smallest element; see `max` for the three forms."""
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    if dim is None:
        return Extreme.apply(input, normalize_dims(None, input.ndim), False, False)
    return _extreme_along(input, dim, keepdim, False)


def _arg_extreme(input: Tensor, dim, keepdim: bool, largest: bool) -> Tensor:
    xp, a = input._backend.xp, input.array
    find = xp.argmax if largest else xp.argmin
    if a.size == 0 and (dim is None or a.ndim == 0 or a.shape[normalize_dim(dim, a.ndim)] == 0):
        raise RuntimeError(f"arg{'max' if largest else 'min'} of an empty tensor")
    if dim is None:
        index = find(a.reshape(-1))
        result = xp.asarray(index).reshape((1,) * a.ndim if keepdim else ())
    elif a.ndim == 0:
        result = xp.zeros((), dtype=dtypes.int64)
    else:
        result = find(a, axis=normalize_dim(dim, a.ndim), keepdims=keepdim)
    return constant(xp.asarray(result, dtype=dtypes.int64), input._backend)


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """The index of the first largest element (along `dim`, or in the flattened tensor)."""
    return _arg_extreme(input, dim, keepdim, True)


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """The index of the first smallest element (along `dim`, or in the flattened tensor)."""
    return _arg_extreme(input, dim, keepdim, False)


# ---------------------------------------------------------------------------------------------
# logsumexp, prod, cumsum
# ---------------------------------------------------------------------------------------------


class LogSumExp(Function):
    """Fused: one op instead of max, sub, exp, sum, log, add, and no overflow."""

    save_output = True

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp, a = ctx.xp, x.array
        ctx.in_shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        ctx.save_for_backward(x)
        if a.size == 0:
            shift = xp.zeros(keepdim_shape(a.shape, dims), dtype=a.dtype)
        else:
            shift = a.max(axis=dims, keepdims=True)
            shift = xp.where(xp.isfinite(shift), shift, 0)  # all -inf: log Σ e^x = -inf
        with np.errstate(divide="ignore"):
            out = xp.log(xp.exp(a - shift).sum(axis=dims, keepdims=True)) + shift
        return _squeeze_dims(out, dims, keepdim)

    @staticmethod
    def backward(ctx, grad):  # ∂/∂xᵢ log Σ eˣ = e^(xᵢ - logsumexp) = softmax(x)ᵢ
        (x,) = ctx.saved_tensors
        keep = keepdim_shape(ctx.in_shape, ctx.dims)
        out = ctx.output.reshape(keep)
        return grad.reshape(keep) * (x - out).exp(), None, None


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log Σ exp(x) over `dim`, computed as m + log Σ exp(x - m), m = max(x): no overflow."""
    if input.dtype.kind != "f":
        input = input.to(dtypes.get_default_dtype())
    return LogSumExp.apply(input, normalize_dims(dim, input.ndim), keepdim)


class Prod(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.in_shape, ctx.dims, ctx.keepdim = x.array.shape, dims, keepdim
        ctx.save_for_backward(x)
        dtype = dtypes.int64 if x.array.dtype.kind in "biu" else None
        return x.array.prod(axis=dims, dtype=dtype, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        # ∂(Π x)/∂xᵢ = Π_{j≠i} xⱼ, formed without dividing by zero: with no zero in the slice it
        # is Π x / xᵢ; with one zero, the zero's entry is the product of the others and the rest
        # are 0; with two or more zeros every entry is 0.
        (x,) = ctx.saved_tensors
        dims = ctx.dims
        zero = x == 0
        zeros_in_slice = zero.sum(dims, keepdim=True)
        safe = where(zero, 1.0, x)
        product = safe.prod(dims, keepdim=True) if dims else safe
        others = where(
            zeros_in_slice == 0,
            product / safe,
            where(zero & (zeros_in_slice == 1), product, 0.0),
        )
        return _unreduce(grad, ctx.in_shape, dims, ctx.keepdim) * others, None, None


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Π over `dim` (an int) or over every element; integers multiply in int64."""
    if dtype is not None:
        input = input.to(dtype)
    dims = normalize_dims(None, input.ndim) if dim is None else normalize_dims(dim, input.ndim)
    if dim is None:
        keepdim = False
    return Prod.apply(input, dims, keepdim)


class CumSum(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        dtype = dtypes.int64 if x.array.dtype.kind in "biu" else None
        return ctx.xp.cumsum(x.array, axis=dim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):  # the adjoint of a running sum is a running sum from the end
        dim = ctx.dim
        return grad.flip(dim).cumsum(dim).flip(dim), None


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sums along `dim`: out[i] = Σ_{j≤i} x[j]."""
    if dtype is not None:
        input = input.to(dtype)
    if input.ndim == 0:
        normalize_dim(dim, 0)
        return input * 1
    return CumSum.apply(input, normalize_dim(dim, input.ndim))


# ---------------------------------------------------------------------------------------------
# all, any
# ---------------------------------------------------------------------------------------------


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Whether every element (along `dim`) is nonzero, as a bool tensor."""
    dims = normalize_dims(dim, input.ndim)
    return constant(input.array.all(axis=dims, keepdims=keepdim), input._backend)


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Whether some element (along `dim`) is nonzero, as a bool tensor."""
    dims = normalize_dims(dim, input.ndim)
    return constant(input.array.any(axis=dims, keepdims=keepdim), input._backend)
