"""Scaled dot-product attention, fused into one autograd op with a hand-derived backward.

    S = Q Kᵀ · scale + M        (..., L, S)   M: the additive mask (0 or -inf, or any floats)
    P = softmax(S) along the last dim, then dropout (P ⊙ D / (1 - p), D a random 0/1 mask)
    O = P V                     (..., L, Ev)

(Vaswani et al., "Attention Is All You Need", 2017, §3.2.1.) Fused because it pays: composed
from matmul, add, softmax, dropout and matmul it would record five nodes and keep every
intermediate; as one op it keeps only Q, K, V, P (and the dropout mask), and its backward is
four matmuls:

    dV = Pᵀ dO,   dP = dO Vᵀ,   dS = P ⊙ (dP - rowsum(dP ⊙ P)),
    dQ = dS K · scale,   dK = dSᵀ Q · scale,   dM = dS

(with dropout, P in dV is the dropped-out P, and dP is multiplied by D / (1 - p) first).
"""

from __future__ import annotations

import math

from nashai.autograd import Tensor, engine
from nashai.autograd.function import Function
from nashai.autograd.ops.common import constant
from nashai.autograd.random import default_generator

__all__ = ["scaled_dot_product_attention"]


def _softmax_last_(xp, scores):
    """softmax along the last axis, stable and in place; a row whose scores are all -inf gives
    zeros (as PyTorch's fused attention kernels do), not NaN."""
    shift = scores.max(axis=-1, keepdims=True)
    scores -= xp.where(xp.isfinite(shift), shift, 0)
    probs = xp.exp(scores, out=scores)
    total = probs.sum(axis=-1, keepdims=True)
    probs /= xp.where(total > 0, total, 1)
    return probs


class ScaledDotProductAttention(Function):
    @staticmethod
    def forward(ctx, query, key, value, mask, scale, keep):
        # query (..., L, E), key (..., S, E), value (..., S, Ev), mask (..., L, S) or None,
        # keep: the dropout mask already divided by 1 - p, (..., L, S), or None
        scores = query.array @ key.array.swapaxes(-1, -2)  # (..., L, S)
        scores *= scale
        if mask is not None:
            scores = scores + mask.array  # may broadcast to more batch dims
        probs = _softmax_last_(ctx.xp, scores)
        ctx.scale = scale
        ctx.save_for_backward(query, key, value, mask, probs, keep)
        return (probs if keep is None else probs * keep) @ value.array  # (..., L, Ev)

    @staticmethod
    def backward(ctx, grad):
        if engine.is_grad_enabled():
            raise RuntimeError(
                "scaled_dot_product_attention does not support double backward "
                "(create_graph=True): its backward is computed from saved probabilities"
            )
        query, key, value, mask, probs, keep = ctx.saved_tensors
        needs_q, needs_k, needs_v, needs_mask = ctx.needs_input_grad[:4]
        grad, backend = grad.array, ctx.backend

        def reduced(array, like: Tensor) -> Tensor:  # summed over broadcast batch dims
            return constant(array, backend).sum_to_size(like.shape)

        grad_value = None
        if needs_v:  # dV = P_dropᵀ dO
            dropped = probs if keep is None else probs * keep
            grad_value = reduced(dropped.swapaxes(-1, -2) @ grad, value)
        if not (needs_q or needs_k or needs_mask):
            return None, None, grad_value, None, None, None
        grad_scores = grad @ value.array.swapaxes(-1, -2)  # dP = dO Vᵀ, (..., L, S)
        if keep is not None:
            grad_scores *= keep
        # softmax's vector-Jacobian product, in place: dS = P ⊙ (dP - Σⱼ dPⱼ Pⱼ)
        grad_scores -= (grad_scores * probs).sum(axis=-1, keepdims=True)
        grad_scores *= probs
        grad_query = grad_key = grad_mask = None
        if needs_q:  # dQ = dS K · scale
            grad_query = reduced((grad_scores @ key.array) * ctx.scale, query)
        if needs_k:  # dK = dSᵀ Q · scale
            grad_key = reduced((grad_scores.swapaxes(-1, -2) @ query.array) * ctx.scale, key)
        if needs_mask:  # dM = dS
            grad_mask = reduced(grad_scores, mask)
        return grad_query, grad_key, grad_value, grad_mask, None, None


def _additive_mask(attn_mask, query: Tensor, is_causal: bool, source_len: int):
    """The mask as floats to add to the scores (0 where attending, -inf where not), or None."""
    target_len = query.shape[-2]
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: pass attn_mask or is_causal, not both")
        xp = query._backend.xp
        allowed = xp.tril(xp.ones((target_len, source_len), dtype=bool))  # top-left aligned
        return constant(xp.where(allowed, 0.0, -xp.inf).astype(query.dtype), query._backend)
    if attn_mask is None:
        return None
    if not isinstance(attn_mask, Tensor):
        raise TypeError(f"attn_mask must be a Tensor, got {type(attn_mask).__name__}")
    if attn_mask.dtype.kind == "b":  # True: take part in attention
        xp = query._backend.xp
        array = xp.where(attn_mask.array, 0.0, -xp.inf).astype(query.dtype)
        return constant(array, query._backend)
    if attn_mask.dtype.kind != "f":
        raise TypeError(f"attn_mask must be bool or floating, got dtype {attn_mask.dtype}")
    return attn_mask if attn_mask.dtype == query.dtype else attn_mask.to(query.dtype)


