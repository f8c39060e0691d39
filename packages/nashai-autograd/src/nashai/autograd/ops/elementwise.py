"""Elementwise ops: arithmetic, unary math, comparisons, clamp, maximum/minimum, where.

Binary ops broadcast as NumPy does and promote dtypes as PyTorch does (nashai.autograd.dtypes):
float32 + float64 -> float64, int + float -> float, and a Python number never widens a tensor
(float32 * 2.0 stays float32). The backward of a broadcast input sums the gradient over the
dimensions broadcasting stretched (`Tensor.sum_to_size`), so grad has the input's shape.

Comparisons, logical and rounding ops return tensors without history (bool for comparisons):
they are piecewise constant, so no gradient flows through them.
"""

from __future__ import annotations

import math

import numpy as np

from nashai.autograd.dtypes import get_default_dtype, result_type
from nashai.autograd.function import Function
from nashai.autograd.ops.common import constant, data, shape_of
from nashai.autograd.tensor import Tensor

__all__ = [
    "abs",
    "add",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "ceil",
    "clamp",
    "clip",
    "cos",
    "div",
    "eq",
    "erf",
    "exp",
    "expm1",
    "floor",
    "floor_divide",
    "ge",
    "gt",
    "isfinite",
    "isinf",
    "isnan",
    "le",
    "log",
    "log1p",
    "logical_and",
    "logical_not",
    "logical_or",
    "lt",
    "maximum",
    "minimum",
    "mul",
    "ne",
    "neg",
    "pow",
    "reciprocal",
    "remainder",
    "round",
    "rsqrt",
    "sign",
    "sin",
    "sqrt",
    "square",
    "sub",
    "trunc",
    "where",
]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# ---------------------------------------------------------------------------------------------
# Operands: PyTorch's type promotion
# ---------------------------------------------------------------------------------------------


def _operand(value, like: Tensor):
    """A non-Tensor operand as a Python number (kept weak, as PyTorch does) or a Tensor."""
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    try:
        return Tensor(value, device=like.device)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"expected a Tensor or a number as operand, got {type(value).__name__}: {error}"
        ) from None


