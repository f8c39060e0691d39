"""Adagrad: per-coordinate step sizes from summed squared gradients, as torch.optim.Adagrad."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import nashai.autograd as ag
from nashai.autograd import Tensor
from nashai.nn.optim.optimizer import Optimizer, _check_non_negative, _new_step_count

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and
    Stochastic Optimization", JMLR 2011).

    With g_t the gradient (negated when `maximize`), λ the weight decay and η the lr decay,
    each step t = 1, 2, ... does

        g_t ← g_t + λ θ_{t-1}
        γ_t = γ / (1 + (t - 1) η)
        s_t = s_{t-1} + g_t²                  (s_0 = initial_accumulator_value)
        θ_t = θ_{t-1} - γ_t g_t / (√s_t + ε)

    Per-parameter state: "step" (a 0-d tensor) and "sum" (s_t, the parameter's shape), made
    for every parameter at construction, as PyTorch does.

    Args:
        params: the parameters, or a list of parameter-group dicts.
        lr: the learning rate γ.
        lr_decay: η.
        weight_decay: λ, the L2 penalty's coefficient (added to the gradient).
        initial_accumulator_value: s_0.
        eps: ε, added to the denominator.
        maximize: ascend the objective instead of descending it.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ):
        _check_non_negative("lr", lr)
        _check_non_negative("lr_decay", lr_decay)
        _check_non_negative("weight_decay", weight_decay)
        _check_non_negative("initial_accumulator_value", initial_accumulator_value)
        _check_non_negative("eps", eps)
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                self._init_state(param, group)

    def _init_state(self, param: Tensor, group: dict) -> None:
        state = self.state[param]
        state["step"] = _new_step_count()
        state["sum"] = ag.full_like(param, group["initial_accumulator_value"])

    @ag.no_grad()
    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient; returns the closure's loss, if any."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if not self.state.get(param):  # a group added after construction
                    self._init_state(param, group)
                state = self.state[param]
                step = state["step"].add_(1).item()
                grad = -param.grad if group["maximize"] else param.grad
                if group["weight_decay"] != 0:
                    grad = grad.add(param, alpha=group["weight_decay"])
                lr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
                state["sum"].addcmul_(grad, grad, value=1)
                std = state["sum"].sqrt().add_(group["eps"])
                param.addcdiv_(grad, std, value=-lr)
        return loss
