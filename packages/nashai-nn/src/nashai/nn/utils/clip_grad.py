"""Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_."""

from __future__ import annotations

import math
from collections.abc import Iterable

import nashai.autograd as ag
from nashai.autograd import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


@ag.no_grad()
def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale the gradients in place so that their joint norm is at most max_norm.

    The joint norm is the p-norm of all gradients taken as one vector (p = norm_type, which may
    be inf), computed as PyTorch does: the p-norm of the per-parameter p-norms. Every gradient
    is multiplied by min(1, max_norm / (norm + 1e-6)) (Pascanu, Mikolov & Bengio, "On the
    difficulty of training recurrent neural networks", ICML 2013). Parameters without a
    gradient are skipped.

    Args:
        parameters: a Tensor or an iterable of Tensors whose .grad to clip.
        max_norm: the largest joint norm allowed.
        norm_type: p, a positive number or inf (math.inf, or "inf").
        error_if_nonfinite: raise RuntimeError when the joint norm is nan or ±inf, instead of
            scaling the gradients by it.

    Returns:
        The joint norm before clipping, a 0-d tensor.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return ag.tensor(0.0)
    device = grads[0].device
    norms = ag.stack([_vector_norm(grad, norm_type).to(device) for grad in grads])
    total_norm = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not bool(ag.isfinite(total_norm)):
        raise RuntimeError(
            f"the total norm of order {norm_type} of the gradients is non-finite "
            f"({total_norm.item()}), so it cannot be clipped; pass error_if_nonfinite=False "
            f"to scale the gradients by it anyway"
        )
    clip_coef = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
    for grad in grads:
        grad.mul_(clip_coef.to(grad.device, grad.dtype))
    return total_norm


@ag.no_grad()
def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient in place to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for grad in _grads(parameters):
        grad.clamp_(-clip_value, clip_value)


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [param.grad for param in parameters if param.grad is not None]


def _vector_norm(x: Tensor, p: float) -> Tensor:
    """‖x‖_p over all entries: (Σ |x_i|^p)^(1/p); max |x_i| for p = inf, min for -inf; the
    number of non-zeros for p = 0."""
    if p == math.inf:
        return x.abs().amax()
    if p == -math.inf:
        return x.abs().amin()
    if p == 0:
        return (x != 0).sum().to(x.dtype)
    if p == 1:
        return x.abs().sum()
    if p == 2:
        return (x * x).sum().sqrt()
    return (x.abs() ** p).sum() ** (1.0 / p)
