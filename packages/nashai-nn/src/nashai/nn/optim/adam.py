"""Adam and AdamW: bias-corrected moment estimates, as torch.optim.Adam and torch.optim.AdamW."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import nashai.autograd as ag
from nashai.autograd import Tensor
from nashai.nn.optim.optimizer import Optimizer, _check_non_negative, _new_step_count

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015).

    With g_t the gradient (negated when `maximize`), β₁, β₂ the betas, λ the weight decay and
    γ the learning rate, each step t = 1, 2, ... does

        g_t ← g_t + λ θ_{t-1}              (L2 penalty; or, decoupled: θ_{t-1} ← (1 - γλ) θ_{t-1})
        m_t = β₁ m_{t-1} + (1 - β₁) g_t
        v_t = β₂ v_{t-1} + (1 - β₂) g_t²
        v̂_t = max(v̂_{t-1}, v_t)  with amsgrad (Reddi et al., ICLR 2018), else v̂_t = v_t
        θ_t = θ_{t-1} - γ / (1 - β₁ᵗ) · m_t / (√v̂_t / √(1 - β₂ᵗ) + ε)

    Per-parameter state: "step" (a 0-d tensor), "exp_avg" (m), "exp_avg_sq" (v) and, with
    amsgrad, "max_exp_avg_sq" (v̂).

    Args:
        params: the parameters, or a list of parameter-group dicts.
        lr: the learning rate γ.
        betas: (β₁, β₂), the decay rates of the first and second moment estimates.
        eps: ε, added to the denominator.
        weight_decay: λ.
        amsgrad: use the running maximum of v_t.
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: shrink the parameters directly (AdamW) instead of adding λθ to
            the gradient.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ):
        _check_non_negative("lr", lr)
        _check_non_negative("eps", eps)
        _check_non_negative("weight_decay", weight_decay)
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"betas[{i}] must be in [0, 1), got {beta!r}")
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    @ag.no_grad()
    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient; returns the closure's loss, if any."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    self._update(param, group)
        return loss

    def _update(self, param: Tensor, group: dict) -> None:
        lr, weight_decay = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        state = self.state[param]
        if not state:
            state["step"] = _new_step_count()
            state["exp_avg"] = ag.zeros_like(param)
            state["exp_avg_sq"] = ag.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = ag.zeros_like(param)
        step = state["step"].add_(1).item()

        grad = -param.grad if group["maximize"] else param.grad
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)

        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        if group["amsgrad"]:
            exp_avg_sq = state["max_exp_avg_sq"].copy_(
                ag.maximum(state["max_exp_avg_sq"], exp_avg_sq)
            )

        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(group["eps"])
        param.addcdiv_(exp_avg, denom, value=-step_size)


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay
    Regularization", ICLR 2019), θ ← (1 - γλ) θ before the Adam step.

    The arguments are Adam's, with weight_decay defaulting to 1e-2.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ):
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
