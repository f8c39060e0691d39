"""A mixture-of-experts feed-forward layer with top-k routing (Shazeer et al., "Outrageously
Large Neural Networks: The Sparsely-Gated Mixture-of-Experts Layer", 2017; Fedus et al., "Switch
Transformers", 2021).

For each token x (C,), a router scores the E experts and keeps the k best:

    p = softmax(x W_rᵀ)                       (E,)  routing probabilities
    S = top-k indices of p,  g_e = p_e / Σ_{e' ∈ S} p_e'   for e ∈ S   (renormalised gates)
    y = Σ_{e ∈ S} g_e · expert_e(x),   expert_e(x) = c_proj_e(gelu(c_fc_e(x)))

Each expert runs only on the tokens routed to it: the (token, slot) assignments are sorted by
expert, each expert gathers its tokens in one index_select, and the weighted outputs are added
back to their tokens with one scatter_add. The Python loop runs over experts, never over tokens.

Load balancing (Switch Transformer, eq. 4-6): with N tokens,

    f_e = (1 / (N k)) · #{(token, slot) routed to e}     (the share of assignments; Σ f_e = 1)
    P_e = (1 / N) · Σ_x p_e(x)                            (the mean router probability)
    aux_loss = E · Σ_e f_e · P_e

which is 1 when routing is uniform and grows to E when every token goes to one expert. f is a
count (no gradient); the gradient reaches the router through P. After each forward the loss is
in `moe.aux_loss`; add a small multiple (Switch uses 0.01) to the training loss.
"""

from __future__ import annotations

import nashai.autograd as ag
import nashai.nn as nn
from nashai.autograd import Tensor

__all__ = ["Expert", "MoE"]


class Expert(nn.Module):
    """One expert: the GPT feed-forward network c_proj(gelu(c_fc(x))), (*, C) -> (*, C)."""

    def __init__(self, n_embd: int, hidden: int):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, hidden)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(hidden, n_embd)

    def forward(self, x: Tensor) -> Tensor:
        return self.c_proj(self.gelu(self.c_fc(x)))


class MoE(nn.Module):
    """A sparsely gated mixture of n_experts feed-forward experts, top_k of them per token.

    Args:
        n_embd: C, the width of the tokens.
        n_experts: E, the number of experts.
        top_k: k, the experts each token is sent to (1 <= k <= E).
        hidden: the width inside each expert (default 4 C, as GPT's MLP).
        dropout: dropout probability on the layer's output.

    Shapes: (*, C) -> (*, C). After forward, `aux_loss` holds the scalar load-balancing loss
    and `tokens_per_expert` the number of (token, slot) assignments of each expert (E,).
    """

    def __init__(
        self,
        n_embd: int,
        n_experts: int,
        top_k: int,
        hidden: int | None = None,
        dropout: float = 0.0,
    ):
        super().__init__()
        for name, value in (("n_embd", n_embd), ("n_experts", n_experts), ("top_k", top_k)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if top_k > n_experts:
            raise ValueError(f"top_k ({top_k}) must be at most n_experts ({n_experts})")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        hidden = 4 * n_embd if hidden is None else hidden
        self.n_embd = n_embd
        self.n_experts = n_experts
        self.top_k = top_k
        self.router = nn.Linear(n_embd, n_experts, bias=False)
        self.experts = nn.ModuleList([Expert(n_embd, hidden) for _ in range(n_experts)])
        self.dropout = nn.Dropout(dropout)
        self.aux_loss: Tensor | None = None
        self.tokens_per_expert: list[int] | None = None

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] != self.n_embd:
            raise ValueError(
                f"x must have {self.n_embd} features in its last dimension, got shape "
                f"{tuple(x.shape)}"
            )
        shape = x.shape
        x = x.reshape(-1, self.n_embd)  # (N, C)
        N, k = x.shape[0], self.top_k
        probs = self.router(x).softmax(dim=-1)  # (N, E)
        top_probs, top_experts = probs.topk(k, dim=-1)  # (N, k), (N, k)
        gates = top_probs / top_probs.sum(dim=-1, keepdim=True)  # (N, k), renormalised

        # sort the N k assignments by expert so that each expert's tokens are one slice
        flat_experts = top_experts.reshape(-1)  # (N k,)
        order = flat_experts.argsort()  # (N k,) assignment ids, grouped by expert
        counts = (flat_experts.unsqueeze(1) == ag.arange(self.n_experts, device=x.device)).sum(0)
        counts = counts.tolist()  # (E,) assignments per expert
        tokens = order // k  # (N k,) the token of each sorted assignment
        sorted_gates = gates.reshape(-1).index_select(0, order).unsqueeze(1)  # (N k, 1)

        outputs, start = [], 0
        for expert, count in zip(self.experts, counts, strict=True):
            if count:
                outputs.append(expert(x.index_select(0, tokens[start : start + count])))
            start += count
        weighted = ag.cat(outputs, dim=0) * sorted_gates  # (N k, C)
        index = tokens.unsqueeze(1).expand(N * k, self.n_embd)  # (N k, C)
        y = x.new_zeros(N, self.n_embd).scatter_add(0, index, weighted)  # (N, C)

        fraction = ag.tensor(counts, dtype=probs.dtype, device=x.device) / (N * k)  # f (E,)
        self.aux_loss = self.n_experts * (fraction * probs.mean(dim=0)).sum()
        self.tokens_per_expert = counts
        return self.dropout(y).reshape(shape)

    def extra_repr(self) -> str:
        return f"n_embd={self.n_embd}, n_experts={self.n_experts}, top_k={self.top_k}"