def _check_shapes(query: Tensor, key: Tensor, value: Tensor) -> None:
    for name, tensor in (("query", query), ("key", key), ("value", value)):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{name} must be a Tensor, got {type(tensor).__name__}")
        if tensor.ndim < 2:
            raise ValueError(
                f"{name} must have at least 2 dims (..., seq, features), got "
                f"shape {tuple(tensor.shape)}"
            )
        if tensor.dtype.kind != "f":
            raise TypeError(f"{name} must be floating, got dtype {tensor.dtype}")
    if key.dtype != query.dtype or value.dtype != query.dtype:
        raise TypeError(
            f"query, key and value must have the same dtype, got {query.dtype}, {key.dtype} and "
            f"{value.dtype}"
        )
    if key.shape[-1] != query.shape[-1]:
        raise ValueError(
            f"key has {key.shape[-1]} features but query has {query.shape[-1]}: they must match "
            f"(query (..., L, E), key (..., S, E))"
        )
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"key has {key.shape[-2]} positions but value has {value.shape[-2]}: they must match "
            f"(key (..., S, E), value (..., S, Ev))"
        )


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
    *,
    generator=None,
) -> Tensor:
    """softmax(Q Kᵀ · scale + M) V, one fused op (see the module docstring for the backward).

    Args:
        query: (..., L, E); key: (..., S, E); value: (..., S, Ev); the leading (batch, head)
            dimensions broadcast.
        attn_mask: broadcastable to (..., L, S). Boolean: True where a query may attend to a key
            (False positions get -inf); floating: added to the scores (and differentiable).
        dropout_p: probability of zeroing an attention weight (the rest are scaled by
            1 / (1 - p)); applied whenever > 0, as in PyTorch (pass 0.0 in evaluation).
        is_causal: query i attends to keys 0..i only (the top-left lower triangle of L × S);
            cannot be combined with attn_mask.
        scale: the factor on Q Kᵀ; default 1 / √E.
        enable_gqa: grouped-query attention (Ainslie et al., 2023): key and value have
            Hkv heads in dim -3, query Hq, a multiple of Hkv; each key/value head serves
            Hq / Hkv consecutive query heads.
        generator: the nashai.autograd.Generator the dropout mask is drawn from (default: the
            global one).

    Returns:
        (..., L, Ev). A query row whose keys are all masked out gives zeros (as PyTorch).
    """
    _check_shapes(query, key, value)
    if enable_gqa:
        key, value = _repeat_heads(key, query, "key"), _repeat_heads(value, query, "value")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout_p must be in [0, 1], got {dropout_p}")
    mask = _additive_mask(attn_mask, query, is_causal, key.shape[-2])
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    shape = _scores_shape(query, key, mask)
    keep = None
    if dropout_p > 0.0:
        backend = query._backend
        if dropout_p == 1.0:
            keep = backend.xp.zeros(shape, dtype=query.dtype)
        else:
            uniform = backend.uniform(generator or default_generator, shape, query.dtype)
            keep = (uniform >= dropout_p).astype(query.dtype) / (1.0 - dropout_p)
    return ScaledDotProductAttention.apply(query, key, value, mask, scale, keep)


def _repeat_heads(tensor: Tensor, query: Tensor, name: str) -> Tensor:
    """Each of tensor's Hkv heads (dim -3) repeated Hq / Hkv times in a row, as query's Hq."""
    if tensor.ndim < 3 or query.ndim < 3:
        raise ValueError(f"enable_gqa needs a head dim (-3) in query and {name}")
    heads, kv_heads = query.shape[-3], tensor.shape[-3]
    if heads % kv_heads != 0:
        raise ValueError(
            f"enable_gqa: query's {heads} heads must be a multiple of {name}'s {kv_heads}"
        )
    *batch, _, length, features = tensor.shape
    groups = heads // kv_heads
    grouped = tensor.unsqueeze(-3).expand(*batch, kv_heads, groups, length, features)
    return grouped.reshape(*batch, heads, length, features)  # (..., Hq, S, E)


def _broadcast_shapes(name: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast of `shapes` (NumPy's rules), or a ValueError naming `name`."""
    ndim = max(len(shape) for shape in shapes)
    padded = [(1,) * (ndim - len(shape)) + tuple(shape) for shape in shapes]
    result = []
    for sizes in zip(*padded, strict=True):
        others = {size for size in sizes if size != 1}
        if len(others) > 1:
            raise ValueError(f"{name}: shapes {' and '.join(map(str, shapes))} do not broadcast")
        result.append(others.pop() if others else 1)
    return tuple(result)


def _scores_shape(query: Tensor, key: Tensor, mask) -> tuple[int, ...]:
    """The shape (..., L, S) of the attention scores, checking that the mask broadcasts to it."""
    batch = _broadcast_shapes("query and key batch dims", query.shape[:-2], key.shape[:-2])
    shape = (*batch, query.shape[-2], key.shape[-2])
    if mask is not None:
        full = _broadcast_shapes("attn_mask and the scores (..., L, S)", mask.shape, shape)
        if full != shape:
            raise ValueError(
                f"attn_mask of shape {tuple(mask.shape)} must broadcast to the scores' shape "
                f"(..., L, S) = {shape}"
            )
    return shape
