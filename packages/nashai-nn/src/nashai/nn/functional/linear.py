"""linear, embedding and dropout, as torch.nn.functional."""

from __future__ import annotations

import nashai.autograd as ag
from nashai.autograd import Tensor

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
    output = input.matmul(weight.mT if weight.ndim == 2 else weight)
    return output if bias is None else output + bias


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
