"""Stochastic gradient descent with (heavy-ball or Nesterov) momentum, as torch.optim.SGD."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import nashai.autograd as ag
from nashai.autograd import Tensor
from nashai.nn.optim.optimizer import Optimizer, _check_non_negative

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum and weight decay.

    With g_t the gradient (negated when `maximize`), λ the weight decay, μ the momentum,
    τ the dampening and γ the learning rate, each step does

        g_t ← g_t + λ θ_{t-1}
        b_t ← g_t                          (first step)
        b_t ← μ b_{t-1} + (1 - τ) g_t      (later steps)
        g_t ← g_t + μ b_t   if nesterov,   else   g_t ← b_t      (when μ ≠ 0)
        θ_t ← θ_{t-1} - γ g_t

    This is PyTorch's form, where momentum scales the buffer rather than the step (Sutskever
    et al., "On the importance of initialization and momentum in deep learning", ICML 2013,
    for the Nesterov variant). Per-parameter state: "momentum_buffer" (when μ ≠ 0).

    Args:
        params: the parameters, or a list of parameter-group dicts.
        lr: the learning rate γ.
        momentum: the momentum factor μ (0 for plain SGD).
        dampening: τ, the fraction of the gradient left out of the momentum buffer.
        weight_decay: λ, the L2 penalty's coefficient (added to the gradient).
        nesterov: use Nesterov momentum (needs μ > 0 and τ = 0).
        maximize: ascend the objective instead of descending it.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ):
        _check_non_negative("lr", lr)
        _check_non_negative("momentum", momentum)
        _check_non_negative("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                f"nesterov momentum needs momentum > 0 and dampening = 0, got momentum="
                f"{momentum!r} and dampening={dampening!r}"
            )
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    @ag.no_grad()
    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient; returns the closure's loss, if any."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, momentum = group["lr"], group["momentum"]
            weight_decay, dampening = group["weight_decay"], group["dampening"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = -param.grad if group["maximize"] else param.grad
                if weight_decay != 0:
                    grad = grad.add(param, alpha=weight_decay)
                if momentum != 0:
                    state = self.state[param]
                    buffer = state.get("momentum_buffer")
                    if buffer is None:
                        buffer = state["momentum_buffer"] = grad.detach().clone()
                    else:
                        buffer.mul_(momentum).add_(grad, alpha=1 - dampening)
                    grad = grad.add(buffer, alpha=momentum) if group["nesterov"] else buffer
                param.add_(grad, alpha=-lr)
        return loss
