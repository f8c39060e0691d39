"""softmax and log_softmax along a dimension, each fused into one numerically stable op.

Fused because it pays: composed from max, sub, exp, sum and div they would record five nodes
and keep five intermediate arrays; as one op they keep only the output, and subtracting the
maximum before exponentiating means exp never overflows (Goodfellow, Bengio & Courville, Deep
Learning, §4.1).
"""

from __future__ import annotations

import numpy as np

from nashai.autograd.dtypes import get_default_dtype, to_dtype
from nashai.autograd.function import Function
from nashai.autograd.ops.common import normalize_dim
from nashai.autograd.tensor import Tensor

__all__ = ["log_softmax", "softmax"]


def _shifted(xp, a, dim: int):
    """a - max(a) along dim, with the maximum replaced by 0 where it is not finite."""
    if a.size == 0:
        return a
    shift = a.max(axis=dim, keepdims=True)
    return a - xp.where(xp.isfinite(shift), shift, 0)


class Softmax(Function):
    save_output = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        e = ctx.xp.exp(_shifted(ctx.xp, x.array, dim))
        with np.errstate(invalid="ignore"):  # a slice of -inf only: 0/0, NaN as in PyTorch
            return e / e.sum(axis=dim, keepdims=True)

    @staticmethod
    def backward(ctx, grad):
        # y = softmax(x): ∂yᵢ/∂xⱼ = yᵢ (δᵢⱼ - yⱼ), so the vector-Jacobian product is
        # y ⊙ (g - Σⱼ gⱼ yⱼ)
        y = ctx.output
        gy = grad * y
        return gy - y * gy.sum(ctx.dim, keepdim=True), None


class LogSoftmax(Function):
    save_output = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        xp = ctx.xp
        shifted = _shifted(xp, x.array, dim)
        with np.errstate(divide="ignore"):
            return shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))

    @staticmethod
    def backward(ctx, grad):
        # y = x - logsumexp(x): ∂yᵢ/∂xⱼ = δᵢⱼ - softmax(x)ⱼ, so the product is g - eʸ Σ g
        y = ctx.output
        return grad - y.exp() * grad.sum(ctx.dim, keepdim=True), None


def _prepare(input: Tensor, dim, dtype) -> tuple[Tensor, int]:
    if dtype is not None:
        input = input.to(to_dtype(dtype))
    elif input.dtype.kind != "f":
        input = input.to(get_default_dtype())
    if dim is None:
        raise TypeError("softmax needs dim, the dimension to normalise over (as PyTorch)")
    return input, normalize_dim(dim, input.ndim)


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """softmax(x)ᵢ = e^(xᵢ) / Σⱼ e^(xⱼ) along `dim`; the slices along dim sum to 1."""
    input, dim = _prepare(input, dim, dtype)
    if input.ndim == 0:
        return Softmax.apply(input.reshape(1), 0).reshape(())
    return Softmax.apply(input, dim)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """log softmax(x)ᵢ = xᵢ - log Σⱼ e^(xⱼ) along `dim`, without forming softmax (no underflow)."""
    input, dim = _prepare(input, dim, dtype)
    if input.ndim == 0:
        return LogSoftmax.apply(input.reshape(1), 0).reshape(())
    return LogSoftmax.apply(input, dim)
