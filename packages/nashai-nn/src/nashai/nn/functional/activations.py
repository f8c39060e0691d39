"""Activation functions, as torch.nn.functional: relu, leaky_relu, elu, gelu, silu, swish, mish,
sigmoid, tanh, softplus, softmax, log_softmax.

gelu, silu, sigmoid, tanh, softplus, softmax and log_softmax are nashai.autograd's single
ops. relu, leaky_relu, elu and mish are single ops here, each with its derivative in closed form,
written with Tensor ops so it can be differentiated again. swish composes x · σ(βx), so β may be
a learnable Tensor.

`inplace` is accepted for PyTorch compatibility; the result is always a new tensor.
"""

from __future__ import annotations

import warnings

import nashai.autograd as ag
from nashai.autograd import Function, Tensor, engine
from nashai.autograd.ops.common import constant

__all__ = [
    "elu",
    "gelu",
    "leaky_relu",
    "log_softmax",
    "mish",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "swish",
    "tanh",
]


def _floating(input: Tensor, name: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a nashai Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: input must be a floating-point tensor, got dtype {input.dtype}")
    return input


class _LeakyReLU(Function):
    @staticmethod
    def forward(ctx, x, slope):
        xa = x.array
        positive = xa > 0
        ctx.slope = slope
        ctx.save_for_backward(constant(positive, ctx.backend))
        return ctx.xp.where(positive, xa, xa * slope)

    @staticmethod
    def backward(ctx, grad):  # d/dx = 1 for x > 0, else slope
        (positive,) = ctx.saved_tensors
        return ag.where(positive, grad, grad * ctx.slope), None


class _ELU(Function):
    @staticmethod
    def forward(ctx, x, alpha):
        ctx.alpha = alpha
        ctx.save_for_backward(x)
        xa = x.array
        return ctx.xp.where(xa > 0, xa, alpha * ctx.xp.expm1(ctx.xp.minimum(xa, 0)))

    @staticmethod
    def backward(ctx, grad):  # d/dx = 1 for x > 0, else α eˣ
        (x,) = ctx.saved_tensors
        return ag.where(x > 0, grad, grad * ctx.alpha * x.clamp(max=0).exp()), None


class _Mish(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp, xa = ctx.xp, x.array
        softplus = xp.maximum(xa, 0) + xp.log1p(xp.exp(-xp.abs(xa)))  # log(1 + eˣ), no overflow
        return xa * xp.tanh(softplus)

    @staticmethod
    def backward(ctx, grad):
        # y = x tanh(sp(x)), sp' = σ:  y' = tanh(sp) + x (1 - tanh²(sp)) σ(x)
        (x,) = ctx.saved_tensors
        t = ag.softplus(x, threshold=float("inf")).tanh()
        return grad * (t + x * (1 - t * t) * x.sigmoid())


class _ReLU(Function):
    @staticmethod
    def forward(ctx, x):
        out = ctx.xp.maximum(x.array, 0)
        ctx.save_for_backward(constant(out > 0, ctx.backend))
        return out

    @staticmethod
    def backward(ctx, grad):  # relu'(x) = 1 for x > 0, else 0: a product with the mask
        (positive,) = ctx.saved_tensors
        if engine.is_grad_enabled():  # create_graph: a differentiable product
            return grad * positive.to(grad.dtype)
        return constant(grad.array * positive.array, ctx.backend)  # bool -> 0/1, no cast pass


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0) elementwise. One op whose backward multiplies by the saved mask x > 0
    (cheaper than a select)."""
    if input.dtype.kind != "f":
        return ag.relu(input)
    return _ReLU.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope · x otherwise (Maas et al., 2013)."""
    return _LeakyReLU.apply(_floating(input, "leaky_relu"), float(negative_slope))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, α (eˣ - 1) otherwise (Clevert et al., 2015)."""
    return _ELU.apply(_floating(input, "elu"), float(alpha))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Φ(x), Φ the standard normal cdf; approximate="tanh" uses GPT-2's tanh formula."""
    return ag.gelu(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x σ(x) (Elfwing et al., 2017; the swish of Ramachandran et al. with β = 1)."""
    return ag.silu(input)


def swish(input: Tensor, beta: float | Tensor = 1.0) -> Tensor:
    """x σ(βx) (Ramachandran et al., 2017); β may be a Tensor (a learnable parameter)."""
    if not isinstance(beta, Tensor) and beta == 1.0:
        return ag.silu(input)
    return input * (input * beta).sigmoid()


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x)) (Misra, 2019)."""
    return _Mish.apply(_floating(input, "mish"))


def sigmoid(input: Tensor) -> Tensor:
    """σ(x) = 1 / (1 + e⁻ˣ)."""
    return ag.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent."""
    return ag.tanh(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(βx)) / β, and x where βx > threshold."""
    return ag.softplus(input, beta, threshold)


def _softmax_dim(name: str, ndim: int) -> int:
    """PyTorch's legacy implicit dim: 0 for 0-, 1- and 3-d inputs, else 1 (with a warning)."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        f"dim=X as an argument.",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """e^(xᵢ) / Σⱼ e^(xⱼ) along dim (one fused op)."""
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim)
    return ag.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """xᵢ - log Σⱼ e^(xⱼ) along dim (one fused op)."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim)
    return ag.log_softmax(input, dim, dtype=dtype)
