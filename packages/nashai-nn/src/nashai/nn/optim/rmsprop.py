"""RMSprop: gradients divided by a running root mean square, as torch.optim.RMSprop."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import nashai.autograd as ag
from nashai.autograd import Tensor
from nashai.nn.optim.optimizer import Optimizer, _check_non_negative, _new_step_count

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton, Neural Networks for Machine Learning, lecture 6e, 2012; the centered
    form from Graves, "Generating Sequences With Recurrent Neural Networks", 2013).

    With g_t the gradient (negated when `maximize`), α the smoothing constant, λ the weight
    decay, μ the momentum and γ the learning rate, each step does

        g_t ← g_t + λ θ_{t-1}
        v_t = α v_{t-1} + (1 - α) g_t²
        d_t = √v_t + ε                         (plain)
        m_t = α m_{t-1} + (1 - α) g_t,  d_t = √(v_t - m_t²) + ε      (centered)
        b_t = μ b_{t-1} + g_t / d_t,  θ_t = θ_{t-1} - γ b_t          (μ > 0)
        θ_t = θ_{t-1} - γ g_t / d_t                                   (μ = 0)

    Per-parameter state: "step", "square_avg" (v), "momentum_buffer" (b, when μ > 0) and
    "grad_avg" (m, when centered).

    Args:
        params: the parameters, or a list of parameter-group dicts.
        lr: the learning rate γ.
        alpha: the smoothing constant α.
        eps: ε, added to the denominator.
        weight_decay: λ, the L2 penalty's coefficient (added to the gradient).
        momentum: μ.
        centered: normalise by the estimated variance of the gradient instead of its second
            moment.
        maximize: ascend the objective instead of descending it.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ):
        _check_non_negative("lr", lr)
        _check_non_negative("eps", eps)
        _check_non_negative("momentum", momentum)
        _check_non_negative("weight_decay", weight_decay)
        _check_non_negative("alpha", alpha)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    @ag.no_grad()
    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient; returns the closure's loss, if any."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            alpha, momentum = group["alpha"], group["momentum"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = _new_step_count()
                    state["square_avg"] = ag.zeros_like(param)
                    if momentum > 0:
                        state["momentum_buffer"] = ag.zeros_like(param)
                    if group["centered"]:
                        state["grad_avg"] = ag.zeros_like(param)
                state["step"].add_(1)
                grad = -param.grad if group["maximize"] else param.grad
                if group["weight_decay"] != 0:
                    grad = grad.add(param, alpha=group["weight_decay"])

                square_avg = state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
                if group["centered"]:
                    grad_avg = state["grad_avg"].lerp_(grad, 1 - alpha)
                    avg = (square_avg - grad_avg * grad_avg).sqrt()
                else:
                    avg = square_avg.sqrt()
                avg.add_(group["eps"])

                if momentum > 0:
                    buffer = state["momentum_buffer"].mul_(momentum).addcdiv_(grad, avg)
                    param.add_(buffer, alpha=-group["lr"])
                else:
                    param.addcdiv_(grad, avg, value=-group["lr"])
        return loss
