"""Loss functions, as torch.nn.functional: mse_loss, l1_loss, huber_loss, smooth_l1_loss,
binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, nll_loss, kl_div.

Every loss takes `reduction`: "none" (the per-element losses), "mean" or "sum".

cross_entropy is one fused op: log_softmax, the pick of the target class and the reduction run
in one forward on arrays, and the backward is the closed form ∂ℓ/∂z = softmax(z)·Σq - q
(q the target weights per class, below), so a classifier's loss keeps one array (the
probabilities) instead of the five of the composed version. The others are composed from
autograd ops (each is a few elementwise ops whose gradients autograd already has).
"""

from __future__ import annotations

import math

import nashai.autograd as ag
from nashai.autograd import Function, Tensor
from nashai.autograd.ops.common import constant

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: str, allowed=_REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(f"reduction must be one of {allowed}, got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    _check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_same_shape(name: str, input: Tensor, target: Tensor) -> None:
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"{name}: target has shape {tuple(target.shape)}, but input has shape "
            f"{tuple(input.shape)}; they must be the same"
        )


# --- regression losses ---------------------------------------------------------------------------


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """(x - y)² elementwise, then reduced. Shapes: input and target broadcast together."""
    _check_reduction(reduction)
    return _reduce((input - target).square(), reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """|x - y| elementwise, then reduced."""
    _check_reduction(reduction)
    return _reduce((input - target).abs(), reduction)


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0
) -> Tensor:
    """Huber (1964): d²/2 where |d| < δ, else δ (|d| - δ/2), with d = x - y."""
    _check_reduction(reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    diff = input - target
    size = diff.abs()
    loss = ag.where(size < delta, 0.5 * diff.square(), delta * (size - 0.5 * delta))
    return _reduce(loss, reduction)


def smooth_l1_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """d²/(2β) where |d| < β, else |d| - β/2, with d = x - y (huber_loss / β; L1 at β = 0)."""
    _check_reduction(reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    diff = input - target
    size = diff.abs()
    if beta == 0:
        return _reduce(size, reduction)
    loss = ag.where(size < beta, (0.5 / beta) * diff.square(), size - 0.5 * beta)
    return _reduce(loss, reduction)


# --- binary classification -----------------------------------------------------------------------


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, reduction: str = "mean"
) -> Tensor:
    """-w [y log x + (1 - y) log(1 - x)], with each log clamped to ≥ -100 as in PyTorch.

    Shapes: input (probabilities in [0, 1]) and target the same shape; weight broadcasts.
    """
    _check_reduction(reduction)
    _check_same_shape("binary_cross_entropy", input, target)
    if input.numel() and not bool(((input >= 0) & (input <= 1)).all()):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1")
    log_x = input.log().clamp(min=-100)
    log_1mx = (1 - input).log().clamp(min=-100)
    loss = -(target * log_x + (1 - target) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """binary_cross_entropy(σ(x), y) without forming σ(x):

        ℓ = (1 - y) x + (1 + (p - 1) y) log(1 + e⁻ˣ),     p = pos_weight (default 1),

    with log(1 + e⁻ˣ) = max(-x, 0) + log(1 + e^(-|x|)), which never overflows. pos_weight
    (one per class, broadcast over the last dimension) weighs the positive examples.
    """
    _check_reduction(reduction)
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    log1p_exp_neg = ag.softplus(-input, threshold=math.inf)  # log(1 + e⁻ˣ), stable
    if pos_weight is None:
        loss = (1 - target) * input + log1p_exp_neg
    else:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * log1p_exp_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# --- multi-class classification -----------------------------------------------------------------


def _class_shape(ndim: int, classes: int) -> tuple[int, ...]:
    """Shape (1, C, 1, ...) that broadcasts a per-class vector over (N, C, d1, ...)."""
    return (1, classes) + (1,) * (ndim - 2)


class _CrossEntropy(Function):
    """Fused log_softmax + weighted pick + reduction over dim 1 of (N, C, d1, ...).

    With per-position class weights q (N, C, d...), the loss at a position is
        ℓ = -Σ_c q_c log softmax(z)_c,
    class indices y: q_c = (1 - ε) w_y [c = y] + (ε/C) w_c   (0 where y = ignore_index),
    probabilities t: q_c = ((1 - ε) t_c + ε/C) w_c,
    and since Σ_c ∂(log softmax(z)_c)/∂z_k q_c = q_k - softmax(z)_k Σ_c q_c,
        ∂ℓ/∂z = softmax(z) Σ_c q_c - q,        ∂ℓ/∂t_c = -(1 - ε) w_c log softmax(z)_c.
    "mean" divides by Σ w_y over non-ignored positions (indices) or by the number of positions
    (probabilities), as PyTorch. Only softmax(z) is kept for backward; for class indices the
    one-hot part of q is subtracted at the target entries alone, never formed densely.
    """

    @staticmethod
    def forward(ctx, input, target, weight, ignore_index, label_smoothing, reduction):
        xp, z = ctx.xp, input.array
        classes = z.shape[1]
        shifted = z - z.max(axis=1, keepdims=True)  # ≤ 0, so exp never overflows
        probs = xp.exp(shifted)
        total = probs.sum(axis=1, keepdims=True)
        log_total = xp.log(total)  # log Σ e^shifted: log softmax = shifted - log_total
        probs /= total
        w = None if weight is None else weight.array.reshape(_class_shape(z.ndim, classes))
        ctx.reduction, ctx.eps, ctx.classes, ctx.w = reduction, label_smoothing, classes, w
        ctx.indices = target.dtype.kind in "iu"
        if ctx.indices:
            loss = _indices_forward(ctx, xp, shifted, log_total, target.array, w, ignore_index)
            ctx.count = ctx.target_weight.sum()
        else:
            log_probs = shifted - log_total
            eps = label_smoothing
            q = target.array * (1 - eps) + eps / classes if eps else target.array
            ctx.q = q if w is None else q * w
            ctx.q_sum = ctx.q.sum(axis=1)
            loss = -(ctx.q * log_probs).sum(axis=1)
            ctx.count = loss.size
            if ctx.needs_input_grad[1]:
                ctx.log_probs = log_probs
        ctx.probs = probs
        if reduction == "none":
            return loss
        loss_sum = loss.sum()
        return loss_sum / ctx.count if reduction == "mean" else loss_sum

    @staticmethod
    def backward(ctx, grad):
        if ag.is_grad_enabled():
            raise NotImplementedError("cross_entropy does not support double backward")
        xp = ctx.xp
        g = grad.array  # (N, d...) for "none", else a scalar
        if ctx.reduction == "mean":
            g = g / ctx.count
        if ctx.indices:
            grad_input = _indices_backward(ctx, xp, g)
        else:
            g = xp.expand_dims(g, 1) if ctx.reduction == "none" else g
            grad_input = g * (ctx.probs * xp.expand_dims(ctx.q_sum, 1) - ctx.q)
        grad_target = None
        if ctx.needs_input_grad[1]:
            g = xp.expand_dims(grad.array, 1) if ctx.reduction == "none" else g
            scale = -(1 - ctx.eps) * ctx.log_probs * (1 if ctx.w is None else ctx.w)
            grad_target = constant(g * scale, ctx.backend)
        return constant(grad_input, ctx.backend), grad_target, None, None, None, None


def _indices_forward(ctx, xp, shifted, log_total, target, w, ignore_index):
    """ℓ per position (N, d...) for class-index targets; keeps what backward needs on ctx."""
    classes, eps = ctx.classes, ctx.eps
    valid = target != ignore_index
    safe = xp.where(valid, target, 0)
    if safe.size and (int(safe.min()) < 0 or int(safe.max()) >= classes):
        bad = target[valid & ((target < 0) | (target >= classes))]
        raise IndexError(
            f"cross_entropy: target {int(bad.reshape(-1)[0])} is out of bounds for "
            f"{classes} classes (expected values in [0, {classes}) or ignore_index "
            f"{ignore_index})"
        )
    valid_f = valid.astype(shifted.dtype)
    target_weight = valid_f if w is None else w.reshape(-1)[safe] * valid_f  # w_y, (N, d...)
    log_total = log_total.squeeze(1)
    picked = xp.take_along_axis(shifted, xp.expand_dims(safe, 1), axis=1).squeeze(1)
    loss = -(1 - eps) * target_weight * (picked - log_total)
    q_sum = (1 - eps) * target_weight
    if eps:  # Σ_c w_c log softmax_c = Σ_c w_c shifted_c - log_total Σ_c w_c
        class_total = classes if w is None else w.sum()
        weighted = shifted.sum(axis=1) if w is None else (shifted * w).sum(axis=1)
        loss = loss - (eps / classes) * (weighted - log_total * class_total) * valid_f
        q_sum = q_sum + (eps / classes) * class_total * valid_f
    ctx.safe, ctx.valid_f, ctx.target_weight, ctx.q_sum = safe, valid_f, target_weight, q_sum
    return loss


def _indices_backward(ctx, xp, g):
    """softmax(z) Σq - q for class-index targets, scaled by the upstream gradient g."""
    grad = ctx.probs * xp.expand_dims(g * ctx.q_sum, 1)  # (N, C, d...)
    # minus (1 - ε) w_y g at the target entries: flat index of (n, y, d) in (N, C, D)
    safe = ctx.safe
    positions = safe.size
    per_sample = positions // safe.shape[0] if positions else 1  # D = ∏ d
    p = xp.arange(positions)
    flat = ((p // per_sample) * ctx.classes + safe.reshape(-1)) * per_sample + p % per_sample
    at_target = xp.broadcast_to((1 - ctx.eps) * g * ctx.target_weight, safe.shape)
    grad.reshape(-1)[flat] -= at_target.reshape(-1)
    if ctx.eps:
        w = 1 if ctx.w is None else ctx.w
        grad -= (ctx.eps / ctx.classes) * w * xp.expand_dims(g * ctx.valid_f, 1)
    return grad


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between softmax(input) over dim 1 and the target (one fused op).

    Args:
        input: logits (N, C), (N, C, d1, ...) or unbatched (C,).
        target: class indices (N,), (N, d1, ...) or () (integers in [0, C) or ignore_index), or
            class probabilities of input's shape.
        weight: (C,) rescales each class's loss.
        ignore_index: positions with this target contribute nothing (class indices only).
        reduction: "none" -> (N, d1, ...); "mean" -> the weighted mean; "sum".
        label_smoothing: ε in [0, 1]: the target becomes (1 - ε) · target + ε / C
            (Szegedy et al., 2016).
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if input.dtype.kind != "f":
        raise TypeError(f"cross_entropy: input must hold floating logits, got dtype {input.dtype}")
    if input.ndim == 0:
        raise ValueError("cross_entropy: input must have at least 1 dimension (the classes)")
    unbatched = input.ndim == 1
    if unbatched:
        input, target = input.unsqueeze(0), target.unsqueeze(0)
    classes = input.shape[1]
    if target.dtype.kind in "iu":
        expected = (input.shape[0], *tuple(input.shape[2:]))
        if tuple(target.shape) != expected:
            raise ValueError(
                f"cross_entropy: class-index target must have shape {expected} for input of "
                f"shape {tuple(input.shape)}, got {tuple(target.shape)}"
            )
    elif target.dtype.kind == "f":
        _check_same_shape("cross_entropy (probability target)", input, target)
        target = target.to(input.dtype)
    else:
        raise TypeError(f"cross_entropy: target must be integer or floating, got {target.dtype}")
    if weight is not None:
        if tuple(weight.shape) != (classes,):
            raise ValueError(
                f"cross_entropy: weight must have shape ({classes},), got {tuple(weight.shape)}"
            )
        if weight.requires_grad and ag.is_grad_enabled():
            raise NotImplementedError("cross_entropy: gradients with respect to weight")
        weight = weight.detach().to(input.dtype)
    loss = _CrossEntropy.apply(
        input, target, weight, int(ignore_index), float(label_smoothing), reduction
    )
    return loss.squeeze(0) if unbatched and reduction == "none" else loss


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of the target class: ℓ = -w_y input[y], given log-probabilities.

    "mean" divides by Σ w_y over the positions whose target is not ignore_index.
    Shapes: input (N, C), (N, C, d1, ...) or (C,); target (N,), (N, d1, ...) or ().
    """
    _check_reduction(reduction)
    if target.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: target must hold class indices, got dtype {target.dtype}")
    unbatched = input.ndim == 1
    if unbatched:
        input, target = input.unsqueeze(0), target.unsqueeze(0)
    expected = (input.shape[0], *tuple(input.shape[2:]))
    if tuple(target.shape) != expected:
        raise ValueError(
            f"nll_loss: target must have shape {expected} for input of shape "
            f"{tuple(input.shape)}, got {tuple(target.shape)}"
        )
    classes = input.shape[1]
    valid = target != ignore_index
    safe = ag.where(valid, target, 0)
    if safe.numel() and (int(safe.min().item()) < 0 or int(safe.max().item()) >= classes):
        raise IndexError(f"nll_loss: target values must be in [0, {classes}) or ignore_index")
    picked = input.gather(1, safe.unsqueeze(1)).squeeze(1)  # (N, d...)
    target_weight = valid.to(input.dtype) if weight is None else weight[safe] * valid
    loss = -target_weight * picked
    if reduction == "mean":
        return loss.sum() / target_weight.sum()
    if reduction == "sum":
        return loss.sum()
    return loss.squeeze(0) if unbatched else loss


def kl_div(
    input: Tensor, target: Tensor, reduction: str = "mean", log_target: bool = False
) -> Tensor:
    """Kullback-Leibler divergence pointwise, with input = log q:

        ℓ = y (log y - input)       (0 where y = 0),  or  e^y (y - input) if log_target.

    reduction "batchmean" divides the sum by the batch size (the true KL per sample); "mean"
    averages over every element, as PyTorch.
    """
    _check_reduction(reduction, (*_REDUCTIONS, "batchmean"))
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target > 0
        log_target_values = ag.where(positive, target, 1.0).log()
        loss = ag.where(positive, target * log_target_values, 0.0) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)
