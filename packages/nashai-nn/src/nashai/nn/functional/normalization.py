"""Normalisation: batch_norm, layer_norm, group_norm and rms_norm, each one fused autograd op.

batch, layer and group normalisation are one op that standardises x over some axes and applies
a per-feature affine map; they differ only in the axes (Wu & He, "Group Normalization", 2018,
§3.1, Fig. 2):

    x̂ = (x - μ) / √(σ² + ε),   y = γ ⊙ x̂ + β,    μ, σ² the mean and biased variance over S

    batch_norm  S = (N, *spatial) per channel      (Ioffe & Szegedy, 2015)
    layer_norm  S = the last len(normalized_shape) dimensions    (Ba, Kiros & Hinton, 2016)
    group_norm  S = (C/G channels, *spatial) per sample and group

With M = |S| and ĝ = γ ⊙ dy, the hand-derived backward pass (differentiating μ and σ² too) is

    dx = (1/√(σ² + ε)) (ĝ - mean_S(ĝ) - x̂ ⊙ mean_S(ĝ ⊙ x̂)),   dγ = Σ dy ⊙ x̂,   dβ = Σ dy

and with fixed statistics (batch_norm in eval mode) simply dx = ĝ / √(σ² + ε). Fused, the op
keeps only x̂ and 1/√(σ² + ε) and records one node instead of ten.

rms_norm (Zhang & Sennrich, 2019) scales without centring: y = γ ⊙ x / √(mean(x²) + ε), with
dx = r (ĝ - x̂ ⊙ mean(ĝ ⊙ x̂)), r = 1/√(mean(x²) + ε), x̂ = r x.

The backward formulas are written once for arrays and Tensors: under create_graph they run as
ops on x̂ and r recomputed from x, so double backward (gradient penalties) works.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from nashai.autograd import engine
from nashai.autograd.function import Function
from nashai.autograd.ops.common import constant
from nashai.autograd.tensor import Tensor

__all__ = ["batch_norm", "group_norm", "layer_norm", "rms_norm"]


def _param_axes(param_shape) -> tuple[int, ...]:
    """The axes a parameter of `param_shape` is broadcast over (its gradient sums them)."""
    return tuple(i for i, n in enumerate(param_shape) if n == 1)


def _mean(t, axes):
    """The mean over `axes`, kept as size 1, of a backend array or a Tensor."""
    if isinstance(t, Tensor):
        return t.mean(axes, keepdim=True)
    return t.mean(axis=axes, keepdims=True)


def _sum(t, axes, keepdim: bool = False):
    if isinstance(t, Tensor):
        return t.sum(axes, keepdim=keepdim)
    return t.sum(axis=axes, keepdims=keepdim)


def _standardize_grads(g, xs, rstd, weight, args, needs):
    """(dx, dγ, dβ) of y = γ ⊙ x̂ + β, x̂ = xs (in stats_shape), from the upstream g.

    Written once for backend arrays (the first-order pass) and Tensors (under create_graph,
    where x̂ and 1/σ are recomputed from x as ops, so the result can be differentiated again).
    """
    stats_shape, axes, param_shape, batch_stats, affine_shape = args
    needs_x, needs_w, needs_b = needs
    param_axes = _param_axes(param_shape)
    if tuple(axes) == param_axes:  # batch norm: the statistics are per feature, as γ and β
        return _per_feature_grads(g, xs, rstd, weight, args, needs)
    grad_x = grad_w = grad_b = None
    if needs_w:
        grad_w = _sum(g * xs.reshape(g.shape), param_axes).reshape(affine_shape)
    if needs_b:
        grad_b = _sum(g, param_axes).reshape(affine_shape)
    if needs_x:
        ghat = (g * weight.reshape(param_shape) if weight is not None else g).reshape(stats_shape)
        if batch_stats:  # μ and σ depend on x too
            ghat = ghat - _mean(ghat, axes) - xs * _mean(ghat * xs, axes)
        grad_x = (ghat * rstd).reshape(g.shape)
    return grad_x, grad_w, grad_b


def _per_feature_grads(g, xs, rstd, weight, args, needs):
    """_standardize_grads when γ is constant over the statistics' axes: then
    mean(ĝ) = γ·mean(dy) and mean(ĝ ⊙ x̂) = γ·mean(dy ⊙ x̂) = γ·dγ/M, so two reductions give
    dγ, dβ and dx = γ/σ (dy - Σdy/M - x̂ Σ(dy ⊙ x̂)/M)."""
    _, axes, param_shape, batch_stats, affine_shape = args
    needs_x, needs_w, needs_b = needs
    use_sums = batch_stats and needs_x
    sum_g = _sum(g, axes, keepdim=True) if needs_b or use_sums else None
    sum_gx = _sum(g * xs, axes, keepdim=True) if needs_w or use_sums else None
    grad_x = None
    if needs_x:
        scale = rstd * weight.reshape(param_shape) if weight is not None else rstd
        if batch_stats:
            count = math.prod(g.shape) // math.prod(sum_g.shape)
            grad_x = scale * (g - sum_g / count - xs * (sum_gx / count))
        else:
            grad_x = g * scale
    return (
        grad_x,
        sum_gx.reshape(affine_shape) if needs_w else None,
        sum_g.reshape(affine_shape) if needs_b else None,
    )


class Standardize(Function):
    """y = γ ⊙ (x - μ)/√(σ² + ε) + β over `axes` of x viewed as `stats_shape`.

    Non-tensor arguments: stats_shape and axes (where the statistics are taken), param_shape
    (γ and β broadcast to x's shape), eps, fixed (precomputed (mean, var) arrays, or None for the
    batch's own) and running ((running_mean, running_var) arrays to update in place with
    `momentum`, or None).
    """

    @staticmethod
    def forward(
        ctx, x, weight, bias, stats_shape, axes, param_shape, eps, fixed, running, momentum
    ):
        xp, a = ctx.xp, x.array.reshape(stats_shape)
        if fixed is None:
            mean = a.mean(axis=axes, keepdims=True)
            centered = a - mean
            var = (centered * centered).mean(axis=axes, keepdims=True)
        else:
            mean, var = fixed
            centered = a - mean
        rstd = 1.0 / xp.sqrt(var + eps)
        xs = centered * rstd  # x̂ in stats_shape
        if running is not None:  # running ← (1 - m)·running + m·batch, with unbiased variance
            count = a.size // mean.size
            running_mean, running_var = running
            running_mean *= 1 - momentum
            running_mean += momentum * mean.reshape(running_mean.shape)
            running_var *= 1 - momentum
            running_var += (momentum * count / max(count - 1, 1)) * var.reshape(running_var.shape)
        y = xs.reshape(x.shape)
        if weight is not None:
            y = y * weight.array.reshape(param_shape)
        if bias is not None:
            y = y + bias.array.reshape(param_shape)
        affine = weight if weight is not None else bias
        affine_shape = None if affine is None else affine.shape
        ctx.args = (stats_shape, axes, param_shape, fixed is None, affine_shape)
        ctx.stats = (eps, fixed)
        ctx.save_for_backward(xs, rstd, x, weight)
        return y

    @staticmethod
    def backward(ctx, grad):
        xs, rstd, x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad[:3]
        if engine.is_grad_enabled():  # create_graph: recompute x̂ and 1/σ from x as ops
            stats_shape, axes = ctx.args[:2]
            eps, fixed = ctx.stats
            a = x.reshape(stats_shape)
            if fixed is None:
                centered = a - _mean(a, axes)
                rstd = (_mean(centered * centered, axes) + eps).rsqrt()
            else:
                centered = a - constant(fixed[0], ctx.backend)
                rstd = constant(rstd, ctx.backend)
            grads = _standardize_grads(grad, centered * rstd, rstd, weight, ctx.args, needs)
        else:
            w = None if weight is None else weight.array
            grads = _standardize_grads(grad.array, xs, rstd, w, ctx.args, needs)
            grads = tuple(None if g is None else constant(g, ctx.backend) for g in grads)
        return grads + (None,) * 7


def _rms_grads(g, xhat, rstd, weight, axes, needs):
    """(dx, dγ) of y = γ ⊙ x̂, x̂ = x / rms(x), for arrays or Tensors (see _standardize_grads)."""
    grad_x = grad_w = None
    if needs[1]:
        grad_w = _sum(g * xhat, tuple(range(g.ndim - len(axes))))
    if needs[0]:
        ghat = g * weight if weight is not None else g
        grad_x = (ghat - xhat * _mean(ghat * xhat, axes)) * rstd
    return grad_x, grad_w


class RMSNormalize(Function):
    """y = γ ⊙ x / √(mean(x²) + ε) over the last `n` dimensions."""

    @staticmethod
    def forward(ctx, x, weight, n, eps):
        xp, a = ctx.xp, x.array
        axes = tuple(range(a.ndim - n, a.ndim))
        rstd = 1.0 / xp.sqrt((a * a).mean(axis=axes, keepdims=True) + eps)
        xhat = a * rstd
        ctx.axes, ctx.eps = axes, eps
        ctx.save_for_backward(xhat, rstd, x, weight)
        return xhat * weight.array if weight is not None else xhat

    @staticmethod
    def backward(ctx, grad):
        xhat, rstd, x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad[:2]
        if engine.is_grad_enabled():  # create_graph: recompute 1/rms from x as ops
            rstd = (_mean(x * x, ctx.axes) + ctx.eps).rsqrt()
            grads = _rms_grads(grad, x * rstd, rstd, weight, ctx.axes, needs)
        else:
            w = None if weight is None else weight.array
            grads = _rms_grads(grad.array, xhat, rstd, w, ctx.axes, needs)
            grads = tuple(None if g is None else constant(g, ctx.backend) for g in grads)
        return (*grads, None, None)


# --- checks ------------------------------------------------------------------------------------


def _check_param(name: str, label: str, param, shape: tuple, input: Tensor) -> None:
    if param is None:
        return
    if tuple(param.shape) != tuple(shape):
        raise RuntimeError(
            f"{name}: {label} must have shape {tuple(shape)}, got {tuple(param.shape)}"
        )
    if param.dtype != input.dtype:
        raise RuntimeError(
            f"{name}: input ({input.dtype}) and {label} ({param.dtype}) must have the same dtype"
        )
    if param.device != input.device:  # running statistics enter as arrays: check them here
        raise RuntimeError(
            f"{name}: expected {label} on the input's device {input.device}, but it is on "
            f"{param.device}; move it with .to(device)"
        )


def _check_float(name: str, input: Tensor) -> None:
    if input.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating-point input, got {input.dtype}")


# --- the public functions ----------------------------------------------------------------------


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation (Ioffe & Szegedy, 2015), as torch.nn.functional.batch_norm.

    y = γ (x - μ) / √(σ² + ε) + β per channel. In training, μ and σ² are the batch's (over N and
    the spatial dims, biased variance) and the running statistics, when given, are updated in
    place: running ← (1 - momentum)·running + momentum·batch, the variance unbiased (×M/(M-1)).
    Otherwise μ and σ² are running_mean and running_var.

    Args:
        input: (N, C) or (N, C, *spatial).
        running_mean, running_var: (C,) or None (then training must be True).
        weight, bias: γ and β, (C,) or None.

    Returns:
        a tensor of input's shape.
    """
    name = "batch_norm"
    _check_float(name, input)
    if input.ndim < 2:
        raise RuntimeError(
            f"{name}: expected an input of shape (N, C, ...), got {tuple(input.shape)}"
        )
    channels = input.shape[1]
    for label, param in (
        ("weight", weight),
        ("bias", bias),
        ("running_mean", running_mean),
        ("running_var", running_var),
    ):
        _check_param(name, label, param, (channels,), input)
    param_shape = (1, channels) + (1,) * (input.ndim - 2)
    axes = (0, *range(2, input.ndim))
    fixed = running = None
    if training:
        if input.numel() // channels <= 1:
            raise ValueError(
                f"{name}: expected more than 1 value per channel when training, got input of "
                f"shape {tuple(input.shape)}"
            )
        if running_mean is not None and running_var is not None:
            running = (running_mean.array, running_var.array)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(f"{name}: running_mean and running_var are needed when not training")
        fixed = (running_mean.array.reshape(param_shape), running_var.array.reshape(param_shape))
    return Standardize.apply(
        input, weight, bias, input.shape, axes, param_shape, eps, fixed, running, momentum
    )