def _operands(a, b):
    """a and b with PyTorch's result dtype: Tensors converted, Python numbers left as they are."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a.array.dtype is b.array.dtype:
                return a, b
        elif type(b) is float or type(b) is int:
            if a.array.dtype.kind == "f":
                return a, b  # a Python number never widens a float tensor
            b = _operand(b, a)
        else:
            b = _operand(b, a)
    elif isinstance(b, Tensor):
        a = _operand(a, b)
    else:
        raise TypeError(
            f"expected at least one Tensor operand, got {type(a).__name__} and {type(b).__name__}"
        )
    dtype = result_type(a, b)
    if isinstance(a, Tensor) and a.array.dtype != dtype:
        a = a.to(dtype)
    if isinstance(b, Tensor) and b.array.dtype != dtype:
        b = b.to(dtype)
    return a, b


def _floating(x):
    """x converted to the default float dtype if it is an integer or bool tensor (as PyTorch's
    exp, log, sqrt, ... do), else x."""
    if isinstance(x, Tensor) and x.array.dtype.kind != "f":
        return x.to(get_default_dtype())
    return x


def _backend(a, b):
    return a._backend if isinstance(a, Tensor) else b._backend


# ---------------------------------------------------------------------------------------------
# Arithmetic
# ---------------------------------------------------------------------------------------------


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            ctx.shapes = (shape_of(a), shape_of(b))
        return data(a) + data(b)

    @staticmethod
    def backward(ctx, grad):  # d(a + b) = da + db
        needs_a, needs_b = ctx.needs_input_grad
        a_shape, b_shape = ctx.shapes
        return (
            grad.sum_to_size(a_shape) if needs_a else None,
            grad.sum_to_size(b_shape) if needs_b else None,
        )


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            ctx.shapes = (shape_of(a), shape_of(b))
        return data(a) - data(b)

    @staticmethod
    def backward(ctx, grad):  # d(a - b) = da - db
        needs_a, needs_b = ctx.needs_input_grad
        a_shape, b_shape = ctx.shapes
        return (
            grad.sum_to_size(a_shape) if needs_a else None,
            (-grad).sum_to_size(b_shape) if needs_b else None,
        )


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        needs_a, needs_b = ctx.needs_input_grad
        if needs_a or needs_b:
            ctx.shapes = (shape_of(a), shape_of(b))
            ctx.save_for_backward(a if needs_b else None, b if needs_a else None)
        return data(a) * data(b)

    @staticmethod
    def backward(ctx, grad):  # d(ab) = b da + a db
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        a_shape, b_shape = ctx.shapes
        return (
            (grad * b).sum_to_size(a_shape) if needs_a else None,
            (grad * a).sum_to_size(b_shape) if needs_b else None,
        )


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        needs_a, needs_b = ctx.needs_input_grad
        if needs_a or needs_b:
            ctx.shapes = (shape_of(a), shape_of(b))
            ctx.save_for_backward(a if needs_b else None, b)
        return data(a) / data(b)

    @staticmethod
    def backward(ctx, grad):  # d(a/b) = da/b - a db/b²
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        a_shape, b_shape = ctx.shapes
        return (
            (grad / b).sum_to_size(a_shape) if needs_a else None,
            (-grad * a / (b * b)).sum_to_size(b_shape) if needs_b else None,
        )


class Pow(Function):
    save_output = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        ctx.save_for_backward(a, b)
        return data(a) ** data(b)

    @staticmethod
    def backward(ctx, grad):
        # d(aᵇ)/da = b aᵇ⁻¹;  d(aᵇ)/db = aᵇ log a, taken as 0 where a = 0 and b >= 0 (PyTorch)
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        a_shape, b_shape = ctx.shapes
        grad_a = grad_b = None
        if needs_a:
            if isinstance(b, Tensor) or b != 0:
                grad_a = (grad * b * a ** (b - 1)).sum_to_size(a_shape)
            else:
                grad_a = grad * 0
        if needs_b:
            if isinstance(a, Tensor):
                zero_base = (a == 0) & (b >= 0)
                log_a = where(zero_base, 1.0, a).log()
            else:
                log_a = math.log(a) if a > 0 else (0.0 if a == 0 else math.nan)
            grad_b = (grad * ctx.output * log_a).sum_to_size(b_shape)
        return grad_a, grad_b


def add(input, other, *, alpha=1) -> Tensor:
    """input + alpha · other, broadcasting. Differentiable in both."""
    if alpha != 1:
        other = other * alpha
    a, b = _operands(input, other)
    return Add.apply(a, b)


def sub(input, other, *, alpha=1) -> Tensor:
    """input - alpha · other, broadcasting. Differentiable in both."""
    if alpha != 1:
        other = other * alpha
    a, b = _operands(input, other)
    return Sub.apply(a, b)


def mul(input, other) -> Tensor:
    """input · other, broadcasting. Differentiable in both."""
    a, b = _operands(input, other)
    return Mul.apply(a, b)


def div(input, other, *, rounding_mode: str | None = None) -> Tensor:
    """input / other, broadcasting; true division gives floats even for integer inputs.

    rounding_mode "trunc" or "floor" rounds the quotient (and is not differentiable).
    """
    a, b = _operands(input, other)
    if rounding_mode is None:
        return Div.apply(_floating(a), _floating(b))
    backend = _backend(a, b)
    if rounding_mode == "floor":
        return constant(backend.xp.floor_divide(data(a), data(b)), backend)
    if rounding_mode == "trunc":
        quotient = data(a) / data(b)
        result = backend.xp.trunc(quotient)
        dtype = result_type(a, b)
        return constant(backend.asarray(result).astype(dtype, copy=False), backend)
    raise ValueError(f"rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")


def floor_divide(input, other) -> Tensor:
    """floor(input / other), broadcasting (not differentiable)."""
    return div(input, other, rounding_mode="floor")


def remainder(input, other) -> Tensor:
    """input - floor(input / other) · other, with the sign of other (not differentiable)."""
    a, b = _operands(input, other)
    backend = _backend(a, b)
    return constant(backend.xp.remainder(data(a), data(b)), backend)


def pow(input, exponent) -> Tensor:
    """input ** exponent, broadcasting; either may be a number. Differentiable in both."""
    a, b = _operands(input, exponent)
    return Pow.apply(a, b)


def square(input: Tensor) -> Tensor:
    """input², as input · input."""
    return mul(input, input)


# ---------------------------------------------------------------------------------------------
# Unary math
# ---------------------------------------------------------------------------------------------


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        return -x.array

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(Function):
    save_output = True

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.exp(x.array)

    @staticmethod
    def backward(ctx, grad):  # d eˣ = eˣ dx
        return grad * ctx.output


class Expm1(Function):
    save_output = True

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.expm1(x.array)

    @staticmethod
    def backward(ctx, grad):  # d(eˣ - 1) = eˣ dx
        return grad * (ctx.output + 1)


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log(x.array)

    @staticmethod
    def backward(ctx, grad):  # d log x = dx / x
        (x,) = ctx.saved_tensors
        return grad / x


class Log1p(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log1p(x.array)

    @staticmethod
    def backward(ctx, grad):  # d log(1 + x) = dx / (1 + x)
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


class Sqrt(Function):
    save_output = True

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.sqrt(x.array)

    @staticmethod
    def backward(ctx, grad):  # d √x = dx / (2 √x)
        return grad / (2 * ctx.output)


class Rsqrt(Function):
    save_output = True

    @staticmethod
    def forward(ctx, x):
        return 1 / ctx.xp.sqrt(x.array)

    @staticmethod
    def backward(ctx, grad):  # d x^(-1/2) = -x^(-3/2) dx / 2
        y = ctx.output
        return grad * (-0.5 * y * y * y)


class Reciprocal(Function):
    save_output = True

    @staticmethod
    def forward(ctx, x):
        return 1 / x.array

    @staticmethod
    def backward(ctx, grad):  # d(1/x) = -dx / x²
        y = ctx.output
        return -grad * y * y


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.abs(x.array)

    @staticmethod
    def backward(ctx, grad):  # d|x| = sign(x) dx (0 at 0, as PyTorch)
        (x,) = ctx.saved_tensors
        return grad * sign(x)


class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.sin(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.cos()


class Cos(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.cos(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * x.sin()


class Erf(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.backend.erf(x.array)

    @staticmethod
    def backward(ctx, grad):  # d erf(x) = (2/√π) exp(-x²) dx
        (x,) = ctx.saved_tensors
        return grad * (_TWO_OVER_SQRT_PI * (-(x * x)).exp())


def neg(input: Tensor) -> Tensor:
    """-input."""
    return Neg.apply(input)


def exp(input: Tensor) -> Tensor:
    """eˣ elementwise (integers become floats)."""
    return Exp.apply(_floating(input))


def expm1(input: Tensor) -> Tensor:
    """eˣ - 1, accurate for small x."""
    return Expm1.apply(_floating(input))


def log(input: Tensor) -> Tensor:
    """The natural logarithm, elementwise."""
    return Log.apply(_floating(input))


def log1p(input: Tensor) -> Tensor:
    """log(1 + x), accurate for small x."""
    return Log1p.apply(_floating(input))


def sqrt(input: Tensor) -> Tensor:
    """√x elementwise."""
    return Sqrt.apply(_floating(input))


def rsqrt(input: Tensor) -> Tensor:
    """1/√x elementwise."""
    return Rsqrt.apply(_floating(input))


def reciprocal(input: Tensor) -> Tensor:
    """1/x elementwise."""
    return Reciprocal.apply(_floating(input))


def abs(input: Tensor) -> Tensor:
    """|x| elementwise; its gradient is sign(x), 0 at 0."""
    return Abs.apply(input)


def sin(input: Tensor) -> Tensor:
    return Sin.apply(_floating(input))


def cos(input: Tensor) -> Tensor:
    return Cos.apply(_floating(input))


def erf(input: Tensor) -> Tensor:
    """The error function erf(x) = (2/√π) ∫₀ˣ e^(-t²) dt, by the backend's erf kernel."""
    return Erf.apply(_floating(input))


