"""Conversions: dtype casts, moves between devices, and clone; each differentiable."""

from __future__ import annotations

from nashai.autograd.backends import Backend
from nashai.autograd.function import Function
from nashai.autograd.ops.common import constant
from nashai.autograd.tensor import Tensor

__all__ = ["cast", "clone", "to_backend"]


class Cast(Function):
    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = x.array.dtype
        return x.array.astype(dtype)

    @staticmethod
    def backward(ctx, grad):  # the gradient comes back in the input's dtype
        return grad.to(ctx.in_dtype), None


class ToBackend(Function):
    @staticmethod
    def forward(ctx, x, backend):
        ctx.source = x._backend
        ctx.backend = backend  # the output lives on the target device
        return backend.asarray(ctx.source.to_numpy(x.array))

    @staticmethod
    def backward(ctx, grad):
        return to_backend(grad, ctx.source), None


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x.array.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def cast(input: Tensor, dtype) -> Tensor:
    """A copy of input in `dtype`; differentiable between floating-point dtypes (a cast to an
    integer or bool dtype has no gradient, as in PyTorch)."""
    if dtype.kind == "f" and input.dtype.kind == "f":
        return Cast.apply(input, dtype)
    return constant(input.array.astype(dtype), input._backend)


def to_backend(input: Tensor, backend: Backend) -> Tensor:
    """A copy of input on another backend's device; the gradient comes back to input's."""
    return ToBackend.apply(input, backend)


def clone(input: Tensor) -> Tensor:
    """A copy with its own memory; the gradient passes through unchanged."""
    return Clone.apply(input)
