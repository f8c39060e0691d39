"""Activation functions: relu, gelu (exact and tanh), silu, softplus, sigmoid, tanh.

Each is one op with a closed-form derivative; the backward passes are written with Tensor ops,
so they can be differentiated again (double backward).
"""

from __future__ import annotations

import math

from nashai.autograd.function import Function
from nashai.autograd.ops.common import constant
from nashai.autograd.ops.elementwise import _floating, where
from nashai.autograd.tensor import Tensor

__all__ = ["gelu", "relu", "sigmoid", "silu", "softplus", "tanh"]

_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_TANH_SCALE = math.sqrt(2.0 / math.pi)
_GELU_TANH_CUBIC = 0.044715


def _sigmoid_array(xp, x):
    """σ(x) = 1 / (1 + e⁻ˣ) without overflow: with e = e^(-|x|) ≤ 1,
    σ(x) = 1 / (1 + e) for x ≥ 0 and e / (1 + e) for x < 0."""
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


class ReLU(Function):
    """max(x, 0). The derivative is kept as a 0/1 mask in x's dtype, so backward is one product
    of equal dtypes (a select, `where(x > 0, grad, 0)`, costs several times more on NumPy)."""

    @staticmethod
    def forward(ctx, x):
        out = ctx.xp.maximum(x.array, 0)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(constant((out > 0).astype(out.dtype), ctx.backend))
        return out

    @staticmethod
    def backward(ctx, grad):  # relu'(x) = 1 for x > 0, else 0
        (positive,) = ctx.saved_tensors
        return grad * positive


class Sigmoid(Function):
    save_output = True

    @staticmethod
    def forward(ctx, x):
        return _sigmoid_array(ctx.xp, x.array)

    @staticmethod
    def backward(ctx, grad):  # σ' = σ (1 - σ)
        y = ctx.output
        return grad * y * (1 - y)


class Tanh(Function):
    save_output = True

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.tanh(x.array)

    @staticmethod
    def backward(ctx, grad):  # tanh' = 1 - tanh²
        y = ctx.output
        return grad * (1 - y * y)


class GELU(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xa = x.array
        return 0.5 * xa * (1 + ctx.backend.erf(xa * _SQRT1_2))

    @staticmethod
    def backward(ctx, grad):  # d/dx x Φ(x) = Φ(x) + x φ(x)
        (x,) = ctx.saved_tensors
        cdf = 0.5 * (1 + (x * _SQRT1_2).erf())
        pdf = _INV_SQRT_2PI * (-0.5 * x * x).exp()
        return grad * (cdf + x * pdf)


class GELUTanh(Function):
    """Fused: the forward keeps tanh(u) for the backward, which is one op (GELUTanhGrad)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xa = x.array
        ctx.tanh = ctx.xp.tanh(_GELU_TANH_SCALE * (xa + _GELU_TANH_CUBIC * xa * xa * xa))
        return 0.5 * xa * (1 + ctx.tanh)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * GELUTanhGrad.apply(x, ctx.tanh)


class GELUTanhGrad(Function):
    """y'(x) of y = x (1 + t) / 2, t = tanh(u), u = k (x + c x³), k = √(2/π), c = 0.044715:

        y' = (1 + t) / 2 + x (1 - t²) u' / 2,            u' = k (1 + 3 c x²)

    computed from the forward's t in a few in-place array ops. Its own backward (for double
    backward) is y'' = (1 - t²) (u' + x (u'' - 2 t u'²) / 2), u'' = 6 k c x, in Tensor ops."""

    @staticmethod
    def forward(ctx, x, t):
        ctx.save_for_backward(x)
        xa = x.array
        du = xa * xa
        du *= 3 * _GELU_TANH_CUBIC * _GELU_TANH_SCALE
        du += _GELU_TANH_SCALE
        derivative = 1 - t * t
        derivative *= du
        derivative *= xa
        derivative += t
        derivative += 1
        derivative *= 0.5
        return derivative

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        x2 = x * x
        t = (_GELU_TANH_SCALE * (x + _GELU_TANH_CUBIC * x2 * x)).tanh()
        du = _GELU_TANH_SCALE * (1 + 3 * _GELU_TANH_CUBIC * x2)
        d2u = (6 * _GELU_TANH_SCALE * _GELU_TANH_CUBIC) * x
        return grad * ((1 - t * t) * (du + 0.5 * x * (d2u - 2 * t * du * du))), None


class SiLU(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.array * _sigmoid_array(ctx.xp, x.array)

    @staticmethod
    def backward(ctx, grad):  # d/dx x σ(x) = σ(x) (1 + x (1 - σ(x)))
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return grad * (s * (1 + x * (1 - s)))


class Softplus(Function):
    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp = ctx.xp
        z = x.array * beta
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(x)
        # log(1 + eᶻ) = max(z, 0) + log(1 + e^(-|z|)), which never overflows
        smooth = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        return xp.where(z > threshold, x.array, smooth)

    @staticmethod
    def backward(ctx, grad):  # d/dx log(1 + e^(βx))/β = σ(βx); 1 where βx > threshold
        (x,) = ctx.saved_tensors
        beta, threshold = ctx.beta, ctx.threshold
        z = x * beta
        return where(z > threshold, grad, grad * z.sigmoid()), None, None


def relu(input: Tensor) -> Tensor:
    """max(x, 0) elementwise; the gradient is 1 where x > 0, else 0."""
    return ReLU.apply(input)


def sigmoid(input: Tensor) -> Tensor:
    """σ(x) = 1 / (1 + e⁻ˣ), computed without overflow."""
    return Sigmoid.apply(_floating(input))


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent."""
    return Tanh.apply(_floating(input))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit (Hendrycks & Gimpel, 2016): x Φ(x), Φ the normal cdf.

    approximate="none": Φ(x) = (1 + erf(x/√2)) / 2 exactly;
    approximate="tanh": x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2, as in GPT-2.
    """
    if approximate == "none":
        return GELU.apply(_floating(input))
    if approximate == "tanh":
        return GELUTanh.apply(_floating(input))
    raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Tensor) -> Tensor:
    """x σ(x) (the swish of Ramachandran et al., 2017)."""
    return SiLU.apply(_floating(input))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(βx)) / β, and x itself where βx > threshold (for numerical stability)."""
    return Softplus.apply(_floating(input), beta, threshold)