# ---------------------------------------------------------------------------------------------
# Piecewise: clamp, maximum, minimum, where
# ---------------------------------------------------------------------------------------------


class Clamp(Function):
    """Clamp to number bounds."""

    @staticmethod
    def forward(ctx, x, low, high):
        xa = x.array
        inside = True
        if low is not None:
            inside = xa > low
        if high is not None:
            inside = inside & (xa < high)
        ctx.save_for_backward(constant(ctx.xp.asarray(inside), ctx.backend))
        return ctx.xp.clip(xa, low, high)

    @staticmethod
    def backward(ctx, grad):  # 1 strictly inside the bounds, 0 at and beyond them (PyTorch)
        (inside,) = ctx.saved_tensors
        return where(inside, grad, 0.0), None, None


def clamp(input: Tensor, min=None, max=None) -> Tensor:
    """min(max(input, min), max) elementwise (`max` wins where min > max).

    With number bounds the gradient flows to input strictly between them. With tensor bounds
    (broadcast) it is maximum(input, min) then minimum(·, max): the gradient goes to whichever
    was selected, split equally at ties, as PyTorch does.
    """
    if min is None and max is None:
        raise ValueError("clamp needs at least one of min and max")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        result = input if min is None else maximum(input, min)
        return result if max is None else minimum(result, max)
    bounds = [b.item() if isinstance(b, np.generic) else b for b in (min, max)]
    return Clamp.apply(
        _floating(input) if any(isinstance(b, float) for b in bounds) else input, *bounds
    )


