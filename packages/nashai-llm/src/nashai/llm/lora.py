"""LoRA: low-rank adaptation of a frozen Linear layer (Hu et al., "LoRA: Low-Rank Adaptation of
Large Language Models", 2021).

A frozen weight W (out, in) is adapted by a trainable low-rank update ΔW = (α / r) B A with
A (r, in) and B (out, r), r ≪ min(in, out):

    y = x Wᵀ + b + (α / r) · dropout(x) Aᵀ Bᵀ

A starts kaiming-uniform and B at zero, so an adapted model starts equal to its base. After
training, `merge()` folds ΔW into W and gives back a plain Linear with no extra cost at inference.

    apply_lora(model, rank=8, alpha=16, target=("c_attn",))   # every other weight frozen
    optimizer = nn.optim.AdamW(lora_parameters(model), lr=1e-3)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import nashai.autograd as ag
import nashai.nn as nn
from nashai.autograd import Tensor

__all__ = ["LoRALinear", "apply_lora", "lora_parameters"]


class LoRALinear(nn.Module):
    """A Linear layer with a frozen base and a trainable rank-r update.

    Args:
        base: the nn.Linear to adapt; its weight and bias are frozen (requires_grad=False).
        rank: r, the rank of the update (a positive integer).
        alpha: the scale numerator: the update is multiplied by α / r.
        dropout: dropout probability on the input of the low-rank branch.

    Parameters: lora_A (r, in_features) ~ kaiming-uniform (a = √5, as nn.Linear), lora_B
    (out_features, r) = 0. Shapes: (*, in_features) -> (*, out_features).
    """

    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float = 0.0):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"base must be an nn.Linear, got {type(base).__name__}")
        if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            raise ValueError(f"rank must be a positive integer, got {rank!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.base = base
        base.requires_grad_(False)
        self.rank = rank
        self.alpha = alpha
        self.scaling = alpha / rank
        weight = base.weight
        self.lora_A = nn.Parameter(
            ag.empty(rank, base.in_features, dtype=weight.dtype, device=weight.device)
        )
        self.lora_B = nn.Parameter(
            ag.zeros(base.out_features, rank, dtype=weight.dtype, device=weight.device)
        )
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.lora_dropout = nn.Dropout(dropout)

    @property
    def in_features(self) -> int:
        return self.base.in_features

    @property
    def out_features(self) -> int:
        return self.base.out_features

    def forward(self, x: Tensor) -> Tensor:
        update = self.lora_dropout(x) @ self.lora_A.t() @ self.lora_B.t()  # (*, r) -> (*, out)
        return self.base(x) + update * self.scaling

    @ag.no_grad()
    def merge(self) -> nn.Linear:
        """A new plain nn.Linear with weight W + (α / r) B A and the base's bias."""
        weight = self.base.weight
        merged = nn.Linear(
            self.in_features,
            self.out_features,
            bias=self.base.bias is not None,
            device=weight.device,
            dtype=weight.dtype,
        )
        merged.weight.copy_(weight + (self.lora_B @ self.lora_A) * self.scaling)
        if self.base.bias is not None:
            merged.bias.copy_(self.base.bias)
        return merged

    def extra_repr(self) -> str:
        return f"rank={self.rank}, alpha={self.alpha}"


def apply_lora(
    model: nn.Module,
    rank: int,
    alpha: float,
    target: Iterable[str] = ("c_attn",),
    dropout: float = 0.0,
) -> nn.Module:
    """Replace, in place, every nn.Linear of `model` whose attribute name is in `target` by a
    LoRALinear around it, and freeze every other parameter; returns `model`.

    `target` holds submodule names (the last part of a dotted path, e.g. "c_attn", "c_proj");
    a Linear reached under one of those names is wrapped. Raises ValueError if none matched.
    """
    target = tuple(target)
    model.requires_grad_(False)
    matches = [
        (parent, name, child)
        for _, parent in model.named_modules()
        for name, child in parent.named_children()
        if name in target and isinstance(child, nn.Linear)
    ]
    if not matches:
        raise ValueError(f"target {target!r} names no nn.Linear submodule of the model")
    for parent, name, child in matches:
        setattr(parent, name, LoRALinear(child, rank, alpha, dropout))
    return model


def lora_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The lora_A and lora_B parameters of every LoRALinear in `model` (what the optimiser
    trains)."""
    return [
        param
        for module in model.modules()
        if isinstance(module, LoRALinear)
        for param in (module.lora_A, module.lora_B)
    ]
