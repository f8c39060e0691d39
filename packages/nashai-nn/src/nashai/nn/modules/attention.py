"""MultiheadAttention, with PyTorch's arguments, parameter names and mask conventions, so a
PyTorch layer's state_dict loads unchanged.

    MultiHead(Q, K, V) = Concat(head_1, ..., head_h) W_O,
    head_i = softmax(Q W_Qi (K W_Ki)ᵀ / √d + M) V W_Vi,   d = embed_dim / num_heads

(Vaswani et al., "Attention Is All You Need", 2017, §3.2.2.) The projections W_Q, W_K, W_V are
stacked in `in_proj_weight` (3·E, E) (or held apart as q/k/v_proj_weight when kdim or vdim
differ from embed_dim), W_O is `out_proj`.
"""

from __future__ import annotations

import math

import nashai.autograd as ag
from nashai.autograd import Tensor
from nashai.nn import init
from nashai.nn.functional.attention import scaled_dot_product_attention
from nashai.nn.functional.linear import dropout, linear
from nashai.nn.module import Module, Parameter
from nashai.nn.modules.linear import Linear

__all__ = ["MultiheadAttention"]


class MultiheadAttention(Module):
    """Attention from `num_heads` heads in parallel, each of size embed_dim // num_heads.

    Args:
        embed_dim: E, the model's width (the size of a query and of the output).
        num_heads: h; must divide embed_dim.
        dropout: probability of dropping an attention weight (training only).
        bias: whether the input and output projections have biases.
        add_bias_kv: learn one more key and value (bias_k, bias_v) appended to the sequence.
        add_zero_attn: append a zero key and value to the sequence (after the projections).
        kdim, vdim: the feature sizes of key and value (default embed_dim).
        batch_first: inputs and output are (N, L, E) instead of (L, N, E).

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (attn_output, attn_weights):
        query (L, N, E), key (S, N, kdim), value (S, N, vdim) (batch_first: N first; or
        unbatched (L, E), ...). key_padding_mask (N, S): True (or -inf) for keys to ignore.
        attn_mask (L, S) or (N·h, L, S): True (or -inf) where a query may NOT attend; floats are
        added to the scores. attn_output has query's layout; attn_weights (N, L, S) averaged
        over the heads, or (N, h, L, S), or None when need_weights=False (then the fused
        scaled_dot_product_attention runs; a query whose keys are all masked gets zeros there,
        NaN in the need_weights path, as in PyTorch).
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        for name, value in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if embed_dim % num_heads != 0:
            raise ValueError(
                f"embed_dim must be divisible by num_heads, got embed_dim={embed_dim} and "
                f"num_heads={num_heads}"
            )
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1], got {dropout!r}")
        self.embed_dim = embed_dim
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = float(dropout)
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        self.add_zero_attn = add_zero_attn

        def empty(*shape: int) -> Parameter:
            return Parameter(ag.empty(*shape, dtype=dtype, device=device))

        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty(3 * embed_dim, embed_dim)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = empty(embed_dim, embed_dim)
            self.k_proj_weight = empty(embed_dim, self.kdim)
            self.v_proj_weight = empty(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = empty(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k = empty(1, 1, embed_dim)
            self.bias_v = empty(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's init: Xavier-uniform projections, zero biases, Xavier-normal bias_k/v."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        if is_causal and attn_mask is None:
            raise RuntimeError(
                "MultiheadAttention: is_causal is a hint that attn_mask is causal; pass the "
                "causal attn_mask too (as PyTorch)"
            )
        batched = self._check_inputs(query, key, value)
        if not batched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        if not self.batch_first or not batched:  # (L, N, E) -> (N, L, E)
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        batch, target_len = query.shape[0], query.shape[1]
        heads, head_dim = self.num_heads, self.head_dim

        q, k, v = self._project(query, key, value)  # (N, L, E), (N, S, E), (N, S, E)
        if self.bias_k is not None:  # one more learned key and value at the end
            k = ag.cat([k, self.bias_k.expand(batch, 1, self.embed_dim)], 1)
            v = ag.cat([v, self.bias_v.expand(batch, 1, self.embed_dim)], 1)
            attn_mask, key_padding_mask = _pad_masks(attn_mask, key_padding_mask)
        q = q.reshape(batch, target_len, heads, head_dim).transpose(1, 2)  # (N, h, L, d)
        k = k.reshape(batch, -1, heads, head_dim).transpose(1, 2)  # (N, h, S, d)
        v = v.reshape(batch, -1, heads, head_dim).transpose(1, 2)
        if self.add_zero_attn:  # one more all-zero key and value at the end
            zero = ag.zeros(batch, heads, 1, head_dim, dtype=q.dtype, device=q.device)
            k, v = ag.cat([k, zero], 2), ag.cat([v, zero], 2)
            attn_mask, key_padding_mask = _pad_masks(attn_mask, key_padding_mask)
        mask = self._merged_mask(attn_mask, key_padding_mask, q, batch, k.shape[2])

        dropout_p = self.dropout if self.training else 0.0
        weights = None
        if need_weights:  # the weights are asked for: compose the steps to keep them
            scores = (q * (1.0 / math.sqrt(head_dim))) @ k.mT  # (N, h, L, S)
            if mask is not None:
                scores = scores + mask
            weights = dropout(scores.softmax(-1), dropout_p, training=dropout_p > 0)
            out = weights @ v  # (N, h, L, d)
            if average_attn_weights:
                weights = weights.mean(1)  # (N, L, S)
            if not batched:
                weights = weights.squeeze(0)
        else:
            out = scaled_dot_product_attention(q, k, v, mask, dropout_p)
        out = out.transpose(1, 2).reshape(batch, target_len, self.embed_dim)  # (N, L, E)
        out = self.out_proj(out)
        if not batched:
            return out.squeeze(0), weights
        return (out if self.batch_first else out.transpose(0, 1)), weights

    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Q W_Qᵀ + b_Q, K W_Kᵀ + b_K, V W_Vᵀ + b_V; one matmul when query, key and value are
        the same tensor (self-attention)."""
        embed = self.embed_dim
        bias = self.in_proj_bias
        biases = (None,) * 3 if bias is None else (bias[:embed], bias[embed : 2 * embed],
                                                   bias[2 * embed :])  # fmt: skip
        if not self._qkv_same_embed_dim:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        elif query is key and key is value:
            return linear(query, self.in_proj_weight, bias).chunk(3, dim=-1)
        else:
            weight = self.in_proj_weight
            weights = (weight[:embed], weight[embed : 2 * embed], weight[2 * embed :])
        return tuple(
            linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases, strict=True)
        )

    def _merged_mask(self, attn_mask, key_padding_mask, q: Tensor, batch: int, source_len: int):
        """attn_mask and key_padding_mask as one float mask to add to the scores, broadcastable
        to (N, h, L, S); None when there is neither."""
        target_len = q.shape[2]
        mask = None
        if attn_mask is not None:
            mask = _as_float_mask(attn_mask, "attn_mask", q)
            if mask.shape == (target_len, source_len):
                mask = mask.reshape(1, 1, target_len, source_len)
            elif mask.shape == (batch * self.num_heads, target_len, source_len):
                mask = mask.reshape(batch, self.num_heads, target_len, source_len)
            else:
                raise ValueError(
                    f"attn_mask must have shape (L, S) = {(target_len, source_len)} or "
                    f"(N·num_heads, L, S) = {(batch * self.num_heads, target_len, source_len)}, "
                    f"got {tuple(attn_mask.shape)}"
                )
        if key_padding_mask is not None:
            if tuple(key_padding_mask.shape) != (batch, source_len):
                raise ValueError(
                    f"key_padding_mask must have shape (N, S) = {(batch, source_len)}, got "
                    f"{tuple(key_padding_mask.shape)}"
                )
            padding = _as_float_mask(key_padding_mask, "key_padding_mask", q)
            padding = padding.reshape(batch, 1, 1, source_len)
            mask = padding if mask is None else mask + padding
        return mask

    def _check_inputs(self, query: Tensor, key: Tensor, value: Tensor) -> bool:
        """Whether the inputs are batched; raise a ValueError naming the argument otherwise."""
        batched = query.ndim == 3
        if query.ndim not in (2, 3):
            raise ValueError(
                f"query must be (L, N, E) ((N, L, E) with batch_first) or unbatched (L, E), got "
                f"shape {tuple(query.shape)}"
            )
        for name, tensor, size in (
            ("query", query, self.embed_dim),
            ("key", key, self.kdim),
            ("value", value, self.vdim),
        ):
            if tensor.ndim != query.ndim or tensor.shape[-1] != size:
                raise ValueError(
                    f"{name} must have {query.ndim} dims with {size} features in the last, got "
                    f"shape {tuple(tensor.shape)}"
                )
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(
                f"key and value must have the same batch and sequence sizes, got "
                f"{tuple(key.shape)} and {tuple(value.shape)}"
            )
        return batched

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"


def _as_float_mask(mask: Tensor, name: str, like: Tensor) -> Tensor:
    """A bool mask (True: masked out) as -inf/0 floats; a float mask as it is, in like's dtype."""
    if mask.dtype.kind == "b":
        return ag.zeros(mask.shape, dtype=like.dtype, device=like.device).masked_fill(
            mask, -math.inf
        )
    if mask.dtype.kind != "f":
        raise TypeError(f"{name} must be bool or floating, got dtype {mask.dtype}")
    return mask if mask.dtype == like.dtype else mask.to(like.dtype)


def _pad_masks(attn_mask, key_padding_mask):
    """Both masks with one more key column that is never masked (for bias_k or the zero key)."""
    if attn_mask is not None:
        attn_mask = ag.pad(attn_mask, (0, 1))
    if key_padding_mask is not None:
        key_padding_mask = ag.pad(key_padding_mask, (0, 1))
    return attn_mask, key_padding_mask