clip = clamp


class Maximum(Function):
    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        xa, xb = data(a), data(b)
        # share of the gradient for a: 1 where a > b, 1/2 at ties, 0 where a < b (PyTorch)
        share = xp.asarray((xa > xb) + 0.5 * (xa == xb), dtype=xp.result_type(xa, xb))
        ctx.shapes = (shape_of(a), shape_of(b))
        ctx.save_for_backward(constant(share, ctx.backend))
        return xp.maximum(xa, xb)

    @staticmethod
    def backward(ctx, grad):
        (share,) = ctx.saved_tensors
        return _split(ctx, grad, share)


class Minimum(Function):
    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        xa, xb = data(a), data(b)
        share = xp.asarray((xa < xb) + 0.5 * (xa == xb), dtype=xp.result_type(xa, xb))
        ctx.shapes = (shape_of(a), shape_of(b))
        ctx.save_for_backward(constant(share, ctx.backend))
        return xp.minimum(xa, xb)

    @staticmethod
    def backward(ctx, grad):
        (share,) = ctx.saved_tensors
        return _split(ctx, grad, share)


def _split(ctx, grad: Tensor, share: Tensor):
    """Gradients of a two-input selection: `share` of grad to a, the rest to b."""
    needs_a, needs_b = ctx.needs_input_grad
    a_shape, b_shape = ctx.shapes
    return (
        (grad * share).sum_to_size(a_shape) if needs_a else None,
        (grad * (1 - share)).sum_to_size(b_shape) if needs_b else None,
    )


def maximum(input, other) -> Tensor:
    """The elementwise maximum, broadcasting; ties split the gradient equally."""
    a, b = _operands(input, other)
    return Maximum.apply(a, b)


