"""Int8 weight-only quantisation for inference.

Each output channel (row) i of a Linear weight W (out, in) gets a symmetric scale

    sᵢ = max_j |W_ij| / 127,    Q_ij = round(W_ij / sᵢ) ∈ [-127, 127]  (int8),

so that W ≈ diag(s) Q with |W_ij - sᵢ Q_ij| ≤ sᵢ / 2 (round to nearest). Activations stay in
float: y = (x Qᵀ) ⊙ s + b, which is x (diag(s) Q)ᵀ + b computed without materialising the float
weight's scaling. The weights take a quarter of their float32 bytes (plus one float32 per row).
See Dettmers et al., "LLM.int8()" (2022) for the setting; this is its plain absmax variant.

Tied weights: GPT shares one tensor between the token embedding `wte` and `lm_head`.
`quantize_model` leaves every Linear whose weight is also used by another module (the tied
lm_head) in float, because an int8 copy beside the float embedding would add bytes, not save them.

    model = quantize_model(model)     # every untied nn.Linear -> QuantizedLinear
    print(model_size_bytes(model))
"""

from __future__ import annotations

import nashai.autograd as ag
import nashai.nn as nn
import nashai.nn.functional as F
from nashai.autograd import Tensor

__all__ = ["QuantizedLinear", "model_size_bytes", "quantize_model", "quantize_per_channel"]

QMAX = 127


@ag.no_grad()
def quantize_per_channel(weight: Tensor) -> tuple[Tensor, Tensor]:
    """Symmetric per-row int8 quantisation of a 2-D weight (out, in).

    Returns (q, scale): q (out, in) int8 with q = round(W / s) clamped to [-127, 127], and scale
    (out,) float32 with s = max|W_row| / 127 (0 for an all-zero row, whose q is 0).
    """
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(
            f"weight must be a 2-D Tensor (out, in), got "
            f"{getattr(weight, 'shape', type(weight).__name__)}"
        )
    w = weight.detach().to(ag.float32)
    scale = w.abs().amax(dim=1) / QMAX  # (out,)
    divisor = ag.where(scale > 0, scale, ag.ones_like(scale))  # an all-zero row stays 0
    q = (w / divisor.unsqueeze(1)).round().clamp(-QMAX, QMAX).to(ag.int8)  # (out, in)
    return q, scale


class QuantizedLinear(nn.Module):
    """A Linear layer for inference whose weight is stored as int8 with a float32 scale per row.

    Buffers: weight_int8 (out, in) int8, scale (out,) float32, and bias (out,) float32 or None.
    forward: (*, in) -> (*, out), y = (x Qᵀ) ⊙ s + b. No gradients flow to the weights.
    Build one with `QuantizedLinear.from_linear(linear)`.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.register_buffer("weight_int8", ag.zeros(out_features, in_features, dtype=ag.int8))
        self.register_buffer("scale", ag.zeros(out_features, dtype=ag.float32))
        self.register_buffer("bias", ag.zeros(out_features) if bias else None)

    @classmethod
    def from_linear(cls, linear: nn.Linear) -> QuantizedLinear:
        """The int8 version of `linear` (its weight quantised per output channel)."""
        if not isinstance(linear, nn.Linear):
            raise TypeError(f"linear must be an nn.Linear, got {type(linear).__name__}")
        layer = cls(linear.in_features, linear.out_features, bias=linear.bias is not None)
        device = linear.weight.device
        q, scale = quantize_per_channel(linear.weight)
        layer.weight_int8 = q.to(device)
        layer.scale = scale.to(device)
        if linear.bias is not None:
            layer.bias = linear.bias.detach().to(ag.float32).clone()
        return layer

    def dequantize(self) -> Tensor:
        """The float32 weight diag(s) Q, (out, in)."""
        return self.weight_int8.to(ag.float32) * self.scale.unsqueeze(1)

    def forward(self, x: Tensor) -> Tensor:
        y = F.linear(x, self.weight_int8.to(x.dtype)) * self.scale.to(x.dtype)  # (*, out)
        if self.bias is not None:
            y = y + self.bias.to(x.dtype)
        return y

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


def quantize_model(model: nn.Module) -> nn.Module:
    """Replace, in place, every nn.Linear of `model` by a QuantizedLinear; returns `model`.

    A Linear whose weight tensor is also a parameter of another module (GPT's lm_head, tied to
    the token embedding wte) is left in float: quantising it would store an int8 copy beside
    the float table. Call model.eval() for inference; the quantised layers have no gradients.
    """
    owners: dict[int, int] = {}  # id(parameter) -> number of modules that hold it
    for module in model.modules():
        for param in module._parameters.values():
            if param is not None:
                owners[id(param)] = owners.get(id(param), 0) + 1
    matches = [
        (parent, name, child)
        for parent in model.modules()
        for name, child in parent.named_children()
        if isinstance(child, nn.Linear) and owners[id(child.weight)] == 1
    ]
    for parent, name, child in matches:
        setattr(parent, name, QuantizedLinear.from_linear(child))
    return model


def model_size_bytes(model: nn.Module) -> int:
    """The bytes of the model's parameters and buffers, each distinct tensor counted once
    (numel × element size)."""
    tensors = {id(t): t for t in (*model.parameters(), *model.buffers())}
    return sum(t.numel() * t.element_size() for t in tensors.values())
