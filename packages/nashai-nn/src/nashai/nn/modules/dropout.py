"""Dropout, as torch.nn.Dropout."""

from __future__ import annotations

from nashai.autograd import Tensor
from nashai.nn.functional.linear import dropout
from nashai.nn.module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """In training mode, zero each element with probability p and scale the rest by 1/(1 - p);
    in eval mode, the identity (Srivastava et al., 2014). Shapes: any -> the same.

    Args:
        p: the probability of zeroing an element, in [0, 1].
        inplace: accepted for PyTorch compatibility; the result is a new tensor.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