def minimum(input, other) -> Tensor:
    """The elementwise minimum, broadcasting; ties split the gradient equally."""
    a, b = _operands(input, other)
    return Minimum.apply(a, b)


class Where(Function):
    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.shapes = (None, shape_of(a), shape_of(b))
        ctx.save_for_backward(condition)
        return ctx.xp.where(condition.array, data(a), data(b))

    @staticmethod
    def backward(ctx, grad):  # the gradient goes to the input each element was taken from
        (condition,) = ctx.saved_tensors
        _, needs_a, needs_b = ctx.needs_input_grad
        _, a_shape, b_shape = ctx.shapes
        return (
            None,
            where(condition, grad, 0.0).sum_to_size(a_shape) if needs_a else None,
            where(condition, 0.0, grad).sum_to_size(b_shape) if needs_b else None,
        )


def where(condition: Tensor, input, other) -> Tensor:
    """input where condition is True, else other; all three broadcast together.

    Args:
        condition: a bool tensor.
        input, other: tensors or numbers, promoted to a common dtype.
    """
    like = input if isinstance(input, Tensor) else other
    if not isinstance(condition, Tensor):
        condition = Tensor(condition, device=like.device if isinstance(like, Tensor) else None)
    if condition.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got dtype {condition.dtype}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = Tensor(input, device=condition.device)
    a, b = _operands(input, other)
    out = Where.apply(condition, a, b)
    dtype = result_type(a, b)
    return out if out.dtype == dtype else out.to(dtype)


# ---------------------------------------------------------------------------------------------
# Without gradient: comparisons, logic, rounding
# ---------------------------------------------------------------------------------------------


def _compare(name: str, a, b) -> Tensor:
    a, b = _operands(a, b)
    backend = _backend(a, b)
    return constant(getattr(backend.xp, name)(data(a), data(b)), backend)


def eq(input, other) -> Tensor:
    """input == other elementwise, as a bool tensor."""
    return _compare("equal", input, other)


def ne(input, other) -> Tensor:
    return _compare("not_equal", input, other)


def lt(input, other) -> Tensor:
    return _compare("less", input, other)


def le(input, other) -> Tensor:
    return _compare("less_equal", input, other)


def gt(input, other) -> Tensor:
    return _compare("greater", input, other)


def ge(input, other) -> Tensor:
    return _compare("greater_equal", input, other)


def logical_and(input, other) -> Tensor:
    return _compare("logical_and", input, other)


def logical_or(input, other) -> Tensor:
    return _compare("logical_or", input, other)


def bitwise_and(input, other) -> Tensor:
    """input & other for bool and integer tensors."""
    return _compare("bitwise_and", input, other)


def bitwise_or(input, other) -> Tensor:
    return _compare("bitwise_or", input, other)


def bitwise_xor(input, other) -> Tensor:
    return _compare("bitwise_xor", input, other)


def _unary_constant(name: str, x: Tensor, *args) -> Tensor:
    return constant(getattr(x._backend.xp, name)(x.array, *args), x._backend)


def bitwise_not(input: Tensor) -> Tensor:
    """~input: logical not for bool tensors, bitwise not for integers."""
    return _unary_constant("invert", input)


def logical_not(input: Tensor) -> Tensor:
    return _unary_constant("logical_not", input)


def isnan(input: Tensor) -> Tensor:
    return _unary_constant("isnan", input)


def isinf(input: Tensor) -> Tensor:
    return _unary_constant("isinf", input)


def isfinite(input: Tensor) -> Tensor:
    return _unary_constant("isfinite", input)


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (no gradient)."""
    return _unary_constant("sign", input)


def floor(input: Tensor) -> Tensor:
    return _unary_constant("floor", input)


def ceil(input: Tensor) -> Tensor:
    return _unary_constant("ceil", input)


def trunc(input: Tensor) -> Tensor:
    return _unary_constant("trunc", input)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even (as PyTorch and NumPy), to `decimals` decimal places."""
    return _unary_constant("round", input, decimals)