def as_normalized_shape(normalized_shape) -> tuple[int, ...]:
    """normalized_shape (an int or a sequence of ints) as a tuple of ints."""
    if hasattr(normalized_shape, "__index__"):  # an int, or a NumPy integer
        return (normalized_shape.__index__(),)
    return tuple(n.__index__() for n in normalized_shape)


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Layer normalisation (Ba, Kiros & Hinton, 2016), as torch.nn.functional.layer_norm.

    y = γ ⊙ (x - μ) / √(σ² + ε) + β, μ and σ² (biased) over the last len(normalized_shape)
    dimensions of each sample.

    Args:
        input: (*, *normalized_shape).
        weight, bias: γ and β of shape normalized_shape, or None.

    Returns:
        a tensor of input's shape.
    """
    name = "layer_norm"
    _check_float(name, input)
    shape = as_normalized_shape(normalized_shape)
    n = len(shape)
    if tuple(input.shape[input.ndim - n :]) != shape or input.ndim < n:
        raise RuntimeError(
            f"{name}: the input of shape {tuple(input.shape)} does not end with "
            f"normalized_shape {shape}"
        )
    _check_param(name, "weight", weight, shape, input)
    _check_param(name, "bias", bias, shape, input)
    axes = tuple(range(input.ndim - n, input.ndim))
    param_shape = (1,) * (input.ndim - n) + shape
    return Standardize.apply(
        input, weight, bias, input.shape, axes, param_shape, eps, None, None, 0.0
    )


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Group normalisation (Wu & He, 2018), as torch.nn.functional.group_norm.

    The C channels are split into num_groups groups; each sample's group is standardised over
    its channels and spatial positions, then each channel gets its own γ and β.

    Args:
        input: (N, C, *spatial), C divisible by num_groups.
        weight, bias: (C,) or None.

    Returns:
        a tensor of input's shape.
    """
    name = "group_norm"
    _check_float(name, input)
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise RuntimeError(
            f"{name}: expected an input (N, C, ...) with C divisible by num_groups={num_groups}, "
            f"got shape {tuple(input.shape)}"
        )
    channels = input.shape[1]
    _check_param(name, "weight", weight, (channels,), input)
    _check_param(name, "bias", bias, (channels,), input)
    stats_shape = (input.shape[0], num_groups, -1)
    param_shape = (1, channels) + (1,) * (input.ndim - 2)
    return Standardize.apply(
        input, weight, bias, stats_shape, (2,), param_shape, eps, None, None, 0.0
    )


def rms_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """Root-mean-square normalisation (Zhang & Sennrich, 2019), as torch.nn.functional.rms_norm.

    y = γ ⊙ x / √(mean(x²) + ε), the mean over the last len(normalized_shape) dimensions; eps
    None means the machine epsilon of input's dtype, as PyTorch.

    Shapes: input (*, *normalized_shape), weight normalized_shape or None -> input's shape.
    """
    name = "rms_norm"
    _check_float(name, input)
    shape = as_normalized_shape(normalized_shape)
    n = len(shape)
    if tuple(input.shape[input.ndim - n :]) != shape or input.ndim < n:
        raise RuntimeError(
            f"{name}: the input of shape {tuple(input.shape)} does not end with "
            f"normalized_shape {shape}"
        )
    _check_param(name, "weight", weight, shape, input)
    if eps is None:
        eps = float(input._backend.xp.finfo(input.dtype).eps)
    return RMSNormalize.apply(input, weight, n, eps)
