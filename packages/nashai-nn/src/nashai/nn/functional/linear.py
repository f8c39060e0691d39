"""linear, embedding and dropout, as torch.nn.functional.

linear is one fused op (matmul and bias add, with a hand-written backward): a training step
records one node per layer instead of three (transpose, matmul, add), and the weight's gradient
comes out in the weight's own layout, so it is stored without a copy.
"""

from __future__ import annotations

import nashai.autograd as ag
from nashai.autograd import Function, Tensor

__all__ = ["dropout", "embedding", "linear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b.

    Shapes: input (*, in_features), weight (out_features, in_features), bias (out_features,)
    -> (*, out_features).
    """
    if input.shape[-1:] != weight.shape[-1:]:
        raise ValueError(
            f"linear: input has {input.shape[-1] if input.ndim else 0} features in its last "
            f"dimension (shape {tuple(input.shape)}), but the weight of shape "
            f"{tuple(weight.shape)} expects {weight.shape[-1]}"
        )
    if weight.ndim != 2 or input.ndim == 0:
        output = input.matmul(weight.mT if weight.ndim == 2 else weight)
        return output if bias is None else output + bias
    if input.dtype != weight.dtype or (bias is not None and bias.dtype != weight.dtype):
        raise RuntimeError(
            f"linear: input, weight and bias must have the same dtype, got {input.dtype}, "
            f"{weight.dtype} and {None if bias is None else bias.dtype}; convert with .to(dtype)"
        )
    return _Linear.apply(input, weight, bias)


class _Linear(Function):
    """y = x Wᵀ + b as one node. Backward (with g = dL/dy, leading dimensions flattened):
    dx = g W, dW = gᵀ x, db = Σ_rows g; written with Tensor ops, so it differentiates again."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        output = x.array @ weight.array.T  # (*, out_features), a fresh array
        if bias is not None:
            output += bias.array
        return output

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        rows = grad.reshape(-1, grad.shape[-1])  # (M, out_features)
        return (
            grad.matmul(weight) if needs_x else None,  # (*, in_features)
            rows.mT.matmul(x.reshape(-1, x.shape[-1])) if needs_weight else None,
            rows.sum(0) if needs_bias else None,
        )


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of `weight` picked by the indices in `input`: out[..., :] = weight[input[...], :].

    The gradient of a row is the sum of the gradients of every position that picked it; the
    row `padding_idx` gets no gradient (its positions are cut from the graph).
    Shapes: input (*) integers in [0, num_embeddings), weight (num_embeddings, embedding_dim)
    -> (*, embedding_dim).
    """
    if input.dtype.kind not in "iu":
        raise TypeError(f"embedding: input must hold integer indices, got dtype {input.dtype}")
    num_embeddings = weight.shape[0]
    if input.numel() and not (
        int(input.min().item()) >= 0 and int(input.max().item()) < num_embeddings
    ):
        raise IndexError(
            f"embedding: indices must be in [0, {num_embeddings}), got values from "
            f"{int(input.min().item())} to {int(input.max().item())}"
        )
    output = weight[input]  # (*, embedding_dim)
    if padding_idx is None:
        return output
    if padding_idx < 0:
        padding_idx += num_embeddings
    padding = (input == padding_idx).unsqueeze(-1)
    return ag.where(padding, output.detach(), output)


def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    generator: ag.Generator | None = None,
) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1 - p) (Srivastava et
    al., 2014), so the expected value is unchanged; the identity when not training or p = 0.

    `generator` (a nashai extension) makes the mask reproducible. `inplace` is accepted for
    PyTorch compatibility; the result is a new tensor.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = ag.rand(input.shape, generator=generator, dtype=input.dtype, device=input.device) >= p
    return input * (keep.to(input.dtype) * (1.0 / (1.0 - p)))
